# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Act on a user's files with that user's rights, never with root's.

Every module of this collection that reads or writes in a user's home goes
through run_as(). When the task runs as root and the files are another
user's, root does no file work itself: it forks a child that gives up root
for good (supplementary groups, then gid, then uid) and the child does the
work. The kernel then checks every path component, symlink, rename and
mkdir against the user's own rights, so nothing the user arranges in their
home (a symlink to a root-only file, a directory swapped for a link between
the read and the write) can make us touch what the user could not touch
themselves. Homes on NFS exported with root_squash, which root cannot enter
at all, work for the same reason.

The child hands its result back as JSON over a pipe. The parent never
unpickles anything a process running as the user produced, and a process
that changed its uid is not dumpable, so the user cannot ptrace it either.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import errno
import json
import os
import pwd
import selectors

Account = collections.namedtuple("Account", "name uid gid groups home")

# Highest descriptor the child closes up to: it must not keep anything root
# opened (a file, a socket to the controller) while it runs as the user.
_MAX_FD = 65536


class UserFileError(Exception):
    """A refusal or failure worth showing to the operator as it is."""


def account(user=None):
    """Look the user up in the host's user database (never guess a home)."""
    try:
        entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
    except KeyError:
        if user:
            raise UserFileError(
                "user %r does not exist on this host; create it first or fix the user option" % user
            ) from None
        raise UserFileError("the uid %d this task runs as has no entry in the user database" % os.geteuid()) from None
    return Account(
        name=entry.pw_name,
        uid=entry.pw_uid,
        gid=entry.pw_gid,
        groups=tuple(sorted(set(os.getgrouplist(entry.pw_name, entry.pw_gid)))),
        home=entry.pw_dir,
    )


def expand_path(acct, path, default):
    """The absolute path of a user's file: `~` and `~/...` are that user's home.

    `default` (relative to the home) is used when path is None. Expansion
    happens here, on the host, because the controller's `~` is someone else.
    """
    if path is None:
        path = "~/" + default
    if path == "~" or path.startswith("~/"):
        return os.path.join(acct.home, path[2:])
    if path.startswith("~"):
        raise UserFileError(
            "path %r: only ~/ (the home of the user the file belongs to) is expanded; "
            "write ~/... or an absolute path" % path
        )
    if not os.path.isabs(path):
        raise UserFileError("path %r is relative; write ~/... (the user's home) or an absolute path" % path)
    return path


def failed_users_message(module_name, results):
    """One message for the users of a batch that failed, or None: the others were done.

    Every batched module (all users of a host in one call) ends this way, so
    that an operator reads the same sentence whichever one failed.
    """
    failed = [r for r in results if r.get("failed")]
    if not failed:
        return None
    return "%s: %d of %d users failed (the others were done): %s" % (
        module_name,
        len(failed),
        len(results),
        "; ".join("%s: %s" % (r["user"], r["msg"]) for r in failed),
    )


def describe_os_error(exc, acct):
    """A message for an OSError raised while acting as the user: path and reason, never content."""
    where = " %s" % exc.filename if exc.filename else ""
    if exc.filename2:
        where += " -> %s" % exc.filename2
    reason = exc.strerror or str(exc)
    hint = ""
    if exc.errno in (errno.EACCES, errno.EPERM):
        hint = "; %s may not do this there, so it was not done (fix the path or its permissions as %s)" % (
            acct.name,
            acct.name,
        )
    elif exc.errno == errno.EROFS:
        hint = "; the file system is read-only"
    return "as user %s:%s: %s%s" % (acct.name, where, reason, hint)


def _drop_privileges(acct):
    os.setgroups(list(acct.groups))
    os.setresgid(acct.gid, acct.gid, acct.gid)
    os.setresuid(acct.uid, acct.uid, acct.uid)
    # Belt and braces: if root could be regained, nothing below is safe.
    if os.getresuid() != (acct.uid,) * 3 or os.getresgid() != (acct.gid,) * 3:
        raise UserFileError("could not switch to user %s" % acct.name)
    if acct.uid != 0:
        try:
            os.setuid(0)
        except OSError:
            pass
        else:
            raise UserFileError("root could be regained after switching to %s; refusing to go on" % acct.name)


