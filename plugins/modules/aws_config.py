#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aws_config
short_description: Manage sso-session and profile blocks in a user's AWS config file
version_added: 0.1.0
description:
  - Declares a user's whole AWS IAM Identity Center (SSO) set-up in one task, the way
    C(aws configure sso) would write it, but idempotently and for any number of users and hosts.
  - Manages C([sso-session NAME]), C([profile NAME]) and C([default]) blocks of C(~/.aws/config).
    Every comment, blank line, key order, unmanaged section (such as C([services ...])) and nested
    value outside what changes is kept byte for byte; updating one key changes one line.
  - The file is parsed and edited on the controller (this module is an action plugin that needs the
    Python package C(configupdater) there). Managed hosts need only the Python Ansible needs anyway.
  - The write is atomic (temp file and rename, owner the user, mode C(0600), C(~/.aws) created C(0700)) and a
    compare-and-swap on the content that was read, so two plays editing one file never lose an update.
  - Every option is checked before anything is written; a bad value fails with a message naming the
    field and the fix, and the file is left untouched. A file botocore could not read (duplicate
    section or key, text before the first section) fails with the line number and is never fixed silently.
  - Values of C(settings) keys that look like secrets (token, secret, password, credential...) are
    masked in the diff.
author:
  - labcloud engineers (@labcloud)
requirements:
  - configupdater >= 3.1 on the controller
options:
  user:
    description:
      - The user whose config is managed. The file belongs to this user after the write.
      - Defaults to the user the task runs as (after C(become)).
    type: str
  path:
    description:
      - The config file. Defaults to C(~user/.aws/config). C(~/) is the user's home.
    type: path
  sso_sessions:
    description: C([sso-session NAME]) blocks.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The session name, as in C([sso-session NAME]) and in profiles' O(profiles[].sso_session).
        type: str
        required: true
      state:
        description: V(absent) removes the block. Removing a session that a remaining profile uses is an error.
        type: str
        choices: [present, absent]
        default: present
      sso_start_url:
        description: The AWS access portal URL; must be C(https://). Required when V(present).
        type: str
      sso_region:
        description: The region of IAM Identity Center, for example C(us-east-1). Required when V(present).
        type: str
      sso_registration_scopes:
        description: A scope, a comma-separated string of scopes, or a list of them.
        type: raw
        default: sso:account:access
      settings:
        description:
          - Further keys, written verbatim. A mapping as value becomes an indented block of sub-settings.
        type: dict
        default: {}
      purge_keys:
        description: Remove keys of this block that are not declared.
        type: bool
        default: false
  profiles:
    description: C([profile NAME]) blocks; the name C(default) is written as C([default]).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The profile name. C(default) is the C([default]) block (never C([profile default]); an existing
            C([profile default]) is renamed).
        type: str
        required: true
      state:
        description: V(absent) removes the block.
        type: str
        choices: [present, absent]
        default: present
      sso_session:
        description: The sso-session block this profile uses. It must exist in the file or in this task.
        type: str
      sso_account_id:
        description:
          - The 12-digit AWS account ID, as a quoted string. An unquoted number that lost its leading zeros is refused.
        type: raw
      sso_role_name:
        description: The permission set (role) name, for example C(PowerUserAccess).
        type: str
      region:
        description: Default region for commands run with this profile.
        type: str
      output:
        description: Default output format.
        type: str
        choices: [json, yaml, yaml-stream, text, table]
      settings:
        description:
          - Further keys, written verbatim (for example C(cli_pager) or C(duration_seconds)).
            A mapping as value becomes an indented block of sub-settings (for example C(s3)).
        type: dict
        default: {}
      purge_keys:
        description: Remove keys of this block that are not declared.
        type: bool
        default: false
  exclusive:
    description:
      - Remove every sso-session and profile block (including C([default])) that is not declared.
        Other sections, such as C([services ...]), are never touched.
    type: bool
    default: false
  migrate_legacy:
    description:
      - A declared profile that still carries C(sso_start_url) and C(sso_region) inline (the legacy form,
        which cannot refresh its token) loses those keys and refers to its declared O(profiles[].sso_session) instead.
      - With V(false) such keys are kept, and a value that differs from the session's is an error.
    type: bool
    default: true
  backup:
    description: Keep a timestamped copy of the previous file next to it.
    type: bool
    default: false
attributes:
  action:
    description: An action plugin parses and edits the file on the controller.
    support: full
  check_mode:
    description: Reports what would change, with the diff, and writes nothing.
    support: full
  diff_mode:
    description: Returns the file before and after, secret-looking values masked.
    support: full
  platform:
    description: Manages files on POSIX hosts with Python.
    support: full
    platforms: posix
notes:
  - The file is rewritten only when its text changes, and then only the changed lines differ.
  - If the file's mode is not C(0600) or its owner is not the user, a run fixes that and reports a change.
seealso:
  - module: labcloud.aws_sso.aws_config_file
  - name: Configuration and credential file settings in the AWS CLI
    description: The file format this module writes.
    link: https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
"""

EXAMPLES = r"""
- name: Give alice the lab's SSO profiles
  labcloud.aws_sso.aws_config:
    user: alice
    sso_sessions:
      - name: corp
        sso_start_url: https://corp.awsapps.com/start
        sso_region: us-east-1
    profiles:
      - name: dev
        sso_session: corp
        sso_account_id: "012345678901"
        sso_role_name: PowerUserAccess
        region: us-west-2
        output: json
        settings:
          cli_pager: ""
          s3:
            max_concurrent_requests: 20
      - name: default
        sso_session: corp
        sso_account_id: "012345678901"
        sso_role_name: ReadOnly
      - name: old-sandbox
        state: absent

- name: Keep only what is declared here, with a backup of the old file
  labcloud.aws_sso.aws_config:
    user: bob
    exclusive: true
    backup: true
    sso_sessions:
      - name: corp
        sso_start_url: https://corp.awsapps.com/start
        sso_region: us-east-1
    profiles:
      - name: research
        sso_session: corp
        sso_account_id: "210987654321"
        sso_role_name: ResearcherAccess
        purge_keys: true
"""

RETURN = r"""
path:
  description: The config file on the managed host.
  returned: always
  type: str
  sample: /home/alice/.aws/config
backup_file:
  description: The copy of the previous file.
  returned: changed and O(backup=true)
  type: str
  sample: /home/alice/.aws/config.12345.2026-11-22@10:00:00~
sessions_added:
  description: Names of the sso-session blocks added.
  returned: always
  type: list
  elements: str
  sample: [corp]
sessions_updated:
  description: Names of the sso-session blocks changed.
  returned: always
  type: list
  elements: str
sessions_removed:
  description: Names of the sso-session blocks removed.
  returned: always
  type: list
  elements: str
profiles_added:
  description: Names of the profiles added (C(default) for C([default])).
  returned: always
  type: list
  elements: str
  sample: [dev, default]
profiles_updated:
  description: Names of the profiles changed.
  returned: always
  type: list
  elements: str
profiles_removed:
  description: Names of the profiles removed.
  returned: always
  type: list
  elements: str
  sample: [old-sandbox]
diff:
  description: The file before and after, with secret-looking values masked.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import ARGUMENT_SPEC


def main():
    # The action plugin of the same name does the work on the controller;
    # reaching this means the module was called without it (e.g. by raw
    # AnsiballZ), which cannot parse the file on the host by design.
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="labcloud.aws_sso.aws_config runs through its action plugin on the controller")


if __name__ == "__main__":
    main()
