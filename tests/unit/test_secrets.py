"""Diffs and results must not show credentials."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.secrets import MASK, is_secret_key, mask_text


@pytest.mark.parametrize(
    "key",
    [
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "credential_process",
        "aws_access_key_id",
        "sso_client_secret",
        "password",
        "api_key",
        "AWS_SECRET_ACCESS_KEY",
    ],
)
def test_secret_keys(key):
    assert is_secret_key(key)
    assert mask_text("[default]\n%s = hunter2\n" % key) == "[default]\n%s = %s\n" % (key, MASK)


@pytest.mark.parametrize(
    "key",
    [
        "region",
        "output",
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
        "sso_session",
        "sso_registration_scopes",
        "role_arn",
        "source_profile",
    ],
)
def test_ordinary_keys_left_alone(key):
    text = "[profile dev]\n%s = value-123\n" % key
    assert not is_secret_key(key)
    assert mask_text(text) == text


def test_mask_keeps_layout_and_everything_else():
    text = (
        "# personal keys, delete once SSO works\r\n"
        "[profile personal]\r\n"
        "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\r\n"
        "  aws_secret_access_key :   wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n"
        "credential_process = /usr/bin/creds --secret abc\r\n"
        "region = us-east-1\r\n"
        "s3 =\r\n"
        "    max_concurrent_requests = 10\r\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start"
    )
    assert mask_text(text) == (
        "# personal keys, delete once SSO works\r\n"
        "[profile personal]\r\n"
        "aws_access_key_id=********\r\n"
        "  aws_secret_access_key :   ********\r\n"
        "credential_process = ********\r\n"
        "region = us-east-1\r\n"
        "s3 =\r\n"
        "    max_concurrent_requests = 10\r\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start"
    )


def test_comment_mentioning_a_secret_is_not_a_setting():
    text = "# aws_secret_access_key = this is a comment\n; token: also a comment\n"
    assert mask_text(text) == text


def test_empty_secret_value_stays_empty():
    assert mask_text("[x]\naws_session_token =\n") == "[x]\naws_session_token =\n"


def test_secret_never_appears_in_masked_text():
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    text = "[default]\naws_secret_access_key = %s\n[profile b]\naws_session_token: %s tail\n" % (secret, secret)
    assert secret not in mask_text(text)
