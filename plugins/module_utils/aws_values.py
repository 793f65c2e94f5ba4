# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Values the AWS CLI takes that several options of the collection share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Used with fullmatch and re.ASCII: "$" also matches before a final newline,
# and a bare \d accepts any Unicode digit; either would let through values
# that do not read back as written or that AWS rejects.
# The first part is two letters (us, eu, cn) or, for the European Sovereign
# Cloud, four (eusc-de-east-1).
REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$", re.ASCII)

# The CLI's `output` setting; a list because argument specs want one.
OUTPUT_CHOICES = ["json", "yaml", "yaml-stream", "text", "table"]


def is_region(value):
    """Whether value is written like an AWS region name (us-east-1, us-gov-west-1, eusc-de-east-1)."""
    return isinstance(value, str) and REGION_RE.fullmatch(value) is not None
