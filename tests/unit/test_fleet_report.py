"""The fleet report of sso_report: rows, order, totals, escaping, schema, fail_on."""

import base64
import datetime
import hashlib
import html
import json
import random
import re

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_report_spec as spec
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report as fr
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_html as fr_html
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_md as fr_md
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_text as fr_text
from tests.testbed import report_sample
from tests.testbed.paths import REPO

NOW = report_sample.NOW
ROW_KEYS = {
    "host",
    "user",
    "profile",
    "status",
    "message",
    "session",
    "start_url",
    "account",
    "expected_account",
    "account_matches",
    "role",
    "expected_role",
    "role_matches",
    "arn",
    "token",
    "env_override",
    "refreshed",
    "checked",
    "forged",
    "notes",
}


def build(results=None, **kwargs):
    kwargs.setdefault("now", NOW)
    return fr.build(report_sample.results() if results is None else results, **kwargs)


def one(host="h1", user="alice", **profile):
    entry = dict(profile=profile.pop("profile", "dev"), status=profile.pop("status", "ok"), **profile)
    return {host: {"users": [{"user": user, "error": None, "profiles": [entry]}]}}


# ------------------------------------------------------------------ order --


def test_rows_are_sorted_by_severity_then_host_user_profile():
    results = report_sample.results()
    shuffled = list(results.items())
    random.Random(7).shuffle(shuffled)
    rows = build(dict(shuffled))["rows"]
    keys = [(fr.STATUSES.index(r["status"]), r["host"], r["user"] or "", r["profile"] or "") for r in rows]
    assert keys == sorted(keys)
    assert rows[0]["status"] == "error" and rows[-1]["status"] == "ok"
    assert [r["status"] for r in rows] == sorted((r["status"] for r in rows), key=fr.STATUSES.index)


def test_same_status_sorted_by_host_then_user_then_profile():
    results = {}
    for host, user, profile in [("b", "zed", "x"), ("a", "zed", "y"), ("a", "amy", "z"), ("a", "zed", "b")]:
        results.setdefault(host, {"users": []})["users"].append(
            {"user": user, "profiles": [{"profile": profile, "status": "login_required"}]}
        )
    rows = build(results)["rows"]
    assert [(r["host"], r["user"], r["profile"]) for r in rows] == [
        ("a", "amy", "z"),
        ("a", "zed", "b"),
        ("a", "zed", "y"),
        ("b", "zed", "x"),
    ]


def test_host_level_rows_sort_before_user_rows_of_the_same_status_and_host():
    results = one(status="error", message="boom")
    results["h1"]["users"].insert(0, {"user": "bob", "error": "no home"})
    rows = build(results)["rows"]
    assert [(r["user"], r["profile"]) for r in rows] == [("alice", "dev"), ("bob", None)]


# ----------------------------------------------------------------- totals --


def test_totals_count_every_status_in_report_order():
    report = build()
    assert list(report["totals"]) == list(fr.STATUSES)
    counted = {s: sum(1 for r in report["rows"] if r["status"] == s) for s in fr.STATUSES}
    assert report["totals"] == counted
    assert sum(report["totals"].values()) == len(report["rows"]) == 14
    assert all(report["totals"][s] >= 1 for s in fr.STATUSES)  # the sample reaches every status
    assert report["hosts"] == 5
    assert report["users"] == 7  # erin counts: her row names her


def test_totals_of_an_empty_fleet():
    report = build({})
    assert report["rows"] == [] and set(report["totals"].values()) == {0}
    assert "none" in fr_text.totals_text(report)


# ------------------------------------------------ hosts that did not report --


def test_unreachable_and_failed_hosts_are_rows_with_the_reason():
    rows = {r["host"]: r for r in build()["rows"] if r["user"] is None}
    assert rows["ws04.lab.example.org"]["status"] == "unreachable"
    assert "No route to host" in rows["ws04.lab.example.org"]["message"]
    assert "could not reach" in rows["ws04.lab.example.org"]["message"]
    assert rows["ws05.lab.example.org"]["status"] == "error"
    assert "failed" in rows["ws05.lab.example.org"]["message"]
    assert "/usr/bin/python3: not found" in rows["ws05.lab.example.org"]["message"]


