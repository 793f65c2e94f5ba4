#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_discover
short_description: Write a lab's aws_sso_profiles list from an operator's own SSO sign-in, on the controller
version_added: 0.1.0
description:
  - For IT, on the controller only. Lists every account and role the operator's own sign-in reaches (the
    operator's C(~/.aws/config) and C(~/.aws/sso/cache) on the controller; sign in first with
    C(aws sso login --sso-session NAME)), names the profiles as M(labcloud.aws_sso.sso_portal_profiles) does, and writes
    them as the C(aws_sso_profiles) list of the C(labcloud.aws_sso.sso) role to a YAML vars file, to review and
    commit. The file has no timestamp, so an unchanged directory gives an unchanged file.
  - The portal is called with Python's standard library, with every page and throttling retried with backoff,
    at the endpoint the AWS CLI would use for a profile without a C(services) block, C(AWS_ENDPOINT_URL_SSO),
    C(AWS_ENDPOINT_URL) (from the controller's environment), else the public endpoint of the session's region.
  - The playbook C(labcloud.aws_sso.discover) runs it.
  - Takes every naming, filter, region and settings option of M(labcloud.aws_sso.sso_portal_profiles); O(settings) is
    written as each entry's C(settings).
author:
  - labcloud engineers (@labcloud)
options:
  session:
    description: The operator's sso-session (a C([sso-session NAME]) block of O(config)).
    type: str
    required: true
  dest:
    description: The YAML file to write on the controller.
    type: path
    required: true
  config:
    description: The operator's AWS config file on the controller.
    type: path
    default: ~/.aws/config
  variable:
    description: The name of the list in O(dest).
    type: str
    default: aws_sso_profiles
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.portal_naming
attributes:
  action:
    description: Runs entirely on the controller.
    support: full
  check_mode:
    description: Lists the portal and reports whether the file would change; writes nothing.
    support: full
  diff_mode:
    description: Returns the file before and after.
    support: full
  platform:
    description: The controller.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: The lab's profiles, from my own sign-in
  labcloud.aws_sso.sso_discover:
    session: lab
    dest: group_vars/all/aws_sso_profiles.yml
    region: eu-west-1
    exclude_roles: ["*Billing*"]
"""

RETURN = r"""
dest:
  description: The file written.
  returned: always
  type: str
profiles:
  description: The profiles listed in the file.
  returned: success
  type: list
  elements: dict
calls:
  description: Portal calls made, throttled retries and seconds waited.
  returned: success
  type: dict
status:
  description: C(ok), C(login_required) or C(error).
  returned: always
  type: str
"""

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_portal_profiles_spec
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse


def main():
    validate_then_refuse("sso_discover", sso_portal_profiles_spec.DISCOVER_SPEC)


if __name__ == "__main__":
    main()