def _child(acct, write_fd, func, args):
    """Runs in the forked child; never returns."""
    status = 0
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        # Anything printed by accident must not corrupt the module's JSON.
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        for low, high in ((3, write_fd), (write_fd + 1, _MAX_FD)):
            if low < high:
                os.closerange(low, high)
        try:
            _drop_privileges(acct)
            os.umask(0o077)
            os.chdir("/")
            os.environ.update(HOME=acct.home, USER=acct.name, LOGNAME=acct.name)
            data = json.dumps({"ok": func(*args)})
        except UserFileError as exc:
            data = json.dumps({"error": str(exc)})
        except OSError as exc:
            data = json.dumps({"error": describe_os_error(exc, acct)})
        except Exception as exc:  # noqa: BLE001 - every failure must reach the parent as text
            data = json.dumps({"error": "as user %s: %s: %s" % (acct.name, type(exc).__name__, exc)})
        data = data.encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:  # noqa: BLE001 - the parent reports a child that said nothing
        status = 70
    os._exit(status)


def read_all(fd):
    """Every byte from fd up to its end."""
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _start_child(acct, func, args):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child exits through os._exit
        os.close(read_fd)
        _child(acct, write_fd, func, args)
    os.close(write_fd)
    return pid, read_fd


def _child_answer(acct, data, status):
    if not data:
        raise UserFileError("the process acting as user %s ended without an answer (status %d)" % (acct.name, status))
    try:
        payload = json.loads(data.decode("utf-8"))
    except ValueError:
        raise UserFileError("the process acting as user %s gave an unreadable answer" % acct.name) from None
    if "error" in payload:
        raise UserFileError(payload["error"])
    return payload["ok"]


def _refuse_non_root(acct):
    raise UserFileError(
        "this task runs as uid %d, which cannot act for user %s; "
        "run it with become: true (as root) or as %s" % (os.geteuid(), acct.name, acct.name)
    )


def run_as(acct, func, *args):
    """Call func(*args) with acct's uid, gid and groups, and return its result.

    func's result must be JSON-serialisable. Raises UserFileError for any
    failure inside, with a message fit for the operator.
    """
    euid = os.geteuid()
    if euid == acct.uid:
        # Already the user (or root managing root's own files): no switch.
        try:
            return func(*args)
        except OSError as exc:
            raise UserFileError(describe_os_error(exc, acct)) from None
    if euid != 0:
        _refuse_non_root(acct)
    pid, read_fd = _start_child(acct, func, args)
    try:
        data = read_all(read_fd)
    finally:
        os.close(read_fd)
        _pid, status = os.waitpid(pid, 0)
    return _child_answer(acct, data, status)


def run_as_many(jobs, parallel=4):
    """run_as for many (acct, func, args) jobs, up to `parallel` children at
    once: for work that waits (a CLI, the network) rather than computes.

    Returns one (result, error message) pair per job, in job order; a failed
    job never stops the others."""
    results = [None] * len(jobs)
    if os.geteuid() != 0 or parallel <= 1 or len(jobs) <= 1:
        for index, (acct, func, args) in enumerate(jobs):
            try:
                results[index] = (run_as(acct, func, *args), None)
            except UserFileError as exc:
                results[index] = (None, str(exc))
        return results
    pending = list(enumerate(jobs))
    running = {}  # read fd -> [index, acct, pid, chunks]
    selector = selectors.DefaultSelector()
    try:
        while pending or running:
            while pending and len(running) < parallel:
                index, (acct, func, args) = pending.pop(0)
                if acct.uid == 0:
                    try:
                        results[index] = (run_as(acct, func, *args), None)
                    except UserFileError as exc:
                        results[index] = (None, str(exc))
                    continue
                pid, read_fd = _start_child(acct, func, args)
                running[read_fd] = [index, acct, pid, []]
                selector.register(read_fd, selectors.EVENT_READ)
            for key, _events in selector.select() if running else ():
                entry = running[key.fd]
                chunk = os.read(key.fd, 1 << 20)
                if chunk:
                    entry[3].append(chunk)
                    continue
                selector.unregister(key.fd)
                os.close(key.fd)
                del running[key.fd]
                index, acct, pid, chunks = entry
                _pid, status = os.waitpid(pid, 0)
                try:
                    results[index] = (_child_answer(acct, b"".join(chunks), status), None)
                except UserFileError as exc:
                    results[index] = (None, str(exc))
    finally:
        for read_fd, entry in running.items():
            os.close(read_fd)
            os.waitpid(entry[2], 0)
        selector.close()
    return results
