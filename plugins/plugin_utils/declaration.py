# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Turn the task's options into checked, normalised blocks (build).

Each sso-session, profile and services entry becomes a Block, its values
checked by declaration_values and the blocks checked against each other.
All problems are collected so a user fixes them in one pass; nothing is
written if any exist.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_values import (
    ACCOUNT_RE,
    ENDPOINT_EXAMPLE,
    ENDPOINTS_EXAMPLE,
    LEGACY_PROFILE_KEYS,
    PROFILE_KEYS,
    ROLE_RE,
    SCOPE_RE,
    SERVICE_ID_RE,
    SERVICE_SETTINGS,
    SESSION_KEYS,
    SESSION_SERVICES_HINT,
    URL_EXAMPLE,
    check_endpoint_url,
    check_name,
    check_region,
    check_settings,
    entry_label,
    normalise_start_url,
    scalar,
    service_id_problem,
    shown,
)


class DeclarationError(Exception):
    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass
class Block:
    kind: str  # "sso-session", "profile" or "services"
    name: str
    state: str = "present"
    purge_keys: bool = False
    # key -> str, or key -> dict of str for nested sub-settings (s3 = ...);
    # a services block holds only the latter (sts = ... endpoint_url = ...)
    keys: dict = field(default_factory=dict)

    @property
    def header(self):
        if self.kind == "profile" and self.name == "default":
            return "default"
        return "%s %s" % (self.kind, self.name)


@dataclass
class Declaration:
    sessions: list
    profiles: list
    exclusive: bool = False
    migrate_legacy: bool = True
    services: list = field(default_factory=list)

    def blocks(self):
        return self.sessions + self.profiles + self.services


def _block(kind, option, index, item, problems):
    """Start a Block from a list item: its label for messages and its name checked."""
    label = entry_label(option, index, item)
    name = item["name"]
    problem = check_name(kind, name)
    if problem:
        problems.append("%s.name %r %s" % (label, name, problem))
    return label, Block(kind, name, item["state"], item["purge_keys"])


def _session(index, item, problems):
    label, block = _block("sso-session", "sso_sessions", index, item, problems)
    if block.state == "absent":
        return block
    url = item.get("sso_start_url")
    if not url:
        problems.append("%s.sso_start_url is required: the portal URL, %s" % (label, URL_EXAMPLE))
    else:
        normalised, problem = normalise_start_url(url)
        if problem:
            problems.append("%s.sso_start_url %s" % (label, problem))
        block.keys["sso_start_url"] = normalised or url
    region = item.get("sso_region")
    if not region:
        problems.append("%s.sso_region is required: the region of IAM Identity Center, e.g. us-east-1" % label)
    else:
        check_region(label, "sso_region", region, problems)
        block.keys["sso_region"] = region
    scopes = item.get("sso_registration_scopes")
    if isinstance(scopes, str):
        scopes = [part.strip() for part in scopes.split(",")]
    if (
        not isinstance(scopes, list)
        or not scopes
        or not all(isinstance(s, str) and SCOPE_RE.fullmatch(s) for s in scopes)
    ):
        problems.append(
            "%s.sso_registration_scopes must be a scope or a list of scopes such as sso:account:access" % label
        )
    else:
        block.keys["sso_registration_scopes"] = ",".join(scopes)
    settings = dict(item["settings"])
    if "services" in settings:
        del settings["services"]
        problems.append("%s.settings.services: %s" % (label, SESSION_SERVICES_HINT))
    block.keys.update(check_settings(label, settings, SESSION_KEYS, problems))
    return block


def _service_settings(where, settings, problems):
    if not isinstance(settings, dict):
        problems.append(
            "%s must be a mapping of settings, not %s; %s" % (where, type(settings).__name__, ENDPOINTS_EXAMPLE)
        )
        return {}
    out = {}
    for key, value in settings.items():
        if key not in SERVICE_SETTINGS:
            guess = difflib.get_close_matches(key, SERVICE_SETTINGS, n=1) if isinstance(key, str) else []
            problems.append(
                "%s: %s is not a setting botocore reads in a services block; %s"
                % (where, shown(key), "did you mean %s?" % guess[0] if guess else "the only one is endpoint_url")
            )
            continue
        if isinstance(value, (dict, list)):
            problems.append("%s.%s: only one level of nesting exists in the file" % (where, key))
            continue
        before = len(problems)
        text = scalar(where, key, value, problems)
        if text is not None and len(problems) == before:
            problem = check_endpoint_url(text)
            if problem:
                problems.append("%s.%s %s" % (where, key, problem))
        out[key] = text
    if "endpoint_url" not in settings:
        problems.append("%s.endpoint_url is required, %s" % (where, ENDPOINT_EXAMPLE))
    return out


