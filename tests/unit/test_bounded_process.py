"""bounded_process.run: output caps, timeouts that end the whole group, the channel, and forged frames.

Real processes (sh, sleep, head) on this machine; each test says how long it may take.
"""

import json
import os
import signal
import sys
import time
import tracemalloc

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import as_user
from ansible_collections.labcloud.aws_sso.plugins.module_utils import bounded_process as bp

ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
MIB = 1 << 20


def sh(script, timeout=30, **options):
    return bp.run(["/bin/sh", "-c", script], ENV, timeout, **options)


def gone(pid, within=3.0):
    """Whether pid has ended (or is a zombie waiting for its parent) within a few seconds."""
    give_up = time.monotonic() + within
    while time.monotonic() < give_up:
        try:
            with open("/proc/%d/stat" % pid) as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# -- output ------------------------------------------------------------------------


def test_a_200_mb_stream_keeps_the_cap_costs_little_memory_and_does_not_block():
    tracemalloc.start()
    started = time.monotonic()
    try:
        done = sh("head -c 200M /dev/zero; echo done >&2")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.monotonic() - started
    assert (done.returncode, done.timed_out) == (0, False)
    assert done.stdout == b"\0" * bp.MAX_OUTPUT and done.truncated == ("stdout",)
    # The writer was drained to its end: it got to write its last line.
    assert done.stderr == b"done\n"
    assert peak < 4 * MIB, "kept %d bytes at the peak for a 1 MiB cap" % peak
    assert seconds < 20


def test_streams_are_capped_each_and_small_ones_kept_whole():
    done = sh("head -c 5000 /dev/zero; printf 'err' >&2; exit 7", max_output=1000)
    assert done.returncode == 7
    assert len(done.stdout) == 1000 and done.stderr == b"err"
    assert done.truncated == ("stdout",) and done.channel is None


# -- ending the process and what it started -----------------------------------------


def test_the_timeout_kills_the_whole_group():
    started = time.monotonic()
    done = sh("sleep 600 & echo $!; sleep 600", timeout=1)
    assert done.timed_out and done.returncode == -signal.SIGKILL
    assert done.timeout == 1.0
    assert time.monotonic() - started < 1 + bp.GRACE + 10
    assert gone(int(done.stdout)), "the background job of the timed-out program is still running"


def test_background_jobs_holding_the_pipes_end_with_the_program():
    started = time.monotonic()
    done = sh("sleep 600 & echo $!; exit 3")
    assert (done.returncode, done.timed_out) == (3, False)
    assert time.monotonic() - started < bp.GRACE + 10
    assert gone(int(done.stdout))


def test_a_process_that_left_the_session_does_not_hang_the_call_on_its_pipes():
    """setsid escapes the group; the user's part sweeps such processes
    (as_user), here only the pipes it keeps open must not hold us."""
    started = time.monotonic()
    done = sh("setsid sh -c 'echo $$; exec sleep 600' & sleep 0.2; echo main")
    try:
        assert (done.returncode, done.timed_out) == (0, False)
        assert time.monotonic() - started < bp.GRACE + 10
        assert done.stdout.split()[-1] == b"main"
    finally:
        kill(int(done.stdout.split()[0]))


def test_a_program_that_closes_its_pipes_and_runs_on_still_times_out():
    started = time.monotonic()
    done = sh("exec >/dev/null 2>&1; sleep 600", timeout=1)
    assert done.timed_out and time.monotonic() - started < 1 + bp.GRACE + 10


def test_the_users_part_deadline_shortens_the_timeout(monkeypatch):
    monkeypatch.setattr(as_user, "remaining", lambda: 2.5)
    started = time.monotonic()
    done = sh("sleep 600", timeout=60)
    assert done.timed_out and done.timeout == 2.5 - bp.DEADLINE_MARGIN
    assert time.monotonic() - started < 2.5 + bp.GRACE + 10


