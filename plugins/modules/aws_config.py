#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aws_config
short_description: Manage sso-session, profile and services blocks in a user's AWS config file
version_added: 0.1.0
description:
  - Declares a user's whole AWS IAM Identity Center (SSO) set-up in one task, the way
    C(aws configure sso) would write it, but idempotently and for any number of users and hosts.
  - Manages C([sso-session NAME]), C([profile NAME]), C([default]) and C([services NAME]) blocks of
    C(~/.aws/config). Every comment, blank line, key order, unmanaged section (such as C([plugins])) and
    nested value outside what changes is kept byte for byte; updating one key changes one line.
  - C([services NAME]) blocks send the AWS CLI to private endpoints (VPC endpoints for STS, the SSO portal
    and SSO-OIDC) in labs without a route to the public ones; profiles name them with O(profiles[].services).
    See C(docs/services.md) in the collection's repository for what the AWS CLI reads where.
  - The file is parsed and edited on the controller (this module is an action plugin that needs the
    Python package C(configupdater) there). Managed hosts need only the Python Ansible needs anyway.
  - The write is atomic (temp file and rename, mode C(0600), C(~/.aws) created C(0700)) and a
    compare-and-swap on the content that was read, so two plays editing one file never lose an update.
  - Users are not trusted. Every read, write, rename, mkdir, chmod and backup in the user's home runs in a
    process with that user's uid, gid and supplementary groups, never root's. Whatever the user has put in
    their home (symlinks, swapped directories, races between the read and the write), the module can reach
    only what the user could reach, and nothing of a file the user could not read appears in its output.
    The same makes homes on NFS with C(root_squash), which root cannot write, work.
  - A config file that is a symlink the user may follow (dotfiles kept with stow, chezmoi or a repository)
    is updated where it leads, atomically, and stays a symlink. A file in the user's way that belongs to
    someone else is refused with an error, never chowned.
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
  users:
    description:
      - Many users' files of one host in one task, read in one call to the host and written in one call,
        whatever their number. Each entry is one user's file; its options, when set, replace the task's own
        O(sso_sessions), O(profiles), O(services), O(exclusive), O(migrate_legacy) and O(backup) for that user.
      - Every entry is checked before anything is written. A user whose file cannot be written (a file
        botocore cannot read, a refused path) fails the task, listed in RV(users); the others are written.
      - Mutually exclusive with O(user) and O(path).
    suboptions:
      user:
        description: Whose file this entry is.
        type: str
        required: true
      path:
        description: As O(path), for this user.
        type: str
      sso_sessions:
        description: This user's sso-session blocks, instead of O(sso_sessions); same suboptions.
        type: list
        elements: dict
      profiles:
        description: This user's profile blocks, instead of O(profiles); same suboptions.
        type: list
        elements: dict
      services:
        description: This user's services blocks, instead of O(services); same suboptions.
        type: list
        elements: dict
      exclusive:
        description: As O(exclusive), for this user.
        type: bool
      migrate_legacy:
        description: As O(migrate_legacy), for this user.
        type: bool
      backup:
        description: As O(backup), for this user.
        type: bool
  user:
    description:
      - The user whose config is managed. Defaults to the user the task runs as (after C(become)).
      - Every read and write of the file runs with this user's uid, gid and groups, never with root's, so a
        play that runs as root can manage any user's file safely; managing another user's file needs root.
    type: str
  path:
    description:
      - The config file, absolute or starting with C(~/). Defaults to C(~/.aws/config).
      - C(~/) is the home of O(user) on the managed host, from its user database (not the controller's home).
    type: str
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
      purge_keys:
        description: Remove keys of this profile that are neither its named options nor in its O(profiles[].settings).
        type: bool
        default: false
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
      services:
        description:
          - The C([services NAME]) block this profile uses (C(services = NAME)). It must exist in the file, not
            empty, or be declared in O(services); otherwise every command run with the profile fails
            (C(The profile is configured to use the services section but the "NAME" services configuration does
            not exist.)).
          - The AWS CLI 2.38.5 reads it for every client of the profile, among them C(sts), the SSO portal C(sso)
            (GetRoleCredentials) and C(sso_oidc), which C(aws sso login --profile NAME) and the token refresh
            use. C(aws sso login --sso-session NAME) reads the services of the profile the command runs with,
            C([default]) unless C(--profile) or C(AWS_PROFILE) says otherwise, so set it on C(default) too.
          - An sso-session block cannot take it (the CLI ignores it there, and a value that differs from the
            profile's makes botocore fail with C(The value for services is inconsistent between profile and
            sso-session)).
        type: str
      settings:
        description:
          - Further keys, written verbatim (for example C(cli_pager) or C(duration_seconds)).
            A mapping as value becomes an indented block of sub-settings (for example C(s3)).
        type: dict
        default: {}
  services:
    description:
      - C([services NAME]) blocks, each a set of service endpoints that profiles name with O(profiles[].services).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The block name, as in C([services NAME]) and in profiles' O(profiles[].services).
        type: str
        required: true
      state:
        description: V(absent) removes the block. Removing a block that a remaining profile uses is an error.
        type: str
        choices: [present, absent]
        default: present
      endpoints:
        description:
          - The services of the block, written as indented sub-settings. A mapping of service id to a mapping of
            settings; C(endpoint_url) is the only setting botocore reads there, and it is required. See the
            examples.
          - A service id is how botocore looks the client up, lower-case with C(_) for a space or hyphen -
            C(sts), C(sso) (the SSO portal, GetRoleCredentials), C(sso_oidc) (sign-in and token refresh), C(s3).
            Any other spelling (C(sso-oidc), C(SSO_OIDC)) is never read and is refused.
          - C(endpoint_url) must be an C(http://) or C(https://) URL with a host (and optionally a port and a
            path), without user name, password, query or fragment; it is written as given.
          - A declared service replaces that service's sub-settings in the file; services of the block that
            are not declared stay unless O(services[].purge_keys). At least one service is required when
            V(present) (botocore reads an empty block as missing).
          - The variables C(AWS_ENDPOINT_URL_<SERVICE>) and C(AWS_ENDPOINT_URL) take precedence over the file.
        type: dict
        default: {}
      purge_keys:
        description: Remove services of this block that are not declared.
        type: bool
        default: false
  exclusive:
    description:
      - Remove every sso-session, profile (including C([default])) and services block that is not declared.
        Other sections, such as C([plugins]), are never touched.
      - A services block that a remaining profile uses is not removed silently; the task fails naming it.
    type: bool
    default: false
  migrate_legacy:
    description:
      - A declared profile that still carries C(sso_start_url) and C(sso_region) inline (the legacy form,
        which cannot refresh its token) loses those keys and refers to its declared O(profiles[].sso_session) instead.
      - With V(false) such keys are kept, and a value that differs from the session's is an error.
    type: bool
    default: true
