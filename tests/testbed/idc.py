"""A local stand-in for AWS IAM Identity Center, for tests and demos.

moto implements STS but neither the SSO portal API (GetRoleCredentials,
ListAccounts, ListAccountRoles, Logout) nor SSO-OIDC (RegisterClient,
StartDeviceAuthorization, CreateToken). This module serves both on one local
port, speaking the wire shapes that botocore and the real AWS CLI v2 expect,
and mints role credentials through moto's sts:AssumeRole so that
`aws sts get-caller-identity` tells the truth about account and role.

Nothing here is reachable from outside the machine: every server binds to
127.0.0.1. Test-only controls (approve a device code, revoke a user, expire
tokens, change lifetimes) live under /admin on the same port.

    python -m tests.testbed.idc start [--directory FILE]   # daemon, prints env
    python -m tests.testbed.idc env [--export]
    python -m tests.testbed.idc status
    python -m tests.testbed.idc approve USER_CODE USER
    python -m tests.testbed.idc revoke [USER] [--refresh-only]
    python -m tests.testbed.idc expire [USER]
    python -m tests.testbed.idc stop
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import html
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from tests.testbed.daemon import Daemon

LOG = logging.getLogger("labcloud.idc")

DAEMON = Daemon("idc")
STATE_FILE = DAEMON.state_file
LOG_FILE = DAEMON.log_file

DEFAULT_SETTINGS = {
    # Identity Center hands out one-hour access tokens; the clients refresh
    # them from 15 minutes before expiry on.
    "token_lifetime": 3600,
    # How long a sign-in (the refresh token) stays usable: the usual 8 hours.
    "session_duration": 8 * 3600,
    "device_code_lifetime": 600,
    "auth_code_lifetime": 300,
    # The real service answers interval 1; clients sleep that long between polls.
    "poll_interval": 1,
    # 0 disables SlowDownException. The CLI polls twice back to back right
    # after printing the code, so a strict check would slow every login by 5 s.
    "min_poll_gap": 0,
    "registration_lifetime": 90 * 86400,
    "role_session_duration": 3600,
    # ListAccounts/ListAccountRoles: the most items one page holds (the
    # client's max_result can only lower it; the real service allows 100).
    "portal_page_size": 100,
    # Every Nth ListAccounts/ListAccountRoles call answers 429
    # TooManyRequestsException, as the real portal does under load; 0 never.
    "portal_throttle_every": 0,
}

# Used by `start` without --directory and by the pytest fixture. Account
# 022222222222 has a leading zero on purpose: account ids are strings.
DEFAULT_DIRECTORY = {
    "start_url": "https://labcloud-test.awsapps.com/start",
    "region": "eu-west-1",
    "accounts": {
        "111111111111": {"name": "sandbox", "email": "aws-sandbox@labcloud.test"},
        "022222222222": {"name": "production", "email": "aws-prod@labcloud.test"},
    },
    "users": {
        "alice": {
            "email": "alice@labcloud.test",
            "access": {
                "111111111111": ["Developer", "ReadOnly"],
                "022222222222": ["ReadOnly"],
            },
        },
        "bob": {"email": "bob@labcloud.test", "access": {"111111111111": ["ReadOnly"]}},
        "carol": {
            "email": "carol@labcloud.test",
            "access": {"111111111111": ["Developer"]},
        },
        "dave": {
            "email": "dave@labcloud.test",
            "access": {"111111111111": ["Developer"]},
        },
        "erin": {
            "email": "erin@labcloud.test",
            "access": {"022222222222": ["ReadOnly"]},
        },
    },
}

_ACCOUNT_RE = re.compile(r"^\d{12}$")
# Consonants only, as in the real service: no accidental words, no 0/O, 1/I.
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


class DirectoryError(ValueError):
    pass


def load_directory(source=None):
    """Return a validated copy of a directory given as a dict, a JSON or
    YAML file path, or None for the built-in sample."""
    if source is None:
        data = copy.deepcopy(DEFAULT_DIRECTORY)
    elif isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        text = Path(source).read_text()
        if str(source).endswith((".yml", ".yaml")):
            import yaml  # only needed for YAML directories

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    return _validate_directory(data)


def _validate_directory(data):
    if not isinstance(data, dict):
        raise DirectoryError("the directory must be a mapping")
    accounts = data.get("accounts") or {}
    users = data.get("users") or {}
    for acct_id, info in accounts.items():
        # YAML turns an unquoted 022222222222 into an int and drops the zero.
        if not isinstance(acct_id, str) or not _ACCOUNT_RE.match(acct_id):
            raise DirectoryError(f"account id {acct_id!r} must be a quoted 12-digit string")
        if not isinstance(info, dict) or "name" not in info:
            raise DirectoryError(f"account {acct_id} needs at least a name")
        info.setdefault("email", f"{info['name']}@example.invalid")
    for name, user in users.items():
        if not isinstance(user, dict):
            raise DirectoryError(f"user {name!r} must be a mapping")
        access = user.setdefault("access", {})
        for acct_id, roles in access.items():
            if acct_id not in accounts:
                raise DirectoryError(f"user {name} is given roles in unknown account {acct_id!r}")
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                raise DirectoryError(f"user {name}: roles in {acct_id} must be a list of names")
        user.setdefault("email", f"{name}@example.invalid")
    settings = dict(DEFAULT_SETTINGS)
    unknown = set(data.get("settings") or {}) - set(DEFAULT_SETTINGS)
    if unknown:
        raise DirectoryError(f"unknown settings: {sorted(unknown)}")
    settings.update(data.get("settings") or {})
    return {
        "start_url": data.get("start_url"),
        "region": data.get("region", "us-east-1"),
        "accounts": accounts,
        "users": users,
        "settings": settings,
    }


def role_arn(account_id, role_name, region):
    """The IAM role Identity Center provisions in each account for a
    permission set; the suffix is stable per account and role, as it is
    stable per permission set in AWS."""
    suffix = hashlib.sha256(f"{account_id}/{role_name}".encode()).hexdigest()[:16]
    return f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/{region}/AWSReservedSSO_{role_name}_{suffix}"


class ApiError(Exception):
    """An error answered the way AWS does: the type in x-amzn-ErrorType,
    details in a JSON body."""

    def __init__(self, status, error_type, body):
        super().__init__(f"{error_type}: {body}")
        self.status = status
        self.error_type = error_type
        self.body = body


def _oidc_error(error_type, code, description, status=400):
    return ApiError(status, error_type, {"error": code, "error_description": description})


def _portal_error(error_type, message, status):
    return ApiError(status, error_type, {"message": message})


def _unauthorized():
    return _portal_error("UnauthorizedException", "Session token not found or invalid", 401)


class IdentityStore:
    """All mutable state of the fake service, behind one lock."""

    def __init__(self, directory, assume_role=None, clock=time.time):
        self.directory = directory
        self.settings = directory["settings"]
        self._user_settings = {}
        self._assume_role = assume_role
        self._now = clock
        self._lock = threading.RLock()
        self.clients = {}
        self.device_auths = {}
        self.auth_codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.calls = []
        # Per operation, never trimmed (calls keeps only the last 500).
        self.counts = {}
        self._list_calls = 0

    # -- helpers -----------------------------------------------------------

    def setting(self, key, user=None):
        if user is not None and key in self._user_settings.get(user, {}):
            return self._user_settings[user][key]
        return self.settings[key]

    def record(self, operation, **details):
        with self._lock:
            self.calls.append({"operation": operation, "time": self._now(), **details})
            self.counts[operation] = self.counts.get(operation, 0) + 1
            del self.calls[:-500]

    def _client(self, client_id, client_secret):
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client["secret"], client_secret or ""):
            raise _oidc_error("InvalidClientException", "invalid_client", "Invalid client", 401)
        if client["expires_at"] <= self._now():
            raise _oidc_error(
                "InvalidClientException",
                "invalid_client",
                "Client registration expired",
                401,
            )
        return client

    def _check_start_url(self, start_url):
        expected = self.directory.get("start_url")
        if expected and start_url.rstrip("/#") != expected.rstrip("/#"):
            raise _oidc_error(
                "InvalidRequestException",
                "invalid_request",
                f"Invalid start URL: {start_url}",
            )

    def _mint_tokens(self, user, client_id, scopes, refresh_expires_at=None, sign_in=None):
        now = self._now()
        lifetime = int(self.setting("token_lifetime", user))
        if refresh_expires_at is None:
            refresh_expires_at = now + self.setting("session_duration", user)
        # One sign-in, however often it is refreshed: Logout ends all of it.
        sign_in = sign_in or secrets.token_hex(8)
        access = "aoa" + secrets.token_urlsafe(48)
        refresh = "aor" + secrets.token_urlsafe(48)
        self.refresh_tokens[refresh] = {
            "user": user,
            "client_id": client_id,
            "scopes": scopes,
            "expires_at": refresh_expires_at,
            "sign_in": sign_in,
        }
        self.access_tokens[access] = {
            "user": user,
            "client_id": client_id,
            "expires_at": now + lifetime,
            "refresh_token": refresh,
            "sign_in": sign_in,
        }
        return {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": lifetime,
            "refreshToken": refresh,
        }

    def _user_for_token(self, token):
        entry = self.access_tokens.get(token or "")
        if entry is None or entry["expires_at"] <= self._now():
            raise _unauthorized()
        return entry["user"]

    # -- SSO-OIDC ----------------------------------------------------------

    def register_client(self, body):
        name = body.get("clientName")
        if not name or body.get("clientType") != "public":
            raise _oidc_error(
                "InvalidClientMetadataException",
                "invalid_client_metadata",
                "clientName and clientType=public required",
            )
        grant_types = body.get("grantTypes") or []
        redirect_uris = body.get("redirectUris") or []
        if "authorization_code" in grant_types:
            if not redirect_uris:
                raise _oidc_error(
                    "InvalidRedirectUriException",
                    "invalid_redirect_uri",
                    "redirectUris required",
                )
            self._check_start_url(body.get("issuerUrl") or "")
        now = self._now()
        client_id = secrets.token_urlsafe(16)
        with self._lock:
            self.clients[client_id] = {
                "name": name,
                "secret": secrets.token_urlsafe(64),
                "scopes": body.get("scopes") or [],
                "grant_types": grant_types,
                "redirect_uris": redirect_uris,
                "expires_at": now + self.settings["registration_lifetime"],
            }
            client = self.clients[client_id]
        self.record("RegisterClient", client_name=name, grant_types=grant_types)
        return {
            "clientId": client_id,
            "clientSecret": client["secret"],
            "clientIdIssuedAt": int(now),
            "clientSecretExpiresAt": int(client["expires_at"]),
        }

    def start_device_authorization(self, body, base_url):
        with self._lock:
            self._client(body.get("clientId"), body.get("clientSecret"))
            self._check_start_url(body.get("startUrl") or "")
            device_code = secrets.token_urlsafe(48)
            while True:
                raw = "".join(secrets.choice(_USER_CODE_ALPHABET) for _i in range(8))
                user_code = f"{raw[:4]}-{raw[4:]}"
                if not any(a["user_code"] == user_code for a in self.device_auths.values()):
                    break
            self.device_auths[device_code] = {
                "client_id": body["clientId"],
                "user_code": user_code,
                "expires_at": self._now() + self.settings["device_code_lifetime"],
                "user": None,
                "denied": False,
                "last_poll": 0.0,
                "interval": self.settings["poll_interval"],
            }
        self.record("StartDeviceAuthorization", user_code=user_code)
        verification = f"{base_url}/device"
        return {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": verification,
            "verificationUriComplete": f"{verification}?user_code={user_code}",
            "expiresIn": int(self.settings["device_code_lifetime"]),
            "interval": int(self.settings["poll_interval"]),
        }

    def create_token(self, body):
        grant = body.get("grantType")
        with self._lock:
            client = self._client(body.get("clientId"), body.get("clientSecret"))
            client_id = body["clientId"]
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                return self._token_from_device_code(client_id, body.get("deviceCode"))
            if grant == "refresh_token":
                return self._token_from_refresh(client_id, body.get("refreshToken"))
            if grant == "authorization_code":
                if "authorization_code" not in client["grant_types"]:
                    raise _oidc_error(
                        "UnauthorizedClientException",
                        "unauthorized_client",
                        "Client not registered for this grant",
                    )
                return self._token_from_auth_code(client_id, body)
        raise _oidc_error(
            "UnsupportedGrantTypeException",
            "unsupported_grant_type",
            f"Unsupported grant: {grant}",
        )

    def _token_from_device_code(self, client_id, device_code):
        auth = self.device_auths.get(device_code or "")
        if auth is None or auth["client_id"] != client_id:
            raise _oidc_error("InvalidGrantException", "invalid_grant", "Invalid device code provided")
        now = self._now()
        if auth["expires_at"] <= now:
            del self.device_auths[device_code]
            raise _oidc_error("ExpiredTokenException", "expired_token", "Device code has expired")
        if auth["denied"]:
            del self.device_auths[device_code]
            raise _oidc_error("AccessDeniedException", "access_denied", "Authorization was denied")
        if auth["user"] is None:
            gap = self.settings["min_poll_gap"]
            too_fast = gap and now - auth["last_poll"] < gap
            auth["last_poll"] = now
            if too_fast:
                raise _oidc_error("SlowDownException", "slow_down", "Client is polling too fast")
            raise _oidc_error(
                "AuthorizationPendingException",
                "authorization_pending",
                "Authorization is pending",
            )
        del self.device_auths[device_code]
        self.record("CreateToken", grant="device_code", user=auth["user"])
        return self._mint_tokens(auth["user"], client_id, self.clients[client_id]["scopes"])

    def _token_from_refresh(self, client_id, refresh_token):
        entry = self.refresh_tokens.get(refresh_token or "")
        if entry is None or entry["client_id"] != client_id or entry["expires_at"] <= self._now():
            raise _oidc_error(
                "InvalidGrantException",
                "invalid_grant",
                "Invalid refresh token provided",
            )
        # Rotate: a refresh token is good for one exchange, and the sign-in
        # keeps its original end rather than being extended by refreshing.
        del self.refresh_tokens[refresh_token]
        self.record("CreateToken", grant="refresh_token", user=entry["user"])
        return self._mint_tokens(entry["user"], client_id, entry["scopes"], entry["expires_at"], entry.get("sign_in"))

    def _token_from_auth_code(self, client_id, body):
        code = self.auth_codes.pop(body.get("code") or "", None)
        if code is None or code["client_id"] != client_id or code["expires_at"] <= self._now():
            raise _oidc_error(
                "InvalidGrantException",
                "invalid_grant",
                "Invalid authorization code provided",
            )
        if body.get("redirectUri") != code["redirect_uri"]:
            raise _oidc_error("InvalidGrantException", "invalid_grant", "redirect_uri does not match")
        verifier = body.get("codeVerifier") or ""
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
        # The CLI drops the padding from the challenge it sends.
        if digest.rstrip("=") != code["challenge"].rstrip("="):
            raise _oidc_error(
                "InvalidGrantException",
                "invalid_grant",
                "code_verifier does not match the challenge",
            )
        self.record("CreateToken", grant="authorization_code", user=code["user"])
        return self._mint_tokens(code["user"], client_id, code["scopes"])

    def authorize(self, query, user):
        """Sign `user` in for an authorization-code request; returns the URL
        the browser would be redirected to."""
        with self._lock:
            client_id = query.get("client_id", "")
            client = self.clients.get(client_id)
            if client is None or "authorization_code" not in client["grant_types"]:
                raise _oidc_error("InvalidClientException", "invalid_client", "Unknown client", 401)
            redirect = query.get("redirect_uri", "")
            if not any(_same_loopback_uri(redirect, allowed) for allowed in client["redirect_uris"]):
                raise _oidc_error(
                    "InvalidRequestException",
                    "invalid_request",
                    "redirect_uri not registered",
                )
            if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
                raise _oidc_error(
                    "InvalidRequestException",
                    "invalid_request",
                    "PKCE with S256 required",
                )
            if not query.get("code_challenge"):
                raise _oidc_error(
                    "InvalidRequestException",
                    "invalid_request",
                    "code_challenge required",
                )
            if user not in self.directory["users"]:
                raise _oidc_error("AccessDeniedException", "access_denied", f"No such user: {user}")
            code = secrets.token_urlsafe(32)
            self.auth_codes[code] = {
                "client_id": client_id,
                "user": user,
                "redirect_uri": redirect,
                "challenge": query["code_challenge"],
                "scopes": (query.get("scopes") or "").split(),
                "expires_at": self._now() + self.settings["auth_code_lifetime"],
            }
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        sep = "&" if "?" in redirect else "?"
        return f"{redirect}{sep}{urllib.parse.urlencode(params)}"

    # -- SSO portal --------------------------------------------------------

    def _throttle(self, operation, user):
        """Every Nth list call is refused, counted apart from the answered ones."""
        every = int(self.setting("portal_throttle_every", user) or 0)
        self._list_calls += 1
        if every and self._list_calls % every == 0:
            self.record(operation + ":throttled", user=user)
            raise _portal_error("TooManyRequestsException", "Rate exceeded", 429)

    def _page(self, items, query, user, what):
        """One page of items: max_result (1-100) and next_token as the service takes them."""
        size = int(self.setting("portal_page_size", user))
        raw_max = query.get("max_result")
        if raw_max is not None:
            if not str(raw_max).isdigit() or not 1 <= int(raw_max) <= 100:
                raise _portal_error("InvalidRequestException", "max_result must be 1 to 100", 400)
            size = min(size, int(raw_max))
        start = 0
        token = query.get("next_token")
        if token:
            try:
                kind, start = token.split(":", 1)
                start = int(start)
            except ValueError:
                kind = None
            if kind != what or not 0 < start < len(items):
                raise _portal_error("InvalidRequestException", "Invalid next_token", 400)
        page = {"items": items[start : start + size]}
        if start + size < len(items):
            page["nextToken"] = "%s:%d" % (what, start + size)
        return page

    def list_accounts(self, token, query=None):
        with self._lock:
            user = self._user_for_token(token)
            self._throttle("ListAccounts", user)
            self.record("ListAccounts", user=user)
            access = self.directory["users"][user]["access"]
            accounts = self.directory["accounts"]
            items = [
                {
                    "accountId": a,
                    "accountName": accounts[a]["name"],
                    "emailAddress": accounts[a]["email"],
                }
                for a in sorted(access)
            ]
            page = self._page(items, query or {}, user, "accounts")
            reply = {"accountList": page["items"]}
            if "nextToken" in page:
                reply["nextToken"] = page["nextToken"]
            return reply

    def list_account_roles(self, token, account_id, query=None):
        with self._lock:
            user = self._user_for_token(token)
            self._throttle("ListAccountRoles", user)
            self.record("ListAccountRoles", user=user, account_id=account_id)
            roles = self.directory["users"][user]["access"].get(account_id, [])
            items = [{"roleName": r, "accountId": account_id} for r in roles]
            page = self._page(items, query or {}, user, "roles-" + account_id)
            reply = {"roleList": page["items"]}
            if "nextToken" in page:
                reply["nextToken"] = page["nextToken"]
            return reply

    def get_role_credentials(self, token, account_id, role_name):
        with self._lock:
            user = self._user_for_token(token)
            allowed = role_name in self.directory["users"][user]["access"].get(account_id, [])
            self.record(
                "GetRoleCredentials",
                user=user,
                account_id=account_id,
                role_name=role_name,
                allowed=allowed,
            )
        if not allowed:
            # Not in the service model, but what the real portal answers.
            raise _portal_error("ForbiddenException", "No access", 403)
        if self._assume_role is None:
            raise _portal_error("InvalidRequestException", "this portal runs without STS (no moto)", 400)
        arn = role_arn(account_id, role_name, self.directory["region"])
        creds = self._assume_role(arn, user, int(self.settings["role_session_duration"]))
        return {
            "roleCredentials": {
                "accessKeyId": creds["AccessKeyId"],
                "secretAccessKey": creds["SecretAccessKey"],
                "sessionToken": creds["SessionToken"],
                "expiration": int(creds["Expiration"].timestamp() * 1000),
            }
        }

    def logout(self, token):
        """End the sign-in the access token belongs to: every access and
        refresh token of it, those of earlier refreshes included. Every call
        is recorded, refused ones with ok False, so a test can tell that a
        Logout was asked for and what it did."""
        with self._lock:
            try:
                user = self._user_for_token(token)
            except ApiError:
                self.record("Logout", user=None, ok=False, ended=0)
                LOG.info("Logout refused: unknown or expired access token")
                raise
            sign_in = self.access_tokens[token]["sign_in"]
            ended = 0
            for store in (self.access_tokens, self.refresh_tokens):
                for tok in [t for t, e in store.items() if e.get("sign_in") == sign_in]:
                    del store[tok]
                    ended += 1
            self.record("Logout", user=user, ok=True, ended=ended)
            LOG.info("Logout: ended a sign-in of %s (%d tokens)", user, ended)

    # -- test controls -----------------------------------------------------

    def approve(self, user_code, user):
        with self._lock:
            if user not in self.directory["users"]:
                raise _oidc_error(
                    "InvalidRequestException",
                    "invalid_request",
                    f"No such user: {user}",
                )
            for auth in self.device_auths.values():
                if auth["user_code"] == user_code and auth["expires_at"] > self._now():
                    auth["user"] = user
                    return {"approved": user_code, "user": user}
        raise _oidc_error(
            "InvalidRequestException",
            "invalid_request",
            f"No pending device code {user_code}",
        )

    def deny(self, user_code):
        with self._lock:
            for auth in self.device_auths.values():
                if auth["user_code"] == user_code:
                    auth["denied"] = True
                    return {"denied": user_code}
        raise _oidc_error(
            "InvalidRequestException",
            "invalid_request",
            f"No pending device code {user_code}",
        )

    def pending(self):
        with self._lock:
            now = self._now()
            return [
                {"user_code": a["user_code"], "expires_in": int(a["expires_at"] - now)}
                for a in self.device_auths.values()
                if a["user"] is None and not a["denied"] and a["expires_at"] > now
            ]

    def revoke(self, user=None, refresh_only=False):
        """End sign-ins: refresh tokens always, access tokens unless
        refresh_only (an access token already handed out stays usable until
        it expires, as with a real IdP)."""
        with self._lock:
            n = 0
            for store in (self.refresh_tokens,) if refresh_only else (self.refresh_tokens, self.access_tokens):
                for tok in [t for t, e in store.items() if user is None or e["user"] == user]:
                    del store[tok]
                    n += 1
            return {"revoked": n}

    def expire_tokens(self, user=None):
        """Make current access tokens expired (server side only: clients
        still believe their cached expiry)."""
        with self._lock:
            now = self._now()
            n = 0
            for entry in self.access_tokens.values():
                if user is None or entry["user"] == user:
                    entry["expires_at"] = min(entry["expires_at"], now)
                    n += 1
            return {"expired": n}

    def set_settings(self, values, user=None):
        with self._lock:
            unknown = set(values) - set(DEFAULT_SETTINGS)
            if unknown:
                raise _oidc_error(
                    "InvalidRequestException",
                    "invalid_request",
                    f"unknown settings {sorted(unknown)}",
                )
            if user is None:
                self.settings.update(values)
            else:
                if user not in self.directory["users"]:
                    raise _oidc_error(
                        "InvalidRequestException",
                        "invalid_request",
                        f"No such user: {user}",
                    )
                self._user_settings.setdefault(user, {}).update(values)
                # None clears a per-user override.
                self._user_settings[user] = {k: v for k, v in self._user_settings[user].items() if v is not None}
            return {"settings": self.settings, "user_settings": self._user_settings}

    def summary(self):
        with self._lock:
            now = self._now()
            return {
                "directory": {k: v for k, v in self.directory.items() if k != "settings"},
                "settings": self.settings,
                "user_settings": self._user_settings,
                "pending": self.pending(),
                "sessions": sorted(
                    {e["user"] for e in self.refresh_tokens.values() if e["expires_at"] > now}
                    | {e["user"] for e in self.access_tokens.values() if e["expires_at"] > now}
                ),
            }


def _same_loopback_uri(given, registered):
    """Loopback redirect URIs match whatever the port (RFC 8252 7.3): the
    CLI registers http://127.0.0.1/oauth/callback and then listens on a
    random port."""
    g, r = urllib.parse.urlsplit(given), urllib.parse.urlsplit(registered)
    if r.hostname in ("127.0.0.1", "localhost", "::1"):
        return (g.scheme, g.hostname, g.path) == (r.scheme, r.hostname, r.path)
    return given == registered


class _Handler(BaseHTTPRequestHandler):
    # http.server rather than werkzeug: werkzeug's server silently drops
    # headers whose names contain "_", and the portal's bearer token travels
    # in x-amz-sso_bearer_token.
    protocol_version = "HTTP/1.1"
    server_version = "labcloud-idc"
    store: IdentityStore  # set on the subclass made per server

    def log_message(self, fmt, *args):
        LOG.debug("%s " + fmt, self.address_string(), *args)

    # -- plumbing ------------------------------------------------------------

    def _send(self, status, body=None, content_type="application/json", headers=None):
        if body is None:
            payload = b""
        elif isinstance(body, (bytes, str)):
            payload = body.encode() if isinstance(body, str) else body
        else:
            payload = json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if payload or status != 204:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        self.end_headers()
        self.wfile.write(payload)

    def _json_body(self):
        raw = self._raw_body
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise _oidc_error("InvalidRequestException", "invalid_request", "Body is not JSON") from None
        if not isinstance(body, dict):
            raise _oidc_error(
                "InvalidRequestException",
                "invalid_request",
                "Body must be a JSON object",
            )
        return body

    def _base_url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        route = self.ROUTES.get((method, url.path.rstrip("/") or "/"))
        # Read the body whatever happens next, or a kept-alive connection
        # would parse it as the next request.
        length = int(self.headers.get("Content-Length") or 0)
        self._raw_body = self.rfile.read(length) if length else b""
        try:
            if route is None:
                raise _portal_error(
                    "ResourceNotFoundException",
                    f"No route for {method} {url.path}",
                    404,
                )
            route(self, query)
        except ApiError as err:
            self._send(err.status, err.body, headers={"x-amzn-ErrorType": err.error_type})
        except Exception as err:  # a bug here should reach the client, not hang it
            LOG.exception("internal error")
            self._send(
                500,
                {"error": "server_error", "error_description": str(err)},
                headers={"x-amzn-ErrorType": "InternalServerException"},
            )

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _token(self):
        return self.headers.get("x-amz-sso_bearer_token")

    @staticmethod
    def _require(query, *names):
        missing = [n for n in names if not query.get(n)]
        if missing:
            raise _portal_error(
                "InvalidRequestException",
                f"Missing parameters: {', '.join(missing)}",
                400,
            )

    # -- portal ----------------------------------------------------------------

    def get_role_credentials(self, query):
        self._require(query, "role_name", "account_id")
        self._send(
            200,
            self.store.get_role_credentials(self._token(), query["account_id"], query["role_name"]),
        )

    def list_accounts(self, query):
        self._send(200, self.store.list_accounts(self._token(), query))

    def list_account_roles(self, query):
        self._require(query, "account_id")
        self._send(200, self.store.list_account_roles(self._token(), query["account_id"], query))

    def logout(self, query):
        self._json_body()
        self.store.logout(self._token())
        self._send(200, {})

    # -- oidc ------------------------------------------------------------------

    def register_client(self, query):
        self._send(200, self.store.register_client(self._json_body()))

    def start_device_authorization(self, query):
        self._send(
            200,
            self.store.start_device_authorization(self._json_body(), self._base_url()),
        )

    def create_token(self, query):
        self._send(200, self.store.create_token(self._json_body()))

    def authorize(self, query):
        user = query.get("user")
        if not user:
            self._send(
                200,
                _sign_in_page(self.path, self.store.directory["users"]),
                "text/html; charset=utf-8",
            )
            return
        self._send(302, None, headers={"Location": self.store.authorize(query, user)})

    def device_page(self, query):
        self._send(200, _device_page(query.get("user_code", "")), "text/html; charset=utf-8")

    # -- admin -------------------------------------------------------------------

    def admin_summary(self, query):
        self._send(200, self.store.summary())

    def admin_calls(self, query):
        with self.store._lock:
            self._send(200, {"calls": list(self.store.calls), "counts": dict(self.store.counts)})

    def admin_approve(self, query):
        body = self._json_body()
        self._send(200, self.store.approve(body.get("user_code"), body.get("user")))

    def admin_deny(self, query):
        self._send(200, self.store.deny(self._json_body().get("user_code")))

    def admin_revoke(self, query):
        body = self._json_body()
        self._send(200, self.store.revoke(body.get("user"), bool(body.get("refresh_only"))))

    def admin_expire(self, query):
        self._send(200, self.store.expire_tokens(self._json_body().get("user")))

    def admin_settings(self, query):
        body = self._json_body()
        user = body.pop("user", None)
        self._send(200, self.store.set_settings(body, user))

    ROUTES: ClassVar[dict] = {
        ("GET", "/federation/credentials"): get_role_credentials,
        ("GET", "/assignment/accounts"): list_accounts,
        ("GET", "/assignment/roles"): list_account_roles,
        ("POST", "/logout"): logout,
        ("POST", "/client/register"): register_client,
        ("POST", "/device_authorization"): start_device_authorization,
        ("POST", "/token"): create_token,
        ("GET", "/authorize"): authorize,
        ("GET", "/device"): device_page,
        ("GET", "/admin"): admin_summary,
        ("GET", "/admin/calls"): admin_calls,
        ("POST", "/admin/approve"): admin_approve,
        ("POST", "/admin/deny"): admin_deny,
        ("POST", "/admin/revoke"): admin_revoke,
        ("POST", "/admin/expire"): admin_expire,
        ("POST", "/admin/settings"): admin_settings,
    }


def _sign_in_page(path, users):
    links = "".join(
        f'<li><a href="{html.escape(path)}&amp;user={urllib.parse.quote(u)}">{html.escape(u)}</a></li>'
        for u in sorted(users)
    )
    return f"<!doctype html><title>Sign in</title><h1>Local Identity Center</h1><p>Sign in as:</p><ul>{links}</ul>"


def _device_page(user_code):
    return (
        "<!doctype html><title>Authorize device</title><h1>Local Identity Center</h1>"
        f"<p>Code {html.escape(user_code)}: approve it with POST /admin/approve "
        '{"user_code": ..., "user": ...}.</p>'
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Several CLI processes may connect at once (parallel test hosts).
    request_queue_size = 64


class Moto:
    """moto's STS in server mode on a free loopback port."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = None

    def start(self):
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self):
        self._server.stop()


