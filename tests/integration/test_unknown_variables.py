"""A misspelt variable in group_vars fails the run before anything is written.

The playbooks run as root on localhost for a throwaway user, as a lab's root
runs them, with the mistakes where a lab makes them: in group_vars next to
the inventory. Nothing of the user's home may change, in check mode too;
with aws_sso_unknown_variables: warn the run goes on and warns.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.integration.test_as_user_security import snapshot
from tests.testbed.paths import REPO
from tests.testbed.users import throwaway_users

BIN = os.path.dirname(sys.executable)
TYPOS = {
    "aws_sso_default_profle": "aws_sso_default_profile",
    "aws_sso_remove_static_credential": "aws_sso_remove_static_credentials",
    "awscli_verison": "awscli_version",
}
# Should the check ever let the run through, the awscli role must not reach
# AWS or the package manager from the test machine: refused at once instead.
SAFETY = {"awscli_base_url": "http://127.0.0.1:9", "awscli_install_dependencies": False}


@pytest.fixture(scope="module")
def user():
    with throwaway_users(1) as entries:
        yield entries[0]


@pytest.fixture
def lab(tmp_path, user):
    """An inventory of localhost whose group_vars/all.yml declares the user's set-up, with three typos."""
    (tmp_path / "group_vars").mkdir()
    group_vars = {
        "aws_sso_sessions": [
            {"name": "lab", "sso_start_url": "https://d-1234567890.awsapps.com/start", "sso_region": "eu-west-1"}
        ],
        "aws_sso_profiles": [
            {"name": "dev", "sso_session": "lab", "sso_account_id": "111111111111", "sso_role_name": "Developer"}
        ],
        "aws_sso_users": [user.pw_name],
        "aws_sso_region": "eu-west-1",
        "aws_sso_default_profle": "dev",
        "aws_sso_remove_static_credential": True,
        "awscli_verison": "2.38.5",
        **SAFETY,
    }
    (tmp_path / "group_vars" / "all.yml").write_text(yaml.safe_dump(group_vars))
    (tmp_path / "hosts.ini").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"
    )
    return tmp_path


def playbook(lab, name, *args, **extra_vars):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    # Relative outputs (reports, login's pending table) would land in lab.
    env["PWD"] = str(lab)
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(lab / "hosts.ini"), "labcloud.aws_sso." + name]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    return subprocess.run(command + list(args), env=env, capture_output=True, text=True, timeout=300, cwd=lab)


def message_line(run):
    """The one line of output that names the unknown variables."""
    lines = [line for line in run.stdout.splitlines() if line.startswith("fatal: [localhost]")]
    assert len(lines) == 1, run.stdout + run.stderr
    return json.loads(lines[0].split(" => ", 1)[1])["msg"]


def assert_refused(run, *more):
    assert run.returncode == 2, run.stdout + run.stderr
    msg = message_line(run)
    assert msg.startswith("localhost: %d variables unknown to labcloud.aws_sso" % (len(TYPOS) + len(more))), msg
    for typo, meant in list(TYPOS.items()) + list(more):
        assert "%s: did you mean %s?" % (typo, meant) in msg, msg
    assert "stopped before changing anything" in msg and "aws_sso_unknown_variables: warn" in msg
    return msg


@pytest.mark.parametrize("check", [False, True], ids=["run", "check_mode"])
def test_setup_fails_on_the_typos_before_any_task_touches_the_host(lab, user, check):
    before = snapshot(user.pw_dir)
    run = playbook(lab, "setup", *(["--check"] if check else []))
    assert_refused(run)
    # The playbook's first task refused; the awscli role's platform checks never ran.
    assert "TASK [Refuse misspelt variables of labcloud.aws_sso" in run.stdout
    assert "Gather the facts the platform checks need" not in run.stdout
    assert "labcloud.aws_sso.sso :" not in run.stdout
    assert snapshot(user.pw_dir) == before
    assert not os.path.exists(os.path.join(user.pw_dir, ".aws"))


def test_the_sso_role_refuses_by_itself_in_a_play_of_ones_own(lab, user):
    """A lab's own playbook that uses the role alone gets the same refusal from the role."""
    play = lab / "own.yml"
    play.write_text(json.dumps([dict(hosts="all", become=True, gather_facts=False, roles=["labcloud.aws_sso.sso"])]))
    before = snapshot(user.pw_dir)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(lab / "hosts.ini"), str(play)]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=lab)
    assert_refused(run)
    assert "TASK [labcloud.aws_sso.sso : Refuse misspelt variables" in run.stdout
    assert "Look the users up" not in run.stdout
    assert snapshot(user.pw_dir) == before


@pytest.mark.parametrize(
    ("name", "typo", "meant", "written"),
    [
        ("verify", "verify_fail_onn", "verify_fail_on", "aws-sso-report"),
        ("login", "login_timout", "login_timeout", "aws-sso-login.json"),
        ("aws_config", "aws_config_sesions", "aws_config_sessions", None),
        ("discover", "discover_dst", "discover_dest", "aws_sso_profiles.yml"),
        ("logout", "logout_user", "logout_users", None),
    ],
)
def test_every_playbook_refuses_first_with_its_own_variables_too(lab, user, name, typo, meant, written):
    before = snapshot(user.pw_dir)
    extra = {typo: "x", "aws_config_users": [{"user": user.pw_name}], "discover_session": "lab"}
    run = playbook(lab, name, **extra)
    assert_refused(run, (typo, meant))
    assert snapshot(user.pw_dir) == before
    if written:
        assert not (lab / written).exists()


def test_a_wrong_switch_value_is_refused_naming_it(lab):
    run = playbook(lab, "login", aws_sso_unknown_variables="wrn")
    assert run.returncode == 2, run.stdout
    msg = message_line(run)
    assert msg.startswith("aws_sso_unknown_variables: ") and "fail, warn, ignore" in msg, msg
    # In a role, its argument spec refuses it first, by name.
    run = playbook(lab, "setup", aws_sso_unknown_variables="wrn")
    assert run.returncode == 2 and "aws_sso_unknown_variables" in run.stdout, run.stdout


def test_warn_goes_on_with_what_is_known_and_says_what_was_ignored(lab, user):
    bashrc = os.path.join(user.pw_dir, ".bashrc")
    with open(bashrc) as handle:
        skeleton = handle.read()
    # setup's closing verify (token check: offline) checks again, and warns
    # the same, which is shown once.
    run = playbook(lab, "setup", aws_sso_unknown_variables="warn", aws_sso_install_cli=False, verify_check="token")
    assert run.returncode == 0, run.stdout + run.stderr
    # The playbook's own check, the sso role's, and the closing verify's.
    assert run.stdout.count("Refuse misspelt variables of labcloud.aws_sso") == 3, run.stdout
    warnings = [line for line in run.stderr.splitlines() if line.startswith("[WARNING]: localhost: 3 variables")]
    assert len(warnings) == 1, run.stderr
    for typo, meant in TYPOS.items():
        assert "%s: did you mean %s?" % (typo, meant) in warnings[0]
    assert warnings[0].endswith("going on, as aws_sso_unknown_variables is warn")
    with open(os.path.join(user.pw_dir, ".aws", "config")) as handle:
        assert "[profile dev]" in handle.read()
    with open(bashrc) as handle:
        written = handle.read()
    # What the typo costs when only warned about: no AWS_PROFILE, the region still.
    assert written != skeleton and "AWS_REGION" in written and "AWS_PROFILE" not in written
