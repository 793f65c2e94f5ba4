#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_login
short_description: Sign users in to IAM Identity Center on a host without a browser, as the AWS CLI does
version_added: 0.1.0
description:
  - For each user of O(users) and each of the user's sso-sessions, as that user on the host, makes sure the AWS CLI v2
    and boto3 have a usable sign-in, for many users of a host in one call.
  - A cached token that is valid for more than 15 minutes is left alone. One that expires within 15 minutes or has
    expired but can be refreshed (refresh token, client registration not expired) is refreshed with the
    C(refresh_token) grant, as the CLI would; nobody has to approve anything.
  - Otherwise the OIDC device-authorization flow is started from the host (RegisterClient, StartDeviceAuthorization,
    then CreateToken with the device-code grant), with Python's standard library only. The endpoint is the one the
    CLI's C(aws sso login --sso-session NAME) would call, C(oidc.REGION.amazonaws.com) unless
    C(AWS_ENDPOINT_URL_SSO_OIDC) or C(AWS_ENDPOINT_URL) in O(cli_environment), or the C(services) block of the
    profile the CLI would run with (C([default]), or C(AWS_PROFILE)), says otherwise. The calls come from the host,
    so the host's network rules and proxy variables apply as they do to the CLI.
  - The person signs in at RV(users[].sessions[].flow.verification_uri_complete) (the code is filled in) or enters
    RV(users[].sessions[].flow.user_code) at RV(users[].sessions[].flow.verification_uri). The module then polls at
    the interval the service gives, adding 5 seconds on every C(SlowDownException), until the sign-in is approved,
    denied or expired, or O(timeout) passes.
  - The token is written where and as the CLI writes it (C(~/.aws/sso/cache/<sha1 of the session name>.json), mode
    C(0600), the same keys in the same order, the same JSON form), and so is the client registration (the CLI's own
    registration cache file), so the CLI and boto3 use the token and later refresh it without another sign-in.
  - "O(state=started) and O(state=complete) split this in two module calls, so that the codes can be shown while
    the flows wait (the C(labcloud.aws_sso.login) playbook does this for a fleet): C(started) refreshes what can be
    refreshed and starts the flows, keeping the device code and the client secret in a C(0600) file of the user's
    C(~/.aws/sso/cache) (C(labcloud-login-<sha1 of the session name>.json)); C(complete) waits for every pending flow
    of the listed users at once and writes the tokens. A flow still pending when C(started) runs again is shown
    again instead of starting a new one. O(state=present) does both in one call."
  - The device code, tokens and client secret are read, sent and written by a process running as the user and never
    leave it; results carry only user codes, URLs, times and states.
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description: The users to sign in, and the sso-sessions of each.
    required: true
    suboptions:
      user:
        description: The user to sign in.
        type: str
        required: true
      sessions:
        description:
          - The sso-sessions to sign in to, by name (C([sso-session NAME]) of the user's C(~/.aws/config)).
          - Default, the sessions the user's SSO profiles use; every declared session if no profile uses one.
          - Profiles in the legacy form (start URL inline, no session) are not signed in; migrate them to a session
            with M(labcloud.aws_sso.aws_config).
        type: list
        elements: str
  state:
    description:
      - C(present) refreshes or signs in and waits for the person, in one call.
      - C(started) refreshes what can be refreshed and starts the sign-ins, returning the codes without waiting.
      - C(complete) waits for the sign-ins C(started) left pending and writes the tokens.
    type: str
    choices: [present, started, complete]
    default: present
  timeout:
    description:
      - How long C(present) and C(complete) wait for people, in seconds, for all flows together.
      - A flow still pending then is reported as C(timeout) and kept, so that a later C(complete) can finish it
        while its code is valid (device codes last 10 minutes with AWS).
    type: int
    default: 600
  fail_on:
    description:
      - Statuses of RV(users[].sessions[].status) that fail the task (after every user was handled).
      - Default, only C(error). Add C(denied), C(expired), C(timeout) to fail when a person did not approve.
    type: list
    elements: str
    choices: [error, denied, expired, timeout, pending, no_flow]
    default: [error]
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.cli_environment
  - labcloud.aws_sso.user_bounds
  - labcloud.aws_sso.users
attributes:
  check_mode:
    description:
      - Reads the token caches and reports C(refresh_needed) or C(sign_in_needed); calls no service and writes nothing.
    support: full
  diff_mode:
    description: Shows each changed token file as its state before and after (expiry and refreshability), never its content.
    support: full
notes:
  - Acting for another user needs root (C(become)); a task that runs as the user handles only that user's sign-ins.
  - The person who approves a code decides whose sign-in it becomes. Forward each code only to the user it is for.
  - The access token lasts what Identity Center grants (usually 1 hour), the sign-in (refresh token) up to the
    session duration set in Identity Center (usually 8 hours); the CLI refreshes in between by itself.
seealso:
  - module: labcloud.aws_sso.aws_config
    description: Declares the sso-sessions and profiles signed in to here.
  - name: The labcloud.aws_sso.login playbook
    description: Signs in every user of a fleet at once and shows one table of codes.
    link: https://github.com/labcloud/aws_sso/blob/main/playbooks/login.yml
"""

EXAMPLES = r"""
- name: Start the sign-ins of the host's users (refreshes need nobody)
  labcloud.aws_sso.sso_login:
    users:
      - user: alice
      - user: bob
        sessions: [lab]
    state: started
  become: true
  register: started

- name: Tell the operator where to go
  ansible.builtin.debug:
    msg: "{{ item.0.user }}: open {{ item.1.flow.verification_uri_complete }} (code {{ item.1.flow.user_code }})"
  loop: "{{ started.users | subelements('sessions') }}"
  loop_control:
    label: "{{ item.0.user }}/{{ item.1.session }}"
  when: item.1.status == 'pending'

- name: Wait for them (all users at once) and write the tokens
  labcloud.aws_sso.sso_login:
    users:
      - user: alice
      - user: bob
        sessions: [lab]
    state: complete
    timeout: 600
  become: true

- name: A service account on a host behind VPC endpoints, in one call
  labcloud.aws_sso.sso_login:
    users:
      - user: ci
    cli_environment:
      AWS_ENDPOINT_URL_SSO_OIDC: https://oidc.vpce.example
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
      sample: alice
    changed:
      description: Whether a token or client-registration file of this user was written (would be, in check mode).
      type: bool
    sessions:
      description: One entry per sso-session.
      type: list
      elements: dict
      contains:
        session:
          description: The sso-session.
          type: str
          sample: lab
        start_url:
          description: Its start URL.
          type: str
          sample: https://d-1234567890.awsapps.com/start
        status:
          description:
            - C(valid) nothing to do; C(refreshed) refreshed without a person; C(pending) a sign-in waits for its
              person (see RV(users[].sessions[].flow)); C(signed_in) approved and written; C(denied); C(expired)
              nobody approved before the code expired; C(timeout) still pending when the wait ended (the flow is
              kept); C(no_flow) nothing was pending to wait for; C(refresh_needed), C(sign_in_needed) in check mode;
              C(error) see RV(users[].sessions[].msg).
          type: str
          sample: pending
        changed:
          description: Whether this session's token or client registration was written.
          type: bool
        token:
          description: The cached token's state after this run (never the token), as C(labcloud.aws_sso.sso_identity_info) reports it.
          type: dict
          sample: {state: valid, expires_at: "2026-11-23T18:00:00Z", minutes_left: 59, refreshable: true}
        flow:
          description: The sign-in the person has to approve (C(pending), C(signed_in), C(denied), C(expired), C(timeout)).
          type: dict
          contains:
            user_code:
              description: The code the person confirms.
              type: str
              sample: BCDF-GHJK
            verification_uri:
              description: Where the person signs in and enters the code.
              type: str
              sample: https://device.sso.us-east-1.amazonaws.com/
            verification_uri_complete:
              description: The same with the code filled in.
              type: str
              sample: https://device.sso.us-east-1.amazonaws.com/?user_code=BCDF-GHJK
            expires_at:
              description: When the code expires (UTC).
              type: str
              sample: "2026-11-23T17:10:00Z"
            interval:
              description: Seconds between polls, as the service asked.
              type: int
              sample: 1
        msg:
          description: What went wrong and what to do, for C(error).
          type: str
    failed:
      description: Whether the whole user failed (no such user, no config); RV(users[].msg) says why.
      type: bool
      returned: when the user failed
    msg:
      description: Why the user failed.
      type: str
      returned: when the user failed
pending:
  description: Every pending sign-in of the host, one row per user and session, for a table.
  returned: always
  type: list
  elements: dict
  sample: [{user: alice, session: lab, user_code: BCDF-GHJK, verification_uri_complete: "https://...?user_code=BCDF-GHJK",
            expires_at: "2026-11-23T17:10:00Z"}]
counts:
  description: How many sessions ended in each status.
  returned: always
  type: dict
  sample: {valid: 1, pending: 2}
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import BOUNDS_SPEC, bounds_from, run_as_many
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import cli_environment_problem
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_oidc import start_user, wait_user
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import (
    already_listed_message,
    repeated_users,
    users_option,
)

USERS_OPTION = users_option(required=True, sessions=dict(type="list", elements="str"))
FAIL_CHOICES = ["error", "denied", "expired", "timeout", "pending", "no_flow"]


def _check_entries(module):
    repeats = repeated_users(entry["user"] for entry in module.params["users"])
    for index, entry in enumerate(module.params["users"]):
        name = entry["user"]
        if index in repeats:
            module.fail_json(msg=already_listed_message(index, name, repeats[index], ", with all their sessions"))
        for position, session in enumerate(entry["sessions"] or []):
            if not session or session != session.strip() or any(c in session for c in "\r\n[]/"):
                module.fail_json(
                    msg="users[%d] (%s).sessions[%d]: %r is no sso-session name; write the NAME of "
                    "[sso-session NAME]" % (index, name, position, session)
                )
    if module.params["timeout"] < 1:
        module.fail_json(
            msg="timeout: %d is not a number of seconds to wait; give 1 or more" % module.params["timeout"]
        )
    problem = cli_environment_problem(module.params["cli_environment"])
    if problem:
        module.fail_json(msg=problem)


def _user_sessions(home, sessions, env, state, check_mode, timeout):
    """One user's sign-ins, start to end; runs as that user (run_as_many)."""
    if state == "complete":
        return [] if check_mode else wait_user(home, sessions, env, timeout)
    started = start_user(home, sessions, env, check_mode)
    waiting = [s["session"] for s in started if s["status"] == "pending"]
    if state == "started" or check_mode or not waiting:
        return started
    done = dict((s["session"], s) for s in wait_user(home, waiting, env, timeout))
    return [_merge(s, done.get(s["session"])) for s in started]


def _merge(started, waited):
    if waited is None:
        return started
    merged = dict(waited)
    # Writing a new client registration when the flow started is a change too.
    merged["changed"] = waited["changed"] or started["changed"]
    return merged


def _diff(user, session):
    before = session["token"] if session["status"] not in ("refreshed", "signed_in") else None
    return dict(
        before_header="%s: token of sso-session %s" % (user, session["session"]),
        after_header="%s: token of sso-session %s" % (user, session["session"]),
        before="%s\n" % (before["state"] if before else "(replaced)"),
        after="%s\n" % session["status"],
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=USERS_OPTION,
            state=dict(type="str", default="present", choices=["present", "started", "complete"]),
            timeout=dict(type="int", default=600),
            **BOUNDS_SPEC,
            cli_environment=dict(type="dict", default={}),
            fail_on=dict(type="list", elements="str", default=["error"], choices=FAIL_CHOICES),
        ),
        supports_check_mode=True,
    )
    _check_entries(module)
    entries = module.params["users"]

    # Every user's flows wait at the same time, each in its own process
    # running as that user.
    params = module.params
    results = [dict(user=entry["user"], changed=False, sessions=[]) for entry in entries]
    jobs, indexes = [], []
    for index, entry in enumerate(entries):
        try:
            acct = account(entry["user"])
        except AsUserError as exc:
            results[index].update(failed=True, msg=str(exc))
            continue
        results[index]["user"] = acct.name
        args = (acct.home, entry["sessions"], dict(params["cli_environment"]), params["state"])
        jobs.append((acct, _user_sessions, args + (module.check_mode, params["timeout"])))
        indexes.append(index)
    try:
        # A user's part waits for a person for up to `timeout`, then has its own deadline.
        bounds = bounds_from(params, extra_seconds=params["timeout"])
    except AsUserError as exc:
        module.fail_json(msg=str(exc))
    # Waiting for people, not computing: every user's flow waits at once.
    answers = run_as_many(jobs, parallel=max(1, len(jobs)), timeout=bounds["timeout"])
    for index, (sessions, error) in zip(indexes, answers):
        if error is not None:
            results[index].update(failed=True, msg=error)
        else:
            results[index]["sessions"] = sessions
            results[index]["changed"] = any(s["changed"] for s in sessions)

    pending, counts = [], {}
    for result in results:
        for session in result["sessions"]:
            counts[session["status"]] = counts.get(session["status"], 0) + 1
            if session["status"] == "pending":
                row = dict(user=result["user"], session=session["session"], start_url=session["start_url"])
                row.update(
                    (key, session["flow"][key]) for key in ("user_code", "verification_uri_complete", "expires_at")
                )
                pending.append(row)
    outcome = dict(changed=any(r["changed"] for r in results), users=results, pending=pending, counts=counts)
    if module._diff:
        outcome["diff"] = [_diff(r["user"], s) for r in results for s in r["sessions"] if s["changed"]]
    fail_on = set(module.params["fail_on"])
    failed_users = [r for r in results if r.get("failed")]
    if failed_users:
        counts["error"] = counts.get("error", 0) + len(failed_users)
    problems = ["%s: %s" % (r["user"], r["msg"]) for r in failed_users if "error" in fail_on]
    for result in results:
        for session in result["sessions"]:
            if session["status"] in fail_on:
                problems.append("%s/%s: %s" % (result["user"], session["session"], session["msg"] or session["status"]))
    if problems:
        module.fail_json(msg="sso_login: %s" % "; ".join(problems), **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
