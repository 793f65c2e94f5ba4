#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: static_keys
short_description: Remove users' plain-text AWS keys once SSO works
version_added: 0.1.0
description:
  - The last manual step of every SSO onboarding guide, for many users of a host in one call.
  - For each profile listed in O(users[].profiles), removes the static credentials C(aws_access_key_id),
    C(aws_secret_access_key), C(aws_session_token) and C(aws_security_token) (the older name botocore still
    reads for the session token) from the user's C(~/.aws/credentials) and C(~/.aws/config).
  - Key names are matched the way botocore reads them, whatever their case (C(AWS_Access_Key_ID) is
    C(aws_access_key_id)). A key's continuation lines (indented lines after it) go with it.
  - "In C(~/.aws/credentials) a profile is the section of that exact name: C([dev]), and C([default]) for
    C(default). A section left without any key is removed with the blank lines right after it; comments
    after its last key sit above the next section, belong to it and are kept. Comments inside the removed
    section go with it."
  - In C(~/.aws/config) a profile is C([profile NAME]), or C([default]) for C(default), as botocore maps
    them. Only the keys are removed there, never the section, which is the profile's SSO set-up (see
    M(labcloud.aws_sso.aws_config)).
  - Every other section, key, comment and blank line stays byte for byte, line endings (CRLF) and a
    missing final newline included. The result is scanned again as botocore would read it before it is
    written; if anything but the removed keys would read differently, nothing is written.
  - Static keys that remain for profiles not listed are counted and reported (RV(users[].remaining),
    RV(remaining_total)) by file and profile, so a fleet can be audited with O(users[].profiles=[]).
  - A missing file is nothing to do. A file botocore cannot read (a duplicate section or key, text before
    the first section) fails that user with the file and line, and neither of the user's files is changed.
  - Values are never shown. Results carry key and profile names only, messages name lines, never their
    text, and diffs mask every secret-looking value (and commented-out keys) as C(********).
  - Every read and write runs as the user (never as root), in one process per user, with an atomic
    compare-and-swap replace of each file (mode C(0600)). A file that changed between the read and the
    write is read and planned again, a few times.
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description:
      - The users of the host and the profiles of each whose keys go.
      - Give O(users), or O(user) with O(profiles) for one user; they are mutually exclusive.
    suboptions:
      user:
        description: Whose keys these are.
        type: str
        required: true
      profiles:
        description:
          - Profiles now managed by SSO, whose static keys are removed. C(default) is the C([default]) section.
          - An empty list removes nothing and only reports the keys that remain.
        type: list
        elements: str
        required: true
      state:
        description:
          - C(absent) removes the keys. It is the only state; the option is there so that a later state can
            be added without changing what existing tasks mean.
        type: str
        choices: [absent]
        default: absent
  user:
    description:
      - One user, as known on the managed host, whose keys go for O(profiles); the same as a one-entry
        O(users) list with that user and those profiles, as M(labcloud.aws_sso.aws_config) takes O(user).
        RV(users) then has this one entry.
      - Mutually exclusive with O(users); requires O(profiles). There is no default user.
    type: str
  profiles:
    description:
      - With O(user), the profiles now managed by SSO whose static keys are removed, as in O(users[].profiles).
    type: list
    elements: str
  backup:
    description:
      - Before a file is first changed, keep a copy of it next to it (C(credentials.PID.DATE@TIME~)), made as the
        user, mode C(0600). It holds the keys that were removed, in plain text, until a later run deletes it
        (see O(backup_days)) or you do.
      - C(false) makes no copy, and deletes every such copy an earlier run left (as if O(backup_days=0)).
    type: bool
    default: true
  backup_days:
    description:
      - A run deletes the copies made by earlier runs (see O(backup)) once they are this many days old, by their
        modification time. C(0) deletes all of them at the next run; the copy a run makes is kept by that run.
      - Only names of exactly that pattern, beside the user's C(~/.aws/credentials) and C(~/.aws/config) (beside
        the file a symlink leads to, where the copies are made), that are regular files of the user and that
        still hold a static key line (live or commented out) are deleted, as the user; a symlink is never
        followed. A copy of C(~/.aws/config) that M(labcloud.aws_sso.aws_config) made with its own O(backup)
        and that holds no key is left alone.
      - Copies still on disk are listed in RV(users[].backups) and each gets a warning saying how to delete it.
    type: int
    default: 14
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.user_bounds
  - labcloud.aws_sso.users
