# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The rules for single values of an AWS config declaration: section names,
keys, plain settings, portal and endpoint URLs, regions.

Every rule here exists because botocore or the AWS CLI would otherwise read
the file differently from what was declared, or refuse it. Each check adds
its problems to a list, so a user fixes them all in one pass.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from urllib.parse import urlsplit

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_values import is_region

ACCOUNT_RE = re.compile(r"^\d{12}$", re.ASCII)
# IAM role and permission-set names: letters, digits and +=,.@_-
ROLE_RE = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
SCOPE_RE = re.compile(r"^[A-Za-z0-9:_.*/-]+$")
_NAME_FORBIDDEN = set("[]/\\\"'")
# Identity Center portals live on AWS host names (d-xxxx.awsapps.com,
# ssoins-xxxx.portal.REGION.app.aws) or, in tests, on a local address:
# plain ASCII labels or an IPv6 literal, checked after lower-casing.
_HOST_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.?$", re.ASCII)
_IPV6_RE = re.compile(r"^[0-9a-f:.]+$", re.ASCII)
URL_EXAMPLE = "e.g. https://my-org.awsapps.com/start"
# botocore looks a client's endpoint up under its service id with hyphens
# and spaces turned into "_" and lower-cased (sso_oidc, not sso-oidc or
# SSO-OIDC); a key in any other form is never read.
SERVICE_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$", re.ASCII)
ENDPOINT_EXAMPLE = "e.g. https://sts.vpce.example.com"
ENDPOINTS_EXAMPLE = "e.g. endpoints: {sts: {endpoint_url: https://sts.vpce.example.com}}"
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


def entry_label(kind, index, item):
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


def scalar(label, key, value, problems):
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


def check_settings(label, settings, reserved, problems):
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
                nested[sub_key] = scalar("%s.%s" % (where, key), sub_key, sub_value, problems)
            if not nested:
                problems.append("%s.%s is an empty mapping; give sub-settings or a plain value" % (where, key))
            out[key] = nested
            continue
        out[key] = scalar(where, key, value, problems)
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
    parts, host, problem = _split_url(url, ("https",), "portal URL", URL_EXAMPLE)
    if problem:
        return None, problem
    return "https://%s%s" % (host, parts.path.rstrip("/")), None


def check_endpoint_url(url):
    """Return a problem with a services block's endpoint_url, or None.

    Written as given: botocore builds every request URL from it, and http://
    is allowed because private or test endpoints may not speak TLS.
    """
    parts, _host, problem = _split_url(url, ("http", "https"), "endpoint URL", ENDPOINT_EXAMPLE)
    if problem:
        return problem
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "%r has a query or fragment (? or #), which no endpoint takes; drop it, %s" % (url, ENDPOINT_EXAMPLE)
    return None


def check_region(label, key, value, problems):
    """Add a problem unless value (None: not set) is an AWS region name."""
    if value is not None and not is_region(value):
        problems.append("%s.%s %r does not look like an AWS region; use a name such as us-east-1" % (label, key, value))


def service_id_problem(service):
    fixed = service.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(service, str) else None
    hint = "write it %s" % fixed if fixed and SERVICE_ID_RE.fullmatch(fixed) else "e.g. sts, sso, sso_oidc or s3"
    return (
        "key %r is not a service id as botocore looks it up (lower-case letters and digits, '_' for a space or "
        "hyphen); %s" % (service, hint)
    )


def shown(key):
    return key if isinstance(key, str) else repr(key)
