"""One user lookup per run, in the host's first call: what `setup` and `verify` send to a host.

The playbooks run as root on this machine (ansible_connection=local) for
throwaway users; the bench_modules callback (bench/callback_plugins) logs
every module sent to the host. `setup` looks the users up in its first call
(user_lookup, which also tells an unreachable host) and the sso role and the
closing check plan with that answer; `verify` sends sso_identity_info alone, which
looks the users up itself. Neither runs getent (macOS has none) or ping, and
the modules sent do not grow with the number of users.
"""

import collections
import json
import os
import subprocess
import sys

import pytest

from tests.testbed.paths import REPO
from tests.testbed.users import throwaway_users

BIN = os.path.dirname(sys.executable)
MISSING = "nosuchuser7c1"
LOCAL = "ws1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3 ansible_become=false\n"
LAB = {
    "aws_sso_sessions": [
        {"name": "lab", "sso_start_url": "https://d-1234567890.awsapps.com/start", "sso_region": "eu-west-1"}
    ],
    "aws_sso_profiles": [
        {"name": "dev", "sso_session": "lab", "sso_account_id": "111111111111", "sso_role_name": "Developer"}
    ],
    "aws_sso_region": "eu-west-1",
    "aws_sso_install_cli": False,
    # The token check reads the users' caches only: no CLI, no network.
    "verify_check": "token",
}


@pytest.fixture(scope="module")
def users():
    with throwaway_users(3) as entries:
        yield [entry.pw_name for entry in entries]


def run(tmp_path, playbook, **variables):
    """(the run, the modules sent to ws1 in order)."""
    (tmp_path / "inventory.ini").write_text(LOCAL)
    (tmp_path / "vars.json").write_text(json.dumps(dict(LAB, verify_report_dir=str(tmp_path / "report"), **variables)))
    log = tmp_path / "modules.log"
    log.unlink(missing_ok=True)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"),
        ANSIBLE_CALLBACK_PLUGINS=str(REPO / "bench" / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="bench_modules",
        ANSIBLE_NOCOLOR="1",
        BENCH_MODULE_LOG=str(log),
    )
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "inventory.ini")]
    command += ["labcloud.aws_sso." + playbook, "-e", "@" + str(tmp_path / "vars.json")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    sent = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    assert {host for host, _module in sent} <= {"ws1"}, sent
    return done, [module for _host, module in sent]


def report_rows(tmp_path):
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    return [(row["host"], row["user"], row["status"], row.get("message")) for row in report["rows"]]


def test_setup_looks_the_users_up_once_in_its_first_call_whatever_their_number(tmp_path, users):
    one, one_sent = run(tmp_path, "setup", aws_sso_users=users[:1])
    assert one.returncode == 0, one.stdout + one.stderr
    three, three_sent = run(tmp_path, "setup", aws_sso_users=users)
    assert three.returncode == 0, three.stdout + three.stderr
    # The first run wrote the config of users[0]: its re-write is a read only, so compare the sets of modules.
    assert one_sent[0] == three_sent[0] == "labcloud.aws_sso.user_lookup"
    assert set(one_sent) == set(three_sent)
    counts = collections.Counter(three_sent)
    assert counts["labcloud.aws_sso.user_lookup"] == 1 and counts["labcloud.aws_sso.sso_identity_info"] == 1
    assert not {"ansible.builtin.getent", "ansible.builtin.ping"} & set(three_sent), three_sent
    # The whole set-up: the lookup, the config's read and write, the shell files, the closing check.
    assert three_sent == [
        "labcloud.aws_sso.user_lookup",
        "labcloud.aws_sso.aws_config_file",
        "labcloud.aws_sso.aws_config_file",
        "labcloud.aws_sso.shell_env",
        "labcloud.aws_sso.sso_identity_info",
    ]
    assert [row[:3] for row in report_rows(tmp_path)] == [("ws1", user, "login_required") for user in users]


def test_verify_sends_its_check_alone(tmp_path, users):
    done, sent = run(tmp_path, "verify", aws_sso_users=users)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sent == ["labcloud.aws_sso.sso_identity_info"]


def test_verify_refuses_a_missing_user_in_its_one_call_with_the_roles_words(tmp_path, users):
    done, sent = run(tmp_path, "verify", aws_sso_users=[users[0], MISSING])
    assert done.returncode == 0, done.stdout + done.stderr
    assert sent == ["labcloud.aws_sso.sso_identity_info"]
    rows = report_rows(tmp_path)
    assert [row[:2] for row in rows] == [("ws1", None)], rows
    # The report's row for a host whose check failed, quoting the role's refusal word for word.
    assert rows[0][3] == (
        "The identity check failed on this host (%s: no such user on this host; create the user first, or set "
        "aws_sso_missing_users: skip to leave the user out); IT has to look at the play's output for this host."
        % MISSING
    )


def test_verify_skips_a_missing_user_when_asked(tmp_path, users):
    done, sent = run(tmp_path, "verify", aws_sso_users=[MISSING, users[0]], aws_sso_missing_users="skip")
    assert done.returncode == 0, done.stdout + done.stderr
    assert sent == ["labcloud.aws_sso.sso_identity_info"]
    assert [row[:3] for row in report_rows(tmp_path)] == [("ws1", users[0], "login_required")]


def test_setup_refuses_a_missing_user_before_writing_and_its_check_does_not_ask_again(tmp_path, users):
    done, sent = run(tmp_path, "setup", aws_sso_users=[MISSING, users[1]], aws_sso_missing_users="skip")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Skipped (not on this host): %s" % MISSING in done.stdout
    assert sent.count("labcloud.aws_sso.user_lookup") == 1 and "ansible.builtin.getent" not in sent
    assert [row[:3] for row in report_rows(tmp_path)] == [("ws1", users[1], "login_required")]
    refused, sent = run(tmp_path, "setup", aws_sso_users=[users[2], MISSING])
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "%s: no such user on this host; create the user first" % MISSING in refused.stdout
    # Nothing written: the lookup, then the refusal on the controller.
    assert sent == ["labcloud.aws_sso.user_lookup"]
