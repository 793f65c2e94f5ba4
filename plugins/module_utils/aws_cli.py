# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The AWS CLI on the host: find it, give it a clean environment, run it, and classify what it says.

What the CLI prints is classified by exit code and error type, never by
how a line starts (newer CLIs prefix `aws: [ERROR]:`). Every run goes
through bounded_process.run (output caps, a timeout, the process group
killed at the end). Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.labcloud.aws_sso.plugins.module_utils import bounded_process

# Where `aws` is looked for when no path is given: the official installer's
# default link first.
CLI_CANDIDATES = ("/usr/local/bin/aws", "/usr/bin/aws", "/bin/aws", "/opt/aws/bin/aws")
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

# Variables that decide which credentials a shell's AWS calls use, over any profile.
STATIC_KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
SELECTOR_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
# The caller may not steer the check itself with these: it would test
# something other than the user's own profile.
REFUSED_ENV = STATIC_KEY_VARS + SELECTOR_VARS + ("HOME",)

CLI_TIMEOUT = 60

_CLIENT_ERROR = re.compile(
    r"An error occurred \((?P<type>[A-Za-z0-9_.]+)\)(?: when calling the (?P<op>\w+) operation)?"
)
_ARN_ROLE = re.compile(r"^arn:aws[\w-]*:sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/")
_SSO_ROLE = re.compile(r"^AWSReservedSSO_(?P<name>.+)_[0-9a-f]{16}$")

# (pattern in the CLI's message, status). Each names an exception class of
# botocore or the CLI by the text that class always carries.
_MESSAGES = (
    ("Error loading SSO Token", "login_required"),  # SSOTokenLoadError
    ("Token has expired and refresh failed", "login_required"),  # TokenRetrievalError
    ("The SSO session associated with this profile has expired", "login_required"),  # UnauthorizedSSOTokenError
    ("could not be found", "config_error"),  # ProfileNotFound
    ("The specified sso-session does not exist", "config_error"),
    ("is configured to use SSO but is missing required configuration", "config_error"),
    ("Unable to parse config file", "config_error"),  # ConfigParseError
    ("Unable to locate credentials", "config_error"),  # NoCredentialsError
    ("You must specify a region", "config_error"),  # NoRegionError
    ("Could not connect to the endpoint URL", "unreachable"),  # EndpointConnectionError
    ("Connect timeout on endpoint URL", "unreachable"),  # ConnectTimeoutError
    ("Read timeout on endpoint URL", "unreachable"),  # ReadTimeoutError
    ("SSL validation failed", "unreachable"),  # SSLError
    ("Failed to connect to proxy URL", "unreachable"),  # ProxyConnectionError
)
_CLIENT_STATUS = {
    "NoRegion": "config_error",
    "ForbiddenException": "forbidden",
    "UnauthorizedException": "login_required",
    "ExpiredTokenException": "login_required",
    "InvalidClientTokenId": "login_required",
    "ExpiredToken": "login_required",
}


def _cli_message(stderr):
    """The CLI's error text without the `aws: [ERROR]:` prefix and blank lines."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    text = " ".join(lines)
    return re.sub(r"^aws:\s*\[ERROR\]:\s*", "", text)[:500]


def classify(returncode, stderr):
    """(status, message) for a failed `aws` run."""
    message = _cli_message(stderr)
    client = _CLIENT_ERROR.search(message)
    if client:
        return _CLIENT_STATUS.get(client.group("type"), "error"), message
    for pattern, status in _MESSAGES:
        if pattern in message:
            return status, message
    return "error", message or "the AWS CLI failed with exit code %d and no message" % returncode


def role_from_arn(arn):
    """(account, role name) from an assumed-role ARN; the permission set's
    name for roles Identity Center provisioned."""
    match = _ARN_ROLE.match(arn or "")
    if not match:
        return None, None
    role = match.group("role")
    sso = _SSO_ROLE.match(role)
    return match.group("account"), (sso.group("name") if sso else role)


def find_cli(explicit=None, exists=os.path.isfile, executable=lambda p: os.access(p, os.X_OK)):
    """The path of `aws` to run, or None."""
    candidates = [explicit] if explicit else list(CLI_CANDIDATES)
    for path in candidates:
        if path and exists(path) and executable(path):
            return path
    return None


def cli_environment(home, user, extra):
    """A clean, known environment: nothing of Ansible's, root's or the user's
    shell leaks in, so a profile is judged on its own."""
    env = {
        "HOME": home,
        "USER": user,
        "LOGNAME": user,
        "PATH": SAFE_PATH,
        "LANG": "C.UTF-8",
        "AWS_PAGER": "",
    }
    env.update(extra or {})
    return env


def run_cli(cli, profile, env, argv_prefix=None):
    argv = list(argv_prefix or []) + [cli, "sts", "get-caller-identity", "--output", "json"]
    if profile:
        argv += ["--profile", profile]
    try:
        done = bounded_process.run(argv, env, CLI_TIMEOUT)
    except OSError as exc:
        # Found by root but not runnable by the user (under /root, mode 0700):
        # an error row that says so, never a row without a status.
        return 126, "", "the AWS CLI at %s could not be started as this user: %s" % (cli, exc.strerror or exc)
    if done.timed_out:
        return 124, "", "the AWS CLI did not answer within %d s; it was ended" % done.timeout
    return done.returncode, bounded_process.text(done.stdout), bounded_process.text(done.stderr)
