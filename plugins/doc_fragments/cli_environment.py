# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The users' AWS CLI environment, for the modules that sign in or call the portal as the CLI would."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  cli_environment:
    description:
      - The environment the users' AWS CLI runs with, as far as it decides where sign-in and the portal are
        (C(AWS_ENDPOINT_URL_SSO), C(AWS_ENDPOINT_URL_SSO_OIDC), C(AWS_ENDPOINT_URL),
        C(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), C(AWS_PROFILE), C(AWS_CONFIG_FILE), C(AWS_CA_BUNDLE), proxies).
        Each module uses the ones that matter to what it does.
      - Values are strings; quote a number or C(true) in YAML.
      - The module's own environment is not used for this, as under become it is root's, not the users'.
    type: dict
    default: {}
"""