extends_documentation_fragment:
  - labcloud.aws_sso.backup
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.user_bounds
  - labcloud.aws_sso.users
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
notes:
  - The file is rewritten only when its text changes, and then only the changed lines differ.
  - If the file's mode is not C(0600), a run sets it, reports a change with RV(attributes_fixed) and shows it in the diff.
  - See C(docs/security.md) in the collection's repository for the threat model and how each guarantee is tested.
  - See C(docs/services.md) in the collection's repository for which C(services) the AWS CLI 2.38.5 honours where,
    checked against a local IAM Identity Center.
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

- name: Every lab user of this host in one task (one read and one write on the host, whatever their number)
  labcloud.aws_sso.aws_config:
    users:
      - user: alice
      - user: bob
      - user: carol
        profiles:                        # carol gets only this profile
          - name: research
            sso_session: corp
            sso_account_id: "210987654321"
            sso_role_name: ResearcherAccess
    # The lab's declaration, kept once in group_vars (shaped as in the task above)
    sso_sessions: "{{ lab_sso_sessions }}"
    profiles: "{{ lab_profiles }}"
  become: true

- name: A lab that reaches STS, the SSO portal and SSO-OIDC only through VPC endpoints
  labcloud.aws_sso.aws_config:
    user: alice
    services:
      - name: lab-endpoints
        endpoints:
          sts:
            endpoint_url: https://vpce-0a1b2c3d-sts.sts.us-east-1.vpce.amazonaws.com
          sso:
            endpoint_url: https://vpce-0a1b2c3d-portal.portal.sso.us-east-1.vpce.amazonaws.com
          sso_oidc:
            endpoint_url: https://vpce-0a1b2c3d-oidc.oidc.us-east-1.vpce.amazonaws.com
    sso_sessions: "{{ lab_sso_sessions }}"    # the corp session of the first task
    profiles:
      - name: dev
        sso_session: corp
        sso_account_id: "012345678901"
        sso_role_name: PowerUserAccess
        services: lab-endpoints          # sign-in, refresh, role credentials and STS of this profile
      - name: default                    # aws sso login --sso-session corp reads the default profile's
        services: lab-endpoints

