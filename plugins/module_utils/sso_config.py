# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""A user's ~/.aws/config as the AWS CLI sees it, for the SSO modules that run on hosts.

sso_identity_info, sso_login and sso_portal_profiles need the same answers from the
file: which profiles sign in through SSO and with which session, start URL
and region, and which endpoint the CLI would call for the portal (`sso`) and
for sign-in (`sso-oidc`). The endpoint is resolved in botocore's order so
that our calls from the host go where the CLI's would go, under the same
network rules.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import as_botocore_reads, scan

# Service ids as they appear in env var names and [services] sub-sections.
SERVICES = {
    "sso": {"env": "AWS_ENDPOINT_URL_SSO", "key": "sso", "host": "portal.sso.%s.amazonaws.com"},
    "sso-oidc": {"env": "AWS_ENDPOINT_URL_SSO_OIDC", "key": "sso_oidc", "host": "oidc.%s.amazonaws.com"},
}

_TRUE = ("true", "1", "yes")


def cli_environment_problem(env):
    """The message for a declared CLI environment whose values are not all strings, or None.

    YAML turns an unquoted 8443 or true into a number or a bool; the CLI
    would see something else than what was meant.
    """
    bad = sorted(key for key, value in env.items() if not isinstance(value, str))
    if bad:
        return "cli_environment: %s must be strings (quote them)" % ", ".join(bad)
    return None


class SsoConfigError(Exception):
    """The config cannot give what the caller needs; the text says what to fix."""


class SsoConfig:
    """profiles, sso-sessions and services blocks of one config file."""

    def __init__(self, text):
        scanned = scan(text or "")
        self.profiles = {}
        self.sessions = {}
        self.services = {}
        for section in scanned.sections:
            kind, name = section.identity
            values = section.values()
            if kind == "profile":
                # [default] and [profile default] name the same profile;
                # botocore keeps the later one in file order, as this does.
                self.profiles[name] = values
            elif kind == "sso-session":
                self.sessions[name] = values
            elif kind == "services":
                self.services[name] = dict((key, as_botocore_reads(value)) for key, value in values.items())

    def sso_profile_names(self):
        """Profiles that sign in through SSO, in file order."""
        return [
            name for name, values in self.profiles.items() if values.get("sso_session") or values.get("sso_start_url")
        ]

    def sso_settings(self, profile):
        """What the CLI would use to sign this profile in, or SsoConfigError
        with the CLI's own complaint when it would refuse."""
        values = self.profiles.get(profile)
        if values is None:
            raise SsoConfigError("The config profile (%s) could not be found" % profile)
        session_name = values.get("sso_session")
        if session_name:
            session = self.sessions.get(session_name)
            if session is None:
                raise SsoConfigError('The specified sso-session does not exist: "%s"' % session_name)
            start_url = session.get("sso_start_url")
            region = session.get("sso_region")
            missing = [key for key, value in (("sso_start_url", start_url), ("sso_region", region)) if not value]
            scopes = [s.strip() for s in (session.get("sso_registration_scopes") or "").split(",") if s.strip()]
            legacy = False
        else:
            start_url = values.get("sso_start_url")
            region = values.get("sso_region")
            missing = [key for key in ("sso_start_url", "sso_region") if not values.get(key)]
            scopes = []
            legacy = True
        missing += [key for key in ("sso_account_id", "sso_role_name") if not values.get(key)]
        if not (start_url or session_name):
            raise SsoConfigError("The profile (%s) is not configured to use SSO" % profile)
        if missing:
            raise SsoConfigError(
                'The profile "%s" is configured to use SSO but is missing required configuration: %s'
                % (profile, ", ".join(missing))
            )
        return {
            "profile": profile,
            "session": session_name or None,
            "start_url": start_url,
            "sso_region": region,
            "scopes": scopes,
            "legacy": legacy,
            "account_id": values.get("sso_account_id"),
            "role_name": values.get("sso_role_name"),
            "region": values.get("region"),
        }

    def endpoint(self, service, region, profile=None, env=None):
        """The URL botocore would call for `service` ('sso' or 'sso-oidc').

        Order: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
        services block, the profile's endpoint_url, then the public endpoint
        for the region. Configured URLs are ignored when asked to, as botocore
        does."""
        env = env or {}
        spec = SERVICES[service]
        values = self.profiles.get(profile, {}) if profile else {}
        ignore = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", values.get("ignore_configured_endpoint_urls", ""))
        if str(ignore).strip().lower() not in _TRUE:
            for candidate in (env.get(spec["env"]), env.get("AWS_ENDPOINT_URL")):
                if candidate:
                    return candidate
            block = self.services.get(values.get("services") or "", {})
            sub = block.get(spec["key"])
            if isinstance(sub, dict) and sub.get("endpoint_url"):
                return sub["endpoint_url"]
            if values.get("endpoint_url"):
                return values["endpoint_url"]
        if not region:
            raise SsoConfigError("no region to find the %s endpoint: set sso_region" % service)
        suffix = ".cn" if region.startswith("cn-") else ""
        return "https://" + (spec["host"] % region) + suffix

    def ca_bundle(self, profile=None, env=None):
        env = env or {}
        values = self.profiles.get(profile, {}) if profile else {}
        return env.get("AWS_CA_BUNDLE") or values.get("ca_bundle") or None
