"""[services NAME] blocks written by aws_config, used by the real AWS CLI v2.

The CLI runs without any AWS_ENDPOINT_URL* variable: the only way it can
find the local Identity Center (SSO-OIDC and the portal on one port) and
moto's STS is the services block the module wrote. A dead proxy for
everything but loopback makes sure a client that ignored the block fails
at once instead of reaching AWS, and --debug shows where it went instead.
"""

import json
import re
import time

import pytest

from tests.integration.test_aws_config_playbooks import ansible_playbook
from tests.testbed import idc

SANDBOX = "111111111111"
DEAD = "http://127.0.0.1:9"
NO_ROUTE_OUT = {"HTTPS_PROXY": DEAD, "HTTP_PROXY": DEAD, "NO_PROXY": "127.0.0.1,localhost"}

PLAY = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - labcloud.aws_sso.aws_config:
        path: "{{ config_path }}"
        sso_sessions: "{{ sessions }}"
        profiles: "{{ profiles }}"
        services: "{{ services }}"
      register: result
    - ansible.builtin.copy:
        content: "{{ result | to_json }}"
        dest: "{{ result_path }}"
        mode: "0600"
"""


class EndpointsFromConfigOnly(idc.CliHome):
    """The testbed's CLI home without the endpoint variables it normally sets."""

    @property
    def env(self):
        return idc.clean_env(self.home, {}, NO_ROUTE_OUT)


@pytest.fixture
def cli(sso_cli, identity_center):
    home = EndpointsFromConfigOnly(sso_cli.aws, sso_cli.home, identity_center)
    assert not [name for name in home.env if name.startswith("AWS_ENDPOINT_URL")]
    return home


def services_block(identity_center, **overrides):
    endpoints = {
        "sts": identity_center.sts_url,
        "sso": identity_center.url,
        "sso_oidc": identity_center.url,
    }
    endpoints.update(overrides)
    return {"name": "lab-endpoints", "endpoints": {sid: {"endpoint_url": url} for sid, url in endpoints.items()}}


def declare(tmp_path, cli, identity_center, services, profile_services="lab-endpoints", default_services=None):
    """Write the config with the module through ansible-playbook; return the task's result."""
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    result_path = tmp_path / "result.json"
    dev = {
        "name": "dev",
        "sso_session": "lab",
        "sso_account_id": SANDBOX,
        "sso_role_name": "Developer",
        "region": identity_center.region,
        "output": "json",
    }
    if profile_services:
        dev["services"] = profile_services
    profiles = [dev]
    if default_services:
        profiles.append({"name": "default", "region": identity_center.region, "services": default_services})
    extra = {
        "config_path": str(cli.config_file),
        "result_path": str(result_path),
        "sessions": [{"name": "lab", "sso_start_url": identity_center.start_url, "sso_region": identity_center.region}],
        "profiles": profiles,
        "services": services,
    }
    run = ansible_playbook(play, extra)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(result_path.read_text())


def operations(identity_center, since):
    return [(call["operation"], call.get("grant")) for call in identity_center.calls()[since:]]


def test_sign_in_role_credentials_and_sts_go_through_the_profiles_services_block(tmp_path, cli, identity_center):
    result = declare(tmp_path, cli, identity_center, [services_block(identity_center)])
    assert result["services_added"] == ["lab-endpoints"]
    assert f"[services lab-endpoints]\nsts =\n    endpoint_url = {identity_center.sts_url}\n" in (
        cli.config_file.read_text()
    )

    before = len(identity_center.calls())
    login = cli.login("alice", "--profile", "dev")
    assert login.returncode == 0, login
    assert operations(identity_center, before) == [
        ("RegisterClient", None),
        ("StartDeviceAuthorization", None),
        ("CreateToken", "device_code"),
    ]

    before = len(identity_center.calls())
    res, ident = cli.caller_identity("dev")
    assert res.returncode == 0, res
    # GetRoleCredentials reached the local portal; the role credentials it
    # minted exist only in moto, so STS answered from moto too.
    assert operations(identity_center, before) == [("GetRoleCredentials", None)]
    assert ident["Account"] == SANDBOX
    assert re.search(r":assumed-role/AWSReservedSSO_Developer_[0-9a-f]+/alice$", ident["Arn"])

    # The sts entry, not luck, sent the call there: a dead one fails it.
    result = declare(tmp_path, cli, identity_center, [services_block(identity_center, sts=DEAD)])
    assert result["services_updated"] == ["lab-endpoints"] and result["changed"]
    res = cli.run("sts", "get-caller-identity", "--profile", "dev")
    assert res.returncode == 255
    assert f'Could not connect to the endpoint URL: "{DEAD}/"' in res.stderr


def test_token_refresh_goes_through_the_profiles_services_block(tmp_path, cli, identity_center):
    declare(tmp_path, cli, identity_center, [services_block(identity_center)])
    identity_center.set_token_lifetime(2, user="carol")
    assert cli.login("carol", "--profile", "dev").returncode == 0
    identity_center.set_token_lifetime(None, user="carol")
    old = cli.token()["accessToken"]
    time.sleep(2.5)
    cli.clear_credential_cache()
    before = len(identity_center.calls())
    res, ident = cli.caller_identity("dev")
    assert res.returncode == 0, res
    assert operations(identity_center, before) == [("CreateToken", "refresh_token"), ("GetRoleCredentials", None)]
    assert cli.token()["accessToken"] != old
    assert ident["Arn"].endswith("/carol")


def test_sso_login_by_session_reads_the_default_profiles_services(tmp_path, cli, identity_center):
    declare(
        tmp_path,
        cli,
        identity_center,
        [services_block(identity_center)],
        profile_services=None,
        default_services="lab-endpoints",
    )
    before = len(identity_center.calls())
    login = cli.login("alice", "--sso-session", "lab")
    assert login.returncode == 0, login
    assert ("CreateToken", "device_code") in operations(identity_center, before)
    # dev has no services of its own: its role credentials go to the public portal.
    res = cli.run("sts", "get-caller-identity", "--profile", "dev", "--debug")
    assert res.returncode == 255
    assert "url=https://portal.sso.%s.amazonaws.com/federation/credentials" % identity_center.region in res.stderr


def test_services_in_an_sso_session_block_are_ignored_by_the_cli(cli, identity_center):
    """Why aws_config refuses services on an sso-session: written by hand, the CLI never reads it."""
    url = identity_center.url
    cli.write_config(
        f"[sso-session lab]\nsso_start_url = {identity_center.start_url}\nsso_region = {identity_center.region}\n"
        "services = lab-endpoints\n\n"
        f"[profile dev]\nsso_session = lab\nsso_account_id = {SANDBOX}\nsso_role_name = Developer\n\n"
        f"[services lab-endpoints]\nsso =\n    endpoint_url = {url}\nsso_oidc =\n    endpoint_url = {url}\n"
        f"sts =\n    endpoint_url = {identity_center.sts_url}\n"
    )
    public = "https://oidc.%s.amazonaws.com/client/register" % identity_center.region
    before = len(identity_center.calls())
    for how in (["--sso-session", "lab"], ["--profile", "dev"]):
        argv = [cli.aws, "sso", "login", "--no-browser", "--use-device-code", *how, "--debug"]
        login = idc.browserless_login(argv, cli.env, identity_center, "alice", timeout=60)
        assert login.returncode == 255, login
        assert f"url={public}" in login.stderr
    assert identity_center.calls()[before:] == []
