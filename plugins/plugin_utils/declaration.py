# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Turn the task's options into checked, normalised blocks.

Every rule here exists because botocore or the AWS CLI would otherwise read
the file differently from what was declared, or refuse it. All problems are
collected so a user fixes them in one pass; nothing is written if any exist.
"""

from __future__ import annotations

import difflib
import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import (
    ARGUMENT_SPEC,
    PROFILE_SPEC,
    SERVICES_SPEC,
    SESSION_SPEC,
    USER_SPEC,
)

# Used with fullmatch and re.ASCII: "$" also matches before a final newline,
# and a bare \d accepts any Unicode digit; either would let through values
# that do not read back as written or that AWS rejects.
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$", re.ASCII)
_ACCOUNT_RE = re.compile(r"^\d{12}$", re.ASCII)
# IAM role and permission-set names: letters, digits and +=,.@_-
_ROLE_RE = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SCOPE_RE = re.compile(r"^[A-Za-z0-9:_.*/-]+$")
_NAME_FORBIDDEN = set("[]/\\\"'")
# Identity Center portals live on AWS host names (d-xxxx.awsapps.com,
# ssoins-xxxx.portal.REGION.app.aws) or, in tests, on a local address:
# plain ASCII labels or an IPv6 literal, checked after lower-casing.
_HOST_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.?$", re.ASCII)
_IPV6_RE = re.compile(r"^[0-9a-f:.]+$", re.ASCII)
_URL_EXAMPLE = "e.g. https://my-org.awsapps.com/start"
# botocore looks a client's endpoint up under its service id with hyphens
# and spaces turned into "_" and lower-cased (sso_oidc, not sso-oidc or
# SSO-OIDC); a key in any other form is never read.
_SERVICE_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$", re.ASCII)
_ENDPOINT_EXAMPLE = "e.g. https://sts.vpce.example.com"
_ENDPOINTS_EXAMPLE = "e.g. endpoints: {sts: {endpoint_url: https://sts.vpce.example.com}}"
# The only sub-setting botocore (and the AWS CLI v2) reads in a services block.
SERVICE_SETTINGS = ("endpoint_url",)
# Checked with the real AWS CLI 2.38.5 (docs/services.md): neither sso login
# nor token refresh nor GetRoleCredentials reads services from an sso-session.
SESSION_SERVICES_HINT = (
    "the AWS CLI ignores services in an sso-session block (login, token refresh and role credentials use "
    "the services of the profile the command runs with): set services on the profiles that use this "
    "session, and on the default profile for aws sso login --sso-session"
)

SESSION_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")
PROFILE_KEYS = ("sso_session", "sso_account_id", "sso_role_name", "region", "output", "services")
# Keys that make a profile a "legacy" SSO profile, superseded by sso_session.
LEGACY_PROFILE_KEYS = ("sso_start_url", "sso_region")


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


def _label(kind, index, item):
    name = item.get("name")
    return "%s[%d]%s" % (kind, index, " (%s)" % name if isinstance(name, str) and name else "")


def _bad_chars(text):
    """Describe why text cannot be stored as one line of the file, or None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs"):
            return "contains the control character %r (newline, carriage return, tab...)" % char
        if char in ("\u2028", "\u2029"):
            return "contains the line separator %r" % char
    return None


def check_name(kind, name):
    """Return a problem with a section name, or None."""
    if not name:
        return "must not be empty"
    problem = _bad_chars(name)
    if problem:
        return problem
    if any(char.isspace() for char in name):
        return "must not contain whitespace (botocore splits the header with shlex)"
    bad = sorted(set(name) & _NAME_FORBIDDEN)
    if bad:
        return "must not contain %s" % " ".join(bad)
    if name[0] in "#;":
        return "must not start with # or ; (the line would be a comment)"
    try:
        parts = shlex.split("%s %s" % (kind, name))
    except ValueError:
        parts = []
    if parts != [kind, name]:
        return "is not read back as one word by botocore"
    return None


def _check_value(label, key, value, problems):
    problem = _bad_chars(value)
    if problem:
        problems.append("%s.%s %s; put the value on one line without it" % (label, key, problem))
    elif value != value.strip():
        problems.append(
            "%s.%s has leading or trailing whitespace, which the file format drops; remove it" % (label, key)
        )


def _scalar(label, key, value, problems):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        problems.append("%s.%s must be a string, number or boolean, not %s" % (label, key, type(value).__name__))
        return None
    _check_value(label, key, value, problems)
    return value


