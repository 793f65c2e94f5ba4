"""One home can't stall, exhaust or outlive a run: each user's part is bounded.

Root runs the modules on localhost for real throwaway users. One of them
(mallory) misbehaves the way real homes do: a lock held on ~/.aws or ~ (a
stale NFS lock, a dotfile manager), a config file linked to a file in /proc
that claims to be empty and streams without end. Each test checks that the
run ends within the deadline plus a margin, that the other users' results
are complete and right, that mallory's result says what happened, and that
nothing started for a user is left running.
"""

import json
import os
import resource
import signal
import subprocess
import time

import pytest

from tests.integration.test_as_user_security import DECLARATION, EXPECTED
from tests.integration.test_aws_config_playbooks import ansible_playbook
from tests.testbed.measure import peak_rss_mib
from tests.testbed.users import all_pids, as_user_argv, running_processes, throwaway_users

TIMEOUT = 6
# ansible-playbook itself (start-up, module transfer, the action plugin's
# planning) on a busy 2-core machine.
OVERHEAD = 25
PYTHON = "ansible_python_interpreter=/usr/bin/python3"
# Processes that ran before the current test.
BEFORE = set()


@pytest.fixture(scope="module")
def lab():
    with throwaway_users(4) as entries:
        yield entries


@pytest.fixture
def fresh(lab):
    """Every home emptied of what earlier tests left; mallory is lab[0]."""
    for entry in lab:
        subprocess.run(["rm", "-rf", os.path.join(entry.pw_dir, ".aws"), os.path.join(entry.pw_dir, ".bashrc")])
    BEFORE.clear()
    BEFORE.update(all_pids())
    return lab


