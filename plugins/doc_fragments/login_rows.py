# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The input of the filters that present the login playbook's sign-in rows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  _input:
    description: Rows from P(labcloud.aws_sso.sso_login_rows#filter), one per sign-in.
    type: list
    elements: dict
    required: true
"""
