"""The local Identity Center, proven against boto3 and the real AWS CLI v2.

The CLI tests drive the pinned CLI (2.38.5 dist) as a subprocess with a
clean environment and a throwaway HOME; the messages they expect are the
CLI's own (see docs/testing.md).
"""

import base64
import hashlib
import json
import re
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import boto3
import botocore
import pytest
from botocore.config import Config

from tests.testbed import idc, paths

SANDBOX = "111111111111"
PROD = "022222222222"  # the leading zero must survive every hop
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ROLE_ARN_RE = r"^arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_[0-9a-f]{{16}}/{user}$"


def assumed_role_re(account, role, user):
    return ROLE_ARN_RE.format(account=account, role=role, user=user)


# -- the server through boto3 -------------------------------------------------


def _clients(url, region="eu-west-1"):
    session = boto3.session.Session(
        region_name=region,
        # The portal and OIDC take no SigV4; these only keep botocore from
        # looking for this machine's credentials.
        aws_access_key_id="unused",
        aws_secret_access_key="unused",
    )
    cfg = Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1})
    return (
        session.client("sso-oidc", endpoint_url=url, config=cfg),
        session.client("sso", endpoint_url=url, config=cfg),
    )


@pytest.fixture(scope="module")
def clients(identity_center):
    return _clients(identity_center.url)


@pytest.fixture(scope="module")
def private_idc():
    """A second portal without moto, for tests that change server-wide
    settings the shared one must keep."""
    server = idc.IdentityCenterServer().start()
    yield server
    server.stop()


def _device_login(oidc, admin, user, start_url, scopes=("sso:account:access",)):
    reg = oidc.register_client(clientName="t", clientType="public", scopes=list(scopes))
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=start_url
    )
    admin.approve(auth["userCode"], user)
    token = oidc.create_token(
        grantType=DEVICE_GRANT,
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        deviceCode=auth["deviceCode"],
    )
    return reg, token


def test_device_flow_and_portal_with_boto3(identity_center, clients):
    oidc, sso = clients
    reg = oidc.register_client(clientName="boto3-test", clientType="public")
    assert reg["clientSecretExpiresAt"] > time.time() + 80 * 86400
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        startUrl=identity_center.start_url,
    )
    assert re.match(r"^[A-Z]{4}-[A-Z]{4}$", auth["userCode"])
    assert auth["verificationUriComplete"].endswith(auth["userCode"])
    assert auth["interval"] == 1
    poll = {
        "grantType": DEVICE_GRANT,
        "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"],
        "deviceCode": auth["deviceCode"],
    }
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        oidc.create_token(**poll)
    assert {"user_code": auth["userCode"]}.items() <= identity_center.pending()[0].items()

    identity_center.approve(auth["userCode"], "alice")
    token = oidc.create_token(**poll)
    assert token["tokenType"] == "Bearer"
    assert token["expiresIn"] == 3600
    assert token["accessToken"] and token["refreshToken"]
    # A device code is good for one token.
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**poll)

    access = token["accessToken"]
    accounts = sso.list_accounts(accessToken=access)["accountList"]
    assert {a["accountId"]: a["accountName"] for a in accounts} == {
        SANDBOX: "sandbox",
        PROD: "production",
    }
    roles = sso.list_account_roles(accessToken=access, accountId=SANDBOX)["roleList"]
    assert sorted(r["roleName"] for r in roles) == ["Developer", "ReadOnly"]

    creds = sso.get_role_credentials(accessToken=access, accountId=PROD, roleName="ReadOnly")["roleCredentials"]
    # Epoch milliseconds, as the real portal sends them.
    assert creds["expiration"] > (time.time() + 3000) * 1000
    sts = boto3.client(
        "sts",
        endpoint_url=identity_center.sts_url,
        region_name="us-east-1",
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        aws_session_token=creds["sessionToken"],
    )
    ident = sts.get_caller_identity()
    assert ident["Account"] == PROD
    assert re.match(assumed_role_re(PROD, "ReadOnly", "alice"), ident["Arn"])
    assert ident["Arn"].split("/")[1] == identity_center.role_arn(PROD, "ReadOnly").rsplit("/", 1)[1]