def moto_assume_role(sts_url):
    """An assume_role callable backed by moto at sts_url."""
    import boto3

    # Fixed dummy keys: moto accepts anything, and no real credential of
    # this machine may leak into the chain.
    sts = boto3.session.Session(
        aws_access_key_id="AKIAIDCTESTGROUND000",
        aws_secret_access_key="labcloud-idc-not-a-secret",
        region_name="us-east-1",
    ).client("sts", endpoint_url=sts_url)
    lock = threading.Lock()

    def assume(arn, session_name, duration):
        # moto's backends are shared dicts; one call at a time keeps them sane.
        with lock:
            resp = sts.assume_role(RoleArn=arn, RoleSessionName=session_name, DurationSeconds=duration)
        return resp["Credentials"]

    return assume


class IdentityCenterServer:
    """The portal + OIDC HTTP server on a loopback port, in a thread."""

    def __init__(self, directory=None, sts_url=None, assume_role=None, port=0):
        self.directory = load_directory(directory)
        if assume_role is None and sts_url is not None:
            assume_role = moto_assume_role(sts_url)
        self.store = IdentityStore(self.directory, assume_role=assume_role)
        handler = type("Handler", (_Handler,), {"store": self.store})
        self._httpd = _Server(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="labcloud-idc", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(5)


class AdminClient:
    """Test controls over HTTP: works the same against an in-process
    server and against the `start` daemon."""

    def __init__(self, url, sts_url, region, start_url=None):
        self.url = url
        self.sts_url = sts_url
        self.region = region
        # Any https URL works when the directory sets none: clients only send
        # it to StartDeviceAuthorization and use it as a cache key.
        self.start_url = start_url or "https://labcloud-test.awsapps.com/start"

    @property
    def admin_url(self):
        return f"{self.url}/admin"

    @property
    def env(self):
        """Endpoint variables for AWS CLI v2 >= 2.13 and boto3."""
        return {
            "AWS_ENDPOINT_URL_SSO": self.url,
            "AWS_ENDPOINT_URL_SSO_OIDC": self.url,
            "AWS_ENDPOINT_URL_STS": self.sts_url,
        }

    def _call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.admin_url + path, data=data, method="GET" if data is None else "POST")
        req.add_header("Content-Type", "application/json")
        # No proxy may sit between a test and a loopback server.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=10) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            raise RuntimeError(f"{path}: {err.code} {err.read().decode(errors='replace')}") from None

    def summary(self):
        return self._call("")

    def calls(self, operation=None):
        calls = self._call("/calls")["calls"]
        return [c for c in calls if operation is None or c["operation"] == operation]

    def pending(self):
        return self.summary()["pending"]

    def call_counts(self):
        """Calls per operation since the server started (never trimmed);
        refused ones under "<operation>:throttled"."""
        return self._call("/calls")["counts"]

    def approve(self, user_code, user):
        return self._call("/approve", {"user_code": user_code, "user": user})

    def deny(self, user_code):
        return self._call("/deny", {"user_code": user_code})

    def revoke(self, user=None, refresh_only=False):
        return self._call("/revoke", {"user": user, "refresh_only": refresh_only})

    def expire_tokens(self, user=None):
        return self._call("/expire", {"user": user})

    def set_settings(self, user=None, **values):
        return self._call("/settings", {"user": user, **values})

    def set_token_lifetime(self, seconds, user=None):
        return self.set_settings(user=user, token_lifetime=seconds)

    def authorize(self, authorize_url, user):
        """Play the browser for an authorization-code login: sign in as
        user and return where the portal redirects (the CLI's callback)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        sep = "&" if "?" in authorize_url else "?"
        try:
            opener.open(f"{authorize_url}{sep}user={urllib.parse.quote(user)}", timeout=10)
        except urllib.error.HTTPError as err:
            if err.code == 302:
                return err.headers["Location"]
            raise RuntimeError(f"authorize: {err.code} {err.read().decode(errors='replace')}") from None
        raise RuntimeError("authorize did not redirect")

    def role_arn(self, account_id, role_name):
        return role_arn(account_id, role_name, self.region)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Testbed(AdminClient):
    """moto + the Identity Center server, in this process."""

    def __init__(self, directory=None):
        self.moto = Moto().start()
        try:
            self.server = IdentityCenterServer(directory, sts_url=self.moto.url).start()
        except Exception:
            self.moto.stop()
            raise
        self.directory = self.server.directory
        self.store = self.server.store
        super().__init__(
            self.server.url,
            self.moto.url,
            self.directory["region"],
            self.directory.get("start_url"),
        )

    def stop(self):
        self.server.stop()
        self.moto.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# -- driving the real AWS CLI ---------------------------------------------------

# What `aws sso login --use-device-code` prints on a line of its own.
USER_CODE_RE = re.compile(r"^([A-Z]{4}-[A-Z]{4})$")
# What `aws sso login` (authorization code flow) prints as the URL to open.
AUTHORIZE_URL_RE = re.compile(r"^(https?://\S+/authorize\?\S+)$")


def clean_env(home, endpoints, extra=None):
    """The environment of `env -i`, plus HOME and the endpoint variables:
    the machine's AWS_CA_BUNDLE, AWS_PROFILE and friends must not leak in."""
    env = {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "AWS_PAGER": "",
    }
    env.update(endpoints)
    env.update(extra or {})
    return env


