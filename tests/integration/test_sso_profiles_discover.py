"""`ansible-playbook labcloud.aws_sso.discover`: an operator's own sign-in on the controller, written
as the lab's aws_sso_profiles list, which aws_config then writes and the real CLI uses."""

import json
import os
import subprocess
import sys

import yaml

from tests.testbed.paths import REPO

BIN = os.path.dirname(sys.executable)


def playbook(home, identity_center, *args):
    env = dict(
        PATH=os.environ["PATH"],
        HOME=str(home),
        LANG="C.UTF-8",
        ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        **identity_center.env,
    )
    command = [os.path.join(BIN, "ansible-playbook"), "-e", "ansible_python_interpreter=%s" % sys.executable, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_discover_writes_a_reviewable_list_the_role_can_use(tmp_path, identity_center, sso_cli):
    sso_cli.write_sso_config({})
    login = sso_cli.login("alice")
    assert login.returncode == 0, login
    dest = tmp_path / "vars" / "profiles.yml"
    options = json.dumps({"discover_options": {"region": "eu-west-1", "case": {"name": "lower"}}})
    args = ["labcloud.aws_sso.discover", "-e", "discover_session=lab", "-e", "discover_dest=%s" % dest, "-e", options]
    run = playbook(sso_cli.home, identity_center, *args, "--diff")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "changed=1" in run.stdout
    text = dest.read_text()
    assert '"022222222222"' in text or "'022222222222'" in text  # quoted: the leading zero stays
    assert sso_cli.token()["accessToken"] not in run.stdout + text
    data = yaml.safe_load(text)
    assert data["aws_sso_profiles"] == [
        dict(name=n, sso_session="lab", sso_account_id=a, sso_role_name=r, region="eu-west-1")
        for n, a, r in [
            ("production-readonly", "022222222222", "ReadOnly"),
            ("sandbox-developer", "111111111111", "Developer"),
            ("sandbox-readonly", "111111111111", "ReadOnly"),
        ]
    ]
    again = playbook(sso_cli.home, identity_center, *args)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    assert dest.read_text() == text

    # What IT commits is what the aws_config module (and the sso role) declares.
    play = tmp_path / "apply.yml"
    play.write_text(
        json.dumps(
            [
                {
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "vars_files": [str(dest)],
                    "tasks": [
                        {
                            "labcloud.aws_sso.aws_config": {
                                "path": str(sso_cli.config_file),
                                "profiles": "{{ aws_sso_profiles }}",
                            }
                        }
                    ],
                }
            ]
        )
    )
    applied = playbook(sso_cli.home, identity_center, str(play))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    listed = sso_cli.run("configure", "list-profiles")
    assert sorted(listed.stdout.split()) == ["production-readonly", "sandbox-developer", "sandbox-readonly"]
    sso_cli.clear_credential_cache()
    _res, identity = sso_cli.caller_identity("production-readonly")
    assert identity["Account"] == "022222222222"


def test_discover_without_a_sign_in_fails_with_the_fix(tmp_path, identity_center, sso_cli):
    sso_cli.write_sso_config({})
    dest = tmp_path / "profiles.yml"
    run = playbook(
        sso_cli.home,
        identity_center,
        "labcloud.aws_sso.discover",
        "-e",
        "discover_session=lab",
        "-e",
        "discover_dest=%s" % dest,
    )
    assert run.returncode != 0
    assert "aws sso login --sso-session lab" in run.stdout
    assert not dest.exists()
