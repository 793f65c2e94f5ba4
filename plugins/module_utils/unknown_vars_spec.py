# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Argument spec of labcloud.aws_sso.unknown_vars.

Shared by the module file (for ansible-doc and validate-modules) and the
action plugin (which validates on the controller).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ARGUMENT_SPEC = dict(
    mode=dict(type="str", choices=["fail", "warn", "ignore"], default="fail"),
    namespaces=dict(type="list", elements="str", default=[]),
)
