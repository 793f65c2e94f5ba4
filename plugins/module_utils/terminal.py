# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Text made safe for the operator's terminal: printable().

A user names their files and writes their dotfiles and config; a file name
like "\\x1b[2J\\x1b[Hok: fake" printed raw clears the operator's screen and
fakes a line of Ansible's output. Every message, warning, diff and table cell
that carries such text goes through printable() on its way out (modules
before exit_json/fail_json/warn, controller plugins before display).

Control characters are shown escaped (\\x1b, \\u202e), never dropped, so the
operator still sees that something odd is there and where. Backslashes are
left as they are: escaping twice gives the same text, so layers that each
call printable() do not pile up backslashes.

Only the standard library, Python 3.7+: this runs on managed hosts and on
the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# C0 controls (ESC starts every terminal escape sequence), DEL, C1 controls
# (0x9b is a one-byte CSI to some terminals), lone surrogates, and the
# characters that hide, reorder or break text on display: zero-width ones,
# line and paragraph separators, bidi embeddings, overrides and isolates.
_ALWAYS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff"
)
# Multi-line text keeps newlines, tabs and the \r of a \r\n line end (CRLF
# files); a lone \r moves the cursor back over what was printed, so it goes.
_MULTI_LINE_RE = re.compile("[%s]|\r(?!\n)" % _ALWAYS)
_ONE_LINE_RE = re.compile("[%s\t\n\r]" % _ALWAYS)


def _escape(match):
    code = ord(match.group(0))
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def printable(text, one_line=False):
    """text with every control character escaped; one_line also escapes newlines, tabs and CRs.

    Anything that is not a str is returned as it is.
    """
    if not isinstance(text, str):
        return text
    return (_ONE_LINE_RE if one_line else _MULTI_LINE_RE).sub(_escape, text)


def printable_data(value):
    """A result (dicts, lists, strings) with printable() applied to every string, keys included."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return dict((printable_data(key), printable_data(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [printable_data(item) for item in value]
    return value
