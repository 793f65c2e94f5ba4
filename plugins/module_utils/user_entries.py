# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The `users` option of the modules that act as each user: its spec and the duplicate check."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


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
