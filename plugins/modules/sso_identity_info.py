#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_identity_info
short_description: Check which users of a host can really use AWS through their SSO profiles
version_added: 0.1.0
description:
  - The last step of every onboarding guide, C(aws sts get-caller-identity), for every profile of many users
    of a host in one call, without printing a secret.
  - "For each profile it reports the state of the sign-in from the AWS CLI's own token cache
    (C(~/.aws/sso/cache/<sha1 of the session name>.json), or of the start URL for legacy profiles), offline:
    C(valid) (with expiry and minutes left), C(expiring) (inside the CLI's 15-minute refresh window),
    C(expired_refreshable) (refresh token and client registration still valid: the next CLI call refreshes
    it), C(expired), C(missing). Both timestamp forms the CLI has written (C(...Z) and C(...UTC)) are read."
  - With O(check=live) (the default) it then runs the real C(aws sts get-caller-identity --profile P) as the
    user, in a clean environment (only C(HOME), C(USER), C(LOGNAME), a fixed C(PATH), C(LANG), C(AWS_PAGER) and
    O(cli_environment)), and compares the account and role it gets with the profile's C(sso_account_id) and
    C(sso_role_name).
  - With O(check=shell) it also runs the same call through the user's login shell, interactive, without
    C(--profile), as a person in a terminal would; an exported static key (C(AWS_ACCESS_KEY_ID),
    C(AWS_SECRET_ACCESS_KEY), C(AWS_SESSION_TOKEN), C(AWS_SECURITY_TOKEN)), C(AWS_CONFIG_FILE) or an
    C(AWS_PROFILE) other than the user's default profile is reported as C(env_override) on the default
    profile, with the variable and the file and line that sets it.
  - "The shell answers over descriptor 3, in one frame marked with a random nonce of that run; what the user's
    start-up files print on standard output or error is never read as the answer. A shell check is never C(ok)
    by default: a shell that timed out, was killed by a signal, exited without the answer, or whose output looked
    forged (a frame with another nonce, a second frame, a frame on standard output) makes the user's C(ok),
    C(login_required) and C(wrong_account) rows C(error) with the reason (and RV(users[].profiles[].forged) for
    forged output); other statuses stay, with the reason added to their message."
  - Every CLI and shell run keeps at most 1 MiB of each output stream (the rest is read and thrown away), gets
    60 s or what is left of O(user_timeout), whichever is less, and runs in a session of its own whose every
    process is killed when it ends or times out.
  - "Every profile gets one RV(users[].profiles[].status), and what the user should do about it in
    RV(users[].profiles[].message):"
  - "C(ok): the CLI signs in as the profile's account and role. If the sign-in has ended but the CLI still holds
    role credentials it cached, the status is C(ok) with a C(token) state of C(expired) or C(missing) and a message
    saying so: the profile stops working when those credentials expire. Nothing to do otherwise."
  - "C(login_required): no usable sign-in (token missing, expired and not refreshable, or revoked on the portal).
    The user signs in with C(aws sso login), or IT runs playbook C(labcloud.aws_sso.login). When the token cache
    still calls the token good but the portal refuses it, the message says the sign-in was ended or revoked
    (signed out elsewhere or by an administrator) instead of \"not signed in\"."
  - "C(forbidden): the portal refused the role (ForbiddenException): the permission set is not assigned to this
    user in that account. Ask the Identity Center administrator to assign it, or drop the profile."
  - "C(wrong_account): the CLI got another account or role than the profile names (a C(credential_process),
    a typo in the account id, a role of the same name elsewhere). Fix the profile."
  - "C(env_override) (O(check=shell) only): the user's shell overrides the profile. Remove the variable from the
    file named, and rotate an exported static key. The row's account, role and ARN are what the CLI got in the
    user's shell (none when it failed there, with its message), not what the profile alone gets; the message
    says both."
  - "C(cli_missing): no AWS CLI where it was looked for. Install it (role C(labcloud.aws_sso.awscli))."
  - "C(config_error): the CLI (or botocore's parser) refuses the config, with the CLI's own message, for example
    a profile that names an sso-session that does not exist. Fix C(~/.aws/config), for example by running
    playbook C(labcloud.aws_sso.setup) again. When the file cannot be read or parsed at all and the entry lists no
    C(profiles), the user gets one C(config_error) row with RV(users[].profiles[].profile) C(null) and the
    parser's message (secret values masked), so that O(fail_on) sees it."
  - "C(unreachable): the portal, OIDC or STS endpoint could not be reached (refused, DNS, TLS, proxy, timeout).
    Check the host's network, proxy and firewall."
  - "C(error): anything else, with the CLI's message; with O(check=shell) also a shell check that gave no
    answer that can be trusted (see above): the message says whether the shell timed out (after how many
    seconds), was killed by a signal, gave no result, or printed output that looked forged. The token cache file
    being something that cannot be read (a FIFO, another user's file, too big) is an C(error) of that profile
    too, and the CLI is then not run for it."
  - None of these fails the task unless listed in O(fail_on).
  - The CLI is started at most once per profile (and once more per user for O(check=shell)); profiles and users
    are checked in parallel, up to O(parallel) CLI processes at once. Everything runs as the user (never as
    root), and all users of the host are done in this one module call.
  - Nothing from the token file, C(export-credentials) or the CLI's caches is ever returned; the identity the
    CLI prints (account, ARN, user id) is not secret. Of the user's shell environment only variable names are
    kept (and the value of C(AWS_PROFILE), a profile name).
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description:
      - The users to check. An entry is a user name, or a mapping with C(user) and optionally C(profiles) and
        C(default_profile).
      - C(profiles) limits the check to those profiles (C(default) is C([default])); without it every profile
        of the user's C(~/.aws/config) that signs in through SSO is checked.
      - C(default_profile) is the profile the user's shell should select (their C(AWS_PROFILE)); the shell check
        compares against it. Without it, the C(AWS_PROFILE) the shell sets, or C(default), is taken.
      - C(region) is the region the user's shell exports (C(AWS_REGION)); the live check uses it for profiles
        without a C(region) of their own, as the user's shell would. Without it such a profile is a
        C(config_error) (the CLI's "You must specify a region").
      - A user missing on the host is handled as O(missing_users) says.
    type: list
    elements: raw
    required: true
  missing_users:
    description:
      - What a user the host does not have (looked up with C(pwd), as the checks then run) does to the task.
      - V(report) gives that user a result with an error and checks the others.
      - V(fail) fails the task before any user is checked, naming every missing user and the fix, with the words
        of the C(labcloud.aws_sso.sso) role (this is how C(verify) gets C(aws_sso_missing_users=fail) without a
        lookup call of its own).
      - V(skip) leaves them out of RV(users) and lists them in RV(missing).
    type: str
    choices: [report, fail, skip]
    default: report
  check:
    description:
      - C(token) reads only the token cache (no CLI, no network; milliseconds per user).
      - C(live) also runs C(aws sts get-caller-identity --profile P) as the user.
      - C(shell) also runs it through the user's login shell.
    type: str
    choices: [token, live, shell]
    default: live
  aws_cli:
    description:
      - Path of the C(aws) program on the host. By default the first of C(/usr/local/bin/aws), C(/usr/bin/aws),
        C(/bin/aws), C(/opt/aws/bin/aws).
    type: path
  cli_environment:
    description:
      - Extra environment for the CLI runs, for example C(HTTPS_PROXY), C(AWS_CA_BUNDLE), or C(AWS_ENDPOINT_URL_SSO)
        and friends for private endpoints.
      - C(AWS_PROFILE), C(AWS_DEFAULT_PROFILE), C(AWS_CONFIG_FILE), C(AWS_SHARED_CREDENTIALS_FILE), static key
        variables and C(HOME) are refused, because they would check something other than the user's own set-up.
    type: dict
    default: {}
  parallel:
    description: How many CLI processes may run at once on the host.
    type: int
    default: 4
  fail_on:
    description: Statuses that fail the task (after every user was checked and the result returned).
    type: list
    elements: str
    choices: [ok, login_required, forbidden, wrong_account, env_override, cli_missing, config_error, unreachable, error]
    default: []
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.user_bounds
attributes:
  check_mode:
    description: The check changes nothing the CLI would not change itself, so it runs in check mode as well.
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
notes:
  - Checking another user's profiles needs root (C(become)); the checks themselves run as each user.
  - The old name C(labcloud.aws_sso.sso_identity) still works until 2.0.0, with a deprecation warning.
  - The live check lets the CLI do what it always does, so an expired but refreshable token is refreshed by the
    CLI (RV(users[].profiles[].refreshed)) and role credentials are cached in the user's C(~/.aws/cli/cache).
seealso:
  - module: labcloud.aws_sso.aws_config
  - module: labcloud.aws_sso.sso_report
    description: Turns the results of many hosts into one report (table, JSON, Markdown, HTML).
"""

EXAMPLES = r"""
- name: Can the lab's users use AWS?
  labcloud.aws_sso.sso_identity_info:
    users: [alice, bob]
  become: true
  register: identity

- name: Only the token cache, no CLI and no network (fast, e.g. every few minutes from cron)
  labcloud.aws_sso.sso_identity_info:
    users:
      - user: alice
        profiles: [dev, research]
    check: token
  become: true

- name: What users really get in their terminals; fail when someone still exports keys
  labcloud.aws_sso.sso_identity_info:
    users:
      - user: carol
        default_profile: dev
    check: shell
    fail_on: [env_override]
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
    home:
      description: The user's home on the host.
      type: str
      sample: /home/alice
    error:
      description: Why the user could not be checked at all (for example, no such user); C(null) otherwise.
      type: str
    duration_ms:
      description: How long this user's check took on the host, in milliseconds.
      type: int
      sample: 12
    notes:
      description:
        - Things about the user that are not a profile's status, shown by M(labcloud.aws_sso.sso_report) with
          every row of the user. Today, one note per backup in C(~/.aws) that M(labcloud.aws_sso.static_keys)
          made when it removed keys (found by name, never read), which may still hold those keys.
      type: list
      elements: str
      returned: when the user was checked
      sample: ["/home/alice/.aws/credentials.4242.2026-05-01@10:00:00~ may hold plain-text AWS keys (...)"]
    shell:
      description: With O(check=shell), what the user's login shell selected; C(null) otherwise.
      type: dict
      sample: {shell: /bin/bash, default_profile: dev, variables: [AWS_PROFILE], aws_profile: dev,
               account: "111111111111", arn: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_0123456789abcdef/alice"}
      contains:
        error:
          description: When the shell check failed, why (then only C(shell), C(error) and C(forged) are set).
          type: str
          sample: the login shell (/bin/bash) timed out after 60 s and was ended with everything it started; ...
        forged:
          description: When the shell check failed, whether the shell's output looked forged.
          type: bool
    profiles:
      description: One entry per profile checked.
      type: list
      elements: dict
      contains:
        profile:
          description:
            - The profile (C(default) for C([default])).
            - C(null) for the one C(config_error) row of a user whose C(~/.aws/config) cannot be read or parsed
              when the entry lists no C(profiles) (the file itself would have named them).
          type: str
        status:
          description: One of C(ok), C(login_required), C(forbidden), C(wrong_account), C(env_override),
            C(cli_missing), C(config_error), C(unreachable), C(error); see the description above.
          type: str
          sample: ok
        message:
          description: For anything but a plain C(ok), what happened and what to do.
          type: str
        session:
          description: The sso-session the profile uses; C(null) for legacy profiles.
          type: str
        start_url:
          description: The portal's start URL.
          type: str
        expected_account:
          description: The profile's C(sso_account_id).
          type: str
        expected_role:
          description: The profile's C(sso_role_name).
          type: str
        token:
          description:
            - The sign-in's state, read before the CLI ran. Never the token itself.
            - For a C(config_error) profile, the state of the token of the sso-session (or legacy start URL) the
              profile names; C(null) when the profile names none or the config could not be read.
          type: dict
          contains:
            state:
              description: C(valid), C(expiring), C(expired_refreshable), C(expired) or C(missing).
              type: str
            expires_at:
              description: When the access token expires (UTC, C(YYYY-MM-DDTHH:MM:SSZ)).
              type: str
            minutes_left:
              description: Whole minutes until then; negative once expired.
              type: int
            refreshable:
              description: Whether the CLI can refresh it without a person.
              type: bool
        account:
          description: The account the CLI got; for C(env_override), the account the CLI got in the user's shell.
          type: str
        arn:
          description: The ARN the CLI got (in the user's shell for C(env_override)).
          type: str
        role:
          description: The role from the ARN (the permission set's name for Identity Center roles).
          type: str
        user_id:
          description: The user id the CLI got (in the user's shell for C(env_override)).
          type: str
        account_matches:
          description: Whether RV(users[].profiles[].account) is the profile's C(sso_account_id); C(null) if unknown.
          type: bool
        role_matches:
          description: Whether RV(users[].profiles[].role) is the profile's C(sso_role_name); C(null) if unknown.
          type: bool
        refreshed:
          description: Whether the CLI refreshed an expiring or expired token during the check.
          type: bool
        env_override:
          description: With O(check=shell), the variable that overrides this profile, and where it is set.
          type: dict
          sample: {variable: AWS_ACCESS_KEY_ID, file: /home/carol/.bashrc, line: 118}
        checked:
          description:
            - How deep the check went. C(token) only read the token cache (an C(ok) says nothing of the account or
              role); C(live) ran the CLI with the profile; C(shell) also ran it through the user's login shell.
          type: str
        forged:
          description: Whether the user's login shell answered the shell check with output that looked forged;
            the row is then C(error). Only the user's own start-up files can cause it.
          type: bool
counts:
  description: How many profiles of this host got each status.
  returned: always
  type: dict
  sample: {ok: 5, login_required: 1}
aws_cli:
  description: The C(aws) program that was run; C(null) when none was found or with O(check=token).
  returned: always
  type: str
  sample: /usr/local/bin/aws
missing:
  description: The users of O(users) the host does not have (left out of RV(users) with O(missing_users=skip)).
  returned: always
  type: list
  elements: str
  sample: [zed]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils import aws_cli, sso_identity
from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import (
    look_up,
    missing_users_message,
    no_such_user_message,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import BOUNDS_SPEC, bounds_from, run_as_many
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable_data
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import (
    already_listed_message,
    repeated_users,
)

_ENTRY_KEYS = ("user", "profiles", "default_profile", "region")


def _entries(module):
    """users as a list of mappings; every mistake named before anything runs."""
    entries = []
    # Only a well-formed name can repeat one; other mistakes are refused below, in entry order.
    names = [raw.get("user") if isinstance(raw, dict) else raw for raw in module.params["users"]]
    repeats = repeated_users(name if isinstance(name, str) else None for name in names)
    for index, raw in enumerate(module.params["users"]):
        entry = {"user": raw} if isinstance(raw, str) else raw
        where = "users[%d]" % index
        if not isinstance(entry, dict):
            module.fail_json(msg="%s: give a user name or a mapping with user, profiles, default_profile" % where)
        unknown = sorted(set(entry) - set(_ENTRY_KEYS))
        if unknown:
            module.fail_json(
                msg="%s: unknown key(s) %s; the keys are %s" % (where, ", ".join(unknown), ", ".join(_ENTRY_KEYS))
            )
        name = entry.get("user")
        if not isinstance(name, str) or not name.strip():
            module.fail_json(msg="%s: user is missing; give the user's name on the host" % where)
        if index in repeats:
            module.fail_json(msg=already_listed_message(index, name, repeats[index]))
        profiles = entry.get("profiles")
        if profiles is not None:
            if not isinstance(profiles, list) or not all(isinstance(p, str) and p.strip() for p in profiles):
                module.fail_json(
                    msg="%s (%s).profiles: give a list of profile names, e.g. [dev, default]" % (where, name)
                )
        default = entry.get("default_profile")
        if default is not None and not isinstance(default, str):
            module.fail_json(msg="%s (%s).default_profile: give one profile name" % (where, name))
        region = entry.get("region")
        if region is not None and (not isinstance(region, str) or not region.strip()):
            module.fail_json(msg="%s (%s).region: give a region name such as eu-west-1" % (where, name))
        entries.append({"user": name, "profiles": profiles, "default_profile": default, "region": region})
    return entries


def _check_environment(module):
    env = module.params["cli_environment"]
    for key, value in env.items():
        if key in aws_cli.REFUSED_ENV:
            module.fail_json(
                msg="cli_environment.%s: this variable would check something other than the user's own set-up; "
                "remove it (declare profiles with labcloud.aws_sso.aws_config instead)" % key
            )
        if not isinstance(value, str) or "\0" in value:
            module.fail_json(msg="cli_environment.%s: give a string value (quote numbers)" % key)
    return dict(env)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=dict(type="list", elements="raw", required=True),
            check=dict(type="str", default="live", choices=list(sso_identity.CHECKS)),
            aws_cli=dict(type="path"),
            cli_environment=dict(type="dict", default={}),
            parallel=dict(type="int", default=4),
            missing_users=dict(type="str", default="report", choices=["report", "fail", "skip"]),
            **BOUNDS_SPEC,
            fail_on=dict(type="list", elements="str", default=[], choices=list(sso_identity.STATUSES)),
        ),
        supports_check_mode=True,
    )
    entries = _entries(module)
    environment = _check_environment(module)
    if module.params["parallel"] < 1:
        module.fail_json(msg="parallel: give 1 or more")
    found, missing = look_up(entry["user"] for entry in entries)
    if missing and module.params["missing_users"] == "fail":
        module.fail_json(msg=missing_users_message(missing), missing=missing)
    if module.params["missing_users"] == "skip":
        entries = [entry for entry in entries if entry["user"] in found]
    check = module.params["check"]
    cli = None
    if check != "token":
        cli = aws_cli.find_cli(module.params["aws_cli"])
    results = [None] * len(entries)
    jobs = []
    for index, entry in enumerate(entries):
        acct = found.get(entry["user"])
        if acct is None:
            results[index] = {
                "user": entry["user"],
                "home": None,
                "error": no_such_user_message(entry["user"]),
                "profiles": [],
                "shell": None,
            }
            continue
        spec = dict(
            entry,
            check=check,
            cli=cli,
            cli_wanted=module.params["aws_cli"],
            environment=environment,
            login_shell=acct.shell,
        )
        jobs.append((index, acct, spec))
    try:
        bounds = bounds_from(module.params)
    except AsUserError as exc:
        module.fail_json(msg=str(exc))
    users_at_once = max(1, min(module.params["parallel"], bounds["parallel"], len(jobs)))
    for _index, _acct, spec in jobs:
        # Split the CLI processes between the users running at once.
        spec["parallel"] = max(1, module.params["parallel"] // users_at_once)
    answers = run_as_many(
        [(acct, sso_identity.user_work, (acct, spec)) for _index, acct, spec in jobs],
        parallel=users_at_once,
        timeout=bounds["timeout"],
    )
    for (index, acct, _spec), (answer, error) in zip(jobs, answers):
        results[index] = (
            answer
            if error is None
            else {"user": acct.name, "home": acct.home, "error": error, "profiles": [], "shell": None}
        )
    counts = sso_identity.count(results)
    errors = sum(1 for r in results if r["error"])
    if errors:
        counts["error"] = counts.get("error", 0) + errors
    # Messages quote the CLI's stderr and name the users' files.
    outcome = printable_data(dict(changed=False, users=results, counts=counts, aws_cli=cli, missing=missing))
    hit = [status for status in module.params["fail_on"] if counts.get(status)]
    if hit:
        module.fail_json(
            msg="sso_identity_info: %s" % ", ".join("%d profile(s) %s" % (counts[s], s) for s in hit), **outcome
        )
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
