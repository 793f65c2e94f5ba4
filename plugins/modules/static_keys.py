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
      - The users of the host and the profiles of each whose keys go. All of them are handled in one module
        call, each by a process acting as that user.
      - A user listed twice is refused before anything is done.
    type: list
    elements: dict
    required: true
    suboptions:
      user:
        description: The user, as known on the managed host.
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
  backup:
    description:
      - Before a file is first changed, keep a copy of it next to it (C(credentials.PID.DATE@TIME~)), made as the
        user, mode C(0600). It holds the keys that were removed, until you delete it.
    type: bool
    default: true
attributes:
  check_mode:
    description: Reports what would be removed, as RV(users[].removed) and in the diff; writes nothing.
    support: full
  diff_mode:
    description: Shows each changed file before and after, with every secret value masked.
    support: full
  platform:
    description: Runs on POSIX hosts with Python.
    support: full
    platforms: posix
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.static_keys import (
    DEFAULT_PATHS,
    KINDS,
    process_user,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_files import (
    UserFileError,
    account,
    expand_path,
    failed_users_message,
    run_as,
)

USER_SPEC = dict(
    user=dict(type="str", required=True),
    profiles=dict(type="list", elements="str", required=True),
    state=dict(type="str", default="absent", choices=["absent"]),
)


def _empty(user):
    return dict(
        user=user,
        changed=False,
        removed={kind: {} for kind in KINDS},
        sections_removed=[],
        backup_files=[],
        remaining=[],
    )


def _check_entries(module, entries):
    """Refuse ambiguous input before any user is touched."""
    seen = {}
    for index, entry in enumerate(entries):
        name = entry["user"]
        if name in seen:
            module.fail_json(
                msg="users[%d]: user %r is already listed at users[%d]; list each user once, "
                "with all their profiles" % (index, name, seen[name])
            )
        seen[name] = index
        for position, profile in enumerate(entry["profiles"]):
            if not profile or not profile.strip() or any(c in profile for c in "\r\n[]"):
                module.fail_json(
                    msg="users[%d] (%s).profiles[%d]: %r is no profile name; write the name as in "
                    "`aws --profile NAME` (default for [default])" % (index, name, position, profile)
                )


def _one_user(module, entry):
    result = _empty(entry["user"])
    try:
        acct = account(entry["user"])
        result["user"] = acct.name
        paths = {kind: expand_path(acct, None, DEFAULT_PATHS[kind]) for kind in KINDS}
        outcome = run_as(
            acct,
            process_user,
            acct,
            paths,
            sorted(set(entry["profiles"])),
            module.params["backup"],
            module.check_mode,
            module._diff,
        )
    except UserFileError as exc:
        result.update(failed=True, msg=str(exc))
        return result, []
    diffs = outcome.pop("diff", [])
    result.update(outcome)
    return result, diffs


def main():
    module = AnsibleModule(
        argument_spec=dict(
            users=dict(type="list", elements="dict", required=True, options=USER_SPEC),
            backup=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    _check_entries(module, module.params["users"])
    results = []
    diffs = []
    for entry in module.params["users"]:
        result, user_diffs = _one_user(module, entry)
        results.append(result)
        diffs.extend(user_diffs)
    outcome = dict(
        changed=any(result["changed"] for result in results),
        users=results,
        remaining_total=sum(len(result["remaining"]) for result in results),
    )
    if module._diff:
        outcome["diff"] = diffs
    failure = failed_users_message("static_keys", results)
    if failure:
        module.fail_json(msg=failure, **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
