"""A user's config as the CLI reads it for SSO: profiles, sessions and endpoints in botocore's order."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import (
    SsoConfig,
    SsoConfigError,
    cli_environment_problem,
)

CONFIG = """\
[sso-session lab]
sso_start_url = https://lab.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = lab
sso_account_id = 111111111111
sso_role_name = Developer
services = private

[profile legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 022222222222
sso_role_name = ReadOnly
endpoint_url = http://global.local

[profile keys]
region = eu-west-1

[profile half]
sso_session = lab
sso_account_id = 111111111111

[profile lost]
sso_session = nowhere
sso_account_id = 1
sso_role_name = x

[services private]
sso =
  endpoint_url = https://portal.vpce.local
sso_oidc =
  endpoint_url = https://oidc.vpce.local
"""


@pytest.fixture
def config():
    return SsoConfig(CONFIG)


def test_only_profiles_that_sign_in_through_sso_are_listed(config):
    assert config.sso_profile_names() == ["dev", "legacy", "half", "lost"]


def test_settings_of_session_and_legacy_profiles(config):
    dev = config.sso_settings("dev")
    assert (dev["session"], dev["start_url"], dev["sso_region"], dev["legacy"]) == (
        "lab",
        "https://lab.awsapps.com/start",
        "eu-west-1",
        False,
    )
    assert dev["scopes"] == ["sso:account:access"]
    legacy = config.sso_settings("legacy")
    assert (legacy["session"], legacy["start_url"], legacy["legacy"]) == (None, "https://old.awsapps.com/start", True)


@pytest.mark.parametrize(
    "profile,message",
    [
        ("nope", "The config profile (nope) could not be found"),
        ("lost", 'The specified sso-session does not exist: "nowhere"'),
        ("half", 'The profile "half" is configured to use SSO but is missing required configuration: sso_role_name'),
        ("keys", "The profile (keys) is not configured to use SSO"),
    ],
)
def test_the_cli_s_own_complaints(config, profile, message):
    with pytest.raises(SsoConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config.sso_settings(profile)


def test_endpoints_follow_botocore_s_order(config):
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": "http://env-oidc", "AWS_ENDPOINT_URL": "http://env-global"}
    assert config.endpoint("sso-oidc", "eu-west-1", "dev", env) == "http://env-oidc"
    assert config.endpoint("sso", "eu-west-1", "dev", env) == "http://env-global"
    assert config.endpoint("sso", "eu-west-1", "dev", {}) == "https://portal.vpce.local"
    assert config.endpoint("sso-oidc", "eu-west-1", "dev") == "https://oidc.vpce.local"
    assert config.endpoint("sso", "us-east-1", "legacy") == "http://global.local"
    assert config.endpoint("sso", "eu-west-1", "keys") == "https://portal.sso.eu-west-1.amazonaws.com"
    assert config.endpoint("sso-oidc", "cn-north-1", None) == "https://oidc.cn-north-1.amazonaws.com.cn"
    ignored = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_SSO": "http://x"}
    assert config.endpoint("sso", "eu-west-1", "dev", ignored) == "https://portal.sso.eu-west-1.amazonaws.com"


def test_default_and_profile_default_are_one_profile_the_later_wins():
    both = SsoConfig("[default]\nregion = a\n[profile default]\nregion = b\n")
    assert both.profiles["default"] == {"region": "b"}


def test_a_cli_environment_value_yaml_made_a_number_is_named():
    assert cli_environment_problem({"AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:8443"}) is None
    assert cli_environment_problem({"B": 8443, "A": True, "C": "x"}) == (
        "cli_environment: A, B must be strings (quote them)"
    )
