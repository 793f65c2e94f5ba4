# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Sign a user in to an sso-session from the host, as the AWS CLI v2 would.

The OIDC device-authorization flow (RegisterClient, StartDeviceAuthorization,
CreateToken with the device-code grant) and the refresh-token grant, made
with the standard library only. What is written is what the CLI itself
writes, key for key and byte for byte in form (compact JSON, no final
newline, mode 0600):

- the token file `~/.aws/sso/cache/<sha1(session)>.json`: startUrl, region,
  accessToken, expiresAt, clientId, clientSecret, registrationExpiresAt,
  refreshToken, so that the CLI and boto3 use it and refresh it later;
- the client registration `~/.aws/sso/cache/<sha1(registration args)>.json`:
  clientId, clientSecret, expiresAt, scopes (when the session has scopes),
  reused by the next `aws sso login --use-device-code` as the CLI reuses it.

A sign-in has two halves so that a person can be shown the code while the
flow waits: start_user() starts (or refreshes, or finds nothing to do) and
keeps what the second half needs (device code, client secret) in a 0600
file beside the token, written as the user; wait_user() polls every pending
flow of a user at once and writes the tokens. Both run as the user (through
as_user.run_as): secrets are read, sent and written by the user's own
process and never come back to the caller. Results carry the user code and
verification URL (what the person needs), times and states only.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import threading
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import (
    ABSENT,
    read_state,
    remove_if_unchanged,
    write_if_unchanged,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_cache import (
    TokenCacheError,
    cache_dir,
    format_time,
    load_token,
    parse_time,
    registration_path,
    sha1_hex,
    token_path,
    token_status,
    utcnow,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import SsoConfig, SsoConfigError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_http import EndpointError, ServiceError, call

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# botocore's numbers: a registration is renewed 15 minutes before it ends,
# SlowDownException adds 5 seconds to the interval, and an interval the
# service does not give is 5 seconds.
REGISTRATION_WINDOW_SECONDS = 15 * 60
SLOW_DOWN_SECONDS = 5
DEFAULT_INTERVAL = 5
PENDING_PREFIX = "labcloud-login-"
PENDING_VERSION = 1

# Outcomes of one session of one user.
STATUSES = (
    "valid",  # a usable token, nothing done
    "refreshed",  # refreshed with the refresh token, no person needed
    "pending",  # a flow waits for its person (started now or by an earlier run)
    "signed_in",  # the person approved; the token is written
    "denied",
    "expired",  # nobody approved before the device code expired
    "timeout",  # still pending when the wait ended; the flow stays for a later wait
    "no_flow",  # asked to wait, but no flow was pending
    "refresh_needed",  # check mode
    "sign_in_needed",  # check mode
    "error",
)


class LoginError(AsUserError):
    """A session that cannot be signed in; the text says what to do.
    (A AsUserError, so that run_as hands the text back as it is.)"""


def dumps(document):
    """JSON in the form the CLI's cache writer uses: default separators, keys
    in insertion order, no final newline."""
    return json.dumps(document)


def pending_path(home, session):
    return os.path.join(cache_dir(home), PENDING_PREFIX + sha1_hex(session) + ".json")


def _config(home, env):
    path = env.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config")
    if path.startswith("~/"):
        path = os.path.join(home, path[2:])
    state = read_state(path, os.getuid())
    if not state["exists"]:
        raise LoginError("%s does not exist; declare the user's sso-session first (labcloud.aws_sso.aws_config)" % path)
    return SsoConfig(state["content"])


def login_sessions(config):
    """The sessions a user signs in to when none is named: those the user's
    SSO profiles use, in file order; every declared one if no profile uses one."""
    used = []
    for name in config.sso_profile_names():
        session = config.profiles[name].get("sso_session")
        if session and session not in used:
            used.append(session)
    return used or list(config.sessions)


def session_target(config, session, env):
    """Where and what the CLI's `aws sso login --sso-session NAME` would sign in to.

    The endpoint is the one the CLI picks for a session-level sign-in: the
    environment, else the services block of the profile the command runs
    with ([default], or AWS_PROFILE), never the sso-session's own
    (docs/services.md)."""
    block = config.sessions.get(session)
    if block is None:
        raise LoginError(
            'The specified sso-session does not exist: "%s"; declare [sso-session %s] in the '
            "user's ~/.aws/config or fix the session name" % (session, session)
        )
    start_url = (block.get("sso_start_url") or "").strip()
    region = (block.get("sso_region") or "").strip()
    missing = [key for key, value in (("sso_start_url", start_url), ("sso_region", region)) if not value]
    if missing:
        raise LoginError('The sso-session "%s" is missing required configuration: %s' % (session, ", ".join(missing)))
    scopes = [s.strip() for s in (block.get("sso_registration_scopes") or "").split(",") if s.strip()]
    profile = env.get("AWS_PROFILE") or "default"
    profile = profile if profile in config.profiles else None
    try:
        endpoint = config.endpoint("sso-oidc", region, profile, env)
    except SsoConfigError as exc:
        raise LoginError(str(exc)) from None
    return {
        "session": session,
        "start_url": start_url,
        "region": region,
        "scopes": scopes,
        "endpoint": endpoint,
        "ca_bundle": config.ca_bundle(profile, env),
    }


def _read_json(path):
    state = read_state(path, os.getuid())
    if not state["exists"]:
        return None, ABSENT
    try:
        data = json.loads(state["content"])
    except ValueError:
        data = None
    return (data if isinstance(data, dict) else None), state["sha256"]


def _write(path, document, expected):
    """Write as the CLI does, unless someone (the CLI) wrote the file since
    it was read: then theirs is newer and stays."""
    result = write_if_unchanged(path, dumps(document), expected, owner=os.getuid())
    return not result["conflict"]


def _oidc(target, path, body, timeout=30):
    return call("POST", target["endpoint"], path, body=body, timeout=timeout, ca_bundle=target["ca_bundle"])


def _epoch(seconds):
    return datetime.datetime.fromtimestamp(int(seconds), datetime.timezone.utc)


def _registration_usable(data, now):
    if not data or not data.get("clientId") or not data.get("clientSecret"):
        return False
    # The device flow cannot use a client registered for the PKCE flow.
    if "authorization_code" in (data.get("grantTypes") or []):
        return False
    try:
        return (parse_time(data.get("expiresAt")) - now).total_seconds() > REGISTRATION_WINDOW_SECONDS
    except ValueError:
        return False


def registration(home, target, now):
    """The session's client registration: the CLI's cached one while it is
    good, else a new one, cached where and as the CLI caches it.
    Returns (registration, written)."""
    path = registration_path(home, target["start_url"], target["region"], target["scopes"], target["session"])
    data, sha = _read_json(path)
    if _registration_usable(data, now):
        return data, False
    body = {"clientName": "botocore-client-%s" % target["session"], "clientType": "public"}
    if target["scopes"]:
        body["scopes"] = target["scopes"]
    reply = _oidc(target, "/client/register", body)
    document = {
        "clientId": reply["clientId"],
        "clientSecret": reply["clientSecret"],
        "expiresAt": format_time(_epoch(reply["clientSecretExpiresAt"])),
    }
    if target["scopes"]:
        document["scopes"] = target["scopes"]
    return document, _write(path, document, sha)


def token_document(target, reply, client, now):
    """The token file's content, in the CLI's key order."""
    document = {
        "startUrl": target["start_url"],
        "region": target["region"],
        "accessToken": reply["accessToken"],
        "expiresAt": format_time(now + datetime.timedelta(seconds=int(reply["expiresIn"]))),
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "registrationExpiresAt": client["registrationExpiresAt"],
    }
    # botocore keeps a refresh token only when the reply carries one.
    if reply.get("refreshToken"):
        document["refreshToken"] = reply["refreshToken"]
    return document


def _load_token(home, session):
    path = token_path(home, session=session)
    state = read_state(path, os.getuid())
    if not state["exists"]:
        return path, None, ABSENT
    try:
        return path, load_token(state["content"]), state["sha256"]
    except TokenCacheError:
        return path, None, state["sha256"]


def refresh_grant(endpoint, ca_bundle, data, timeout=30):
    """The OIDC reply to a refresh_token grant for a cached token's data (raises ServiceError, EndpointError)."""
    body = {
        "grantType": "refresh_token",
        "clientId": data["clientId"],
        "clientSecret": data["clientSecret"],
        "refreshToken": data["refreshToken"],
    }
    return call("POST", endpoint, "/token", body=body, timeout=timeout, ca_bundle=ca_bundle)


def refresh(home, target, data, sha, now):
    """Refresh a token as botocore does; returns True when a new one was
    written, False when the refresh was refused (a sign-in is needed)."""
    client = {
        "clientId": data["clientId"],
        "clientSecret": data["clientSecret"],
        "registrationExpiresAt": data["registrationExpiresAt"],
    }
    try:
        reply = refresh_grant(target["endpoint"], target["ca_bundle"], data)
    except ServiceError as exc:
        if exc.error_type in ("InvalidGrantException", "InvalidClientException", "UnauthorizedClientException"):
            return False
        raise
    # startUrl and region stay those of the file, as botocore keeps them.
    kept = dict(
        target, start_url=data.get("startUrl") or target["start_url"], region=data.get("region") or target["region"]
    )
    _write(token_path(home, session=target["session"]), token_document(kept, reply, client, now), sha)
    return True


def _public_flow(pending):
    return {
        "user_code": pending["userCode"],
        "verification_uri": pending["verificationUri"],
        "verification_uri_complete": pending["verificationUriComplete"],
        "expires_at": pending["expiresAt"],
        "interval": pending["interval"],
    }


def _reusable_pending(pending, target, now):
    if not pending or pending.get("version") != PENDING_VERSION:
        return False
    same = all(pending.get(key) == target[key] for key in ("session", "start_url", "region", "endpoint"))
    try:
        # A code about to expire is no use to forward to a person.
        left = (parse_time(pending.get("expiresAt")) - now).total_seconds()
    except ValueError:
        return False
    return same and left > 30


def _start_flow(home, target, now):
    """Start the device flow (or find the one an earlier run started) and keep
    what polling needs in the pending file. Returns (flow, registration_written)."""
    path = pending_path(home, target["session"])
    pending, sha = _read_json(path)
    if _reusable_pending(pending, target, now):
        return _public_flow(pending), False
    client, written = registration(home, target, now)
    reply = _oidc(
        target,
        "/device_authorization",
        {"clientId": client["clientId"], "clientSecret": client["clientSecret"], "startUrl": target["start_url"]},
    )
    pending = {
        "version": PENDING_VERSION,
        "session": target["session"],
        "start_url": target["start_url"],
        "region": target["region"],
        "endpoint": target["endpoint"],
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "registrationExpiresAt": client["expiresAt"],
        "deviceCode": reply["deviceCode"],
        "userCode": reply["userCode"],
        "verificationUri": reply.get("verificationUri") or "",
        "verificationUriComplete": reply.get("verificationUriComplete") or reply.get("verificationUri") or "",
        "expiresAt": format_time(now + datetime.timedelta(seconds=int(reply.get("expiresIn") or 600))),
        "interval": int(reply.get("interval") or DEFAULT_INTERVAL),
    }
    _write(path, pending, sha)
    return _public_flow(pending), written


def _entry(target_or_session, status, **extra):
    session = target_or_session if isinstance(target_or_session, str) else target_or_session["session"]
    entry = {
        "session": session,
        "start_url": None,
        "status": status,
        "changed": False,
        "token": None,
        "flow": None,
        "msg": None,
    }
    if not isinstance(target_or_session, str):
        entry["start_url"] = target_or_session["start_url"]
    entry.update(extra)
    return entry


def _describe(exc):
    if isinstance(exc, ServiceError):
        return "the sign-in service refused: %s (HTTP %s) %s" % (exc.error_type, exc.status, exc.message)
    return str(exc)


def _start_session(home, target, check_mode, now):
    token_file, data, sha = _load_token(home, target["session"])
    status = token_status(data, now)
    if status["state"] == "valid":
        return _entry(target, "valid", token=status)
    if status["state"] in ("expiring", "expired_refreshable"):
        if check_mode:
            return _entry(target, "refresh_needed", changed=True, token=status)
        if refresh(home, target, data, sha, now):
            fresh = _load_token(home, target["session"])[1]
            return _entry(target, "refreshed", changed=True, token=token_status(fresh, utcnow()))
    if check_mode:
        return _entry(target, "sign_in_needed", changed=True, token=status)
    flow, written = _start_flow(home, target, now)
    return _entry(target, "pending", changed=written, token=status, flow=flow)


def start_user(home, sessions, env, check_mode=False):
    """First half, as the user: for each session (None: login_sessions), do
    nothing, refresh, or start a flow. One failing session does not stop the others."""
    config = _config(home, env)
    results = []
    for session in sessions or login_sessions(config):
        try:
            target = session_target(config, session, env)
            results.append(_start_session(home, target, check_mode, utcnow()))
        except (LoginError, ServiceError, EndpointError, AsUserError, KeyError, ValueError) as exc:
            message = _describe(exc) if not isinstance(exc, KeyError) else "the service's answer lacks %s" % exc
            results.append(_entry(session, "error", msg="%s: %s" % (session, message)))
    return results


def poll(pending, deadline, clock=time.time, sleep=time.sleep):
    """Poll CreateToken for one device code until it is approved, denied or
    expired, or the deadline (a clock() value) passes. Returns (status, reply)."""
    target = {"endpoint": pending["endpoint"], "ca_bundle": pending.get("ca_bundle")}
    body = {
        "grantType": DEVICE_GRANT,
        "clientId": pending["clientId"],
        "clientSecret": pending["clientSecret"],
        "deviceCode": pending["deviceCode"],
    }
    interval = max(1, int(pending.get("interval") or DEFAULT_INTERVAL))
    code_ends = parse_time(pending["expiresAt"]).timestamp()
    while True:
        try:
            return "signed_in", _oidc(target, "/token", body)
        except ServiceError as exc:
            if exc.error_type == "SlowDownException":
                interval += SLOW_DOWN_SECONDS
            elif exc.error_type == "ExpiredTokenException":
                return "expired", None
            elif exc.error_type == "AccessDeniedException":
                return "denied", None
            elif exc.error_type != "AuthorizationPendingException":
                raise
        now = clock()
        # Past the code's end the service should have said ExpiredToken; a
        # service that keeps saying pending must not keep us here.
        if now > code_ends + 2 * interval:
            return "expired", None
        if now + interval > deadline:
            return "timeout", None
        sleep(interval)


def _wait_session(home, session, deadline, ca_bundle):
    path = pending_path(home, session)
    pending, sha = _read_json(path)
    token_file, data, _token_sha = _load_token(home, session)
    if not pending or pending.get("version") != PENDING_VERSION:
        return _entry(session, "no_flow", token=token_status(data, utcnow()))
    pending["ca_bundle"] = ca_bundle
    target = {
        "session": session,
        "start_url": pending["start_url"],
        "region": pending["region"],
    }
    status, reply = poll(pending, deadline)
    if status == "timeout":
        return _entry(target, "timeout", flow=_public_flow(pending))
    remove_if_unchanged(path, sha, owner=os.getuid())
    if status != "signed_in":
        return _entry(target, status, token=token_status(data, utcnow()), flow=_public_flow(pending))
    client = {
        "clientId": pending["clientId"],
        "clientSecret": pending["clientSecret"],
        "registrationExpiresAt": pending["registrationExpiresAt"],
    }
    now = utcnow()
    token_sha = _load_token(home, session)[2]
    _write(token_file, token_document(target, reply, client, now), token_sha)
    fresh = _load_token(home, session)[1]
    return _entry(target, "signed_in", changed=True, token=token_status(fresh, utcnow()), flow=_public_flow(pending))


def wait_user(home, sessions, env, timeout):
    """Second half, as the user: wait for every pending flow of the given
    sessions (None: login_sessions) at once, for at most timeout seconds."""
    deadline = time.time() + timeout
    try:
        config = _config(home, env)
        names = sessions or login_sessions(config)
    except (LoginError, SsoConfigError):
        # Flows started earlier can still finish without the config, when
        # the sessions are named.
        if not sessions:
            raise
        config, names = None, sessions
    ca_bundle = config.ca_bundle(env.get("AWS_PROFILE") or "default", env) if config else env.get("AWS_CA_BUNDLE")
    results = [None] * len(names)

    def one(index, session):
        try:
            results[index] = _wait_session(home, session, deadline, ca_bundle)
        except (ServiceError, EndpointError, AsUserError, KeyError, ValueError, OSError) as exc:
            message = _describe(exc) if not isinstance(exc, KeyError) else "the service's answer lacks %s" % exc
            results[index] = _entry(session, "error", msg="%s: %s" % (session, message))

    threads = [threading.Thread(target=one, args=(i, s)) for i, s in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
