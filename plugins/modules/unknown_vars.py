#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: unknown_vars
short_description: Refuse misspelt variables of labcloud.aws_sso before anything changes
version_added: 0.1.0
description:
  - >-
    Ansible ignores a variable nothing reads, so C(aws_sso_default_profle=dev) in group_vars would silently leave
    every user without C(AWS_PROFILE). This task compares the host's variables whose names start with
    C(aws_sso_), C(awscli_), C(verify_) or C(login_) (and O(namespaces)) with those labcloud.aws_sso knows, and
    fails naming every unknown one with the closest known name, for example
    C(aws_sso_default_profle: did you mean aws_sso_default_profile?), all of the host's in one message.
  - The known names are read from the installed collection when the task runs, never from a copy, so an option
    added to a role is known at once. They are every option of every entry point of the roles'
    C(meta/argument_specs.yml), the roles' defaults and vars, the variables each playbook lists in its header,
    and the variables the roles and playbooks set themselves (play and task vars, C(set_fact), C(register)).
    Names starting with C(__) are internal and never checked.
  - Every variable of the host is checked, wherever it was set (inventory, group_vars, host_vars, play or role
    vars, C(-e)); upper case counts (C(AWSCLI_VERSION) is refused too).
  - The first task of the roles C(labcloud.aws_sso.awscli) and C(labcloud.aws_sso.sso) (both entry points) and of
    the playbooks C(login), C(logout), C(aws_config) and C(discover); playbooks C(setup) and C(verify) get it through the
    roles.
  - Runs on the controller only (an action plugin); the host is never contacted, in check mode too.
author:
  - labcloud engineers (@labcloud)
options:
  mode:
    description:
      - V(fail) fails the host; V(warn) shows the same message as a warning and goes on; V(ignore) checks nothing.
      - The roles and playbooks pass C(aws_sso_unknown_variables) here, V(fail) when it is not set.
    type: str
    choices: [fail, warn, ignore]
    default: fail
  namespaces:
    description:
      - Further prefixes to check, for a playbook with variables of its own, such as C(aws_config_).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
attributes:
  action:
    description: An action plugin does the work on the controller.
    support: full
  check_mode:
    description: Checks the same in check mode; it never changes anything.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
  platform:
    description: Runs on the controller; the managed host's platform does not matter.
    support: full
    platforms: all
notes:
  - A variable of these namespaces that belongs to something else (another role's C(verify_ssl), say) fails the
    run too; set C(aws_sso_unknown_variables=warn) for the hosts that have one, or rename it.
  - Names with a mistyped prefix (C(awsli_version)) are outside the namespaces and cannot be caught.
"""

EXAMPLES = r"""
- name: Refuse misspelt variables before anything changes
  labcloud.aws_sso.unknown_vars:
    mode: "{{ aws_sso_unknown_variables | default('fail') }}"
  tags: [always]

- name: Also check the variables of a playbook of one's own
  labcloud.aws_sso.unknown_vars:
    namespaces: [aws_config_]
"""

RETURN = r"""
unknown:
  description: The unknown variables of the host, sorted, each with the closest known name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The variable as it is set.
      type: str
      sample: aws_sso_default_profle
    suggestion:
      description: The closest known name, or null when none is close.
      type: str
      sample: aws_sso_default_profile
msg:
  description: The whole report in one line (also the warning in O(mode=warn)).
  returned: when a variable is unknown
  type: str
  sample: >-
    ws1: 1 variable unknown to labcloud.aws_sso would be ignored silently:
    aws_sso_default_profle: did you mean aws_sso_default_profile? -- stopped before changing anything;
    correct the names where they are set (group_vars, host_vars, -e), or set aws_sso_unknown_variables: warn
    for variables that belong to something else
"""

from ansible_collections.labcloud.aws_sso.plugins.module_utils import unknown_vars_spec
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse


def main():
    validate_then_refuse("unknown_vars", unknown_vars_spec.ARGUMENT_SPEC)


if __name__ == "__main__":
    main()