@pytest.mark.parametrize(
    "result, status, words",
    [
        ({"unreachable": True}, "unreachable", "no message"),
        ({"skipped": True, "changed": False}, "error", "skipped"),
        ({"failed": True, "msg": "x", "users": []}, "error", "failed on this host (x)"),
        ({"changed": False}, "error", "returned no users"),
        (None, "error", "No result"),
        ("garbage", "error", "No result"),
        ({"users": ["alice"]}, "error", "malformed user"),
        ({"users": [{"user": "a", "profiles": ["dev"]}]}, "error", "malformed profile"),
        ({"users": [{"user": "a", "profiles": []}]}, "config_error", "No AWS profile"),
        ({"users": [{"user": "a", "error": "home gone", "profiles": None}]}, "error", "home gone"),
        ({"users": [{"user": "a", "profiles": [{"profile": "p", "status": "great"}]}]}, "error", "unknown status"),
    ],
)
def test_a_host_never_disappears(result, status, words):
    (row,) = build({"h": result})["rows"]
    assert row["host"] == "h" and row["status"] == status
    assert words in row["message"]


def test_failed_task_with_users_keeps_the_users_rows():
    # sso_identity_info fails the task itself when fail_on matched, but still returns its users.
    results = one(status="forbidden", message="ask IT")
    results["h1"].update(failed=True, msg="statuses in fail_on: forbidden")
    (row,) = build(results)["rows"]
    assert (row["user"], row["status"], row["message"]) == ("alice", "forbidden", "ask IT")


def test_expected_hosts_without_a_result_get_an_error_row():
    report = build(one(), hosts=["h1", "h2"])
    rows = {r["host"]: r for r in report["rows"]}
    assert rows["h1"]["status"] == "ok"
    assert rows["h2"]["status"] == "error" and "no result was recorded" in rows["h2"]["message"]
    assert report["hosts"] == 2


# -------------------------------------------------------- whitelist, types --


def test_rows_hold_only_whitelisted_fields_and_no_secret():
    report = fr.build(report_sample.results(hostile=True), now=NOW)
    for row in report["rows"]:
        assert set(row) == ROW_KEYS
        if row["token"]:
            assert set(row["token"]) == {"state", "expires_at", "minutes_left", "refreshable"}
    for text in fr.render_all(report).values():
        for secret in report_sample.SECRETS:
            assert secret not in text
    for secret in report_sample.SECRETS:
        assert secret not in "\n".join(line for line, _ in fr_text.render_text(report))


def test_values_are_coerced_to_plain_bounded_text():
    results = one(
        user="al\x1b[31mice\nx",
        account=111111111111,
        role={"nested": "dict"},
        message="m" * 5000,
        role_matches="yes",
        token={"state": "valid", "expires_at": "2026-11-23T18:00:00Z", "minutes_left": "42", "x": 1},
        env_override={"variable": "AWS_PROFILE", "file": "/home/a/.bashrc", "line": 3, "value": "secret"},
    )
    (row,) = build(results)["rows"]
    assert row["user"] == "al\\x1b[31mice x"  # escape character shown escaped, newline a space
    assert row["account"] == "111111111111"
    assert row["role"] is None
    assert len(row["message"]) == fr.MAX_TEXT and row["message"].endswith("\u2026")
    assert row["role_matches"] is None
    assert row["token"] == {
        "state": "valid",
        "expires_at": "2026-11-23T18:00:00Z",
        "minutes_left": None,
        "refreshable": None,
    }
    assert row["env_override"] == {"variable": "AWS_PROFILE", "file": "/home/a/.bashrc", "line": 3}


def test_bidi_and_line_separators_are_shown_escaped():
    (row,) = build(one(message="run \u202eevil\u2028 now"))["rows"]
    assert row["message"] == "run \\u202eevil\\u2028 now"


