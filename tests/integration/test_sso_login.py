"""sso_login's OIDC flows against the local Identity Center and the real AWS CLI 2.38.5.

The host side (plugins/module_utils/sso_oidc.py) signs a HOME in; the real CLI
then has to use that sign-in, refresh it by itself, and find files that look
exactly like the ones it writes itself. The module is run through
ansible-playbook at -vvv for users made on this machine, to check that no
secret reaches any output.
"""

import json
import os
import re
import stat
import threading
import time

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_oidc
from tests.integration.test_as_user_security import run_play
from tests.testbed.idc import CliHome
from tests.testbed.users import throwaway_users

PROFILES = {"dev": ("111111111111", "Developer")}


@pytest.fixture
def ours(tmp_path, identity_center, awscli_dist):
    """A second HOME, signed in by us and then used by the real CLI."""
    home = CliHome(awscli_dist / "aws", tmp_path / "ours", identity_center)
    home.write_sso_config(PROFILES)
    yield home
    identity_center.set_settings(device_code_lifetime=600, min_poll_gap=0, poll_interval=1)
    for user in identity_center.directory["users"]:
        identity_center.set_settings(user=user, token_lifetime=None)


def approve_soon(testbed, user_code, user, delay=1.0):
    timer = threading.Timer(delay, testbed.approve, (user_code, user))
    timer.start()
    return timer


def sign_in(home, testbed, user, timeout=30):
    env = dict(testbed.env)
    started = sso_oidc.start_user(str(home.home), None, env)
    assert [s["status"] for s in started] == ["pending"], started
    approve_soon(testbed, started[0]["flow"]["user_code"], user)
    waited = sso_oidc.wait_user(str(home.home), None, env, timeout)
    assert [s["status"] for s in waited] == ["signed_in"], waited
    return started[0], waited[0]


def cache_files(home):
    cache = home.home / ".aws" / "sso" / "cache"
    return {p.name: p for p in cache.iterdir()} if cache.is_dir() else {}


def form(path):
    """The file with every string value blanked: what must match byte for byte."""
    return re.sub(rb'": "[^"]*"', b'": ""', path.read_bytes())


def keys(path):
    return json.loads(path.read_text(), object_pairs_hook=lambda pairs: [k for k, _ in pairs])


def grants(testbed, user):
    return [c["grant"] for c in testbed.calls("CreateToken") if c.get("user") == user]


