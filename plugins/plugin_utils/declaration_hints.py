# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Option names in a raw aws_config task checked before the argument spec
validator: each unknown or misplaced key named with where it belongs or the
closest valid name."""

from __future__ import annotations

import difflib

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import (
    ARGUMENT_SPEC,
    PROFILE_SPEC,
    SERVICES_SPEC,
    SESSION_SPEC,
    USER_SPEC,
)
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_values import (
    ENDPOINTS_EXAMPLE,
    SESSION_SERVICES_HINT,
    entry_label,
    shown,
)

# Keys a user puts on the wrong kind of block, typically copied from a
# legacy profile (start URL inline) or from a profile into its session.
_TO_SERVICES = "it belongs to a services block: declare it under services and name that block %s with services"
_IN_SERVICES = "a services block holds only its endpoints, %s" % ENDPOINTS_EXAMPLE
_MISPLACED = {
    "profiles": dict(
        {
            k: "it belongs to the sso-session: declare it under sso_sessions and name that session here "
            "with sso_session"
            for k in SESSION_SPEC
            if k not in PROFILE_SPEC
        },
        endpoints=_TO_SERVICES % "here",
    ),
    "sso_sessions": dict(
        {
            k: "it belongs to a profile: set it on the profiles that use this session"
            for k in PROFILE_SPEC
            if k not in SESSION_SPEC
        },
        services=SESSION_SERVICES_HINT,
        endpoints=_TO_SERVICES % "in the profiles that use this session",
    ),
    "services": {
        **{k: "it belongs to an sso-session; %s" % _IN_SERVICES for k in SESSION_SPEC if k not in SERVICES_SPEC},
        **{k: "it belongs to a profile; %s" % _IN_SERVICES for k in PROFILE_SPEC if k not in SERVICES_SPEC},
        "settings": _IN_SERVICES,
        "endpoint_url": "it goes under each service id, %s" % ENDPOINTS_EXAMPLE,
    },
}
# A users entry copied from the sso role's aws_sso_users, whose old key name: is deprecated.
_USER_KEY_HINT = "the login name goes under user (the sso role's aws_sso_users spelt it name: before)"
_ENTRY_SPECS = (("sso_sessions", SESSION_SPEC), ("profiles", PROFILE_SPEC), ("services", SERVICES_SPEC))


def _closest(key, spec):
    valid = list(spec) + [alias for option in spec.values() for alias in option.get("aliases", ())]
    matches = difflib.get_close_matches(key.lower(), valid, n=1)
    return matches[0] if matches else None


def unknown_key_problem(where, key, spec, misplaced_hint=None, other="settings"):
    guess = _closest(key, spec) if isinstance(key, str) else None
    if misplaced_hint:
        hint = misplaced_hint
    elif guess:
        hint = "did you mean %s?" % guess + (" (put other keys under settings)" if other == "settings" else "")
    elif other == "settings":
        hint = "to write it to the file as it is, put it under settings"
    else:
        hint = other
    return "%s: %s is not a supported option; %s" % (where, shown(key), hint)


def _entry_problems(prefix, args, problems):
    """Check the sso_sessions, profiles and services entries of args (task or users[] entry)."""
    for option, spec in _ENTRY_SPECS:
        entries = args.get(option)
        if not isinstance(entries, list):
            continue
        misplaced = _MISPLACED[option]
        # A services entry has no settings to fall back on: a service id
        # written straight into it belongs under endpoints.
        other = "settings" if "settings" in spec else "service ids go under endpoints, %s" % ENDPOINTS_EXAMPLE
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            label = prefix + entry_label(option, index, entry)
            for key in entry:
                if key not in spec:
                    hint = misplaced.get(key) if isinstance(key, str) else None
                    problems.append(unknown_key_problem(label, key, spec, hint, other))


def option_name_problems(args):
    """Problems with option names in the raw task args, each naming the list
    entry and the closest valid key. Run before the argument spec validator."""
    problems = []
    for key in args:
        if key in ARGUMENT_SPEC:
            continue
        guess = _closest(key, ARGUMENT_SPEC) if isinstance(key, str) else None
        if guess:
            hint = "did you mean %s?" % guess
        elif any(key in spec for _option, spec in _ENTRY_SPECS):
            owners = [option for option, spec in _ENTRY_SPECS if key in spec]
            hint = "it belongs inside an entry of %s" % " or ".join(owners)
        else:
            hint = "the options are %s" % ", ".join(ARGUMENT_SPEC)
        problems.append("%s is not a supported option of aws_config; %s" % (shown(key), hint))
    _entry_problems("", args, problems)
    users = args.get("users")
    for index, entry in enumerate(users if isinstance(users, list) else []):
        if not isinstance(entry, dict):
            continue
        name = entry.get("user")
        label = "users[%d]%s" % (index, " (%s)" % name if isinstance(name, str) and name else "")
        for key in entry:
            if key not in USER_SPEC:
                problems.append(
                    unknown_key_problem(
                        label,
                        key,
                        USER_SPEC,
                        _USER_KEY_HINT if key == "name" else None,
                        other="the options are %s" % ", ".join(USER_SPEC),
                    )
                )
        _entry_problems(label + ".", entry, problems)
    return problems
