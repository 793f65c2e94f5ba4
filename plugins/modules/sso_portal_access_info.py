#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_portal_access_info
short_description: List the accounts and roles the SSO portal gives each user (target side of sso_portal_profiles)
version_added: 0.1.0
description:
  - The half of M(labcloud.aws_sso.sso_portal_profiles) that runs on the managed host, with only Python's standard library.
  - Reads what the SSO B(portal) gives each user with that user's own cached token; it is not the IAM Identity
    Center administration API (no C(sso-admin) or C(identitystore) calls) and needs no administrator rights.
  - The old name C(labcloud.aws_sso.sso_assignments) still works until 2.0.0, with a deprecation warning.
  - For each entry of O(users), acting as that user (never as root), reads the user's C(~/.aws/config) and the
    cached token of the sso-session, then lists every account (C(ListAccounts)) and every role in each account
    (C(ListAccountRoles)) through the SSO portal, all pages, retrying throttled calls (C(TooManyRequestsException))
    with capped exponential backoff.
  - The portal endpoint is resolved as the AWS CLI resolves it for a profile without a C(services) block,
    C(AWS_ENDPOINT_URL_SSO), then C(AWS_ENDPOINT_URL) (both from O(cli_environment)), then
    C(https://portal.sso.REGION.amazonaws.com) for the session's C(sso_region). C(AWS_CA_BUNDLE) and the proxy
    variables of O(cli_environment) apply as they do to the CLI. The task's own environment is not used, as under
    become it is root's, not the users'.
  - Only a token that has not expired is used. A missing, expired or foreign token, or one the portal refuses,
    gives RV(users[].status=login_required) and nothing is listed; this module never signs in nor refreshes.
  - The token never leaves the process acting as the user and never appears in the result.
  - Use M(labcloud.aws_sso.sso_portal_profiles) in playbooks; this module is its transport.
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description: Users of the host and the sso-session of each.
    required: true
    suboptions:
      user:
        description: The user, as known on the managed host. Defaults to the user the task runs as.
        type: str
      session:
        description: The name of the C([sso-session NAME]) block in the user's config.
        type: str
        required: true
      path:
        description: The user's config file, absolute or C(~/...). Defaults to C(~/.aws/config).
        type: str
  page_size:
    description: Items asked for per page (the portal allows 1 to 100).
    type: int
    default: 100
  workers:
    description: C(ListAccountRoles) calls made at the same time for one user.
    type: int
    default: 4
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.cli_environment
  - labcloud.aws_sso.user_bounds
  - labcloud.aws_sso.users
attributes:
  check_mode:
    description: Only reads; runs the same in check mode.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: What alice can reach through her lab sign-in
  labcloud.aws_sso.sso_portal_access_info:
    users:
      - user: alice
        session: lab
  become: true
  register: reach
"""

RETURN = r"""
users:
  description: One result per entry of O(users), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user acted as.
      type: str
    status:
      description: C(ok), C(login_required) or C(error).
      type: str
    message:
      description: What went wrong and what to do, for a status other than C(ok).
      type: str
    token:
      description: State of the cached token (C(state), C(expires_at), C(minutes_left), C(refreshable)), never the token.
      type: dict
    endpoint:
      description: The portal endpoint used.
      type: str
    accounts:
      description: Accounts with C(account_id), C(account_name), C(account_email) and C(roles) (names), by account id.
      type: list
      elements: dict
    calls:
      description: Portal calls made (C(ListAccounts), C(ListAccountRoles)), C(throttled) retries and seconds C(slept).
      type: dict
    config:
      description: The config file as read (C(exists), C(content), C(sha256), C(mode), C(target)).
      type: dict
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account, expand_path
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import BOUNDS_SPEC, bounds_from, each_user
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import read_state
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import cli_environment_problem
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_portal import list_for_session
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import users_option

DEFAULT_PATH = ".aws/config"


def _as_user(acct, path, session, page_size, workers, environment):
    """Runs as the user: the config, the token and the portal calls."""
    config = read_state(path, acct.uid)
    result = list_for_session(acct.home, config["content"], session, environment, page_size, workers)
    result["config"] = config
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=users_option(
                required=True,
                user_required=False,
                session=dict(type="str", required=True),
                path=dict(type="str"),
            ),
            page_size=dict(type="int", default=100),
            workers=dict(type="int", default=4),
            cli_environment=dict(type="dict", default={}),
            **BOUNDS_SPEC,
        ),
        supports_check_mode=True,
    )
    page_size, workers = module.params["page_size"], module.params["workers"]
    if not 1 <= page_size <= 100:
        module.fail_json(msg="page_size must be 1 to 100 (the portal's limit), not %d" % page_size)
    if not 1 <= workers <= 16:
        module.fail_json(msg="workers must be 1 to 16, not %d" % workers)
    environment = module.params["cli_environment"]
    problem = cli_environment_problem(environment)
    if problem:
        module.fail_json(msg=problem)
    try:
        bounds = bounds_from(module.params)
    except AsUserError as exc:
        module.fail_json(msg=str(exc))

    def job(entry):
        acct = account(entry["user"])
        path = expand_path(acct, entry["path"], DEFAULT_PATH)
        return acct, _as_user, (acct, path, entry["session"], page_size, workers, dict(environment))

    results = []
    entries = module.params["users"]
    for entry, (acct, listing, error) in zip(entries, each_user(entries, job, **bounds)):
        outcome = dict(user=entry["user"], session=entry["session"], status="error")
        if acct is not None:
            outcome.update(user=acct.name, home=acct.home, path=expand_path(acct, entry["path"], DEFAULT_PATH))
        if error is not None:
            outcome["message"] = error
        else:
            outcome.update(listing)
        results.append(outcome)
    module.exit_json(changed=False, users=results)


if __name__ == "__main__":
    main()
