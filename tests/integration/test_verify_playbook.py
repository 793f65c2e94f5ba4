"""Playbook labcloud.aws_sso.verify keeps a host it cannot reach as a row of the report.

The statuses of reachable hosts are the Molecule scenario `verify`'s job;
this is the case it cannot stage: a host that never answers.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.testbed.paths import REPO

BIN = Path(sys.executable).parent


def run_verify(tmp_path, *extra):
    (tmp_path / "inventory.ini").write_text(
        # Port 1 on loopback: refused at once, so the host is unreachable.
        "ws-down ansible_host=127.0.0.1 ansible_port=1 ansible_user=nobody\n"
    )
    variables = {"aws_sso_users": ["alice"], "verify_report_dir": str(tmp_path / "report")}
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_NOCOLOR="1",
    )
    command = [str(BIN / "ansible-playbook"), "-i", str(tmp_path / "inventory.ini"), "labcloud.aws_sso.verify"]
    command += ["-e", "@" + str(tmp_path / "vars.json"), *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_an_unreachable_host_is_a_row_and_does_not_stop_the_report(tmp_path):
    run = run_verify(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert [(row["host"], row["user"], row["status"]) for row in report["rows"]] == [("ws-down", None, "unreachable")]
    assert "Connection refused" in report["rows"][0]["message"]
    assert "unreachable 1" in run.stdout


def test_verify_fail_on_fails_at_the_end_after_writing(tmp_path):
    run = run_verify(tmp_path, "-e", '{"verify_fail_on": ["unreachable"]}')
    assert run.returncode == 2, run.stdout + run.stderr
    assert "unreachable found (verify_fail_on)" in run.stdout + run.stderr
    assert (tmp_path / "report" / "report.html").is_file()
