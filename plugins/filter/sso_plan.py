# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: sso_plan
short_description: Work out, for one host, what each of the sso role's modules does for each user
version_added: 0.1.0
description:
  - Merges the lab's declaration (sessions, profiles, services, per-user choices and role-level
    defaults) into the C(users) lists of M(labcloud.aws_sso.aws_config), M(labcloud.aws_sso.shell_env),
    M(labcloud.aws_sso.static_keys) and M(labcloud.aws_sso.sso_logout), so that a host costs one call per
    module whatever its number of users.
  - Checks every user entry first and fails with all problems at once, each naming the field and the fix.
  - Used by the C(labcloud.aws_sso.sso) role; see its documentation for the meaning of each field.
options:
  _input:
    description:
      - C(aws_sso_users), a list of user names or mappings with C(user) and per-user fields.
      - C(name) instead of C(user) works until 2.0.0, with a deprecation warning; both in one entry are refused.
    type: list
    elements: raw
    required: true
  defaults:
    description: Role-level value of each per-user field (C(profiles), C(default_profile), C(region), C(env)...).
    type: dict
    required: true
  sessions:
    description: C(aws_sso_sessions).
    type: list
    elements: dict
    required: true
  profiles:
    description: C(aws_sso_profiles).
    type: list
    elements: dict
    required: true
  services:
    description: C(aws_sso_services).
    type: list
    elements: dict
  passwd:
    description:
      - The host's users by name, as RV(labcloud.aws_sso.user_lookup#module:users) returns them (the C(getent_passwd)
        fact of M(ansible.builtin.getent) works too); users not in it are missing.
      - Without it every user is taken to exist, for a caller whose module looks the users up itself
        (O(labcloud.aws_sso.sso_identity_info#module:missing_users)).
    type: dict
  missing_users:
    description: V(fail) on users missing from O(passwd), or V(skip) them.
    type: str
    default: fail
  scope:
    description:
      - V(user) gives each user their own variables; V(system) computes one set for the whole host from
        O(defaults) and refuses per-user variables.
    type: str
    default: user
  on_problems:
    description:
      - V(fail) raises an error listing every problem. V(return) returns them in RV(_value.problems) instead,
        for a following M(ansible.builtin.fail) task to show as the task's own message (the C(sso) role does
        this, so the message starts with the user or the variable to fix).
    type: str
    choices: [fail, return]
    default: fail
"""

EXAMPLES = r"""
- name: Look the users up on the host
  labcloud.aws_sso.user_lookup:
    users: "{{ aws_sso_users }}"
  register: __lookup

- name: Plan the host's users
  ansible.builtin.set_fact:
    __plan: >-
      {{ aws_sso_users | labcloud.aws_sso.sso_plan(defaults=__defaults, sessions=aws_sso_sessions,
         profiles=aws_sso_profiles, passwd=__lookup.users) }}
"""

RETURN = r"""
_value:
  description: What each module gets.
  type: dict
  contains:
    config:
      description: The O(labcloud.aws_sso.aws_config#module:users) list.
      type: list
    env:
      description: The users list of M(labcloud.aws_sso.shell_env).
      type: list
    system_env:
      description: With O(scope=system), the variables for the whole host (C(absent) for none).
      type: raw
    keys:
      description: The users list of M(labcloud.aws_sso.static_keys) (users with C(remove_static_credentials)).
      type: list
    identity:
      description:
        - The O(labcloud.aws_sso.sso_identity_info#module:users) list, for the users still given profiles, with the
          profile and region their shells select.
      type: list
    logout:
      description:
        - The O(labcloud.aws_sso.sso_logout#module:users) list, for the users with C(state=absent), whose sign-ins
          are ended and their token and credential caches removed.
      type: list
    present:
      description: Users handled on this host.
      type: list
    missing:
      description: Users not on this host (skipped with O(missing_users=skip)).
      type: list
    problems:
      description:
        - With O(on_problems=return), every problem found, each naming the user or role variable first and
          then the fix; empty when there is none. The other lists are then empty.
        - A mistake in C(aws_sso_sessions), C(aws_sso_profiles) or C(aws_sso_services) is said once, not once
          per user.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.sso_plan import PlanError, plan

EMPTY = ("config", "env", "keys", "identity", "logout", "present", "missing")


def sso_plan(
    users,
    defaults,
    sessions,
    profiles,
    services=None,
    passwd=None,
    missing_users="fail",
    scope="user",
    on_problems="fail",
):
    if on_problems not in ("fail", "return"):
        raise AnsibleFilterError("sso_plan: on_problems must be fail or return, not %r" % (on_problems,))
    try:
        return dict(plan(users, defaults, sessions, profiles, services, passwd, missing_users, scope), problems=[])
    except PlanError as exc:
        if on_problems == "return":
            return dict({key: [] for key in EMPTY}, system_env=None, problems=exc.problems)
        raise AnsibleFilterError("labcloud.aws_sso.sso: nothing written: " + "; ".join(exc.problems)) from None


class FilterModule:
    def filters(self):
        return {"sso_plan": sso_plan}
