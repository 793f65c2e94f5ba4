# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Which lines of a user's or the host's shell start-up files set a variable that overrides ours.

Lines inside our own block do not count; only where a command starts is a
variable set (`echo AWS_PROFILE=x` sets nothing). Findings are file, line
and variable name: a value never leaves here. Only the standard library:
this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

from ansible_collections.labcloud.aws_sso.plugins.module_utils import atomic_file
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_block import block_lines, split_lines
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable

# A home's start-up files, relative to it.
USER_SCAN = (
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshenv",
    ".zprofile",
    ".zshrc",
    ".zlogin",
    ".config/fish/config.fish",
    ".config/fish/conf.d/*.fish",
)

# Every family's system files: a host has only its own family's, and a
# file that is not there is skipped.
SYSTEM_SCAN = (
    "/etc/environment",
    "/etc/profile",
    "/etc/profile.d/*.sh",
    "/etc/bash.bashrc",
    "/etc/bash.bashrc.local",
    "/etc/bashrc",
    "/etc/zsh/zshenv",
    "/etc/zsh/zprofile",
    "/etc/zsh/zshrc",
    "/etc/zsh/zlogin",
    "/etc/zshenv",
    "/etc/zprofile",
    "/etc/zshrc",
    "/etc/zlogin",
    "/etc/fish/config.fish",
    "/etc/fish/conf.d/*.fish",
    "/opt/homebrew/etc/fish/conf.d/*.fish",
    "/usr/local/etc/fish/conf.d/*.fish",
)

# Set anywhere outside our block, these beat SSO: static keys win over every
# profile, another AWS_PROFILE or config file picks other settings.
DEFEATING = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
)

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# For reporting, only where a command starts: `echo AWS_PROFILE=x` sets nothing.
_COMMAND_START = re.compile(r"(?:^|[;&|(`{]|\b(?:then|do|else|elif|and|or|not|begin)\b)\s*")
_DECLARE = re.compile(r"(?:export|readonly|declare|typeset|local|env)(?:\s+-{1,2}[A-Za-z]+)*\s+")
_ASSIGN_WORD = re.compile(r"""(%s)\+?=(?:'[^']*'|"(?:\\.|[^"\\])*"|\\.|[^\s'"\\;&|()`])*\s*""" % _IDENT)
_SET_COMMAND = re.compile(r"(set|setenv)((?:\s+-{1,2}[A-Za-z][A-Za-z-]*)*)\s+(%s)(?=[\s;]|$)" % _IDENT)
# `set -e NAME` erases, `set -q NAME` asks: neither sets anything.
_NOT_SETTING = re.compile(r"\s-(?:-erase|-query|-names|-show|[A-Za-z]*[eqnS][A-Za-z]*)\b")
_COMMENT_RE = re.compile(r"(?:^|(?<=\s))#.*")


def _names_set(code):
    """Variables a line of sh, zsh or fish code sets, where a command starts."""
    names = []
    for start in _COMMAND_START.finditer(code):
        pos = start.end()
        command = _SET_COMMAND.match(code, pos)
        if command:
            if not (command.group(1) == "set" and _NOT_SETTING.search(command.group(2) + " ")):
                names.append(command.group(3))
            continue
        declare = _DECLARE.match(code, pos)
        if declare:
            pos = declare.end()
        while True:
            word = _ASSIGN_WORD.match(code, pos)
            if not word:
                break
            names.append(word.group(1))
            pos = word.end()
    return names


def scan_overrides(text, names):
    """[(line number, variable)] for lines outside our block that set one of names. Values never leave here."""
    wanted = set(names)
    ours = block_lines(text)
    found = []
    for number, line in enumerate(split_lines(text), 1):
        if number in ours:
            continue
        code = _COMMENT_RE.sub("", line.rstrip("\n"))
        for name in sorted(set(_names_set(code)) & wanted):
            found.append((number, name))
    return found


def scan_paths(patterns, home=None):
    """The files patterns name (under home when given), globs expanded, each once, in order."""
    paths = []
    for pattern in patterns:
        full = os.path.join(home, pattern) if home else pattern
        if "*" in full:
            paths.extend(sorted(glob.glob(full)))
        else:
            paths.append(full)
    seen = set()
    return [p for p in paths if not (p in seen or seen.add(p))]


def scan_files(paths, names):
    """[{file, line, variable}] over paths, and warnings for files that could not be read."""
    overrides = []
    warnings = []
    for path in paths:
        try:
            state = atomic_file.read_state(path)
        except (AsUserError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            # The path is the user's (a file name in conf.d), and so may be the reason.
            warnings.append(printable("%s was not scanned for overrides: %s" % (path, reason)))
            continue
        if not state["exists"]:
            continue
        for number, name in scan_overrides(state["content"], names):
            overrides.append(dict(file=path, line=number, variable=name))
    return overrides, warnings


def override_names(env_items):
    """What to look for: the variables that beat SSO and the ones we set."""
    return sorted(set(DEFEATING) | set(name for name, _value in env_items))
