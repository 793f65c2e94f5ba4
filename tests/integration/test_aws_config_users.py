"""aws_config with `users`: a whole host's users in one read call and one write call."""

import os
import re

import pytest

from tests.integration.test_as_user_security import DECLARATION, EXPECTED, run_play
from tests.testbed.users import throwaway_users


@pytest.fixture(scope="module")
def lab():
    with throwaway_users(4) as entries:
        yield entries


@pytest.fixture
def clean(lab):
    for entry in lab:
        aws = os.path.join(entry.pw_dir, ".aws")
        if os.path.isdir(aws):
            for name in os.listdir(aws):
                os.unlink(os.path.join(aws, name))
    return lab


def task(users, **options):
    return {"labcloud.aws_sso.aws_config": dict(DECLARATION, users=users, **options), "register": "out"}


def module_calls(run):
    """How many times the target module was sent to the host (one per round trip)."""
    return len(re.findall(r"PUT .*AnsiballZ_aws_config_file\.py", run.stdout))


def config_of(entry):
    with open(os.path.join(entry.pw_dir, ".aws", "config")) as handle:
        return handle.read()


def test_every_user_written_in_one_read_and_one_write(tmp_path, clean):
    users = [{"user": entry.pw_name} for entry in clean[:3]]
    users[2]["profiles"] = [dict(DECLARATION["profiles"][0], name="research")]
    run = run_play(tmp_path, [task(users)])
    assert run.returncode == 0, run.stdout + run.stderr
    assert module_calls(run) == 2
    assert config_of(clean[0]) == EXPECTED and config_of(clean[1]) == EXPECTED
    assert config_of(clean[2]) == EXPECTED.replace("[profile dev]", "[profile research]")
    for entry in clean[:3]:
        info = os.stat(os.path.join(entry.pw_dir, ".aws", "config"))
        assert (info.st_uid, info.st_gid) == (entry.pw_uid, entry.pw_gid)
    again = run_play(tmp_path, [task(users)])
    assert "changed=0" in again.stdout and module_calls(again) == 1


def test_one_user_costs_the_same_round_trips_as_four(tmp_path, clean):
    one = run_play(tmp_path, [task([{"user": clean[0].pw_name}])])
    four = run_play(tmp_path, [task([{"user": entry.pw_name} for entry in clean])])
    assert one.returncode == 0 and four.returncode == 0, four.stdout
    assert module_calls(one) == module_calls(four) == 2


def test_a_broken_file_fails_its_user_only(tmp_path, clean):
    aws = os.path.join(clean[1].pw_dir, ".aws")
    os.makedirs(aws, exist_ok=True)
    broken = os.path.join(aws, "config")
    with open(broken, "w") as handle:
        handle.write("[default]\nregion = a\n[default]\nregion = b\n")
    os.chown(broken, clean[1].pw_uid, clean[1].pw_gid)
    users = [{"user": entry.pw_name} for entry in clean[:3]] + [{"user": "lcsso-nobody-here"}]
    run = run_play(tmp_path, [task(users)])
    assert run.returncode != 0
    assert "aws_config: 2 of 4 users failed (the others were done)" in run.stdout
    assert "%s: %s line 3" % (clean[1].pw_name, broken) in run.stdout
    assert "lcsso-nobody-here: user 'lcsso-nobody-here' does not exist on this host" in run.stdout
    assert config_of(clean[0]) == EXPECTED and config_of(clean[2]) == EXPECTED
    with open(broken) as handle:
        assert handle.read() == "[default]\nregion = a\n[default]\nregion = b\n"


def test_a_bad_entry_writes_nothing_for_anyone(tmp_path, clean):
    users = [
        {"user": clean[0].pw_name},
        {"user": clean[1].pw_name, "profiles": [dict(DECLARATION["profiles"][0], sso_account_id="12345")]},
        {"user": clean[2].pw_name, "profiles": [{"name": "x", "sso_acount_id": "1"}]},
    ]
    run = run_play(tmp_path, [task(users[:2])])
    assert run.returncode != 0
    assert "users[1] (%s): profiles[0] (dev).sso_account_id" % clean[1].pw_name in run.stdout
    run = run_play(tmp_path, [task(users)])
    assert (
        "users[2] (%s).profiles[0] (x): sso_acount_id is not a supported option; did you mean sso_account_id?"
        % (clean[2].pw_name)
        in run.stdout
    )
    assert module_calls(run) == 0
    bad_choice = [{"user": clean[0].pw_name, "profiles": [dict(DECLARATION["profiles"][0], output="xml")]}]
    run = run_play(tmp_path, [task(bad_choice)])
    assert run.returncode != 0
    assert "users[0] (%s): value of output must be one of" % clean[0].pw_name in run.stdout
    assert not any(os.path.exists(os.path.join(entry.pw_dir, ".aws", "config")) for entry in clean)


def test_users_and_user_are_mutually_exclusive(tmp_path, clean):
    run = run_play(tmp_path, [task([{"user": clean[0].pw_name}], user=clean[1].pw_name)])
    assert run.returncode != 0 and "mutually exclusive: users|user" in run.stdout


def test_check_mode_and_diff_for_many_users(tmp_path, clean):
    users = [{"user": entry.pw_name} for entry in clean[:2]]
    run = run_play(tmp_path, [task(users)], "--check")
    assert run.returncode == 0, run.stdout
    assert "changed=1" in run.stdout and module_calls(run) == 1
    for entry in clean[:2]:
        assert "+++ after: %s/.aws/config" % entry.pw_dir in run.stdout
        assert not os.path.exists(os.path.join(entry.pw_dir, ".aws", "config"))
