"""What sso_identity_info's rows say, with the real AWS CLI 2.38.5 and the local Identity Center, for real users.

One `sso_identity_info` call (`check: shell`, `fail_on: [config_error]`) as root on localhost for three throwaway
users:

- revoked: signed in, then the administrator ends the sign-in; the CLI's cache still calls the token valid.
  The row says the sign-in was ended or revoked, not "not signed in (token valid)";
- override: signed in, `export AWS_PROFILE=other` in ~/.bashrc selects another role than the default profile:
  the env_override row shows the role the shell really gets. A second profile that the CLI refuses
  (no sso_role_name) shows the real state of the token of its session;
- broken: a ~/.aws/config that does not parse and no `profiles` list: one config_error row with the
  parser's message, which trips fail_on.
"""

import json
import subprocess

import pytest

from tests.integration.test_shell_check import identity_play, write_as
from tests.integration.test_sso_logout import aws_for_users, user_argv  # noqa: F401 (a fixture)
from tests.testbed.idc import browserless_login
from tests.testbed.users import throwaway_users

PASTED_KEY = "AKIAPASTEDBYHAND0001"
CONFIG = (
    "[sso-session lab]\nsso_start_url = {start_url}\nsso_region = {region}\n"
    "sso_registration_scopes = sso:account:access\n\n"
    "[profile dev]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = Developer\nregion = {region}\n\n"
)
OTHER = (
    "[profile other]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\nregion = {region}\n\n"
)
# Refused by the CLI (missing sso_role_name), but it names the session the user is signed in to.
PARTIAL = "[profile partial]\nsso_session = lab\nsso_account_id = 111111111111\nregion = {region}\n"


def sign_in(entry, testbed, aws, person):
    argv = user_argv(entry, testbed, aws, "sso", "login", "--no-browser", "--use-device-code", "--sso-session", "lab")
    login = browserless_login(argv, {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, testbed, person)
    assert login.returncode == 0, login


@pytest.fixture(scope="module")
def checked(tmp_path_factory, identity_center, aws_for_users):  # noqa: F811
    """One sso_identity_info call for the three users: (result by role, the play's output)."""
    tmp_path = tmp_path_factory.mktemp("identity-rows")
    config = CONFIG.format(start_url=identity_center.start_url, region=identity_center.region)
    with throwaway_users(3) as entries:
        revoked, override, broken = entries
        write_as(revoked, ".aws/config", config)
        write_as(
            override,
            ".aws/config",
            config + OTHER.format(region=identity_center.region) + PARTIAL.format(region=identity_center.region),
        )
        write_as(override, ".bashrc", "\n# the test's line\nexport AWS_PROFILE=other\n", mode=0o644)
        write_as(broken, ".aws/config", "[default]\n%s\n" % PASTED_KEY)
        sign_in(revoked, identity_center, aws_for_users, "dave")
        sign_in(override, identity_center, aws_for_users, "alice")
        # The administrator ends dave's sign-ins: access and refresh tokens, on the server only.
        identity_center.revoke(user="dave")
        out = tmp_path / "out.json"
        task = {
            "labcloud.aws_sso.sso_identity_info": dict(
                users=[revoked.pw_name, {"user": override.pw_name, "default_profile": "dev"}, broken.pw_name],
                check="shell",
                aws_cli=aws_for_users,
                cli_environment=dict(identity_center.env),
                fail_on=["config_error"],
            ),
            "register": "identity",
            "ignore_errors": True,
        }
        argv, env = identity_play(tmp_path, task, out)
        run = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        result = json.loads(out.read_text())
        names = {"revoked": revoked.pw_name, "override": override.pw_name, "broken": broken.pw_name}
        by_name = {user["user"]: user for user in result["users"]}
        yield dict(result=result, users={role: by_name[name] for role, name in names.items()}, output=run.stdout)


def rows(checked, role):
    user = checked["users"][role]
    assert user["error"] is None, user
    return {row["profile"]: row for row in user["profiles"]}


def test_a_sign_in_the_portal_ended_is_said_to_be_ended_or_revoked(checked):
    dev = rows(checked, "revoked")["dev"]
    assert (dev["status"], dev["checked"], dev["token"]["state"]) == ("login_required", "shell", "valid"), dev
    assert dev["message"].startswith("the sign-in was ended or revoked"), dev["message"]
    assert "the portal refused the token although the cache says it is valid" in dev["message"]
    assert "playbook labcloud.aws_sso.login" in dev["message"] and "not signed in" not in dev["message"]


def test_an_env_override_row_shows_the_role_the_shell_really_gets(checked):
    dev = rows(checked, "override")["dev"]
    assert (dev["status"], dev["checked"]) == ("env_override", "shell"), dev
    assert (dev["account"], dev["role"], dev["expected_role"], dev["role_matches"]) == (
        "111111111111",
        "ReadOnly",
        "Developer",
        False,
    ), dev
    assert "AWS_PROFILE is other in the user's shell, not dev" in dev["message"]
    assert "the user's shell gets account 111111111111 role ReadOnly" in dev["message"]
    assert "with --profile dev alone the check said ok (account 111111111111 role Developer)" in dev["message"]
    assert checked["users"]["override"]["shell"]["aws_profile"] == "other"
    # The profile the shell selects, checked on its own, is fine.
    assert rows(checked, "override")["other"]["status"] == "ok"


def test_a_profile_the_cli_refuses_shows_the_real_token_state(checked):
    partial = rows(checked, "override")["partial"]
    assert (partial["status"], partial["token"]["state"], partial["session"]) == ("config_error", "valid", "lab")
    assert "missing required configuration: sso_role_name" in partial["message"]


def test_a_config_that_does_not_parse_is_a_config_error_row_that_trips_fail_on(checked):
    (row,) = checked["users"]["broken"]["profiles"]
    assert (row["profile"], row["status"], row["token"]) == (None, "config_error", None), row
    assert "/.aws/config: line 2: cannot parse this line" in row["message"]
    result = checked["result"]
    # The other config_error is override's partial profile.
    assert result["failed"] is True and "2 profile(s) config_error" in result["msg"], result["msg"]
    assert result["counts"]["config_error"] == 2
    assert PASTED_KEY not in checked["output"] + json.dumps(result)
