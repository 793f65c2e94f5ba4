# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Who a user is on the managed host, and where their files are.

Users are looked up by name through NSS, never guessed; the operator reads
the same sentence for a missing user whichever module met it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os
import pwd

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError

Account = collections.namedtuple("Account", "name uid gid groups home shell")


def account(user=None):
    """Look the user up in the host's user database (never guess a home)."""
    try:
        entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
    except KeyError:
        if user:
            raise AsUserError(no_such_user_message(user)) from None
        raise AsUserError("the uid %d this task runs as has no entry in the user database" % os.geteuid()) from None
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
        except AsUserError:
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
        raise AsUserError(
            "path %r: only ~/ (the home of the user the file belongs to) is expanded; "
            "write ~/... or an absolute path" % path
        )
    if not os.path.isabs(path):
        raise AsUserError("path %r is relative; write ~/... (the user's home) or an absolute path" % path)
    return path