def test_role_not_assigned_is_forbidden(identity_center, clients):
    oidc, sso = clients
    _reg, token = _device_login(oidc, identity_center, "bob", identity_center.start_url)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sso.get_role_credentials(accessToken=token["accessToken"], accountId=SANDBOX, roleName="Developer")
    assert err.value.response["Error"] == {
        "Code": "ForbiddenException",
        "Message": "No access",
    }
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # An account bob has nothing in: same answer, nothing leaks.
    with pytest.raises(botocore.exceptions.ClientError, match="ForbiddenException"):
        sso.get_role_credentials(accessToken=token["accessToken"], accountId=PROD, roleName="ReadOnly")


def test_wire_shapes_of_errors(identity_center, clients):
    """The raw replies: type in x-amzn-ErrorType, OIDC errors as
    {"error", "error_description"}, portal errors as {"message"}."""
    oidc = clients[0]
    reg = oidc.register_client(clientName="raw", clientType="public")
    auth = oidc.start_device_authorization(
        clientId=reg["clientId"],
        clientSecret=reg["clientSecret"],
        startUrl=identity_center.start_url,
    )
    body = json.dumps(
        {
            "grantType": DEVICE_GRANT,
            "clientId": reg["clientId"],
            "clientSecret": reg["clientSecret"],
            "deviceCode": auth["deviceCode"],
        }
    ).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(f"{identity_center.url}/token", data=body)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(req, timeout=5)
    assert err.value.code == 400
    assert err.value.headers["x-amzn-ErrorType"] == "AuthorizationPendingException"
    assert json.loads(err.value.read())["error"] == "authorization_pending"

    req = urllib.request.Request(
        f"{identity_center.url}/assignment/accounts",
        headers={"x-amz-sso_bearer_token": "not-a-token"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(req, timeout=5)
    assert err.value.code == 401
    assert err.value.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert "message" in json.loads(err.value.read())


def test_refresh_rotates_and_revocation_ends_the_session(identity_center, clients):
    oidc, sso = clients
    reg, token = _device_login(oidc, identity_center, "erin", identity_center.start_url)
    refresh = {
        "grantType": "refresh_token",
        "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"],
    }
    new = oidc.create_token(refreshToken=token["refreshToken"], **refresh)
    assert new["accessToken"] != token["accessToken"]
    assert sso.list_accounts(accessToken=new["accessToken"])["accountList"]
    # The old refresh token was spent.
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(refreshToken=token["refreshToken"], **refresh)
    # Another client cannot use this client's refresh token.
    other = oidc.register_client(clientName="other", clientType="public")
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(
            grantType="refresh_token",
            clientId=other["clientId"],
            clientSecret=other["clientSecret"],
            refreshToken=new["refreshToken"],
        )
    with pytest.raises(oidc.exceptions.InvalidClientException):
        oidc.create_token(
            grantType="refresh_token",
            clientId=reg["clientId"],
            clientSecret="wrong",
            refreshToken=new["refreshToken"],
        )

    assert identity_center.revoke("erin")["revoked"] >= 2
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=new["accessToken"])
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(refreshToken=new["refreshToken"], **refresh)


def test_expiry_lifetime_and_expire_tokens(identity_center, clients):
    oidc, sso = clients
    identity_center.set_token_lifetime(1, user="erin")
    try:
        _reg, token = _device_login(oidc, identity_center, "erin", identity_center.start_url)
    finally:
        identity_center.set_token_lifetime(None, user="erin")
    assert token["expiresIn"] == 1
    time.sleep(1.2)
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])

    _reg, token = _device_login(oidc, identity_center, "erin", identity_center.start_url)
    assert token["expiresIn"] == 3600
    assert identity_center.expire_tokens(user="erin")["expired"] >= 1
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])


def test_logout_invalidates_the_token(identity_center, clients):
    oidc, sso = clients
    reg, token = _device_login(oidc, identity_center, "erin", identity_center.start_url)
    sso.logout(accessToken=token["accessToken"])
    assert identity_center.calls("Logout")[-1]["user"] == "erin"
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(
            grantType="refresh_token",
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            refreshToken=token["refreshToken"],
        )


