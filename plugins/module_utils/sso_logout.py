# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Sign a user out of IAM Identity Center on a host, as `aws sso logout` does, and more.

For a person who leaves, deleting profiles is not enough: the CLI's token
cache holds a sign-in that can be refreshed for the rest of the session, and
its role-credential cache holds keys that work until they expire. sign_out()
runs as the user (through as_user.run_as_many) and

- calls the portal's Logout (`POST /logout`, the access token in the
  `x-amz-sso_bearer_token` header) for every token in `~/.aws/sso/cache`,
  so that the service ends the sign-in and its refresh token stops working.
  A token the portal no longer takes (expired, 401) but that can still be
  refreshed is refreshed once and the new one signed out: otherwise the
  sign-in would outlive the files (a copy the person kept would still work);
- then removes, whatever the portal said, every `*.json` of
  `~/.aws/sso/cache` (tokens, client registrations, pending sign-ins) and of
  `~/.aws/cli/cache` (cached role credentials): regular files and symlinks
  (the link itself; nothing is read through a link) that belong to the user.
  Anything else is kept and named.

The portal endpoint is the one the CLI's logout would call: the declared CLI
environment, else the services block of the profile the CLI runs with
([default], or AWS_PROFILE), else portal.sso.REGION.amazonaws.com, REGION
being the token file's region (or its session's sso_region).