attributes:
  check_mode:
    description:
      - Reports what would be removed, as RV(users[].removed) and in the diff, and the copies that would be deleted,
        as RV(users[].backups_deleted); writes and deletes nothing.
    support: full
  diff_mode:
    description: Shows each changed file before and after, with every secret value masked.
    support: full
notes:
  - Acting for another user needs root (C(become)); a task that runs as the user handles only that user's files.
  - A file the user cannot read or write (a symlink to someone else's file), or that belongs to someone else, is
    refused as the user would be refused, and reported for that user only.
  - The files at the default places are handled (C(~/.aws/credentials), C(~/.aws/config) in the user's home on
    the host); a user who points C(AWS_SHARED_CREDENTIALS_FILE) or C(AWS_CONFIG_FILE) elsewhere is not followed.
seealso:
  - module: labcloud.aws_sso.aws_config
    description: Writes the SSO profiles that take over from the keys.
"""

EXAMPLES = r"""
- name: Remove the keys of the profiles SSO now serves, for the whole lab
  labcloud.aws_sso.static_keys:
    users:
      - user: alice
        profiles: [default, dev]
      - user: bob
        profiles: [dev]
  become: true
  register: keys

- name: Say who still has keys for profiles SSO does not serve
  ansible.builtin.debug:
    msg: "{{ item.user }} keeps keys for {{ item.remaining | map(attribute='profile') | list }}"
  loop: "{{ keys.users }}"
  loop_control:
    label: "{{ item.user }}"
  when: item.remaining | length > 0

- name: One user, as a task for a single account would say it
  labcloud.aws_sso.static_keys:
    user: carol
    profiles: [default]
  become: true

- name: Audit only, in check mode (nothing listed, nothing removed)
  labcloud.aws_sso.static_keys:
    users:
      - user: alice
        profiles: []
      - user: bob
        profiles: []
  become: true
  check_mode: true
  register: audit
  failed_when: audit.remaining_total > 0
"""

RETURN = r"""
users:
  description: One result per entry of O(users), in the same order (with O(user), that one user's).
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user.
      type: str
      sample: alice
    changed:
      description: Whether a file of this user was changed (would be, in check mode).
      type: bool
    removed:
      description:
        - The keys removed (to be removed, in check mode) by file (C(credentials), C(config)), then profile.
        - Key names are given in lower case, as botocore reads them.
      type: dict
      sample: {credentials: {dev: [aws_access_key_id, aws_secret_access_key]}, config: {}}
    sections_removed:
      description: Profiles whose C(~/.aws/credentials) section was left without keys and removed.
      type: list
      elements: str
      sample: [dev]
    backup_files:
      description: The backups made (none in check mode or with O(backup=false)).
      type: list
      elements: str
      sample: [/home/alice/.aws/credentials.4242.2026-05-01@10:00:00~]
    backups:
      description:
        - Copies of this user's files that still hold plain-text keys and stay on disk after this run (this run's
          own included), with their age in whole days. Paths only, never content.
      type: list
      elements: dict
      contains:
        path:
          description: The copy.
          type: str
        age_days:
          description: Whole days since it was made (its modification time).
          type: int
      sample: [{path: /home/alice/.aws/credentials.4242.2026-05-01@10:00:00~, age_days: 3}]
    backups_deleted:
      description: Copies deleted by this run (that would be, in check mode) because of O(backup_days) or O(backup=false).
      type: list
      elements: str
      sample: [/home/alice/.aws/credentials.4242.2026-04-01@10:00:00~]
    remaining:
      description: Profiles not listed that still have static keys; names only, never values.
      type: list
      elements: dict
      contains:
        file:
          description: C(credentials) or C(config).
          type: str
        profile:
          description: The profile.
          type: str
        keys:
          description: The static key names it has.
          type: list
          elements: str
      sample: [{file: credentials, profile: legacy-ci, keys: [aws_access_key_id, aws_secret_access_key]}]
    failed:
      description: Whether this user failed; RV(users[].msg) says why. A failure before a write leaves the file untouched.
      type: bool
      returned: when the user failed
    msg:
      description: Why the user failed, naming the file and line, never a value.
      type: str
      returned: when the user failed
      sample: "/home/bob/.aws/credentials line 7: section [dev] is already defined at line 1; ..."
remaining_total:
  description: How many (user, file, profile) still have static keys for profiles not listed.
  returned: always
  type: int
  sample: 1
"""

import shlex

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account, expand_path
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import (
    BOUNDS_SPEC,
    bounds_from,
    each_user,
    failed_users_message,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.static_keys import (
    BACKUP_DAYS,
    DEFAULT_PATHS,
    KINDS,
    empty_result,
    process_user,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable, printable_data
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import (
    already_listed_message,
    repeated_users,
    users_option,
)

USERS_OPTION = users_option(
    profiles=dict(type="list", elements="str", required=True),
    state=dict(type="str", default="absent", choices=["absent"]),
)


def _check_entries(module, entries):
    """Refuse ambiguous input before any user is touched."""
    repeats = repeated_users(entry["user"] for entry in entries)
    for index, entry in enumerate(entries):
        name = entry["user"]
        if index in repeats:
            module.fail_json(msg=already_listed_message(index, name, repeats[index], ", with all their profiles"))
        for position, profile in enumerate(entry["profiles"]):
            if not profile or not profile.strip() or any(c in profile for c in "\r\n[]"):
                module.fail_json(
                    msg="users[%d] (%s).profiles[%d]: %r is no profile name; write the name as in "
                    "`aws --profile NAME` (default for [default])" % (index, name, position, profile)
                )


def _job(module, entry):
    acct = account(entry["user"])
    paths = {kind: expand_path(acct, None, DEFAULT_PATHS[kind]) for kind in KINDS}
    args = (
        acct,
        paths,
        sorted(set(entry["profiles"])),
        module.params["backup"],
        module.check_mode,
        module._diff,
        module.params["backup_days"],
    )
    return acct, process_user, args


def _users_results(module, entries, bounds):
    """Every user's part; (results, diffs) in entry order."""
    results, diffs = [], []
    for entry, (acct, outcome, error) in zip(entries, each_user(entries, lambda e: _job(module, e), **bounds)):
        result = empty_result(user=acct.name if acct else entry["user"])
        if error is not None:
            result.update(failed=True, msg=error)
        else:
            diffs.extend(outcome.pop("diff", []))
            result.update(outcome)
        results.append(result)
    return results, diffs


def _warn_backups(module, result):
    for backup in result["backups"]:
        # A directory on the way (a symlinked credentials file) is named by the user.
        path = printable(backup["path"], one_line=True)
        module.warn(
            "%s: %s holds plain-text AWS keys (a copy made when they were removed, %d days old); a run of "
            "static_keys deletes it once backup_days (%d) have passed, or delete it now: sudo -u %s rm -- %s"
            % (
                result["user"],
                path,
                backup["age_days"],
                module.params["backup_days"],
                result["user"],
                shlex.quote(path),
            )
        )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=USERS_OPTION,
            user=dict(type="str"),
            profiles=dict(type="list", elements="str"),
            backup=dict(type="bool", default=True),
            backup_days=dict(type="int", default=BACKUP_DAYS),
            **BOUNDS_SPEC,
        ),
        required_one_of=[("users", "user")],
        mutually_exclusive=[("users", "user"), ("users", "profiles")],
        required_together=[("user", "profiles")],
        supports_check_mode=True,
    )
    if module.params["backup_days"] < 0:
        module.fail_json(
            msg="backup_days: %d is negative; give the days a backup is kept (0 deletes them at the next run)"
            % module.params["backup_days"]
        )
    entries = module.params["users"] or [
        dict(user=module.params["user"], profiles=module.params["profiles"], state="absent")
    ]
    _check_entries(module, entries)
    try:
        bounds = bounds_from(module.params)
    except AsUserError as exc:
        module.fail_json(msg=str(exc))
    results, diffs = _users_results(module, entries, bounds)
    outcome = dict(
        changed=any(result["changed"] for result in results),
        users=results,
        remaining_total=sum(len(result["remaining"]) for result in results),
    )
    if module._diff:
        outcome["diff"] = diffs
    for result in results:
        _warn_backups(module, result)
    # Paths and messages in the results are the users' own text.
    outcome = printable_data(outcome)
    failure = failed_users_message("static_keys", outcome["users"])
    if failure:
        module.fail_json(msg=failure, **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