def _settings(label, settings, reserved, problems):
    out = {}
    for key, value in settings.items():
        where = "%s.settings" % label
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            problems.append(
                "%s key %r is not a valid config key; use lower-case letters, digits, '_', '.' or '-'" % (where, key)
            )
            continue
        if key in reserved:
            problems.append("%s.%s: set %s with the option of that name, not under settings" % (where, key, key))
            continue
        if isinstance(value, dict):
            nested = {}
            for sub_key, sub_value in value.items():
                if not isinstance(sub_key, str) or not _KEY_RE.fullmatch(sub_key):
                    problems.append("%s.%s sub-key %r is not a valid config key" % (where, key, sub_key))
                    continue
                if isinstance(sub_value, (dict, list)):
                    problems.append("%s.%s.%s: only one level of nesting exists in the file" % (where, key, sub_key))
                    continue
                nested[sub_key] = _scalar("%s.%s" % (where, key), sub_key, sub_value, problems)
            if not nested:
                problems.append("%s.%s is an empty mapping; give sub-settings or a plain value" % (where, key))
            out[key] = nested
            continue
        out[key] = _scalar(where, key, value, problems)
    return out


def _split_url(url, schemes, what, example):
    """Return (urlsplit parts, host[:port] lower-case, None) or (None, None, problem)."""
    if url != url.strip() and not _bad_chars(url):
        return None, None, "%r has leading or trailing whitespace; remove it, %s" % (url, example)
    parts = None
    if not _bad_chars(url) and not any(char.isspace() for char in url):
        try:
            parts = urlsplit(url)
        except ValueError:  # an unbalanced [ or ] in the host
            parts = None
    if parts is None or parts.scheme not in schemes or not parts.netloc:
        wanted = " or ".join("%s://" % scheme for scheme in schemes)
        return None, None, "%r must be an %s URL, %s" % (url, wanted, example)
    if "@" in parts.netloc:
        # Not echoed: the part before @ may be a password.
        problem = "must not contain a user name or password (the part before @); give the %s alone, %s"
        return None, None, problem % (what, example)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return None, None, "%r has a port that is not a number from 1 to 65535; fix or drop it, %s" % (url, example)
    hostname = parts.hostname or ""
    if ":" in hostname:
        valid, host = _IPV6_RE.fullmatch(hostname), "[%s]" % hostname
    else:
        valid, host = _HOST_RE.fullmatch(hostname), hostname
    if not valid:
        return None, None, "%r has no valid host name; give the %s, %s" % (url, what, example)
    if port is not None:
        host += ":%d" % port
    return parts, host, None


def normalise_start_url(url):
    """Return (the start URL as the AWS docs write it, None) or (None, problem).

    The portal's address bar shows forms such as https://d-xxxx.awsapps.com/start/#/
    or .../start#/?tab=accounts. The fragment and query only steer the portal's
    page in a browser, and the CLI sends the URL as given to SSO-OIDC and keys
    its client registration cache by it, so every pasted form is reduced to one:
    scheme and host lower-case, no query, no fragment, no trailing slash.
    """
    parts, host, problem = _split_url(url, ("https",), "portal URL", _URL_EXAMPLE)
    if problem:
        return None, problem
    return "https://%s%s" % (host, parts.path.rstrip("/")), None


def check_endpoint_url(url):
    """Return a problem with a services block's endpoint_url, or None.

    Written as given: botocore builds every request URL from it, and http://
    is allowed because private or test endpoints may not speak TLS.
    """
    parts, _host, problem = _split_url(url, ("http", "https"), "endpoint URL", _ENDPOINT_EXAMPLE)
    if problem:
        return problem
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "%r has a query or fragment (? or #), which no endpoint takes; drop it, %s" % (url, _ENDPOINT_EXAMPLE)
    return None


def check_region(label, key, value, problems):
    """Add a problem unless value (None: not set) is an AWS region name."""
    if value is not None and not (isinstance(value, str) and _REGION_RE.fullmatch(value)):
        problems.append("%s.%s %r does not look like an AWS region; use a name such as us-east-1" % (label, key, value))


def _block(kind, option, index, item, problems):
    """Start a Block from a list item: its label for messages and its name checked."""
    label = _label(option, index, item)
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
        problems.append("%s.sso_start_url is required: the portal URL, %s" % (label, _URL_EXAMPLE))
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
        or not all(isinstance(s, str) and _SCOPE_RE.fullmatch(s) for s in scopes)
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
    block.keys.update(_settings(label, settings, SESSION_KEYS, problems))
    return block


def _service_id_problem(service):
    fixed = service.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(service, str) else None
    hint = "write it %s" % fixed if fixed and _SERVICE_ID_RE.fullmatch(fixed) else "e.g. sts, sso, sso_oidc or s3"
    return (
        "key %r is not a service id as botocore looks it up (lower-case letters and digits, '_' for a space or "
        "hyphen); %s" % (service, hint)
    )


def _service_settings(where, settings, problems):
    if not isinstance(settings, dict):
        problems.append(
            "%s must be a mapping of settings, not %s; %s" % (where, type(settings).__name__, _ENDPOINTS_EXAMPLE)
        )
        return {}
    out = {}
    for key, value in settings.items():
        if key not in SERVICE_SETTINGS:
            guess = difflib.get_close_matches(key, SERVICE_SETTINGS, n=1) if isinstance(key, str) else []
            problems.append(
                "%s: %s is not a setting botocore reads in a services block; %s"
                % (where, _shown(key), "did you mean %s?" % guess[0] if guess else "the only one is endpoint_url")
            )
            continue
        if isinstance(value, (dict, list)):
            problems.append("%s.%s: only one level of nesting exists in the file" % (where, key))
            continue
        before = len(problems)
        text = _scalar(where, key, value, problems)
        if text is not None and len(problems) == before:
            problem = check_endpoint_url(text)
            if problem:
                problems.append("%s.%s %s" % (where, key, problem))
        out[key] = text
    if "endpoint_url" not in settings:
        problems.append("%s.endpoint_url is required, %s" % (where, _ENDPOINT_EXAMPLE))
    return out


