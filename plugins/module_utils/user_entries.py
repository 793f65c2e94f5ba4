# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The `users` option of the modules that act as each user: its spec, the duplicate check, and the key naming the user."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# An entry's login name is under `user`, the word of every module's users
# option; `name`, the sso role's older spelling in aws_sso_users, is read the
# same until 2.0.0.
USER_KEY = "user"
OLD_USER_KEY = "name"


def entry_user(entry):
    """The login name an entry gives: the entry itself, or its user (or old name) key."""
    if isinstance(entry, dict):
        return entry.get(USER_KEY, entry.get(OLD_USER_KEY))
    return entry


def users_option(required=False, user_required=True, **suboptions):
    """Argument spec of a `users` list whose entries name a `user` and take suboptions."""
    options = dict(user=dict(type="str", required=True) if user_required else dict(type="str"))
    options.update(suboptions)
    spec = dict(type="list", elements="dict", options=options)
    if required:
        spec["required"] = True
    return spec


def repeated_users(keys):
    """{index: index of the first entry with the same key} for every repeat; a None key is never one."""
    first, repeats = {}, {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in first:
            repeats[index] = first[key]
        else:
            first[key] = index
    return repeats


def already_listed_message(index, name, first, hint=""):
    """The refusal of users[index], which names the same user as users[first]."""
    return "users[%d]: user %r is already listed at users[%d]; list each user once%s" % (index, name, first, hint)
