# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Find, and age out, the backups that hold plain-text AWS keys.

static_keys copies a file before it removes keys from it (atomic_file's
_backup: `<file>.<pid>.<YYYY-mm-dd>@<HH:MM:SS>~`, beside the file, mode
0600, made as the user). Such a copy holds the very keys that were removed,
so it must not stay forever: these functions find those copies, say which
still hold keys, and delete the old ones.

Everything here runs as the user (as_user.run_as). Only names that match
the backup pattern exactly, next to the managed file, are looked at; only
regular files of the user are opened (never through a symlink, never a
FIFO) or deleted. unlink() removes a name, never what a link points at.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re
import stat
import time

DAY = 86400
# Read at most this much of a backup to look for keys: an AWS file is a few
# KiB; a bigger one is not ours to judge, and is treated as holding keys.
SCAN_BYTES = 1024 * 1024
# The backup suffix atomic_file._backup appends; [0-9], not \d (which also
# matches other scripts' digits).
_SUFFIX = r"\.[0-9]+\.[0-9]{4}-[0-9]{2}-[0-9]{2}@[0-9]{2}:[0-9]{2}:[0-9]{2}~"
# A static key, live or commented out: either is a secret on disk. Its value
# may sit on continuation lines, so an empty-looking one counts too.
_KEY_LINE = re.compile(
    rb"^[ \t#;]*(aws_access_key_id|aws_secret_access_key|aws_session_token|aws_security_token)[ \t]*[=:]",
    re.IGNORECASE | re.MULTILINE,
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def backup_name_re(basename):
    """The exact names atomic_file._backup gives to copies of `basename`."""
    return re.compile(re.escape(basename) + _SUFFIX + r"\Z")


def _candidates(directory, pattern, owner):
    """(name, lstat) of the user's regular files in directory named like a backup."""
    try:
        names = os.listdir(directory)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return []
        raise
    found = []
    for name in sorted(names):
        if not pattern.match(name):
            continue
        try:
            info = os.lstat(os.path.join(directory, name))
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                continue
            raise
        if stat.S_ISREG(info.st_mode) and info.st_uid == owner:
            found.append((name, info))
    return found


def _holds_keys(path, info):
    """Whether the backup has a static key line; never through a link, never a FIFO.

    The file opened must be the one listed (same inode), else it is left alone.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP):
            return False
        raise
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(now.st_mode):
            return False
        data = b""
        while len(data) <= SCAN_BYTES:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return bool(_KEY_LINE.search(data))
            data += chunk
        return True
    finally:
        os.close(fd)


def _remove(path, info):
    """Delete the backup if the name still holds the file that was judged."""
    try:
        now = os.lstat(path)
        if (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino):
            os.unlink(path)
            return True
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
    return False


def tidy(targets, owner, keep_days, made_now=(), dry_run=False, now=None):
    """Delete the key-holding backups of each target file older than keep_days.

    targets: the managed files (where the backups are made: a symlinked
    file's backups sit beside where it points). keep_days None deletes
    every one (no backups wanted); 0 every one made before this run.
    made_now: backups this run just made, always kept. dry_run only says
    what would go. Returns (kept [{path, age_days}], deleted [paths]).
    """
    now = time.time() if now is None else now
    kept, deleted = [], []
    for target in sorted(set(targets), key=targets.index):
        directory = os.path.dirname(target)
        for name, info in _candidates(directory, backup_name_re(os.path.basename(target)), owner):
            path = os.path.join(directory, name)
            if not _holds_keys(path, info):
                continue
            age = max(0.0, now - info.st_mtime)
            expired = keep_days is None or age >= keep_days * DAY
            if path in made_now or not expired:
                kept.append(dict(path=path, age_days=int(age // DAY)))
            elif dry_run or _remove(path, info):
                deleted.append(path)
    return kept, deleted


def backup_names(directory, basenames, owner):
    """Names (no content read) of the user's backups of basenames in directory."""
    found = []
    for basename in basenames:
        found.extend(name for name, _info in _candidates(directory, backup_name_re(basename), owner))
    return sorted(found)