def test_terminal_escapes_reach_no_output_raw():
    """A user name and a message with terminal escapes: every rendering shows them escaped, HTML stays HTML-escaped."""
    report = build(one(user="\x1b[2J\x1b[Hok: <b>fake</b>", message="\x9b31m\x1b]0;title\x07 & done"))
    screen = "\n".join(line for line, _level in fr_text.render_text(report))
    files = fr.render_all(report)
    for text in (screen, files["json"], files["md"], files["html"]):
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "\\x1b[2J\\x1b[Hok: <b>fake</b>" in screen
    assert "\\x1b[2J\\x1b[Hok: &lt;b&gt;fake&lt;/b&gt;" in files["html"] and "<b>fake" not in files["html"]
    assert "\\x9b31m\\x1b]0;title\\x07 &amp; done" in files["html"]


# --------------------------------------------------------------- escaping --


def test_html_escapes_every_host_value():
    report = fr.build(report_sample.results(hostile=True), now=NOW)
    page = fr_html.render_html(report)
    for value in report_sample.HOSTILE_VALUES:
        assert value not in page
    assert "&lt;script&gt;window.__injected = 1&lt;/script&gt;" in page
    assert page.count("<script") == 1 and page.count("</script>") == 1
    assert "onerror=" not in page.replace("onerror=&quot;", "")
    assert "</td></tr></tbody>" not in page


def test_html_policy_allows_only_its_own_script_and_no_external_asset():
    page = fr_html.render_html(build())
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in policy and "script-src 'sha256-%s'" % digest in policy
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_markdown_escapes_markup_and_html():
    report = fr.build(report_sample.results(hostile=True), now=NOW)
    text = fr_md.render_md(report)
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    assert "\\[y\\](javascript:alert(1))" in text
    assert "\\| \\`x\\`" in text
    rows = [line for line in text.splitlines() if line.startswith("| ws")]
    assert len(rows) == len(report["rows"])
    assert {line.count(" | ") for line in rows} == {8}  # no cell split by a pipe from a host


def test_md_escape():
    assert fr_md.md_escape("a|b*c_d`e[f]g~h\\i<j>&") == "a\\|b\\*c\\_d\\`e\\[f\\]g\\~h\\\\i&lt;j&gt;&amp;"


# ----------------------------------------------------------------- schema --


def test_json_schema_is_versioned_and_stable():
    report = build(fail_on=["forbidden"])
    data = json.loads(fr.render_json(report))
    assert data["schema"] == fr.SCHEMA == 1
    assert list(data) == [
        "schema",
        "title",
        "generated_at",
        "statuses",
        "totals",
        "hosts",
        "users",
        "fail_on",
        "failed_statuses",
        "fail",
        "limit",
        "preview",
        "rows",
    ]
    assert data["generated_at"] == "2026-11-23T16:00:00Z"
    assert data["statuses"] == list(fr.STATUSES)
    assert data == report


def test_docs_describe_every_field_and_status():
    doc = (REPO / "docs" / "report.md").read_text()
    nested = {"state", "expires_at", "minutes_left", "refreshable", "variable", "file", "line"}
    for key in ROW_KEYS | set(build()) | nested:
        assert "`%s`" % key in doc, key
    for status in fr.STATUSES:
        assert "`%s`" % status in doc, status


def test_module_lists_the_same_statuses():
    assert spec.STATUSES is fr.STATUSES  # one definition, imported, not a copy
    assert spec.ARGUMENT_SPEC["fail_on"]["choices"] == list(fr.STATUSES)
    assert set(fr_text.MEANINGS) == set(fr_text.LEVELS) == set(fr.STATUSES)


# ---------------------------------------------------------------- fail_on --


def test_fail_on_reports_the_statuses_found_in_report_order():
    report = build(fail_on=["ok", "forbidden", "ok"])
    assert report["fail_on"] == ["forbidden", "ok"]
    assert report["failed_statuses"] == ["forbidden", "ok"] and report["fail"] is True