def as_user_in_background(entry, *argv):
    """A process of the user's own (not ours), as a lock holder would be."""
    return subprocess.Popen(
        as_user_argv(entry, *argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
    )


def stop(process):
    """End the user's process and what it started (flock's sleep holds the lock too)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def make_dir(entry, *parts):
    path = os.path.join(entry.pw_dir, *parts)
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def hold_lock(entry, directory):
    """flock on directory as the user, as a stuck process would hold it; returns once it is held."""
    holder = as_user_in_background(entry, "flock", directory, "sleep", "600")
    for _ in range(100):
        probe = subprocess.run(["flock", "-n", directory, "true"])
        if probe.returncode != 0:
            return holder
        time.sleep(0.05)
    holder.kill()
    raise AssertionError("the lock on %s was never taken" % directory)


def run_tasks(tmp_path, tasks):
    """(completed process, seconds, result of the registered `out`)."""
    out = tmp_path / "out.json"
    play = tmp_path / "play.yml"
    save = {"ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": str(out)}}
    play.write_text(json.dumps([dict(hosts="localhost", gather_facts=False, tasks=tasks + [save])]))
    started = time.monotonic()
    run = ansible_playbook(play, {})
    took = time.monotonic() - started
    return run, took, json.loads(out.read_text()) if out.exists() else None


def ignoring(task):
    return dict(task, register="out", ignore_errors=True)


def leftovers(entries):
    """The users' processes other than the ones the test started for them (lock holders, sleeps)."""
    return [
        cmdline
        for _pid, cmdline in running_processes(entries, BEFORE)
        if "sleep 600" not in cmdline and "flock" not in cmdline
    ]


def config_of(entry):
    with open(os.path.join(entry.pw_dir, ".aws", "config")) as handle:
        return handle.read()


def test_a_lock_held_on_aws_dir_costs_one_deadline_and_only_its_user(tmp_path, fresh):
    mallory, *others = fresh
    holder = hold_lock(mallory, make_dir(mallory, ".aws"))
    try:
        users = [dict(user=entry.pw_name) for entry in fresh]
        task = {
            "labcloud.aws_sso.aws_config": dict(DECLARATION, users=users, user_timeout=TIMEOUT, user_parallel=2),
        }
        run, took, out = run_tasks(tmp_path, [ignoring(task)])
        assert holder.poll() is None, "the user's own process must not be killed"
    finally:
        stop(holder)
    output = run.stdout + run.stderr
    assert took < TIMEOUT + OVERHEAD, output
    rows = {row["user"]: row for row in out["users"]}
    assert rows[mallory.pw_name]["failed"] and "locked by another process" in rows[mallory.pw_name]["msg"]
    for entry in others:
        assert not rows[entry.pw_name].get("failed"), rows[entry.pw_name]
        assert config_of(entry) == EXPECTED
    assert not os.path.exists(os.path.join(mallory.pw_dir, ".aws", "config"))
    assert leftovers(fresh) == []


def test_a_lock_held_on_the_home_stops_neither_shell_env_nor_static_keys_of_others(tmp_path, fresh):
    mallory, *others = fresh
    holders = [hold_lock(mallory, mallory.pw_dir)]
    holders.append(hold_lock(mallory, make_dir(mallory, ".aws")))
    for entry in fresh:
        path = os.path.join(make_dir(entry, ".aws"), "credentials")
        with open(path, "w") as handle:
            handle.write("[dev]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = s3cr3t/Example\n")
        os.chown(path, entry.pw_uid, entry.pw_gid)
    users = [entry.pw_name for entry in fresh]
    tasks = [
        ignoring(
            {
                "labcloud.aws_sso.shell_env": dict(
                    users=[dict(user=u) for u in users],
                    env=dict(AWS_PROFILE="dev"),
                    shells=["bash"],
                    user_timeout=TIMEOUT,
                )
            }
        ),
        {"ansible.builtin.set_fact": {"shell_out": "{{ out }}"}},
        ignoring(
            {
                "labcloud.aws_sso.static_keys": dict(
                    users=[dict(user=u, profiles=["dev"]) for u in users], user_timeout=TIMEOUT, backup=False
                )
            }
        ),
        {"ansible.builtin.set_fact": {"out": {"shell": "{{ shell_out }}", "keys": "{{ out }}"}}},
    ]
    try:
        run, took, out = run_tasks(tmp_path, tasks)
        assert all(holder.poll() is None for holder in holders)
    finally:
        for holder in holders:
            stop(holder)
    output = run.stdout + run.stderr
    # Two tasks, each costing one deadline at most, never one per user.
    assert took < 2 * TIMEOUT + OVERHEAD, output
    for part in ("shell", "keys"):
        rows = {row["user"]: row for row in out[part]["users"]}
        assert rows[mallory.pw_name]["failed"] and "locked by another process" in rows[mallory.pw_name]["msg"]
        for entry in others:
            assert not rows[entry.pw_name].get("failed"), rows[entry.pw_name]
    for entry in others:
        with open(os.path.join(entry.pw_dir, ".bashrc")) as handle:
            assert "export AWS_PROFILE='dev'" in handle.read()
        with open(os.path.join(entry.pw_dir, ".aws", "credentials")) as handle:
            assert "s3cr3t" not in handle.read()
    assert "s3cr3t" not in output
    assert leftovers(fresh) == []


def test_a_config_linked_to_proc_pagemap_is_refused_with_bounded_memory(tmp_path, fresh):
    """/proc/PID/pagemap says it is empty and streams ~256 GiB: only bytes really read count."""
    mallory, other, *_ = fresh
    sleeper = as_user_in_background(mallory, "sleep", "600")
    try:
        aws_dir = make_dir(mallory, ".aws")
        os.symlink("/proc/%d/pagemap" % sleeper.pid, os.path.join(aws_dir, "config"))
        users = [dict(user=mallory.pw_name), dict(user=other.pw_name)]
        play = tmp_path / "play.yml"
        task = {"labcloud.aws_sso.aws_config": dict(DECLARATION, users=users, user_timeout=60), "register": "out"}
        play.write_text(json.dumps([dict(hosts="localhost", gather_facts=False, tasks=[task])]))
        from tests.integration.test_aws_config_playbooks import BIN, REPO

        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
        argv = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", PYTHON, str(play)]
        started = time.monotonic()
        returncode, peak, output = peak_rss_mib(argv, env)
        took = time.monotonic() - started
    finally:
        stop(sleeper)
    assert returncode != 0
    assert "larger than %d bytes" % (64 << 20) in output, output
    assert config_of(other) == EXPECTED, output
    # 64 MiB is the cap on a config file; the whole run stays far below the 256 GiB on offer.
    assert peak < 400, peak
    assert took < 60 + OVERHEAD
    assert leftovers(fresh) == []
    assert resource.getrlimit(resource.RLIMIT_AS)  # the test process itself was never limited


def test_a_fifo_where_the_config_is_fails_its_user_at_once(tmp_path, fresh):
    mallory, other, *_ = fresh
    fifo = os.path.join(make_dir(mallory, ".aws"), "config")
    os.mkfifo(fifo, 0o600)
    os.chown(fifo, mallory.pw_uid, mallory.pw_gid)
    users = [dict(user=mallory.pw_name), dict(user=other.pw_name)]
    task = {"labcloud.aws_sso.aws_config": dict(DECLARATION, users=users, user_timeout=TIMEOUT)}
    run, took, out = run_tasks(tmp_path, [ignoring(task)])
    rows = {row["user"]: row for row in out["users"]}
    assert rows[mallory.pw_name]["failed"] and "not a regular file" in rows[mallory.pw_name]["msg"]
    assert config_of(other) == EXPECTED
    assert took < TIMEOUT + OVERHEAD


def test_setup_goes_on_for_the_other_users_and_fails_after_the_report(tmp_path, fresh):
    """The role must not stop at the first batched step a user failed: the others get every step."""
    mallory, other, *_ = fresh
    # Both the config's directory and the home (shell files): one deadline per run, not one per step.
    holders = [hold_lock(mallory, make_dir(mallory, ".aws")), hold_lock(mallory, mallory.pw_dir)]
    lab = {
        "aws_sso_sessions": [DECLARATION["sso_sessions"][0]],
        "aws_sso_profiles": [dict(DECLARATION["profiles"][0], region="eu-west-1")],
        "aws_sso_default_profile": "dev",
        "aws_sso_users": [mallory.pw_name, other.pw_name],
        "aws_sso_install_cli": False,
        "aws_sso_user_timeout": TIMEOUT,
        "verify_check": "token",
        "verify_report_dir": str(tmp_path / "report"),
    }
    (tmp_path / "lab.json").write_text(json.dumps(lab))
    from tests.integration.test_aws_config_playbooks import BIN, REPO

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", PYTHON]
    command += ["-e", "@%s" % (tmp_path / "lab.json"), "labcloud.aws_sso.setup"]
    started = time.monotonic()
    try:
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    finally:
        for holder in holders:
            stop(holder)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert time.monotonic() - started < 2 * TIMEOUT + 2 * OVERHEAD, output
    assert "labcloud.aws_sso.setup: 1 user part(s) failed on this host" in output, output
    assert "%s (config): " % mallory.pw_name in output and "locked by another process" in output
    # The other user got every step after the one mallory failed.
    assert config_of(other) == EXPECTED.replace("sso_role_name = Dev\n", "sso_role_name = Dev\nregion = eu-west-1\n")
    with open(os.path.join(other.pw_dir, ".bashrc")) as handle:
        assert "export AWS_PROFILE='dev'" in handle.read()
    # ...and both are rows of the closing report, written before the host failed.
    rows = json.loads((tmp_path / "report" / "report.json").read_text())["rows"]
    assert {row["user"] for row in rows} == {mallory.pw_name, other.pw_name}
    assert leftovers(fresh) == []
