"""sso_identity_info's judgement: CLI failures to statuses, identities to verdicts, shells to overrides."""

import hashlib
import json
import os
import shutil
import time

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import accounts, aws_cli, identity_shell
from ansible_collections.labcloud.aws_sso.plugins.module_utils import bounded_process as bp
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
    assert aws_cli.classify(code, stderr)[0] == status
    # Older CLIs print the same without the prefix: same verdict.
    assert aws_cli.classify(code, stderr.replace("aws: [ERROR]: ", ""))[0] == status


def test_the_cli_message_loses_its_prefix_and_keeps_its_text():
    status, message = aws_cli.classify(255, "\naws: [ERROR]: The config profile (zzz) could not be found\n")
    assert message == "The config profile (zzz) could not be found"
    assert aws_cli.classify(255, "")[1] == "the AWS CLI failed with exit code 255 and no message"


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
    assert aws_cli.role_from_arn(arn) == (account, role)


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
    assert aws_cli.find_cli(None, exists=present.__contains__, executable=lambda p: True) == "/usr/bin/aws"
    assert aws_cli.find_cli("/opt/x/aws", exists=present.__contains__, executable=lambda p: True) is None
    assert aws_cli.find_cli(None, exists=lambda p: False) is None


def test_the_clean_environment_keeps_nothing_of_the_callers():
    env = aws_cli.cli_environment("/home/a", "a", {"HTTPS_PROXY": "http://proxy:3128"})
    assert env == {
        "HOME": "/home/a",
        "USER": "a",
        "LOGNAME": "a",
        "PATH": aws_cli.SAFE_PATH,
        "LANG": "C.UTF-8",
        "AWS_PAGER": "",
        "HTTPS_PROXY": "http://proxy:3128",
    }


def test_the_shell_environment_keeps_names_of_keys_never_their_values():
    payload = (
        b"AWS_ACCESS_KEY_ID=AKIASECRET\0AWS_PROFILE=dev\0PATH=/bin\0AWS_SECURITY_TOKEN=tok\0"
        b"AWS_CONFIG_FILE=/home/a/other\0AWS_SECRET_ACCESS_KEY=very\nsecret\0\n"
    )
    names = identity_shell.parse_environment(payload)
    assert names == {
        "AWS_ACCESS_KEY_ID": None,
        "AWS_PROFILE": "dev",
        "AWS_SECURITY_TOKEN": None,
        "AWS_CONFIG_FILE": None,
        "AWS_SECRET_ACCESS_KEY": None,
    }
    assert "AWS_SECURITY_TOKEN" in aws_cli.STATIC_KEY_VARS and "AWS_SECURITY_TOKEN" in aws_cli.REFUSED_ENV


def shell_binary(name):
    path = shutil.which(name)
    assert path, "%s is not installed: `bash tests/testbed/hosts.sh` (or apt-get install zsh fish) installs it" % name
    return path


FAKE_CLI = (
    "#!/bin/sh\necho '{\"Arn\": \"arn:aws:sts::111111111111:assumed-role/R/a\"}'\necho 'cli says no' >&2\nexit 3\n"
)


def fake_home(tmp_path, bashrc=""):
    """A home whose ~/.bashrc (and the other shells' start-up files) run bashrc; a fake aws beside it."""
    home = tmp_path / "home"
    home.mkdir(parents=True)
    for name in (".bashrc", ".zshrc", ".profile"):
        (home / name).write_text(bashrc)
    cli = tmp_path / "aws"
    cli.write_text(FAKE_CLI)
    cli.chmod(0o755)
    return str(home), str(cli)


