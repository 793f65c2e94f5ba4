# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Read an AWS config or credentials file the way botocore does, keeping line positions.

botocore parses ``~/.aws/config`` and ``~/.aws/credentials`` with
``configparser.RawConfigParser`` in strict mode. Parsing a large file with
configupdater (or configparser) costs more than the whole edit budget, so
this scanner makes one fast pass that follows configparser's own line
rules, records where every section and option starts and ends, and reports
exactly the errors botocore would raise. The editor then hands only the
sections it changes to configupdater.

The scanner is tested differentially against RawConfigParser.

Only the standard library: modules run it on managed hosts (static_keys),
and the controller-side editor (plugin_utils/config_edit.py) imports it
from here, so that there is one scanner.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shlex
from dataclasses import dataclass, field

# The same patterns configparser uses (see RawConfigParser.SECTCRE/OPTCRE).
_SECTION_RE = re.compile(r"\[(?P<header>.+)\]")
_OPTION_RE = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")
_NONSPACE_RE = re.compile(r"\S")
# Quotes, escapes, or whitespace that shlex does not split on (it splits on
# space, tab, CR and LF only; str.split on all Unicode whitespace).
_SHLEX_SPECIAL = re.compile(r"[\"'\\]|[^\S \t]")
# Text files are read with universal newlines: only these end a line.
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class ConfigFileError(Exception):
    """The existing file is one botocore cannot read.

    str() may quote the offending line. `redacted` says the same without
    any text from the file, for files whose lines may hold secrets (a key
    pasted without its name is a "line that cannot be parsed").
    """

    def __init__(self, lineno, message, redacted=None):
        super().__init__("line %d: %s" % (lineno, message))
        self.lineno = lineno
        self.redacted = "line %d: %s" % (lineno, redacted if redacted is not None else message)


@dataclass
class Option:
    lineno: int
    value_lines: list
    # Index one past the option's last continuation line: lines[lineno - 1:end]
    # is what must go for the option to go without changing any other value.
    end: int = 0

    @property
    def value(self):
        # configparser joins continuation lines and trims the end.
        return "\n".join(self.value_lines).rstrip()


@dataclass
class Section:
    header: str
    lineno: int
    start: int
    end: int = 0
    # Index one past the last line that carries an option or continuation:
    # blank lines and comments after it sit between this block and the next.
    core_end: int = 0
    options: dict = field(default_factory=dict)

    @property
    def identity(self):
        """(kind, name) as botocore's build_profile_map sees the header."""
        return section_identity(self.header)

    def values(self):
        return {key: opt.value for key, opt in self.options.items()}


@dataclass
class ScannedConfig:
    lines: list
    sections: list

    @property
    def text(self):
        return "".join(self.lines)


def split_lines(text):
    """Split like a file opened in text mode, keeping line endings."""
    return _LINE_RE.findall(text)


def section_identity(header):
    """Return (kind, name) for a header, or (None, None) if botocore ignores it.

    kind is one of 'profile', 'sso-session', 'services' or 'other'. botocore
    tests the prefix with startswith and the rest with shlex, quirks included.
    """
    if header == "default":
        return ("profile", "default")
    for kind in ("profile", "sso-session", "services"):
        if header.startswith(kind):
            if _SHLEX_SPECIAL.search(header):
                try:
                    parts = shlex.split(header)
                except ValueError:
                    return (None, None)
            else:
                # Without quotes or escapes shlex splits on whitespace alone;
                # str.split gives the same words many times faster.
                parts = header.split()
            if len(parts) == 2:
                return (kind, parts[1])
            return (None, None)
    return ("other", header)


def scan(text):
    """Scan config text; raise ConfigFileError where botocore would fail."""
    lines = split_lines(text)
    sections = []
    seen_headers = {}
    current = None
    option = None
    indent_level = 0
    bad_lines = []
    for index, line in enumerate(lines):
        lineno = index + 1
        stripped = line.strip()
        if stripped.startswith("#") or stripped.startswith(";"):
            continue
        if not stripped:
            # An empty line inside a value is kept by configparser, so it
            # does not end a continuation.
            if option is not None:
                option.value_lines.append("")
            continue
        match = _NONSPACE_RE.search(line)
        cur_indent = match.start() if match else 0
        if current is not None and option is not None and cur_indent > indent_level:
            option.value_lines.append(stripped)
            option.end = current.core_end = index + 1
            continue
        indent_level = cur_indent
        header = _SECTION_RE.match(stripped)
        if header:
            name = header.group("header")
            if name == "DEFAULT":
                raise ConfigFileError(
                    lineno,
                    "a [DEFAULT] section is merged by botocore into every profile; "
                    "move its keys into the profiles that need them and remove it",
                )
            if name in seen_headers:
                raise ConfigFileError(
                    lineno,
                    "section [%s] is already defined at line %d; botocore refuses "
                    "duplicate sections: merge the two blocks" % (name, seen_headers[name]),
                )
            seen_headers[name] = lineno
            if current is not None:
                current.end = index
            current = Section(header=name, lineno=lineno, start=index, core_end=index + 1)
            sections.append(current)
            option = None
            continue
        if current is None:
            raise ConfigFileError(
                lineno,
                "text before the first section header: %r; every setting must follow a [section] line" % stripped[:60],
                "text before the first section header; every setting must follow a [section] line",
            )
        match = _OPTION_RE.match(stripped)
        if not match or not match.group("option"):
            # configparser reports these only at the end and keeps the
            # previous option open, so the scan goes on the same way.
            bad_lines.append((lineno, stripped))
            continue
        key = match.group("option").rstrip().lower()
        if key in current.options:
            raise ConfigFileError(
                lineno,
                "key %r is already set at line %d in [%s]; botocore refuses "
                "duplicate keys: keep one of them" % (key, current.options[key].lineno, current.header),
            )
        option = Option(lineno=lineno, value_lines=[match.group("value").strip()], end=index + 1)
        current.options[key] = option
        current.core_end = index + 1
    if bad_lines:
        lineno, content = bad_lines[0]
        raise ConfigFileError(
            lineno,
            "cannot parse %r: a setting must look like 'key = value'" % content[:60],
            "cannot parse this line: a setting must look like 'key = value'",
        )
    if current is not None:
        current.end = len(lines)
    return ScannedConfig(lines=lines, sections=sections)


def parse_nested(value):
    """An indented block of `key = value` lines read the way botocore reads
    it, or None where botocore would not see sub-settings."""
    parsed = {}
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            return None
        key, sub_value = line.split("=", 1)
        parsed[key.strip()] = sub_value.strip()
    return parsed


def as_botocore_reads(value):
    """A value as botocore holds it: an indented block becomes a dict of sub-settings."""
    if value.startswith("\n"):
        parsed = parse_nested(value)
        if parsed is not None:
            return parsed
    return value
