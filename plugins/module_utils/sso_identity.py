# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Can this user really use AWS through this profile? The logic of the sso_identity_info module.

Three depths, each including the one before:
- token: the CLI's own token cache, read offline (milliseconds, no CLI);
- live: `aws sts get-caller-identity --profile P` in a clean, known
  environment, as the user;
- shell: the same call through the user's login shell, without --profile,
  which is what the user gets when they open a terminal: an exported static
  key or a stray AWS_PROFILE shows up here. The shell answers over
  descriptor 3 in a frame marked with a nonce of this run; what start-up
  files print is never parsed. A shell that timed out, was killed, gave no
  answer or one that looks forged makes the user's rows `error`, never `ok`.

Everything runs as the user (as_user.run_as_many), every process through
bounded_process.run (output caps, timeouts, the process group killed at the
end). What the CLI prints is
classified by exit code and error type, never by how a line starts (newer
CLIs prefix `aws: [ERROR]:`). The identity document the CLI prints holds no
secret; nothing from the token file, export-credentials or the CLI caches is
ever put in a result.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import threading
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils import (
    atomic_file,
    bounded_process,
    key_backups,
    shell_env,
    sso_cache,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import describe_os_error
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import SsoConfig, SsoConfigError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

# Worst first: the order a report lists problems in.
STATUSES = (
    "error",
    "unreachable",
    "config_error",
    "cli_missing",
    "forbidden",
    "wrong_account",
    "env_override",
    "login_required",
    "ok",
)
CHECKS = ("token", "live", "shell")

# Where `aws` is looked for when no path is given: the official installer's
# default link first.
CLI_CANDIDATES = ("/usr/local/bin/aws", "/usr/bin/aws", "/bin/aws", "/opt/aws/bin/aws")
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

# Variables that decide which credentials a shell's AWS calls use, over any profile.
STATIC_KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
SELECTOR_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
# The caller may not steer the check itself with these: it would test
# something other than the user's own profile.
REFUSED_ENV = STATIC_KEY_VARS + SELECTOR_VARS + ("HOME",)

CLI_TIMEOUT = 60
# AWS_PROFILE is the one value of the user's shell that is kept: a profile
# name, cut to this length.
MAX_PROFILE_NAME = 256

_CLIENT_ERROR = re.compile(
    r"An error occurred \((?P<type>[A-Za-z0-9_.]+)\)(?: when calling the (?P<op>\w+) operation)?"
)
_ARN_ROLE = re.compile(r"^arn:aws[\w-]*:sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/")
_SSO_ROLE = re.compile(r"^AWSReservedSSO_(?P<name>.+)_[0-9a-f]{16}$")

# (pattern in the CLI's message, status). Each names an exception class of
# botocore or the CLI by the text that class always carries.
_MESSAGES = (
    ("Error loading SSO Token", "login_required"),  # SSOTokenLoadError
    ("Token has expired and refresh failed", "login_required"),  # TokenRetrievalError
    ("The SSO session associated with this profile has expired", "login_required"),  # UnauthorizedSSOTokenError
    ("could not be found", "config_error"),  # ProfileNotFound
    ("The specified sso-session does not exist", "config_error"),
    ("is configured to use SSO but is missing required configuration", "config_error"),
    ("Unable to parse config file", "config_error"),  # ConfigParseError
    ("Unable to locate credentials", "config_error"),  # NoCredentialsError
    ("You must specify a region", "config_error"),  # NoRegionError
    ("Could not connect to the endpoint URL", "unreachable"),  # EndpointConnectionError
    ("Connect timeout on endpoint URL", "unreachable"),  # ConnectTimeoutError
    ("Read timeout on endpoint URL", "unreachable"),  # ReadTimeoutError
    ("SSL validation failed", "unreachable"),  # SSLError
    ("Failed to connect to proxy URL", "unreachable"),  # ProxyConnectionError
)
_CLIENT_STATUS = {
    "NoRegion": "config_error",
    "ForbiddenException": "forbidden",
    "UnauthorizedException": "login_required",
    "ExpiredTokenException": "login_required",
    "InvalidClientTokenId": "login_required",
    "ExpiredToken": "login_required",
}


def cli_message(stderr):
    """The CLI's error text without the `aws: [ERROR]:` prefix and blank lines."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    text = " ".join(lines)
    return re.sub(r"^aws:\s*\[ERROR\]:\s*", "", text)[:500]


def classify(returncode, stderr):
    """(status, message) for a failed `aws` run."""
    message = cli_message(stderr)
    client = _CLIENT_ERROR.search(message)
    if client:
        return _CLIENT_STATUS.get(client.group("type"), "error"), message
    for pattern, status in _MESSAGES:
        if pattern in message:
            return status, message
    return "error", message or "the AWS CLI failed with exit code %d and no message" % returncode


def role_from_arn(arn):
    """(account, role name) from an assumed-role ARN; the permission set's
    name for roles Identity Center provisioned."""
    match = _ARN_ROLE.match(arn or "")
    if not match:
        return None, None
    role = match.group("role")
    sso = _SSO_ROLE.match(role)
    return match.group("account"), (sso.group("name") if sso else role)


def find_cli(explicit=None, exists=os.path.isfile, executable=lambda p: os.access(p, os.X_OK)):
    """The path of `aws` to run, or None."""
    candidates = [explicit] if explicit else list(CLI_CANDIDATES)
    for path in candidates:
        if path and exists(path) and executable(path):
            return path
    return None


def cli_environment(home, user, extra):
    """A clean, known environment: nothing of Ansible's, root's or the user's
    shell leaks in, so a profile is judged on its own."""
    env = {
        "HOME": home,
        "USER": user,
        "LOGNAME": user,
        "PATH": SAFE_PATH,
        "LANG": "C.UTF-8",
        "AWS_PAGER": "",
    }
    env.update(extra or {})
    return env


def _advice(status, row, cli_path):
    session = row.get("session")
    login = (
        "sign in: `aws sso login --sso-session %s` as the user, or playbook labcloud.aws_sso.login" % session
        if session
        else "sign in: `aws sso login --profile %s` as the user, or playbook labcloud.aws_sso.login" % row["profile"]
    )
    if status == "login_required":
        return _login_required(row, login)
    if status == "forbidden":
        return (
            "role %s is not assigned to this user in account %s; ask the Identity Center admin to assign it, or drop the profile"
            % (
                row.get("expected_role"),
                row.get("expected_account"),
            )
        )
    if status == "cli_missing":
        return "no AWS CLI at %s; install it (playbook labcloud.aws_sso.setup, role awscli)" % (
            cli_path or " or ".join(CLI_CANDIDATES)
        )
    return None


def _login_required(row, login):
    """Why a profile needs a sign-in: the cache may still call a token good that the portal has refused."""
    state = row["token"]["state"] if row["token"] else "unknown"
    if row.get("checked") == "token" or not row["token"] or not sso_cache.usable(row["token"]):
        return "not signed in (token %s); %s" % (state, login)
    why = (
        "the portal refused the token although the cache says it is valid until %s"
        % (row["token"].get("expires_at") or "later")
        if state in ("valid", "expiring")
        else "the token expired and the portal refused to refresh it"
    )
    return "the sign-in was ended or revoked (signed out elsewhere, or by an administrator): %s; %s" % (why, login)


def _token_for(home, uid, settings):
    """(token status, problem with its content, digest) of the profile's token cache file.

    Raises AsUserError when the file cannot be read at all (a FIFO,
    another user's file, an endless one): the CLI would hang or fail on it.
    """
    path = sso_cache.token_path(home, settings["session"], None if settings["session"] else settings["start_url"])
    problem = None
    data = None
    try:
        state = atomic_file.read_state(path, owner=uid)
    except OSError as exc:
        raise AsUserError("%s: %s" % (path, exc.strerror or exc)) from None
    if state["exists"]:
        try:
            data = sso_cache.load_token(state["content"])
        except sso_cache.TokenCacheError as exc:
            problem = str(exc)
    status = sso_cache.token_status(data, legacy=settings["legacy"])
    return status, problem, state.get("sha256")


def _base_row(profile):
    return {
        "profile": profile,
        "status": None,
        "session": None,
        "start_url": None,
        "expected_account": None,
        "expected_role": None,
        # None until read: a profile whose sign-in cannot be located has no known token state.
        "token": None,
        "account": None,
        "arn": None,
        "role": None,
        "user_id": None,
        "account_matches": None,
        "role_matches": None,
        "message": None,
        "env_override": None,
        "refreshed": False,
        "checked": "token",
        "forged": False,
    }


def _run_cli(cli, profile, env, argv_prefix=None):
    argv = list(argv_prefix or []) + [cli, "sts", "get-caller-identity", "--output", "json"]
    if profile:
        argv += ["--profile", profile]
    try:
        done = bounded_process.run(argv, env, CLI_TIMEOUT)
    except OSError as exc:
        # Found by root but not runnable by the user (under /root, mode 0700):
        # an error row that says so, never a row without a status.
        return 126, "", "the AWS CLI at %s could not be started as this user: %s" % (cli, exc.strerror or exc)
    if done.timed_out:
        return 124, "", "the AWS CLI did not answer within %d s; it was ended" % done.timeout
    return done.returncode, bounded_process.text(done.stdout), bounded_process.text(done.stderr)


def apply_identity(row, returncode, stdout, stderr, cli_path=None):
    """Fill row from one `get-caller-identity` run."""
    if returncode != 0:
        status, message = classify(returncode, stderr)
        if status == "unreachable" and returncode == 124:
            message = stderr
        row["status"] = status
        row["message"] = _advice(status, row, cli_path) or message
        if status in ("config_error", "unreachable", "error"):
            row["message"] = message + _fix_hint(status)
        # The CLI's stderr can quote a credential_process's own output.
        row["message"] = mask_message(row["message"])
        return row
    try:
        ident = json.loads(stdout)
    except ValueError:
        row.update(status="error", message="the AWS CLI printed something that is not JSON")
        return row
    row["account"] = ident.get("Account")
    row["arn"] = ident.get("Arn")
    row["user_id"] = ident.get("UserId")
    _acct, row["role"] = role_from_arn(row["arn"])
    if row["expected_account"]:
        row["account_matches"] = row["account"] == row["expected_account"]
    if row["expected_role"]:
        row["role_matches"] = row["role"] == row["expected_role"]
    if row["account_matches"] is False or row["role_matches"] is False:
        row["status"] = "wrong_account"
        row["message"] = (
            "the profile asks for account %s role %s but the CLI got account %s role %s; "
            "check the profile's sso_account_id/sso_role_name (and credential_process or env keys)"
            % (row["expected_account"], row["expected_role"], row["account"], row["role"])
        )
        return row
    row["status"] = "ok"
    if not sso_cache.usable(row["token"]):
        row["message"] = (
            "works now from role credentials the CLI cached, but the sign-in has ended (token %s); "
            "the profile stops working when they expire: sign in again" % row["token"]["state"]
        )
    return row


def _fix_hint(status):
    if status == "config_error":
        return " (fix ~/.aws/config, for example by running playbook labcloud.aws_sso.setup again)"
    if status == "unreachable":
        return " (check this host's network, proxy and firewall towards that endpoint)"
    return ""


def token_only(row):
    if sso_cache.usable(row["token"]):
        row["status"] = "ok"
    else:
        row["status"] = "login_required"
        row["message"] = _advice("login_required", row, None)
    return row


# -- the shell check ---------------------------------------------------------


def shell_argv(shell):
    """A login, interactive shell: what a person gets in a terminal. Debian's
    ~/.bashrc returns early unless interactive, and keys are often exported
    below that line."""
    name = os.path.basename(shell or "")
    if name in ("bash", "zsh", "fish", "ksh", "mksh"):
        return [shell, "-l", "-i", "-c"]
    return [shell or "/bin/sh", "-l", "-c"]


# Absolute: an alias or function called env in a start-up file must not answer.
_ENV_PROGRAM = "/usr/bin/env"


def shell_script(cli, nonce, shell):
    """What the login shell runs once its start-up files are done.

    Its environment and the CLI's answer go to descriptor 3 as one frame of
    sections `NONCE env`, `NONCE cli`, `NONCE end STATUS`
    (bounded_process.read_frame); the CLI's messages go to stderr after a
    `NONCE cli` line. echo, redirections and `;` mean the same in sh, bash,
    zsh and fish; only the exit status variable differs.
    """
    status = "$status" if os.path.basename(shell or "") == "fish" else "$?"
    return (
        "echo '{n} env' >&3; {env} -0 >&3; echo >&3; echo '{n} cli' >&3; echo '{n} cli' >&2; "
        '{cli} sts get-caller-identity --output json >&3; echo "{n} end {status}" >&3'
    ).format(n=nonce, env=_ENV_PROGRAM, cli=cli, status=status)


def parse_environment(payload):
    """{name: None} for the variables that matter, and AWS_PROFILE with its
    value: no other value of the user's shell is kept (env -0 output, bytes)."""
    names = {}
    for item in bounded_process.text(payload).split("\0"):
        name, eq, value = item.partition("=")
        if eq and (name in STATIC_KEY_VARS or name in SELECTOR_VARS):
            names[name] = value[:MAX_PROFILE_NAME] if name == "AWS_PROFILE" else None
    return names


class ShellCheckFailed(Exception):
    """The user's shell gave no answer that can be trusted; forged says whether it looked faked."""

    def __init__(self, message, forged=False):
        super(ShellCheckFailed, self).__init__(message)
        self.forged = forged


def shell_answer(done, nonce, shell):
    """(variables, CLI exit code, CLI stdout, CLI stderr) from a shell run
    (a bounded_process.Completed); raises ShellCheckFailed for anything less."""
    try:
        sections = {
            name.decode("ascii", "replace"): (args, payload)
            for name, args, payload in bounded_process.read_frame(done, nonce)
        }
    except bounded_process.ForgedOutput as exc:
        raise ShellCheckFailed(
            "shell output looked forged (%s), so it was not believed; only this user's own start-up files "
            "could do this: look at them" % exc,
            forged=True,
        ) from None
    if done.timed_out:
        raise ShellCheckFailed(
            "the login shell (%s) timed out after %d s and was ended with everything it started; a start-up "
            "file waits or hangs" % (shell, done.timeout)
        )
    if done.returncode < 0:
        raise ShellCheckFailed(
            "the login shell (%s) was killed by signal %d before it gave a result" % (shell, -done.returncode)
        )
    if "channel" in done.truncated:
        raise ShellCheckFailed(
            "the login shell (%s) answered more than %d bytes; no result" % (shell, len(done.channel))
        )
    missing = [name for name in ("env", "cli", "end") if name not in sections]
    if missing:
        raise ShellCheckFailed(
            "the login shell (%s) exited with status %d and no result (no %s part); a start-up file may exit, "
            "or close or redirect descriptor 3" % (shell, done.returncode, missing[0])
        )
    try:
        code = int(sections["end"][0])
    except ValueError:
        raise ShellCheckFailed("the login shell (%s) gave no exit status of the AWS CLI; no result" % shell) from None
    cli_stderr = done.stderr.rpartition(nonce.encode("ascii") + b" cli\n")[2]
    return (
        parse_environment(sections["env"][1]),
        code,
        bounded_process.text(sections["cli"][1]),
        bounded_process.text(cli_stderr),
    )


# What a shell's overrides can turn into env_override: without the shell's
# answer these are not known to be right.
_SHELL_JUDGED = ("ok", "login_required", "wrong_account")


def shell_failed(rows, shell, reason, forged=False):
    """Every row of a user whose shell check failed: never ok, the reason said."""
    for row in rows:
        row["checked"] = "shell"
        row["forged"] = forged
        if row["status"] in _SHELL_JUDGED:
            before = row["status"] + (": " + row["message"] if row["message"] else "")
            row["status"] = "error"
            row["message"] = "%s (without the shell, the check said %s)" % (reason, before)
        else:
            row["message"] = "; ".join(filter(None, (row["message"], "the shell check failed too: " + reason)))
    return {"shell": shell, "error": reason, "forged": forged}


def _override_location(home, variable):
    paths = shell_env._scan_paths(shell_env.USER_SCAN, home) + shell_env._scan_paths(shell_env.SYSTEM_SCAN)
    found, _warnings = shell_env.scan_files(paths, [variable])
    if found:
        return found[0]["file"], found[0]["line"]
    return None, None


def shell_verdict(home, names, shell_ident, default_profile, default_row):
    """An env_override for the user's default profile, or None."""
    variable = None
    why = None
    for name in STATIC_KEY_VARS:
        if name in names:
            variable = name
            why = (
                "%s is exported, so every AWS tool in this user's shell uses those static keys instead of the SSO profile"
                % name
            )
            break
    if variable is None and "AWS_CONFIG_FILE" in names:
        variable = "AWS_CONFIG_FILE"
        why = "AWS_CONFIG_FILE is set, so the CLI reads another config file than ~/.aws/config"
    if variable is None and default_profile:
        profile = names.get("AWS_PROFILE")
        if profile is not None and profile != default_profile:
            variable = "AWS_PROFILE"
            why = "AWS_PROFILE is %s in the user's shell, not %s" % (profile, default_profile)
    if variable is None and default_row is not None and default_row.get("arn") and shell_ident.get("arn"):
        if shell_ident["arn"] != default_row["arn"]:
            variable = "AWS_PROFILE"
            why = "the user's shell gets %s, not %s" % (shell_ident["arn"], default_row["arn"])
    if variable is None:
        return None
    path, line = _override_location(home, variable)
    where = " (set in %s line %s; remove it there)" % (path, line) if path else ""
    return {"variable": variable, "file": path, "line": line, "message": why + where}


def shell_identity(code, stdout, stderr):
    """What the CLI run in the user's shell got: arn, account, role, user_id, or message when it failed."""
    ident = None
    if code == 0:
        try:
            ident = json.loads(stdout)
        except ValueError:
            pass
    if not isinstance(ident, dict):
        message = classify(code, stderr)[1] if code else "the AWS CLI printed something that is not JSON"
        return {"arn": None, "account": None, "role": None, "user_id": None, "message": mask_message(message)}
    arn = ident.get("Arn")
    return {"arn": arn, "account": ident.get("Account"), "role": role_from_arn(arn)[1], "user_id": ident.get("UserId")}


def as_the_shell_gets(row, shell_ident, why):
    """Make row env_override, showing the identity the user's shell really gets
    (not the clean --profile check's), and what that check said."""
    before = "with --profile %s alone the check said %s" % (row["profile"], row["status"])
    if row["account"]:
        before += " (account %s role %s)" % (row["account"], row["role"])
    row.update(status="env_override", account_matches=None, role_matches=None)
    for key in ("account", "arn", "role", "user_id"):
        row[key] = shell_ident.get(key)
    if row["account"] and row["expected_account"]:
        row["account_matches"] = row["account"] == row["expected_account"]
    if row["role"] and row["expected_role"]:
        row["role_matches"] = row["role"] == row["expected_role"]
    if shell_ident.get("message"):
        gets = "in the user's shell the AWS CLI fails: %s" % shell_ident["message"]
    elif row["arn"] and row["arn"] in why:
        gets = None  # the reason already names what the shell gets
    else:
        gets = "the user's shell gets account %s role %s" % (row["account"], row["role"] or row["arn"])
    row["message"] = "; ".join(part for part in (why, gets, before) if part)


# -- one user, as that user ----------------------------------------------------


def _profiles_to_check(config, wanted, config_error):
    if wanted:
        return list(wanted)
    if config_error:
        # The profiles would come from the file itself, which names none when
        # it cannot be read: one row for the whole file says why, and counts.
        return [None]
    return config.sso_profile_names()


def _read_config(acct):
    """(SsoConfig, None), or an empty one and why ~/.aws/config cannot be used (masked, printable)."""
    config_path = os.path.join(acct.home, ".aws", "config")
    try:
        state = atomic_file.read_state(config_path, owner=acct.uid)
        return SsoConfig(state["content"] if state["exists"] else ""), None
    except ConfigFileError as exc:
        reason = "%s: %s" % (config_path, exc.redacted)
    except AsUserError as exc:
        reason = str(exc)
    except OSError as exc:
        reason = describe_os_error(exc, acct)
    # The parser's message can quote a line of the file; the file is the user's.
    return SsoConfig(""), printable(mask_message(reason), one_line=True)


def _sign_in_of(config, profile):
    """Where the token of a profile the CLI refuses would be: its sso_session
    (or legacy start URL), even when the rest of its settings is broken; None
    when the profile names neither."""
    values = config.profiles.get(profile) or {}
    session = values.get("sso_session")
    if session:
        start_url = (config.sessions.get(session) or {}).get("sso_start_url")
        return {"session": session, "start_url": start_url, "legacy": False}
    if values.get("sso_start_url"):
        return {"session": None, "start_url": values["sso_start_url"], "legacy": True}
    return None


def _broken_profile(row, acct, config, reason):
    """A profile the CLI would refuse: config_error, with the state of the sign-in it names when there is one."""
    row.update(status="config_error", message=reason + _fix_hint("config_error"))
    located = _sign_in_of(config, row["profile"])
    if located is None:
        return
    row.update(session=located["session"], start_url=located["start_url"])
    try:
        row["token"] = _token_for(acct.home, acct.uid, located)[0]
    except AsUserError:
        pass  # the token state stays unknown; the config is what to fix first


def user_work(acct, spec):
    """Everything for one user; runs as the user. Never raises for a
    profile's problem: each problem becomes that profile's status."""
    started = time.monotonic()
    result = {"user": acct.name, "home": acct.home, "error": None, "profiles": [], "shell": None}
    config, config_error = _read_config(acct)

    rows = []
    for profile in _profiles_to_check(config, spec.get("profiles"), config_error):
        row = _base_row(profile)
        rows.append(row)
        if config_error:
            row.update(status="config_error", message=config_error + _fix_hint("config_error"))
            continue
        try:
            settings = config.sso_settings(profile)
        except SsoConfigError as exc:
            _broken_profile(row, acct, config, str(exc))
            continue
        row.update(
            session=settings["session"],
            start_url=settings["start_url"],
            expected_account=settings["account_id"],
            expected_role=settings["role_name"],
        )
        try:
            row["token"], problem, row["_token_sha"] = _token_for(acct.home, acct.uid, settings)
        except AsUserError as exc:
            row.update(
                status="error",
                message="the SSO token cache could not be read, so nothing was checked: %s; the user signs in "
                "again once it is moved away" % exc,
            )
            continue
        if problem:
            row["message"] = problem
    check = spec["check"]
    cli = spec.get("cli")
    todo = [row for row in rows if row["status"] is None]
    if check == "token" or not todo:
        for row in todo:
            token_only(row)
    elif cli is None:
        for row in todo:
            # checked stays token: no CLI ran, so the account and role are as unknown as offline.
            row.update(status="cli_missing", message=_advice("cli_missing", row, spec.get("cli_wanted")))
    else:
        env = cli_environment(acct.home, acct.name, spec.get("environment"))
        if spec.get("region"):
            # What the user's shell exports (role sso); a profile's own region wins.
            env.setdefault("AWS_REGION", spec["region"])
        _live(rows=todo, cli=cli, env=env, parallel=spec.get("parallel", 2), acct=acct)
        if check == "shell":
            result["shell"] = _shell(acct, spec, cli, rows)
    for row in rows:
        row.pop("_token_sha", None)
    result["profiles"] = rows
    result["notes"] = key_backup_notes(acct)
    result["duration_ms"] = int((time.monotonic() - started) * 1000)
    return result


def key_backup_notes(acct):
    """What the report says about copies of removed keys still in ~/.aws (names only, nothing read).

    static_keys makes them; a run of it deletes them after backup_days.
    """
    aws_dir = os.path.join(acct.home, ".aws")
    try:
        names = key_backups.backup_names(aws_dir, ("credentials", "config"), acct.uid)
    except OSError as exc:
        return ["backups of removed keys in %s could not be listed: %s" % (aws_dir, exc.strerror or exc)]
    return [
        "%s may hold plain-text AWS keys (a backup static_keys made when it removed them); the next set-up "
        "run deletes it after aws_sso_static_keys_backup_days, or delete it now as %s"
        % (os.path.join(aws_dir, name), acct.name)
        for name in names
    ]


def _live(rows, cli, env, parallel, acct):
    lock = threading.Lock()
    queue = list(rows)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                row = queue.pop(0)
            code, out, err = _run_cli(cli, row["profile"], env)
            row["checked"] = "live"
            apply_identity(row, code, out, err, cli)
            # The CLI refreshes an expired, refreshable token by itself.
            if row["session"] and row["token"]["state"] != "valid":
                settings = {"session": row["session"], "start_url": row["start_url"], "legacy": False}
                try:
                    after, _problem, sha = _token_for(acct.home, acct.uid, settings)
                except AsUserError:
                    continue  # refreshed stays False: the file is gone or replaced by something odd
                if sha and sha != row.get("_token_sha") and sso_cache.usable(after):
                    row["refreshed"] = True

    threads = [threading.Thread(target=worker) for _slot in range(max(1, min(parallel, len(rows))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _shell(acct, spec, cli, rows):
    login_shell = spec.get("login_shell") or "/bin/sh"
    env = {
        "HOME": acct.home,
        "USER": acct.name,
        "LOGNAME": acct.name,
        "PATH": SAFE_PATH,
        "SHELL": login_shell,
        "TERM": "dumb",
    }
    env.update(spec.get("environment") or {})
    nonce = bounded_process.new_nonce()
    argv = shell_argv(login_shell) + [shell_script(cli, nonce, login_shell)]
    try:
        done = bounded_process.run(
            argv, env, CLI_TIMEOUT, channel=True, cwd=acct.home if os.path.isdir(acct.home) else "/"
        )
        names, code, ident_out, stderr = shell_answer(done, nonce, login_shell)
    except OSError as exc:
        return shell_failed(rows, login_shell, "the login shell %s could not be run: %s" % (login_shell, exc))
    except ShellCheckFailed as exc:
        return shell_failed(rows, login_shell, str(exc), exc.forged)
    shell_ident = shell_identity(code, ident_out, stderr)
    default_profile = (
        spec.get("default_profile")
        or names.get("AWS_PROFILE")
        or ("default" if any(r["profile"] == "default" for r in rows) else None)
    )
    # A row without a profile (a config that does not parse) is nobody's default.
    default_row = next((r for r in rows if default_profile and r["profile"] == default_profile), None)
    if default_row is None and rows and any(name in names for name in STATIC_KEY_VARS):
        default_row = rows[0]
    override = shell_verdict(acct.home, names, shell_ident, default_profile, default_row)
    for row in rows:
        row["checked"] = "shell"
    if override and default_row is not None:
        message = override.pop("message")
        default_row["env_override"] = override
        if default_row["status"] in _SHELL_JUDGED:
            as_the_shell_gets(default_row, shell_ident, message)
    return {
        "shell": login_shell,
        "default_profile": default_profile,
        "variables": sorted(names),
        "aws_profile": names.get("AWS_PROFILE"),
        "account": shell_ident.get("account"),
        "arn": shell_ident.get("arn"),
    }


def count(users):
    counts = {}
    for user in users:
        for row in user.get("profiles", []):
            counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts
