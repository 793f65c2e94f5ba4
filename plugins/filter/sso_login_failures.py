# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: sso_login_failures
short_description: Why a run of playbook labcloud.aws_sso.login fails, in words
version_added: 0.1.0
description:
  - Names every sign-in from P(labcloud.aws_sso.sso_login_rows#filter) whose status is in O(fail_on), as
    C(carol on ws2 (denied)), in one sentence; an empty string when there is none.
options:
  fail_on:
    description: The statuses that fail the run (C(login_fail_on)).
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - labcloud.aws_sso.login_rows
"""

EXAMPLES = r"""
- name: Fail for the sign-ins nobody approved
  ansible.builtin.fail:
    msg: "{{ rows | labcloud.aws_sso.sso_login_failures(['denied', 'expired']) }}"
  when: rows | labcloud.aws_sso.sso_login_failures(['denied', 'expired']) | length > 0
"""

RETURN = r"""
_value:
  description: The sentence, or an empty string.
  type: str
"""

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.login_playbook import as_filter, login_failures


class FilterModule:
    def filters(self):
        return {"sso_login_failures": as_filter(login_failures)}
