"""run_as: the one way this collection touches a user's files.

These tests run as root (as CI does) with real throwaway users, because the
property under test is what the kernel lets the switched process do.
"""

import os
import stat

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import (
    accounts,
    as_user,
    as_user_errors,
    privileges,
    process_tree,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account, expand_path
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import run_as
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from tests.testbed.users import throwaway_users


@pytest.fixture(scope="module")
def users():
    with throwaway_users(2) as entries:
        yield [account(entry.pw_name) for entry in entries]


@pytest.fixture
def root_secret(tmp_path):
    """A root-only file in a root-only directory, as /root or /etc/shadow would be."""
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    secret = vault / "secret"
    secret.write_text("ROOT-ONLY-CONTENT\n")
    secret.chmod(0o600)
    return secret


def identity():
    return dict(
        ids=list(os.getresuid()) + list(os.getresgid()),
        groups=sorted(os.getgroups()),
        umask=os.umask(0o077),
        home=os.environ["HOME"],
        cwd=os.getcwd(),
    )


def test_the_child_has_exactly_the_users_ids_groups_and_umask(users):
    alice = users[0]
    seen = run_as(alice, identity)
    assert seen["ids"] == [alice.uid] * 3 + [alice.gid] * 3
    assert seen["groups"] == sorted(alice.groups)
    assert seen["umask"] == 0o077 and seen["home"] == alice.home and seen["cwd"] == "/"
    # The parent is still root, with its own umask and home.
    assert os.geteuid() == 0


def test_root_cannot_be_regained_in_the_child(users):
    def try_root():
        try:
            os.setuid(0)
        except PermissionError:
            return "refused"
        return "regained"

    assert run_as(users[0], try_root) == "refused"


def test_a_root_only_file_stays_out_of_reach_and_out_of_the_message(users, root_secret):
    with pytest.raises(AsUserError) as info:
        run_as(users[0], lambda: open(str(root_secret)).read())
    message = str(info.value)
    assert "as user %s" % users[0].name in message and "Permission denied" in message
    assert str(root_secret) in message and "ROOT-ONLY" not in message


def test_descriptors_root_opened_are_closed_in_the_child(users, root_secret):
    fd = os.open(str(root_secret), os.O_RDONLY)
    try:

        def steal():
            try:
                return os.read(fd, 100).decode()
            except OSError as exc:
                return exc.errno

        import errno

        assert run_as(users[0], steal) == errno.EBADF
    finally:
        os.close(fd)


def test_a_user_cannot_act_for_another_user(users):
    alice, bob = users
    with pytest.raises(AsUserError) as info:
        run_as(alice, run_as, bob, os.getuid)
    assert "cannot act for user %s" % bob.name in str(info.value) and "become" in str(info.value)


def test_acting_as_oneself_needs_no_switch(users):
    alice = users[0]
    outer, inner = run_as(alice, lambda: (os.getpid(), run_as(alice, os.getpid)))
    assert outer == inner


def test_errors_and_unserialisable_results_are_reported(users):
    def boom():
        raise ValueError("bad thing")

    with pytest.raises(AsUserError) as info:
        run_as(users[0], boom)
    assert str(info.value) == "as user %s: ValueError: bad thing" % users[0].name
    with pytest.raises(AsUserError) as info:
        run_as(users[0], lambda: {1, 2})
    assert "TypeError" in str(info.value)


def test_a_crashed_child_is_reported(users):
    with pytest.raises(AsUserError) as info:
        run_as(users[0], os._exit, 3)
    assert "ended without an answer (status 768)" in str(info.value)


def test_files_made_by_the_child_belong_to_the_user(users):
    alice = users[0]

    def make():
        path = os.path.join(alice.home, "made-by-child")
        with open(path, "w") as handle:
            handle.write("x")
        return path

    made = run_as(alice, make)
    info = os.stat(made)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (alice.uid, alice.gid, 0o600)


def test_account_and_expand_path(users):
    alice = users[0]
    assert alice.home.startswith("/home/") and alice.gid in alice.groups
    assert expand_path(alice, None, ".aws/config") == os.path.join(alice.home, ".aws/config")
    assert expand_path(alice, "~/x/config", "unused") == os.path.join(alice.home, "x/config")
    assert expand_path(alice, "~", "unused") == alice.home + "/"
    assert expand_path(alice, "/etc/aws/config", "unused") == "/etc/aws/config"
    for bad, words in (("~bob/config", "only ~/"), ("relative/config", "is relative")):
        with pytest.raises(AsUserError) as info:
            expand_path(alice, bad, "unused")
        assert words in str(info.value)
    with pytest.raises(AsUserError) as info:
        account("no-such-user-labcloud")
    assert "does not exist on this host" in str(info.value)


def test_look_up_answers_each_name_once_in_order_as_the_modules_act(users):
    alice, bob = users
    found, missing = accounts.look_up([bob.name, "no-such-user-labcloud", alice.name, bob.name])
    # The same Account the modules then act as: groups included, so run_as gets what look_up saw.
    assert list(found) == [bob.name, alice.name] and found[alice.name] == account(alice.name)
    assert missing == ["no-such-user-labcloud"]
    assert accounts.missing_users_message(["zed", "yan"]) == (
        "zed, yan: no such user on this host; create them first, or set aws_sso_missing_users: skip to leave them out"
    )


def test_module_constant_covers_the_descriptor_range():
    # The child closes descriptors up to this bound; it must cover the soft limit used in tests.
    import resource

    assert as_user._MAX_FD >= min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 65536)


# -- bounds: every user's part has a deadline, limits, and leaves nothing behind --------


def _alive(pid):
    try:
        with open("/proc/%d/status" % pid) as handle:
            return "State:\tZ" not in handle.read()
    except OSError:
        return False


