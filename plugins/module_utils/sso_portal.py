# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""What a user can reach through the SSO portal: every account and every role in it.

Used by sso_portal_profiles on managed hosts (as the user, with the user's cached
token) and by sso_discover on the controller (with the operator's). Only the
standard library, so hosts need nothing but Python.

The portal pages both lists (max_result 1-100, next_token) and answers
TooManyRequestsException (HTTP 429) when called too fast; a large directory
is listed with a few calls in parallel and every throttled call is retried
with capped exponential backoff and jitter, as botocore's standard retry
mode does. Nothing returned here holds the token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.labcloud.aws_sso.plugins.module_utils import atomic_file, sso_cache, sso_http
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import SsoConfig, SsoConfigError

# Throttling and the service's own transient failures are worth retrying;
# anything else (a revoked token, a bad request) would fail again.
RETRYABLE_TYPES = ("TooManyRequestsException", "ThrottlingException", "ServiceUnavailableException")
RETRYABLE_STATUS = (429, 500, 502, 503, 504)
MAX_ATTEMPTS = 10
BASE_DELAY = 0.25
MAX_DELAY = 20.0
PAGE_SIZE = 100
WORKERS = 4


class LoginRequired(Exception):
    """The user has to sign in again before the portal will answer."""


class PortalError(Exception):
    """The portal could not be listed; the text says what happened and what to do."""


class Portal:
    """ListAccounts and ListAccountRoles against one endpoint with one token, counting calls."""

    def __init__(
        self,
        base_url,
        token,
        ca_bundle=None,
        page_size=PAGE_SIZE,
        max_attempts=MAX_ATTEMPTS,
        call=None,
        sleep=time.sleep,
    ):
        self.base_url = base_url
        self._token = token
        self.ca_bundle = ca_bundle
        self.page_size = page_size
        self.max_attempts = max_attempts
        self._call = call or sso_http.portal
        self._sleep = sleep
        self._lock = threading.Lock()
        self.counts = {"ListAccounts": 0, "ListAccountRoles": 0, "throttled": 0, "slept": 0.0}

    def _count(self, key, amount=1):
        with self._lock:
            self.counts[key] += amount

    def _request(self, operation, path, query):
        """One call, retried while the portal says it is busy."""
        for attempt in range(self.max_attempts):
            self._count(operation)
            try:
                return self._call("GET", self.base_url, path, self._token, query=query, ca_bundle=self.ca_bundle)
            except sso_http.ServiceError as exc:
                if exc.error_type == "UnauthorizedException" or exc.status == 401:
                    raise LoginRequired(
                        "the portal refused the cached token (%s): the sign-in has ended or was revoked" % exc.message
                    ) from None
                retryable = exc.error_type in RETRYABLE_TYPES or exc.status in RETRYABLE_STATUS
                if not retryable:
                    raise PortalError("%s failed: %s" % (operation, exc)) from None
                if attempt + 1 == self.max_attempts:
                    raise PortalError(
                        "%s was still refused after %d attempts (%s); the portal is busy, run again later"
                        % (operation, self.max_attempts, exc.error_type)
                    ) from None
                self._count("throttled")
                # Full jitter: many hosts of one lab back off without colliding again.
                delay = random.uniform(0, min(MAX_DELAY, BASE_DELAY * (2**attempt)))  # noqa: S311 (jitter, not crypto)
                self._count("slept", delay)
                self._sleep(delay)
            except sso_http.EndpointError as exc:
                raise PortalError("%s failed: %s" % (operation, exc)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(self, operation, path, query, key):
        items, next_token, seen = [], None, set()
        while True:
            page_query = dict(query, max_result=str(self.page_size))
            if next_token:
                page_query["next_token"] = next_token
            reply = self._request(operation, path, page_query)
            items.extend(reply.get(key) or [])
            next_token = reply.get("nextToken")
            if not next_token:
                return items
            if next_token in seen:
                raise PortalError("%s returned the same next token twice; the portal is misbehaving" % operation)
            seen.add(next_token)

    def accounts(self):
        return self._pages("ListAccounts", "/assignment/accounts", {}, "accountList")

    def roles(self, account_id):
        return self._pages("ListAccountRoles", "/assignment/roles", {"account_id": account_id}, "roleList")

    def assignments(self, workers=WORKERS):
        """Every account with its roles, sorted by account id, roles by name."""
        accounts = self.accounts()
        ids = [a.get("accountId") for a in accounts]
        if workers > 1 and len(ids) > 1:
            with ThreadPoolExecutor(max_workers=min(workers, len(ids))) as pool:
                role_lists = list(pool.map(self.roles, ids))
        else:
            role_lists = [self.roles(account_id) for account_id in ids]
        out = []
        for account, roles in zip(accounts, role_lists):
            out.append(
                {
                    "account_id": account.get("accountId"),
                    "account_name": account.get("accountName") or "",
                    "account_email": account.get("emailAddress") or "",
                    "roles": sorted({r.get("roleName") for r in roles if r.get("roleName")}),
                }
            )
        return sorted(out, key=lambda a: a["account_id"] or "")

    def stats(self):
        with self._lock:
            counts = dict(self.counts)
        counts["slept"] = round(counts["slept"], 3)
        return counts


def _session_settings(config_text, session):
    """start URL and region of an sso-session block, or SsoConfigError naming the fix."""
    config = SsoConfig(config_text)
    block = config.sessions.get(session)
    if block is None:
        known = ", ".join(sorted(config.sessions)) or "none"
        raise SsoConfigError(
            "there is no [sso-session %s] in the config (sessions found: %s); declare it first, "
            "e.g. with labcloud.aws_sso.aws_config sso_sessions" % (session, known)
        )
    missing = [key for key in ("sso_start_url", "sso_region") if not block.get(key)]
    if missing:
        raise SsoConfigError(
            "[sso-session %s] lacks %s; the CLI cannot sign in with it" % (session, ", ".join(missing))
        )
    return config, block["sso_start_url"], block["sso_region"]


def _endpoint_for_session(config, region, env):
    """The portal endpoint for an sso-session.

    botocore resolves endpoints for a profile; a session has none, so only what
    applies to every profile is used: AWS_ENDPOINT_URL_SSO, then
    AWS_ENDPOINT_URL, then the public endpoint of the session's region
    (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set). A [services] block
    is read only through a profile and is therefore not used here."""
    return config.endpoint("sso", region, None, env)


def _usable_token(status):
    """Only a token that has not expired yet can call the portal; refreshing is sso_login's job."""
    return status["state"] in ("valid", "expiring")


def _login_hint(session):
    return "sign in again: aws sso login --sso-session %s (or labcloud.aws_sso.sso_login)" % session


def list_for_session(home, config_text, session, env, page_size=PAGE_SIZE, workers=WORKERS, call=None, sleep=None):
    """Everything sso_portal_profiles needs from one user's sign-in, never a secret.

    Returns a dict with status ok, login_required or error, the token state,
    the session's start URL and region, the endpoint used, the accounts with
    their roles and the call counts."""
    result = {
        "session": session,
        "status": "error",
        "message": None,
        "token": None,
        "start_url": None,
        "sso_region": None,
        "endpoint": None,
        "accounts": [],
        "calls": None,
    }
    try:
        config, start_url, region = _session_settings(config_text, session)
        result.update(start_url=start_url, sso_region=region)
        result["endpoint"] = endpoint = _endpoint_for_session(config, region, env)
    except SsoConfigError as exc:
        result["message"] = str(exc)
        return result
    path = sso_cache.token_path(home, session)
    try:
        # The one reader of users' files: a FIFO, another user's file or an
        # endless one at the token's path is refused, never waited on.
        state = atomic_file.read_state(path, os.geteuid())
        data = sso_cache.load_token(state["content"]) if state["exists"] else None
    except (AsUserError, OSError) as exc:
        reason = "%s: %s" % (path, exc.strerror) if isinstance(exc, OSError) and exc.strerror else str(exc)
        result.update(message="the SSO token cache could not be read: %s" % reason)
        result["token"] = sso_cache.token_status(None)
        return result
    except sso_cache.TokenCacheError as exc:
        result.update(status="login_required", message="%s: %s; %s" % (path, exc, _login_hint(session)))
        result["token"] = sso_cache.token_status(None)
        return result
    status = result["token"] = sso_cache.token_status(data)
    if data is not None and (data.get("startUrl") or "").rstrip("/") != start_url.rstrip("/"):
        result.update(
            status="login_required",
            message="the cached token of session %s was issued for %s, not %s; %s"
            % (session, data.get("startUrl"), start_url, _login_hint(session)),
        )
        return result
    if not _usable_token(status):
        why = {
            "missing": "no cached token for session %s" % session,
            "expired": "the cached token of session %s has expired and cannot be refreshed" % session,
            "expired_refreshable": "the cached token of session %s has expired (it can be refreshed: "
            "any aws command with a profile of the session, or labcloud.aws_sso.sso_login, does it)" % session,
        }[status["state"]]
        result.update(status="login_required", message="%s; %s" % (why, _login_hint(session)))
        return result
    kwargs = {} if sleep is None else {"sleep": sleep}
    portal = Portal(
        endpoint, data["accessToken"], ca_bundle=config.ca_bundle(None, env), page_size=page_size, call=call, **kwargs
    )
    try:
        result["accounts"] = portal.assignments(workers)
        result["status"] = "ok"
    except LoginRequired as exc:
        result.update(status="login_required", message="%s; %s" % (exc, _login_hint(session)))
    except PortalError as exc:
        result["message"] = str(exc)
    result["calls"] = portal.stats()
    return result
