# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The fleet report in words: what each status means and how alarming it is,
the table's cells, the lines a reader needs before the rows, and the table
on screen. The Markdown and HTML renderers use the same cells and words.

Every value in a row was already made plain and bounded by fleet_report;
each renderer escapes for its own format.
"""

from __future__ import annotations

import re

# How alarming each status is, for colours on screen and on the page.
LEVELS = {
    "error": "bad",
    "unreachable": "bad",
    "config_error": "bad",
    "cli_missing": "bad",
    "forbidden": "warn",
    "wrong_account": "warn",
    "env_override": "warn",
    "login_required": "todo",
    "ok": "good",
}

# One line for a lab manager per status: the legend of the page and docs/report.md.
MEANINGS = {
    "error": "The check itself failed for this host or user; IT has to look at the message.",
    "unreachable": "The host, or the AWS endpoint from it, could not be reached; nothing is known about its users.",
    "config_error": "The user's AWS configuration is broken or missing; IT re-runs the set-up.",
    "cli_missing": "The AWS CLI v2 is not installed on the host; IT re-runs the set-up.",
    "forbidden": "The user signed in, but the role is not assigned to them in IAM Identity Center.",
    "wrong_account": "The profile reaches a different AWS account or role than the one declared.",
    "env_override": "A variable in the user's shell files (a static key, AWS_PROFILE) overrides the SSO profile.",
    "login_required": "The user has to sign in again (aws sso login); nothing is broken.",
    "ok": "The user can use AWS with this profile right now.",
}


def what_to_do(row):
    """The row's message followed by its user's notes."""
    parts = ([row["message"]] if row["message"] else []) + list(row.get("notes") or ())
    return " ".join(parts) or "-"


# A limited run names its hosts; past this many the rows show the rest.
MAX_LIMIT_HOSTS = 20


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def scope_lines(report):
    """What a reader must know before trusting the rows: a limited run, a preview."""
    lines = []
    if report.get("limit"):
        hosts = report["limit"]["hosts"]
        shown = ", ".join(hosts[:MAX_LIMIT_HOSTS]) + (
            " and %d more" % (len(hosts) - MAX_LIMIT_HOSTS) if len(hosts) > MAX_LIMIT_HOSTS else ""
        )
        lines.append(
            "Limited run (--limit %s): only %s checked (%s); other hosts are not in this report."
            % (report["limit"]["pattern"], _plural(len(hosts), "host"), shown or "none")
        )
    if report.get("preview"):
        lines.append(
            "Preview (check mode): nothing was changed and no report file was written; statuses such as "
            "config_error or cli_missing may only reflect what the run has not written or installed yet."
        )
    return lines


def _duration(minutes):
    # Short, so that the token column fits on screen: 42m, 1h01m, 3 days.
    minutes = abs(minutes)
    if minutes < 60:
        return "%dm" % minutes
    if minutes < 48 * 60:
        return "%dh%02dm" % divmod(minutes, 60)
    return "%d days" % (minutes // (24 * 60))


def token_text(token):
    """The token column: expiry and how long is left, or why there is none."""
    if not token or not token.get("state"):
        return "-"
    if token["state"] == "missing" or not token.get("expires_at"):
        return token["state"]
    when = re.sub(r"^(\d{4}-\d\d-\d\d)T", r"\1 ", token["expires_at"])
    when = re.sub(r"(:\d\d)?(\.\d+)?\s*(Z|UTC)$", " UTC", when)
    left = token.get("minutes_left")
    if left is None:
        return "%s (%s)" % (when, token["state"])
    if left >= 0:
        note = "%s left" % _duration(left)
        if token["state"] == "expiring":
            note += ", refreshing"
    else:
        note = "expired %s ago" % _duration(left)
        if token["state"] == "expired_refreshable":
            note += ", refreshable"
    return "%s (%s)" % (when, note)


def _dash(value):
    return "-" if value in (None, "") else value


def _account_text(row):
    if row["account"] and row["expected_account"] and row["account"] != row["expected_account"]:
        return "%s (expected %s)" % (row["account"], row["expected_account"])
    return _dash(row["account"])


def _role_text(row):
    if row["role"] and row["expected_role"] and row["role"] != row["expected_role"]:
        return "%s (expected %s)" % (row["role"], row["expected_role"])
    return _dash(row["role"])


# How deep each row was checked (sso_identity_info's `checked`): the cell, and what it means. A token-only
# `ok` says nothing of the account or role, so it must not look like a checked one.
CHECKED = {
    "token": (
        "token only",
        "only the sign-in token was read, offline: the account and role were not tried, so an ok row may "
        "still be forbidden or wrong_account",
    ),
    "live": ("live", "the AWS CLI signed in with the profile and its account and role were compared"),
    "shell": ("shell", "as live, and the AWS CLI also ran in the user's login shell, as in their terminal"),
}

TABLE_COLUMNS = ("host", "user", "profile", "status", "account", "role", "checked", "token expiry")


def _checked_text(row):
    return CHECKED[row["checked"]][0] if row["checked"] in CHECKED else _dash(row["checked"])


def checked_lines(report, depths=tuple(CHECKED)):
    """What each of these depths of check means, for those that occur in the report."""
    seen = {row["checked"] for row in report["rows"]}
    return ["checked %s: %s" % CHECKED[depth] for depth in depths if depth in seen]


def table_cells(row):
    return (
        row["host"],
        _dash(row["user"]),
        _dash(row["profile"]),
        row["status"],
        _account_text(row),
        _role_text(row),
        _checked_text(row),
        token_text(row["token"]),
    )


# The token cell is bounded ("2026-11-23 18:00 UTC (expired 47h59m ago, refreshable)") and is
# never cut below this width on screen.
TOKEN_WIDTH = 56


def _clip(value, width):
    return value if len(value) <= width else value[: width - 1] + "\u2026"


def render_text(report, width=40):
    """The on-screen table as (line, level) pairs; level is None for headers and totals.

    Cells are clipped to width characters so one long value cannot make the
    table unreadable; the files keep every value whole.
    """
    limits = [max(width, TOKEN_WIDTH) if name == "token expiry" else width for name in TABLE_COLUMNS]
    cells = [[_clip(cell, limits[i]) for i, cell in enumerate(table_cells(row))] for row in report["rows"]]
    widths = [max([len(name)] + [len(line[i]) for line in cells]) for i, name in enumerate(TABLE_COLUMNS)]

    def line(values):
        return "  ".join(value.ljust(widths[i]) for i, value in enumerate(values)).rstrip()

    out = [(report["title"], None)] + [(text, "warn") for text in scope_lines(report)]
    out += [(line(TABLE_COLUMNS), None), (line("-" * w for w in widths), None)]
    for row, values in zip(report["rows"], cells):
        out.append((line(values), LEVELS[row["status"]]))
    out.extend((line, "warn") for line in _notes_text(report))
    out.append(("", None))
    # On screen only the shallow check is explained: its ok rows are the ones to doubt.
    out.extend((line, "warn") for line in checked_lines(report, ("token",)))
    out.append((totals_text(report), None))
    if report["failed_statuses"]:
        out.append(("statuses listed in fail_on found: %s" % ", ".join(report["failed_statuses"]), "bad"))
    return out


# Notes shown under the on-screen table; the files carry all of them.
MAX_SCREEN_NOTES = 20


def _notes_text(report):
    """One line per distinct user note, for the screen."""
    seen = []
    for row in report["rows"]:
        for note in row.get("notes") or ():
            line = "note: %s %s: %s" % (row["host"], row["user"], note)
            if line not in seen:
                seen.append(line)
    if len(seen) > MAX_SCREEN_NOTES:
        seen = seen[:MAX_SCREEN_NOTES] + ["and %d more notes in the report files" % (len(seen) - MAX_SCREEN_NOTES)]
    return seen


def totals_text(report):
    shown = ["%s %d" % (status, n) for status, n in report["totals"].items() if n]
    return "totals: %s (%s, %s, %s)" % (
        ", ".join(shown) or "none",
        _plural(len(report["rows"]), "row"),
        _plural(report["hosts"], "host"),
        _plural(report["users"], "user"),
    )


def counts_text(report):
    return "%s, %s, %s" % (
        _plural(report["hosts"], "host"),
        _plural(report["users"], "user"),
        _plural(len(report["rows"]), "row"),
    )