def processes_of(uid, before=()):
    """uid's processes that were not there before the test (throwaway uids are reused)."""
    return sorted(set(process_tree.processes_of(uid)) - set(before))


def test_a_hung_part_costs_its_deadline_and_the_others_finish(users):
    alice, bob = users
    import time

    before = process_tree.processes_of(alice.uid)
    started = time.monotonic()
    answers = as_user.run_as_many(
        [(alice, time.sleep, (600,)), (bob, os.getuid, ()), (bob, lambda: "done", ())],
        parallel=2,
        timeout=2,
    )
    took = time.monotonic() - started
    assert answers[0][0] is None and answers[0][1].startswith("timed out") and "within 2 s" in answers[0][1]
    assert answers[1] == (bob.uid, None) and answers[2] == ("done", None)
    # Bounded, not instant: the hang is 600 s; a busy CI machine needs slack.
    assert took < 2 + 10
    assert processes_of(alice.uid, before) == []


def test_run_as_raises_a_timeout_the_caller_can_tell_apart(users):
    import time

    with pytest.raises(as_user_errors.AsUserTimeout) as info:
        run_as(users[0], time.sleep, 30, timeout=1)
    assert "did not end within 1 s" in str(info.value) and "user_timeout" in str(info.value)


def test_processes_that_left_the_session_are_killed_with_the_part(users):
    """`setsid sleep 600 &` in a .bashrc: a new session, a double fork, an orphan."""
    import subprocess

    alice = users[0]

    def escape():
        subprocess.Popen(["/bin/sh", "-c", "setsid sh -c 'sleep 600 & sleep 600' </dev/null >/dev/null 2>&1 &"]).wait()
        subprocess.Popen(["sleep", "600"], start_new_session=True)
        return "left"

    before = process_tree.processes_of(alice.uid)
    assert run_as(alice, escape) == "left"
    assert processes_of(alice.uid, before) == []


def test_a_fork_bomb_is_bounded_and_ended(users):
    import subprocess
    import time

    alice = users[0]

    def bomb():
        subprocess.Popen(["/bin/bash", "-c", "b() { b | b & }; b"], stderr=subprocess.DEVNULL).wait()
        time.sleep(600)

    before = process_tree.processes_of(alice.uid)
    started = time.monotonic()
    answer = as_user.run_as_many([(alice, bomb, ())], timeout=3)[0]
    assert answer[1].startswith("timed out")
    assert time.monotonic() - started < 3 + process_tree.SWEEP_SECONDS + 10
    time.sleep(0.2)
    assert processes_of(alice.uid, before) == []


def test_the_child_has_limits_a_clean_environment_and_no_root_descriptors(users):
    import resource

    alice = users[0]

    def inside():
        def target(fd):
            try:
                return os.readlink("/proc/self/fd/%d" % fd)
            except OSError:
                return None

        with open("/proc/self/status") as handle:
            status = dict(line.split(":", 1) for line in handle)
        return dict(
            limits={
                name: resource.getrlimit(getattr(resource, name))[0]
                for name in ("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_NPROC")
            },
            env=dict(os.environ),
            fds=[target(fd) for fd in (0, 1, 2)],
            sid=os.getsid(0) == os.getpid(),
            dumpable=__import__("ctypes").CDLL(None).prctl(3, 0, 0, 0, 0),
            remaining=as_user.remaining(),
            tracer=status["TracerPid"].strip(),
        )

    seen = run_as(alice, inside, timeout=30)
    limits = seen["limits"]
    assert limits["RLIMIT_AS"] == as_user.DEFAULT_LIMITS.memory_mb << 20
    assert limits["RLIMIT_CORE"] == 0 and limits["RLIMIT_CPU"] == 35
    assert limits["RLIMIT_FSIZE"] == as_user.DEFAULT_LIMITS.file_size_mb << 20
    assert as_user.DEFAULT_LIMITS.processes <= limits["RLIMIT_NPROC"] < as_user.DEFAULT_LIMITS.processes + 50
    assert seen["env"] == privileges.clean_environment(alice)
    assert seen["fds"] == ["/dev/null"] * 3
    assert seen["sid"] and seen["dumpable"] == 0 and seen["tracer"] == "0"
    assert 15 < seen["remaining"] <= 30
    assert as_user.remaining() is None


def test_an_answer_over_the_cap_is_refused_without_holding_it(users, monkeypatch):
    monkeypatch.setattr(as_user, "MAX_ANSWER", 1 << 20)
    with pytest.raises(AsUserError) as info:
        run_as(users[0], lambda: "x" * (4 << 20))
    assert "answered more than 1 MiB" in str(info.value)


def test_bad_bounds_name_the_option():
    for params, word in (({"user_timeout": 0}, "user_timeout"), ({"user_parallel": -1}, "user_parallel")):
        with pytest.raises(AsUserError) as info:
            as_user.bounds_from(params)
        assert word in str(info.value)
    assert as_user.bounds_from({}) == dict(timeout=as_user.DEFAULT_TIMEOUT, parallel=as_user.DEFAULT_PARALLEL)


def test_a_process_orphaned_after_the_part_returned_is_ended_too(users):
    """The shell that started `setsid sleep 600 &` is still exiting when the part returns."""
    import subprocess
    import time

    alice = users[0]

    def leave_a_slow_parent():
        subprocess.Popen(["/bin/sh", "-c", "setsid sleep 600 </dev/null >/dev/null 2>&1 & sleep 0.5"])
        return "returned"

    before = process_tree.processes_of(alice.uid)
    assert run_as(alice, leave_a_slow_parent) == "returned"
    time.sleep(1)
    assert processes_of(alice.uid, before) == []
