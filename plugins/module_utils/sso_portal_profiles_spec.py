# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Argument specs of labcloud.aws_sso.sso_portal_profiles and sso_discover.

Shared by the module files (for ansible-doc and validate-modules) and the
action plugins (which validate on the controller).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import BOUNDS_SPEC
from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_values import OUTPUT_CHOICES
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import users_option

ARGUMENT_SPEC = dict(
    users=users_option(session=dict(type="str"), path=dict(type="str")),
    user=dict(type="str"),
    path=dict(type="str"),
    session=dict(type="str", required=True),
    name_template=dict(type="str", default="{account_name}-{role_name}"),
    trim=dict(type="dict", default={}),
    case=dict(type="dict", default={}),
    names=dict(type="dict", default={}),
    include_accounts=dict(type="list", elements="str"),
    exclude_accounts=dict(type="list", elements="str"),
    include_roles=dict(type="list", elements="str"),
    exclude_roles=dict(type="list", elements="str"),
    region=dict(type="str"),
    output=dict(type="str", choices=OUTPUT_CHOICES),
    per_account=dict(type="dict", default={}),
    settings=dict(type="dict", default={}),
    prune=dict(type="bool", default=False),
    fail_on_login_required=dict(type="bool", default=False),
    backup=dict(type="bool", default=False),
    page_size=dict(type="int", default=100),
    workers=dict(type="int", default=4),
    cli_environment=dict(type="dict", default={}),
    **BOUNDS_SPEC,
)

MUTUALLY_EXCLUSIVE = [("users", "user"), ("users", "path")]

_NAMING = (
    "name_template trim case names include_accounts exclude_accounts include_roles exclude_roles "
    "region output per_account settings page_size workers"
).split()

DISCOVER_SPEC = dict(
    session=dict(type="str", required=True),
    dest=dict(type="path", required=True),
    config=dict(type="path", default="~/.aws/config"),
    variable=dict(type="str", default="aws_sso_profiles"),
)
DISCOVER_SPEC.update((key, ARGUMENT_SPEC[key]) for key in _NAMING)
