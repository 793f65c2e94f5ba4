# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of the labcloud.aws_sso.login playbook: who to sign in,
and the tables of pending and finished sign-ins across hosts.

Rows carry what sso_login returns: user codes, URLs, times and states; the
module never returns a secret, so nothing here can show one.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._@-]*\$?$")


class LoginInputError(ValueError):
    """Bad playbook input; the text names the variable and the fix."""


def login_users(declared, wanted=None):
    """The sso_login `users` option for a host: the users of `declared`
    (aws_sso_users: names or mappings with `name`), narrowed to `wanted`
    (login_users: a comma-separated string or a list) when given. With
    nothing declared, `wanted` is the list."""
    names = []
    for index, item in enumerate(declared or []):
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not _NAME.match(name):
            raise LoginInputError(
                "aws_sso_users[%d]: %r is no user name; give a name or a mapping with name" % (index, item)
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
            rows.append(_row(host, None, {"session": None, "status": "error", "msg": result.get("msg")}))
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


def _row(host, user, session):
    flow = session.get("flow") or {}
    token = session.get("token") or {}
    return {
        "host": host,
        "user": user,
        "session": session.get("session"),
        "status": session.get("status"),
        "user_code": flow.get("user_code"),
        "verification_uri_complete": flow.get("verification_uri_complete"),
        "code_expires_at": flow.get("expires_at"),
        "token_expires_at": token.get("expires_at"),
        "msg": session.get("msg"),
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
        ("msg", "NOTE"),
    ],
}


def login_table(rows, kind="pending"):
    """Aligned text lines (a header, then one line per row) for the screen."""
    if kind not in COLUMNS:
        raise LoginInputError("kind must be one of %s" % ", ".join(sorted(COLUMNS)))
    columns = COLUMNS[kind]
    cells = [[title for _key, title in columns]]
    for row in rows or []:
        cells.append(["" if row.get(key) is None else str(row.get(key)) for key, _title in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]
