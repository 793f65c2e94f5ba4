# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: sso_login_table
short_description: Aligned text lines of sso_login rows, for the screen
version_added: 0.1.0
description:
  - Renders rows from P(labcloud.aws_sso.sso_login_rows#filter) as a header and one line per row.
options:
  kind:
    description: C(pending) (host, user, session, code, expiry, URL) or C(result) (host, user, session, status, token expiry, note).
    type: str
    default: pending
    choices: [pending, result]
extends_documentation_fragment:
  - labcloud.aws_sso.login_rows
"""

EXAMPLES = r"""
- name: Show the codes
  ansible.builtin.debug:
    msg: "{{ rows | labcloud.aws_sso.sso_login_table }}"
"""

RETURN = r"""
_value:
  description: The lines.
  type: list
  elements: str
"""

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.login_playbook import as_filter, login_table


class FilterModule:
    def filters(self):
        return {"sso_login_table": as_filter(login_table)}