def run_shell(shell, home, cli, timeout=30):
    nonce = bp.new_nonce()
    argv = identity_shell.shell_argv(shell) + [identity_shell.shell_script(cli, nonce, shell)]
    env = {"HOME": home, "PATH": aws_cli.SAFE_PATH, "TERM": "dumb", "AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "AKIAX"}
    return bp.run(argv, env, timeout, channel=True, cwd=home), nonce


@pytest.mark.parametrize("shell", ["dash", "bash", "zsh", "fish"])
def test_every_supported_shell_answers_over_its_channel(tmp_path, shell):
    home, cli = fake_home(tmp_path, "echo 'AWS_PROFILE=forged' ; echo noise >&2\n")
    done, nonce = run_shell(shell_binary(shell), home, cli)
    names, code, out, err = identity_shell.shell_answer(done, nonce, shell)
    assert names == {"AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": None}
    assert (code, json.loads(out)["Arn"], err) == (3, "arn:aws:sts::111111111111:assumed-role/R/a", "cli says no\n")
    assert identity_shell.shell_argv("/usr/bin/fish") == ["/usr/bin/fish", "-l", "-i", "-c"]
    assert identity_shell.shell_argv("/bin/sh") == ["/bin/sh", "-l", "-c"]


# -- verdict rules: a shell check is never ok by default -------------------------------


def verdict(done, nonce=None):
    with pytest.raises(identity_shell.ShellCheckFailed) as failed:
        identity_shell.shell_answer(done, nonce or bp.new_nonce(), "/bin/bash")
    return failed.value


def test_a_shell_that_timed_out_is_an_error_saying_so():
    failed = verdict(bp.Completed(-9, b"", b"", b"", (), True, 12.0))
    assert "timed out after 12 s" in str(failed) and not failed.forged


def test_a_shell_killed_by_a_signal_is_an_error_saying_so():
    failed = verdict(bp.Completed(-11, b"", b"", b"", (), False, 60.0))
    assert "killed by signal 11" in str(failed)


@pytest.mark.parametrize("code", [0, 1])
def test_a_shell_without_a_frame_is_an_error_whatever_it_printed(code):
    fake = b"AWS_PROFILE=dev\0\nlabcloud-aws-sso-identity-7f3a\n{}"
    failed = verdict(bp.Completed(code, fake, b"", b"", (), False, 60.0))
    assert "exited with status %d and no result" % code in str(failed) and not failed.forged


def test_a_half_frame_or_an_oversized_one_is_no_result():
    nonce = bp.new_nonce()
    half = nonce.encode() + b" env\nA=1\0\n"
    assert "no cli part" in str(verdict(bp.Completed(0, b"", b"", half, (), False, 60.0), nonce))
    assert "answered more than" in str(verdict(bp.Completed(0, b"", b"", half, ("channel",), False, 60.0), nonce))


def test_a_forged_frame_is_an_error_marked_forged():
    nonce = bp.new_nonce()
    fake = bp.new_nonce().encode() + b" env\nAWS_PROFILE=dev\0\n"
    failed = verdict(bp.Completed(0, b"", b"", fake, (), False, 60.0), nonce)
    assert failed.forged and "shell output looked forged" in str(failed)


def test_through_a_real_shell_a_fake_dump_hang_or_forgery_is_never_ok(tmp_path, monkeypatch):
    monkeypatch.setattr(aws_cli, "CLI_TIMEOUT", 2)
    cases = {
        "exits": ("echo 'AWS_PROFILE=dev'; exit 0\n", "no result", False),
        "forges": ("echo 'lcsso-%s env' >&3; exit 0\n" % ("0" * 32), "looked forged", True),
        "hangs": ("sleep 600\n", "timed out after 2 s", False),
    }
    for name, (bashrc, words, forged) in cases.items():
        home, cli = fake_home(tmp_path / name, bashrc)
        acct = accounts.Account(name, os.getuid(), os.getgid(), (), home, "/bin/bash")
        rows = [dict(si._base_row("dev"), status="ok"), dict(si._base_row("x"), status="forbidden", message="no")]
        started = time.monotonic()
        shell = identity_shell.shell_check(acct, {"login_shell": shell_binary("bash")}, cli, rows)
        assert time.monotonic() - started < 2 + bp.GRACE + 10
        assert shell["error"] and words in shell["error"] and shell["forged"] is forged, (name, shell)
        assert rows[0]["status"] == "error" and words in rows[0]["message"], (name, rows[0])
        assert "without the shell, the check said ok" in rows[0]["message"]
        assert rows[1]["status"] == "forbidden" and rows[1]["message"].startswith("no; the shell check failed")
        assert [row["forged"] for row in rows] == [forged, forged] and rows[0]["checked"] == "shell"


def test_shell_verdicts(tmp_path):
    home = str(tmp_path)
    (tmp_path / ".bashrc").write_text("# lab\nexport AWS_ACCESS_KEY_ID=AKIAX\nexport AWS_PROFILE=old\n")
    row = {"arn": "arn:a"}
    keys = identity_shell.shell_verdict(home, {"AWS_ACCESS_KEY_ID": None, "AWS_PROFILE": "dev"}, {}, "dev", row)
    assert keys["variable"] == "AWS_ACCESS_KEY_ID"
    assert (keys["file"], keys["line"]) == (str(tmp_path / ".bashrc"), 2)
    assert "AKIAX" not in json.dumps(keys)
    stray = identity_shell.shell_verdict(home, {"AWS_PROFILE": "old"}, {}, "dev", row)
    assert stray["variable"] == "AWS_PROFILE" and stray["line"] == 3 and "not dev" in stray["message"]
    assert identity_shell.shell_verdict(home, {"AWS_PROFILE": "dev"}, {"arn": "arn:a"}, "dev", row) is None
    other = identity_shell.shell_verdict(home, {"AWS_PROFILE": "dev"}, {"arn": "arn:b"}, "dev", row)
    assert other["variable"] == "AWS_PROFILE" and "arn:b" in other["message"]


def test_counts_add_up_per_status():
    users = [
        {"profiles": [{"status": "ok"}, {"status": "forbidden"}]},
        {"profiles": [{"status": "ok"}]},
        {"profiles": []},
    ]
    assert si.count(users) == {"ok": 2, "forbidden": 1}


def test_a_fifo_at_the_token_path_is_that_profiles_error_not_a_hang(tmp_path):
    aws = tmp_path / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    (aws / "config").write_text(
        "[sso-session lab]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n"
        "[profile dev]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = R\nregion = eu-west-1\n"
    )
    os.mkfifo(str(aws / "sso" / "cache" / (hashlib.sha1(b"lab").hexdigest() + ".json")))
    acct = accounts.Account("a", os.getuid(), os.getgid(), (), str(tmp_path), "/bin/sh")
    started = time.monotonic()
    # live: the CLI (which would block opening the FIFO) must not even be started.
    result = si.user_work(acct, {"check": "live", "cli": "/nonexistent/aws"})
    assert time.monotonic() - started < 15
    (row,) = result["profiles"]
    assert row["status"] == "error" and row["checked"] == "token"
    assert "the SSO token cache could not be read" in row["message"] and "not a regular file" in row["message"]


# -- what a row says about the user's config, token and shell ------------------------------


def user_home(tmp_path, config, token_expires_in=None, name="home"):
    """A home with ~/.aws/config and, with token_expires_in (seconds), a token of session lab."""
    home = tmp_path / name
    (home / ".aws" / "sso" / "cache").mkdir(parents=True)
    (home / ".aws" / "config").write_text(config)
    if token_expires_in is not None:
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + token_expires_in))
        token = {"accessToken": "SECRET-ACCESS", "expiresAt": expires}
        (home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"lab").hexdigest() + ".json")).write_text(json.dumps(token))
    return accounts.Account("a", os.getuid(), os.getgid(), (), str(home), "/bin/sh")


