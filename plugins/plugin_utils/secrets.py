# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Keep secret-looking values out of diffs and results."""

from __future__ import annotations

import re

MASK = "********"

# Key names that carry credentials in AWS config and credentials files, or
# that tools commonly use for them (credential_process runs a command line
# that may embed a key).
_SECRET_KEY_RE = re.compile(
    r"secret|token|passw|passphrase|private|credential|access_key|session_key|api_key|apikey",
    re.IGNORECASE,
)
_LINE_RE = re.compile(r"^(?P<lead>\s*)(?P<key>[^=:#;\s\[][^=:]*?)(?P<sep>\s*[=:]\s*)(?P<value>.*?)(?P<eol>\r?\n?)$")


def is_secret_key(key):
    return bool(_SECRET_KEY_RE.search(key))


def mask_text(text):
    """Return config text with the value of every secret-looking key masked."""
    out = []
    for line in text.splitlines(True):
        match = _LINE_RE.match(line)
        if match and match.group("value") and is_secret_key(match.group("key")):
            line = match.group("lead") + match.group("key") + match.group("sep") + MASK + match.group("eol")
        out.append(line)
    return "".join(out)
