# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The shell check of sso_identity: the AWS CLI run through the user's login shell, as a terminal runs it.

No --profile is given, so an exported static key or a stray AWS_PROFILE
shows up here. The shell answers over descriptor 3 in a frame marked with
a nonce of this run; what start-up files print is never parsed. A shell
that timed out, was killed, gave no answer or one that looks forged makes
the user's rows `error`, never `ok`. Of the shell's environment only the
names of the variables that matter are kept, and AWS_PROFILE's value.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.labcloud.aws_sso.plugins.module_utils import aws_cli, bounded_process
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_scan import (
    SYSTEM_SCAN,
    USER_SCAN,
    scan_files,
    scan_paths,
)

# AWS_PROFILE is the one value of the user's shell that is kept: a profile
# name, cut to this length.
MAX_PROFILE_NAME = 256


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
        if eq and (name in aws_cli.STATIC_KEY_VARS or name in aws_cli.SELECTOR_VARS):
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


def _shell_failed(rows, shell, reason, forged=False):
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
    paths = scan_paths(USER_SCAN, home) + scan_paths(SYSTEM_SCAN)
    found, _warnings = scan_files(paths, [variable])
    if found:
        return found[0]["file"], found[0]["line"]
    return None, None


def shell_verdict(home, names, shell_ident, default_profile, default_row):
    """An env_override for the user's default profile, or None."""
    variable = None
    why = None
    for name in aws_cli.STATIC_KEY_VARS:
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
        message = aws_cli.classify(code, stderr)[1] if code else "the AWS CLI printed something that is not JSON"
        return {"arn": None, "account": None, "role": None, "user_id": None, "message": mask_message(message)}
    arn = ident.get("Arn")
    return {
        "arn": arn,
        "account": ident.get("Account"),
        "role": aws_cli.role_from_arn(arn)[1],
        "user_id": ident.get("UserId"),
    }


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


def shell_check(acct, spec, cli, rows):
    """Run the check in the user's login shell and judge the rows by it; returns the user's `shell` result."""
    login_shell = spec.get("login_shell") or "/bin/sh"
    env = {
        "HOME": acct.home,
        "USER": acct.name,
        "LOGNAME": acct.name,
        "PATH": aws_cli.SAFE_PATH,
        "SHELL": login_shell,
        "TERM": "dumb",
    }
    env.update(spec.get("environment") or {})
    nonce = bounded_process.new_nonce()
    argv = shell_argv(login_shell) + [shell_script(cli, nonce, login_shell)]
    try:
        done = bounded_process.run(
            argv, env, aws_cli.CLI_TIMEOUT, channel=True, cwd=acct.home if os.path.isdir(acct.home) else "/"
        )
        names, code, ident_out, stderr = shell_answer(done, nonce, login_shell)
    except OSError as exc:
        return _shell_failed(rows, login_shell, "the login shell %s could not be run: %s" % (login_shell, exc))
    except ShellCheckFailed as exc:
        return _shell_failed(rows, login_shell, str(exc), exc.forged)
    shell_ident = shell_identity(code, ident_out, stderr)
    default_profile = (
        spec.get("default_profile")
        or names.get("AWS_PROFILE")
        or ("default" if any(r["profile"] == "default" for r in rows) else None)
    )
    # A row without a profile (a config that does not parse) is nobody's default.
    default_row = next((r for r in rows if default_profile and r["profile"] == default_profile), None)
    if default_row is None and rows and any(name in names for name in aws_cli.STATIC_KEY_VARS):
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
