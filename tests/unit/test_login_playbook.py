"""Unit tests of sso_login's pure parts: session targets, registration reuse,
token documents, polling rules, and the playbook's rows and tables."""

import datetime
import json

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_oidc
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_config import SsoConfig
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_http import ServiceError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.login_playbook import (
    LoginInputError,
    login_rows,
    login_table,
    login_users,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
CONFIG = """\
[sso-session lab]
sso_start_url = https://lab.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[sso-session bare]
sso_start_url = https://bare.awsapps.com/start

[profile dev]
sso_session = lab
sso_account_id = 111111111111
sso_role_name = Dev
services = vpce

[default]
services = vpce

[profile other]
sso_session = lab
sso_account_id = 111111111111
sso_role_name = Other

[services vpce]
sso_oidc =
    endpoint_url = https://oidc.vpce.example
"""


def test_session_target_uses_the_default_profiles_services_like_the_cli():
    target = sso_oidc.session_target(SsoConfig(CONFIG), "lab", {})
    assert target == {
        "session": "lab",
        "start_url": "https://lab.awsapps.com/start",
        "region": "eu-west-1",
        "scopes": ["sso:account:access"],
        "endpoint": "https://oidc.vpce.example",
        "ca_bundle": None,
    }


def test_session_target_environment_wins_and_aws_profile_picks_the_profile():
    config = SsoConfig(CONFIG)
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:1"}
    assert sso_oidc.session_target(config, "lab", env)["endpoint"] == "http://127.0.0.1:1"
    # A profile without services: the public endpoint of the session's region.
    assert (
        sso_oidc.session_target(config, "lab", {"AWS_PROFILE": "other"})["endpoint"]
        == "https://oidc.eu-west-1.amazonaws.com"
    )


def test_session_target_refusals_name_the_fix():
    config = SsoConfig(CONFIG)
    with pytest.raises(sso_oidc.LoginError, match='sso-session does not exist: "nope"'):
        sso_oidc.session_target(config, "nope", {})
    with pytest.raises(sso_oidc.LoginError, match="missing required configuration: sso_region"):
        sso_oidc.session_target(config, "bare", {})


def test_login_sessions_are_those_the_profiles_use():
    assert sso_oidc.login_sessions(SsoConfig(CONFIG)) == ["lab"]
    only = "[sso-session a]\nsso_start_url = https://a.awsapps.com/start\nsso_region = us-east-1\n"
    assert sso_oidc.login_sessions(SsoConfig(only)) == ["a"]


def test_token_document_has_the_clis_keys_in_order():
    target = {"start_url": "https://lab.awsapps.com/start", "region": "eu-west-1"}
    client = {"clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2026-08-01T12:00:00Z"}
    doc = sso_oidc.token_document(target, {"accessToken": "a", "expiresIn": 3600, "refreshToken": "r"}, client, NOW)
    assert sso_oidc.dumps(doc) == (
        '{"startUrl": "https://lab.awsapps.com/start", "region": "eu-west-1", "accessToken": "a", '
        '"expiresAt": "2026-05-01T13:00:00Z", "clientId": "c", "clientSecret": "s", '
        '"registrationExpiresAt": "2026-08-01T12:00:00Z", "refreshToken": "r"}'
    )
    without = sso_oidc.token_document(target, {"accessToken": "a", "expiresIn": 60}, client, NOW)
    assert "refreshToken" not in without


@pytest.mark.parametrize(
    ("registration", "usable"),
    [
        ({"clientId": "c", "clientSecret": "s", "expiresAt": "2026-06-01T00:00:00Z"}, True),
        ({"clientId": "c", "clientSecret": "s", "expiresAt": "2026-05-01T12:10:00Z"}, False),  # in the 15 min window
        ({"clientId": "c", "clientSecret": "s", "expiresAt": "2026-06-01T00:00:00UTC"}, True),
        (
            {
                "clientId": "c",
                "clientSecret": "s",
                "expiresAt": "2026-06-01T00:00:00Z",
                "grantTypes": ["authorization_code", "refresh_token"],
            },
            False,
        ),
        ({"clientId": "c", "expiresAt": "2026-06-01T00:00:00Z"}, False),
        ({"clientId": "c", "clientSecret": "s", "expiresAt": "soon"}, False),
        (None, False),
    ],
)
def test_a_registration_is_reused_as_the_cli_reuses_it(registration, usable):
    assert sso_oidc._registration_usable(registration, NOW) is usable


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def _pending(expires_in=600, interval=1):
    return {
        "endpoint": "http://127.0.0.1:1",
        "clientId": "c",
        "clientSecret": "s",
        "deviceCode": "d",
        "interval": interval,
        "expiresAt": sso_oidc.format_time(datetime.datetime.fromtimestamp(1000 + expires_in, UTC)),
    }


def _answers(monkeypatch, answers):
    calls = []

    def fake(target, path, body, timeout=30):
        calls.append((path, body["grantType"]))
        answer = answers.pop(0)
        if isinstance(answer, str):
            raise ServiceError(400, answer, "")
        return answer

    monkeypatch.setattr(sso_oidc, "_oidc", fake)
    return calls


def test_poll_slows_down_by_five_seconds_and_returns_the_token(monkeypatch):
    clock = Clock()
    calls = _answers(
        monkeypatch,
        ["AuthorizationPendingException", "SlowDownException", "AuthorizationPendingException", {"accessToken": "a"}],
    )
    status, reply = sso_oidc.poll(_pending(), 5000, clock=clock.time, sleep=clock.sleep)
    assert (status, reply) == ("signed_in", {"accessToken": "a"})
    assert clock.slept == [1, 6, 6]
    assert calls == [("/token", sso_oidc.DEVICE_GRANT)] * 4


@pytest.mark.parametrize(
    ("error", "status"), [("AccessDeniedException", "denied"), ("ExpiredTokenException", "expired")]
)
def test_poll_ends_on_denied_and_expired(monkeypatch, error, status):
    clock = Clock()
    _answers(monkeypatch, ["AuthorizationPendingException", error])
    assert sso_oidc.poll(_pending(), 5000, clock=clock.time, sleep=clock.sleep) == (status, None)


def test_poll_times_out_and_does_not_outlive_the_code(monkeypatch):
    clock = Clock()
    _answers(monkeypatch, ["AuthorizationPendingException"] * 100)
    assert sso_oidc.poll(_pending(), 1003.5, clock=clock.time, sleep=clock.sleep) == ("timeout", None)
    assert sum(clock.slept) <= 3.5
    clock = Clock()
    _answers(monkeypatch, ["AuthorizationPendingException"] * 100)
    # A service that keeps saying pending after the code's end.
    assert sso_oidc.poll(_pending(expires_in=5), 99999, clock=clock.time, sleep=clock.sleep) == ("expired", None)
    assert clock.now <= 1000 + 5 + 3


def test_poll_raises_other_errors(monkeypatch):
    _answers(monkeypatch, ["InvalidClientException"])
    with pytest.raises(ServiceError):
        sso_oidc.poll(_pending(), 5000, clock=Clock().time, sleep=Clock().sleep)


# -- the playbook's filters ------------------------------------------------------


def test_login_users_from_names_and_mappings_narrowed_by_login_users():
    declared = ["alice", {"user": "bob", "profiles": ["dev"]}, "carol"]
    assert login_users(declared) == [{"user": "alice"}, {"user": "bob"}, {"user": "carol"}]
    assert login_users(declared, "carol, alice") == [{"user": "carol"}, {"user": "alice"}]
    assert login_users(declared, ["bob", "zed"]) == [{"user": "bob"}]
    assert login_users([], "zed,zed") == [{"user": "zed"}]
    # The deprecated key still names the user (the sso role's plan warns about it).
    assert login_users([{"name": "bob"}]) == [{"user": "bob"}]
    with pytest.raises(LoginInputError, match="login_users"):
        login_users(declared, 42)
    with pytest.raises(LoginInputError, match=r"aws_sso_users\[1\]"):
        login_users(["alice", {"profiles": []}])


def _session(name, status, code=None):
    return {
        "session": name,
        "status": status,
        "token": {"expires_at": "2026-05-01T13:00:00Z"} if status in ("valid", "signed_in") else None,
        "flow": {"user_code": code, "verification_uri_complete": "https://x/?user_code=%s" % code, "expires_at": "T"}
        if code
        else None,
        "msg": None,
    }


def test_rows_take_the_waits_outcome_and_tables_align():
    started = {
        "h2": {"users": [{"user": "bob", "sessions": [_session("lab", "valid")]}]},
        "h1": {
            "users": [
                {"user": "alice", "sessions": [_session("lab", "pending", "BCDF-GHJK")]},
                {"user": "zed", "failed": True, "msg": "no such user", "sessions": []},
            ]
        },
        "h3": {"skipped": True},
    }
    completed = {"h1": {"users": [{"user": "alice", "sessions": [_session("lab", "signed_in", "BCDF-GHJK")]}]}}
    pending = [r for r in login_rows(started) if r["status"] == "pending"]
    assert [(r["host"], r["user"], r["user_code"]) for r in pending] == [("h1", "alice", "BCDF-GHJK")]
    rows = login_rows(started, completed)
    assert [(r["host"], r["user"], r["status"]) for r in rows] == [
        ("h1", "alice", "signed_in"),
        ("h1", "zed", "error"),
        ("h2", "bob", "valid"),
    ]
    lines = login_table(pending)
    assert lines[0].split() == ["HOST", "USER", "SESSION", "CODE", "EXPIRES", "(UTC)", "OPEN"]
    assert lines[1].split() == ["h1", "alice", "lab", "BCDF-GHJK", "T", "https://x/?user_code=BCDF-GHJK"]
    result = login_table(rows, "result")
    assert len({line.index("STATUS") if "STATUS" in line else None for line in result[:1]}) == 1
    assert all(line[result[0].index("STATUS") - 2 : result[0].index("STATUS")] == "  " for line in result)
    with pytest.raises(LoginInputError):
        login_table(rows, "nope")
    json.dumps(rows)


def test_table_cells_from_hosts_reach_the_terminal_escaped_on_one_line():
    started = {
        "h1": {
            "users": [
                {"user": "alice", "failed": True, "msg": "\x1b[2J\x1b[Hok: fake\nsecond line\x9b", "sessions": []},
            ]
        },
    }
    lines = login_table(login_rows(started), "result")
    assert len(lines) == 2
    assert "\x1b" not in lines[1] and "\x9b" not in lines[1] and "\n" not in lines[1]
    assert lines[1].endswith("\\x1b[2J\\x1b[Hok: fake\\x0asecond line\\x9b")