def test_a_config_that_does_not_parse_is_a_counted_config_error_row_without_a_profiles_list(tmp_path):
    # A key pasted without its name: the parser's message must not quote it. The home's name
    # holds an escape sequence: shown escaped, never raw.
    acct = user_home(tmp_path, "[default]\nAKIAPASTEDSECRET0001\n", name="h\x1b[2Jome")
    result = si.user_work(acct, {"check": "live", "cli": "/nonexistent/aws"})
    (row,) = result["profiles"]
    assert (row["profile"], row["status"], row["token"]) == (None, "config_error", None), row
    assert "line 2: cannot parse this line" in row["message"] and "run" in row["message"]
    assert "AKIAPASTEDSECRET0001" not in json.dumps(result)
    assert "h\\x1b[2Jome" in row["message"] and "\x1b" not in row["message"]
    assert si.count([result]) == {"config_error": 1}
    # With a profiles list, each listed profile says the same.
    listed = si.user_work(acct, {"check": "token", "profiles": ["dev", "ops"]})
    assert [(r["profile"], r["status"]) for r in listed["profiles"]] == [
        ("dev", "config_error"),
        ("ops", "config_error"),
    ]
    assert listed["profiles"][0]["message"] == row["message"]


def test_a_config_without_sso_profiles_is_no_row_not_an_error(tmp_path):
    acct = user_home(tmp_path, "[default]\nregion = eu-west-1\n")
    assert si.user_work(acct, {"check": "token"})["profiles"] == []


def test_a_profile_the_cli_refuses_shows_the_real_state_of_its_token(tmp_path):
    # The sso-session block was renamed by hand: the CLI refuses the profile,
    # but the sign-in of session lab is there and valid.
    config = (
        "[sso-session lab-old]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n"
        "[profile dev]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = R\n"
        "[profile nosso]\nregion = eu-west-1\n"
    )
    acct = user_home(tmp_path, config, token_expires_in=3600)
    result = si.user_work(acct, {"check": "live", "cli": "/nonexistent/aws", "profiles": ["dev", "nosso"]})
    dev, nosso = result["profiles"]
    assert (dev["status"], dev["token"]["state"], dev["session"]) == ("config_error", "valid", "lab"), dev
    assert 'The specified sso-session does not exist: "lab"' in dev["message"]
    # A profile that names no sign-in has no token state to show.
    assert (nosso["status"], nosso["token"]) == ("config_error", None), nosso


UNAUTHORIZED = (
    "\naws: [ERROR]: An error occurred (UnauthorizedException) when calling the GetRoleCredentials operation: "
    "Session token not found or invalid\n"
)


