"""The one masker (module_utils/masking.py): no secret reaches a diff or a message."""

import configparser
import io
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import (
    MASK,
    is_secret_name,
    mask_ini,
    mask_message,
    mask_shell,
    mask_values,
)

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SECRET_2 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQD6EXAMPLETOKEN"
GH_PAT = "ghp_R4nd0mT0k3nF0rT3st1ngOnly0123456789"
DB_PASSWORD = "pg-Pa55w0rd"


# -- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "aws_access_key_id",
        "sso_client_secret",
        "credential_source",
        "password",
        "api_key",
        "AWS_SECRET_ACCESS_KEY",
        "GH_PAT",
        "SSH_KEY",
        "DATABASE_PASSWORD",
        "SLACK_AUTH",
        "MY_APIKEY",
    ],
)
def test_secret_names(name):
    assert is_secret_name(name)
    assert mask_ini("[default]\n%s = hunter2\n" % name).endswith(" = %s\n" % MASK)


@pytest.mark.parametrize(
    "name",
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
        "AWS_PROFILE",
        "keyboard",
    ],
)
def test_ordinary_names_left_alone(name):
    text = "[profile dev]\n%s = value-123\n" % name
    assert not is_secret_name(name)
    assert mask_ini(text) == text


# -- INI: AWS config and credentials ------------------------------------------------------


def test_ini_masks_values_and_keeps_layout_and_everything_else():
    text = (
        "# personal keys, delete once SSO works\r\n"
        "[profile personal]\r\n"
        "aws_access_key_id=%s\r\n"
        "  aws_secret_access_key :   %s\r\n"
        "region = us-east-1\r\n"
        "s3 =\r\n"
        "    max_concurrent_requests = 10\r\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start"
    ) % (KEY_ID, SECRET)
    assert mask_ini(text) == (
        "# personal keys, delete once SSO works\r\n"
        "[profile personal]\r\n"
        "aws_access_key_id=********\r\n"
        # Indented below a key, configparser reads the line as that key's value.
        "  ********\r\n"
        "region = us-east-1\r\n"
        "s3 =\r\n"
        "    max_concurrent_requests = 10\r\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start"
    )


def test_ini_masks_commented_out_keys_continuation_lines_and_nested_settings():
    text = (
        "[dev]\r\n"
        "# aws_secret_access_key = %s\r\n"
        ";aws_access_key_id:%s\r\n"
        "s3 =\r\n"
        "    aws_secret_access_key = %s\r\n"
        "    max_concurrent_requests = 10\r\n"
        "aws_session_token =\r\n"
        "  %s\r\n"
        "\r\n"
        "  # its second half\r\n"
        "  %s\r\n"
        "# aws_session_token =\n"
        "#     %s\n"
        "# a note\n"
        "region = eu-west-1"
    ) % (SECRET, KEY_ID, SECRET_2, TOKEN[:20], TOKEN[20:], TOKEN)
    assert mask_ini(text) == (
        "[dev]\r\n"
        "# aws_secret_access_key = ********\r\n"
        ";aws_access_key_id:********\r\n"
        "s3 =\r\n"
        "    aws_secret_access_key = ********\r\n"
        "    max_concurrent_requests = 10\r\n"
        "aws_session_token =\r\n"
        "  ********\r\n"
        "\r\n"
        "  # ********\r\n"
        "  ********\r\n"
        "# aws_session_token =\n"
        "# ********\n"
        "# a note\n"
        "region = eu-west-1"
    )


@pytest.mark.parametrize(
    "value, masked",
    [
        ("/usr/bin/get-keys --secret %s" % SECRET, "/usr/bin/get-keys ********"),
        ('"/opt/my tools/creds" --profile x', '"/opt/my tools/creds" ********'),
        ("/usr/local/bin/aws-vault-helper", "/usr/local/bin/aws-vault-helper"),
        ('sh -c \'echo {"SecretAccessKey": "%s"}\'' % SECRET, "sh ********"),
    ],
)
def test_credential_process_keeps_the_program_and_masks_its_arguments(value, masked):
    assert mask_ini("[p]\ncredential_process = %s\n" % value) == "[p]\ncredential_process = %s\n" % masked


def test_ini_empty_secret_value_stays_empty():
    assert mask_ini("[x]\naws_session_token =\n") == "[x]\naws_session_token =\n"


