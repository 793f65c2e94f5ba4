# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Read a user's file and replace it atomically, compare-and-swap style.

Runs on managed hosts with nothing but the standard library. Writers take an
exclusive flock on the file's directory (not on the file: rename swaps the
inode, so a lock on the file would not cover the next writer), check that the
file still holds what the caller read, then write a temp file in the same
directory and rename it over the target. A reader or a killed writer can
only ever see the old file or the new one.
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

ABSENT = "absent"
FILE_MODE = 0o600
DIR_MODE = 0o700
# Temp files of writers killed mid-way are removed once this old.
STALE_TEMP_SECONDS = 3600


class AtomicFileError(Exception):
    pass


def resolve(user=None, path=None):
    """Return (path, uid, gid) for a user's file; default ~user/.aws/config."""
    try:
        entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
    except KeyError:
        raise AtomicFileError(
            "user %r does not exist on this host; create it first or fix the user option" % user
        ) from None
    if path is None:
        path = os.path.join(entry.pw_dir, ".aws", "config")
    elif path.startswith("~"):
        path = os.path.join(entry.pw_dir, path[2:] if path.startswith("~/") else path[1:])
    return os.path.abspath(path), entry.pw_uid, entry.pw_gid


def digest(data):
    return hashlib.sha256(data).hexdigest()


def read_state(path):
    """Describe the file: content (text), its digest, mode and owner."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
            info = os.fstat(handle.fileno())
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return dict(exists=False, content="", sha256=ABSENT, mode=None, uid=None, gid=None)
        raise AtomicFileError("cannot read %s: %s" % (path, exc.strerror)) from None
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AtomicFileError("%s is not UTF-8 text (byte %d); fix or move the file" % (path, exc.start)) from None
    return dict(
        exists=True,
        content=content,
        sha256=digest(data),
        mode="%04o" % stat.S_IMODE(info.st_mode),
        uid=info.st_uid,
        gid=info.st_gid,
    )


def _make_dirs(directory, uid, gid):
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(missing):
        os.mkdir(path, DIR_MODE)
        os.chmod(path, DIR_MODE)
        os.chown(path, uid, gid)


def _remove_stale_temps(path):
    pattern = os.path.join(os.path.dirname(path), ".%s.*.tmp" % os.path.basename(path))
    cutoff = time.time() - STALE_TEMP_SECONDS
    for name in glob.glob(pattern):
        try:
            if os.lstat(name).st_mtime < cutoff:
                os.unlink(name)
        except OSError:
            pass


def write_if_unchanged(path, content, expected_sha256, uid, gid, backup=None):
    """Replace path with content if it still has digest expected_sha256.

    backup, if given, is called with path (under the lock) when the file
    exists and returns the backup's name. Returns a dict with conflict,
    changed, sha256 (of the file now) and backup_file.
    """
    directory = os.path.dirname(path)
    _make_dirs(directory, uid, gid)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(dir_fd, fcntl.LOCK_EX)
        current = read_state(path)
        if current["sha256"] != expected_sha256:
            return dict(conflict=True, changed=False, sha256=current["sha256"], backup_file=None)
        _remove_stale_temps(path)
        backup_file = backup(path) if backup and current["exists"] else None
        data = content.encode("utf-8")
        fd, temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, FILE_MODE)
            if (os.geteuid() == 0) or (uid, gid) != (os.getuid(), os.getgid()):
                os.fchown(fd, uid, gid)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(temp)
            raise
        os.close(fd)
        os.rename(temp, path)
        os.fsync(dir_fd)
        return dict(conflict=False, changed=True, sha256=digest(data), backup_file=backup_file)
    finally:
        os.close(dir_fd)
