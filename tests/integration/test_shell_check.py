"""sso_identity_info `check: shell` as root on localhost, for throwaway users whose .bashrc misbehaves.

Four users in one call, each with one SSO profile and no sign-in, so the
real AWS CLI (the test ground's, 2.38.5) answers `login_required` for
every one of them, with and without the shell:

- clean: exports AWS_PROFILE=dev, as role sso does: its row is exact;
- noisy: prints 3 GB from its .bashrc and leaves a `setsid sleep 600`
  holding the shell's pipes: the real verdict, quickly, memory bounded;
- faker: exports a static key, then prints a fake environment dump in the
  old format on stdout, writes a guessed frame to descriptor 3 and exits:
  its row is `error` and `forged`, never the fake;
- hanger: `sleep 600` in .bashrc: `error`, timed out, within the deadline.

Nothing started for them may be left running afterwards.
"""

import json
import os
import time

import pytest

from tests.integration.test_aws_config_playbooks import BIN, REPO
from tests.testbed.measure import peak_rss_mib
from tests.testbed.users import all_pids, running_processes, throwaway_users

USER_TIMEOUT = 40
# ansible-playbook itself and four users' CLI runs on a busy 2-core machine.
OVERHEAD = 40
HIDDEN_KEY = "AKIAFAKERHIDDEN00001"
CONFIG = (
    "[sso-session lab]\nsso_start_url = https://labcloud-shell.awsapps.com/start\nsso_region = eu-west-1\n\n"
    "[profile dev]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = Developer\nregion = eu-west-1\n"
)
FAKE_IDENTITY = '{"Arn": "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/x"}'
BASHRC = {
    "clean": "export AWS_PROFILE=dev\n",
    "noisy": "head -c 3G /dev/zero\nsetsid sleep 600 &\nexport AWS_PROFILE=dev\n",
    "faker": (
        "export AWS_ACCESS_KEY_ID=%s\n" % HIDDEN_KEY
        + "printf 'AWS_PROFILE=dev\\0PATH=/bin\\0\\nlabcloud-aws-sso-identity-7f3a\\n%s\\n'\n" % FAKE_IDENTITY
        + "printf 'lcsso-%032d env\\nAWS_PROFILE=dev\\0\\n' 0 >&3\nexit 0\n"
    ),
    "hanger": "sleep 600\n",
}


@pytest.fixture(scope="module")
def cli(user_runnable_cli):
    return user_runnable_cli


def write_as(entry, relative, text, mode=0o600):
    path = os.path.join(entry.pw_dir, relative)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    os.chown(os.path.dirname(path), entry.pw_uid, entry.pw_gid)
    with open(path, "a") as handle:
        handle.write(text)
    os.chmod(path, mode)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def identity_play(tmp_path, task, out):
    """(argv, env) of a play on localhost that runs task (registering `identity`) and saves the result in out."""
    save = {"ansible.builtin.copy": {"content": "{{ identity | to_json }}", "dest": str(out)}}
    play = tmp_path / "play.yml"
    play.write_text(json.dumps([dict(hosts="localhost", gather_facts=False, tasks=[task, save])]))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    argv = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local"]
    argv += ["-e", "ansible_python_interpreter=/usr/bin/python3", str(play)]
    return argv, env


@pytest.fixture(scope="module")
def checked(tmp_path_factory, cli):
    """One sso_identity_info call for the four users: (users by role, result by role, seconds, peak MiB, output)."""
    tmp_path = tmp_path_factory.mktemp("shell-check")
    with throwaway_users(len(BASHRC)) as entries:
        users = dict(zip(BASHRC, entries))
        for role, entry in users.items():
            write_as(entry, ".aws/config", CONFIG)
            write_as(entry, ".bashrc", "\n# the test's lines\n" + BASHRC[role], mode=0o644)
        out = tmp_path / "out.json"
        task = {
            "labcloud.aws_sso.sso_identity_info": dict(
                users=[entry.pw_name for entry in entries],
                check="shell",
                aws_cli=cli,
                user_timeout=USER_TIMEOUT,
                user_parallel=4,
                parallel=4,
            ),
            "register": "identity",
        }
        argv, env = identity_play(tmp_path, task, out)
        before = all_pids()
        started = time.monotonic()
        returncode, peak, output = peak_rss_mib(argv, env)
        seconds = time.monotonic() - started
        assert returncode == 0, output
        left = running_processes(entries, before)
        for pid, _cmdline in left:
            os.kill(pid, 9)
        by_name = {user["user"]: user for user in json.loads(out.read_text())["users"]}
        yield dict(
            results={role: by_name[entry.pw_name] for role, entry in users.items()},
            seconds=seconds,
            peak=peak,
            output=output + out.read_text(),
            left=left,
        )


def row(checked, role):
    user = checked["results"][role]
    assert user["error"] is None, user
    (only,) = user["profiles"]
    return only


def test_a_clean_user_gets_the_real_verdict_next_to_misbehaving_ones(checked):
    clean = row(checked, "clean")
    assert (clean["status"], clean["checked"], clean["forged"]) == ("login_required", "shell", False), clean
    assert clean["message"].startswith("not signed in (token missing)"), clean
    shell = checked["results"]["clean"]["shell"]
    assert (shell.get("error"), shell["aws_profile"], shell["variables"]) == (None, "dev", ["AWS_PROFILE"]), shell


def test_3_gb_from_bashrc_is_drained_quickly_with_bounded_memory(checked):
    noisy = row(checked, "noisy")
    assert (noisy["status"], noisy["checked"], noisy["forged"]) == ("login_required", "shell", False), noisy
    assert checked["results"]["noisy"]["shell"]["aws_profile"] == "dev"
    assert checked["results"]["noisy"]["duration_ms"] < USER_TIMEOUT * 1000 / 2
    # Kept whole, 3 GB would not even fit in a part's 2 GiB address space.
    assert checked["peak"] < 400, checked["peak"]


def test_a_fake_environment_dump_never_becomes_the_verdict(checked):
    faker = row(checked, "faker")
    assert (faker["status"], faker["forged"]) == ("error", True), faker
    assert faker["message"].startswith("shell output looked forged"), faker
    assert "without the shell, the check said login_required" in faker["message"]
    assert checked["results"]["faker"]["shell"]["forged"] is True
    assert HIDDEN_KEY not in checked["output"]


def test_a_hanging_shell_is_an_error_within_its_deadline(checked):
    hanger = row(checked, "hanger")
    assert (hanger["status"], hanger["forged"]) == ("error", False), hanger
    assert "timed out after" in hanger["message"] and "was ended with everything it started" in hanger["message"]
    assert checked["results"]["hanger"]["duration_ms"] < USER_TIMEOUT * 1000
    assert checked["seconds"] < USER_TIMEOUT + OVERHEAD, checked["seconds"]


def test_nothing_started_for_the_users_is_left_running(checked):
    assert checked["left"] == []
