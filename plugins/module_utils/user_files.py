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
import ctypes
import errno
import json
import os
import pwd
import resource
import selectors
import signal
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

Account = collections.namedtuple("Account", "name uid gid groups home shell")

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
# How long the parent keeps killing what a finished part left behind.
_SWEEP_SECONDS = 5.0

# The environment of every user's part: nothing of root's or the
# controller's (no proxies, no AWS_* of the operator, no LD_PRELOAD).
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_PR_SET_DUMPABLE = 4
# Where the process table is read; macOS has none.
_PROC = "/proc"
# setgroups(2) takes at most NGROUPS_MAX groups; where sysconf cannot say,
# macOS's 16, the smallest in use.
_FALLBACK_NGROUPS_MAX = 16
_PR_SET_CHILD_SUBREAPER = 36

# Set in the child: the monotonic time its part must end by.
_deadline = None


class UserFileError(Exception):
    """A refusal or failure worth showing to the operator as it is."""


class UserTimeout(UserFileError):
    """A user's part did not end within its deadline; everything it started was killed."""


def account(user=None):
    """Look the user up in the host's user database (never guess a home)."""
    try:
        entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
    except KeyError:
        if user:
            raise UserFileError(no_such_user_message(user)) from None
        raise UserFileError("the uid %d this task runs as has no entry in the user database" % os.geteuid()) from None
    return Account(
        name=entry.pw_name,
        uid=entry.pw_uid,
        gid=entry.pw_gid,
        groups=tuple(sorted(set(os.getgrouplist(entry.pw_name, entry.pw_gid)))),
        home=entry.pw_dir,
        shell=entry.pw_shell,
    )


def no_such_user_message(user):
    return "user %r does not exist on this host; create it first or fix the user option" % user


def look_up(names):
    """Each name's Account, and the names the host does not know, in order.

    Through account() (pwd and the group list), so NSS answers: local files,
    LDAP, SSSD and macOS Directory Services alike. Names are looked up one by
    one, never by listing the database (SSSD and LDAP often do not enumerate).
    """
    found, missing = {}, []
    for name in names:
        if name in found or name in missing:
            continue
        try:
            found[name] = account(name)
        except UserFileError:
            missing.append(name)
    return found, missing