- name: Keep only what is declared here, with a backup of the old file
  labcloud.aws_sso.aws_config:
    user: bob
    exclusive: true
    backup: true
    sso_sessions: "{{ lab_sso_sessions }}"    # the corp session of the first task
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
  returned: without O(users)
  type: str
  sample: /home/alice/.aws/config
backup_file:
  description: The copy of the previous file.
  returned: changed and O(backup=true)
  type: str
  sample: /home/alice/.aws/config.12345.2026-11-22@10:00:00~
target:
  description: Where the config file, a symlink, leads; the file really written.
  returned: when the config file is a symlink
  type: str
  sample: /home/alice/dotfiles/aws/config
attributes_fixed:
  description: File attributes set right without a change of content (C(mode) for a mode other than C(0600)).
  returned: success
  type: list
  elements: str
  sample: [mode]
users:
  description:
    - With O(users), one result per entry, in order, each with the keys a single-user run returns
      (C(path), C(changed), C(sessions_added), C(profiles_updated), C(services_removed)...), plus C(user),
      C(failed) and, for a failed entry, C(msg).
    - The top-level C(sessions_*), C(profiles_*) and C(services_*) lists are not returned with O(users).
  returned: with O(users)
  type: list
  elements: dict
sessions_added:
  description: Names of the sso-session blocks added.
  returned: without O(users)
  type: list
  elements: str
  sample: [corp]
sessions_updated:
  description: Names of the sso-session blocks changed.
  returned: without O(users)
  type: list
  elements: str
sessions_removed:
  description: Names of the sso-session blocks removed.
  returned: without O(users)
  type: list
  elements: str
profiles_added:
  description: Names of the profiles added (C(default) for C([default])).
  returned: without O(users)
  type: list
  elements: str
  sample: [dev, default]
profiles_updated:
  description: Names of the profiles changed.
  returned: without O(users)
  type: list
  elements: str
profiles_removed:
  description: Names of the profiles removed.
  returned: without O(users)
  type: list
  elements: str
  sample: [old-sandbox]
services_added:
  description: Names of the services blocks added.
  returned: without O(users)
  type: list
  elements: str
  sample: [lab-endpoints]
services_updated:
  description: Names of the services blocks changed.
  returned: without O(users)
  type: list
  elements: str
services_removed:
  description: Names of the services blocks removed (by O(services[].state=absent) or O(exclusive)).
  returned: without O(users)
  type: list
  elements: str
diff:
  description:
    - The file before and after, with secret-looking values masked; a fixed mode as C(mode) before and after.
    - A list of both when the content and the mode change.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.labcloud.aws_sso.plugins.module_utils import aws_config_spec
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse


def main():
    validate_then_refuse("aws_config", aws_config_spec.ARGUMENT_SPEC, aws_config_spec.MUTUALLY_EXCLUSIVE)


if __name__ == "__main__":
    main()
