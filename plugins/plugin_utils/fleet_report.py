# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The fleet report of labcloud.aws_sso.sso_report: rows, totals and the three files.

Pure functions, no Ansible: the action plugin feeds in what sso_identity
returned for each host and writes what comes out. Every value that came from a
host is untrusted (a user picks their own name, a message may quote their
config file), so only whitelisted fields are copied, each coerced to a plain
type and length, and every renderer escapes for its own format.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import json
import re

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_identity
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

SCHEMA = 1

# Report order (problems first) and the only statuses a row can have: the
# module's own list, so the two cannot drift apart.
STATUSES = sso_identity.STATUSES
SEVERITY = {status: index for index, status in enumerate(STATUSES)}

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

MAX_TEXT = 2000
MAX_NAME = 256

_SPACE_RE = re.compile(r"[\t\n\r]+")


class ReportError(ValueError):
    """A bad option of the report; the message names it and the fix."""


# --------------------------------------------------------------- options --


def check_fail_on(fail_on):
    """fail_on as a list of known statuses, or ReportError naming each bad entry."""
    if fail_on is None:
        return []
    if isinstance(fail_on, str) or not isinstance(fail_on, (list, tuple)):
        raise ReportError("fail_on must be a list of statuses, e.g. [error, forbidden]; got %r" % (fail_on,))
    bad = [entry for entry in fail_on if not isinstance(entry, str) or entry not in SEVERITY]
    if bad:
        raise ReportError(
            "fail_on: unknown status %s; valid statuses: %s"
            % (", ".join(repr(_plain(entry)) for entry in bad), ", ".join(STATUSES))
        )
    return sorted(set(fail_on), key=SEVERITY.__getitem__)


# ----------------------------------------------------------------- input --


def _plain(value):
    """Tagged or subclassed strings from templating as a plain str."""
    return str.__str__(value) if isinstance(value, str) else value


def _text(value, limit=MAX_TEXT):
    """A value from a host as a one-line printable str, or None."""
    if value is None or isinstance(value, (dict, list, tuple, set)):
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, (int, float)):
        value = str(value)
    elif not isinstance(value, str):
        return None
    # Control characters are shown escaped (\x1b), so the report says something odd is there.
    value = printable(_SPACE_RE.sub(" ", _plain(value)), one_line=True).strip()
    if len(value) > limit:
        value = value[: limit - 1] + "\u2026"
    return value or None


