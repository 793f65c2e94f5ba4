# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Turn a lab's declaration (role variables) into what each module gets on one host.

The sso role declares sessions, profiles and services once and picks, per
user, which profiles they get and what their shell exports. This module
does that merging and every cross-check on the controller, so that the
host sees one call per module for all its users, and a mistake (a default
profile the user does not get, a profile naming an undeclared session) is
reported with the field and the fix before anything is written.
"""

from __future__ import annotations

import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.utils.display import Display

from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import missing_users_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import ARGUMENT_SPEC
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import OLD_USER_KEY, USER_KEY, entry_user
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError, build, check_region
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_hints import (
    option_name_problems,
    unknown_key_problem,
)

OLD_USER_KEY_MESSAGE = (
    "aws_sso_users: the key name: of a user entry is deprecated; write user: instead "
    "(- user: alice, the same key as the modules' users option)"
)
USER_FIELDS = (
    USER_KEY,
    "state",
    "profiles",
    "default_profile",
    "region",
    "env",
    "shells",
    "remove_static_credentials",
    "exclusive",
    "export_default_profile",
)
# Variables the role sets itself from the user's fields; setting them
# through env as well would let two values race.
MANAGED_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION")


class PlanError(Exception):
    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# aws_config's option names in its messages, and the role variables that feed them.
_VARIABLE_OF = {"sso_sessions": "aws_sso_sessions", "profiles": "aws_sso_profiles", "services": "aws_sso_services"}
_OPTION_RE = re.compile(r"(^|found in |option ')(sso_sessions|profiles|services)\b")


def declaration_problems(sessions, profiles, services):
    """Mistakes in the lab's sessions, profiles and services, by role variable.

    aws_config checks the same blocks, but once per user it gets them for:
    checked here once, an unquoted account id is said once, not once per
    user, and named where the lab must fix it (aws_sso_profiles[0] (dev))."""
    blocks = {"sso_sessions": sessions, "profiles": profiles, "services": services}
    problems = option_name_problems(blocks)
    if not problems:
        checked = ArgumentSpecValidator({key: ARGUMENT_SPEC[key] for key in blocks}).validate(blocks)
        problems = list(checked.error_messages)
        if not problems:
            try:
                build(checked.validated_parameters)
            except DeclarationError as exc:
                problems = exc.problems
    return [_OPTION_RE.sub(lambda m: m.group(1) + _VARIABLE_OF[m.group(2)], problem) for problem in problems]


def _label(index, entry):
    name = entry_user(entry)
    return "aws_sso_users[%d]%s" % (index, " (%s)" % name if isinstance(name, str) and name else "")


# What the unknown-key check compares a key with: the old key is accepted,
# never suggested.
_FIELD_SPEC = {field: {} for field in USER_FIELDS}


def _entry(index, entry, problems):
    """(the entry as a dict under the current keys, or None; whether it used the old key)."""
    if isinstance(entry, str):
        return {USER_KEY: entry}, False
    if not isinstance(entry, dict):
        problems.append("%s must be a user name or a mapping with user:" % _label(index, entry))
        return None, False
    label = _label(index, entry)
    old = OLD_USER_KEY in entry
    if old and USER_KEY in entry:
        problems.append("%s gives both user and name; keep user: only (name: is its deprecated old spelling)" % label)
    for key in entry:
        if key not in _FIELD_SPEC and key != OLD_USER_KEY:
            problems.append(
                unknown_key_problem(label, key, _FIELD_SPEC, other="the fields are %s" % ", ".join(USER_FIELDS))
            )
    if old and USER_KEY not in entry:
        entry = {USER_KEY if key == OLD_USER_KEY else key: value for key, value in entry.items()}
    if not isinstance(entry.get(USER_KEY), str) or not entry.get(USER_KEY):
        problems.append("%s.user is required: the user's login name" % label)
    return entry, old


def _entries(users, problems):
    """Users as dicts: a plain name is a user with every default."""
    out, old_key = [], False
    for index, item in enumerate(users or []):
        entry, old = _entry(index, item, problems)
        old_key = old_key or old
        if entry is not None:
            out.append((index, entry))
    if old_key:
        # The same words for every host and user: Ansible shows them once per run.
        Display().deprecated(OLD_USER_KEY_MESSAGE, version="2.0.0", collection_name="labcloud.aws_sso")
    names = [entry.get(USER_KEY) for _index, entry in out]
    for name in sorted({n for n in names if isinstance(n, str) and names.count(n) > 1}):
        problems.append("aws_sso_users: %r is listed twice; list each user once" % name)
    return out


def _field(entry, defaults, key):
    value = entry.get(key)
    return defaults.get(key) if value is None else value


def _names(blocks):
    return [block.get("name") for block in blocks or [] if isinstance(block, dict)]


def _selected_profiles(label, choice, profiles, problems):
    declared = [p for p in profiles if isinstance(p, dict) and p.get("state", "present") != "absent"]
    if choice in (None, "all"):
        return declared
    if isinstance(choice, str):
        choice = [choice]
    if not isinstance(choice, list):
        problems.append("%s.profiles must be 'all' or a list of profile names" % label)
        return []
    by_name = {p["name"]: p for p in declared}
    missing = [name for name in choice if name not in by_name]
    if missing:
        problems.append(
            "%s.profiles names %s, not declared in aws_sso_profiles (declared: %s); declare it there or fix the name"
            % (label, ", ".join(repr(n) for n in missing), ", ".join(sorted(by_name)) or "none")
        )
    return [by_name[name] for name in choice if name in by_name]


def _env(label, entry, defaults, profile_names, problems):
    """The variables this user's shells get, or 'absent'."""
    own = entry.get("env")
    if own == "absent":
        return "absent"
    env = {}
    # The lab's variables, then the user's own on top.
    for where, value in (("aws_sso_env", defaults.get("env")), (label + ".env", own)):
        if value is None:
            continue
        if not isinstance(value, dict):
            problems.append("%s must be a mapping of variable names to values, or absent" % where)
            return "absent"
        env.update(value)
    clash = sorted(set(env) & set(MANAGED_VARIABLES))
    if clash:
        problems.append(
            "%s.env sets %s; use default_profile and region instead, which set them consistently"
            % (label, ", ".join(clash))
        )
    out = {}
    profile = _field(entry, defaults, "default_profile")
    if profile:
        if profile not in profile_names:
            problems.append(
                "%s.default_profile %r is not one of this user's profiles (%s); pick one of them or add it to profiles"
                % (label, profile, ", ".join(profile_names) or "none")
            )
        out["AWS_PROFILE"] = profile
        # boto3 prefers AWS_DEFAULT_PROFILE over AWS_PROFILE: set only on
        # request, and then to the same value, or the two disagree.
        if _field(entry, defaults, "export_default_profile"):
            out["AWS_DEFAULT_PROFILE"] = profile
    region = _field(entry, defaults, "region")
    if region:
        check_region(label, "region", region, problems)
        # The CLI reads AWS_REGION first; standalone boto3 only AWS_DEFAULT_REGION.
        out["AWS_REGION"] = out["AWS_DEFAULT_REGION"] = region
    out.update({str(k): "" if v is None else str(v) for k, v in env.items()})
    return out or "absent"


