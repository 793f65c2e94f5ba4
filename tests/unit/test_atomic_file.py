"""Compare-and-swap writes: right attributes, no lost update, never a torn file."""

import hashlib
import multiprocessing
import os
import random
import signal
import stat
import time

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import atomic_file
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import (
    ABSENT,
    read_state,
    write_if_unchanged,
)
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit

from .helpers import botocore_read, declare, profile, session

UID = os.getuid()
FORK = multiprocessing.get_context("fork")


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def temps_in(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def test_read_missing_file(tmp_path):
    state = read_state(str(tmp_path / "config"))
    assert state == dict(exists=False, content="", sha256=ABSENT, mode=None, target=str(tmp_path / "config"))


def test_read_existing_file(tmp_path):
    path = tmp_path / "config"
    path.write_bytes(b"[default]\r\nregion = us-east-1\r\n")
    os.chmod(path, 0o644)
    state = read_state(str(path))
    assert state["content"] == "[default]\r\nregion = us-east-1\r\n"
    assert state["sha256"] == hashlib.sha256(b"[default]\r\nregion = us-east-1\r\n").hexdigest()
    assert (state["exists"], state["mode"], state["target"]) == (True, "0644", str(path))


def test_read_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "config"
    path.write_bytes(b"[default]\nregion = \xff\n")
    with pytest.raises(AsUserError) as info:
        read_state(str(path))
    assert "not UTF-8" in str(info.value) and "byte 19" in str(info.value)


def test_first_write_creates_dirs_0700_and_file_0600(tmp_path):
    path = tmp_path / "home" / ".aws" / "config"
    old_umask = os.umask(0o022)
    try:
        result = write_if_unchanged(str(path), "[default]\nregion = us-east-1\n", ABSENT, UID)
    finally:
        os.umask(old_umask)
    assert result == dict(
        conflict=False,
        changed=True,
        sha256=hashlib.sha256(b"[default]\nregion = us-east-1\n").hexdigest(),
        backup_file=None,
        target=str(path),
    )
    assert path.read_bytes() == b"[default]\nregion = us-east-1\n"
    assert mode_of(path) == 0o600
    assert mode_of(tmp_path / "home") == 0o700
    assert mode_of(tmp_path / "home" / ".aws") == 0o700
    assert temps_in(path.parent) == []


def test_rewrite_sets_mode_0600_and_keeps_bytes_exact(tmp_path):
    path = tmp_path / "config"
    path.write_text("old\n")
    os.chmod(path, 0o664)
    content = "[profile é]\r\nregion = us-east-1\r\nno final newline"
    write_if_unchanged(str(path), content, read_state(str(path))["sha256"], UID)
    assert path.read_bytes() == content.encode("utf-8")
    assert mode_of(path) == 0o600


def test_conflict_when_digest_differs_writes_nothing(tmp_path):
    path = tmp_path / "config"
    path.write_text("[default]\nregion = us-east-1\n")
    stale = read_state(str(path))["sha256"]
    path.write_text("[default]\nregion = eu-west-1\n")
    result = write_if_unchanged(str(path), "mine\n", stale, UID, backup=True)
    assert result == dict(
        conflict=True,
        changed=False,
        sha256=hashlib.sha256(b"[default]\nregion = eu-west-1\n").hexdigest(),
        backup_file=None,
        target=str(path),
    )
    assert path.read_text() == "[default]\nregion = eu-west-1\n"
    assert sorted(os.listdir(tmp_path)) == ["config"]


def test_conflict_when_file_appeared(tmp_path):
    path = tmp_path / "config"
    path.write_text("someone else\n")
    result = write_if_unchanged(str(path), "mine\n", ABSENT, UID)
    assert result["conflict"] and path.read_text() == "someone else\n"


def test_conflict_when_file_vanished(tmp_path):
    path = tmp_path / "config"
    result = write_if_unchanged(str(path), "mine\n", hashlib.sha256(b"x").hexdigest(), UID)
    assert result["conflict"] and result["sha256"] == ABSENT and not path.exists()


def test_backup_keeps_the_old_bytes_0600(tmp_path):
    path = tmp_path / "config"
    path.write_bytes(b"before \xc3\xa9\r\n")
    os.chmod(path, 0o644)
    result = write_if_unchanged(str(path), "after\n", read_state(str(path))["sha256"], UID, backup=True)
    backup = result["backup_file"]
    assert os.path.dirname(backup) == str(tmp_path) and backup.startswith(str(path) + ".") and backup.endswith("~")
    assert open(backup, "rb").read() == b"before \xc3\xa9\r\n"
    assert mode_of(backup) == 0o600
    assert path.read_text() == "after\n"


def test_backup_never_follows_a_planted_link(tmp_path, monkeypatch):
    """A link waiting at the backup's name is not written through."""
    path = tmp_path / "config"
    path.write_text("before\n")
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    monkeypatch.setattr(atomic_file.time, "strftime", lambda fmt: "fixed~")
    (tmp_path / ("config.%d.fixed~" % os.getpid())).symlink_to(victim)
    with pytest.raises(OSError):
        write_if_unchanged(str(path), "after\n", read_state(str(path))["sha256"], UID, backup=True)
    assert victim.read_text() == "untouched\n"
    assert path.read_text() == "before\n"


def test_no_backup_for_a_new_file(tmp_path):
    result = write_if_unchanged(str(tmp_path / "config"), "x\n", ABSENT, UID, backup=True)
    assert result["backup_file"] is None and os.listdir(tmp_path) == ["config"]


def test_mode_only_fix_keeps_the_bytes(tmp_path):
    path = tmp_path / "config"
    path.write_text("[default]\n")
    os.chmod(path, 0o400)
    inode = path.stat().st_ino
    result = write_if_unchanged(str(path), None, read_state(str(path))["sha256"], UID)
    assert result["changed"] and not result["conflict"]
    assert mode_of(path) == 0o600 and path.stat().st_ino == inode and path.read_text() == "[default]\n"


def test_symlinked_file_is_updated_where_it_leads(tmp_path):
    dotfiles = tmp_path / "dotfiles" / "aws"
    dotfiles.mkdir(parents=True)
    real = dotfiles / "config"
    real.write_text("[default]\n")
    link = tmp_path / "home" / ".aws" / "config"
    link.parent.mkdir(parents=True)
    link.symlink_to("../../dotfiles/aws/config")
    state = read_state(str(link), UID)
    assert state["target"] == str(real)
    result = write_if_unchanged(str(link), "[default]\nregion = us-east-1\n", state["sha256"], UID)
    assert result["target"] == str(real)
    assert link.is_symlink() and os.readlink(link) == "../../dotfiles/aws/config"
    assert real.read_text() == "[default]\nregion = us-east-1\n" and mode_of(real) == 0o600
    assert temps_in(dotfiles) == [] and temps_in(link.parent) == []


def test_dangling_symlink_creates_the_target(tmp_path):
    link = tmp_path / "config"
    link.symlink_to(tmp_path / "stow" / "config")
    assert read_state(str(link))["exists"] is False
    write_if_unchanged(str(link), "[default]\n", ABSENT, UID)
    assert link.is_symlink() and (tmp_path / "stow" / "config").read_text() == "[default]\n"


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_not_a_regular_file_is_refused_without_hanging(tmp_path, kind):
    path = tmp_path / "config"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(AsUserError) as info:
        read_state(str(path))
    assert str(path) in str(info.value)
    assert "directory" in str(info.value) if kind == "directory" else "not a regular file" in str(info.value)


def test_a_file_of_someone_else_is_refused_unread(tmp_path):
    path = tmp_path / "config"
    path.write_text("[default]\nsecret_marker = 1\n")
    with pytest.raises(AsUserError) as info:
        read_state(str(path), owner=UID + 4242)
    assert "neither read nor changed" in str(info.value) and "secret_marker" not in str(info.value)
    with pytest.raises(AsUserError):
        write_if_unchanged(str(path), "x\n", read_state(str(path))["sha256"], UID + 4242)
    assert path.read_text() == "[default]\nsecret_marker = 1\n"


def test_failed_rename_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text("old\n")

    def refuse(src, dst):
        raise PermissionError(1, "Operation not permitted", dst)

    monkeypatch.setattr(atomic_file.os, "rename", refuse)
    with pytest.raises(PermissionError):
        write_if_unchanged(str(path), "new\n", read_state(str(path))["sha256"], UID)
    assert path.read_text() == "old\n" and temps_in(tmp_path) == []


def test_stale_temps_removed_fresh_ones_kept(tmp_path):
    path = tmp_path / "config"
    path.write_text("a\n")
    stale = tmp_path / ".config.dead1234.tmp"
    fresh = tmp_path / ".config.live5678.tmp"
    other = tmp_path / ".credentials.old.tmp"
    for item in (stale, fresh, other):
        item.write_text("partial")
    old = time.time() - atomic_file.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_if_unchanged(str(path), "b\n", read_state(str(path))["sha256"], UID)
    assert not stale.exists()
    assert fresh.exists()
    # Temps of other files in the same directory are not ours to delete.
    assert other.exists()
    assert path.read_text() == "b\n"


# --- concurrency ----------------------------------------------------------


def _writer(path, index, barrier, attempts_out):
    decl = declare(
        sso_sessions=[session()],
        profiles=[profile("team-%02d" % index, account="%012d" % (index + 1), role="Role%d" % index)],
    )
    barrier.wait()
    for attempt in range(1, 200):
        state = read_state(path)
        edit = config_edit.apply(state["content"], decl)
        result = write_if_unchanged(path, edit.text, state["sha256"], UID)
        if not result["conflict"]:
            attempts_out.put((index, attempt))
            return
        time.sleep(random.random() * 0.01)
    attempts_out.put((index, None))


def test_parallel_writer_processes_lose_no_update(tmp_path):
    writers = 12
    path = str(tmp_path / ".aws" / "config")
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as handle:
        handle.write("# shared by many plays\n[plugins]\nendpoint = awscli_plugin_endpoint\n")
    barrier = FORK.Barrier(writers)
    results = FORK.Queue()
    procs = [FORK.Process(target=_writer, args=(path, i, barrier, results)) for i in range(writers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    attempts = dict(results.get(timeout=5) for _ in range(writers))
    assert None not in attempts.values(), attempts
    parsed = botocore_read(read_state(path)["content"])
    assert set(parsed["profiles"]) == {"team-%02d" % i for i in range(writers)}
    for i in range(writers):
        assert parsed["profiles"]["team-%02d" % i]["sso_account_id"] == "%012d" % (i + 1)
    assert parsed["sso_sessions"] == {
        "corp": {
            "sso_start_url": "https://corp.awsapps.com/start",
            "sso_region": "us-east-1",
            "sso_registration_scopes": "sso:account:access",
        }
    }
    assert parsed["plugins"] == {"endpoint": "awscli_plugin_endpoint"}
    assert mode_of(path) == 0o600
    assert temps_in(os.path.dirname(path)) == []


# --- kill -9 in the middle of a write ----------------------------------------


def _big_content(round_no):
    line = "[profile p%%06d]\nregion = us-east-1\ncli_pager = round-%d\n" % round_no
    return "".join(line % i for i in range(120000))  # about 6 MB


def _slow_writer(path, content, expected, started):
    started.set()
    write_if_unchanged(path, content, expected, UID)


def test_sigkill_mid_write_leaves_old_or_new_file(tmp_path):
    path = str(tmp_path / "config")
    old = _big_content(0)
    write_if_unchanged(path, old, ABSENT, UID)
    rng = random.Random(20260)
    outcomes = {"old": 0, "new": 0}
    for round_no in range(1, 31):
        new = _big_content(round_no)
        assert len(new) > 5 * 1024 * 1024
        state = read_state(path)
        started = FORK.Event()
        proc = FORK.Process(target=_slow_writer, args=(path, new, state["sha256"], started))
        proc.start()
        assert started.wait(30)
        time.sleep(rng.random() * 0.15)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
        with open(path, "rb") as handle:
            data = handle.read().decode("utf-8")
        assert data in (old, new), "round %d: torn file of %d bytes" % (round_no, len(data))
        outcomes["new" if data == new else "old"] += 1
        assert mode_of(path) == 0o600
        old = data
    # Leftover temp files of killed writers are allowed, the file is whole.
    assert sum(outcomes.values()) == 30
