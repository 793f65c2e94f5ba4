"""A play that runs as root touches a user's files only as that user.

Root runs ansible-playbook on localhost with `user:` naming a real throwaway
user, who has arranged their home to trick root: symlinks to root's files,
directories swapped between the read and the write, root-owned files in
their way. Each test checks that root's files stay byte-identical, that
nothing new appears outside the user's reach, that no root content shows in
any output (run at -vvv with --diff), and that the task says what it refused.
"""

import hashlib
import json
import os
import shutil
import stat
import subprocess

import pytest

from tests.integration.test_aws_config_playbooks import ansible_playbook, aws
from tests.testbed.users import as_user, throwaway_users

ROOT_SECRET = "ROOT-ONLY-b7f3c1"
DECLARATION = dict(
    sso_sessions=[dict(name="corp", sso_start_url="https://corp.awsapps.com/start", sso_region="us-east-1")],
    profiles=[dict(name="dev", sso_session="corp", sso_account_id="012345678901", sso_role_name="Dev")],
)
EXPECTED = (
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
    "sso_registration_scopes = sso:account:access\n\n"
    "[profile dev]\nsso_session = corp\nsso_account_id = 012345678901\nsso_role_name = Dev\n"
)


@pytest.fixture(scope="module")
def lab():
    with throwaway_users(2) as entries:
        yield entries


@pytest.fixture
def alice(lab):
    """The first user, with an empty home again for every test."""
    entry = lab[0]
    for name in os.listdir(entry.pw_dir):
        path = os.path.join(entry.pw_dir, name)
        subprocess.run(["chattr", "-R", "-i", path], capture_output=True)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    return entry


@pytest.fixture
def vault(tmp_path):
    """Root's things: a root-only directory with a root-only file, and a root-owned world-readable one."""
    things = tmp_path / "root"
    things.mkdir()
    root = things / "vault"
    root.mkdir()
    os.chmod(root, 0o755)
    secret = root / "config"
    secret.write_text("[default]\nsecret = %s\n" % ROOT_SECRET)
    secret.chmod(0o600)
    private = things / "private"
    private.mkdir(mode=0o700)
    (private / "config").write_text("[default]\nregion = %s\n" % ROOT_SECRET)
    (private / "config").chmod(0o600)
    return things


def snapshot(directory):
    """Every entry below directory with its bytes, owner and mode."""
    out = {}
    for base, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(base, name)
            info = os.lstat(path)
            data = b""
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    data = hashlib.sha256(handle.read()).hexdigest()
            out[path] = (info.st_uid, info.st_mode, info.st_ino, data)
    return out


def run_play(tmp_path, tasks, *args, **extra_vars):
    play = tmp_path / ("play-%d.yml" % len(list(tmp_path.glob("play-*.yml"))))
    play.write_text(json.dumps([dict(hosts="localhost", gather_facts=False, tasks=tasks)]))
    return ansible_playbook(play, extra_vars, "-vvv", "--diff", *args)


def declare(user, **options):
    return {"labcloud.aws_sso.aws_config": dict(DECLARATION, user=user.pw_name, **options), "register": "out"}


def assert_refused(run, *words):
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert ROOT_SECRET not in output
    for word in words:
        assert word in output, output


def owned_by(path, entry):
    info = os.lstat(path)
    return (info.st_uid, info.st_gid) == (entry.pw_uid, entry.pw_gid)


def aws_dir(entry):
    path = os.path.join(entry.pw_dir, ".aws")
    os.mkdir(path, 0o700)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


# -- the attacks ----------------------------------------------------------------


def test_config_linked_to_a_root_only_file(tmp_path, alice, vault):
    """The file's content never reaches a new file of alice's, nor any message."""
    os.symlink(vault / "private" / "config", os.path.join(aws_dir(alice), "config"))
    before = snapshot(vault)
    run = run_play(tmp_path, [declare(alice)])
    assert_refused(run, "as user %s" % alice.pw_name, "Permission denied")
    assert snapshot(vault) == before
    assert os.listdir(os.path.join(alice.pw_dir, ".aws")) == ["config"]


def test_aws_dir_linked_to_a_root_directory(tmp_path, alice, vault):
    """A config in root's directory is neither rewritten nor handed to alice; none is created there."""
    os.symlink(vault / "vault", os.path.join(alice.pw_dir, ".aws"))
    before = snapshot(vault)
    run = run_play(tmp_path, [declare(alice)])
    assert_refused(run, "Permission denied")
    assert snapshot(vault) == before
    os.unlink(vault / "vault" / "config")
    before = snapshot(vault)
    run = run_play(tmp_path, [declare(alice)])
    assert_refused(run, "Permission denied")
    assert snapshot(vault) == before, "a file was created in root's directory"


