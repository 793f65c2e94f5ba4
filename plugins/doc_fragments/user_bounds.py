# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Options of every module that does a part of its work as each user."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  user_timeout:
    description:
      - Seconds one user's part of the task may take (reading and writing their files, waiting for a lock in
        their home, running their shell or the AWS CLI as them, calling the portal for them).
      - At the deadline the part and every process it started are ended, also processes that left its session
        (the module is a child subreaper and kills what comes back to it). That user's result says it timed
        out; the other users' results are complete.
      - Each part also runs with resource limits (2 GiB of address space per process, 256 processes beyond
        those the user already has, CPU seconds of one process at most O(user_timeout) + 5, files of at most
        256 MiB, no core dumps, not dumpable), in a session of its own, with no descriptor of root's and a
        clean environment (C(HOME), C(USER), C(LOGNAME), C(SHELL), C(PATH), C(LANG)).
    type: int
    default: 120
  user_parallel:
    description:
      - How many users' parts run at once on a host. A hung home costs one deadline, not one per user after it.
    type: int
    default: 4
notes:
  - Every file in a user's home is read with the user's rights, regular files only, opened without blocking
    (a FIFO is refused, never waited on), and at most a fixed number of bytes really read (a file in C(/proc)
    that claims to be empty is still bounded). See C(docs/security.md).
"""