def _int(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _bool(value):
    return value if isinstance(value, bool) else None


def _token(token):
    if not isinstance(token, dict):
        return None
    return {
        "state": _text(token.get("state"), MAX_NAME),
        "expires_at": _text(token.get("expires_at"), MAX_NAME),
        "minutes_left": _int(token.get("minutes_left")),
        "refreshable": _bool(token.get("refreshable")),
    }


def _env_override(value):
    if not isinstance(value, dict):
        return None
    return {
        "variable": _text(value.get("variable"), MAX_NAME),
        "file": _text(value.get("file"), MAX_NAME * 4),
        "line": _int(value.get("line")),
    }


def _row(host, user=None, profile=None, status="error", message=None, **fields):
    row = {
        "host": host,
        "user": user,
        "profile": profile,
        "status": status,
        "message": message,
        "session": None,
        "start_url": None,
        "account": None,
        "expected_account": None,
        "account_matches": None,
        "role": None,
        "expected_role": None,
        "role_matches": None,
        "arn": None,
        "token": None,
        "env_override": None,
        "refreshed": None,
        "checked": None,
        # The user's shell output looked forged (sso_identity's shell check): that row's verdict is the
        # user's own doing, and its message says so.
        "forged": None,
        "notes": [],
    }
    row.update(fields)
    return row


# A user cannot flood the report through their notes (one per backup file).
MAX_NOTES = 10


def _notes(value):
    """A user's notes (sso_identity's per-user remarks) as a short list of printable lines."""
    if not isinstance(value, list):
        return []
    notes = [note for note in (_text(item) for item in value) if note]
    if len(notes) > MAX_NOTES:
        notes = notes[: MAX_NOTES - 1] + ["and %d more like these" % (len(notes) - MAX_NOTES + 1)]
    return notes


def what_to_do(row):
    """The row's message followed by its user's notes."""
    parts = ([row["message"]] if row["message"] else []) + list(row.get("notes") or ())
    return " ".join(parts) or "-"


def _profile_row(host, user, entry):
    status = _text(entry.get("status"), MAX_NAME)
    message = _text(entry.get("message"))
    if status not in SEVERITY:
        # A status this report does not know (a newer module?) must not pass as ok.
        message = "unknown status %r reported by the check%s" % (status, ": " + message if message else "")
        status = "error"
    return _row(
        host,
        user,
        _text(entry.get("profile"), MAX_NAME),
        status,
        message,
        session=_text(entry.get("session"), MAX_NAME),
        start_url=_text(entry.get("start_url"), MAX_NAME * 4),
        account=_text(entry.get("account"), MAX_NAME),
        expected_account=_text(entry.get("expected_account"), MAX_NAME),
        account_matches=_bool(entry.get("account_matches")),
        role=_text(entry.get("role"), MAX_NAME),
        expected_role=_text(entry.get("expected_role"), MAX_NAME),
        role_matches=_bool(entry.get("role_matches")),
        arn=_text(entry.get("arn"), MAX_NAME * 4),
        token=_token(entry.get("token")),
        env_override=_env_override(entry.get("env_override")),
        refreshed=_bool(entry.get("refreshed")),
        checked=_text(entry.get("checked"), MAX_NAME),
        forged=_bool(entry.get("forged")),
    )


def _host_rows(host, result):
    """Every row of one host; a host never yields none."""
    if not isinstance(result, dict):
        return [_row(host, message="No result from the identity check for this host; run verify again.")]
    msg = _text(result.get("msg")) or "no message"
    if result.get("unreachable"):
        return [
            _row(
                host,
                status="unreachable",
                message="Ansible could not reach this host (%s). Check that it is up and reachable, then run "
                "verify again." % msg,
            )
        ]
    users = result.get("users")
    if not isinstance(users, list) or not users:
        if result.get("skipped"):
            why = "The identity check was skipped on this host"
        elif result.get("failed"):
            why = "The identity check failed on this host (%s)" % msg
        else:
            why = "The identity check returned no users for this host"
        return [_row(host, message=why + "; IT has to look at the play's output for this host.")]
    rows = []
    for entry in users:
        if not isinstance(entry, dict):
            rows.append(_row(host, message="A malformed user entry was returned by the identity check."))
            continue
        user = _text(entry.get("user"), MAX_NAME)
        error = _text(entry.get("error"))
        profiles = entry.get("profiles")
        first = len(rows)
        if error:
            rows.append(_row(host, user, message=error))
        elif not isinstance(profiles, list) or not profiles:
            rows.append(
                _row(
                    host,
                    user,
                    status="config_error",
                    message="No AWS profile was found for this user; run the set-up for this host.",
                )
            )
        for profile in profiles if isinstance(profiles, list) else ():
            if isinstance(profile, dict):
                rows.append(_profile_row(host, user, profile))
            else:
                rows.append(_row(host, user, message="A malformed profile entry was returned by the identity check."))
        for row in rows[first:]:
            row["notes"] = _notes(entry.get("notes"))
    return rows


def findings(report):
    """What a report found, without when: one (host, user, profile, status,
    account, role) per row. Two reports with the same findings differ only
    in time."""
    return sorted(
        (row["host"], row["user"] or "", row["profile"] or "", row["status"], row["account"] or "", row["role"] or "")
        for row in report["rows"]
    )


def sort_key(row):
    return (SEVERITY[row["status"]], row["host"], row["user"] or "", row["profile"] or "")


def build(results, fail_on=(), title=None, hosts=None, now=None, limit=None, preview=False):
    """The report (a JSON-ready dict) for sso_identity results by host.

    hosts, when given, are hosts that must appear: one without a result gets
    an error row, so a host that dropped out of the play still shows.
    limit is the --limit pattern of the run (its other hosts were not
    checked); preview says nothing was written (check mode).
    """
    if not isinstance(results, dict):
        raise ReportError("results must be a dict of host name to sso_identity result; got %s" % type(results).__name__)
    fail_on = check_fail_on(fail_on)
    if hosts is not None and (isinstance(hosts, str) or not isinstance(hosts, (list, tuple))):
        raise ReportError("hosts must be a list of host names; got %r" % (hosts,))
    results = {_text(name, MAX_NAME) or "(unnamed)": result for name, result in results.items()}
    for name in hosts or ():
        name = _text(name, MAX_NAME) or "(unnamed)"
        if name not in results:
            results[name] = {
                "failed": True,
                "msg": "no result was recorded for this host; it dropped out of the play before the check",
            }
    rows = []
    for host in results:
        rows.extend(_host_rows(host, results[host]))
    rows.sort(key=sort_key)
    totals = {status: 0 for status in STATUSES}
    for row in rows:
        totals[row["status"]] += 1
    failed_statuses = [status for status in fail_on if totals[status]]
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return {
        "schema": SCHEMA,
        "title": _text(title, MAX_NAME) or "AWS SSO access report",
        "generated_at": now.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "statuses": list(STATUSES),
        "totals": totals,
        "hosts": len(results),
        "users": len({(row["host"], row["user"]) for row in rows if row["user"] is not None}),
        "fail_on": fail_on,
        "failed_statuses": failed_statuses,
        "fail": bool(failed_statuses),
        "limit": {"pattern": _text(limit), "hosts": sorted(results)} if _text(limit) else None,
        "preview": bool(preview),
        "rows": rows,
    }


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


# ------------------------------------------------------------ formatting --


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


# How deep each row was checked (sso_identity's `checked`): the cell, and what it means. A token-only
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


def checked_text(row):
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
        checked_text(row),
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
    out.extend((line, "warn") for line in notes_text(report))
    out.append(("", None))
    # On screen only the shallow check is explained: its ok rows are the ones to doubt.
    out.extend((line, "warn") for line in checked_lines(report, ("token",)))
    out.append((totals_text(report), None))
    if report["failed_statuses"]:
        out.append(("statuses listed in fail_on found: %s" % ", ".join(report["failed_statuses"]), "bad"))
    return out


# Notes shown under the on-screen table; the files carry all of them.
MAX_SCREEN_NOTES = 20


def notes_text(report):
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


def _counts_text(report):
    return "%s, %s, %s" % (
        _plural(report["hosts"], "host"),
        _plural(report["users"], "user"),
        _plural(len(report["rows"]), "row"),
    )


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


# Inside a table cell only these can start markup (emphasis, code, links,
# strike-through, a new cell); <, > and & become entities because Markdown
# passes raw HTML through to the page. Others stay as they are, so the file
# reads well as plain text.
_MD_RE = re.compile(r"([\\`*_\[\]|~])")


def md_escape(value):
    value = html.escape(str(value), quote=False)
    return _MD_RE.sub(r"\\\1", value)


def render_md(report):
    def table(header, rows, trusted=()):
        # Columns in trusted hold only this module's own words (statuses, meanings).
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for cells in rows:
            cells = [cell if i in trusted else md_escape(cell) for i, cell in enumerate(cells)]
            lines.append("| " + " | ".join(cells) + " |")
        return lines

    out = ["# " + md_escape(report["title"]), ""]
    out.append("Generated %s: %s." % (report["generated_at"], _counts_text(report)))
    for text in scope_lines(report):
        out += ["", "**%s**" % md_escape(text)]
    if report["failed_statuses"]:
        out.append("")
        out.append("**Statuses listed in fail_on found: %s.**" % ", ".join(report["failed_statuses"]))
    out += ["", "## Totals", ""]
    out += table(
        ("status", "rows", "meaning"), [(s, str(n), MEANINGS[s]) for s, n in report["totals"].items() if n], (0, 1, 2)
    )
    out += ["", "## Rows", ""]
    out += table(
        TABLE_COLUMNS + ("what to do",),
        [table_cells(row) + (what_to_do(row),) for row in report["rows"]],
        (3,),
    )
    lines = checked_lines(report)
    if lines:
        out += [""] + ["- " + md_escape(line) for line in lines]
    return "\n".join(out) + "\n"


_CSS = """
:root{--bad:#b42318;--bad-bg:#fee4e2;--warn:#93370d;--warn-bg:#fef0c7;--todo:#175cd3;--todo-bg:#d1e9ff;
--good:#067647;--good-bg:#dcfae6;--line:#d0d5dd;--muted:#475467}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;padding:16px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:#101828;background:#fff}
h1{font-size:1.4em;margin:0 0 4px}
p.meta{color:var(--muted);margin:0 0 12px}
p.alert{background:var(--bad-bg);color:var(--bad);padding:8px 12px;border-radius:6px;font-weight:600}
nav.totals{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
nav.totals button{font:inherit;border:2px solid transparent;border-radius:999px;padding:4px 12px;cursor:pointer;
background:#f2f4f7;color:#101828}
nav.totals button[aria-pressed=true]{border-color:#101828}
nav.totals button .n{font-weight:700;margin-left:6px}
.s{display:inline-block;border-radius:999px;padding:1px 10px;font-weight:600;white-space:nowrap}
.s.bad,nav.totals button.bad{background:var(--bad-bg);color:var(--bad)}
.s.warn,nav.totals button.warn{background:var(--warn-bg);color:var(--warn)}
.s.todo,nav.totals button.todo{background:var(--todo-bg);color:var(--todo)}
.s.good,nav.totals button.good{background:var(--good-bg);color:var(--good)}
p.shown{color:var(--muted);margin:4px 0 8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:6px;border-bottom:1px solid var(--line);
overflow-wrap:break-word}
td.c-host{min-width:8em}td.c-user,td.c-profile,td.c-role{min-width:5.5em}td.c-account{min-width:13ch}
td.c-token{min-width:8em}
th{background:#f9fafb;position:sticky;top:0}
tr.bad td:first-child{box-shadow:inset 4px 0 var(--bad)}tr.warn td:first-child{box-shadow:inset 4px 0 var(--warn)}
tr.todo td:first-child{box-shadow:inset 4px 0 var(--todo)}tr.good td:first-child{box-shadow:inset 4px 0 var(--good)}
td.msg{min-width:13em;overflow-wrap:anywhere}
div.wrap{overflow-x:auto}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin-top:20px;color:var(--muted)}
dl.legend dd{margin:0}
@media (max-width:1000px){
body{padding:10px}
table,thead,tbody,tr,td{display:block;width:100%}
thead{display:none}
tr{border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px 0}
tr.bad{border-left:5px solid var(--bad)}tr.warn{border-left:5px solid var(--warn)}
tr.todo{border-left:5px solid var(--todo)}tr.good{border-left:5px solid var(--good)}
tr td:first-child{box-shadow:none!important}
td,td.msg,td[class^=c-]{border:0;padding:3px 10px;display:grid;grid-template-columns:7.5em minmax(0,1fr);gap:8px;
min-width:0;overflow-wrap:anywhere}
td .s{justify-self:start}
td::before{content:attr(data-label);color:var(--muted)}
dl.legend{grid-template-columns:1fr}dl.legend dd{margin:0 0 6px}
}
@media print{nav.totals button{border:0}p.shown{display:none}}
"""

# Filters rows by status; the page works (all rows shown) without it. The
# filter is kept in the address (#status=...) so a filtered view can be sent.
_JS = """
(function () {
  var buttons = Array.prototype.slice.call(document.querySelectorAll("nav.totals button"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("#rows tbody tr"));
  var shown = document.getElementById("shown");
  function apply(status) {
    var n = 0;
    rows.forEach(function (row) {
      var show = !status || row.getAttribute("data-status") === status;
      row.hidden = !show;
      if (show) { n += 1; }
    });
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String((b.getAttribute("data-filter") || "") === (status || "")));
    });
    shown.textContent = status ? n + " of " + rows.length + " rows: " + status : "all " + rows.length + " rows";
  }
  function fromHash() {
    var m = /^#status=([a-z_]+)$/.exec(window.location.hash);
    var known = m && buttons.some(function (b) { return b.getAttribute("data-filter") === m[1]; });
    apply(known ? m[1] : "");
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      var status = b.getAttribute("data-filter");
      var current = /^#status=/.test(window.location.hash) ? window.location.hash.slice(8) : "";
      if (status === current) { status = ""; }
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", status ? "#status=" + status : window.location.pathname);
      }
      apply(status);
    });
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""


def _e(value):
    return html.escape(str(value), quote=True)


def render_html(report):
    """One self-contained page: no external asset, and a policy that runs only its own script."""
    script_hash = base64.b64encode(hashlib.sha256(_JS.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-%s'; "
        "base-uri 'none'; form-action 'none'" % script_hash
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _e(csp),
        '<meta name="referrer" content="no-referrer">',
        "<title>%s</title>" % _e(report["title"]),
        "<style>%s</style>" % _CSS,
        "</head>",
        "<body>",
        "<h1>%s</h1>" % _e(report["title"]),
        '<p class="meta">Generated <time datetime="%s">%s</time>: %s.</p>'
        % (_e(report["generated_at"]), _e(report["generated_at"]), _counts_text(report)),
    ]
    out += ['<p class="alert">%s</p>' % _e(text) for text in scope_lines(report)]
    if report["failed_statuses"]:
        out.append(
            '<p class="alert">Statuses listed in fail_on found: %s.</p>' % _e(", ".join(report["failed_statuses"]))
        )
    out.append('<nav class="totals" aria-label="Filter by status">')
    out.append(
        '<button type="button" data-filter="" aria-pressed="true">all<span class="n">%d</span></button>'
        % len(report["rows"])
    )
    for status, n in report["totals"].items():
        if n:
            out.append(
                '<button type="button" class="%s" data-filter="%s" aria-pressed="false" title="%s">%s'
                '<span class="n">%d</span></button>' % (LEVELS[status], status, _e(MEANINGS[status]), status, n)
            )
    out.append("</nav>")
    out.append('<p class="shown" id="shown" aria-live="polite">all %d rows</p>' % len(report["rows"]))
    labels = TABLE_COLUMNS + ("what to do",)
    out.append('<div class="wrap"><table id="rows">')
    out.append("<thead><tr>%s</tr></thead>" % "".join('<th scope="col">%s</th>' % _e(name) for name in labels))
    out.append("<tbody>")
    for row in report["rows"]:
        cells = table_cells(row)
        status = row["status"]
        tds = []
        for label, value in zip(labels, cells):
            if label == "status":
                value_html = '<span class="s %s">%s</span>' % (LEVELS[status], _e(value))
            elif label == "host":
                # Lets a long host name wrap at its dots rather than anywhere.
                value_html = _e(value).replace(".", ".<wbr>")
            else:
                value_html = _e(value)
            title = ""
            if label == "role" and row["arn"]:
                title = ' title="%s"' % _e(row["arn"])
            elif label == "checked" and row["checked"] in CHECKED:
                title = ' title="%s"' % _e(CHECKED[row["checked"]][1])
            css = "c-" + label.split()[0]
            tds.append('<td data-label="%s" class="%s"%s>%s</td>' % (_e(label), css, title, value_html))
        tds.append('<td data-label="what to do" class="msg">%s</td>' % _e(what_to_do(row)))
        out.append('<tr class="%s" data-status="%s">%s</tr>' % (LEVELS[status], status, "".join(tds)))
    out.append("</tbody>")
    out.append("</table></div>")
    out.append('<dl class="legend">')
    for status in STATUSES:
        out.append('<dt><span class="s %s">%s</span></dt><dd>%s</dd>' % (LEVELS[status], status, _e(MEANINGS[status])))
    for cell, meaning in CHECKED.values():
        out.append("<dt>checked %s</dt><dd>%s</dd>" % (_e(cell), _e(meaning)))
    out.append("</dl>")
    out.append("<script>%s</script>" % _JS)
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


def render_all(report):
    """The three files' contents by format name."""
    return {"json": render_json(report), "md": render_md(report), "html": render_html(report)}
