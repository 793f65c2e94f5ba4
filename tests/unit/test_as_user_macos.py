"""Running as a user on macOS: the setgroups limit, no setres*id, limits the kernel does not take.

There is no macOS host here. What differs on macOS is simulated at the
operating system's edge (os.sysconf, the missing os.setresuid, a refused
setrlimit, no /proc), and the collection's own code runs unchanged.
"""

import errno
import os
import resource

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import (
    accounts,
    as_user,
    as_user_errors,
    aws_cli,
    privileges,
    process_tree,
)

MANY = tuple(range(100, 120))  # 20 groups, as Directory Services may list for a lab user


def acct(gid=119, groups=MANY):
    return accounts.Account("alice", 501, gid, groups, "/Users/alice", "/bin/zsh")


def test_at_most_ngroups_max_groups_with_the_primary_one_first(monkeypatch):
    monkeypatch.setattr(privileges.os, "sysconf", lambda name: 16 if name == "SC_NGROUPS_MAX" else -1)
    kept, left_out = privileges.groups_to_set(acct())
    # The primary group sorts last among these, and is kept all the same.
    assert kept == [119] + list(range(100, 115))
    assert left_out == [115, 116, 117, 118]
    assert len(kept) == 16


def test_nothing_is_left_out_where_the_kernel_takes_them_all(monkeypatch):
    monkeypatch.setattr(privileges.os, "sysconf", lambda name: 65536)
    assert privileges.groups_to_set(acct()) == ([119] + list(range(100, 119)), [])


def test_without_an_answer_from_sysconf_macos_limit_is_assumed(monkeypatch):
    def refuse(name):
        raise ValueError("unrecognized configuration name")

    monkeypatch.setattr(privileges.os, "sysconf", refuse)
    assert privileges.ngroups_max() == 16


class FakeIds:
    """The kernel's view of one process's ids, for os.set*id without setres*id (macOS)."""

    def __init__(self):
        self.uid = self.euid = self.gid = self.egid = 0
        self.groups = None

    def setgroups(self, groups):
        if len(groups) > 16:
            raise OSError(errno.EINVAL, "Invalid argument")
        self.groups = list(groups)

    def setgid(self, gid):
        if self.euid != 0:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        self.gid = self.egid = gid

    def setuid(self, uid):
        if self.euid != 0 and uid != self.uid:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        self.uid = self.euid = uid


@pytest.fixture
def darwin(monkeypatch):
    ids = FakeIds()
    monkeypatch.setattr(privileges.os, "sysconf", lambda name: 16)
    for name in ("setresuid", "setresgid", "getresuid", "getresgid"):
        monkeypatch.delattr(privileges.os, name, raising=False)
    for name in ("setgroups", "setgid", "setuid"):
        monkeypatch.setattr(privileges.os, name, getattr(ids, name))
    monkeypatch.setattr(privileges.os, "getuid", lambda: ids.uid)
    monkeypatch.setattr(privileges.os, "geteuid", lambda: ids.euid)
    monkeypatch.setattr(privileges.os, "getgid", lambda: ids.gid)
    monkeypatch.setattr(privileges.os, "getegid", lambda: ids.egid)
    return ids


def test_dropping_root_works_with_twenty_groups_and_no_setresuid(darwin):
    privileges.drop_privileges(acct())
    assert (darwin.uid, darwin.euid, darwin.gid, darwin.egid) == (501, 501, 119, 119)
    assert darwin.groups == [119] + list(range(100, 115))


def test_a_switch_that_did_not_take_is_refused(darwin, monkeypatch):
    monkeypatch.setattr(privileges.os, "setuid", lambda uid: None)  # a kernel that ignored us
    with pytest.raises(as_user_errors.AsUserError, match="could not switch to user alice"):
        privileges.drop_privileges(acct())


def test_a_refusal_names_the_groups_left_out(monkeypatch):
    monkeypatch.setattr(privileges.os, "sysconf", lambda name: 16)
    error = PermissionError(errno.EACCES, "Permission denied", "/Users/alice/.zshenv")
    message = as_user.describe_os_error(error, acct())
    assert "4 of the user's groups (gids 115, 116, 117, 118)" in message
    assert "at most 16" in message
    few = as_user.describe_os_error(error, acct(groups=(119, 20)))
    assert "groups" not in few


def test_limits_the_kernel_refuses_or_cannot_count_never_fail_the_part(monkeypatch, tmp_path):
    set_limits = {}

    def setrlimit(which, value):
        # macOS: the address space limit is refused (and not enforced anyway).
        if which == resource.RLIMIT_AS:
            raise ValueError("not allowed to raise maximum limit")
        set_limits[which] = value

    monkeypatch.setattr(privileges.resource, "setrlimit", setrlimit)
    # No process table: the user's process count is unknown.
    monkeypatch.setattr(process_tree, "PROC", str(tmp_path / "no-proc"))
    privileges.set_limits(as_user.DEFAULT_LIMITS, 60, 501)
    assert set_limits[resource.RLIMIT_CORE] == (0, 0)
    assert set_limits[resource.RLIMIT_FSIZE][0] <= 256 << 20
    assert set_limits[resource.RLIMIT_CPU][0] <= 65
    assert resource.RLIMIT_NPROC not in set_limits
    assert resource.RLIMIT_AS not in set_limits


def test_with_a_process_table_the_process_limit_is_still_set(monkeypatch):
    set_limits = {}
    monkeypatch.setattr(privileges.resource, "setrlimit", lambda which, value: set_limits.update({which: value}))
    privileges.set_limits(as_user.DEFAULT_LIMITS, 60, os.getuid())
    assert resource.RLIMIT_NPROC in set_limits and resource.RLIMIT_AS in set_limits


def test_the_cli_of_the_macos_pkg_is_found_at_usr_local_bin():
    # The .pkg installs /usr/local/aws-cli and links /usr/local/bin/aws to it;
    # os.path.isfile follows the link.
    present = {"/usr/local/bin/aws"}
    found = aws_cli.find_cli(exists=present.__contains__, executable=present.__contains__)
    assert found == "/usr/local/bin/aws"
    # Before any other place, where two are installed.
    present.add("/usr/bin/aws")
    assert aws_cli.find_cli(exists=present.__contains__, executable=present.__contains__) == "/usr/local/bin/aws"