def _services(index, item, problems):
    label, block = _block("services", "services", index, item, problems)
    if block.state == "absent":
        return block
    endpoints = item["endpoints"]
    if not endpoints:
        # botocore treats a services block without entries as missing.
        problems.append("%s.endpoints needs at least one service, %s" % (label, ENDPOINTS_EXAMPLE))
    for service, settings in endpoints.items():
        if not isinstance(service, str) or not SERVICE_ID_RE.fullmatch(service):
            problems.append("%s.endpoints %s" % (label, service_id_problem(service)))
            continue
        block.keys[service] = _service_settings("%s.endpoints.%s" % (label, service), settings, problems)
    return block


def _reference(label, block, key, kind, name, problems):
    """A profile key that names another block (None: not set), checked as that block's name."""
    if name is None:
        return
    problem = check_name(kind, name)
    if problem:
        problems.append("%s.%s %r %s" % (label, key, name, problem))
    block.keys[key] = name


def _profile(index, item, problems):
    label, block = _block("profile", "profiles", index, item, problems)
    if block.state == "absent":
        return block
    session = item.get("sso_session")
    _reference(label, block, "sso_session", "sso-session", session, problems)
    account = item.get("sso_account_id")
    if account is not None:
        if isinstance(account, bool) or not isinstance(account, (str, int)):
            problems.append("%s.sso_account_id must be a 12-digit string in quotes" % label)
        elif isinstance(account, int):
            # Compare numbers, not str() lengths: "-12345678901" is 12 characters.
            if 10**11 <= account < 10**12:
                block.keys["sso_account_id"] = str(account)
            elif not 0 <= account < 10**11:
                problems.append(
                    '%s.sso_account_id %d must be exactly 12 digits, e.g. "012345678901"' % (label, account)
                )
            else:
                # Never suggest digits rebuilt from this number: YAML 1.1 reads
                # 012345670123 as octal (1402433619), so zero-padding it gives
                # another account. Only what the user typed is right.
                problems.append(
                    "%s.sso_account_id: YAML read it as the number %d, not as 12 digits (unquoted, leading "
                    "zeros are dropped and an id starting with 0 can be read as octal); quote it exactly as "
                    'written, e.g. sso_account_id: "012345678901"' % (label, account)
                )
        elif not ACCOUNT_RE.fullmatch(account):
            problems.append('%s.sso_account_id %r must be exactly 12 digits, e.g. "012345678901"' % (label, account))
        else:
            block.keys["sso_account_id"] = account
    role = item.get("sso_role_name")
    if role is not None:
        if not ROLE_RE.fullmatch(role):
            problems.append(
                "%s.sso_role_name %r is not a valid role name; use letters, digits and +=,.@_- (at most 64)"
                % (label, role)
            )
        block.keys["sso_role_name"] = role
    if (account is not None or role is not None) and session is None:
        problems.append(
            "%s.sso_session is required with sso_account_id/sso_role_name: name the sso-session block" % label
        )
    if session is not None and (account is None or role is None):
        problems.append("%s needs both sso_account_id and sso_role_name with sso_session" % label)
    check_region(label, "region", item.get("region"), problems)
    for key in ("region", "output"):
        if item.get(key) is not None:
            block.keys[key] = item[key]
    _reference(label, block, "services", "services", item.get("services"), problems)
    reserved = PROFILE_KEYS + (LEGACY_PROFILE_KEYS + ("sso_registration_scopes",) if session else ())
    block.keys.update(check_settings(label, item["settings"], reserved, problems))
    return block


def _check_unique(kind, blocks, problems):
    seen = set()
    for block in blocks:
        if block.name in seen:
            problems.append("%s: %r is declared twice; declare each block once" % (kind, block.name))
        seen.add(block.name)


def build(params):
    """Build a Declaration from validated module params or raise DeclarationError."""
    problems = []
    sessions = [_session(i, item, problems) for i, item in enumerate(params.get("sso_sessions") or [])]
    profiles = [_profile(i, item, problems) for i, item in enumerate(params.get("profiles") or [])]
    services = [_services(i, item, problems) for i, item in enumerate(params.get("services") or [])]
    _check_unique("sso_sessions", sessions, problems)
    _check_unique("profiles", profiles, problems)
    _check_unique("services", services, problems)
    if problems:
        raise DeclarationError(problems)
    return Declaration(
        sessions,
        profiles,
        params.get("exclusive", False),
        params.get("migrate_legacy", True),
        services=services,
    )
