"""What the closing check of verify, setup and login says around its rows: a
limited run, a preview, plain counts; and login's own tables and failure."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report as fr
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_html as fr_html
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_md as fr_md
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_text as fr_text
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.login_playbook import (
    LoginInputError,
    login_failures,
    login_rows,
    login_table,
)

UNREACHABLE = {"unreachable": True, "msg": "Connection refused"}
OK_USER = {"users": [{"user": "alice", "profiles": [{"profile": "dev", "status": "ok"}]}]}


def screen(report):
    return [line for line, _level in fr_text.render_text(report)]


# -- the report: --limit, check mode, counts -----------------------------------


def test_a_limited_run_says_so_on_every_page_naming_the_pattern_and_the_hosts():
    report = fr.build({"ws2": OK_USER, "ws1": UNREACHABLE}, limit="ws1:ws2")
    assert report["limit"] == {"pattern": "ws1:ws2", "hosts": ["ws1", "ws2"]}
    said = "Limited run (--limit ws1:ws2): only 2 hosts checked (ws1, ws2); other hosts are not in this report."
    # Right under the title, before the table.
    assert screen(report)[1] == said
    assert ("**%s**" % said) in fr_md.render_md(report)
    assert '<p class="alert">%s</p>' % said in fr_html.render_html(report)


def test_a_whole_run_and_a_written_report_say_nothing_of_the_kind():
    report = fr.build({"ws1": OK_USER})
    assert report["limit"] is None and report["preview"] is False
    assert fr_text.scope_lines(report) == []
    assert screen(report)[1].startswith("host ")


def test_the_limit_pattern_is_escaped_for_each_page():
    report = fr.build({"ws1": OK_USER}, limit="<b>ws|1</b>\x1b[2J")
    md, page = fr_md.render_md(report), fr_html.render_html(report)
    assert "<b>" not in md and "&lt;b&gt;ws\\|1&lt;/b&gt;" in md
    assert "<b>" not in page and "&lt;b&gt;ws|1&lt;/b&gt;" in page
    assert "\x1b" not in "".join(screen(report)) + md + page


def test_a_long_list_of_limited_hosts_is_cut_with_a_count():
    hosts = {"ws%02d" % n: OK_USER for n in range(25)}
    line = fr_text.scope_lines(fr.build(hosts, limit="lab"))[0]
    assert "only 25 hosts checked (ws00, ws01," in line and "ws19 and 5 more)" in line and "ws20" not in line


def test_check_mode_labels_the_table_a_preview():
    report = fr.build(
        {"ws1": {"users": [{"user": "alice", "profiles": [{"profile": "dev", "status": "cli_missing"}]}]}}
    )
    report_preview = fr.build({"ws1": OK_USER}, preview=True)
    assert report["preview"] is False and report_preview["preview"] is True
    lines = screen(report_preview)
    assert lines[1].startswith("Preview (check mode): nothing was changed and no report file was written")
    assert "config_error or cli_missing" in lines[1]


def test_counts_are_singular_for_one():
    one = fr.build({"ws1": OK_USER})
    assert fr_text.totals_text(one) == "totals: ok 1 (1 row, 1 host, 1 user)"
    assert "1 host, 1 user, 1 row." in fr_md.render_md(one) and "1 host, 1 user, 1 row.</p>" in fr_html.render_html(one)
    two = fr.build({"ws1": OK_USER, "ws2": UNREACHABLE})
    assert fr_text.totals_text(two) == "totals: unreachable 1, ok 1 (2 rows, 2 hosts, 1 user)"


# -- login's tables ------------------------------------------------------------


def _session(status, msg=None):
    return {"session": "lab", "status": status, "token": None, "flow": None, "msg": msg}


def test_an_unreachable_host_is_unreachable_in_login_too():
    rows = login_rows({"ws1": UNREACHABLE, "ws2": {"failed": True, "msg": "users could not be planned"}})
    assert [(r["host"], r["status"], r["msg"]) for r in rows] == [
        ("ws1", "unreachable", "Connection refused"),
        ("ws2", "error", "users could not be planned"),
    ]


def test_denied_expired_and_timeout_get_a_next_step_naming_user_and_host():
    started = {
        "ws1": {
            "users": [
                {"user": "carol", "sessions": [_session("denied")]},
                {"user": "erin", "sessions": [_session("expired")]},
                {"user": "dave", "sessions": [_session("timeout")]},
                {"user": "bob", "sessions": [_session("error", "lab: could not reach the portal")]},
            ]
        }
    }
    steps = {r["user"]: r["msg"] for r in login_rows(started)}
    assert "refused" in steps["carol"] and "-e login_users=carol --limit ws1" in steps["carol"]
    assert "in time" in steps["erin"] and "-e login_users=erin --limit ws1" in steps["erin"]
    assert "run login again" in steps["dave"]
    # A message of the module's own stays.
    assert steps["bob"] == "lab: could not reach the portal"
    header = login_table(login_rows(started), "result")[0]
    assert header.split()[-2:] == ["NEXT", "STEP"]


def test_the_failure_message_names_each_sign_in_readably():
    rows = [
        {"host": "ws2", "user": "carol", "status": "denied"},
        {"host": "ws1", "user": "erin", "status": "expired"},
        {"host": "ws1", "user": "frank", "status": "valid"},
        {"host": "ws3", "user": None, "status": "error"},
    ]
    message = login_failures(rows, ["error", "denied", "expired"])
    assert message.startswith(
        "3 sign-ins ended in error or denied or expired (login_fail_on): "
        "carol on ws2 (denied), erin on ws1 (expired), the host on ws3 (error)."
    )
    assert "@" not in message
    assert login_failures(rows, ["timeout"]) == ""
    assert login_failures(rows[:1], ["denied"]).startswith("1 sign-in ended in denied")


def test_the_failure_message_escapes_names_from_hosts_and_refuses_a_bad_fail_on():
    message = login_failures([{"host": "ws1", "user": "eve\x1b[2J\nx", "status": "error"}], ["error"])
    assert "\x1b" not in message and "\n" not in message
    with pytest.raises(LoginInputError, match="login_fail_on"):
        login_failures([], "error")
