"""Playbooks labcloud.aws_sso.verify, setup and login end with one check and one report.

The statuses of reachable hosts are the Molecule scenario `verify`'s job;
this is what it cannot stage: a host that never answers, runs limited with
--limit, options refused before any host is touched, and `login` and then
`verify` on the same lab (real users of this machine, the real AWS CLI and
the local Identity Center) giving the same rows.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.testbed.paths import REPO
from tests.testbed.users import throwaway_users

BIN = Path(sys.executable).parent
# Port 1 on loopback: refused at once, so the host is unreachable.
DOWN = "ansible_host=127.0.0.1 ansible_port=1 ansible_user=nobody"
# This machine, as root (the tests run as root and there is no sudo).
LOCAL = "ansible_connection=local ansible_python_interpreter=/usr/bin/python3 ansible_become=false"


def run_playbook(tmp_path, playbook, inventory, variables, *extra):
    (tmp_path / "inventory.ini").write_text(inventory)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_NOCOLOR="1",
    )
    command = [str(BIN / "ansible-playbook"), "-i", str(tmp_path / "inventory.ini"), "labcloud.aws_sso." + playbook]
    command += ["-e", "@" + str(tmp_path / "vars.json"), *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def run_verify(tmp_path, *extra, playbook="verify", inventory="ws-down " + DOWN + "\n"):
    variables = {"aws_sso_users": ["alice"], "verify_report_dir": str(tmp_path / "report")}
    return run_playbook(tmp_path, playbook, inventory, variables, *extra)


def report_rows(directory):
    report = json.loads((directory / "report.json").read_text())
    return report, [(row["host"], row["user"], row["status"]) for row in report["rows"]]


def test_an_unreachable_host_is_a_row_and_does_not_stop_the_report(tmp_path):
    run = run_verify(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    report, rows = report_rows(tmp_path / "report")
    assert rows == [("ws-down", None, "unreachable")]
    assert "Connection refused" in report["rows"][0]["message"]
    assert report["limit"] is None and "Limited run" not in run.stdout
    assert "unreachable 1 (1 row, 1 host, 0 users)" in run.stdout


def test_setup_reports_an_unreachable_host_as_unreachable_too(tmp_path):
    run = run_verify(tmp_path, playbook="setup")
    assert run.returncode == 0, run.stdout + run.stderr
    report, rows = report_rows(tmp_path / "report")
    assert rows == [("ws-down", None, "unreachable")]
    assert "Connection refused" in report["rows"][0]["message"]
    assert "gave no result" not in run.stdout


def test_verify_fail_on_fails_at_the_end_after_writing(tmp_path):
    run = run_verify(tmp_path, "-e", '{"verify_fail_on": ["unreachable"]}')
    assert run.returncode == 2, run.stdout + run.stderr
    assert "unreachable found (verify_fail_on); see %s" % (tmp_path / "report" / "report.html") in run.stdout
    assert (tmp_path / "report" / "report.html").is_file()


@pytest.mark.parametrize("playbook", ["verify", "setup"])
def test_an_unknown_verify_fail_on_status_is_refused_before_any_host_is_touched(tmp_path, playbook):
    run = run_verify(tmp_path, "-e", '{"verify_fail_on": ["unreachable", "forbiden"]}', playbook=playbook)
    output = run.stdout + run.stderr
    assert run.returncode == 2, output
    assert "verify_fail_on" in output and "Got no match for: forbiden" in output
    # No connection was even tried, and nothing was written.
    assert "UNREACHABLE" not in output and "Connection refused" not in output
    assert not (tmp_path / "report").exists()


def test_a_limited_run_still_writes_the_report_and_says_so(tmp_path):
    inventory = "ws-down %s\nws-other %s\n" % (DOWN, DOWN)
    run = run_verify(tmp_path, "--limit", "ws-down", inventory=inventory)
    assert run.returncode == 0, run.stdout + run.stderr
    report, rows = report_rows(tmp_path / "report")
    assert rows == [("ws-down", None, "unreachable")]
    assert report["limit"] == {"pattern": "ws-down", "hosts": ["ws-down"]}
    said = "Limited run (--limit ws-down): only 1 host checked (ws-down)"
    assert said in run.stdout
    assert said in (tmp_path / "report" / "report.md").read_text()
    assert said in (tmp_path / "report" / "report.html").read_text()


def test_check_mode_shows_a_preview_and_no_path_of_a_report_it_did_not_write(tmp_path):
    run = run_verify(tmp_path, "--check")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Preview (check mode): nothing was changed and no report file was written" in run.stdout
    assert "report not written (check mode)" in run.stdout
    assert str(tmp_path / "report") not in run.stdout
    assert not (tmp_path / "report").exists()


# -- login and then verify, on the same lab ----------------------------------------

CONFIG = (
    "[sso-session lab]\nsso_start_url = {start_url}\nsso_region = {region}\n"
    "sso_registration_scopes = sso:account:access\n\n"
    # No region of its own: the users' region comes from aws_sso_region.
    "[profile dev]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = Developer\n"
)


@pytest.fixture
def lab(identity_center):
    """Three users of this machine with an SSO profile each: the first signs in, nobody approves the
    second, the third is a leaver (state: absent)."""
    with throwaway_users(3) as entries:
        for entry in entries:
            aws = Path(entry.pw_dir) / ".aws"
            aws.mkdir(mode=0o700)
            (aws / "config").write_text(
                CONFIG.format(start_url=identity_center.start_url, region=identity_center.region)
            )
            for path in (aws, aws / "config"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        yield [entry.pw_name for entry in entries]


@pytest.fixture(scope="module")
def aws_cli(user_runnable_cli):
    return user_runnable_cli


def lab_variables(tmp_path, users, identity_center, aws_cli):
    signs_in, ignores, leaves = users
    return {
        "aws_sso_users": [signs_in, ignores, {"user": leaves, "state": "absent"}],
        "aws_sso_region": identity_center.region,
        "verify_cli_environment": identity_center.env,
        "verify_aws_cli": aws_cli,
        "verify_report_dir": str(tmp_path / "verify-report"),
        "login_cli_environment": identity_center.env,
        "login_report_dir": str(tmp_path / "login-report"),
        "login_pending_file": str(tmp_path / "pending.json"),
        "login_result_file": str(tmp_path / "result.json"),
        "login_timeout": 8,
        "login_become": False,
    }


def approve_when_listed(identity_center, pending_file, user, person="alice", timeout=120):
    """The person approves their code as soon as the table of codes is written."""

    def approve():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pending_file.exists():
                for row in json.loads(pending_file.read_text())["pending"]:
                    if row["user"] == user:
                        identity_center.approve(row["user_code"], person)
                return
            time.sleep(0.2)

    thread = threading.Thread(target=approve, daemon=True)
    thread.start()
    return thread


def findings(directory):
    report = json.loads((directory / "report.json").read_text())
    return report, [
        (row["host"], row["user"], row["profile"], row["status"], row["account"], row["role"]) for row in report["rows"]
    ]


def recap(run, host):
    return re.search(r"^%s\s+: (.*)$" % re.escape(host), run.stdout, re.M).group(1)


def test_login_then_verify_give_the_same_rows_under_limit(tmp_path, lab, identity_center, aws_cli):
    signs_in, ignores, leaves = lab
    inventory = "ws1 %s\nws-down %s\nws-other %s\n" % (LOCAL, DOWN, DOWN)
    variables = lab_variables(tmp_path, lab, identity_center, aws_cli)
    approver = approve_when_listed(identity_center, tmp_path / "pending.json", signs_in)
    login = run_playbook(tmp_path, "login", inventory, variables, "--limit", "ws1,ws-down")
    approver.join(5)
    assert login.returncode == 0, login.stdout + login.stderr

    # The leaver is never offered a sign-in; the others are, as text lines.
    pending = json.loads((tmp_path / "pending.json").read_text())["pending"]
    assert sorted(row["user"] for row in pending) == sorted([signs_in, ignores])
    assert leaves not in login.stdout
    assert re.search(r"^HOST\s+USER\s+SESSION\s+CODE\s", login.stdout, re.M), login.stdout
    assert '"HOST  ' not in login.stdout
    results = {(row["host"], row["user"]): row for row in json.loads((tmp_path / "result.json").read_text())["results"]}
    assert {key: row["status"] for key, row in results.items()} == {
        ("ws1", signs_in): "signed_in",
        ("ws1", ignores): "timeout",
        ("ws-down", None): "unreachable",
    }
    assert "run login again" in results[("ws1", ignores)]["msg"]

    verify = run_playbook(tmp_path, "verify", inventory, variables, "--limit", "ws1,ws-down")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    login_report, login_rows = findings(tmp_path / "login-report")
    verify_report, verify_rows = findings(tmp_path / "verify-report")
    # One truth: the region from aws_sso_region counts in both, the leaver in neither.
    assert (
        login_rows
        == verify_rows
        == [
            ("ws-down", None, None, "unreachable", None, None),
            ("ws1", ignores, "dev", "login_required", None, None),
            ("ws1", signs_in, "dev", "ok", "111111111111", "Developer"),
        ]
    )
    for report, run in ((login_report, login), (verify_report, verify)):
        assert report["limit"] == {"pattern": "ws1,ws-down", "hosts": ["ws-down", "ws1"]}
        assert "Limited run (--limit ws1,ws-down): only 2 hosts checked (ws-down, ws1)" in run.stdout


def test_login_for_some_users_leaves_out_hosts_without_them_and_a_rerun_changes_nothing(
    tmp_path, lab, identity_center, aws_cli
):
    signs_in, ignores, leaves = lab
    variables = dict(lab_variables(tmp_path, lab, identity_center, aws_cli), login_users=signs_in)
    # Per host, so not among the extra vars (which would win over the inventory).
    declared = variables.pop("aws_sso_users")
    inventory = "ws1 %s aws_sso_users='%s'\nws2 %s aws_sso_users='%s'\n" % (
        LOCAL,
        json.dumps(declared),
        LOCAL,
        json.dumps([ignores]),
    )
    approver = approve_when_listed(identity_center, tmp_path / "pending.json", signs_in)
    first = run_playbook(tmp_path, "login", inventory, variables)
    approver.join(5)
    assert first.returncode == 0, first.stdout + first.stderr
    _, rows = findings(tmp_path / "login-report")
    # ws2 has none of login_users: no row at all, not a false error.
    assert rows == [("ws1", signs_in, "dev", "ok", "111111111111", "Developer")]

    again = run_playbook(tmp_path, "login", inventory, variables)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "changed=0" in recap(again, "ws1") and "changed=0" in recap(again, "ws2"), again.stdout
    assert "Sign-ins to approve" not in again.stdout
    assert findings(tmp_path / "login-report")[1] == rows


def test_login_fail_on_names_each_sign_in_readably_after_the_report(tmp_path, lab, identity_center, aws_cli):
    signs_in, ignores, _ = lab
    variables = dict(
        lab_variables(tmp_path, lab, identity_center, aws_cli),
        login_users=ignores,
        login_timeout=2,
        login_fail_on=["error", "timeout"],
    )
    run = run_playbook(tmp_path, "login", "ws1 %s\n" % LOCAL, variables)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "1 sign-in ended in timeout (login_fail_on): %s on ws1 (timeout)." % ignores in run.stdout
    assert "@" not in re.search(r"ended in .*", run.stdout).group(0)
    assert (tmp_path / "login-report" / "report.json").is_file()
