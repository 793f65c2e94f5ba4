#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_logout
short_description: Sign users out of IAM Identity Center on a host and remove their cached sign-ins and credentials
version_added: 0.1.0
description:
  - For each user of O(users), as that user on the host, ends every sign-in the AWS CLI v2 and boto3 could still use,
    for many users of a host in one call. Used by the C(labcloud.aws_sso.sso) role for users with C(state=absent), and
    by the C(labcloud.aws_sso.logout) playbook.
  - For every token in the user's C(~/.aws/sso/cache) (sso-sessions and legacy profiles alike), calls the portal's
    Logout as C(aws sso logout) does (C(POST /logout), the access token in the C(x-amz-sso_bearer_token) header), so
    that Identity Center ends the sign-in and its refresh token stops working. A token the portal no longer takes
    (expired) that can still be refreshed is refreshed once and the new one signed out, so the sign-in does not
    outlive the files.
  - The portal endpoint is the one the CLI's logout would call, C(portal.sso.REGION.amazonaws.com) (REGION from the
    token file) unless C(AWS_ENDPOINT_URL_SSO) or C(AWS_ENDPOINT_URL) in O(cli_environment), or the C(services) block
    of the profile the CLI would run with (C([default]), or C(AWS_PROFILE)), says otherwise.
  - Then, whatever the portal answered, removes every C(*.json) file of C(~/.aws/sso/cache) (tokens, client
    registrations, sign-ins M(labcloud.aws_sso.sso_login) left pending) and of C(~/.aws/cli/cache) (the role
    credentials the CLI cached, which work until they expire whatever happens to the sign-in). Only regular files and
    symbolic links (the link itself) that belong to the user are removed; nothing is read through a link, and
    anything else is kept and listed in RV(users[].kept).
  - A Logout that fails (the portal unreachable, a server error) does not stop the removal; it is reported in
    RV(users[].sessions[].msg) and as a warning, because the sign-in may then live on at the service until it expires.
  - Every read, call and removal is made by a process running as the user. Tokens, client ids and secrets never leave
    it; results carry session names, start URLs, file paths, states and reasons only.
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description: The users to sign out.
    required: true
  missing_users:
    description:
      - C(fail) fails a user who does not exist on the host; C(skip) reports them as skipped (nothing of theirs can be
        left on a host they do not have), for fleet-wide sign-outs.
    type: str
    choices: [fail, skip]
    default: fail
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.cli_environment
  - labcloud.aws_sso.user_bounds
  - labcloud.aws_sso.users
attributes:
  check_mode:
    description:
      - Lists the sign-ins that would be ended and the files that would be removed; calls no service and removes
        nothing.
    support: full
  diff_mode:
    description: Not supported; RV(users[].removed) names every file removed.
    support: none
notes:
  - Acting for another user needs root (C(become)); a task that runs as the user signs out only that user.
  - Signing out on a host does not remove the person from Identity Center, nor their sign-ins elsewhere (a laptop).
    Disable or delete the user, or remove their assignments, in Identity Center itself.
  - Role credentials already handed out stay valid until they expire (usually one hour) wherever a copy of them is.
seealso:
  - module: labcloud.aws_sso.sso_login
    description: Signs users in on hosts.
  - name: The labcloud.aws_sso.logout playbook
    description: Signs named users out on every host of a fleet.
    link: https://github.com/labcloud/aws_sso/blob/main/playbooks/logout.yml
"""

EXAMPLES = r"""
- name: Sign out the people who left, on this host
  labcloud.aws_sso.sso_logout:
    users:
      - user: carol
      - user: frank
  become: true
  register: signed_out

- name: What would go, without calling the portal
  labcloud.aws_sso.sso_logout:
    users:
      - user: carol
  become: true
  check_mode: true

- name: A fleet behind VPC endpoints, users that only some hosts have
  labcloud.aws_sso.sso_logout:
    users:
      - user: carol
    cli_environment:
      AWS_ENDPOINT_URL_SSO: https://portal.vpce.example
      AWS_ENDPOINT_URL_SSO_OIDC: https://oidc.vpce.example
    missing_users: skip
  become: true
