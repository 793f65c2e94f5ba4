# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Options that name, filter and fill the profiles made from a portal listing (sso_portal_profiles, sso_discover)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  name_template:
    description:
      - How a profile is named, with the fields C({account_id}), C({account_name}), C({account_email}),
        C({role_name}) and C({session}). The result is then made safe for a profile name (only ASCII letters,
        digits, C(.), C(_) and C(-) are kept; accented Latin letters lose their accents, anything else becomes C(-)).
      - aws-sso-util's style is C({account_name}.{role_name}); granted's C({account_name}/{role_name}) has a C(/),
        which a profile name cannot hold, so it becomes C(account-name-role).
    type: str
    default: "{account_name}-{role_name}"
  trim:
    description:
      - Per field, regular expressions whose matches are removed from the field's value before it goes into the
        name, for example C(^acme-) under C(account_name). Whitespace at the ends is dropped after.
    type: dict
    default: {}
  case:
    description:
      - Per field, C(keep), C(lower) or C(upper), for example C(lower) under C(account_name). The key C(name) applies to the
        whole rendered name.
    type: dict
    default: {}
  names:
    description:
      - Explicit names for particular pairs, keyed C(ACCOUNT/ROLE) where ACCOUNT is the account id or the account
        name as the portal gives it, for example C(111111111111/AdministratorAccess). They must already be
        safe names. A key that matches nothing is reported as a warning.
    type: dict
    default: {}
  include_accounts:
    description: Shell patterns (case-insensitive) on account id or name; only matching accounts get profiles.
    type: list
    elements: str
  exclude_accounts:
    description: Shell patterns (case-insensitive) on account id or name; matching accounts get no profiles.
    type: list
    elements: str
  include_roles:
    description: Shell patterns (case-insensitive) on role names; only matching roles get profiles.
    type: list
    elements: str
  exclude_roles:
    description: Shell patterns (case-insensitive) on role names; matching roles get no profiles.
    type: list
    elements: str
  region:
    description: C(region) of every generated profile, unless O(per_account) says otherwise. Unset, none is written.
    type: str
  output:
    description: C(output) of every generated profile, unless O(per_account) says otherwise.
    type: str
    choices: [json, yaml, yaml-stream, text, table]
  per_account:
    description: Per account id or account name, a C(region) and/or C(output) for that account's profiles.
    type: dict
    default: {}
  settings:
    description: Other keys of every generated profile, as a profile's C(settings) in M(labcloud.aws_sso.aws_config).
    type: dict
    default: {}
  page_size:
    description: Items asked for per portal page (1 to 100).
    type: int
    default: 100
  workers:
    description: C(ListAccountRoles) calls made at the same time for one sign-in (1 to 16).
    type: int
    default: 4
"""
