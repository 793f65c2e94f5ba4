"""Listing the SSO portal from a host (module_utils/sso_portal.py), against a scripted portal."""

import datetime
import hashlib
import json
import os
import time

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_http, sso_portal

START = "https://x.awsapps.com/start"
CONFIG = "[sso-session lab]\nsso_start_url = %s\nsso_region = eu-west-1\n" % START


class FakePortal:
    """Pages of 2; every `throttle_every`th call answers 429; records what was asked."""

    def __init__(self, accounts, throttle_every=0, error=None):
        self.accounts = accounts
        self.throttle_every = throttle_every
        self.error = error
        self.requests = []

    def __call__(self, method, base_url, path, token, query=None, **kwargs):
        self.requests.append((path, dict(query or {}), token))
        if self.error:
            raise self.error
        if self.throttle_every and len(self.requests) % self.throttle_every == 0:
            raise sso_http.ServiceError(429, "TooManyRequestsException", "Rate exceeded")
        if path == "/assignment/accounts":
            items = [
                {"accountId": a, "accountName": n, "emailAddress": "e"} for a, (n, _r) in sorted(self.accounts.items())
            ]
            key = "accountList"
        else:
            items = [{"roleName": r, "accountId": query["account_id"]} for r in self.accounts[query["account_id"]][1]]
            key = "roleList"
        size = min(2, int(query["max_result"]))
        start = int(query.get("next_token", 0))
        reply = {key: items[start : start + size]}
        if start + size < len(items):
            reply["nextToken"] = str(start + size)
        return reply


DIRECTORY = {"%012d" % i: ("acct %d" % i, ["R%d" % j for j in range(5)]) for i in range(1, 6)}


def test_all_pages_of_accounts_and_roles():
    fake = FakePortal(DIRECTORY)
    portal = sso_portal.Portal("http://portal", "tok", call=fake, sleep=lambda s: None)
    out = portal.assignments(workers=3)
    assert [a["account_id"] for a in out] == sorted(DIRECTORY)
    assert all(a["roles"] == ["R0", "R1", "R2", "R3", "R4"] for a in out)
    # 5 accounts in pages of 2 -> 3 calls; 5 roles each in pages of 2 -> 3 calls per account.
    assert portal.stats()["ListAccounts"] == 3 and portal.stats()["ListAccountRoles"] == 15
    assert all(token == "tok" for _p, _q, token in fake.requests)


def test_throttling_is_retried_with_growing_waits():
    waits = []
    fake = FakePortal(DIRECTORY, throttle_every=3)
    portal = sso_portal.Portal("http://portal", "tok", call=fake, sleep=waits.append)
    out = portal.assignments(workers=1)
    assert len(out) == 5 and all(len(a["roles"]) == 5 for a in out)
    stats = portal.stats()
    assert stats["throttled"] == len(waits) > 0
    assert stats["ListAccounts"] + stats["ListAccountRoles"] == len(fake.requests)
    assert all(0 <= w <= sso_portal.BASE_DELAY for w in waits)


def test_throttled_for_good_gives_up_with_a_message():
    fake = FakePortal(DIRECTORY, throttle_every=1)
    portal = sso_portal.Portal("http://portal", "tok", call=fake, sleep=lambda s: None, max_attempts=4)
    with pytest.raises(sso_portal.PortalError) as err:
        portal.accounts()
    assert "after 4 attempts" in str(err.value) and len(fake.requests) == 4


def test_unauthorized_means_login_required():
    fake = FakePortal(DIRECTORY, error=sso_http.ServiceError(401, "UnauthorizedException", "Session token not found"))
    with pytest.raises(sso_portal.LoginRequired):
        sso_portal.Portal("http://portal", "tok", call=fake).accounts()


def write_token(home, session="lab", minutes=60, start_url=START, **extra):
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    data = dict(
        startUrl=start_url,
        region="eu-west-1",
        accessToken="secret-token-value",
        expiresAt=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    data.update(extra)
    (cache / (hashlib.sha1(session.encode()).hexdigest() + ".json")).write_text(json.dumps(data))


def test_list_for_session_ok_with_endpoint_from_env(tmp_path):
    write_token(tmp_path)
    fake = FakePortal(DIRECTORY)
    out = sso_portal.list_for_session(
        str(tmp_path), CONFIG, "lab", {"AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:9"}, call=fake
    )
    assert out["status"] == "ok" and out["endpoint"] == "http://127.0.0.1:9"
    assert len(out["accounts"]) == 5 and out["token"]["state"] == "valid"
    assert "secret-token-value" not in json.dumps(out)
    public = sso_portal.list_for_session(str(tmp_path), CONFIG, "lab", {}, call=fake)
    assert public["endpoint"] == "https://portal.sso.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("token", "words"),
    [
        (None, ["no cached token"]),
        (dict(minutes=-5), ["has expired and cannot be refreshed"]),
        (
            dict(
                minutes=-5,
                refreshToken="r",
                clientId="c",
                clientSecret="s",
                registrationExpiresAt="2999-01-01T00:00:00Z",
            ),
            ["can be refreshed"],
        ),
        (dict(start_url="https://other.awsapps.com/start"), ["issued for https://other.awsapps.com/start"]),
    ],
)
def test_login_required_without_a_usable_token(tmp_path, token, words):
    if token is not None:
        write_token(tmp_path, **token)
    fake = FakePortal(DIRECTORY)
    out = sso_portal.list_for_session(str(tmp_path), CONFIG, "lab", {}, call=fake)
    assert out["status"] == "login_required" and fake.requests == []
    assert "aws sso login --sso-session lab" in out["message"]
    for word in words:
        assert word in out["message"]
    assert "secret-token-value" not in json.dumps(out)


def test_missing_session_is_an_error_naming_the_fix(tmp_path):
    out = sso_portal.list_for_session(str(tmp_path), CONFIG, "corp", {}, call=FakePortal(DIRECTORY))
    assert out["status"] == "error"
    assert "no [sso-session corp]" in out["message"] and "sessions found: lab" in out["message"]


def test_a_fifo_at_the_token_path_is_a_clear_error_not_a_hang(tmp_path):
    path = tmp_path / ".aws" / "sso" / "cache" / (hashlib.sha1(b"lab").hexdigest() + ".json")
    path.parent.mkdir(parents=True)
    os.mkfifo(str(path))
    fake = FakePortal(DIRECTORY)
    started = time.monotonic()
    out = sso_portal.list_for_session(str(tmp_path), CONFIG, "lab", {}, call=fake)
    assert time.monotonic() - started < 15
    assert out["status"] == "error" and fake.requests == []
    assert "the SSO token cache could not be read" in out["message"] and "not a regular file" in out["message"]
    assert str(path) in out["message"] and out["token"]["state"] == "missing"
