# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of the labcloud.aws_sso.login playbook: who to sign in,
and the tables of pending and finished sign-ins across hosts.

Rows carry what sso_login returns: user codes, URLs, times and states; the
module never returns a secret, so nothing here can show one.
"""

from __future__ import annotations

import functools
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import entry_user

_NAME = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._@-]*\$?$")


class LoginInputError(ValueError):
    """Bad playbook input; the text names the variable and the fix."""


def as_filter(function):
    """function as a Jinja filter: bad input is the AnsibleFilterError Ansible shows, with the text only."""

    @functools.wraps(function)
    def checked(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except LoginInputError as exc:
            raise AnsibleFilterError(str(exc)) from None

    return checked


def login_users(declared, wanted=None):
    """The sso_login `users` option for a host: the users of `declared`
    (aws_sso_users: names or mappings with `user`), narrowed to `wanted`
    (login_users: a comma-separated string or a list) when given. With
    nothing declared, `wanted` is the list."""
    names = []
    for index, item in enumerate(declared or []):
        name = entry_user(item)
        if not isinstance(name, str) or not _NAME.match(name):
            raise LoginInputError(
                "aws_sso_users[%d]: %r is no user name; give a name or a mapping with user" % (index, item)
            )
        if name not in names:
            names.append(name)
    if wanted is None or wanted == "" or wanted == []:
        chosen = names
    else:
        if isinstance(wanted, str):
            wanted = [part.strip() for part in wanted.split(",") if part.strip()]
        if not isinstance(wanted, list) or not all(isinstance(n, str) and _NAME.match(n) for n in wanted):
            raise LoginInputError(
                "login_users: %r is not a list of user names; write -e login_users=alice,bob" % (wanted,)
            )
        chosen = [n for n in wanted if n in names] if names else list(dict.fromkeys(wanted))
    return [{"user": name} for name in chosen]


def _results(by_host):
    for host in sorted(by_host or {}):
        result = by_host[host]
        if isinstance(result, dict) and not result.get("skipped"):
            yield host, result


def login_rows(started, completed=None):
    """One row per host, user and session: the wait's outcome when the
    session was waited for, else what the start found."""
    waited = {}
    for host, result in _results(completed):
        for user in result.get("users") or []:
            for session in user.get("sessions") or []:
                waited[(host, user["user"], session["session"])] = session
    rows = []
    for host, result in _results(started):
        if result.get("unreachable") or (result.get("failed") and not result.get("users")):
            # Unreachable is unreachable here too, as in the report that follows.
            status = "unreachable" if result.get("unreachable") else "error"
            rows.append(_row(host, None, {"session": None, "status": status, "msg": result.get("msg")}))
            continue
        for user in result.get("users") or []:
            if user.get("failed"):
                rows.append(_row(host, user["user"], {"session": None, "status": "error", "msg": user.get("msg")}))
            for session in user.get("sessions") or []:
                final = waited.get((host, user["user"], session["session"]))
                if final is not None and final.get("status") != "no_flow":
                    session = final
                rows.append(_row(host, user["user"], session))
    return rows


# What to do about a sign-in that did not happen; the module gives no message for these.
NEXT_STEPS = {
    "denied": "the person refused this sign-in; if by mistake, run login again with "
    "-e login_users=%(user)s --limit %(host)s",
    "expired": "nobody approved the code in time; run login again with -e login_users=%(user)s "
    "--limit %(host)s and forward the new link",
    "timeout": "still waiting when login stopped; run login again to show the same code and wait for it",
}


def _row(host, user, session):
    flow = session.get("flow") or {}
    token = session.get("token") or {}
    msg = session.get("msg")
    if not msg and session.get("status") in NEXT_STEPS:
        msg = NEXT_STEPS[session["status"]] % {"user": user, "host": host}
    return {
        "host": host,
        "user": user,
        "session": session.get("session"),
        "status": session.get("status"),
        "user_code": flow.get("user_code"),
        "verification_uri_complete": flow.get("verification_uri_complete"),
        "code_expires_at": flow.get("expires_at"),
        "token_expires_at": token.get("expires_at"),
        "msg": msg,
    }


COLUMNS = {
    "pending": [
        ("host", "HOST"),
        ("user", "USER"),
        ("session", "SESSION"),
        ("user_code", "CODE"),
        ("code_expires_at", "EXPIRES (UTC)"),
        ("verification_uri_complete", "OPEN"),
    ],
    "result": [
        ("host", "HOST"),
        ("user", "USER"),
        ("session", "SESSION"),
        ("status", "STATUS"),
        ("token_expires_at", "TOKEN EXPIRES (UTC)"),
        ("msg", "NEXT STEP"),
    ],
}


def login_table(rows, kind="pending"):
    """Aligned text lines (a header, then one line per row) for the screen."""
    if kind not in COLUMNS:
        raise LoginInputError("kind must be one of %s" % ", ".join(sorted(COLUMNS)))
    columns = COLUMNS[kind]
    cells = [[title for _key, title in columns]]
    for row in rows or []:
        # Host and user names, session names and messages come from the hosts: one printable line each.
        cells.append(
            ["" if row.get(key) is None else printable(str(row.get(key)), one_line=True) for key, _title in columns]
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def login_failures(rows, fail_on):
    """The message of a run that fails for login_fail_on, naming each sign-in
    as a person would ("carol on ws2 (denied)"); empty when none failed."""
    if isinstance(fail_on, str) or not isinstance(fail_on, (list, tuple)):
        raise LoginInputError("login_fail_on must be a list of statuses, e.g. [error, denied]; got %r" % (fail_on,))
    failing = [row for row in rows or [] if row.get("status") in fail_on]
    if not failing:
        return ""
    named = [
        "%s on %s (%s)"
        % (
            printable(str(row.get("user") or "the host"), one_line=True),
            printable(str(row.get("host")), one_line=True),
            row.get("status"),
        )
        for row in failing
    ]
    statuses = [status for status in fail_on if any(row.get("status") == status for row in failing)]
    return "%s ended in %s (login_fail_on): %s. The NEXT STEP column of the sign-in table above says what to do." % (
        _plural(len(failing), "sign-in"),
        " or ".join(statuses),
        ", ".join(named),
    )
