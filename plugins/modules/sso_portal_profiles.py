#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_portal_profiles
short_description: Generate a profile for every account and role users can reach through IAM Identity Center
version_added: 0.1.0
description:
  - For each user of a host and an sso-session already in the user's C(~/.aws/config), lists the accounts
    and roles the user's SSO sign-in reaches (C(ListAccounts), C(ListAccountRoles), every page, throttling
    retried with backoff) and writes one C([profile NAME]) block per account and role, on that session.
  - The portal is called on the host, as the user, with the user's cached token (see
    M(labcloud.aws_sso.sso_portal_access_info)); names and the edit are worked out on the controller and written
    as M(labcloud.aws_sso.aws_config) writes (comments and other blocks kept byte for byte, atomic
    compare-and-swap, as the user). A host costs two module calls for any number of users.
  - Each generated profile carries C(labcloud_generated = SESSION). botocore and the AWS CLI ignore the key; it
    tells this module which profiles it owns. A profile without it (or with another session's) is never changed,
    renamed or removed; a generated name that collides with one is refused, naming both.
  - Keys a user adds to a generated profile are kept on every run, and carried over when the profile is renamed,
    every key the task does not set, C(region), C(output) and C(services) included. A key that cannot be carried
    (C(sso_start_url) or C(sso_region), which the sso-session block holds; an invalid region, output or key name)
    is left behind with a warning naming it (RV(users[].warnings)).
  - When an account or role name changes, the profile of that same account and role is renamed (the old block
    removed, the new one added with the user's keys). With O(prune=true), generated profiles of this session
    whose account and role are no longer generated (the assignment was removed, or the filters now leave it out)
    are removed; without it they are reported as RV(users[].stale).
  - Names come from O(name_template), with O(trim) and O(case) rules per field and O(names) for particular
    pairs. Every name is made safe for the file (ASCII letters, digits, C(.), C(_), C(-)); accented Latin letters
    lose their accents (C(é) becomes C(e), C(ß) C(ss)), any other character becomes C(-), runs of C(-) become one
    and C(-) or C(.) at the ends are dropped. Two pairs that would get one name fail the user, naming both pairs;
    nothing is written for that user.
  - Without a usable token (missing, expired, for another start URL, or refused by the portal) the user gets
    RV(users[].status=login_required) and nothing is written; the task fails for it only with
    O(fail_on_login_required=true). A token that expired but can be refreshed is not refreshed here; sign in or
    refresh first (M(labcloud.aws_sso.sso_login), or any C(aws) command with a profile of the session).
  - This is an action plugin; it needs C(configupdater) on the controller, like M(labcloud.aws_sso.aws_config).
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description:
      - The users of the host. Unset options of an entry fall back to the task's.
      - Mutually exclusive with O(user).
    suboptions:
      user:
        description: Whose profiles these are.
        type: str
        required: true
      session:
        description: The user's sso-session, if not O(session).
        type: str
      path:
        description: The user's config file, if not C(~/.aws/config).
        type: str
  user:
    description: The one user whose profiles to generate, when O(users) is not given. Default is the user the task runs as.
    type: str
  path:
    description: The config file, absolute or C(~/...) (the user's home on the host). Default C(~/.aws/config).
    type: str
  session:
    description:
      - The name of the C([sso-session NAME]) block whose sign-in lists the accounts, and which every generated
        profile uses. It must already be in the file (declare it with M(labcloud.aws_sso.aws_config)).
    type: str
    required: true
  prune:
    description: Remove generated profiles of this session that are no longer generated.
    type: bool
    default: false
  fail_on_login_required:
    description: Fail the task for users who have to sign in first, instead of reporting them.
    type: bool
    default: false
extends_documentation_fragment:
  - labcloud.aws_sso.backup
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.cli_environment
  - labcloud.aws_sso.portal_naming
  - labcloud.aws_sso.user_bounds
  - labcloud.aws_sso.users
attributes:
  action:
    description: An action plugin names the profiles and edits the file on the controller.
    support: full
  check_mode:
    description: Lists the portal and reports what would be added, updated, renamed and pruned; writes nothing.
    support: full
  diff_mode:
    description: Returns the file before and after.
    support: full
notes:
  - The portal endpoint is resolved from the task's environment and the session's region, as the AWS CLI does for
    a profile without a C(services) block; see M(labcloud.aws_sso.sso_portal_access_info).
  - For a lab-wide list to review and commit instead, run C(ansible-playbook labcloud.aws_sso.discover).
seealso:
  - module: labcloud.aws_sso.aws_config
  - module: labcloud.aws_sso.sso_portal_access_info
"""

EXAMPLES = r"""
- name: A profile for every account and role of the lab's sign-in, stale ones removed
  labcloud.aws_sso.sso_portal_profiles:
    users:
      - user: alice
      - user: bob
    session: lab
    region: eu-west-1
    per_account:
      "022222222222": {region: us-east-1}
    exclude_roles: ["*Billing*"]
    names:
      production/AdministratorAccess: prod-admin
    prune: true
  become: true

- name: aws-sso-util style names, lower case
  labcloud.aws_sso.sso_portal_profiles:
    user: alice
    session: lab
    name_template: "{account_name}.{role_name}"
    case: {name: lower}
  become: true
"""

RETURN = r"""
users:
  description: One result per user.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user.
      type: str
    status:
      description: C(ok), C(login_required) or C(error).
      type: str
    message:
      description: What went wrong and what to do, for a status other than C(ok).
      type: str
    changed:
      description: Whether the user's file was (or, in check mode, would be) changed.
      type: bool
    profiles:
      description: The generated profiles (C(name), C(account_id), C(account_name), C(role_name)), by name.
      type: list
      elements: dict
    added:
      description: Profiles added (not counting renames).
      type: list
      elements: str
    updated:
      description: Generated profiles whose managed keys changed.
      type: list
      elements: str
    renamed:
      description: Profiles renamed, each C({from, to}).
      type: list
      elements: dict
    pruned:
      description: Generated profiles removed, each with C(name), C(account_id), C(role_name), C(reason).
      type: list
      elements: dict
    stale:
      description: Generated profiles that O(prune=true) would remove.
      type: list
      elements: dict
    calls:
      description: Portal calls made for the user, throttled retries and seconds waited.
      type: dict
    token:
      description: State of the user's cached token (never the token).
      type: dict
    warnings:
      description: Options that matched nothing, keys not carried over.
      type: list
      elements: str
counts:
  description: Users per status.
  returned: always
  type: dict
"""

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_portal_profiles_spec
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse


def main():
    validate_then_refuse(
        "sso_portal_profiles", sso_portal_profiles_spec.ARGUMENT_SPEC, sso_portal_profiles_spec.MUTUALLY_EXCLUSIVE
    )


if __name__ == "__main__":
    main()
