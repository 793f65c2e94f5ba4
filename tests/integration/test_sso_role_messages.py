"""What the sso role says when it refuses, and about keys it leaves: led by the user, each thing said once.

The role runs as root on an inventory of two hosts (both this machine) for
throwaway users, as a lab runs it on its workstations.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.integration.test_as_user_security import snapshot
from tests.testbed.paths import REPO
from tests.testbed.users import as_user, throwaway_users

BIN = os.path.dirname(sys.executable)
MISSING = "nosuchuser4f0"
# group_vars as a lab writes them: the second account id unquoted, which YAML reads as the number 2.
GROUP_VARS = """\
aws_sso_sessions:
  - {name: lab, sso_start_url: "https://d-1234567890.awsapps.com/start", sso_region: eu-west-1}
aws_sso_profiles:
  - {name: dev, sso_session: lab, sso_account_id: "111111111111", sso_role_name: Developer}
  - {name: prod, sso_session: lab, sso_account_id: %s, sso_role_name: ReadOnly}
aws_sso_region: eu-west-1
"""
PLAY = """\
- name: The sso role alone
  hosts: all
  gather_facts: false
  roles:
    - role: labcloud.aws_sso.sso
"""


@pytest.fixture(scope="module")
def users():
    with throwaway_users(2) as entries:
        yield entries


def run_role(tmp_path, account_id, **extra_vars):
    (tmp_path / "group_vars").mkdir(exist_ok=True)
    (tmp_path / "group_vars" / "all.yml").write_text(GROUP_VARS % account_id)
    hosts = "".join(
        "%s ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n" % host for host in ("ws1", "ws2")
    )
    (tmp_path / "hosts.ini").write_text(hosts)
    (tmp_path / "play.yml").write_text(PLAY)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "hosts.ini"), str(tmp_path / "play.yml")]
    command += ["-e", json.dumps(extra_vars)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)


def fatal_messages(run):
    lines = [line for line in run.stdout.splitlines() if line.startswith("fatal: [")]
    return {line[len("fatal: [") :].split("]", 1)[0]: json.loads(line.split(" => ", 1)[1])["msg"] for line in lines}


def test_a_missing_user_is_refused_by_name_with_the_fix_and_nothing_is_written(tmp_path, users):
    before = [snapshot(user.pw_dir) for user in users]
    run = run_role(tmp_path, '"000000000002"', aws_sso_users=[users[0].pw_name, MISSING, users[1].pw_name])
    out = run.stdout + run.stderr
    assert run.returncode == 2, out
    assert "Finalization of task args" not in out
    messages = fatal_messages(run)
    assert sorted(messages) == ["ws1", "ws2"], out
    for msg in messages.values():
        assert msg == (
            "%s: no such user on this host; create the user first, or set aws_sso_missing_users: skip to leave the "
            "user out (labcloud.aws_sso.sso: nothing was written)" % MISSING
        )
    assert "[ERROR]: Task failed: Action failed: %s: no such user on this host" % MISSING in out
    assert "Write every user's ~/.aws/config" not in run.stdout
    assert [snapshot(user.pw_dir) for user in users] == before


def test_an_unquoted_account_id_is_said_once_not_once_per_user_and_host(tmp_path, users):
    before = [snapshot(user.pw_dir) for user in users]
    run = run_role(tmp_path, "000000000002", aws_sso_users=[user.pw_name for user in users])
    out = run.stdout + run.stderr
    assert run.returncode == 2, out
    expected = (
        "aws_sso_profiles[1] (prod).sso_account_id: YAML read it as the number 2, not as 12 digits (unquoted, "
        "leading zeros are dropped and an id starting with 0 can be read as octal); quote it exactly as written, "
        'e.g. sso_account_id: "012345678901" (labcloud.aws_sso.sso: nothing was written)'
    )
    assert fatal_messages(run) == {"ws1": expected, "ws2": expected}, out
    # One explanation for the whole fleet: Ansible prints a message the hosts share once.
    assert len(re.findall(r"^\[ERROR\]: .*YAML read it as the number 2", out, re.MULTILINE)) == 1, out
    assert [snapshot(user.pw_dir) for user in users] == before


def test_keys_left_for_unmanaged_profiles_are_reported_per_user(tmp_path, users):
    keys = "[legacy]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = notarealsecret\n"
    for user in users:
        made = as_user(
            user, "sh", "-c", 'mkdir -p "$1/.aws" && printf "%s" "$2" > "$1/.aws/credentials"', "sh", user.pw_dir, keys
        )
        assert made.returncode == 0, made.stderr
    run = run_role(
        tmp_path,
        '"000000000002"',
        aws_sso_users=[{"user": users[0].pw_name, "remove_static_credentials": True}, users[1].pw_name],
        aws_sso_static_keys_backup=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    said = re.findall(r'"msg": "([^"]*plain-text key set[^"]*)"', run.stdout)
    assert (
        said
        == [
            "%s: 1 plain-text key set(s) remain for legacy (in ~/.aws/credentials): profiles this role does not "
            "manage keep their keys; remove them by hand once they are no longer needed" % users[0].pw_name
        ]
        * 2
    ), run.stdout
    assert "notarealsecret" not in run.stdout + run.stderr


def test_the_old_name_key_does_what_user_does_with_one_deprecation_warning(tmp_path, users):
    def entries(key):
        return [{key: users[0].pw_name, "default_profile": "dev"}, users[1].pw_name]

    done = run_role(tmp_path, '"000000000002"', aws_sso_users=entries("user"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DEPRECATION" not in done.stdout + done.stderr
    again = run_role(tmp_path, '"000000000002"', aws_sso_users=entries("name"))
    out = again.stdout + again.stderr
    assert again.returncode == 0, out
    # The same plan as the user: form, so nothing is left to change on either host.
    assert re.findall(r"^ws\d .* changed=(\d+) ", again.stdout, re.MULTILINE) == ["0", "0"], out
    # Two hosts planned with the old key, the same words on each: one warning for the run.
    assert re.findall(r"^\[DEPRECATION WARNING\]: .*", out, re.MULTILINE) == [
        "[DEPRECATION WARNING]: aws_sso_users: the key name: of a user entry is deprecated; write user: instead "
        "(- user: alice, the same key as the modules' users option). This feature will be removed from collection "
        "'labcloud.aws_sso' version 2.0.0."
    ], out
