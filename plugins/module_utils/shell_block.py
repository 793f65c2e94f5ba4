# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Our marked block in a shell start-up file: quote the values, render the block, find, replace or remove it.

Each file we manage holds at most one marked block of ours; everything
outside it is the user's and is kept byte for byte. Text in, text out: no
file is read or written here. Only the standard library: this runs on
managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_shell
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

BEGIN = "# BEGIN labcloud.aws_sso managed block"
END = "# END labcloud.aws_sso managed block"
NOTE = "# Written by Ansible (labcloud.aws_sso.shell_env): do not edit by hand, changes here are replaced."
# Without state on the host, this line is how a later removal knows that the
# file held nothing before the block, so that removing it restores "no file"
# rather than leaving an empty one (an empty ~/.bash_profile would hide
# ~/.profile from every login shell).
CREATED_NOTE = "# This file was created for this block: removing the block removes the file."


class BlockError(ValueError):
    """A file's markers cannot be trusted to say where our block is."""


def quote_sh(value):
    """POSIX sh single quotes: nothing inside is special but the quote itself."""
    return "'" + value.replace("'", "'\\''") + "'"


def quote_fish(value):
    """fish single quotes: only backslash and the quote are escapes inside."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def syntax_of(path):
    return "fish" if path.endswith(".fish") else "sh"


def render_block(syntax, env_items, created=False):
    """The block's text, newline-terminated, for `sh` (bash, zsh, dash) or `fish`."""
    lines = [BEGIN, NOTE]
    if created:
        lines.append(CREATED_NOTE)
    for name, value in env_items:
        if syntax == "fish":
            lines.append("set -gx %s %s" % (name, quote_fish(value)))
        else:
            lines.append("export %s=%s" % (name, quote_sh(value)))
    lines.append(END)
    return "\n".join(lines) + "\n"


def split_lines(text):
    """Lines with their endings; only \\n ends a line (str.splitlines knows more)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _find_blocks(lines):
    """(first, last) line indexes of each block of ours."""
    blocks = []
    start = None
    for index, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN:
            if start is not None:
                raise BlockError(
                    "line %d opens a second '%s' before line %d's is closed; "
                    "remove the broken block by hand" % (index + 1, BEGIN, start + 1)
                )
            start = index
        elif marker == END:
            if start is None:
                raise BlockError("line %d has '%s' without a BEGIN line; remove it by hand" % (index + 1, END))
            blocks.append((start, index))
            start = None
    if start is not None:
        raise BlockError(
            "line %d has '%s' but no END line after it; remove the partial block by hand" % (start + 1, BEGIN)
        )
    return blocks


def _header_length(lines):
    """How many lines a new block goes below: a leading shebang/comment header.

    A line without its newline is the file's last; the block goes above it,
    so that removing the block gives back exactly the bytes it was put into.
    """
    count = 0
    for line in lines:
        if not (line.startswith("#") and line.endswith("\n")):
            break
        count += 1
    return count


def _was_created(lines, blocks):
    return any(line.strip() == CREATED_NOTE for first, last in blocks for line in lines[first : last + 1])


def set_block(text, syntax, env_items, exists=True):
    """text with our block holding env_items: the first block replaced in place, or one inserted at the top."""
    lines = split_lines(text)
    blocks = _find_blocks(lines)
    created = _was_created(lines, blocks) if blocks else not exists
    block = [render_block(syntax, env_items, created)]
    if not blocks:
        at = _header_length(lines)
        return "".join(lines[:at] + block + lines[at:])
    first, last = blocks[0]
    out = lines[:first] + block
    previous = last + 1
    for start, end in blocks[1:]:
        out.extend(lines[previous:start])
        previous = end + 1
    out.extend(lines[previous:])
    return "".join(out)


def remove_blocks(text):
    """(text without our blocks, whether a block said the file was made for it)."""
    lines = split_lines(text)
    blocks = _find_blocks(lines)
    created = _was_created(lines, blocks)
    keep = []
    previous = 0
    for start, end in blocks:
        keep.extend(lines[previous:start])
        previous = end + 1
    keep.extend(lines[previous:])
    return "".join(keep), created


def _block_text(text):
    """Only our blocks of text (markers included), for a diff that shows nothing else of the user's file."""
    lines = split_lines(text)
    return "".join(line for first, last in _find_blocks(lines) for line in lines[first : last + 1])


def block_lines(text):
    """1-based numbers of the lines inside our blocks (markers included)."""
    lines = split_lines(text)
    try:
        blocks = _find_blocks(lines)
    except BlockError:
        return set()
    return {n + 1 for first, last in blocks for n in range(first, last + 1)}


def block_diff(path, before, after):
    """The diff of our block in one file: the user's other lines never show, and values are masked.

    after is None when the file is deleted.
    """
    header = "%s (managed block)" % path
    return dict(
        before_header=printable(header),
        after_header=printable(header if after is not None else "%s (file removed)" % path),
        before=printable(mask_shell(_block_text(before))),
        after=printable(mask_shell(_block_text(after or ""))),
    )
