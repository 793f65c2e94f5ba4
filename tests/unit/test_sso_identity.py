"""sso_identity's judgement: CLI failures to statuses, identities to verdicts, shells to overrides."""

import json

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_identity as si

# What the real AWS CLI 2.38.5 printed against the local Identity Center
# (tests/testbed/idc.py), exit code and stderr, for each case.
CLI_FAILURES = [
    (255, "\naws: [ERROR]: Error loading SSO Token: Token for lab does not exist\n", "login_required"),
    (
        255,
        "\naws: [ERROR]: Error when retrieving token from sso: Token has expired and refresh failed\n",
        "login_required",
    ),
    (
        255,
        "\naws: [ERROR]: The SSO session associated with this profile has expired or is otherwise invalid. "
        "To refresh this SSO session run aws sso login with the corresponding profile.\n",
        "login_required",
    ),
    (
        254,
        "\naws: [ERROR]: An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access\n",
        "forbidden",
    ),
    (255, "\naws: [ERROR]: The config profile (zzz) could not be found\n", "config_error"),
    (255, '\naws: [ERROR]: The specified sso-session does not exist: "other"\n', "config_error"),
    (
        255,
        '\naws: [ERROR]: The profile "dev" is configured to use SSO but is missing required configuration: '
        "sso_role_name, sso_region\n",
        "config_error",
    ),
    (255, "\naws: [ERROR]: Unable to parse config file: /home/a/.aws/config\n", "config_error"),
    (
        254,
        "\naws: [ERROR]: An error occurred (NoRegion): You must specify a region. You can also configure your "
        'region by running "aws configure".\n',
        "config_error",
    ),
    (
        255,
        '\naws: [ERROR]: Could not connect to the endpoint URL: "http://127.0.0.1:9/federation/credentials"\n',
        "unreachable",
    ),
    (255, "\naws: [ERROR]: SSL validation failed for https://portal.sso.eu-west-1.amazonaws.com\n", "unreachable"),
    (
        254,
        "\naws: [ERROR]: An error occurred (InternalServerException) when calling the GetRoleCredentials operation: boom\n",
        "error",
    ),
    (255, "", "error"),
]


@pytest.mark.parametrize("code,stderr,status", CLI_FAILURES)
def test_cli_failures_are_classified_by_error_type_not_line_start(code, stderr, status):
    assert si.classify(code, stderr)[0] == status
    # Older CLIs print the same without the prefix: same verdict.
    assert si.classify(code, stderr.replace("aws: [ERROR]: ", ""))[0] == status


def test_the_cli_message_loses_its_prefix_and_keeps_its_text():
    status, message = si.classify(255, "\naws: [ERROR]: The config profile (zzz) could not be found\n")
    assert message == "The config profile (zzz) could not be found"
    assert si.classify(255, "")[1] == "the AWS CLI failed with exit code 255 and no message"


@pytest.mark.parametrize(
    "arn,account,role",
    [
        (
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_456d69b2604c5223/carol",
            "111111111111",
            "Developer",
        ),
        (
            "arn:aws:sts::022222222222:assumed-role/AWSReservedSSO_Read_Only_Access_0123456789abcdef/x",
            "022222222222",
            "Read_Only_Access",
        ),
        (
            "arn:aws-us-gov:sts::111111111111:assumed-role/CrossAccountAudit/botocore-session-1",
            "111111111111",
            "CrossAccountAudit",
        ),
        ("arn:aws:iam::111111111111:user/alice", None, None),
    ],
)
def test_role_from_arn_gives_the_permission_set_name(arn, account, role):
    assert si.role_from_arn(arn) == (account, role)


def _row(token_state="valid", account="111111111111", role="Developer"):
    row = si._base_row("dev")
    row.update(session="lab", expected_account=account, expected_role=role)
    row["token"] = {"state": token_state, "expires_at": None, "minutes_left": None, "refreshable": False}
    return row


def _ident(account, role):
    arn = "arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s_0123456789abcdef/alice" % (account, role)
    return json.dumps({"UserId": "AROAX:alice", "Account": account, "Arn": arn})


def test_the_expected_account_and_role_is_ok():
    row = si.apply_identity(_row(), 0, _ident("111111111111", "Developer"), "")
    assert (row["status"], row["account_matches"], row["role_matches"], row["message"]) == ("ok", True, True, None)


@pytest.mark.parametrize("account,role", [("022222222222", "Developer"), ("111111111111", "Admin")])
def test_another_account_or_role_is_wrong_account(account, role):
    row = si.apply_identity(_row(), 0, _ident(account, role), "")
    assert row["status"] == "wrong_account"
    assert "asks for account 111111111111 role Developer" in row["message"]
    assert "got account %s role %s" % (account, role) in row["message"]