def test_root_owned_readable_file_in_the_users_dir_is_refused_not_chowned(tmp_path, alice):
    config = os.path.join(aws_dir(alice), "config")
    with open(config, "w") as handle:
        handle.write("[default]\nregion = %s\n" % ROOT_SECRET)
    os.chmod(config, 0o644)
    before = snapshot(alice.pw_dir)
    run = run_play(tmp_path, [declare(alice)])
    assert_refused(run, "belongs to root, not to %s" % alice.pw_name, "neither read nor changed")
    assert snapshot(alice.pw_dir) == before
    assert os.stat(config).st_uid == 0


def test_hard_link_to_a_root_only_file(tmp_path, alice, vault):
    """Made by root by mistake (users cannot, with protected_hardlinks): still never read or written."""
    config = os.path.join(aws_dir(alice), "config")
    os.link(vault / "private" / "config", config)
    before = snapshot(vault)
    run = run_play(tmp_path, [declare(alice)])
    assert_refused(run, "Permission denied")
    assert snapshot(vault) == before


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_is_refused_without_hanging(tmp_path, alice, kind):
    config = os.path.join(aws_dir(alice), "config")
    if kind == "fifo":
        os.mkfifo(config)
        os.chown(config, alice.pw_uid, alice.pw_gid)
    else:
        os.symlink("/dev/zero", config)
    run = run_play(tmp_path, [declare(alice)])
    assert_refused(run, "not a regular file")


def test_aws_dir_swapped_for_a_link_between_read_and_write(tmp_path, alice, vault):
    """The race: alice swaps ~/.aws for a link to root's directory after the read.

    Root's file there holds the very bytes alice's file had, so the
    compare-and-swap alone would let the write through; acting as alice is
    what stops it.
    """
    aws = aws_dir(alice)
    config = os.path.join(aws, "config")
    content = "[default]\nregion = us-east-1\n"
    with open(config, "w") as handle:
        handle.write(content)
    os.chown(config, alice.pw_uid, alice.pw_gid)
    os.chmod(config, 0o600)
    with open(vault / "vault" / "config", "w") as handle:
        handle.write(content)
    before = snapshot(vault)
    moved = os.path.join(alice.pw_dir, "aws-moved")
    tasks = [
        {
            "labcloud.aws_sso.aws_config_file": {"operation": "read", "files": [{"user": alice.pw_name}]},
            "register": "first",
        },
        {
            "ansible.builtin.command": {
                "argv": [
                    "setpriv",
                    "--reuid=%d" % alice.pw_uid,
                    "--regid=%d" % alice.pw_gid,
                    "--init-groups",
                    "sh",
                    "-c",
                    'mv "$1" "$2" && ln -s "$3" "$1"',
                    "swap",
                    aws,
                    moved,
                    str(vault / "vault"),
                ]
            }
        },
        {
            "labcloud.aws_sso.aws_config_file": {
                "operation": "write",
                "files": [
                    {
                        "user": alice.pw_name,
                        "content": "[default]\nregion = eu-west-1\n",
                        "expected_sha256": "{{ first.files[0].sha256 }}",
                    }
                ],
            },
            "register": "second",
        },
        {"ansible.builtin.debug": {"var": "second.files[0]"}},
        {
            "ansible.builtin.assert": {
                "that": ["second.files[0].failed", "not second.files[0].changed | default(false)"]
            }
        },
    ]
    run = run_play(tmp_path, tasks)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Permission denied" in run.stdout
    assert snapshot(vault) == before
    with open(os.path.join(moved, "config")) as handle:
        assert handle.read() == content


def test_tilde_path_is_the_users_home_on_the_host(tmp_path, alice):
    run = run_play(tmp_path, [declare(alice, path="~/lab/aws-config")])
    assert run.returncode == 0, run.stdout + run.stderr
    written = os.path.join(alice.pw_dir, "lab", "aws-config")
    with open(written) as handle:
        assert handle.read() == EXPECTED
    assert owned_by(written, alice) and owned_by(os.path.dirname(written), alice)
    assert stat.S_IMODE(os.stat(os.path.dirname(written)).st_mode) == 0o700
    assert not os.path.exists(os.path.expanduser("~/lab/aws-config")), "written under the controller user's home"


def test_relative_and_other_users_tilde_paths_are_refused(tmp_path, alice, lab):
    before = snapshot(lab[1].pw_dir)
    for path, words in (("lab/config", "is relative"), ("~%s/x" % lab[1].pw_name, "only ~/")):
        run = run_play(tmp_path, [declare(alice, path=path)])
        assert_refused(run, words)
    assert os.listdir(alice.pw_dir) == [] and snapshot(lab[1].pw_dir) == before


# -- what users do on purpose keeps working -----------------------------------


