"""aws_config through ansible-playbook on localhost, read back by the real AWS CLI v2."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.testbed.paths import REPO, awscli_bin

PLAYS = sorted((Path(__file__).parent / "aws_config").glob("[0-9][0-9]_*.yml"))
BIN = Path(sys.executable).parent


def ansible_playbook(playbook, extra_vars, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    command = [
        str(BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        "ansible_python_interpreter=/usr/bin/python3",
        "-e",
        json.dumps(extra_vars),
        *args,
        str(playbook),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def aws(home, *args):
    binary = awscli_bin()
    assert binary.exists(), "the real AWS CLI is missing: run `make testbed`"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return subprocess.run([str(binary), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


@pytest.mark.parametrize("play", PLAYS, ids=[p.stem for p in PLAYS])
def test_numbered_play(play, shared_home):
    """The numbered plays run in order on one file, as community.general's ini_file targets do."""
    run = ansible_playbook(play, {"config_path": str(shared_home / ".aws" / "config"), "secret_value": "s3cr3t-Tok3n"})
    assert run.returncode == 0, run.stdout + run.stderr


def test_real_cli_reads_what_was_declared(tmp_path):
    run = ansible_playbook(PLAYS[0], {"config_path": str(tmp_path / ".aws" / "config")})
    assert run.returncode == 0, run.stdout + run.stderr
    listed = aws(tmp_path, "configure", "list-profiles")
    assert listed.returncode == 0, listed.stderr
    assert sorted(listed.stdout.split()) == ["default", "dev"]
    assert aws(tmp_path, "configure", "get", "sso_session", "--profile", "dev").stdout.strip() == "corp"
    assert aws(tmp_path, "configure", "get", "sso_role_name").stdout.strip() == "ReadOnly"
    url = aws(tmp_path, "configure", "get", "sso_start_url", "--sso-session", "corp")
    assert url.returncode == 0, url.stderr
    assert url.stdout.strip() == "https://corp.awsapps.com/start"


def test_secret_never_printed_even_verbose(tmp_path):
    secret = "Zq8-very-secret-session-token"
    run = ansible_playbook(
        next(p for p in PLAYS if p.stem == "07_secrets"),
        {"config_path": str(tmp_path / "config"), "secret_value": secret},
        "-vvv",
        "--diff",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert secret in (tmp_path / "secrets-config").read_text()
    assert secret not in run.stdout + run.stderr


def test_parallel_plays_lose_no_update(tmp_path):
    """Ten playbooks editing one file at once: every profile lands."""
    config = tmp_path / ".aws" / "config"
    play = tmp_path / "one_profile.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - labcloud.aws_sso.aws_config:\n        path: '{{ config_path }}'\n"
        "        profiles:\n          - name: '{{ profile }}'\n            region: us-east-1\n"
    )
    names = ["team%02d" % i for i in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        runs = list(pool.map(lambda n: ansible_playbook(play, {"config_path": str(config), "profile": n}), names))
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
    listed = aws(tmp_path, "configure", "list-profiles")
    assert sorted(listed.stdout.split()) == names


def test_docs_render_from_the_installed_collection():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"))
    for module in ("labcloud.aws_sso.aws_config", "labcloud.aws_sso.aws_config_file"):
        doc = subprocess.run([str(BIN / "ansible-doc"), module], env=env, capture_output=True, text=True)
        assert doc.returncode == 0, doc.stderr
        assert "EXAMPLES" in doc.stdout
    doc = subprocess.run(
        [str(BIN / "ansible-doc"), "labcloud.aws_sso.aws_config"], env=env, capture_output=True, text=True
    )
    assert "sso_registration_scopes" in doc.stdout and "migrate_legacy" in doc.stdout
