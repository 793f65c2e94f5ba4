# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Argument spec of labcloud.aws_sso.sso_login_show.

Shared by the module file (for ansible-doc and validate-modules) and the
action plugin (which validates on the controller).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ARGUMENT_SPEC = dict(
    rows=dict(type="list", elements="dict", required=True),
    kind=dict(type="str", choices=["pending", "result"], default="pending"),
    title=dict(type="str"),
)
