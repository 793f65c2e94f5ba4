# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The two failures of acting as a user, shared by every module that does.

Their messages are written for the operator and are shown as they are.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class AsUserError(Exception):
    """A refusal or failure worth showing to the operator as it is."""


class AsUserTimeout(AsUserError):
    """A user's part did not end within its deadline; everything it started was killed."""