def test_fail_on_without_a_match_does_not_fail():
    report = build(one(status="ok"), fail_on=["error", "login_required"])
    assert report["failed_statuses"] == [] and report["fail"] is False
    assert build(one(), fail_on=[])["fail"] is False


@pytest.mark.parametrize("bad", [["forbiden"], ["ok", "OK"], [1], "error", {"error": 1}])
def test_fail_on_rejects_unknown_statuses_naming_them_and_the_valid_list(bad):
    with pytest.raises(fr.ReportError) as error:
        build(fail_on=bad)
    message = str(error.value)
    assert "fail_on" in message
    if isinstance(bad, list):
        assert repr(bad[-1]) in message and "valid statuses: " + ", ".join(fr.STATUSES) in message
        assert "'ok'" not in message
    else:
        assert "must be a list" in message


def test_bad_results_and_hosts_are_refused():
    with pytest.raises(fr.ReportError, match="results must be a dict"):
        fr.build(["h1"])
    with pytest.raises(fr.ReportError, match="hosts must be a list"):
        fr.build({}, hosts="h1")


# ---------------------------------------------------------------- display --


@pytest.mark.parametrize(
    "token, text",
    [
        (None, "-"),
        ({"state": "missing", "expires_at": None, "minutes_left": None}, "missing"),
        (
            {"state": "valid", "expires_at": "2026-11-23T18:00:00Z", "minutes_left": 42},
            "2026-11-23 18:00 UTC (42m left)",
        ),
        (
            {"state": "expiring", "expires_at": "2026-11-23T18:00:00UTC", "minutes_left": 5},
            "2026-11-23 18:00 UTC (5m left, refreshing)",
        ),
        (
            {"state": "expired_refreshable", "expires_at": "2026-11-23T18:00:00Z", "minutes_left": -61},
            "2026-11-23 18:00 UTC (expired 1h01m ago, refreshable)",
        ),
        (
            {"state": "expired", "expires_at": "2026-11-20T18:00:00Z", "minutes_left": -4320},
            "2026-11-20 18:00 UTC (expired 3 days ago)",
        ),
        (
            {"state": "valid", "expires_at": "2026-11-23T18:00:00Z", "minutes_left": None},
            "2026-11-23 18:00 UTC (valid)",
        ),
    ],
)
def test_token_text(token, text):
    assert fr_text.token_text(token) == text


def test_screen_table_problems_first_with_levels_and_totals():
    report = fr.build(report_sample.results(hostile=True), fail_on=["error"], now=NOW)
    lines = fr_text.render_text(report, width=30)
    header = lines[1][0].split()
    assert header[:4] == ["host", "user", "profile", "status"]
    body = lines[3 : 3 + len(report["rows"])]
    assert [level for _, level in body] == [fr_text.LEVELS[r["status"]] for r in report["rows"]]
    assert body[0][1] == "bad" and body[-1][1] == "good"
    assert max(len(cell) for row in report["rows"] for cell in fr_text.table_cells(row)) > 30
    assert all(len(line) < 8 * 32 for line, _ in body)
    assert lines[-2][0].startswith("totals: error 2, unreachable 2,")
    assert lines[-1] == ("statuses listed in fail_on found: error", "bad")


def test_generated_at_defaults_to_now_in_utc():
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stamp = fr.build({})["generated_at"]
    parsed = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert before <= parsed <= datetime.datetime.now(datetime.timezone.utc)


def test_findings_ignore_time_and_order_but_not_a_status():
    results = {"ws1": {"users": [{"user": "a", "profiles": [{"profile": "dev", "status": "ok", "account": "1"}]}]}}
    first = fr.build(results, now=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    later = fr.build(results, now=datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc))
    assert fr.findings(first) == fr.findings(later)
    results["ws1"]["users"][0]["profiles"][0]["status"] = "login_required"
    assert fr.findings(fr.build(results)) != fr.findings(first)


def test_a_row_whose_shell_output_looked_forged_says_so():
    message = "shell output looked forged (a frame was printed on standard output), so it was not believed"
    (row,) = build(one(status="error", forged=True, message=message))["rows"]
    assert row["forged"] is True and row["status"] == "error" and row["message"].startswith("shell output looked")
    (plain,) = build(one(forged="yes"))["rows"]
    assert plain["forged"] is None


