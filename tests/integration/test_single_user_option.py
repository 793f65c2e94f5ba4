"""shell_env and static_keys take one user as `user:`, as aws_config does, and refuse it beside `users:`.

Run through ansible-playbook as root on localhost for a throwaway user; the
single-user form must do exactly what a one-entry `users:` list does.
"""

import os
import shutil

import pytest

from tests.integration.test_as_user_security import run_play
from tests.integration.test_static_keys import give, read
from tests.testbed.users import throwaway_users
from tests.unit.test_static_keys import CONFIG_AFTER, CONFIG_TEXT, CREDENTIALS_AFTER, CREDENTIALS_TEXT, VALUES

ENV = {"AWS_PROFILE": "dev", "AWS_REGION": "eu-west-1"}


@pytest.fixture(scope="module")
def person():
    with throwaway_users(1) as entries:
        yield entries[0]


@pytest.fixture
def home(person):
    """The user's home with an empty ~/.aws and no shell start-up files of ours."""
    for name in (".aws", ".profile", ".bashrc", ".bash_profile"):
        path = os.path.join(person.pw_dir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
    os.mkdir(os.path.join(person.pw_dir, ".aws"), 0o700)
    os.chown(os.path.join(person.pw_dir, ".aws"), person.pw_uid, person.pw_gid)
    return person


def test_static_keys_user_removes_that_users_keys(tmp_path, home):
    give(home, "credentials", CREDENTIALS_TEXT)
    give(home, "config", CONFIG_TEXT)
    task = {"labcloud.aws_sso.static_keys": dict(user=home.pw_name, profiles=["default", "dev"]), "register": "out"}
    show = {"ansible.builtin.debug": {"msg": "USERS={{ out.users | map(attribute='user') | list }}"}}
    run = run_play(tmp_path, [task, show])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "USERS=['%s']" % home.pw_name in run.stdout
    assert read(home, "credentials") == CREDENTIALS_AFTER and read(home, "config") == CONFIG_AFTER
    assert not any(value in run.stdout + run.stderr for value in VALUES)


def test_shell_env_user_writes_that_users_block(tmp_path, home):
    single = {"labcloud.aws_sso.shell_env": dict(user=home.pw_name, env=ENV, shells=["bash"]), "register": "out"}
    run = run_play(tmp_path, [single])
    assert run.returncode == 0, run.stdout + run.stderr
    profile = os.path.join(home.pw_dir, ".profile")
    with open(profile) as handle:
        written = handle.read()
    assert "export AWS_PROFILE='dev'" in written and "export AWS_REGION='eu-west-1'" in written
    # The same as a one-entry users list: nothing left to change.
    listed = {"labcloud.aws_sso.shell_env": dict(users=[{"user": home.pw_name}], env=ENV, shells=["bash"])}
    again = run_play(tmp_path, [listed])
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    removed = run_play(tmp_path, [{"labcloud.aws_sso.shell_env": dict(user=home.pw_name, state="absent")}])
    assert removed.returncode == 0, removed.stdout
    # Created for the block, so removed with it.
    assert not os.path.exists(profile)


@pytest.mark.parametrize(
    ("module", "args", "said"),
    [
        ("shell_env", dict(user="x", users=[{"user": "x"}], env=ENV), "mutually exclusive: users|user"),
        ("static_keys", dict(user="x", users=[{"user": "x", "profiles": []}]), "mutually exclusive: users|user"),
        ("static_keys", dict(user="x"), "parameters are required together: user, profiles"),
        ("static_keys", dict(profiles=["dev"]), "parameters are required together: user, profiles"),
        ("static_keys", {}, "one of the following is required: users, user"),
    ],
)
def test_user_and_users_are_refused_together(tmp_path, module, args, said):
    run = run_play(tmp_path, [{"labcloud.aws_sso." + module: args}])
    assert run.returncode != 0 and said in run.stdout, run.stdout
