#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: user_lookup
short_description: Look a lab's users up in the host's user database, as the other modules will
version_added: 0.1.0
description:
  - Tells which of the given users the host has, with each one's uid, gid, home and login shell, and which it does
    not. The C(labcloud.aws_sso.sso) role plans with the answer (filter P(labcloud.aws_sso.sso_plan#filter), option
    C(passwd)), so that a user missing on the host is refused, or skipped with C(aws_sso_missing_users=skip),
    before anything is written.
  - Each name is looked up with Python's C(pwd) and the user's group list (C(os.getgrouplist)), which ask the host's
    name service switch exactly as the modules that then act as the user do, so local files, LDAP, SSSD and macOS
    Directory Services answer alike. Nothing is listed (SSSD and LDAP often refuse to enumerate) and no C(getent)
    program is needed (macOS has none).
  - The playbooks C(setup) and C(login) send it as their first call to a host, which also tells whether the host
    can be reached; the role and the closing check then use its answer and do not ask again.
  - The lookups run in a child process with a deadline (O(timeout)), so a name service that never answers (a hung
    SSSD or LDAP server) fails this host's task with a message saying so, instead of stalling the run.
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description:
      - The users to look up, as C(aws_sso_users) declares them, so the role variable can be given as it is.
        An entry is a user name, or a mapping with C(user) (or C(name), its deprecated old key); other keys are ignored.
      - An entry that names no user is not looked up. This module only answers who exists; the planning filter
        P(labcloud.aws_sso.sso_plan#filter), which runs after it, refuses such an entry naming the field to fix.
    type: list
    elements: raw
    required: true
  timeout:
    description:
      - Seconds the host's user database may take to answer for all the users. At the deadline the lookup and
        everything it started are ended and the task fails.
    type: int
    default: 60
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
attributes:
  check_mode:
    description: Only reads the user database, so it runs in check mode as well.
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
seealso:
  - module: labcloud.aws_sso.sso_identity_info
"""

EXAMPLES = r"""
- name: Look the lab's users up
  labcloud.aws_sso.user_lookup:
    users: "{{ aws_sso_users }}"
  register: lookup

- name: Plan with the answer
  ansible.builtin.set_fact:
    plan: >-
      {{ aws_sso_users | labcloud.aws_sso.sso_plan(defaults={}, sessions=aws_sso_sessions,
         profiles=aws_sso_profiles, passwd=lookup.users) }}
"""

RETURN = r"""
users:
  description: The users the host has, by name.
  returned: always
  type: dict
  sample: {"alice": {"uid": 1001, "gid": 1001, "home": "/home/alice", "shell": "/bin/bash"}}
missing:
  description: The names the host's user database does not know, in the order given.
  returned: always
  type: list
  elements: str
  sample: [zed]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account, look_up
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import run_as
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError, AsUserTimeout
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import entry_user


def _names(entries):
    for entry in entries:
        name = entry_user(entry)
        if isinstance(name, str) and name:
            yield name


def _answer(names):
    """What the child sends back: JSON, so the Account tuples become mappings."""
    found, missing = look_up(names)
    users = {name: dict(uid=acct.uid, gid=acct.gid, home=acct.home, shell=acct.shell) for name, acct in found.items()}
    return dict(users=users, missing=missing)


def bounded_look_up(names, timeout):
    """look_up in a child of the task's own user with a deadline: NSS calls cannot be interrupted in process."""
    try:
        return run_as(account(), _answer, list(names), timeout=timeout)
    except AsUserTimeout:
        raise AsUserError(
            "the host's user database did not answer within %d s (a hung SSSD, LDAP or NIS server?); "
            "nothing was done on this host; fix its name service or raise timeout" % timeout
        ) from None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=dict(type="list", elements="raw", required=True),
            timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    if module.params["timeout"] < 1:
        module.fail_json(
            msg="timeout must be at least 1 (seconds for the whole lookup); got %d" % module.params["timeout"]
        )
    try:
        answer = bounded_look_up(_names(module.params["users"]), module.params["timeout"])
    except AsUserError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **answer)


if __name__ == "__main__":
    main()