def missing_users_message(missing):
    """The refusal of users a host does not have: the sso role's and the modules' one wording."""
    who = "them" if len(missing) > 1 else "the user"
    return "%s: no such user on this host; create %s first, or set aws_sso_missing_users: skip to leave %s out" % (
        ", ".join(missing),
        who,
        who,
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
            raise UserFileError("%s is larger than %d bytes; it was not read" % (what, limit))
        chunks.append(chunk)


# -- the child -------------------------------------------------------------------


def _libc():
    # dlopen(NULL): the C library already loaded into Python, found without
    # find_library, which may start ldconfig or a compiler.
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _prctl(option, value):
    """prctl(2) where the kernel has it (Linux); elsewhere nothing."""
    libc = _libc()
    if libc is None or not hasattr(libc, "prctl"):
        return False
    return libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0


def _proc_table():
    """{pid: (ppid, uid)} of every process, from /proc (empty where there is none)."""
    table = {}
    try:
        names = os.listdir(_PROC)
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("%s/%s/status" % (_PROC, name)) as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
            table[int(name)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return table


def _processes_of(uid):
    """Pids of uid's processes."""
    return [pid for pid, (_ppid, owner) in _proc_table().items() if owner == uid]


def _set_limits(limits, timeout, uid):
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
    if hasattr(resource, "RLIMIT_NPROC") and os.path.isdir(_PROC + "/self"):
        cap(resource.RLIMIT_NPROC, len(_processes_of(uid)) + limits.processes)


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


def _drop_privileges(acct):
    os.setgroups(groups_to_set(acct)[0])
    # Belt and braces: if root could be regained, nothing below is safe.
    if not _switch_ids(acct):
        raise UserFileError("could not switch to user %s" % acct.name)
    if acct.uid != 0:
        try:
            os.setuid(0)
        except OSError:
            pass
        else:
            raise UserFileError("root could be regained after switching to %s; refusing to go on" % acct.name)


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


def _answer(acct, func, args):
    try:
        return json.dumps({"ok": func(*args)})
    except UserTimeout as exc:
        return json.dumps({"error": str(exc), "timed_out": True})
    except UserFileError as exc:
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
        _become_subreaper()
        devnull = os.open(os.devnull, os.O_RDWR)
        # Nothing of root's: anything printed by accident must not corrupt
        # the module's JSON, and the user must not write to root's stderr.
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        for low, high in ((3, write_fd), (write_fd + 1, _MAX_FD)):
            if low < high:
                os.closerange(low, high)
        try:
            _set_limits(limits, timeout, acct.uid)
            if os.geteuid() != acct.uid:
                _drop_privileges(acct)
            # After the switch: a core dump or ptrace would show what root read.
            _prctl(_PR_SET_DUMPABLE, 0)
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
        end_children(seconds=max(0.5, min(_SWEEP_SECONDS, remaining())))
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


def _become_subreaper():
    # Orphans of a user's part (a daemonised `sleep &` in .bashrc) come back
    # to us instead of init, so the sweep can find and kill them.
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _start(index, acct, func, args, timeout, limits):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child exits through os._exit
        os.close(read_fd)
        _child(acct, write_fd, func, args, timeout, limits)
    os.close(write_fd)
    return _Part(index, acct, pid, read_fd, time.monotonic() + timeout, timeout)


def _children(exclude=()):
    """Pids of this process's children, but those in exclude."""
    me = os.getpid()
    return [pid for pid, (ppid, _uid) in _proc_table().items() if ppid == me and pid not in exclude]


def _signal(pid, sig, group=False):
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except OSError:
        pass


def _wait(pid, give_up):
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


def end_children(exclude=(), seconds=_SWEEP_SECONDS):
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
            _signal(pid, signal.SIGSTOP)
        for pid in children:
            _signal(pid, signal.SIGKILL, group=True)
            _signal(pid, signal.SIGKILL)
        for pid in children:
            _wait(pid, min(give_up, time.monotonic() + 0.05))


def _end_part(part, busy):
    """Kill the part's session and its child, then whatever came back to us from it."""
    _signal(part.pid, signal.SIGKILL, group=True)
    _signal(part.pid, signal.SIGKILL)
    status = _wait(part.pid, time.monotonic() + _SWEEP_SECONDS)
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
    _become_subreaper()
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
        raise UserFileError(describe_os_error(exc, acct)) from None


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
            except UserFileError as exc:
                results[index] = (None, str(exc), isinstance(exc, UserTimeout))
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

    func's result must be JSON-serialisable. Raises UserTimeout when the
    part did not end in time, UserFileError for any other failure, with a
    message fit for the operator. bounds: timeout (seconds), limits (Limits).
    """
    ((result, error, timed_out),) = _run_jobs([(acct, func, args)], 1, bounds.get("timeout"), bounds.get("limits"))
    if error is not None:
        raise (UserTimeout if timed_out else UserFileError)(error)
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
        raise UserFileError("user_timeout must be at least 1 (seconds for one user's part); got %d" % timeout)
    if parallel < 1:
        raise UserFileError("user_parallel must be at least 1 (users worked on at once); got %d" % parallel)
    return dict(timeout=timeout + extra_seconds, parallel=parallel)


def each_user(entries, prepare, **bounds):
    """Every entry's part, as its user, in parallel up to the bound.

    prepare(entry) returns the job (acct, func, args) or raises
    UserFileError (no such user, a bad path). Returns one (acct, result,
    error) per entry, in order; acct is None when prepare refused.
    """
    prepared = []
    for entry in entries:
        try:
            prepared.append((prepare(entry), None))
        except UserFileError as exc:
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
