# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: sso_login_users
short_description: The users of a host the labcloud.aws_sso.login playbook signs in
version_added: 0.1.0
description:
  - Turns C(aws_sso_users) (names, or mappings with C(user)) into the C(users) option of
    M(labcloud.aws_sso.sso_login), narrowed to O(wanted) when given.
options:
  _input:
    description: C(aws_sso_users).
    type: list
    elements: raw
    required: true
  wanted:
    description:
      - C(login_users), a comma-separated string or a list. Users not in O(_input) are left out, unless O(_input) is empty.
    type: raw
"""

EXAMPLES = r"""
- name: Sign in alice and bob only
  labcloud.aws_sso.sso_login:
    users: "{{ aws_sso_users | labcloud.aws_sso.sso_login_users('alice,bob') }}"
"""

RETURN = r"""
_value:
  description: "A list of C({user: NAME})."
  type: list
  elements: dict
"""

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.login_playbook import as_filter, login_users


class FilterModule:
    def filters(self):
        return {"sso_login_users": as_filter(login_users)}