def _identity_env(entry, env):
    if env.get("AWS_PROFILE"):
        entry["default_profile"] = env["AWS_PROFILE"]
    if env.get("AWS_REGION"):
        entry["region"] = env["AWS_REGION"]


def _referenced(blocks, key):
    return {block.get(key) for block in blocks if isinstance(block, dict) and block.get(key)}


PER_USER_ENV_FIELDS = ("default_profile", "region", "env", "export_default_profile")


def plan(users, defaults, sessions, profiles, services=None, passwd=None, missing_users="fail", scope="user"):
    """Return {config, env, system_env, keys, identity, logout, present, missing} for one host, or raise PlanError.

    passwd holds the host's users by name (user_lookup's users; getent's
    passwd facts work too): a user not in it is missing. None means every
    user is taken to exist, for a caller whose module looks the users up
    itself (sso_identity_info with missing_users). With scope "system" the shell
    variables are the role-level ones, written once for the host (system_env),
    and the env list only names the users whose files are scanned.
    """
    problems = []
    entries = _entries(users, problems)
    sessions = sessions or []
    profiles = profiles or []
    services = services or []
    problems.extend(declaration_problems(sessions, profiles, services))
    config, env, keys, identity, present, missing, logout = [], [], [], [], [], [], []
    for index, entry in entries:
        label = _label(index, entry)
        name = entry.get(USER_KEY)
        if not isinstance(name, str) or not name:
            continue
        if passwd is not None and name not in passwd:
            missing.append(name)
            continue
        present.append(name)
        state = _field(entry, defaults, "state") or "present"
        if state not in ("present", "absent"):
            problems.append("%s.state must be present or absent" % label)
            continue
        chosen = _selected_profiles(label, _field(entry, defaults, "profiles"), profiles, problems)
        chosen_names = [p["name"] for p in chosen]
        if state == "absent":
            config.append({"user": name, "profiles": [{"name": n, "state": "absent"} for n in chosen_names]})
            env.append({"user": name, "state": "absent"})
            # Removing profiles leaves the sign-in usable: end it too.
            logout.append({"user": name})
            continue
        needed_sessions = _referenced(chosen, "sso_session")
        user_sessions = [s for s in sessions if isinstance(s, dict) and s.get("name") in needed_sessions]
        undeclared = sorted(needed_sessions - set(_names(sessions)))
        if undeclared:
            problems.append(
                "%s gets profiles whose sso_session %s is not declared in aws_sso_sessions; declare it there"
                % (label, ", ".join(repr(s) for s in undeclared))
            )
        entry_config = {
            "user": name,
            "sso_sessions": user_sessions,
            "profiles": chosen,
            "exclusive": bool(_field(entry, defaults, "exclusive")),
        }
        needed_services = _referenced(chosen + user_sessions, "services")
        if services or needed_services:
            entry_config["services"] = [s for s in services if isinstance(s, dict) and s.get("name") in needed_services]
        config.append(entry_config)
        # What sso_identity_info checks: the user's profiles, and what their shell selects.
        identity.append({"user": name, "profiles": chosen_names})
        if scope == "system":
            own = sorted(key for key in PER_USER_ENV_FIELDS if entry.get(key) is not None)
            if own:
                problems.append(
                    "%s sets %s, but aws_sso_env_scope is system (one set of variables for the whole host); "
                    "set aws_sso_env_scope: user, or move the values to the role-level aws_sso_ variables"
                    % (label, ", ".join(own))
                )
            env.append({"user": name})
        else:
            env.append(
                {
                    "user": name,
                    "state": "present",
                    "env": _env(label, entry, defaults, chosen_names, problems),
                    "shells": _field(entry, defaults, "shells") or "auto",
                }
            )
        user_env = env[-1].get("env") if scope != "system" else None
        if isinstance(user_env, dict):
            _identity_env(identity[-1], user_env)
        if _field(entry, defaults, "remove_static_credentials"):
            keys.append({"user": name, "profiles": chosen_names})
    system_env = None
    if scope == "system":
        every_profile = [p["name"] for p in profiles if isinstance(p, dict) and p.get("state", "present") != "absent"]
        system_env = _env("aws_sso_env_scope: system", {}, defaults, every_profile, problems)
    if isinstance(system_env, dict):
        for entry in identity:
            _identity_env(entry, system_env)
    if missing and missing_users != "skip":
        # First: the one problem that differs from host to host, led by whom it is about.
        problems.insert(0, missing_users_message(missing))
    if problems:
        raise PlanError(problems)
    return {
        "config": config,
        "env": env,
        "system_env": system_env,
        "keys": keys,
        "identity": identity,
        "logout": logout,
        "present": present,
        "missing": missing,
    }
