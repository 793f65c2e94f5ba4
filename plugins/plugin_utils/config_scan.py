# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The botocore-exact INI scanner, for controller-side code.

The scanner lives in module_utils/ini_scan.py because modules run it on
managed hosts too (static_keys); this name stays so that the editor, the
action plugin and the differential tests keep importing it from here, and
so that there is one scanner, not two.
"""

from __future__ import annotations

from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import (
    ConfigFileError,
    Option,
    ScannedConfig,
    Section,
    as_botocore_reads,
    parse_nested,
    scan,
    section_identity,
    split_lines,
)

__all__ = [
    "ConfigFileError",
    "Option",
    "ScannedConfig",
    "as_botocore_reads",
    "parse_nested",
    "Section",
    "scan",
    "section_identity",
    "split_lines",
]
