# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Files the controller writes for the operator (the fleet report, discovered
vars), each replaced atomically: a reader sees the old file or the new one."""

from __future__ import annotations

import os

from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import replace_file


def _umask():
    # Python cannot read the umask without setting it; an action plugin runs
    # in a worker process of its own, which sets it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path, text, mode=0o666):
    """Replace path with text (UTF-8) unless it already holds it; True when it changed.

    The new file gets mode less the umask, as a file created by open() would.
    """
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except FileNotFoundError:
        pass
    replace_file(path, data, mode & ~_umask())
    return True
