# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: sso_login_rows
short_description: One row per host, user and sso-session from sso_login results of many hosts
version_added: 0.1.0
description:
  - Flattens the results of M(labcloud.aws_sso.sso_login) (O(_input) from C(state=started), O(completed) from
    C(state=complete)) into rows for a table or a JSON file. A session that was waited for shows the wait's outcome.
  - Rows hold host, user, session, status, user_code, verification_uri_complete, code_expires_at, token_expires_at and
    msg; never a secret (the module returns none).
options:
  _input:
    description: A mapping of host name to its C(state=started) result.
    type: dict
    required: true
  completed:
    description: A mapping of host name to its C(state=complete) result.
    type: dict
"""

EXAMPLES = r"""
- name: Rows of every pending sign-in
  ansible.builtin.set_fact:
    rows: "{{ started_by_host | labcloud.aws_sso.sso_login_rows | selectattr('status', 'eq', 'pending') }}"
"""

RETURN = r"""
_value:
  description: The rows, sorted by host, in user order within a host.
  type: list
  elements: dict
"""

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.login_playbook import login_rows


def sso_login_rows(started, completed=None):
    return login_rows(started, completed)


class FilterModule:
    def filters(self):
        return {"sso_login_rows": sso_login_rows}
