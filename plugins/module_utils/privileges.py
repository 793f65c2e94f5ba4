# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Becoming a user for good, within limits: resource limits, groups, ids.

Used by the child that does one user's part, before it touches anything
of the user's (as_user.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import resource

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.process_tree import has_process_table, processes_of

# setgroups(2) takes at most NGROUPS_MAX groups; where sysconf cannot say,
# macOS's 16, the smallest in use.
_FALLBACK_NGROUPS_MAX = 16
# The environment of every user's part: nothing of root's or the
# controller's (no proxies, no AWS_* of the operator, no LD_PRELOAD).
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def set_limits(limits, timeout, uid):
    def cap(which, value):
        if value is None:
            return
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            # Some kernels refuse some limits (macOS: address space); the
            # deadline and the other limits still hold.
            pass

    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_AS, limits.memory_mb << 20)
    cap(resource.RLIMIT_FSIZE, limits.file_size_mb << 20)
    # CPU time of one process can't exceed the wall clock times the cores it
    # could use; the deadline is the real bound, this one catches spinners.
    cap(resource.RLIMIT_CPU, int(timeout) + 5)
    # The kernel counts every process of the user, their logins too: the
    # bound is on what this part may add. Without a process table (macOS)
    # that count is unknown, and a guess could stop the user's part from
    # starting anything; the part's deadline still applies.
    if hasattr(resource, "RLIMIT_NPROC") and has_process_table():
        cap(resource.RLIMIT_NPROC, len(processes_of(uid)) + limits.processes)


def ngroups_max():
    try:
        value = os.sysconf("SC_NGROUPS_MAX")
    except (ValueError, OSError):
        value = -1
    return value if value > 0 else _FALLBACK_NGROUPS_MAX


def groups_to_set(acct, limit=None):
    """(the supplementary groups a user's part runs with, those left out).

    macOS's setgroups(2) takes at most 16 groups (NGROUPS_MAX), while
    Directory Services, and so os.getgrouplist, may list more for a user.
    The primary group comes first, then the others in ascending order, as
    many as fit; a refused access then names what was left out
    (describe_os_error), since a left-out group can be the reason.
    """
    limit = ngroups_max() if limit is None else limit
    ordered = [acct.gid] + [group for group in acct.groups if group != acct.gid]
    return ordered[:limit], ordered[limit:]


def _switch_ids(acct):
    """Real, effective and saved uid and gid to the user's; whether all of them are now the user's."""
    if hasattr(os, "setresuid"):
        os.setresgid(acct.gid, acct.gid, acct.gid)
        os.setresuid(acct.uid, acct.uid, acct.uid)
        return os.getresuid() == (acct.uid,) * 3 and os.getresgid() == (acct.gid,) * 3
    # macOS has no setres*id; as root, setgid and setuid set the real,
    # effective and saved ids alike.
    os.setgid(acct.gid)
    os.setuid(acct.uid)
    return (os.getuid(), os.geteuid(), os.getgid(), os.getegid()) == (acct.uid, acct.uid, acct.gid, acct.gid)


def drop_privileges(acct):
    os.setgroups(groups_to_set(acct)[0])
    # Belt and braces: if root could be regained, nothing below is safe.
    if not _switch_ids(acct):
        raise AsUserError("could not switch to user %s" % acct.name)
    if acct.uid != 0:
        try:
            os.setuid(0)
        except OSError:
            pass
        else:
            raise AsUserError("root could be regained after switching to %s; refusing to go on" % acct.name)


def clean_environment(acct):
    """The environment every user's part starts with (documented in docs/security.md)."""
    return {
        "HOME": acct.home,
        "USER": acct.name,
        "LOGNAME": acct.name,
        "SHELL": acct.shell or "/bin/sh",
        "PATH": CLEAN_PATH,
        "LANG": "C.UTF-8",
    }
