# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The AWS CLI's SSO token cache: where its files are and what state a token is in.

Read by sso_identity_info (offline token check), sso_login (skip, refresh or sign
in) and sso_portal_profiles (the token the portal calls use). File names and
timestamp formats follow what the AWS CLI v2 writes, so that a token our
modules write is used, and later refreshed, by the CLI and boto3 alike.

Nothing here returns a secret: token_status() copies only times and flags.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import os

# The CLI and botocore refresh a token from this long before it expires on.
REFRESH_WINDOW_SECONDS = 15 * 60

TOKEN_STATES = ("valid", "expiring", "expired_refreshable", "expired", "missing")

_UTC = datetime.timezone.utc
_WRITE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class TokenCacheError(Exception):
    """A cache file that exists but cannot be used as a token."""


def sha1_hex(text):
    # sha1 names the file as the CLI names it; nothing secret is hashed.
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324


def _token_cache_key(session=None, start_url=None):
    """sso-session profiles key the file by the session name; legacy profiles
    (start URL inline) by the start URL."""
    if session:
        return sha1_hex(session)
    if start_url:
        return sha1_hex(start_url)
    raise ValueError("a token cache key needs a session name or a start URL")


def cache_dir(home):
    return os.path.join(home, ".aws", "sso", "cache")


def token_path(home, session=None, start_url=None):
    return os.path.join(cache_dir(home), _token_cache_key(session, start_url) + ".json")


def _registration_cache_key(start_url, region, scopes, session_name):
    """The name botocore gives the client-registration file of a session:
    sha1 of a sorted JSON with default separators, `null` for no scopes."""
    args = {
        "tool": "botocore",
        "startUrl": start_url,
        "region": region,
        "scopes": list(scopes) if scopes else None,
        "session_name": session_name,
    }
    return sha1_hex(json.dumps(args, sort_keys=True))


def registration_path(home, start_url, region, scopes, session_name):
    return os.path.join(cache_dir(home), _registration_cache_key(start_url, region, scopes, session_name) + ".json")


def parse_time(text):
    """A timestamp as the CLI has written it over the years: `...Z`, `...UTC`
    or an ISO offset, with or without fractional seconds. Returns an aware
    UTC datetime; raises ValueError for anything else."""
    if not isinstance(text, str) or not text:
        raise ValueError("not a timestamp: %r" % (text,))
    value = text.strip()
    if value.endswith("UTC"):
        value = value[:-3] + "+00:00"
    elif value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        # fromisoformat on older Pythons takes only 3 or 6 fractional digits.
        head, _dot, rest = value.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        value = head + "." + (digits + "000000")[:6] + rest[len(digits) :]
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_UTC)
    return parsed.astimezone(_UTC)


def format_time(moment):
    """The form the CLI writes today."""
    return moment.astimezone(_UTC).strftime(_WRITE_FORMAT)


def utcnow():
    return datetime.datetime.now(_UTC)


def load_token(content):
    """Parse a token file's text into a dict; TokenCacheError if it is not one."""
    try:
        data = json.loads(content)
    except ValueError:
        raise TokenCacheError("the token file is not JSON (the CLI will ask for a new sign-in)") from None
    if not isinstance(data, dict):
        raise TokenCacheError("the token file does not hold a JSON object")
    if not data.get("accessToken") or not data.get("expiresAt"):
        raise TokenCacheError("the token file lacks accessToken or expiresAt")
    try:
        parse_time(data["expiresAt"])
    except ValueError:
        raise TokenCacheError("the token file's expiresAt is not a timestamp") from None
    return data


def is_refreshable(data, now, legacy=False):
    """Whether botocore would refresh this token instead of asking for a sign-in:
    sso-session tokens only, with a refresh token, a client and a registration
    that has not expired."""
    if legacy:
        return False
    if not (data.get("refreshToken") and data.get("clientId") and data.get("clientSecret")):
        return False
    try:
        return parse_time(data.get("registrationExpiresAt")) > now
    except ValueError:
        return False


def token_status(data, now=None, legacy=False):
    """State of a token (a dict from load_token, or None for no token file).

    Only times and flags are copied into the result: never a token, client
    id or secret."""
    now = now or utcnow()
    if data is None:
        return {
            "state": "missing",
            "expires_at": None,
            "minutes_left": None,
            "refreshable": False,
        }
    expires = parse_time(data["expiresAt"])
    seconds_left = (expires - now).total_seconds()
    refreshable = is_refreshable(data, now, legacy)
    if seconds_left <= 0:
        state = "expired_refreshable" if refreshable else "expired"
    elif seconds_left <= REFRESH_WINDOW_SECONDS and not legacy:
        state = "expiring"
    else:
        state = "valid"
    return {
        "state": state,
        "expires_at": format_time(expires),
        # Floor, so that "0 minutes left" never means "already expired".
        "minutes_left": int(seconds_left // 60),
        "refreshable": refreshable,
    }


def usable(status):
    """Whether the next CLI call can use the sign-in without a person."""
    return status["state"] in ("valid", "expiring", "expired_refreshable")
