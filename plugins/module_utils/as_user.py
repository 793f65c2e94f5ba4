# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Do a user's part of a task with that user's rights, within bounds.

Every module of this collection that reads or writes in a user's home, runs
the user's shell or CLI, or reads the user's token cache goes through
run_as() / run_as_many(). Root does no work in the home itself: it forks a
child per user that

- starts a session of its own and takes resource limits (address space,
  processes, CPU time, file size, no core dumps) before anything else;
- gives up root for good (supplementary groups, then gid, then uid) and is
  not dumpable, so the user can neither ptrace it nor read its memory;
- keeps no descriptor root had open (stdin, stdout and stderr are
  /dev/null) and runs with a clean environment (CLEAN_ENV);
- answers as JSON over a pipe whose size is capped; the parent never
  unpickles anything a process running as the user produced.

The kernel then checks every path, symlink, rename and mkdir against the
user's own rights, so nothing the user arranges in their home can make us
touch what they could not touch themselves (NFS homes with root_squash work
for the same reason).

The parent gives each user's part a deadline. At the deadline, or when the
part ends, every process the part started is killed: its session, and every
process that left the session, because the parent is a child subreaper and
orphans of the part come back to it. So a hung NFS lock, a FIFO, a noisy or
forking .bashrc costs that user's result and one deadline; other users run
in parallel (up to a bound) and are unaffected.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import errno
import json
import os
import selectors
import signal
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError, AsUserTimeout
from ansible_collections.labcloud.aws_sso.plugins.module_utils.privileges import (
    clean_environment,
    drop_privileges,
    groups_to_set,
    ngroups_max,
    set_limits,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.process_tree import (
    SWEEP_SECONDS,
    become_subreaper,
    end_children,
    prctl,
    signal_quietly,
    wait_for,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

# Highest descriptor the child closes up to: it must not keep anything root
# opened (a file, a socket to the controller) while it runs as the user.
_MAX_FD = 65536

# Defaults of the bounds of one user's part, documented in the modules'
# user-bounds options (doc fragment labcloud.aws_sso.user_bounds).
DEFAULT_TIMEOUT = 120
DEFAULT_PARALLEL = 4
Limits = collections.namedtuple("Limits", "memory_mb processes file_size_mb")
DEFAULT_LIMITS = Limits(memory_mb=2048, processes=256, file_size_mb=256)
# A child's answer carries at most this much: two config files at their cap.
MAX_ANSWER = 160 * 1024 * 1024

_PR_SET_DUMPABLE = 4

# Set in the child: the monotonic time its part must end by.
_deadline = None


def failed_users_message(module_name, results):
    """One message for the users of a batch that failed, or None: the others were done.

    Every batched module (all users of a host in one call) ends this way, so
    that an operator reads the same sentence whichever one failed.
    """
    failed = [r for r in results if r.get("failed")]
    if not failed:
        return None
    return printable(
        "%s: %d of %d users failed (the others were done): %s"
        % (module_name, len(failed), len(results), "; ".join("%s: %s" % (r["user"], r["msg"]) for r in failed))
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
        left_out = groups_to_set(acct)[1]
        if left_out:
            hint += "; the part ran without %d of the user's groups (gids %s): setgroups takes at most %d" % (
                len(left_out),
                ", ".join(str(gid) for gid in left_out),
                ngroups_max(),
            )
    elif exc.errno == errno.EROFS:
        hint = "; the file system is read-only"
    # The path is the user's to name: escape what would drive the terminal.
    return printable("as user %s:%s: %s%s" % (acct.name, where, reason, hint))


def remaining():
    """Seconds left in the current user's part (never below 0), or None outside one.

    Anything that waits inside a part (a lock, a CLI, the network) waits at
    most this long, so it fails with its own message before the part is killed.
    """
    if _deadline is None:
        return None
    return max(0.0, _deadline - time.monotonic())


def read_all(fd, limit=None, what="the input"):
    """Every byte from fd up to its end; with limit, refuse more than limit bytes.

    The limit counts bytes really read, not what fstat claims: a file in
    /proc says it is empty and streams without end.
    """
    chunks = []
    size = 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if limit is not None and size > limit:
            raise AsUserError("%s is larger than %d bytes; it was not read" % (what, limit))
        chunks.append(chunk)


# -- the child -------------------------------------------------------------------


def _answer(acct, func, args):
    try:
        return json.dumps({"ok": func(*args)})
    except AsUserTimeout as exc:
        return json.dumps({"error": str(exc), "timed_out": True})
    except AsUserError as exc:
        return json.dumps({"error": str(exc)})
    except OSError as exc:
        return json.dumps({"error": describe_os_error(exc, acct)})
    except Exception as exc:  # noqa: BLE001 - every failure must reach the parent as text
        return json.dumps({"error": "as user %s: %s: %s" % (acct.name, type(exc).__name__, exc)})


def _child(acct, write_fd, func, args, timeout, limits):
    """Runs in the forked child; never returns."""
    global _deadline
    status = 0
    try:
        _deadline = time.monotonic() + timeout
        os.setsid()
        # Orphans of the part come back to the child, which ends them all
        # before it exits; the parent is the same for a child it kills.
        become_subreaper()
        devnull = os.open(os.devnull, os.O_RDWR)
        # Nothing of root's: anything printed by accident must not corrupt
        # the module's JSON, and the user must not write to root's stderr.
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        for low, high in ((3, write_fd), (write_fd + 1, _MAX_FD)):
            if low < high:
                os.closerange(low, high)
        try:
            set_limits(limits, timeout, acct.uid)
            if os.geteuid() != acct.uid:
                drop_privileges(acct)
            # After the switch: a core dump or ptrace would show what root read.
            prctl(_PR_SET_DUMPABLE, 0)
            os.umask(0o077)
            os.chdir("/")
            os.environ.clear()
            os.environ.update(clean_environment(acct))
            data = _answer(acct, func, args)
        except Exception as exc:  # noqa: BLE001 - a failed set-up is an answer too
            data = json.dumps({"error": "as user %s: could not start: %s" % (acct.name, exc)})
        view = memoryview(data.encode("utf-8"))
        while view:
            view = view[os.write(write_fd, view) :]
        # What the part started ends with it (a `sleep &` in a .bashrc).
        end_children(seconds=max(0.5, min(SWEEP_SECONDS, remaining())))
    except BaseException:  # noqa: BLE001 - the parent reports a child that said nothing
        status = 70
    os._exit(status)


# -- the parent ------------------------------------------------------------------


class _Part:
    """One user's part as the parent sees it: the child, its pipe, its deadline."""

    def __init__(self, index, acct, pid, read_fd, deadline, timeout):
        self.index = index
        self.acct = acct
        self.pid = pid
        self.read_fd = read_fd
        self.deadline = deadline
        self.timeout = timeout
        self.chunks = []
        self.size = 0
        self.problem = None
        self.timed_out = False


def _start(index, acct, func, args, timeout, limits):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child exits through os._exit
        os.close(read_fd)
        _child(acct, write_fd, func, args, timeout, limits)
    os.close(write_fd)
    return _Part(index, acct, pid, read_fd, time.monotonic() + timeout, timeout)


def _end_part(part, busy):
    """Kill the part's session and its child, then whatever came back to us from it."""
    signal_quietly(part.pid, signal.SIGKILL, group=True)
    signal_quietly(part.pid, signal.SIGKILL)
    status = wait_for(part.pid, time.monotonic() + SWEEP_SECONDS)
    end_children(busy)
    if status is None:
        part.problem = part.problem or (
            "the process acting as user %s could not be ended (stuck in the kernel: a hung network home?); "
            "it was left behind" % part.acct.name
        )
        status = 0
    return status


def _outcome(part, status):
    """(result, error, timed_out) for a part that has ended."""
    if part.problem:
        return None, part.problem, part.timed_out
    data = b"".join(part.chunks)
    name = part.acct.name
    if not data:
        return None, "the process acting as user %s ended without an answer (status %d)" % (name, status), False
    try:
        payload = json.loads(data.decode("utf-8"))
    except ValueError:
        return None, "the process acting as user %s gave an unreadable answer" % name, False
    if "error" in payload:
        return None, payload["error"], bool(payload.get("timed_out"))
    return payload["ok"], None, False


def _timeout_message(part):
    return (
        "timed out: the part for user %s did not end within %d s, so it and every process it started were "
        "ended (a hung lock or NFS home, a FIFO, or a slow shell start-up file?); other users were not "
        "affected; raise user_timeout if this user's work is simply slow" % (part.acct.name, part.timeout)
    )


def _run_parts(jobs, parallel, timeout, limits):
    """Run every job in a bounded child, `parallel` at once; [(result, error, timed_out)] in job order."""
    become_subreaper()
    results = [(None, "not started", False)] * len(jobs)
    pending = list(enumerate(jobs))
    running = {}  # read fd -> _Part
    selector = selectors.DefaultSelector()

    def finish(part):
        selector.unregister(part.read_fd)
        os.close(part.read_fd)
        del running[part.read_fd]
        status = _end_part(part, {p.pid for p in running.values()})
        results[part.index] = _outcome(part, status)

    try:
        while pending or running:
            while pending and len(running) < max(1, parallel):
                index, (acct, func, args) = pending.pop(0)
                part = _start(index, acct, func, args, timeout, limits)
                running[part.read_fd] = part
                selector.register(part.read_fd, selectors.EVENT_READ)
            now = time.monotonic()
            wait = max(0.0, min(p.deadline for p in running.values()) - now)
            for key, _events in selector.select(wait):
                part = running[key.fd]
                chunk = os.read(key.fd, 1 << 20)
                if chunk:
                    part.size += len(chunk)
                    if part.size > MAX_ANSWER:
                        part.problem = "the process acting as user %s answered more than %d MiB; it was ended" % (
                            part.acct.name,
                            MAX_ANSWER >> 20,
                        )
                        finish(part)
                    else:
                        part.chunks.append(chunk)
                    continue
                finish(part)
            now = time.monotonic()
            for part in [p for p in running.values() if p.deadline <= now]:
                part.problem = _timeout_message(part)
                part.timed_out = True
                finish(part)
    finally:
        for part in list(running.values()):
            part.problem = part.problem or "interrupted"
            finish(part)
        selector.close()
    return results


def _refusal(acct):
    return "this task runs as uid %d, which cannot act for user %s; run it with become: true (as root) or as %s" % (
        os.geteuid(),
        acct.name,
        acct.name,
    )


def _in_process(acct, func, args):
    try:
        return func(*args)
    except OSError as exc:
        raise AsUserError(describe_os_error(exc, acct)) from None


def _run_jobs(jobs, parallel, timeout, limits):
    """[(result, error, timed_out)] for (acct, func, args) jobs, in job order.

    Inside a user's bounded part, that user's own jobs run in process (no
    second child); a job for another user is refused unless we are root.
    """
    results = [(None, "not started", False)] * len(jobs)
    runnable = []
    for index, (acct, func, args) in enumerate(jobs):
        if _deadline is not None and os.geteuid() == acct.uid:
            try:
                results[index] = (_in_process(acct, func, args), None, False)
            except AsUserError as exc:
                results[index] = (None, str(exc), isinstance(exc, AsUserTimeout))
        elif os.geteuid() not in (0, acct.uid):
            results[index] = (None, _refusal(acct), False)
        else:
            runnable.append((index, (acct, func, args)))
    answers = _run_parts(
        [job for _index, job in runnable], parallel, timeout or DEFAULT_TIMEOUT, limits or DEFAULT_LIMITS
    )
    for (index, _job), answer in zip(runnable, answers):
        results[index] = answer
    return results


def run_as(acct, func, *args, **bounds):
    """Call func(*args) as acct, in a bounded child, and return its result.

    func's result must be JSON-serialisable. Raises AsUserTimeout when the
    part did not end in time, AsUserError for any other failure, with a
    message fit for the operator. bounds: timeout (seconds), limits (Limits).
    """
    ((result, error, timed_out),) = _run_jobs([(acct, func, args)], 1, bounds.get("timeout"), bounds.get("limits"))
    if error is not None:
        raise (AsUserTimeout if timed_out else AsUserError)(error)
    return result


def run_as_many(jobs, parallel=DEFAULT_PARALLEL, timeout=None, limits=None):
    """run_as for many (acct, func, args) jobs, up to `parallel` at once.

    Returns one (result, error message) pair per job, in job order; a failed
    or timed-out job never stops or delays the others beyond its deadline.
    """
    return [(result, error) for result, error, _timed_out in _run_jobs(jobs, parallel, timeout, limits)]


# -- module options ----------------------------------------------------------------

# The options every module that does users' parts takes (doc fragment
# labcloud.aws_sso.user_bounds documents them).
BOUNDS_SPEC = dict(
    user_timeout=dict(type="int", default=DEFAULT_TIMEOUT),
    user_parallel=dict(type="int", default=DEFAULT_PARALLEL),
)


def bounds_from(params, extra_seconds=0):
    """(timeout, parallel) from a module's params, refusing values that make no sense."""
    timeout = DEFAULT_TIMEOUT if params.get("user_timeout") is None else params["user_timeout"]
    parallel = DEFAULT_PARALLEL if params.get("user_parallel") is None else params["user_parallel"]
    if timeout < 1:
        raise AsUserError("user_timeout must be at least 1 (seconds for one user's part); got %d" % timeout)
    if parallel < 1:
        raise AsUserError("user_parallel must be at least 1 (users worked on at once); got %d" % parallel)
    return dict(timeout=timeout + extra_seconds, parallel=parallel)


def each_user(entries, prepare, **bounds):
    """Every entry's part, as its user, in parallel up to the bound.

    prepare(entry) returns the job (acct, func, args) or raises
    AsUserError (no such user, a bad path). Returns one (acct, result,
    error) per entry, in order; acct is None when prepare refused.
    """
    prepared = []
    for entry in entries:
        try:
            prepared.append((prepare(entry), None))
        except AsUserError as exc:
            prepared.append((None, str(exc)))
    answers = iter(run_as_many([job for job, _error in prepared if job is not None], **bounds))
    out = []
    for job, error in prepared:
        if job is None:
            out.append((None, None, error))
        else:
            result, error = next(answers)
            out.append((job[0], result, error))
    return out
