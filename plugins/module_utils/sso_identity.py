# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Can this user really use AWS through this profile? The logic of the sso_identity_info module.

Three depths, each including the one before:
- token: the CLI's own token cache, read offline (milliseconds, no CLI);
- live: `aws sts get-caller-identity --profile P` in a clean, known
  environment, as the user;
- shell: the same call through the user's login shell, without --profile,
  which is what the user gets when they open a terminal (identity_shell).

Here each profile becomes one row with a status; the CLI is found, run
and read by aws_cli. Everything runs as the user (as_user.run_as_many).
The identity document the CLI prints holds no secret; nothing from the
token file, export-credentials or the CLI caches is ever put in a result.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import threading
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils import atomic_file, key_backups, sso_cache
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import describe_os_error
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_cli import (
    CLI_CANDIDATES,
    classify,
    cli_environment,
    role_from_arn,
    run_cli,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.identity_shell import shell_check
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
            result["shell"] = shell_check(acct, spec, cli, rows)
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
            code, out, err = run_cli(cli, row["profile"], env)
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


def count(users):
    counts = {}
    for user in users:
        for row in user.get("profiles", []):
            counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts
