#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_login_show
short_description: Show the sign-in tables of playbook labcloud.aws_sso.login as plain lines of text
version_added: 0.1.0
description:
  - Prints rows of P(labcloud.aws_sso.sso_login_rows#filter) as an aligned table, a header and one line per row,
    with the default callback, where C(ansible.builtin.debug) would show a JSON list of quoted strings.
  - O(kind=pending) shows who has to sign in where (host, user, session, code, expiry, the link with the code);
    O(kind=result) shows where every sign-in stands (host, user, session, status, token expiry, next step).
  - Every value from a host is shown on one line with control characters escaped.
  - Runs on the controller only and once per play whatever the play's hosts (an action plugin that bypasses the
    host loop); nothing is sent to any host and nothing changes.
author:
  - labcloud engineers (@labcloud)
options:
  rows:
    description: The rows, from P(labcloud.aws_sso.sso_login_rows#filter).
    type: list
    elements: dict
    required: true
  kind:
    description: Which table.
    type: str
    choices: [pending, result]
    default: pending
  title:
    description: A line shown above the table.
    type: str
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
attributes:
  action:
    description: An action plugin prints the table on the controller.
    support: full
  bypass_host_loop:
    description: Runs once per play, for all hosts, as with C(run_once).
    support: full
  check_mode:
    description: Shows the same in check mode; it never changes anything.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
  platform:
    description: Runs on the controller; the managed hosts' platform does not matter.
    support: full
    platforms: all
seealso:
  - module: labcloud.aws_sso.sso_login
"""

EXAMPLES = r"""
- name: Show who has to sign in where
  labcloud.aws_sso.sso_login_show:
    rows: "{{ started_by_host | labcloud.aws_sso.sso_login_rows | selectattr('status', 'eq', 'pending') }}"
    title: Forward each link to its person
"""

RETURN = r"""
lines:
  description: The lines shown, the header first.
  returned: success
  type: list
  elements: str
  sample:
    - "HOST  USER   SESSION  STATUS     TOKEN EXPIRES (UTC)   NEXT STEP"
    - "ws1   alice  lab      signed_in  2026-05-01T13:00:00Z"
"""

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_login_show_spec
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse


def main():
    validate_then_refuse("sso_login_show", sso_login_show_spec.ARGUMENT_SPEC)


if __name__ == "__main__":
    main()
