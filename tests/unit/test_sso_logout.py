"""Unit tests of sign-out (module_utils/sso_logout.py): which sign-ins are ended where,
what the portal's answers become, which files go and which stay, and the sso role's plan.

The portal is replaced by a recorder; the real one (local Identity Center) is
tests/integration/test_sso_logout.py's.
"""

import hashlib
import json
import os

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_logout, sso_oidc
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_http import EndpointError, ServiceError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.sso_plan import plan

START = "https://lab.awsapps.com/start"
LEGACY = "https://old.awsapps.com/start"
CONFIG = """\
[sso-session lab]
sso_start_url = %s
sso_region = eu-west-1

[sso-session idle]
sso_start_url = https://idle.awsapps.com/start
sso_region = us-east-1

[profile dev]
sso_session = lab
sso_account_id = 111111111111
sso_role_name = Dev

[profile old]
sso_start_url = %s
sso_region = us-west-2
sso_account_id = 111111111111
sso_role_name = Dev

[default]
services = vpce

[services vpce]
sso =
  endpoint_url = https://portal.vpce.example
sso_oidc =
  endpoint_url = https://oidc.vpce.example
""" % (START, LEGACY)
SECRETS = ("ACCESS-lab", "REFRESH-lab", "SECRET-lab", "ACCESS-old", "CLIENT-SECRET", "ROLE-SECRET")


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def write(path, document, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(document if isinstance(document, str) else json.dumps(document))
    os.chmod(path, mode)
    return path


@pytest.fixture
def home(tmp_path):
    """A home signed in to `lab` (refreshable) and the legacy profile, with a
    client registration, a pending sign-in and cached role credentials."""
    aws = tmp_path / ".aws"
    write(str(aws / "config"), CONFIG)
    cache = aws / "sso" / "cache"
    write(
        str(cache / (sha1("lab") + ".json")),
        {
            "startUrl": START,
            "region": "eu-west-1",
            "accessToken": "ACCESS-lab",
            "expiresAt": "2026-05-01T13:00:00Z",
            "clientId": "CLIENT-lab",
            "clientSecret": "SECRET-lab",
            "registrationExpiresAt": "2099-08-01T12:00:00Z",
            "refreshToken": "REFRESH-lab",
        },
    )
    write(
        str(cache / (sha1(LEGACY) + ".json")),
        {"startUrl": LEGACY, "region": "us-west-2", "accessToken": "ACCESS-old", "expiresAt": "2026-05-01T13:00:00Z"},
    )
    write(str(cache / "0123registration.json"), {"clientId": "C", "clientSecret": "CLIENT-SECRET", "expiresAt": "x"})
    write(str(cache / "labcloud-login-abc.json"), {"deviceCode": "D", "clientSecret": "CLIENT-SECRET"})
    write(str(aws / "cli" / "cache" / "role.json"), {"ProviderType": "sso", "Credentials": {"x": "ROLE-SECRET"}})
    return tmp_path


class Portal:
    """Stands in for the portal and OIDC: records calls, answers as told."""

    def __init__(self, monkeypatch):
        self.calls = []
        self.logout_answers = {}  # token -> exception to raise
        self.refresh_answer = {"accessToken": "ACCESS-fresh"}
        monkeypatch.setattr(sso_logout, "portal", self.portal)
        monkeypatch.setattr(sso_oidc, "call", self.call)

    def portal(self, method, base_url, path, token, **kwargs):
        self.calls.append(("portal", method, base_url, path, token))
        problem = self.logout_answers.get(token)
        if problem:
            raise problem
        return {}

    def call(self, method, base_url, path, body=None, **kwargs):
        self.calls.append(("oidc", method, base_url, path, body.get("grantType")))
        if isinstance(self.refresh_answer, Exception):
            raise self.refresh_answer
        return self.refresh_answer


@pytest.fixture
def portal(monkeypatch):
    return Portal(monkeypatch)


def files(home):
    found = []
    for base, _dirs, names in os.walk(str(home / ".aws")):
        found += [os.path.relpath(os.path.join(base, n), str(home)) for n in names]
    return sorted(found)


def by_file(result):
    return {row["file"]: row for row in result["sessions"]}


def test_every_sign_in_is_ended_where_the_cli_would_and_every_cache_file_goes(home, portal):
    result = sso_logout.sign_out(str(home), {})
    rows = by_file(result)
    lab, old = rows[sha1("lab") + ".json"], rows[sha1(LEGACY) + ".json"]
    assert (lab["session"], lab["start_url"], lab["region"], lab["status"]) == ("lab", START, "eu-west-1", "signed_out")
    assert (old["session"], old["start_url"], old["region"], old["status"]) == (None, LEGACY, "us-west-2", "signed_out")
    # The idle session was never signed in: named, nothing called for it.
    assert rows[sha1("idle") + ".json"]["status"] == "not_signed_in"
    # [default]'s services block decides the endpoint, as for the CLI's logout.
    assert sorted(portal.calls) == [
        ("portal", "POST", "https://portal.vpce.example", "/logout", "ACCESS-lab"),
        ("portal", "POST", "https://portal.vpce.example", "/logout", "ACCESS-old"),
    ]
    assert files(home) == [".aws/config"]
    assert result["removed"]["count"] == 5 and result["changed"] and result["kept"] == []
    assert all(path.startswith(str(home)) for path in result["removed"]["files"])
    assert not any(secret in json.dumps(result) for secret in SECRETS)


def test_the_declared_environment_wins_and_a_public_endpoint_is_the_default(home, portal):
    sso_logout.sign_out(str(home), {"AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:8"})
    assert {c[2] for c in portal.calls} == {"http://127.0.0.1:8"}
    config = sso_logout.SsoConfig("[profile x]\nregion = eu-west-1\n")
    where = sso_logout._endpoints(config, {"AWS_PROFILE": "x"}, "ap-south-1")
    assert where["portal"] == "https://portal.sso.ap-south-1.amazonaws.com"
    assert where["oidc"] == "https://oidc.ap-south-1.amazonaws.com"


def test_check_mode_calls_nothing_and_removes_nothing(home, portal):
    before = files(home)
    result = sso_logout.sign_out(str(home), {}, check_mode=True)
    assert portal.calls == [] and files(home) == before
    assert {r["status"] for r in result["sessions"]} == {"would_sign_out", "not_signed_in"}
    assert result["removed"]["count"] == 5 and result["changed"]


def test_an_expired_token_is_refreshed_once_to_end_its_sign_in(home, portal):
    portal.logout_answers["ACCESS-lab"] = ServiceError(401, "UnauthorizedException", "Session token not found")
    row = by_file(sso_logout.sign_out(str(home), {}))[sha1("lab") + ".json"]
    assert row["status"] == "signed_out" and "refreshed once" in row["msg"]
    assert ("oidc", "POST", "https://oidc.vpce.example", "/token", "refresh_token") in portal.calls
    assert ("portal", "POST", "https://portal.vpce.example", "/logout", "ACCESS-fresh") in portal.calls
    assert "ACCESS-fresh" not in row["msg"]


def test_a_token_nobody_can_use_any_more_is_already_ended(home, portal):
    portal.logout_answers["ACCESS-lab"] = ServiceError(401, "UnauthorizedException", "")
    portal.refresh_answer = ServiceError(400, "InvalidGrantException", "")
    portal.logout_answers["ACCESS-old"] = ServiceError(401, "UnauthorizedException", "")
    rows = by_file(sso_logout.sign_out(str(home), {}))
    lab, old = rows[sha1("lab") + ".json"], rows[sha1(LEGACY) + ".json"]
    assert lab["status"] == old["status"] == "already_ended"
    assert "already ended or expired" in lab["msg"]
    # The legacy token has no refresh token: no refresh was tried for it.
    assert [c for c in portal.calls if c[0] == "oidc"] == [
        ("oidc", "POST", "https://oidc.vpce.example", "/token", "refresh_token")
    ]
    assert files(home) == [".aws/config"]


def test_an_unreachable_portal_still_removes_the_files_and_says_so(home, portal):
    portal.logout_answers["ACCESS-lab"] = EndpointError("could not reach https://portal.vpce.example: refused")
    portal.logout_answers["ACCESS-old"] = ServiceError(500, "InternalServerException", "boom")
    rows = by_file(sso_logout.sign_out(str(home), {}))
    assert rows[sha1("lab") + ".json"]["status"] == "failed"
    assert "could not reach" in rows[sha1("lab") + ".json"]["msg"]
    assert "InternalServerException (HTTP 500)" in rows[sha1(LEGACY) + ".json"]["msg"]
    assert files(home) == [".aws/config"]


def test_links_go_without_being_read_and_what_is_not_the_users_stays(home, portal, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "token.json"
    write(str(outside), {"accessToken": "LINKED", "region": "eu-west-1", "expiresAt": "2026-05-01T13:00:00Z"})
    cache = home / ".aws" / "sso" / "cache"
    os.symlink(str(outside), str(cache / "linked.json"))
    os.mkdir(str(cache / "dir.json"))
    os.mkfifo(str(home / ".aws" / "cli" / "cache" / "fifo.json"))
    result = sso_logout.sign_out(str(home), {})
    assert "LINKED" not in [c[4] for c in portal.calls]
    assert not os.path.lexists(str(cache / "linked.json")) and outside.exists()
    assert sorted(k["path"] for k in result["kept"]) == [
        str(home / ".aws" / "cli" / "cache" / "fifo.json"),
        str(cache / "dir.json"),
    ]
    assert {k["reason"] for k in result["kept"]} == {"not a regular file"}


def test_someone_elses_file_is_neither_read_nor_removed():
    info = os.stat_result((0o100600, 0, 0, 1, 4242, 0, 0, 0, 0, 0))
    assert "belongs to uid 4242" in sso_logout.removable(info, 1000)
    assert sso_logout.removable(info, 4242) is None
    link = os.stat_result((0o120777, 0, 0, 1, 1000, 0, 0, 0, 0, 0))
    assert sso_logout.removable(link, 1000) is None


def test_no_config_and_no_cache_is_nothing_to_do(tmp_path, portal):
    result = sso_logout.sign_out(str(tmp_path), {})
    assert result == {
        "changed": False,
        "sessions": [],
        "removed": {"count": 0, "files": []},
        "kept": [],
        "config_problem": None,
    }


def test_a_broken_config_still_signs_out_with_the_token_files_region(home, portal):
    with open(str(home / ".aws" / "config"), "a") as handle:
        handle.write("[profile dev]\nregion = x\n")
    result = sso_logout.sign_out(str(home), {})
    assert "not used" in result["config_problem"]
    assert {c[2] for c in portal.calls} == {
        "https://portal.sso.eu-west-1.amazonaws.com",
        "https://portal.sso.us-west-2.amazonaws.com",
    }
    assert {r["status"] for r in result["sessions"]} == {"signed_out"}


def test_a_token_without_region_is_reported_and_removed(tmp_path, portal):
    write(
        str(tmp_path / ".aws" / "sso" / "cache" / "x.json"), {"accessToken": "A", "expiresAt": "2026-05-01T13:00:00Z"}
    )
    result = sso_logout.sign_out(str(tmp_path), {})
    assert [(r["status"], r["msg"]) for r in result["sessions"]] == [
        ("failed", "the token file names no region and no sso-session of the config has it")
    ]
    assert portal.calls == [] and result["removed"]["count"] == 1


def test_the_sso_role_plans_one_sign_out_per_absent_user():
    defaults = {"profiles": "all", "default_profile": "", "region": "", "env": {}, "shells": "auto"}
    sessions = [{"name": "lab", "sso_start_url": START, "sso_region": "eu-west-1"}]
    profiles = [{"name": "dev", "sso_session": "lab", "sso_account_id": "111111111111", "sso_role_name": "Dev"}]
    passwd = {"alice": [], "carol": [], "dave": []}
    users = ["alice", {"user": "carol", "state": "absent"}, {"user": "dave", "state": "absent"}, "zed"]
    out = plan(users, defaults, sessions, profiles, [], passwd, "skip")
    assert out["logout"] == [{"user": "carol"}, {"user": "dave"}]
    assert [e["user"] for e in out["identity"]] == ["alice"]
    assert plan(["alice"], defaults, sessions, profiles, [], passwd)["logout"] == []


def test_a_registration_that_has_expired_is_not_used_to_refresh(home, portal):
    path = home / ".aws" / "sso" / "cache" / (sha1("lab") + ".json")
    token = json.loads(path.read_text())
    write(str(path), dict(token, registrationExpiresAt="2020-01-01T00:00:00Z"))
    portal.logout_answers["ACCESS-lab"] = ServiceError(401, "UnauthorizedException", "")
    row = by_file(sso_logout.sign_out(str(home), {}))[sha1("lab") + ".json"]
    assert row["status"] == "already_ended"
    assert [c for c in portal.calls if c[0] == "oidc"] == []


def test_a_file_that_cannot_be_removed_is_kept_and_named_and_the_others_go(home, portal, monkeypatch):
    stuck = str(home / ".aws" / "cli" / "cache" / "role.json")
    real_unlink = os.unlink

    def unlink(path):
        if path == stuck:
            raise PermissionError(1, "Operation not permitted", path)
        real_unlink(path)

    monkeypatch.setattr(sso_logout.os, "unlink", unlink)
    result = sso_logout.sign_out(str(home), {})
    assert result["kept"] == [{"path": stuck, "reason": "could not be removed: Operation not permitted"}]
    assert result["removed"]["count"] == 4 and files(home) == [".aws/cli/cache/role.json", ".aws/config"]