@pytest.mark.parametrize(
    "state,words",
    [
        ("valid", "the portal refused the token although the cache says it is valid"),
        ("expiring", "the portal refused the token although the cache says it is valid"),
        ("expired_refreshable", "the token expired and the portal refused to refresh it"),
    ],
)
def test_a_token_the_portal_refuses_while_the_cache_calls_it_good_was_ended_or_revoked(state, words):
    row = dict(_row(state), checked="live")
    row = si.apply_identity(row, 255, "", UNAUTHORIZED)
    assert row["status"] == "login_required"
    assert row["message"].startswith("the sign-in was ended or revoked"), row["message"]
    assert words in row["message"] and "not signed in" not in row["message"]
    assert "playbook labcloud.aws_sso.login" in row["message"]


def test_a_token_that_is_simply_gone_or_expired_is_not_called_revoked():
    for state in ("missing", "expired"):
        row = si.apply_identity(dict(_row(state), checked="live"), 255, "", CLI_FAILURES[0][1])
        assert row["message"].startswith("not signed in (token %s)" % state), row["message"]
    # Offline, nothing is known of the portal: no claim of a revocation.
    assert si.token_only(_row("expired"))["message"].startswith("not signed in (token expired)")


IDENTITY_CLI = """#!/bin/sh
# A stand-in for aws: the identity depends on the profile the shell selected.
if [ "$AWS_PROFILE" = other ]; then role=Other account=022222222222; else role=Developer account=111111111111; fi
printf '{"UserId": "AROA:a", "Account": "%s", "Arn": "arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s_0123456789abcdef/a"}\\n' \\
  $account $account $role
"""


def test_an_env_override_row_shows_what_the_users_shell_gets_not_the_clean_check(tmp_path):
    home, _cli = fake_home(tmp_path, "export AWS_PROFILE=other\n")
    cli = tmp_path / "aws-identity"
    cli.write_text(IDENTITY_CLI)
    cli.chmod(0o755)
    acct = accounts.Account("a", os.getuid(), os.getgid(), (), home, "/bin/bash")
    clean = dict(_row(), status="ok", checked="live", account_matches=True, role_matches=True)
    clean.update(account="111111111111", role="Developer", arn=json.loads(_ident("111111111111", "Developer"))["Arn"])
    spec = {"login_shell": shell_binary("bash"), "default_profile": "dev"}
    shell = identity_shell.shell_check(acct, spec, str(cli), [clean])
    assert (shell["account"], shell["aws_profile"]) == ("022222222222", "other"), shell
    assert (clean["status"], clean["checked"]) == ("env_override", "shell")
    assert (clean["account"], clean["role"], clean["account_matches"], clean["role_matches"]) == (
        "022222222222",
        "Other",
        False,
        False,
    )
    assert clean["arn"].startswith("arn:aws:sts::022222222222:assumed-role/AWSReservedSSO_Other_")
    assert "AWS_PROFILE is other in the user's shell, not dev" in clean["message"]
    assert "the user's shell gets account 022222222222 role Other" in clean["message"]
    assert "with --profile dev alone the check said ok (account 111111111111 role Developer)" in clean["message"]


def test_an_env_override_whose_shell_cli_fails_says_what_it_said():
    row = dict(_row(), status="ok", account="111111111111", role="Developer", arn="arn:x")
    ident = identity_shell.shell_identity(
        255, "", "\naws: [ERROR]: An error occurred (InvalidClientTokenId) token=abc123\n"
    )
    assert ident["account"] is None and "InvalidClientTokenId" in ident["message"]
    assert "abc123" not in ident["message"]  # the CLI's stderr is masked
    identity_shell.as_the_shell_gets(row, ident, "AWS_ACCESS_KEY_ID is exported")
    assert (row["status"], row["account"], row["role"], row["arn"]) == ("env_override", None, None, None)
    assert row["message"].startswith("AWS_ACCESS_KEY_ID is exported; in the user's shell the AWS CLI fails: ")
    assert row["message"].endswith("with --profile dev alone the check said ok (account 111111111111 role Developer)")


def test_a_profile_without_a_cli_is_not_marked_as_live_checked(tmp_path):
    config = (
        "[sso-session lab]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n"
        "[profile dev]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = R\nregion = eu-west-1\n"
    )
    acct = user_home(tmp_path, config, token_expires_in=3600)
    (row,) = si.user_work(acct, {"check": "live", "cli": None})["profiles"]
    assert (row["status"], row["checked"], row["token"]["state"]) == ("cli_missing", "token", "valid"), row


def test_a_cli_the_user_cannot_start_is_an_error_row_with_the_reason(tmp_path):
    """Root found the CLI, but the user may not run it: the row still gets a status."""
    cli = tmp_path / "aws"
    cli.write_text("#!/bin/sh\n")
    cli.chmod(0o600)
    code, out, err = aws_cli.run_cli(str(cli), "dev", {"PATH": "/usr/bin:/bin"})
    assert code == 126 and out == "" and "could not be started as this user" in err
    row = si.apply_identity(dict(profile="dev", status=None), code, out, err, str(cli))
    assert row["status"] == "error" and "could not be started" in row["message"]