Results carry session names, start URLs, file paths, states and reasons;
never a token, client id or secret.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.atomic_file import read_state
from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_cache import (
    cache_dir,
    is_refreshable,
    sha1_hex,
    utcnow,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import SsoConfig, SsoConfigError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_http import (
    EndpointError,
    ServiceError,
    portal,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_oidc import refresh_grant

# Outcomes of one sign-in (one token file) of a user.
STATUSES = (
    "signed_out",  # the portal ended the sign-in
    "already_ended",  # the portal no longer knew the token, and it could not be refreshed
    "failed",  # the portal could not be asked (network, server error, no region); files removed anyway
    "would_sign_out",  # check mode
    "not_signed_in",  # declared in the config, but no token in the cache
)
# Seconds per call: a user's part has a deadline, and an unreachable portal
# must not use it all.
CALL_TIMEOUT = 10
# The portal's answers for a token it does not take (any more).
_ENDED = ("UnauthorizedException",)


def _cli_cache_dir(home):
    return os.path.join(home, ".aws", "cli", "cache")


def _read_config(home, env):
    """(SsoConfig, problem): a missing or unreadable config still lets the cache be cleared."""
    path = env.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config")
    if path.startswith("~/"):
        path = os.path.join(home, path[2:])
    try:
        state = read_state(path, os.getuid())
        return SsoConfig(state["content"] if state["exists"] else ""), None
    except (AsUserError, ConfigFileError, OSError) as exc:
        return SsoConfig(""), "%s not used (%s); endpoints from cli_environment or the public ones" % (path, exc)


def _known_sign_ins(config):
    """Token file name -> (session, start URL, sso_region) for what the config declares.

    sso-sessions key their token by the session name, legacy profiles (start
    URL inline) by the start URL, as the CLI names the files."""
    known = {}
    for name, block in config.sessions.items():
        known[sha1_hex(name) + ".json"] = (name, block.get("sso_start_url"), block.get("sso_region"))
    for values in config.profiles.values():
        url = values.get("sso_start_url")
        if url and not values.get("sso_session"):
            known.setdefault(sha1_hex(url) + ".json", (None, url, values.get("sso_region")))
    return known


def _entries(directory):
    """(name, path, lstat) of every *.json in directory, in name order; [] if it is missing."""
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return []
    out = []
    for name in names:
        if name.endswith(".json"):
            path = os.path.join(directory, name)
            try:
                out.append((name, path, os.lstat(path)))
            except FileNotFoundError:
                continue
    return out


def removable(info, uid):
    """Why a cache entry is kept, or None when it goes: regular files and links of the user only."""
    if info.st_uid != uid:
        return "belongs to uid %d, not to this user; its owner or an admin must remove it" % info.st_uid
    if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
        return None
    return "not a regular file"


def _token_of(path):
    """The token file's JSON, or None for anything that holds no access token (a registration)."""
    try:
        data = json.loads(read_state(path, os.getuid())["content"])
    except (AsUserError, OSError, ValueError):
        return None
    if isinstance(data, dict) and isinstance(data.get("accessToken"), str) and data["accessToken"]:
        return data
    return None


def _cli_profile(config, env):
    """The profile the CLI runs `aws sso logout` with, if the config has it."""
    profile = env.get("AWS_PROFILE") or "default"
    return profile if profile in config.profiles else None


def _endpoints(config, env, region):
    profile = _cli_profile(config, env)
    return {
        "portal": config.endpoint("sso", region, profile, env),
        "oidc": config.endpoint("sso-oidc", region, profile, env),
        "ca_bundle": config.ca_bundle(profile, env),
    }


def _refreshed_token(data, where):
    """A new access token from the refresh token, or None when the sign-in cannot be refreshed."""
    # botocore's own test: a refresh token, a client, a registration still valid.
    if not is_refreshable(data, utcnow()):
        return None
    try:
        reply = refresh_grant(where["oidc"], where["ca_bundle"], data, timeout=CALL_TIMEOUT)
    except (ServiceError, EndpointError):
        return None
    return reply.get("accessToken") or None


def _logout(token, where):
    portal("POST", where["portal"], "/logout", token, timeout=CALL_TIMEOUT, ca_bundle=where["ca_bundle"])


def _end_sign_in(data, where):
    """Ask the portal to end the sign-in of one token file: (status, msg)."""
    try:
        _logout(data["accessToken"], where)
        return "signed_out", None
    except EndpointError as exc:
        return "failed", str(exc)
    except ServiceError as exc:
        if exc.error_type not in _ENDED and exc.status != 401:
            return "failed", "the portal refused: %s (HTTP %s) %s" % (exc.error_type, exc.status, exc.message)
        refused = "the portal no longer takes the access token (%s, HTTP %s)" % (exc.error_type, exc.status)
    # An expired access token with a live refresh token: the sign-in goes on
    # on the service side; refresh once to end it.
    fresh = _refreshed_token(data, where)
    if fresh is None:
        return "already_ended", refused + " and it cannot be refreshed: the sign-in was already ended or expired"
    try:
        _logout(fresh, where)
    except (ServiceError, EndpointError) as exc:
        return "failed", "refreshed to sign out, then Logout failed: %s" % exc
    return "signed_out", "the access token had expired; refreshed once to end the sign-in"


def _session_row(name, data, known):
    session, start_url, region = known.get(name, (None, None, None))
    return {
        "session": session,
        "start_url": data.get("startUrl") or start_url,
        "region": data.get("region") or region,
        "file": name,
        "status": None,
        "msg": None,
    }


def _sign_out_token(name, data, known, config, env, check_mode):
    row = _session_row(name, data, known)
    if check_mode:
        row["status"] = "would_sign_out"
        return row
    if not row["region"]:
        row.update(status="failed", msg="the token file names no region and no sso-session of the config has it")
        return row
    try:
        where = _endpoints(config, env, row["region"])
    except SsoConfigError as exc:
        row.update(status="failed", msg=str(exc))
        return row
    row["status"], row["msg"] = _end_sign_in(data, where)
    return row


def _clear(directory, uid, check_mode, removed, kept):
    for _name, path, info in _entries(directory):
        reason = removable(info, uid)
        if reason:
            kept.append({"path": path, "reason": reason})
            continue
        if not check_mode:
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                # One file that cannot go (immutable, read-only mount) must not keep the others.
                kept.append({"path": path, "reason": "could not be removed: %s" % (exc.strerror or exc)})
                continue
        removed.append(path)


def sign_out(home, env, check_mode=False):
    """Runs as the user: end every sign-in in the token cache, then clear both caches."""
    uid = os.getuid()
    config, problem = _read_config(home, env)
    known = _known_sign_ins(config)
    sessions = []
    for name, path, info in _entries(cache_dir(home)):
        # Only the user's own regular files are read; nothing through a link.
        if removable(info, uid) or not stat.S_ISREG(info.st_mode):
            continue
        data = _token_of(path)
        if data is not None:
            sessions.append(_sign_out_token(name, data, known, config, env, check_mode))
    seen = {s["file"] for s in sessions}
    for name in sorted(set(known) - seen):
        row = _session_row(name, {}, known)
        row["status"] = "not_signed_in"
        sessions.append(row)
    removed, kept = [], []
    for directory in (cache_dir(home), _cli_cache_dir(home)):
        _clear(directory, uid, check_mode, removed, kept)
    return {
        "changed": bool(removed) or any(s["status"] in ("signed_out", "would_sign_out") for s in sessions),
        "sessions": sessions,
        "removed": {"count": len(removed), "files": removed},
        "kept": kept,
        "config_problem": problem,
    }
