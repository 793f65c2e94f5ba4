# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Run a program as the user, within bounds: the one way this collection does it.

Every AWS CLI and login-shell run inside a user's part (as_user.run_as)
goes through run(), which

- starts the program in a session of its own, stdin /dev/null, no
  descriptor of ours but its pipes;
- keeps at most max_output bytes of each stream and reads and throws away
  the rest, so 3 GB from a .bashrc costs neither memory nor a blocked writer;
- ends the program's whole process group at the timeout, which is never
  later than the user's part allows (as_user.remaining());
- kills what the program left behind in its group when it exits, and stops
  reading shortly after even if something that left the group still holds
  the pipes (the part's own sweep ends those processes).

With channel=True the program also gets a pipe as descriptor 3, for an
answer that what the user's start-up files print cannot be mistaken for:
the caller frames it with a nonce of its own (new_nonce, read_frame).

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os
import re
import secrets
import selectors
import signal
import subprocess
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils import as_user

MAX_OUTPUT = 1 << 20
CHANNEL_FD = 3
# Once the program has ended, how long its pipes are still read: enough for
# what it wrote just before, not for a daemon that kept them open.
GRACE = 0.5
# A run ends this long before the user's part does, so that it fails with
# its own message instead of being killed with the part.
DEADLINE_MARGIN = 1.0
_CHUNK = 1 << 16
# How often a running program is checked for having exited while its pipes
# stay open (a background job holding them).
_POLL = 0.05

Completed = collections.namedtuple("Completed", "returncode stdout stderr channel truncated timed_out timeout")
Completed.__doc__ = """How a run ended. stdout, stderr, channel: bytes (channel None without one);
truncated: names of the streams cut at max_output; timeout: the seconds the run was given."""


def effective_timeout(timeout):
    """timeout, shortened to what is left of the user's part."""
    left = as_user.remaining()
    if left is None:
        return float(timeout)
    return max(0.0, min(float(timeout), left - DEADLINE_MARGIN))


class _Sink:
    """One stream: the first `limit` bytes kept, the rest counted and dropped."""

    def __init__(self, name, limit):
        self.name = name
        self.limit = limit
        self.chunks = []
        self.size = 0
        self.truncated = False

    def take(self, data):
        room = self.limit - self.size
        if room > 0:
            kept = data[:room]
            self.chunks.append(kept)
            self.size += len(kept)
        if len(data) > max(room, 0):
            self.truncated = True

    def value(self):
        return b"".join(self.chunks)


def _channel_setup(write_fd):
    """preexec_fn for a channel run: our pipe becomes descriptor 3 of the program.

    Runs in the forked child before exec and only moves descriptors (no
    lock, no import), so it is safe after fork. Popen keeps 3 and write_fd
    open (pass_fds) and closes every other descriptor afterwards.
    """

    def setup():
        if write_fd == CHANNEL_FD:
            os.set_inheritable(CHANNEL_FD, True)
        else:
            os.dup2(write_fd, CHANNEL_FD)
            os.close(write_fd)

    return setup


def _start(argv, env, cwd, channel_fd):
    options = dict(
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        close_fds=True,
        start_new_session=True,
    )
    if channel_fd is not None:
        # Descriptor 3 is open here: the channel pipe was made just before,
        # and new descriptors take the lowest free number.
        options.update(pass_fds=(CHANNEL_FD, channel_fd), preexec_fn=_channel_setup(channel_fd))
    return subprocess.Popen(argv, **options)


def _has_exited(proc):
    """Whether the program has ended, without reaping it: while it is a
    zombie its process group id cannot be reused, so killing the group
    afterwards cannot hit anyone else."""
    if hasattr(os, "waitid"):
        try:
            return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return True
    return proc.poll() is not None


def _kill_group(proc):
    for kill, target in ((os.killpg, proc.pid), (os.kill, proc.pid)):
        try:
            kill(target, signal.SIGKILL)
        except OSError:
            pass


def _pump(proc, sinks, deadline):
    """Read every pipe until the program ended and its pipes closed (or the
    grace ran out); kill its group when it ends. True when it timed out."""
    selector = selectors.DefaultSelector()
    for fd in sinks:
        selector.register(fd, selectors.EVENT_READ)
    ended_at = None
    timed_out = False
    try:
        while True:
            now = time.monotonic()
            if ended_at is None:
                exited = _has_exited(proc)
                if exited or now >= deadline:
                    timed_out, ended_at = not exited, now
                    # At the deadline: everything. After the exit: background jobs.
                    _kill_group(proc)
            reading = bool(selector.get_map())
            if ended_at is not None and (not reading or now >= ended_at + GRACE):
                return timed_out
            limit = ended_at + GRACE if ended_at is not None else deadline
            wait = max(0.0, min(_POLL if reading else _POLL / 5, limit - now))
            if not reading:
                time.sleep(wait)
                continue
            for key, _events in selector.select(wait):
                data = os.read(key.fd, _CHUNK)
                if data:
                    sinks[key.fd].take(data)
                else:
                    selector.unregister(key.fd)
    finally:
        selector.close()


def run(argv, env, timeout, max_output=MAX_OUTPUT, channel=False, cwd=None):
    """Run argv to its end or its timeout and return a Completed.

    Raises OSError when the program cannot be started at all.
    """
    timeout = effective_timeout(timeout)
    read_fd = write_fd = None
    if channel:
        read_fd, write_fd = os.pipe()
    try:
        proc = _start(argv, env, cwd, write_fd)
    except BaseException:
        if read_fd is not None:
            os.close(read_fd)
        raise
    finally:
        if write_fd is not None:
            os.close(write_fd)
    sinks = {proc.stdout.fileno(): _Sink("stdout", max_output), proc.stderr.fileno(): _Sink("stderr", max_output)}
    if read_fd is not None:
        sinks[read_fd] = _Sink("channel", max_output)
    try:
        timed_out = _pump(proc, sinks, time.monotonic() + timeout)
        proc.wait()
    finally:
        _kill_group(proc)
        proc.stdout.close()
        proc.stderr.close()
        if read_fd is not None:
            os.close(read_fd)
    by_name = {sink.name: sink for sink in sinks.values()}
    return Completed(
        returncode=proc.returncode,
        stdout=by_name["stdout"].value(),
        stderr=by_name["stderr"].value(),
        channel=by_name["channel"].value() if channel else None,
        truncated=tuple(sink.name for sink in sinks.values() if sink.truncated),
        timed_out=timed_out,
        timeout=timeout,
    )


def text(data):
    """A stream as text; bytes that are not UTF-8 cannot make it fail."""
    return data.decode("utf-8", "replace")


# -- an answer the program's other output cannot pass for ---------------------------

NONCE_PREFIX = "lcsso-"
_NONCE_LIKE = re.compile(rb"lcsso-[0-9a-f]{32}")


class ForgedOutput(Exception):
    """The run's output carries frames that are not the one the caller asked for."""


def new_nonce():
    """A fresh nonce for one run: a frame's every section starts with it."""
    return NONCE_PREFIX + secrets.token_hex(16)


def _foreign(data, nonce):
    return [token for token in _NONCE_LIKE.findall(data or b"") if token != nonce]


def read_frame(done, nonce):
    """The sections of the one frame the program wrote to its channel, in order.

    A frame is sections `NONCE NAME[ ARGS]\\n PAYLOAD`, back to back. Returns
    [(name, args, payload)] (bytes), [] when the channel is empty. Raises
    ForgedOutput when the channel holds anything before the frame, a nonce
    other than this run's or a section twice (more than one frame), or when
    a frame shows up on stdout or stderr: only a start-up file could have
    written those, since this run's nonce was never shown to anyone before.
    """
    nonce = nonce.encode("ascii")
    data = done.channel or b""
    if _NONCE_LIKE.search(done.stdout or b""):
        raise ForgedOutput("a frame was printed on standard output")
    if _foreign(data, nonce) or _foreign(done.stderr, nonce):
        raise ForgedOutput("a frame carried a nonce other than this run's")
    if not data:
        return []
    if not data.startswith(nonce):
        raise ForgedOutput("descriptor 3 carried output before the check's own")
    sections = []
    for part in data.split(nonce)[1:]:
        header, _newline, payload = part.partition(b"\n")
        name, _space, args = header.strip().partition(b" ")
        if any(name == seen[0] for seen in sections):
            raise ForgedOutput("descriptor 3 carried more than one frame")
        sections.append((name, args, payload))
    return sections
