# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The backup option of the modules that replace a user's AWS config file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  backup:
    description:
      - Keep a timestamped copy of the previous file, mode C(0600), next to it, made as the file's user.
    type: bool
    default: false
"""
