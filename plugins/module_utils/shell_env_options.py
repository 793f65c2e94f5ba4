# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The shell_env module's options checked and merged: each user's effective variables, or every problem at once.

A value is refused when a start-up file line cannot hold it, when a shell
would run it as code, or when it would beat SSO (static keys); names the
shell itself owns are refused too. Nothing here touches a file. Only the
standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_values import is_region
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import repeated_users

ABSENT = "absent"

STATIC_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# Names a literal value would break a shell with (PATH, IFS), that make the
# shell run code (ENV, BASH_ENV, LD_PRELOAD), or that fish keeps read-only.
RESERVED = frozenset(
    "PATH HOME SHELL USER LOGNAME PWD OLDPWD IFS ENV BASH_ENV ZDOTDIR SHLVL LD_PRELOAD LD_LIBRARY_PATH "
    "PS1 PS2 PS4 PROMPT_COMMAND FISH_VERSION _ status version hostname pipestatus fish_pid last_pid "
    "status_generation history umask".split()
)
PROFILE_NAMES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
REGION_NAMES = ("AWS_REGION", "AWS_DEFAULT_REGION")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _value_problem(name, value):
    """Why value cannot be written for name (None if it can), with the fix."""
    for char, what in (("\n", "a newline"), ("\r", "a carriage return"), ("\0", "a NUL byte")):
        if char in value:
            return "the value contains %s, which no start-up file line can hold; remove it" % what
    for char in value:
        if (ord(char) < 32 and char != "\t") or ord(char) == 127:
            return "the value contains the control character %r; remove it" % char
    if "$(" in value or "`" in value:
        return (
            "the value contains %s, which a shell runs as a command wherever the value is ever used unquoted; "
            "values are written literally, so put the command's output itself in the value"
            % ("`$(`" if "$(" in value else "a backtick")
        )
    if name in PROFILE_NAMES:
        if not value or value != value.strip() or any(c.isspace() for c in value):
            return "%r is no profile name: profile names are non-empty and have no spaces" % value
    if name in REGION_NAMES and not is_region(value):
        return "%r is not an AWS region name such as eu-west-1 or us-gov-west-1" % value
    return None


def _check_env(where, env, allow_null=False):
    """Check one env mapping; returns (items sorted by name, dropped names, errors)."""
    errors = []
    items = []
    dropped = []
    if not isinstance(env, dict):
        return [], [], ["%s: must be a mapping of NAME: value, or the string absent (got %r)" % (where, env)]
    for name in sorted(env, key=str):
        value = env[name]
        field = "%s.%s" % (where, name)
        if not isinstance(name, str) or not NAME_RE.match(name):
            errors.append(
                "%s: %r is not a variable name: use letters, digits and _, not starting with a digit" % (field, name)
            )
            continue
        if name in STATIC_CREDENTIALS:
            errors.append(
                "%s: static credentials in the environment beat every SSO profile; "
                "declare an SSO profile (labcloud.aws_sso.aws_config) and set AWS_PROFILE instead" % field
            )
            continue
        if name in RESERVED:
            errors.append(
                "%s: %s belongs to the shell itself (a literal value would break it or run code); "
                "it cannot be set here" % (field, name)
            )
            continue
        if value is None:
            if allow_null:
                dropped.append(name)
                continue
            errors.append("%s: has no value; give one, or leave the name out" % field)
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            errors.append(
                "%s: the value must be a string; quote it in YAML (for example '1' or 'true', got %r)" % (field, value)
            )
            continue
        value = str(value)
        problem = _value_problem(name, value)
        if problem:
            errors.append("%s: %s" % (field, problem))
            continue
        items.append([name, value])
    return items, dropped, errors


def _describe(index, entry):
    user = entry.get("user")
    return "users[%d] (%s)" % (index, user) if user else "users[%d]" % index


def normalize(params):
    """Every entry's effective settings, or every problem found: all are checked before anything is written.

    Returns (entries, top-level env items, errors). An entry is dict(user,
    present, env_items, shells, manage); manage is false for a user whose
    files are only scanned (scope system); env_items are [name, value] pairs sorted by
    name, so the same settings always give the same bytes.
    """
    errors = []
    base_items = []
    base_absent = params.get("env") == ABSENT
    if params.get("env") is not None and not base_absent:
        base_items, _dropped, found = _check_env("env", params["env"])
        errors.extend(found)
    scope = params.get("scope") or "user"
    default_state = params.get("state") or "present"
    default_shells = params.get("shells") or ["auto"]
    users = params.get("users") or []
    if scope == "user" and not users:
        errors.append("users: list at least one user, or give one with user:, with scope=user (or use scope=system)")
    if scope == "system" and params.get("env") is None and default_state == "present":
        errors.append("env: give the variables to set host-wide, or state: absent to remove them")
    repeats = repeated_users(entry.get("user") or None for entry in users)
    entries = []
    for index, entry in enumerate(users):
        where = _describe(index, entry)
        name = entry.get("user")
        if not name:
            errors.append("%s.user: is required" % where)
            continue
        if index in repeats:
            errors.append(
                "%s: %s is listed twice (also users[%d]); merge the two entries" % (where, name, repeats[index])
            )
            continue
        if scope == "system":
            extra = [k for k in ("env", "shells") if entry.get(k) is not None]
            if entry.get("state") == "present":
                extra.append("state: present")
            if extra:
                errors.append(
                    "%s: %s cannot be set per user with scope=system (users' files are only scanned "
                    "for overrides then, or cleaned of our blocks with state: absent); set it at the top level"
                    % (where, ", ".join(extra))
                )
            entries.append(
                dict(user=name, present=False, env_items=[], shells=[], manage=entry.get("state") == "absent")
            )
            continue
        state = entry.get("state") or default_state
        env = entry.get("env")
        if env is None and params.get("env") is None and state == "present":
            errors.append(
                "%s: no env to set; give env here or at the top level, or state: absent to remove the blocks" % where
            )
            continue
        if env == ABSENT or (env is None and base_absent):
            items = []
        elif env is None:
            items = [list(item) for item in base_items]
        else:
            own, dropped, found = _check_env("%s.env" % where, env, allow_null=True)
            errors.extend(found)
            merged = dict((n, v) for n, v in base_items if n not in dropped)
            merged.update(dict(own))
            items = [[n, merged[n]] for n in sorted(merged)]
        entries.append(
            dict(
                user=name,
                present=state == "present" and bool(items),
                env_items=items,
                shells=list(entry.get("shells") or default_shells),
                manage=True,
            )
        )
    return entries, base_items, errors
