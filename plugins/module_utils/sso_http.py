# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""JSON calls to the SSO portal and SSO-OIDC endpoints from a managed host.

Only the standard library (urllib), so hosts need nothing but Python. The
host's proxy variables and an AWS CA bundle apply as they do to the CLI.
Errors come back as ServiceError carrying the service's error type (from
the x-amzn-ErrorType header or the body), never the request or response
bodies, which can hold tokens and secrets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

USER_AGENT = "labcloud.aws_sso"


class ServiceError(Exception):
    """The service answered with an error."""

    def __init__(self, status, error_type, message):
        super().__init__("%s (HTTP %s): %s" % (error_type, status, message))
        self.status = status
        self.error_type = error_type
        self.message = message


class EndpointError(Exception):
    """The endpoint could not be reached (DNS, refused, TLS, timeout)."""


def _error_type(headers, body):
    raw = headers.get("x-amzn-ErrorType") or ""
    if not raw and isinstance(body, dict):
        raw = body.get("__type") or body.get("error") or ""
    # "ForbiddenException:http://internal.amazon.com/..." and "ns#Type" forms.
    return raw.split(":", 1)[0].split("#")[-1] or "UnknownError"


def _message(body):
    if isinstance(body, dict):
        for key in ("message", "Message", "error_description"):
            if isinstance(body.get(key), str):
                return body[key][:300]
    return ""


def _opener(url, ca_bundle=None):
    handlers = [urllib.request.ProxyHandler()]
    if url.startswith("https://"):
        context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


def call(method, base_url, path, query=None, body=None, headers=None, timeout=30, ca_bundle=None):
    """One JSON request; returns the decoded reply (a dict).

    Raises ServiceError for an error reply and EndpointError when nothing
    usable came back."""
    if not base_url.startswith(("https://", "http://")):
        raise EndpointError("endpoint %r is not an http(s) URL" % base_url)
    url = base_url.rstrip("/") + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None
    sent = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    sent.update(headers or {})
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=sent, method=method)  # noqa: S310 (scheme checked above)
    try:
        with _opener(url, ca_bundle).open(request, timeout=timeout) as reply:
            raw = reply.read()
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read() or b"{}")
        except ValueError:
            payload = {}
        raise ServiceError(exc.code, _error_type(exc.headers, payload), _message(payload)) from None
    except (urllib.error.URLError, socket.timeout, ssl.SSLError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EndpointError("could not reach %s: %s" % (base_url, reason)) from None
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise EndpointError("%s answered with something that is not JSON" % base_url) from None


def portal(method, base_url, path, token, query=None, **kwargs):
    """A portal API call (ListAccounts, ListAccountRoles, GetRoleCredentials):
    the access token goes in the header the portal reads."""
    headers = {"x-amz-sso_bearer_token": token}
    return call(method, base_url, path, query=query, headers=headers, **kwargs)
