# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Argument spec of labcloud.aws_sso.aws_config.

Shared by the module file (so ansible-doc and validate-modules see it) and
the action plugin (which validates on the controller before touching a host).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import BOUNDS_SPEC
from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_values import OUTPUT_CHOICES
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import users_option

# What every block (sso-session, profile, services) is addressed and kept by.
_BLOCK_NAMED = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    purge_keys=dict(type="bool", default=False),
)

_BLOCK_COMMON = dict(_BLOCK_NAMED, settings=dict(type="dict", default={}))

SESSION_SPEC = dict(
    _BLOCK_COMMON,
    sso_start_url=dict(type="str"),
    sso_region=dict(type="str"),
    sso_registration_scopes=dict(type="raw", default="sso:account:access"),
)

PROFILE_SPEC = dict(
    _BLOCK_COMMON,
    sso_session=dict(type="str"),
    # raw, not str: an integer from YAML has lost its leading zeros and must be
    # refused with a hint, not silently turned into a wrong account id.
    sso_account_id=dict(type="raw"),
    sso_role_name=dict(type="str"),
    region=dict(type="str"),
    output=dict(type="str", choices=OUTPUT_CHOICES),
    services=dict(type="str"),
)

# No settings: botocore reads a services block only as service id -> nested
# sub-settings; a plain value there fails every call to that service.
SERVICES_SPEC = dict(_BLOCK_NAMED, endpoints=dict(type="dict", default={}))

# One entry per user of a host, all read in one call and written in one call.
# Unset options fall back to the task's own, so no defaults here.
USERS_OPTION = users_option(
    path=dict(type="str"),
    # Entries are checked against SESSION_SPEC, PROFILE_SPEC and SERVICES_SPEC
    # by the action plugin, per user; nesting those specs here would make
    # every suboption documented twice.
    sso_sessions=dict(type="list", elements="dict"),
    profiles=dict(type="list", elements="dict"),
    services=dict(type="list", elements="dict"),
    exclusive=dict(type="bool"),
    migrate_legacy=dict(type="bool"),
    backup=dict(type="bool"),
)
USER_SPEC = USERS_OPTION["options"]

MUTUALLY_EXCLUSIVE = [("users", "user"), ("users", "path")]

ARGUMENT_SPEC = dict(
    users=USERS_OPTION,
    user=dict(type="str"),
    path=dict(type="str"),
    sso_sessions=dict(type="list", elements="dict", default=[], options=SESSION_SPEC),
    profiles=dict(type="list", elements="dict", default=[], options=PROFILE_SPEC),
    services=dict(type="list", elements="dict", default=[], options=SERVICES_SPEC),
    exclusive=dict(type="bool", default=False),
    migrate_legacy=dict(type="bool", default=True),
    backup=dict(type="bool", default=False),
    **BOUNDS_SPEC,
)