class LoginResult:
    def __init__(self, returncode, stdout, stderr, user_code=None, seconds=0.0):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.user_code = user_code
        self.seconds = seconds

    def __repr__(self):
        return (
            f"LoginResult(rc={self.returncode}, code={self.user_code}, "
            f"{self.seconds:.1f}s, stdout={self.stdout!r}, stderr={self.stderr!r})"
        )


def browserless_login(argv, env, admin, user, timeout=90):
    """Run an `aws sso login --no-browser` command line and play the user's
    part: approve the device code it prints as `user`, or, for the
    authorization-code flow, sign in at the printed URL and deliver the
    redirect to the CLI's callback. user=None leaves the request pending.
    Returns a LoginResult once the command exits (killed after timeout)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err, found = [], [], {}

    def pump_stderr():
        err.extend(proc.stderr)

    def answer(line):
        if user is None:
            return
        code = USER_CODE_RE.match(line.strip())
        if code and "user_code" not in found:
            found["user_code"] = code.group(1)
            admin.approve(code.group(1), user)
        url = AUTHORIZE_URL_RE.match(line.strip())
        if url and "authorize" not in found:
            found["authorize"] = url.group(1)
            callback = admin.authorize(url.group(1), user)
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(callback, timeout=10) as resp:
                resp.read()

    def pump_stdout():
        for line in proc.stdout:
            out.append(line)
            try:
                answer(line)
            except (OSError, RuntimeError) as exc:  # report it, do not hang
                err.append(f"[labcloud test driver] {exc!r}\n")

    threads = [threading.Thread(target=f, daemon=True) for f in (pump_stdout, pump_stderr)]
    for t in threads:
        t.start()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        err.append(f"[labcloud test driver] killed after {timeout}s\n")
    for t in threads:
        t.join(5)
    return LoginResult(
        proc.returncode,
        "".join(out),
        "".join(err),
        found.get("user_code"),
        time.monotonic() - started,
    )


class CliHome:
    """A throwaway HOME for running a real AWS CLI v2 against the local
    Identity Center."""

    def __init__(self, aws_bin, home, testbed, session="lab"):
        self.aws = str(aws_bin)
        self.home = Path(home)
        self.testbed = testbed
        self.session = session
        (self.home / ".aws").mkdir(parents=True, exist_ok=True)

    @property
    def env(self):
        return clean_env(self.home, self.testbed.env)

    @property
    def config_file(self):
        return self.home / ".aws" / "config"

    def write_config(self, text):
        self.config_file.write_text(text)
        self.config_file.chmod(0o600)

    def write_sso_config(self, profiles, session=None, start_url=None):
        """profiles: {name: (account_id, role_name)} on one sso-session."""
        session = session or self.session
        start_url = start_url or self.testbed.start_url
        session_block = (
            f"[sso-session {session}]\n"
            f"sso_start_url = {start_url}\n"
            f"sso_region = {self.testbed.region}\n"
            "sso_registration_scopes = sso:account:access\n"
        )
        blocks = [session_block]
        for name, (account, role) in profiles.items():
            header = "[default]" if name == "default" else f"[profile {name}]"
            blocks.append(
                f"{header}\nsso_session = {session}\nsso_account_id = {account}\n"
                f"sso_role_name = {role}\nregion = {self.testbed.region}\n"
                "output = json\n"
            )
        self.write_config("\n".join(blocks))

    def run(self, *args, timeout=60):
        return subprocess.run(
            [self.aws, *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def login(self, user, *args, device_code=True, timeout=90):
        argv = [self.aws, "sso", "login", "--no-browser"]
        if device_code:
            argv.append("--use-device-code")
        argv += list(args) or ["--sso-session", self.session]
        return browserless_login(argv, self.env, self.testbed, user, timeout)

    def caller_identity(self, profile):
        res = self.run("sts", "get-caller-identity", "--profile", profile)
        return res, (json.loads(res.stdout) if res.returncode == 0 else None)

    def token_file(self, session=None):
        name = (session or self.session).encode()
        return self.home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(name).hexdigest()}.json"

    def token(self, session=None):
        return json.loads(self.token_file(session).read_text())

    def clear_credential_cache(self):
        """Forget the role credentials the CLI caches, so that the next
        command has to go through the token and the portal again."""
        cache = self.home / ".aws" / "cli" / "cache"
        for item in cache.glob("*.json") if cache.is_dir() else ():
            item.unlink()


# -- daemon ------------------------------------------------------------------


def running():
    """An AdminClient for the `start` daemon, or None when it is not up."""
    state = DAEMON.read_state()
    if state is None:
        return None
    return AdminClient(state["url"], state["sts_url"], state["region"], state.get("start_url"))


def _env_lines(state, export=False):
    client = AdminClient(state["url"], state["sts_url"], state["region"], state.get("start_url"))
    lines = [f"{k}={v}" for k, v in client.env.items()]
    lines.append(f"LABCLOUD_IDC_ADMIN_URL={client.admin_url}")
    lines.append(f"LABCLOUD_IDC_START_URL={client.start_url}")
    lines.append(f"LABCLOUD_IDC_REGION={state['region']}")
    return [("export " if export else "") + line for line in lines]


def _serve(args):
    testbed = Testbed(args.directory)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    state = {
        "pid": os.getpid(),
        "url": testbed.url,
        "sts_url": testbed.sts_url,
        "region": testbed.region,
        "start_url": testbed.directory.get("start_url"),
        "directory": str(args.directory) if args.directory else None,
        "started": time.time(),
    }
    # A scenario that runs its own server (molecule) keeps its state apart
    # from the shared daemon's.
    state_file = Path(args.state_file) if getattr(args, "state_file", None) else STATE_FILE
    DAEMON.write_state(state, state_file)
    LOG.info("serving %s (sts %s)", testbed.url, testbed.sts_url)
    try:
        done.wait()
    finally:
        testbed.stop()
        if _read_state(state_file) is not None and _read_state(state_file)["pid"] == os.getpid():
            state_file.unlink(missing_ok=True)
    return 0


def _read_state(state_file=None):
    """The state of the server behind state_file (default: the shared daemon), or None."""
    if state_file is None:
        return DAEMON.read_state()
    try:
        state = json.loads(Path(state_file).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not DAEMON.is_ours(state.get("pid")):
        return None
    return state


def _client(args):
    state = _read_state(getattr(args, "state_file", None))
    if state is None:
        return None
    return AdminClient(state["url"], state["sts_url"], state["region"], state.get("start_url"))


def _container_login(args):
    """Sign a user of a test container in with the real CLI's device-code
    flow, playing the person: the code it prints is approved as IDC_USER."""
    client = _client(args)
    if client is None:
        sys.stderr.write("idc: not running\n")
        return 1
    env = [f"{k}={v}" for k, v in client.env.items()]
    argv = [
        "podman",
        "exec",
        "--user",
        args.user,
        args.container,
        "env",
        "-i",
        f"HOME={args.home or '/home/' + args.user}",
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "LANG=C.UTF-8",
        "AWS_PAGER=",
        *env,
        args.aws,
        "sso",
        "login",
        "--no-browser",
        "--use-device-code",
        "--sso-session",
        args.session,
    ]
    host_env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    result = browserless_login(argv, host_env, client, args.as_user, timeout=args.timeout)
    print(
        json.dumps({"rc": result.returncode, "approved": bool(result.user_code), "seconds": round(result.seconds, 1)})
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-2000:])
    return result.returncode


def _start(args):
    state = DAEMON.read_state()
    if state is None:
        extra = ["--directory", str(Path(args.directory).resolve())] if args.directory else []
        state = DAEMON.start(extra, ready=lambda state: True)
        if state is None:
            sys.stderr.write(f"idc: the server did not come up; see {LOG_FILE}\n")
            return 1
    print("\n".join(_env_lines(state, args.export)))
    return 0


def _stop(args):
    if getattr(args, "state_file", None):
        state = _read_state(args.state_file)
        if state is not None:
            os.kill(state["pid"], signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and DAEMON.is_ours(state["pid"]):
                time.sleep(0.05)
        Path(args.state_file).unlink(missing_ok=True)
        return 0
    DAEMON.stop()
    return 0


def _env(args):
    state = _read_state(getattr(args, "state_file", None))
    if state is None:
        sys.stderr.write("idc: not running (python -m tests.testbed.idc start)\n")
        return 1
    lines = _env_lines(state)
    if getattr(args, "json", False):
        print(json.dumps(dict(line.split("=", 1) for line in lines)))
    else:
        print("\n".join(_env_lines(state, args.export)))
    return 0


def _status(args):
    client = running()
    if client is None:
        print("not running")
        return 1
    print(json.dumps(client.summary(), indent=2))
    return 0


def _admin(args):
    client = _client(args)
    if client is None:
        sys.stderr.write("idc: not running (python -m tests.testbed.idc start)\n")
        return 1
    if args.command == "approve":
        result = client.approve(args.user_code, args.user)
    elif args.command == "revoke":
        result = client.revoke(args.user, refresh_only=args.refresh_only)
    else:
        result = client.expire_tokens(args.user)
    print(json.dumps(result))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tests.testbed.idc", description=__doc__.split("\n\n", maxsplit=1)[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "serve"):
        p = sub.add_parser(name)
        p.add_argument(
            "--directory",
            help="JSON or YAML directory file (default: the built-in sample)",
        )
        p.add_argument("--export", action="store_true", help="prefix the variables with 'export '")
    p = sub.add_parser("env")
    p.add_argument("--export", action="store_true")
    p.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    sub.add_parser("stop")
    sub.add_parser("status")
    p = sub.add_parser("approve", help="approve a pending device code as USER")
    p.add_argument("user_code")
    p.add_argument("user")
    p = sub.add_parser("revoke", help="end USER's sign-ins (all users if omitted)")
    p.add_argument("user", nargs="?")
    p.add_argument("--refresh-only", action="store_true")
    p = sub.add_parser("expire", help="expire access tokens now (server side)")
    p.add_argument("user", nargs="?")
    p = sub.add_parser("container-login", help="sign USER of a podman container in, approved as AS_USER")
    p.add_argument("container")
    p.add_argument("user")
    p.add_argument("as_user")
    p.add_argument("--session", default="lab")
    p.add_argument("--home")
    p.add_argument("--aws", default="aws")
    p.add_argument("--timeout", type=int, default=90)
    for name, p in sub.choices.items():
        if name not in ("start",):
            p.add_argument("--state-file", help="the state file of a server started with serve --state-file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return {
        "start": _start,
        "serve": _serve,
        "stop": _stop,
        "env": _env,
        "status": _status,
        "approve": _admin,
        "revoke": _admin,
        "expire": _admin,
        "container-login": _container_login,
    }[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
