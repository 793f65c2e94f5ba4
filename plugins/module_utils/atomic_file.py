# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Read a user's file and replace it atomically, compare-and-swap style.

These functions run as the file's user (see as_user.run_as): they never
chown, and every permission check is the kernel's, made with the user's
rights. Writers take an exclusive flock on the file's directory (not on the
file: rename swaps the inode, so a lock on the file would not cover the next
writer), check that the file still holds what the caller read, then write a
temp file in the same directory and rename it over the target. A reader or
a killed writer can only ever see the old file or the new one.

A file that is a symlink (dotfiles kept with stow, chezmoi or a repo) is
updated where it points: the temp file goes beside the target, and the link
stays a link.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import glob
import hashlib
import os
import pwd
import stat
import tempfile
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import read_all, remaining
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError

ABSENT = "absent"
FILE_MODE = 0o600
DIR_MODE = 0o700
# Temp files of writers killed mid-way are removed once this old.
STALE_TEMP_SECONDS = 3600
# No AWS config or credentials file comes near this; a bigger "file" is a
# mistake or a trap (a link to a huge log), not something to load.
MAX_BYTES = 64 * 1024 * 1024


def digest(data):
    return hashlib.sha256(data).hexdigest()


def _owner_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return "uid %d" % uid


def _open_regular(path):
    """Open path for reading; refuse anything but a regular file.

    O_NONBLOCK: a FIFO planted where the file should be must not hang the
    task; it is refused by the type check instead.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise AsUserError("%s is %s; move it away so the file can be written" % (path, kind))
    return fd, info


def _check_owner(path, info, owner):
    if owner is not None and info.st_uid != owner:
        raise AsUserError(
            "%s belongs to %s, not to %s; it was neither read nor changed: its owner or an admin must "
            "remove it or give it to %s" % (path, _owner_name(info.st_uid), _owner_name(owner), _owner_name(owner))
        )


def read_state(path, owner=None, limit=MAX_BYTES):
    """Describe the file: content (text), its digest, mode and the file a link leads to.

    The one reader of users' files: non-blocking open, regular files only,
    at most `limit` bytes really read. With owner (a uid), a file that
    belongs to anyone else is refused before a byte of it is read.
    """
    try:
        fd, info = _open_regular(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return dict(exists=False, content="", sha256=ABSENT, mode=None, target=os.path.realpath(path))
        raise
    try:
        _check_owner(path, info, owner)
        # st_size is only a claim (a link to /proc/PID/pagemap says 0 and
        # streams without end): the cap counts bytes really read.
        data = read_all(fd, limit, what=path)
    finally:
        os.close(fd)
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AsUserError("%s is not UTF-8 text (byte %d); fix or move the file" % (path, exc.start)) from None
    return dict(
        exists=True,
        content=content,
        sha256=digest(data),
        mode="%04o" % stat.S_IMODE(info.st_mode),
        target=os.path.realpath(path),
    )


def _make_dirs(directory):
    """Create missing directories with mode 0700 (as whoever runs this)."""
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(missing):
        try:
            os.mkdir(path, DIR_MODE)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
        os.chmod(path, DIR_MODE)


def _remove_stale_temps(path):
    pattern = os.path.join(os.path.dirname(path), ".%s.*.tmp" % os.path.basename(path))
    cutoff = time.time() - STALE_TEMP_SECONDS
    for name in glob.glob(pattern):
        try:
            if os.lstat(name).st_mtime < cutoff:
                os.unlink(name)
        except OSError:
            pass


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _backup(path, data):
    """Copy the old bytes beside the file, never through a planted link."""
    name = "%s.%d.%s" % (path, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S~"))
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return name


def replace_file(target, data, mode):
    """Write data to a temp file beside target and rename it over target.

    The temp file gets its final mode before the rename: a chmod after it
    would leave an instant in which, say, /etc/bash.bashrc is unreadable.
    """
    directory = os.path.dirname(target)
    fd, temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(target), suffix=".tmp", dir=directory)
    try:
        try:
            os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, target)
    except BaseException:
        # An immutable target, a read-only directory, a full disk: leave
        # nothing behind and report the failure.
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


# How often a lock held by someone else is tried again.
_LOCK_POLL = 0.05
# Outside a bounded user's part (tests, own files), a lock is waited for this long.
_LOCK_WAIT = 60.0


def _lock_directory(dir_fd, directory):
    """Take the directory's writer lock, waiting at most until the part's deadline.

    A lock held forever (another process, a stale NFS lock) costs this
    user's result with a message that says so, never the whole run.
    """
    left = remaining()
    give_up = time.monotonic() + (_LOCK_WAIT if left is None else max(0.0, left - 1.0))
    while True:
        try:
            fcntl.flock(dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
        if time.monotonic() >= give_up:
            raise AsUserError(
                "%s is locked by another process (another writer, or a stale lock on a network home); "
                "nothing was written; find the holder (fuser -v %s) or retry later" % (directory, directory)
            )
        time.sleep(_LOCK_POLL)


def write_if_unchanged(path, content, expected_sha256, owner=None, backup=False, mode=FILE_MODE):
    """Replace path with content if it still has digest expected_sha256.

    The file gets mode (0600 unless told otherwise); content None keeps the
    text and only sets the mode. With owner,
    a file that belongs to anyone else is refused. Returns a dict with
    conflict, changed, sha256 (of the file now), backup_file and target (the
    file really written: where a symlink at path leads).
    """
    _make_dirs(os.path.dirname(path))
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    _make_dirs(directory)
    dir_fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        _lock_directory(dir_fd, directory)
        current = read_state(target, owner)
        if current["sha256"] != expected_sha256:
            return dict(conflict=True, changed=False, sha256=current["sha256"], backup_file=None, target=target)
        if content is None:
            if not current["exists"]:
                return dict(conflict=True, changed=False, sha256=ABSENT, backup_file=None, target=target)
            fd, info = _open_regular(target)
            try:
                _check_owner(target, info, owner)
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
            return dict(conflict=False, changed=True, sha256=current["sha256"], backup_file=None, target=target)
        _remove_stale_temps(target)
        old = current["content"].encode("utf-8")
        backup_file = _backup(target, old) if backup and current["exists"] else None
        data = content.encode("utf-8")
        replace_file(target, data, mode)
        os.fsync(dir_fd)
        return dict(conflict=False, changed=True, sha256=digest(data), backup_file=backup_file, target=target)
    finally:
        os.close(dir_fd)


def remove_if_unchanged(path, expected_sha256, owner=None):
    """Delete path if it still has digest expected_sha256; False on a conflict.

    For files a module created itself and emptied again, under the same
    directory lock as writes.
    """
    dir_fd = os.open(os.path.dirname(path), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        _lock_directory(dir_fd, os.path.dirname(path))
        if read_state(path, owner)["sha256"] != expected_sha256:
            return False
        try:
            os.unlink(path)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise
        os.fsync(dir_fd)
        return True
    finally:
        os.close(dir_fd)
