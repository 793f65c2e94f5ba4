"""Real throwaway users on this machine, for tests that run as root.

The security tests need what a lab has: root running the play, and users
with homes of their own who may have arranged anything in them.
"""

import os
import pwd
import secrets
import subprocess
from contextlib import contextmanager

PREFIX = "lcsso"


def _run(*argv):
    subprocess.run(argv, check=True, capture_output=True, text=True)


@contextmanager
def throwaway_users(count, home_root="/home"):
    """Create `count` users with fresh 0700 homes; yield their pwd entries; delete them."""
    if os.geteuid() != 0:
        raise RuntimeError("these tests act as a lab's root: run them as root (CI and `make test` do)")
    tag = secrets.token_hex(3)
    names = ["%s%s%d" % (PREFIX, tag, index) for index in range(count)]
    made = []
    try:
        for name in names:
            home = os.path.join(home_root, name)
            _run("useradd", "--create-home", "--home-dir", home, "--shell", "/bin/bash", "--user-group", name)
            made.append(name)
            os.chmod(home, 0o700)
        yield [pwd.getpwnam(name) for name in names]
    finally:
        for name in made:
            subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)


def running_processes(entries, before=()):
    """[(pid, command line)] of the users' processes that are running, but the pids in before.

    A zombie, or a process whose memory is already gone (empty command line),
    is exiting, not running. Throwaway uids are reused across test files, so
    a test passes what ran before it as before. Containers of other tests
    (the demo's, in rootful podman) run users with the same uids: only
    processes in this pid namespace are the host users'."""
    uids = {str(entry.pw_uid) for entry in entries}
    own_namespace = os.readlink("/proc/self/ns/pid")
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in before:
            continue
        try:
            if os.readlink("/proc/%s/ns/pid" % name) != own_namespace:
                continue
            with open("/proc/%s/status" % name) as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
            with open("/proc/%s/cmdline" % name, "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError):
            continue
        exiting = fields["State"].strip().startswith(("Z", "X")) or not cmdline
        if fields["Uid"].split()[0] in uids and not exiting:
            found.append((int(name), cmdline))
    return found


def all_pids():
    return {int(name) for name in os.listdir("/proc") if name.isdigit()}


def as_user_argv(entry, *argv):
    """argv run as the user, with the user's groups and a clean environment."""
    return [
        "setpriv",
        "--reuid=%d" % entry.pw_uid,
        "--regid=%d" % entry.pw_gid,
        "--init-groups",
        "--reset-env",
        "--",
        *argv,
    ]


def as_user(entry, *argv, **kwargs):
    """Run a command as the user, with the user's groups and a clean environment."""
    return subprocess.run(as_user_argv(entry, *argv), capture_output=True, text=True, **kwargs)
