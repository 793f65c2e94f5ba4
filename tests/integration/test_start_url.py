"""A start URL pasted from the portal's address bar is written the way the
AWS docs write it, and the real AWS CLI v2 signs in with what was written.

The config is written by the collection's aws_config module through
ansible-playbook, then used as it is by the CLI against the local Identity
Center (tests/testbed/idc.py), which refuses a start URL other than its own.
"""

from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.integration.test_aws_config_playbooks import ansible_playbook

SANDBOX = "111111111111"

PLAY = """\
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Declare the lab session with the start URL as pasted
      labcloud.aws_sso.aws_config:
        path: "{{ config_path }}"
        sso_sessions:
          - name: lab
            sso_start_url: "{{ start_url }}"
            sso_region: "{{ sso_region }}"
        profiles:
          - name: dev
            sso_session: lab
            sso_account_id: "111111111111"
            sso_role_name: Developer
            region: "{{ sso_region }}"
"""


def _as_pasted_with_upper_case_host(url):
    parts = urlsplit(url)
    return urlunsplit(("HTTPS", parts.netloc.upper(), parts.path, "", "/?tab=accounts"))


PASTED = {
    "trailing-slash-fragment": lambda url: url + "/#/",
    # The local Identity Center compares start URLs exactly (up to a trailing
    # / or #), so this form fails to sign in unless it was normalised.
    "upper-case-host-and-fragment-query": _as_pasted_with_upper_case_host,
}


@pytest.mark.parametrize("form", list(PASTED))
def test_pasted_start_url_is_normalised_and_the_cli_signs_in(form, tmp_path, sso_cli, identity_center):
    canonical = identity_center.start_url
    pasted = PASTED[form](canonical)
    assert pasted != canonical
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    extra = {"config_path": str(sso_cli.config_file), "start_url": pasted, "sso_region": identity_center.region}

    run = ansible_playbook(play, extra)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sso_cli.config_file.read_text() == (
        "[sso-session lab]\n"
        f"sso_start_url = {canonical}\n"
        f"sso_region = {identity_center.region}\n"
        "sso_registration_scopes = sso:account:access\n"
        "\n"
        "[profile dev]\n"
        "sso_session = lab\n"
        f"sso_account_id = {SANDBOX}\n"
        "sso_role_name = Developer\n"
        f"region = {identity_center.region}\n"
    )
    # Declaring the pasted form again finds nothing to change.
    again = ansible_playbook(play, extra)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "changed=0" in again.stdout, again.stdout

    login = sso_cli.login("alice")
    assert login.returncode == 0, login
    assert f"Successfully logged into Start URL: {canonical}" in login.stdout
    assert sso_cli.token()["startUrl"] == canonical

    res, ident = sso_cli.caller_identity("dev")
    assert res.returncode == 0, res
    assert ident["Account"] == SANDBOX
    assert ":assumed-role/AWSReservedSSO_Developer_" in ident["Arn"]
    assert ident["Arn"].endswith("/alice")