def test_outside_a_users_part_the_timeout_is_the_callers():
    assert as_user.remaining() is None
    assert bp.effective_timeout(60) == 60.0


# -- what the program gets -----------------------------------------------------------


def test_a_session_of_its_own_stdin_dev_null_and_no_descriptor_of_ours():
    ours = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(ours, True)
    probe = (
        "import json, os; print(json.dumps([os.getsid(0) == os.getpid(), os.readlink('/proc/self/fd/0'), "
        "sorted(int(fd) for fd in os.listdir('/proc/self/fd'))]))"
    )
    try:
        done = bp.run([sys.executable, "-c", probe], ENV, 30)
    finally:
        os.close(ours)
    own_session, stdin, fds = json.loads(done.stdout)
    assert (own_session, stdin) == (True, "/dev/null")
    # 0-2 and the one listdir opened to answer: not ours, nothing else.
    assert fds[:3] == [0, 1, 2] and len(fds) == 4, fds


def test_the_channel_is_descriptor_3_and_nothing_else_is_passed():
    done = sh("echo answer >&3; echo noise; ls /proc/$$/fd", channel=True)
    assert done.channel == b"answer\n"
    assert done.stdout.split() == [b"noise", b"0", b"1", b"2", b"3"]


def test_without_a_channel_there_is_no_descriptor_3():
    done = sh("echo answer >&3")
    assert done.returncode != 0 and done.channel is None


def test_a_program_that_cannot_start_raises_and_leaks_nothing():
    before = sorted(os.listdir("/proc/self/fd"))
    with pytest.raises(FileNotFoundError):
        bp.run(["/nonexistent/aws"], ENV, 5, channel=True)
    assert sorted(os.listdir("/proc/self/fd")) == before


# -- frames ----------------------------------------------------------------------------

NONCE = bp.new_nonce()
OTHER = bp.new_nonce()


def completed(channel=b"", stdout=b"", stderr=b""):
    return bp.Completed(0, stdout, stderr, channel, (), False, 30.0)


def frame(nonce=NONCE):
    n = nonce.encode()
    return n + b" env\nA=1\0\n" + n + b" cli\n{}\n" + n + b" end 0\n"


def test_nonces_are_fresh_and_look_like_nonces():
    assert NONCE != OTHER and NONCE.startswith(bp.NONCE_PREFIX) and len(NONCE) == len(bp.NONCE_PREFIX) + 32


def test_a_frame_reads_as_its_sections():
    # The shell's trace of its own command (set -x) may show the nonce on stderr.
    sections = bp.read_frame(completed(frame(), stdout=b"hello\n", stderr=b"+ echo '%s cli'" % NONCE.encode()), NONCE)
    assert sections == [(b"env", b"", b"A=1\0\n"), (b"cli", b"", b"{}\n"), (b"end", b"0", b"")]
    assert bp.read_frame(completed(), NONCE) == []


@pytest.mark.parametrize(
    ("channel", "stdout", "stderr", "why"),
    [
        (frame(), frame(OTHER), b"", "standard output"),
        (frame(), b"AWS_PROFILE=dev\n" + NONCE.encode() + b" env\n", b"", "standard output"),
        (frame(OTHER), b"", b"", "nonce other than"),
        (frame(), b"", OTHER.encode(), "nonce other than"),
        (b"junk\n" + frame(), b"", b"", "before the check's own"),
        (frame() + frame(), b"", b"", "more than one frame"),
    ],
    ids=["frame-on-stdout", "nonce-on-stdout", "wrong-nonce", "wrong-nonce-on-stderr", "junk-first", "two-frames"],
)
def test_forged_frames_are_detected(channel, stdout, stderr, why):
    with pytest.raises(bp.ForgedOutput, match=why):
        bp.read_frame(completed(channel, stdout, stderr), NONCE)


def test_text_never_fails_on_bytes():
    assert bp.text(b"caf\xc3\xa9 \xff") == "caf\u00e9 \ufffd"