# ------------------------------------------------------ how rows were checked --


def test_token_only_rows_are_marked_apart_from_checked_ones_in_every_rendering():
    results = one(user="alice", checked="token")
    results["h1"]["users"].append({"user": "bob", "profiles": [{"profile": "dev", "status": "ok", "checked": "live"}]})
    results["h2"] = {"users": [{"user": "carol", "profiles": [{"profile": "dev", "status": "ok", "checked": "shell"}]}]}
    report = build(results)
    by_user = {row["user"]: row for row in report["rows"]}
    assert [by_user[u]["checked"] for u in ("alice", "bob", "carol")] == ["token", "live", "shell"]

    screen = [line for line, _level in fr_text.render_text(report)]
    header = screen[1]
    column = header.index("checked")
    cells = {line.split()[1]: line[column:].split("  ")[0].strip() for line in screen[3:6]}
    assert cells == {"alice": "token only", "bob": "live", "carol": "shell"}
    assert any(line.startswith("checked token only: only the sign-in token was read") for line in screen)
    assert not any(line.startswith("checked live") for line in screen)  # only the shallow check is explained

    md = fr_md.render_md(report)
    assert "| checked |" in md.splitlines()[md.splitlines().index("## Rows") + 2]
    assert "| h1 | alice | dev | ok | - | - | token only |" in md
    assert "| h1 | bob | dev | ok | - | - | live |" in md
    assert "- checked token only: only the sign-in token was read" in md

    page = fr_html.render_html(report)
    assert '<th scope="col">checked</th>' in page
    assert re.search(
        r'<td data-label="checked" class="c-checked" title="only the sign-in token[^"]*">token only</td>', page
    )
    assert '<td data-label="checked" class="c-checked" title="as live, and the AWS CLI also ran' in page
    assert "<dt>checked token only</dt>" in page


def test_rows_without_a_check_show_a_dash_and_no_legend_line():
    report = build({"h1": {"unreachable": True, "msg": "down"}})
    assert fr_text.table_cells(report["rows"][0])[fr_text.TABLE_COLUMNS.index("checked")] == "-"
    assert fr_text.checked_lines(report) == []
    assert "- checked" not in fr_md.render_md(report)


def test_the_token_column_is_not_cut_on_screen():
    token = {"state": "expired_refreshable", "expires_at": "2026-11-23T18:00:00Z", "minutes_left": -2879}
    report = build(one(host="h" * 80, token=token, checked="live"))
    text = "\n".join(line for line, _level in fr_text.render_text(report))
    assert "2026-11-23 18:00 UTC (expired 47h59m ago, refreshable)" in text
    assert "h" * 80 not in text  # other columns are still clipped


def test_a_config_that_does_not_parse_is_a_config_error_row_with_the_parsers_message():
    message = "/home/alice/.aws/config: line 2: cannot parse this line (fix ~/.aws/config, ...)"
    results = {
        "h1": {
            "users": [
                {
                    "user": "alice",
                    "profiles": [
                        {
                            "profile": None,
                            "status": "config_error",
                            "message": message,
                            "token": None,
                            "checked": "token",
                        }
                    ],
                }
            ]
        }
    }
    report = build(results, fail_on=["config_error"])
    (row,) = report["rows"]
    assert (row["profile"], row["status"], row["message"], row["token"]) == (None, "config_error", message, None)
    assert report["fail"] is True and "No AWS profile" not in fr_md.render_md(report)
    assert fr_text.table_cells(row)[2] == "-" and fr_text.token_text(row["token"]) == "-"


def test_docs_explain_every_depth_of_check_and_the_column():
    doc = (REPO / "docs" / "report.md").read_text()
    assert "role,\n  checked, token expiry" in doc
    for depth, (cell, _meaning) in fr_text.CHECKED.items():
        assert "| `%s` | `%s` |" % (cell, depth) in doc, depth
