"""ansible-lint's `args` rule checks labcloud.aws_sso.aws_config's options, nested ones included.

Runs the venv's ansible-lint on playbooks written to a temp dir, against the
collection as `make collection` installs it (build/collections), so what is
tested is what users lint against.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testbed.paths import REPO

BIN = Path(sys.executable).parent
COLLECTIONS = REPO / "build" / "collections"

# `args` is in none of ansible-lint's profiles, so `--profile production` alone
# never runs it; and it is tagged experimental, which the default warn_list
# only warns about. Without both lines below no typo fails a lint run.
LINT_CONFIG = """\
---
profile: production
offline: true
enable_list:
  - args
warn_list: []
"""

TYPOS = """\
---
- name: Typos in aws_config tasks
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Misspelled top-level option
      labcloud.aws_sso.aws_config:
        profile:
          - name: dev
            sso_session: corp

    - name: Misspelled profile key
      labcloud.aws_sso.aws_config:
        profiles:
          - name: dev
            sso_session: corp
            sso_acount_id: "012345678901"
            sso_role_name: PowerUserAccess

    - name: Misspelled sso-session key
      labcloud.aws_sso.aws_config:
        sso_sessions:
          - name: corp
            sso_start_url: https://corp.awsapps.com/start
            sso_regoin: us-east-1

    - name: Profile output not one of the choices
      labcloud.aws_sso.aws_config:
        profiles:
          - name: dev
            output: xml
"""

# Task name -> what the args[module] message must say. The rule reports only
# the first problem of a task, hence one typo per task.
EXPECTED = {
    "Misspelled top-level option": r"Unsupported parameters for \(\S+\) module: profile\. ",
    "Misspelled profile key": r"Unsupported parameters for \(\S+\) module: profiles\.sso_acount_id\. ",
    "Misspelled sso-session key": r"Unsupported parameters for \(\S+\) module: sso_sessions\.sso_regoin\. ",
    "Profile output not one of the choices": r"value of output must be one of: .*got: xml found in profiles",
}

CORRECT = """\
---
- name: Every option of aws_config, spelled right
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Declare sessions and profiles
      labcloud.aws_sso.aws_config:
        user: alice
        path: ~/.aws/config
        exclusive: true
        migrate_legacy: false
        backup: true
        sso_sessions:
          - name: corp
            sso_start_url: https://corp.awsapps.com/start
            sso_region: us-east-1
            sso_registration_scopes: [sso:account:access]
            purge_keys: true
            settings: {}
          - name: old
            state: absent
        profiles:
          - name: dev
            sso_session: corp
            sso_account_id: "012345678901"
            sso_role_name: PowerUserAccess
            region: us-west-2
            output: json
            purge_keys: false
            settings:
              cli_pager: ""
              s3:
                max_concurrent_requests: 20
          - name: old-sandbox
            state: absent
"""


def ansible_lint(directory, playbook_text):
    module_file = COLLECTIONS / "ansible_collections" / "labcloud" / "aws_sso" / "plugins" / "modules" / "aws_config.py"
    assert module_file.exists(), "the collection is not installed in build/collections: run `make collection`"
    (directory / ".ansible-lint").write_text(LINT_CONFIG)
    (directory / "play.yml").write_text(playbook_text)
    env = dict(
        os.environ,
        # ansible-lint runs ansible-config and ansible-playbook from PATH.
        PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""),
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
        NO_COLOR="1",
    )
    command = [str(BIN / "ansible-lint"), "--offline", "-c", ".ansible-lint", "-f", "json", "play.yml"]
    run = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=300)
    try:
        issues = json.loads(run.stdout or "[]")
    except json.JSONDecodeError:
        pytest.fail("ansible-lint printed no JSON:\n" + run.stdout + run.stderr)
    return run, issues


@pytest.fixture(scope="module")
def typo_run(tmp_path_factory):
    return ansible_lint(tmp_path_factory.mktemp("lint-typos"), TYPOS)


@pytest.mark.parametrize("task", sorted(EXPECTED))
def test_typo_reported_as_args_module(typo_run, task):
    run, issues = typo_run
    found = [issue for issue in issues if issue["content"]["body"] == "Task/Handler: " + task]
    assert [issue["check_name"] for issue in found] == ["args[module]"], (issues, run.stderr)
    assert re.search(EXPECTED[task], found[0]["description"]), found[0]["description"]


def test_typos_fail_the_run(typo_run):
    run, issues = typo_run
    assert run.returncode == 2, run.stderr
    assert {issue["check_name"] for issue in issues} == {"args[module]"}, issues
    assert len(issues) == len(EXPECTED), issues


def test_correct_playbook_lints_clean(tmp_path):
    run, issues = ansible_lint(tmp_path, CORRECT)
    assert issues == [], issues
    assert run.returncode == 0, run.stderr
