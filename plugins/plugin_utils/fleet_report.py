# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The fleet report of labcloud.aws_sso.sso_report: its rows and totals, and its three files.

Pure functions, no Ansible: the action plugin feeds in what sso_identity_info
returned for each host and writes what comes out. Every value that came from a
host is untrusted (a user picks their own name, a message may quote their
config file), so only whitelisted fields are copied, each coerced to a plain
type and length, and every renderer escapes for its own format.
"""

from __future__ import annotations

import datetime
import json
import re

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_identity
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.fleet_report_html import render_html
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.fleet_report_md import render_md

SCHEMA = 1

# Report order (problems first) and the only statuses a row can have: the
# module's own list, so the two cannot drift apart.
STATUSES = sso_identity.STATUSES
SEVERITY = {status: index for index, status in enumerate(STATUSES)}


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
        # The user's shell output looked forged (sso_identity_info's shell check): that row's verdict is the
        # user's own doing, and its message says so.
        "forged": None,
        "notes": [],
    }
    row.update(fields)
    return row


# A user cannot flood the report through their notes (one per backup file).
MAX_NOTES = 10


def _notes(value):
    """A user's notes (sso_identity_info's per-user remarks) as a short list of printable lines."""
    if not isinstance(value, list):
        return []
    notes = [note for note in (_text(item) for item in value) if note]
    if len(notes) > MAX_NOTES:
        notes = notes[: MAX_NOTES - 1] + ["and %d more like these" % (len(notes) - MAX_NOTES + 1)]
    return notes


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


def _sort_key(row):
    return (SEVERITY[row["status"]], row["host"], row["user"] or "", row["profile"] or "")


def build(results, fail_on=(), title=None, hosts=None, now=None, limit=None, preview=False):
    """The report (a JSON-ready dict) for sso_identity_info results by host.

    hosts, when given, are hosts that must appear: one without a result gets
    an error row, so a host that dropped out of the play still shows.
    limit is the --limit pattern of the run (its other hosts were not
    checked); preview says nothing was written (check mode).
    """
    if not isinstance(results, dict):
        raise ReportError(
            "results must be a dict of host name to sso_identity_info result; got %s" % type(results).__name__
        )
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
    rows.sort(key=_sort_key)
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


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def render_all(report):
    """The three files' contents by format name."""
    return {"json": render_json(report), "md": render_md(report), "html": render_html(report)}
