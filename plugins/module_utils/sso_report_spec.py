# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Argument spec of labcloud.aws_sso.sso_report.

Shared by the module file (for ansible-doc and validate-modules) and the
action plugin (which validates on the controller).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_identity import STATUSES

ARGUMENT_SPEC = dict(
    results=dict(type="dict", required=True),
    hosts=dict(type="list", elements="str"),
    dest=dict(type="path", required=True),
    fail_on=dict(type="list", elements="str", default=[], choices=list(STATUSES)),
    title=dict(type="str", default="AWS SSO access report"),
    limit=dict(type="str"),
    validate_only=dict(type="bool", default=False),
)