"""

RETURN = r"""
users:
  description: One result per entry of O(users), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user.
      type: str
      sample: carol
    changed:
      description: Whether a sign-in was ended or a file removed (would be, in check mode).
      type: bool
    sessions:
      description:
        - One entry per token found in the user's C(~/.aws/sso/cache), then one per sso-session or legacy start URL of
          the user's config that had no token.
      type: list
      elements: dict
      contains:
        session:
          description: The sso-session, when the config declares one for this token; null for legacy profiles.
          type: str
          sample: lab
        start_url:
          description: The start URL of the sign-in.
          type: str
          sample: https://d-1234567890.awsapps.com/start
        region:
          description: The Identity Center region the Logout went to.
          type: str
          sample: eu-west-1
        file:
          description: The token file's name in C(~/.aws/sso/cache).
          type: str
          sample: 4e9ce3e1a2a36bbc3a3fd0a7a84bdbc1e3c5a4c6.json
        status:
          description:
            - C(signed_out) the portal ended the sign-in; C(already_ended) the portal no longer took the token and it
              could not be refreshed (expired or revoked before); C(failed) the portal could not be asked (see
              RV(users[].sessions[].msg)), the files were removed all the same; C(would_sign_out) in check mode;
              C(not_signed_in) declared in the config, but no token was cached.
          type: str
          sample: signed_out
        msg:
          description: Why a Logout failed, or what else was done (a refresh to end an expired token's sign-in).
          type: str
    removed:
      description: The files removed (that would be, in check mode). Paths only, never content.
      type: dict
      contains:
        count:
          description: How many.
          type: int
          sample: 3
        files:
          description: Their paths.
          type: list
          elements: str
          sample: [/home/carol/.aws/sso/cache/4e9ce3e1a2a36bbc3a3fd0a7a84bdbc1e3c5a4c6.json]
    kept:
      description:
        - Cache entries left in place (not the user's, not a regular file, or that could not be removed), with the
          reason.
      type: list
      elements: dict
      sample: [{path: /home/carol/.aws/cli/cache/x.json, reason: "belongs to uid 0, not to this user; ..."}]
    config_problem:
      description:
        - Why the user's C(~/.aws/config) was not used to find endpoints and sessions (the caches were cleared all
          the same).
      type: str
    skipped:
      description: Whether the user does not exist on the host (with O(missing_users=skip)).
      type: bool
      returned: when the user was skipped
    failed:
      description: Whether the whole user failed (no such user, the user's part failed); RV(users[].msg) says why.
      type: bool
      returned: when the user failed
    msg:
      description: Why the user failed or was skipped.
      type: str
      returned: when the user failed or was skipped
counts:
  description: How many sign-ins ended in each status, and C(files_removed).
  returned: always
  type: dict
  sample: {signed_out: 2, files_removed: 5}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import (
    BOUNDS_SPEC,
    bounds_from,
    failed_users_message,
    run_as_many,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import cli_environment_problem
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_logout import sign_out
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable_data
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import (
    already_listed_message,
    repeated_users,
    users_option,
)


def _empty(user):
    return dict(user=user, changed=False, sessions=[], removed=dict(count=0, files=[]), kept=[], config_problem=None)


def _check_entries(module):
    repeats = repeated_users(entry["user"] for entry in module.params["users"])
    for index, entry in enumerate(module.params["users"]):
        if index in repeats:
            module.fail_json(msg=already_listed_message(index, entry["user"], repeats[index]))
    problem = cli_environment_problem(module.params["cli_environment"])
    if problem:
        module.fail_json(msg=problem)


def _results(module, bounds):
    """Every user's sign-out, as that user; results in entry order."""
    results, jobs, indexes = [], [], []
    env = dict(module.params["cli_environment"])
    for index, entry in enumerate(module.params["users"]):
        results.append(_empty(entry["user"]))
        try:
            acct = account(entry["user"])
        except AsUserError as exc:
            if module.params["missing_users"] == "skip":
                results[index].update(skipped=True, msg="no such user on this host: nothing of theirs to sign out")
            else:
                results[index].update(failed=True, msg=str(exc))
            continue
        jobs.append((acct, sign_out, (acct.home, env, module.check_mode)))
        indexes.append(index)
    answers = run_as_many(jobs, **bounds)
    for index, (outcome, error) in zip(indexes, answers):
        if error is not None:
            results[index].update(failed=True, msg=error)
        else:
            results[index].update(outcome)
    return results


def _counts(results):
    counts = {"files_removed": 0}
    for result in results:
        counts["files_removed"] += result["removed"]["count"]
        for session in result["sessions"]:
            counts[session["status"]] = counts.get(session["status"], 0) + 1
    return counts


def _warn(module, results):
    for result in results:
        for session in result["sessions"]:
            if session["status"] == "failed":
                module.warn(
                    "%s: the sign-in of %s may go on at Identity Center until it expires (its files were removed): %s; "
                    "end it there (remove the user's assignments or disable the user)"
                    % (result["user"], session["session"] or session["start_url"] or session["file"], session["msg"])
                )
        for kept in result["kept"]:
            module.warn("%s: %s was kept: %s" % (result["user"], kept["path"], kept["reason"]))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=users_option(required=True),
            cli_environment=dict(type="dict", default={}),
            missing_users=dict(type="str", default="fail", choices=["fail", "skip"]),
            **BOUNDS_SPEC,
        ),
        supports_check_mode=True,
    )
    _check_entries(module)
    try:
        bounds = bounds_from(module.params)
    except AsUserError as exc:
        module.fail_json(msg=str(exc))
    # File names, start URLs and messages come from the users' homes: shown
    # to the operator, their control characters are escaped.
    results = printable_data(_results(module, bounds))
    outcome = dict(changed=any(r["changed"] for r in results), users=results, counts=_counts(results))
    _warn(module, results)
    failure = failed_users_message("sso_logout", results)
    if failure:
        module.fail_json(msg=failure, **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