def _services(index, item, problems):
    label, block = _block("services", "services", index, item, problems)
    if block.state == "absent":
        return block
    endpoints = item["endpoints"]
    if not endpoints:
        # botocore treats a services block without entries as missing.
        problems.append("%s.endpoints needs at least one service, %s" % (label, _ENDPOINTS_EXAMPLE))
    for service, settings in endpoints.items():
        if not isinstance(service, str) or not _SERVICE_ID_RE.fullmatch(service):
            problems.append("%s.endpoints %s" % (label, _service_id_problem(service)))
            continue
        block.keys[service] = _service_settings("%s.endpoints.%s" % (label, service), settings, problems)
    return block


def _profile(index, item, problems):
    label, block = _block("profile", "profiles", index, item, problems)
    if block.state == "absent":
        return block
    session = item.get("sso_session")
    if session is not None:
        problem = check_name("sso-session", session)
        if problem:
            problems.append("%s.sso_session %r %s" % (label, session, problem))
        block.keys["sso_session"] = session
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
        elif not _ACCOUNT_RE.fullmatch(account):
            problems.append('%s.sso_account_id %r must be exactly 12 digits, e.g. "012345678901"' % (label, account))
        else:
            block.keys["sso_account_id"] = account
    role = item.get("sso_role_name")
    if role is not None:
        if not _ROLE_RE.fullmatch(role):
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
    services = item.get("services")
    if services is not None:
        problem = check_name("services", services)
        if problem:
            problems.append("%s.services %r %s" % (label, services, problem))
        block.keys["services"] = services
    reserved = PROFILE_KEYS + (LEGACY_PROFILE_KEYS + ("sso_registration_scopes",) if session else ())
    block.keys.update(_settings(label, item["settings"], reserved, problems))
    return block


def _check_unique(kind, blocks, problems):
    seen = set()
    for block in blocks:
        if block.name in seen:
            problems.append("%s: %r is declared twice; declare each block once" % (kind, block.name))
        seen.add(block.name)


# Keys a user puts on the wrong kind of block, typically copied from a
# legacy profile (start URL inline) or from a profile into its session.
_TO_SERVICES = "it belongs to a services block: declare it under services and name that block %s with services"
_IN_SERVICES = "a services block holds only its endpoints, %s" % _ENDPOINTS_EXAMPLE
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
        "endpoint_url": "it goes under each service id, %s" % _ENDPOINTS_EXAMPLE,
    },
}
_ENTRY_SPECS = (("sso_sessions", SESSION_SPEC), ("profiles", PROFILE_SPEC), ("services", SERVICES_SPEC))


def _closest(key, spec):
    valid = list(spec) + [alias for option in spec.values() for alias in option.get("aliases", ())]
    matches = difflib.get_close_matches(key.lower(), valid, n=1)
    return matches[0] if matches else None


def _shown(key):
    return key if isinstance(key, str) else repr(key)


def _unknown_key_problem(where, key, spec, misplaced_hint=None, other="settings"):
    guess = _closest(key, spec) if isinstance(key, str) else None
    if misplaced_hint:
        hint = misplaced_hint
    elif guess:
        hint = "did you mean %s?" % guess + (" (put other keys under settings)" if other == "settings" else "")
    elif other == "settings":
        hint = "to write it to the file as it is, put it under settings"
    else:
        hint = other
    return "%s: %s is not a supported option; %s" % (where, _shown(key), hint)


def _entry_problems(prefix, args, problems):
    """Check the sso_sessions, profiles and services entries of args (task or users[] entry)."""
    for option, spec in _ENTRY_SPECS:
        entries = args.get(option)
        if not isinstance(entries, list):
            continue
        misplaced = _MISPLACED[option]
        # A services entry has no settings to fall back on: a service id
        # written straight into it belongs under endpoints.
        other = "settings" if "settings" in spec else "service ids go under endpoints, %s" % _ENDPOINTS_EXAMPLE
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            label = prefix + _label(option, index, entry)
            for key in entry:
                if key not in spec:
                    hint = misplaced.get(key) if isinstance(key, str) else None
                    problems.append(_unknown_key_problem(label, key, spec, hint, other))


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
        problems.append("%s is not a supported option of aws_config; %s" % (_shown(key), hint))
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
                    _unknown_key_problem(label, key, USER_SPEC, other="the options are %s" % ", ".join(USER_SPEC))
                )
        _entry_problems(label + ".", entry, problems)
    return problems


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