def test_pkce_authorization_code_exchange(identity_center, clients):
    oidc = clients[0]
    reg = oidc.register_client(
        clientName="pkce",
        clientType="public",
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
        issuerUrl=identity_center.start_url,
        scopes=["sso:account:access"],
    )
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    redirect = "http://127.0.0.1:4567/oauth/callback"
    url = (
        f"{identity_center.url}/authorize?response_type=code&client_id={reg['clientId']}"
        f"&redirect_uri={urllib.parse.quote(redirect, safe='')}&state=s1"
        f"&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess"
        f"&code_challenge={challenge.rstrip('=')}"
    )
    location = identity_center.authorize(url, "alice")
    assert location.startswith(redirect + "?")
    query = dict(urllib.parse.parse_qsl(location.split("?", 1)[1]))
    assert query["state"] == "s1"
    exchange = {
        "grantType": "authorization_code",
        "clientId": reg["clientId"],
        "clientSecret": reg["clientSecret"],
        "redirectUri": redirect,
        "code": query["code"],
    }
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(codeVerifier="w" * 64, **exchange)
    # A failed exchange burns the code, as a stolen code must not be retried.
    location = identity_center.authorize(url, "alice")
    exchange["code"] = dict(urllib.parse.parse_qsl(location.split("?", 1)[1]))["code"]
    token = oidc.create_token(codeVerifier=verifier, **exchange)
    assert token["accessToken"] and token["refreshToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(codeVerifier=verifier, **exchange)
    # A device-flow client may not use the authorization-code grant.
    plain = oidc.register_client(clientName="plain", clientType="public")
    with pytest.raises(oidc.exceptions.UnauthorizedClientException):
        oidc.create_token(
            **{
                **exchange,
                "clientId": plain["clientId"],
                "clientSecret": plain["clientSecret"],
            },
            codeVerifier=verifier,
        )


def test_denied_expired_and_slow_device_codes(private_idc):
    oidc = _clients(private_idc.url)[0]
    admin = idc.AdminClient(private_idc.url, None, "eu-west-1")
    store = private_idc.store
    start_url = private_idc.directory["start_url"]
    reg = oidc.register_client(clientName="t", clientType="public")
    ids = {"clientId": reg["clientId"], "clientSecret": reg["clientSecret"]}

    auth = oidc.start_device_authorization(startUrl=start_url, **ids)
    admin.deny(auth["userCode"])
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        oidc.create_token(grantType=DEVICE_GRANT, deviceCode=auth["deviceCode"], **ids)

    store.set_settings({"device_code_lifetime": 0})
    try:
        auth = oidc.start_device_authorization(startUrl=start_url, **ids)
    finally:
        store.set_settings({"device_code_lifetime": 600})
    with pytest.raises(oidc.exceptions.ExpiredTokenException):
        oidc.create_token(grantType=DEVICE_GRANT, deviceCode=auth["deviceCode"], **ids)

    store.set_settings({"min_poll_gap": 5})
    try:
        auth = oidc.start_device_authorization(startUrl=start_url, **ids)
        poll = {"grantType": DEVICE_GRANT, "deviceCode": auth["deviceCode"], **ids}
        with pytest.raises(oidc.exceptions.AuthorizationPendingException):
            oidc.create_token(**poll)
        with pytest.raises(oidc.exceptions.SlowDownException):
            oidc.create_token(**poll)
    finally:
        store.set_settings({"min_poll_gap": 0})

    with pytest.raises(oidc.exceptions.InvalidRequestException):
        oidc.start_device_authorization(startUrl="https://elsewhere.test/start", **ids)
    with pytest.raises(oidc.exceptions.InvalidClientException):
        oidc.start_device_authorization(startUrl=start_url, clientId=reg["clientId"], clientSecret="nope")


def test_directory_validation(tmp_path):
    with pytest.raises(idc.DirectoryError, match="quoted 12-digit"):
        idc.load_directory({"accounts": {22222222222: {"name": "p"}}})
    with pytest.raises(idc.DirectoryError, match="unknown account"):
        idc.load_directory(
            {
                "accounts": {SANDBOX: {"name": "s"}},
                "users": {"u": {"access": {PROD: ["R"]}}},
            }
        )
    path = tmp_path / "dir.yml"
    path.write_text(
        "region: us-west-2\n"
        "accounts:\n  '000000000001': {name: tiny}\n"
        "users:\n  zed:\n    access:\n      '000000000001': [Admin]\n"
        "settings: {token_lifetime: 60}\n"
    )
    loaded = idc.load_directory(path)
    assert loaded["users"]["zed"]["access"] == {"000000000001": ["Admin"]}
    assert loaded["settings"]["token_lifetime"] == 60
    assert loaded["start_url"] is None


# -- the real AWS CLI v2 ---------------------------------------------------------

PROFILES = {
    "dev": (SANDBOX, "Developer"),
    "prod-ro": (PROD, "ReadOnly"),
    "admin": (SANDBOX, "AdministratorAccess"),
}


def _assert_failed(res, message):
    assert res.returncode != 0, res
    assert message in res.stderr, res.stderr


def test_cli_device_code_login_and_identity(sso_cli, identity_center):
    sso_cli.write_sso_config(PROFILES)
    login = sso_cli.login("alice")
    assert login.returncode == 0, login
    assert login.user_code
    assert f"Successfully logged into Start URL: {identity_center.start_url}" in (login.stdout)

    cache = sso_cli.token_file()
    assert cache.name == hashlib.sha1(b"lab").hexdigest() + ".json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    token = sso_cli.token()
    assert set(token) == {
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    }
    assert token["startUrl"] == identity_center.start_url
    assert token["region"] == identity_center.region
    expires = datetime.fromisoformat(token["expiresAt"])
    remaining = (expires - datetime.now(UTC)).total_seconds()
    assert 3500 < remaining <= 3600
    # The token really is the one the server issued to alice.
    assert identity_center.store.access_tokens[token["accessToken"]]["user"] == "alice"

    res, ident = sso_cli.caller_identity("dev")
    assert res.returncode == 0, res
    assert ident["Account"] == SANDBOX
    assert re.match(assumed_role_re(SANDBOX, "Developer", "alice"), ident["Arn"])
    res, ident = sso_cli.caller_identity("prod-ro")
    assert res.returncode == 0, res
    assert ident["Account"] == PROD
    assert re.match(assumed_role_re(PROD, "ReadOnly", "alice"), ident["Arn"])


def test_cli_role_not_assigned_is_refused(sso_cli):
    sso_cli.write_sso_config(PROFILES)
    assert sso_cli.login("alice").returncode == 0
    res = sso_cli.run("sts", "get-caller-identity", "--profile", "admin")
    _assert_failed(
        res,
        "An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access",
    )


def test_cli_missing_token(sso_cli):
    sso_cli.write_sso_config(PROFILES)
    res = sso_cli.run("sts", "get-caller-identity", "--profile", "dev")
    _assert_failed(res, "Error loading SSO Token: Token for lab does not exist")


def test_cli_expired_token_without_refresh(sso_cli, identity_center):
    sso_cli.write_sso_config(PROFILES)
    identity_center.set_token_lifetime(2, user="carol")
    login = sso_cli.login("carol")
    assert login.returncode == 0, login
    identity_center.revoke("carol", refresh_only=True)
    time.sleep(2.5)
    sso_cli.clear_credential_cache()
    res = sso_cli.run("sts", "get-caller-identity", "--profile", "dev")
    _assert_failed(
        res,
        "Error when retrieving token from sso: Token has expired and refresh failed",
    )


def test_cli_refreshes_an_expired_token(sso_cli, identity_center):
    sso_cli.write_sso_config(PROFILES)
    identity_center.set_token_lifetime(2, user="carol")
    assert sso_cli.login("carol").returncode == 0
    before = sso_cli.token()
    identity_center.set_token_lifetime(None, user="carol")
    time.sleep(2.5)
    sso_cli.clear_credential_cache()
    res, ident = sso_cli.caller_identity("dev")
    assert res.returncode == 0, res
    assert re.match(assumed_role_re(SANDBOX, "Developer", "carol"), ident["Arn"])
    after = sso_cli.token()
    assert after["accessToken"] != before["accessToken"]
    assert after["refreshToken"] != before["refreshToken"]
    assert after["expiresAt"] > before["expiresAt"]
    assert identity_center.calls("CreateToken")[-1]["grant"] == "refresh_token"


def test_cli_revoked_session_is_refused_by_the_portal(sso_cli, identity_center):
    sso_cli.write_sso_config(PROFILES)
    assert sso_cli.login("dave").returncode == 0
    identity_center.revoke("dave")
    sso_cli.clear_credential_cache()
    res = sso_cli.run("sts", "get-caller-identity", "--profile", "dev")
    _assert_failed(
        res,
        "The SSO session associated with this profile has expired or is otherwise invalid",
    )


def test_cli_logout(sso_cli, identity_center):
    sso_cli.write_sso_config(PROFILES)
    assert sso_cli.login("dave").returncode == 0
    res = sso_cli.caller_identity("dev")[0]
    assert res.returncode == 0, res
    assert list((sso_cli.home / ".aws" / "cli" / "cache").glob("*.json"))
    access = sso_cli.token()["accessToken"]
    logouts = len(identity_center.calls("Logout"))

    res = sso_cli.run("sso", "logout")
    assert res.returncode == 0, res
    assert len(identity_center.calls("Logout")) == logouts + 1
    assert not sso_cli.token_file().exists()
    assert not list((sso_cli.home / ".aws" / "cli" / "cache").glob("*.json"))
    assert access not in identity_center.store.access_tokens
    res = sso_cli.run("sts", "get-caller-identity", "--profile", "dev")
    _assert_failed(res, "Token for lab does not exist")


def test_cli_authorization_code_login(sso_cli, identity_center):
    """The CLI's default flow since 2.22: PKCE with a loopback callback;
    the test plays the browser."""
    sso_cli.write_sso_config(PROFILES)
    login = sso_cli.login("alice", device_code=False)
    assert login.returncode == 0, login
    assert login.user_code is None
    assert f"{identity_center.url}/authorize?" in login.stdout
    assert identity_center.calls("CreateToken")[-1]["grant"] == "authorization_code"
    assert set(sso_cli.token()) >= {"accessToken", "refreshToken", "clientSecret"}
    res, ident = sso_cli.caller_identity("dev")
    assert res.returncode == 0, res
    assert re.match(assumed_role_re(SANDBOX, "Developer", "alice"), ident["Arn"])


def test_cli_pending_login_waits_for_approval(sso_cli, identity_center):
    """Nobody approves: the CLI keeps polling until the device code expires
    (10 minutes), and nothing is cached meanwhile."""
    sso_cli.write_sso_config(PROFILES)
    argv = [sso_cli.aws, "sso", "login", "--no-browser", "--use-device-code"]
    proc = subprocess.Popen(
        [*argv, "--sso-session", "lab"],
        env=sso_cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        code = None
        for line in proc.stdout:
            if m := idc.USER_CODE_RE.match(line.strip()):
                code = m.group(1)
                break
        assert code, "the CLI printed no user code"
        polls = len(identity_center.calls("CreateToken"))
        time.sleep(3)
        assert proc.poll() is None
        assert code in [p["user_code"] for p in identity_center.pending()]
        assert len(identity_center.calls("CreateToken")) == polls
        assert not sso_cli.token_file().exists()
    finally:
        proc.kill()
        proc.wait()


def test_daemon_start_env_stop(tmp_path):
    """`python -m tests.testbed.idc start` runs in the background with its
    own directory file and is controlled through its state file."""
    directory = tmp_path / "directory.json"
    directory.write_text(
        json.dumps(
            {
                "region": "ap-southeast-2",
                "accounts": {"000000000042": {"name": "answer"}},
                "users": {"zed": {"access": {"000000000042": ["Admin"]}}},
            }
        )
    )
    env = {"PATH": "/usr/bin:/bin", "LABCLOUD_CACHE": str(tmp_path / "cache")}

    def idc_cmd(*args):
        return subprocess.run(
            [sys.executable, "-m", "tests.testbed.idc", *args],
            cwd=paths.REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    started = idc_cmd("start", "--directory", str(directory))
    try:
        assert started.returncode == 0, started
        printed = dict(line.split("=", 1) for line in started.stdout.split())
        assert printed["AWS_ENDPOINT_URL_SSO"].startswith("http://127.0.0.1:")
        assert printed["AWS_ENDPOINT_URL_SSO_OIDC"] == printed["AWS_ENDPOINT_URL_SSO"]
        assert printed["AWS_ENDPOINT_URL_STS"].startswith("http://127.0.0.1:")
        assert printed["LABCLOUD_IDC_REGION"] == "ap-southeast-2"
        # A second start reuses the running server.
        again = idc_cmd("start", "--export")
        assert f"export AWS_ENDPOINT_URL_SSO={printed['AWS_ENDPOINT_URL_SSO']}" in (again.stdout)
        admin = idc.AdminClient(printed["AWS_ENDPOINT_URL_SSO"], printed["AWS_ENDPOINT_URL_STS"], "x")
        assert list(admin.summary()["directory"]["users"]) == ["zed"]
        oidc, sso = _clients(printed["AWS_ENDPOINT_URL_SSO"])
        _reg, token = _device_login(oidc, admin, "zed", "https://any.example/start")
        assert sso.list_accounts(accessToken=token["accessToken"])["accountList"] == [
            {
                "accountId": "000000000042",
                "accountName": "answer",
                "emailAddress": "answer@example.invalid",
            }
        ]
        assert idc_cmd("revoke", "zed").stdout.strip() == '{"revoked": 2}'
        assert idc_cmd("env").returncode == 0
    finally:
        assert idc_cmd("stop").returncode == 0
    assert idc_cmd("env").returncode == 1
    assert not (tmp_path / "cache" / "run" / "idc.json").exists()