def test_ini_secret_never_appears_whatever_the_form():
    text = (
        "[default]\naws_secret_access_key = %s\n[profile b]\naws_session_token: %s tail\n"
        "#aws_secret_access_key=%s\n[c]\nendpoint_url = https://admin:%s@proxy.example.com/\n"
        "; pasted: %s\n"
    ) % (SECRET, SECRET, SECRET_2, DB_PASSWORD, TOKEN)
    masked = mask_ini(text)
    for secret in (SECRET, SECRET_2, DB_PASSWORD, TOKEN):
        assert secret not in masked
    assert "endpoint_url = https://admin:********@proxy.example.com/\n" in masked


# -- shell dotfiles -------------------------------------------------------------------------


def test_shell_masks_secret_names_in_every_syntax():
    text = (
        "export AWS_SECRET_ACCESS_KEY=%s\n"
        "set -x AWS_SESSION_TOKEN %s\n"
        "set -gx GITHUB_TOKEN abc\n"
        "setenv DB_PASSWORD hunter2\n"
        "AWS_PROFILE=dev; export AWS_PROFILE\n"
        "# export API_KEY=commented-out\n"
    ) % (SECRET, TOKEN)
    assert mask_shell(text) == (
        "export AWS_SECRET_ACCESS_KEY=********\n"
        "set -x AWS_SESSION_TOKEN ********\n"
        "set -gx GITHUB_TOKEN ********\n"
        "setenv DB_PASSWORD ********\n"
        "AWS_PROFILE=dev; export AWS_PROFILE\n"
        "# export API_KEY=********\n"
    )


@pytest.mark.parametrize(
    "line, kept",
    [
        ("export GH_PAT=%s" % GH_PAT, "export GH_PAT="),
        ("export GHTOK=%s" % GH_PAT, "export GHTOK="),
        ("export DATABASE_URL=postgres://u:%s@db.example.com/app" % DB_PASSWORD, "postgres://u:********@db.example"),
        ("set -gx DATABASE_URL 'mysql://root:%s@localhost'" % DB_PASSWORD, "mysql://root:********@localhost"),
        ("export GITLAB=glpat-AbCdEf0123456789xyzw", "export GITLAB="),
        ("export SLACK=xoxb-123456789012-abcdefABCDEF", "export SLACK="),
        ("export OLD_ID=%s" % KEY_ID, "export OLD_ID="),
        ("export BLOB=%s" % SECRET, "export BLOB="),
        ("export HEXKEY=0123456789abcdef0123456789abcdef", "export HEXKEY="),
        ("git clone https://%s@github.com/org/repo" % GH_PAT, "https://"),
    ],
)
def test_shell_masks_values_that_look_secret_whatever_the_name(line, kept):
    masked = mask_shell(line + "\n")
    assert MASK in masked and kept in masked
    for secret in (GH_PAT, DB_PASSWORD, KEY_ID, SECRET, "glpat-AbCd", "xoxb-1234", "0123456789abcdef01"):
        assert secret not in masked


@pytest.mark.parametrize(
    "line",
    [
        'export PATH="$PATH:/usr/local/aws-cli/v2/current/bin"',
        "export AWS_REGION=eu-west-1",
        "export EDITOR=vi",
        "export LAB_HOME=/home/alice/projects/lab-data-pipeline-2026",
        "source ~/.cache/0123456789abcdef0123456789abcdef01234567.sh",
        "export UPSTREAM=https://github.com/org/repo",
    ],
)
def test_shell_ordinary_lines_are_kept(line):
    assert mask_shell(line + "\n") == line + "\n"


# -- free text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, expected",
    [
        (
            "line 3: cannot parse 'aws_secret_access_key = %s': a setting must look like 'key = value'" % SECRET,
            "line 3: cannot parse 'aws_secret_access_key = ********': a setting must look like 'key = value'",
        ),
        ('key "aws_session_token: %s" here' % TOKEN, 'key "aws_session_token: ********" here'),
        (
            "text before the first section header: 'password=%s'" % DB_PASSWORD,
            "text before the first section header: 'password=********'",
        ),
        ("SECRET=%s and more" % DB_PASSWORD, "SECRET=********"),
        ("cannot parse %r" % SECRET, "cannot parse '********'"),
        ("creds: %s" % KEY_ID, "creds: ********"),
        (
            "connect to postgres://app:%s@db:5432 failed" % DB_PASSWORD,
            "connect to postgres://app:********@db:5432 failed",
        ),
    ],
)
def test_messages_mask_quoted_lines_and_secret_looking_values(message, expected):
    assert mask_message(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "Error loading SSO Token: Token for dev does not exist",
        "The SSO session associated with this profile has expired or is otherwise invalid",
        "token file not read: /home/a/.aws/sso/cache/0123456789abcdef0123456789abcdef01234567.json",
        "users[0] (alice).env.MY_API_TOKEN: the value contains a newline",
        "An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access",
        "https://corp.awsapps.com/start: connection refused",
    ],
)
def test_messages_without_secrets_are_kept(message):
    assert mask_message(message) == message