def test_files_are_the_clis_own_form_and_the_cli_uses_them(sso_cli, ours, identity_center):
    sso_cli.write_sso_config(PROFILES)
    cli_login = sso_cli.login("bob")
    assert cli_login.returncode == 0, cli_login
    start = time.time()
    started, waited = sign_in(ours, identity_center, "carol")
    assert started["flow"]["verification_uri_complete"].endswith("?user_code=" + started["flow"]["user_code"])
    assert waited["token"]["state"] == "valid" and waited["token"]["refreshable"]
    assert time.time() - start < 10

    theirs, mine = cache_files(sso_cli), cache_files(ours)
    # Same names (sha1 of the session; sha1 of the registration arguments),
    # same keys in the same order, same JSON form, same modes.
    assert sorted(mine) == sorted(theirs) and len(mine) == 2
    for name in mine:
        assert keys(mine[name]) == keys(theirs[name]), name
        assert form(mine[name]) == form(theirs[name]), name
        assert stat.S_IMODE(mine[name].stat().st_mode) == stat.S_IMODE(theirs[name].stat().st_mode) == 0o600
        assert not mine[name].read_bytes().endswith(b"\n")
    token = ours.token()
    assert keys(ours.token_file()) == [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", token["expiresAt"])

    res, identity = ours.caller_identity("dev")
    assert res.returncode == 0, res.stderr
    assert identity["Arn"].endswith("/carol") and identity["Account"] == "111111111111"
    # The next `aws sso login` of that HOME reuses our client registration.
    registrations = len(identity_center.calls("RegisterClient"))
    again = ours.login("carol")
    assert again.returncode == 0, again
    assert len(identity_center.calls("RegisterClient")) == registrations


def test_the_cli_refreshes_our_token_by_itself(ours, identity_center):
    identity_center.set_token_lifetime(2, user="dave")
    sign_in(ours, identity_center, "dave")
    before = ours.token()
    time.sleep(3)
    res, identity = ours.caller_identity("dev")
    assert res.returncode == 0, res.stderr
    assert identity["Arn"].endswith("/dave")
    assert grants(identity_center, "dave")[-2:] == ["device_code", "refresh_token"]
    after = ours.token()
    assert after["accessToken"] != before["accessToken"] and after["clientId"] == before["clientId"]


def test_expired_but_refreshable_is_refreshed_without_a_flow(ours, identity_center):
    identity_center.set_token_lifetime(2, user="carol")
    sign_in(ours, identity_center, "carol")
    identity_center.set_settings(user="carol", token_lifetime=3600)
    time.sleep(3)
    flows = len(identity_center.calls("StartDeviceAuthorization"))
    checked = sso_oidc.start_user(str(ours.home), None, dict(identity_center.env), check_mode=True)
    assert [(s["status"], s["token"]["state"]) for s in checked] == [("refresh_needed", "expired_refreshable")]
    result = sso_oidc.start_user(str(ours.home), None, dict(identity_center.env))
    assert [(s["status"], s["changed"]) for s in result] == [("refreshed", True)]
    assert result[0]["token"]["state"] == "valid" and result[0]["token"]["minutes_left"] >= 58
    assert len(identity_center.calls("StartDeviceAuthorization")) == flows
    assert grants(identity_center, "carol")[-1] == "refresh_token"
    # A valid token: nothing is called at all.
    calls = len(identity_center.calls())
    again = sso_oidc.start_user(str(ours.home), None, dict(identity_center.env))
    assert [(s["status"], s["changed"], s["flow"]) for s in again] == [("valid", False, None)]
    assert len(identity_center.calls()) == calls
    ours.clear_credential_cache()
    res, identity = ours.caller_identity("dev")
    assert res.returncode == 0 and identity["Arn"].endswith("/carol"), res.stderr


def test_denied_expired_and_timeout(ours, identity_center):
    env = dict(identity_center.env)
    home = str(ours.home)
    pending_file = sso_oidc.pending_path(home, "lab")
    # Denied: the flow ends at once, no token, no pending file left.
    started = sso_oidc.start_user(home, None, env)[0]
    assert os.stat(pending_file).st_mode & 0o777 == 0o600
    identity_center.deny(started["flow"]["user_code"])
    waited = sso_oidc.wait_user(home, None, env, 30)[0]
    assert (waited["status"], waited["token"]["state"]) == ("denied", "missing")
    assert not os.path.exists(pending_file) and not ours.token_file().exists()
    # Timeout: the flow stays; the next start shows the same code again.
    first = sso_oidc.start_user(home, None, env)[0]
    assert first["flow"]["user_code"] != started["flow"]["user_code"]
    timed = sso_oidc.wait_user(home, None, env, 2)[0]
    assert timed["status"] == "timeout" and os.path.exists(pending_file)
    again = sso_oidc.start_user(home, None, env)[0]
    assert (again["status"], again["flow"]["user_code"], again["changed"]) == (
        "pending",
        first["flow"]["user_code"],
        False,
    )
    # ... and can still be approved.
    approve_soon(identity_center, first["flow"]["user_code"], "alice", 0.5)
    assert sso_oidc.wait_user(home, None, env, 30)[0]["status"] == "signed_in"
    # Expired: nobody approves a short-lived code.
    ours.token_file().unlink()
    identity_center.set_settings(device_code_lifetime=3)
    short = sso_oidc.start_user(home, None, env)[0]
    begun = time.time()
    expired = sso_oidc.wait_user(home, None, env, 60)[0]
    assert expired["status"] == "expired" and time.time() - begun < 15
    assert short["flow"]["expires_at"] == expired["flow"]["expires_at"]
    assert not os.path.exists(pending_file) and not ours.token_file().exists()


def test_slow_down_adds_five_seconds(ours, identity_center):
    identity_center.set_settings(min_poll_gap=3)
    env = dict(identity_center.env)
    started = sso_oidc.start_user(str(ours.home), None, env)[0]
    pending = json.loads(open(sso_oidc.pending_path(str(ours.home), "lab")).read())
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        time.sleep(seconds)

    approve_soon(identity_center, started["flow"]["user_code"], "bob", 3)
    status, reply = sso_oidc.poll(pending, time.time() + 60, sleep=sleep)
    assert status == "signed_in" and reply["accessToken"]
    # interval 1, then SlowDown on the poll 1 s later (gap 3) makes it 6.
    assert slept == [1, 6]


def test_a_session_that_does_not_exist_and_an_unreachable_endpoint(ours, identity_center):
    env = dict(identity_center.env)
    res = sso_oidc.start_user(str(ours.home), ["lab", "nope"], env)
    assert [r["status"] for r in res] == ["pending", "error"]
    assert 'The specified sso-session does not exist: "nope"' in res[1]["msg"]
    os.unlink(sso_oidc.pending_path(str(ours.home), "lab"))
    dead = dict(env, AWS_ENDPOINT_URL_SSO_OIDC="http://127.0.0.1:9")
    res = sso_oidc.start_user(str(ours.home), None, dead)
    assert res[0]["status"] == "error" and "could not reach http://127.0.0.1:9" in res[0]["msg"]
    assert not os.path.exists(sso_oidc.pending_path(str(ours.home), "lab"))


# -- the module, through ansible-playbook at -vvv, for real users ----------------


@pytest.fixture(scope="module")
def lab():
    with throwaway_users(2) as entries:
        yield entries


def _config_for(entry, testbed):
    aws = os.path.join(entry.pw_dir, ".aws")
    os.makedirs(aws, mode=0o700, exist_ok=True)
    with open(os.path.join(aws, "config"), "w") as handle:
        handle.write(
            "[sso-session lab]\nsso_start_url = %s\nsso_region = %s\nsso_registration_scopes = sso:account:access\n\n"
            "[profile dev]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = Developer\n"
            % (testbed.start_url, testbed.region)
        )
    for path in (aws, os.path.join(aws, "config")):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _secrets(entry):
    found = []
    cache = os.path.join(entry.pw_dir, ".aws", "sso", "cache")
    for name in os.listdir(cache):
        data = json.loads(open(os.path.join(cache, name)).read())
        found += [data[k] for k in ("accessToken", "refreshToken", "clientSecret", "deviceCode") if k in data]
    return found


def test_module_two_phases_as_the_users_with_no_secret_in_any_output(tmp_path, lab, identity_center):
    for entry in lab:
        _config_for(entry, identity_center)
    users = [{"user": entry.pw_name} for entry in lab]
    task = {
        "labcloud.aws_sso.sso_login": {"users": users, "state": "started", "cli_environment": identity_center.env},
        "register": "out",
    }
    check = run_play(tmp_path, [task], "--check")
    assert check.returncode == 0 and "sign_in_needed" in check.stdout, check.stdout
    start = run_play(tmp_path, [task, {"ansible.builtin.debug": {"var": "out.pending"}}])
    assert start.returncode == 0, start.stdout
    rows = json.loads(re.search(r'"out.pending": (\[.*?\n    \])', start.stdout, re.S).group(1))
    assert sorted(r["user"] for r in rows) == sorted(e.pw_name for e in lab)
    secrets = [s for entry in lab for s in _secrets(entry)]
    assert len(set(secrets)) == 4  # a device code and a client secret per user
    for entry in lab:
        cache = os.path.join(entry.pw_dir, ".aws", "sso", "cache")
        for name in os.listdir(cache):
            info = os.stat(os.path.join(cache, name))
            assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (entry.pw_uid, 0o600)
    identity_center.approve(rows[0]["user_code"], "alice")
    identity_center.deny(rows[1]["user_code"])
    task["labcloud.aws_sso.sso_login"].update(state="complete", timeout=30)
    done = run_play(tmp_path, [task])
    assert done.returncode == 0, done.stdout
    assert '"status": "signed_in"' in done.stdout and '"status": "denied"' in done.stdout
    secrets += _secrets(next(e for e in lab if e.pw_name == rows[0]["user"]))
    assert len(set(secrets)) == 6
    for run in (check, start, done):
        for secret in secrets:
            assert secret not in run.stdout + run.stderr
    task["labcloud.aws_sso.sso_login"].update(state="present", fail_on=["denied", "expired", "timeout"], timeout=3)
    task["labcloud.aws_sso.sso_login"]["users"] = users[:1] if rows[0]["user"] == lab[0].pw_name else users[1:]
    again = run_play(tmp_path, [task])
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