@pytest.mark.parametrize("state", ["expired", "missing"])
def test_cached_role_credentials_after_the_sign_in_ended_are_said(state):
    row = si.apply_identity(_row(state), 0, _ident("111111111111", "Developer"), "")
    assert row["status"] == "ok" and row["token"]["state"] == state
    assert "sign-in has ended" in row["message"]


def test_forbidden_and_login_required_say_what_to_do():
    forbidden = si.apply_identity(_row(), 254, "", CLI_FAILURES[3][1])
    assert forbidden["status"] == "forbidden" and "not assigned" in forbidden["message"]
    signed_out = si.apply_identity(_row("missing"), 255, "", CLI_FAILURES[0][1])
    assert signed_out["status"] == "login_required"
    assert "aws sso login --sso-session lab" in signed_out["message"]


def test_token_only_check_trusts_what_the_cli_could_refresh():
    assert si.token_only(_row("expired_refreshable"))["status"] == "ok"
    assert si.token_only(_row("expiring"))["status"] == "ok"
    assert si.token_only(_row("expired"))["status"] == "login_required"
    assert si.token_only(_row("missing"))["status"] == "login_required"


def test_find_cli_takes_the_first_executable_candidate():
    present = {"/usr/bin/aws"}
    assert si.find_cli(None, exists=present.__contains__, executable=lambda p: True) == "/usr/bin/aws"
    assert si.find_cli("/opt/x/aws", exists=present.__contains__, executable=lambda p: True) is None
    assert si.find_cli(None, exists=lambda p: False) is None


def test_the_clean_environment_keeps_nothing_of_the_callers():
    env = si.cli_environment("/home/a", "a", {"HTTPS_PROXY": "http://proxy:3128"})
    assert env == {
        "HOME": "/home/a",
        "USER": "a",
        "LOGNAME": "a",
        "PATH": si.SAFE_PATH,
        "LANG": "C.UTF-8",
        "AWS_PAGER": "",
        "HTTPS_PROXY": "http://proxy:3128",
    }


def test_shell_output_keeps_names_of_keys_never_their_values():
    out = (
        "Welcome to the lab\nAWS_ACCESS_KEY_ID=AKIASECRET\0AWS_PROFILE=dev\0PATH=/bin\0"
        "AWS_SECRET_ACCESS_KEY=very-secret\0\n" + si._MARKER + '\n{"Arn": "x"}'
    )
    names, rest = si.parse_shell_output(out)
    assert names == {"AWS_ACCESS_KEY_ID": None, "AWS_PROFILE": "dev", "AWS_SECRET_ACCESS_KEY": None}
    assert "AKIASECRET" not in json.dumps(names) and rest == '{"Arn": "x"}'
    assert si.parse_shell_output("the shell died early") == (None, "")


def test_shell_script_runs_in_every_supported_shell_syntax():
    script = si.shell_script("/usr/local/bin/aws")
    assert script.startswith("env -0; echo; echo ") and script.endswith(
        "exec /usr/local/bin/aws sts get-caller-identity --output json"
    )
    assert si.shell_argv("/usr/bin/fish") == ["/usr/bin/fish", "-l", "-i", "-c"]
    assert si.shell_argv("/bin/sh") == ["/bin/sh", "-l", "-c"]


def test_shell_verdicts(tmp_path):
    home = str(tmp_path)
    (tmp_path / ".bashrc").write_text("# lab\nexport AWS_ACCESS_KEY_ID=AKIAX\nexport AWS_PROFILE=old\n")
    row = {"arn": "arn:a"}
    keys = si.shell_verdict(home, {"AWS_ACCESS_KEY_ID": None, "AWS_PROFILE": "dev"}, {}, "dev", row)
    assert keys["variable"] == "AWS_ACCESS_KEY_ID"
    assert (keys["file"], keys["line"]) == (str(tmp_path / ".bashrc"), 2)
    assert "AKIAX" not in json.dumps(keys)
    stray = si.shell_verdict(home, {"AWS_PROFILE": "old"}, {}, "dev", row)
    assert stray["variable"] == "AWS_PROFILE" and stray["line"] == 3 and "not dev" in stray["message"]
    assert si.shell_verdict(home, {"AWS_PROFILE": "dev"}, {"arn": "arn:a"}, "dev", row) is None
    other = si.shell_verdict(home, {"AWS_PROFILE": "dev"}, {"arn": "arn:b"}, "dev", row)
    assert other["variable"] == "AWS_PROFILE" and "arn:b" in other["message"]


def test_counts_add_up_per_status():
    users = [
        {"profiles": [{"status": "ok"}, {"status": "forbidden"}]},
        {"profiles": [{"status": "ok"}]},
        {"profiles": []},
    ]
    assert si.count(users) == {"ok": 2, "forbidden": 1}
