# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The processes a user's part leaves behind, found and ended.

The process doing users' parts is a child subreaper, so whatever a part
started (a daemonised `sleep &` in a .bashrc) comes back to it as a child;
end_children() stops and kills them until none is left. Linux only reads
/proc; elsewhere the table is empty and the part's own session is killed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import os
import signal
import time

# Where the process table is read; macOS has none.
PROC = "/proc"
# How long the parent keeps killing what a finished part left behind.
SWEEP_SECONDS = 5.0
_PR_SET_CHILD_SUBREAPER = 36


def _libc():
    # dlopen(NULL): the C library already loaded into Python, found without
    # find_library, which may start ldconfig or a compiler.
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def prctl(option, value):
    """prctl(2) where the kernel has it (Linux); elsewhere nothing."""
    libc = _libc()
    if libc is None or not hasattr(libc, "prctl"):
        return False
    return libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0


def has_process_table():
    """Whether this system lists its processes in /proc (Linux does, macOS does not)."""
    return os.path.isdir(PROC + "/self")


def _proc_table():
    """{pid: (ppid, uid)} of every process, from /proc (empty where there is none)."""
    table = {}
    try:
        names = os.listdir(PROC)
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("%s/%s/status" % (PROC, name)) as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
            table[int(name)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return table


def processes_of(uid):
    """Pids of uid's processes."""
    return [pid for pid, (_ppid, owner) in _proc_table().items() if owner == uid]


def become_subreaper():
    # Orphans of a user's part (a daemonised `sleep &` in .bashrc) come back
    # to us instead of init, so the sweep can find and kill them.
    prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _children(exclude=()):
    """Pids of this process's children, but those in exclude."""
    me = os.getpid()
    return [pid for pid, (ppid, _uid) in _proc_table().items() if ppid == me and pid not in exclude]


def signal_quietly(pid, sig, group=False):
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except OSError:
        pass


def wait_for(pid, give_up):
    """Reap pid if it ends before give_up (monotonic): its status, or None.

    Never blocks for good: a process stuck in the kernel (a read on a hung
    NFS mount) cannot even be killed until it returns.
    """
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return 0
        if done == pid:
            return status
        if time.monotonic() >= give_up:
            return None
        time.sleep(0.005)


def end_children(exclude=(), seconds=SWEEP_SECONDS):
    """Kill and reap every child of this process but those in exclude, until there is none.

    This process is a child subreaper, so the orphans of whatever it started
    come back to it as children; a process's children are handed over
    before it can be reaped, so once no child is left, no descendant is
    either. Stopping before killing keeps a fork bomb from outrunning the
    loop: a stopped process cannot fork, and the process limit bounds how
    many there can be. Returns the pids that could not be ended in time.
    """
    give_up = time.monotonic() + seconds
    while True:
        children = _children(exclude)
        if not children or time.monotonic() >= give_up:
            return children
        for pid in children:
            signal_quietly(pid, signal.SIGSTOP)
        for pid in children:
            signal_quietly(pid, signal.SIGKILL, group=True)
            signal_quietly(pid, signal.SIGKILL)
        for pid in children:
            wait_for(pid, min(give_up, time.monotonic() + 0.05))
