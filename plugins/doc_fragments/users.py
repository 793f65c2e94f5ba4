# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The users option of every module that acts as each of a host's users.

ansible-core merges a fragment's option one level deep: a module that lists
suboptions of its own replaces these, so such a module repeats O(users[].user).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  users:
    description:
      - The users of the host this task acts for.
    type: list
    elements: dict
    suboptions:
      user:
        description: The user, as known on the managed host.
        type: str
        required: true
notes:
  - All entries of O(users) are handled in one module call to the host, each user's part by processes running as
    that user, so a host costs the same round trips for one user as for forty. A user listed twice in O(users) is
    refused before anything is done.
"""
