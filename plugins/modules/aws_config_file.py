#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aws_config_file
short_description: Read or atomically replace users' AWS config files, as those users (target side of aws_config)
version_added: 0.1.0
description:
  - The half of M(labcloud.aws_sso.aws_config) that runs on the managed host. It needs only Python's
    standard library there; all parsing and editing happens on the controller.
  - Takes a list of files, of one or many users, so that a whole host costs one call to read and one to write.
  - Every file operation runs with the file's user's uid, gid and supplementary groups, never with root's.
    When the task runs as root, a child process switches to the user for good and does the work, so symlinks,
    swapped directories and races in the user's home can only reach what the user could reach. This is also
    what makes homes on NFS with C(root_squash) work.
  - C(read) returns the file's text and a digest of it. A file that belongs to another user is refused unread.
  - C(write) replaces the file only if it still has the digest the caller read (compare-and-swap under
    an exclusive lock on its directory), through a temp file and a rename in the same directory, with mode
    C(0600). A missing directory is created with mode C(0700). A symlinked file is updated where the link
    leads, and the link is kept.
  - Use M(labcloud.aws_sso.aws_config) in playbooks; this module is its transport.
author:
  - labcloud engineers (@labcloud)
options:
  operation:
    description: Read the files, or write them.
    type: str
    required: true
    choices: [read, write]
  files:
    description: The files, each of one user. Files of one user are handled by one process acting as that user.
    type: list
    elements: dict
    required: true
    suboptions:
      user:
        description: Whose file. Defaults to the user the task runs as.
        type: str
      path:
        description:
          - The file, absolute or starting with C(~/), which is the home of O(files[].user) on the managed host.
            Defaults to C(~/.aws/config).
        type: str
      content:
        description:
          - The new text of the file, with O(operation=write).
          - Omitted with O(operation=write), the text is kept and only the mode is set to C(0600).
        type: str
      expected_sha256:
        description:
          - With O(operation=write), the digest returned by the read the content was computed from, or
            C(absent) if the file did not exist. A different file on disk makes the write report C(conflict).
        type: str
      backup:
        description: With O(operation=write), first copy the file being replaced to a timestamped file next to it (C(0600)).
        type: bool
        default: false
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.attributes.posix
  - labcloud.aws_sso.user_bounds
attributes:
  check_mode:
    description: Can run in check mode; a write in check mode changes nothing.
    support: full
  diff_mode:
    description: Returns no diff; the aws_config action plugin computes it.
    support: none
notes:
  - Acting for another user needs root (C(become)); a task that runs as the user manages only that user's files.
"""

EXAMPLES = r"""
- name: Read alice's and bob's configs (what the aws_config action plugin does first)
  labcloud.aws_sso.aws_config_file:
    operation: read
    files:
      - user: alice
      - user: bob
        path: ~/.aws/config
  become: true
  register: current
"""

RETURN = r"""
files:
  description: One result per entry of O(files), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user acted as.
      type: str
      sample: alice
    path:
      description: The file, with C(~/) expanded on the host.
      type: str
      sample: /home/alice/.aws/config
    target:
      description: The file really read or written (where a symlink at RV(files[].path) leads).
      type: str
    failed:
      description: Whether this entry failed; RV(files[].msg) says why, and nothing was written for it.
      type: bool
    msg:
      description: What was refused or failed, naming the path and the user, never the file's content.
      type: str
    exists:
      description: Whether the file existed, with O(operation=read).
      type: bool
    content:
      description: The file's text, with O(operation=read).
      type: str
    sha256:
      description: Digest of the file now, or C(absent).
      type: str
    mode:
      description: The file's mode as an octal string, with O(operation=read).
      type: str
    conflict:
      description: With O(operation=write), true if the file changed since it was read; nothing was written.
      type: bool
    changed:
      description: With O(operation=write), whether the file was written.
      type: bool
    backup_file:
      description: The backup made, if any.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account, expand_path
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import (
    BOUNDS_SPEC,
    bounds_from,
    describe_os_error,
    run_as_many,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import (
    read_state,
    write_if_unchanged,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

DEFAULT_PATH = ".aws/config"

FILE_SPEC = dict(
    user=dict(type="str"),
    path=dict(type="str"),
    content=dict(type="str", no_log=True),
    expected_sha256=dict(type="str"),
    backup=dict(type="bool", default=False),
)


def _one(acct, operation, path, entry):
    if operation == "read":
        return read_state(path, acct.uid)
    if entry["expected_sha256"] is None:
        raise AsUserError("expected_sha256 is required to write %s" % path)
    return write_if_unchanged(path, entry["content"], entry["expected_sha256"], acct.uid, entry["backup"])


def _as_user(acct, operation, items):
    """Runs as the user: every file of theirs, each failing on its own."""
    answers = []
    for path, entry in items:
        try:
            answers.append(_one(acct, operation, path, entry))
        except AsUserError as exc:
            answers.append(dict(failed=True, msg=str(exc)))
        except OSError as exc:
            answers.append(dict(failed=True, msg=describe_os_error(exc, acct)))
    return answers


def main():
    module = AnsibleModule(
        argument_spec=dict(
            operation=dict(type="str", required=True, choices=["read", "write"]),
            files=dict(type="list", elements="dict", required=True, options=FILE_SPEC),
            **BOUNDS_SPEC,
        ),
        supports_check_mode=True,
    )
    operation = module.params["operation"]
    results = [None] * len(module.params["files"])
    by_user = {}
    for index, entry in enumerate(module.params["files"]):
        try:
            acct = account(entry["user"])
            path = expand_path(acct, entry["path"], DEFAULT_PATH)
        except AsUserError as exc:
            results[index] = dict(user=entry["user"], path=entry["path"], failed=True, msg=str(exc))
            continue
        results[index] = dict(user=acct.name, path=path)
        by_user.setdefault(acct, []).append((index, path, entry))
    if operation == "write" and module.check_mode:
        for result in results:
            result.setdefault("conflict", False)
        module.exit_json(changed=False, files=results)
    try:
        bounds = bounds_from(module.params)
    except AsUserError as exc:
        module.fail_json(msg=str(exc))
    groups = list(by_user.items())
    jobs = [
        (acct, _as_user, (acct, operation, [(path, entry) for _index, path, entry in items])) for acct, items in groups
    ]
    for (_acct, items), (answers, error) in zip(groups, run_as_many(jobs, **bounds)):
        if error is not None:
            answers = [dict(failed=True, msg=error)] * len(items)
        for (index, _path, _entry), answer in zip(items, answers):
            results[index].update(answer)
    for result in results:
        # A message or a symlink's target can carry a name the user chose; content is data, left as it is.
        result.update((key, printable(result[key])) for key in ("msg", "target") if key in result)
    module.exit_json(changed=any(r.get("changed") for r in results), files=results)


if __name__ == "__main__":
    main()
