# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Attributes every module documents; a module states its support and says more where it has more to say."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode, reporting what would change and changing nothing.
  diff_mode:
    description: Returns what changed, or would change in check mode, before and after.
"""

    # Modules that run on the managed host and work on its files.
    POSIX = r"""
attributes:
  platform:
    description: Runs on POSIX hosts with Python 3.
    support: full
    platforms: posix
"""
