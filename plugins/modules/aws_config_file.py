#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aws_config_file
short_description: Read or atomically replace a user's AWS config file (target side of aws_config)
version_added: 0.1.0
description:
  - The half of M(labcloud.aws_sso.aws_config) that runs on the managed host. It needs only Python's
    standard library there; all parsing and editing happens on the controller.
  - C(read) returns the file's text and a digest of it.
  - C(write) replaces the file only if it still has the digest the caller read (compare-and-swap under
    an exclusive lock on its directory), through a temp file and a rename in the same directory, owned
    by the user with mode C(0600). A missing directory is created with mode C(0700).
  - Use M(labcloud.aws_sso.aws_config) in playbooks; this module is its transport.
author:
  - labcloud engineers (@labcloud)
options:
  operation:
    description: Read the file, or write it.
    type: str
    required: true
    choices: [read, write]
  user:
    description: Whose file. Defaults to the user the task runs as.
    type: str
  path:
    description: The file. Defaults to C(~user/.aws/config).
    type: path
  content:
    description: The new text of the file, with O(operation=write).
    type: str
  expected_sha256:
    description:
      - With O(operation=write), the digest returned by the read the content was computed from, or
        C(absent) if the file did not exist. A different file on disk makes the write report C(conflict).
    type: str
  backup:
    description: Keep a timestamped copy of the previous file.
    type: bool
    default: false
attributes:
  check_mode:
    description: Can run in check mode; a write in check mode changes nothing.
    support: full
  diff_mode:
    description: Returns no diff; the aws_config action plugin computes it.
    support: none
  platform:
    description: Runs on POSIX hosts with Python.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Read alice's config (what the aws_config action plugin does first)
  labcloud.aws_sso.aws_config_file:
    operation: read
    user: alice
  register: current
"""

RETURN = r"""
path:
  description: The file.
  returned: always
  type: str
  sample: /home/alice/.aws/config
exists:
  description: Whether the file existed, with O(operation=read).
  returned: success
  type: bool
content:
  description: The file's text, with O(operation=read).
  returned: success
  type: str
sha256:
  description: Digest of the file now, or C(absent).
  returned: success
  type: str
mode:
  description: The file's mode as an octal string, with O(operation=read).
  returned: success
  type: str
owner_ok:
  description: Whether the file belongs to the user, with O(operation=read).
  returned: success
  type: bool
conflict:
  description: With O(operation=write), true if the file changed since it was read; nothing was written.
  returned: success
  type: bool
backup_file:
  description: The backup made, if any.
  returned: changed and O(backup=true)
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import (
    AtomicFileError,
    read_state,
    resolve,
    write_if_unchanged,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            operation=dict(type="str", required=True, choices=["read", "write"]),
            user=dict(type="str"),
            path=dict(type="path"),
            content=dict(type="str", no_log=True),
            expected_sha256=dict(type="str"),
            backup=dict(type="bool", default=False),
        ),
        required_if=[("operation", "write", ("content", "expected_sha256"))],
        supports_check_mode=True,
    )
    params = module.params
    try:
        path, uid, gid = resolve(params["user"], params["path"])
        if params["operation"] == "read":
            state = read_state(path)
            owner_ok = not state["exists"] or state["uid"] == uid
            module.exit_json(changed=False, path=path, owner_ok=owner_ok, **state)
        if module.check_mode:
            module.exit_json(changed=False, path=path, conflict=False)
        result = write_if_unchanged(
            path,
            params["content"],
            params["expected_sha256"],
            uid,
            gid,
            backup=module.backup_local if params["backup"] else None,
        )
    except (AtomicFileError, OSError) as exc:
        module.fail_json(msg=str(exc), path=params["path"])
    module.exit_json(path=path, **result)


if __name__ == "__main__":
    main()