def test_a_pem_private_key_is_masked_between_its_markers():
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----\n"
    assert mask_values(pem) == "-----BEGIN RSA PRIVATE KEY-----********-----END RSA PRIVATE KEY-----\n"


def test_non_text_messages_pass_through():
    assert mask_message(None) is None


# -- differential: whatever botocore reads as a secret key's value never shows ------------------

_NAMES = st.sampled_from(
    ["aws_secret_access_key", "AWS_Session_Token", "credential_process", "region", "output", "s3", "x", "sso_session"]
)
_SEP = st.sampled_from([" = ", "=", ": ", " :", ":"])
_EOL = st.sampled_from(["\n", "\r\n", "\r"])
_INDENT = st.sampled_from(["", " ", "\t", "    "])


@st.composite
def ini_files(draw):
    """(text, the values put behind commented-out secret keys)."""
    counter = iter(range(10**6))
    commented = []

    def value():
        # Unique words, so a word showing in the output can only come from where it was put.
        return "v%dq" % next(counter)

    lines = []
    for header in draw(st.lists(st.sampled_from(["default", "profile dev", "ci"]), max_size=3, unique=True)):
        lines.append("[%s]%s" % (header, draw(_EOL)))
        for key in draw(st.lists(_NAMES, max_size=4, unique_by=str.lower)):
            indent = draw(_INDENT)
            words = " ".join(value() for _ in range(draw(st.integers(0, 2))))
            if key == "credential_process" and words:
                words = "/usr/bin/tool " + words
            lines.append("%s%s%s%s%s" % (indent, key, draw(_SEP), words, draw(_EOL)))
            for _ in range(draw(st.integers(0, 3))):
                kind = draw(st.sampled_from(["more", "nested", "blank", "comment"]))
                deeper = indent + draw(st.sampled_from([" ", "  ", "\t"]))
                if kind == "more":
                    lines.append("%s%s%s" % (deeper, value(), draw(_EOL)))
                elif kind == "nested":
                    lines.append("%s%s%s%s%s" % (deeper, draw(_NAMES), draw(_SEP), value(), draw(_EOL)))
                elif kind == "blank":
                    lines.append(draw(st.sampled_from(["", "  "])) + draw(_EOL))
                else:
                    lines.append("%s# note%s" % (draw(_INDENT), draw(_EOL)))
        if draw(st.booleans()):
            secret = value()
            commented.append(secret)
            lines.append(
                "%saws_secret_access_key = %s%s" % (draw(st.sampled_from(["#", ";", "# ", ";; "])), secret, "\n")
            )
    return "".join(lines), commented


def _value_words(key, raw):
    words = raw.split()
    # credential_process shows its program, never its arguments.
    return words[1:] if key.strip().lower() == "credential_process" else words


def _secret_words(text):
    """Words of every value botocore reads for a secret-looking key, nested sub-settings included."""
    parser = configparser.RawConfigParser(strict=False)
    # As botocore reads a file: universal newlines (\r alone ends a line too).
    parser.read_file(io.StringIO(text, newline=None))
    words = []
    for section in parser.sections():
        for key, raw in parser.items(section):
            if is_secret_name(key):
                words.extend(_value_words(key, raw))
                continue
            for line in raw.splitlines():
                nested = re.match(r"([^=:]+)[=:](.*)", line)
                if nested and is_secret_name(nested.group(1)):
                    words.extend(_value_words(nested.group(1), nested.group(2)))
    return [word for word in words if word.startswith("v")]


@settings(max_examples=300, deadline=None)
@given(ini_files())
def test_no_value_botocore_reads_as_secret_survives_masking(generated):
    text, commented = generated
    try:
        secrets = _secret_words(text)
    except configparser.Error:
        assume(False)
    masked = mask_ini(text)
    for word in secrets + commented:
        assert word not in masked, (word, text, masked)
    assert len(masked.splitlines()) == len(text.splitlines())