def test_symlinked_dotfiles_are_updated_in_place(tmp_path, alice):
    """stow-style: ~/.aws/config links into ~/dotfiles; the target changes, the link stays."""
    dotfiles = os.path.join(alice.pw_dir, "dotfiles", "aws")
    as_user(alice, "mkdir", "-p", dotfiles, check=True)
    as_user(alice, "sh", "-c", 'printf "# mine\\n[default]\\nregion = eu-west-1\\n" > "$1"', "x", dotfiles + "/config")
    as_user(alice, "mkdir", os.path.join(alice.pw_dir, ".aws"), check=True)
    link = os.path.join(alice.pw_dir, ".aws", "config")
    as_user(alice, "ln", "-s", "../dotfiles/aws/config", link, check=True)
    run = run_play(tmp_path, [declare(alice), {"ansible.builtin.debug": {"var": "out"}}])
    assert run.returncode == 0, run.stdout + run.stderr
    assert os.path.islink(link) and os.readlink(link) == "../dotfiles/aws/config"
    with open(os.path.join(dotfiles, "config")) as handle:
        assert handle.read() == "# mine\n[default]\nregion = eu-west-1\n\n" + EXPECTED
    assert owned_by(os.path.join(dotfiles, "config"), alice)
    assert sorted(os.listdir(dotfiles)) == ["config"] and sorted(os.listdir(os.path.dirname(link))) == ["config"]
    assert '"target": "%s/config"' % dotfiles in run.stdout
    listed = aws(alice.pw_dir, "configure", "list-profiles")
    assert sorted(listed.stdout.split()) == ["default", "dev"], listed.stderr


def test_mode_only_fix_is_reported_and_shown(tmp_path, alice):
    run = run_play(tmp_path, [declare(alice)])
    assert run.returncode == 0, run.stdout + run.stderr
    config = os.path.join(alice.pw_dir, ".aws", "config")
    os.chmod(config, 0o400)
    inode = os.stat(config).st_ino
    run = run_play(tmp_path, [declare(alice), {"ansible.builtin.debug": {"var": "out"}}])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "changed=1" in run.stdout
    assert '"attributes_fixed": [\n            "mode"\n        ]' in run.stdout
    assert "-mode: 0400\n+mode: 0600" in run.stdout
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600 and os.stat(config).st_ino == inode
    rerun = run_play(tmp_path, [declare(alice)])
    assert "changed=0" in rerun.stdout


def test_failed_rename_leaves_no_temp_and_reports_nothing_updated(tmp_path, alice):
    run = run_play(tmp_path, [declare(alice)])
    assert run.returncode == 0, run.stdout + run.stderr
    config = os.path.join(alice.pw_dir, ".aws", "config")
    subprocess.run(["chattr", "+i", config], check=True)
    try:
        changed = dict(DECLARATION, profiles=[dict(DECLARATION["profiles"][0], sso_role_name="Admin")])
        task = {"labcloud.aws_sso.aws_config": dict(changed, user=alice.pw_name), "register": "out"}
        run = run_play(tmp_path, [task])
        assert_refused(run, "Operation not permitted")
        assert "profiles_updated" not in run.stdout.split("fatal:")[-1]
        assert sorted(os.listdir(os.path.dirname(config))) == ["config"]
    finally:
        subprocess.run(["chattr", "-i", config], check=True)
    with open(config) as handle:
        assert handle.read() == EXPECTED


def test_nfs_like_home_root_cannot_enter(tmp_path, alice):
    """root_squash: root is nobody in the home. Root without its file-access
    capabilities (DAC override and read-search) stands in for that; the
    module still writes, because alice does the writing."""
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    probe = subprocess.run([*drop, "ls", alice.pw_dir], capture_output=True, text=True)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr, "the stand-in does not lock root out"
    play = tmp_path / "nfs.yml"
    play.write_text(json.dumps([dict(hosts="localhost", gather_facts=False, tasks=[declare(alice)])]))
    run = _ansible_playbook_with_prefix(drop, play)
    assert run.returncode == 0, run.stdout + run.stderr
    config = os.path.join(alice.pw_dir, ".aws", "config")
    with open(config) as handle:
        assert handle.read() == EXPECTED
    assert owned_by(config, alice)


def _ansible_playbook_with_prefix(prefix, play):
    import sys

    from tests.testbed.paths import REPO

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    command = [
        *prefix,
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        "ansible_python_interpreter=/usr/bin/python3",
        str(play),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_broken_interpreter_shows_the_hosts_stderr(tmp_path, alice):
    broken = tmp_path / "python3"
    broken.write_text("#!/bin/sh\necho 'python3: error while loading shared libraries: libpython3.so' >&2\nexit 127\n")
    broken.chmod(0o755)
    run = run_play(tmp_path, [declare(alice)], "-e", "ansible_python_interpreter=%s" % broken)
    assert run.returncode != 0
    assert "error while loading shared libraries: libpython3.so" in run.stdout.split("fatal:")[-1]
