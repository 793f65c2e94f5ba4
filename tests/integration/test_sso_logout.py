"""A person leaves: sign-out against the local Identity Center, checked with the real AWS CLI 2.38.5.

A real user of this machine signs in with the real CLI (`aws sso login
--use-device-code`, the test approving the code as the person) and uses a
profile, so that their token, client registration and cached role
credentials are all there. Then root marks them `state: absent` and runs the
collection's `setup` playbook (or the `logout` playbook): the portal must have
seen the Logout and ended the sign-in, none of those files may be left, no
secret may show in any output at -vvv, and the real CLI must then refuse the
user with its own sign-in message even after they write themselves a
profile again.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_http
from tests.integration.test_aws_config_playbooks import ansible_playbook
from tests.testbed.idc import ApiError, IdentityCenterServer, browserless_login
from tests.testbed.users import as_user, as_user_argv, throwaway_users

PERSON = "carol"  # who approves the sign-in in the local Identity Center
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(scope="module")
def lab():
    with throwaway_users(1) as entries:
        yield entries[0]


@pytest.fixture(scope="module")
def aws_for_users(awscli_dist):
    """The real CLI where any user may run it: the test ground keeps it under
    root's 0700 home, so hard links of it go to a directory everyone can enter."""
    base = tempfile.mkdtemp(prefix="lcsso-awscli-", dir="/tmp")
    os.chmod(base, 0o755)
    subprocess.run(["cp", "-al", str(awscli_dist), os.path.join(base, "dist")], check=True)
    yield os.path.join(base, "dist", "aws")
    shutil.rmtree(base)


def user_argv(entry, testbed, aws, *args):
    """The CLI as the user, in a clean environment pointed at the local Identity Center."""
    env = ["HOME=" + entry.pw_dir, "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "AWS_PAGER="]
    env += ["%s=%s" % item for item in testbed.env.items()]
    return as_user_argv(
        entry,
        "env",
        "-i",
        "-C",
        "/",
        *env,
        aws,
        *args,
    )


def cli(entry, testbed, aws, *args):
    return subprocess.run(user_argv(entry, testbed, aws, *args), capture_output=True, text=True, timeout=120)


def sign_in_and_use(entry, testbed, aws):
    """Sign in with the real CLI and use the profile; return every secret now cached."""
    login = browserless_login(
        user_argv(entry, testbed, aws, "sso", "login", "--no-browser", "--use-device-code", "--sso-session", "lab"),
        {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        testbed,
        PERSON,
    )
    assert login.returncode == 0, login
    used = cli(entry, testbed, aws, "sts", "get-caller-identity", "--profile", "dev")
    assert used.returncode == 0 and json.loads(used.stdout)["Arn"].endswith("/" + PERSON), used.stderr
    token, registration = cached(entry, "sso")
    assert "refreshToken" in token and "accessToken" not in registration
    (role,) = cached(entry, "cli")
    return token, [
        token["accessToken"],
        token["refreshToken"],
        token["clientSecret"],
        registration["clientSecret"],
        role["Credentials"]["SecretAccessKey"],
        role["Credentials"]["SessionToken"],
    ]


def cache_dir(entry, which):
    return os.path.join(entry.pw_dir, ".aws", *(("sso", "cache") if which == "sso" else ("cli", "cache")))


def cached(entry, which):
    """The JSON files of a cache, tokens first."""
    directory = cache_dir(entry, which)
    names = sorted(n for n in os.listdir(directory) if n.endswith(".json")) if os.path.isdir(directory) else []
    documents = [json.loads(open(os.path.join(directory, n)).read()) for n in names]
    return sorted(documents, key=lambda d: "accessToken" not in d)


def declaration(entry, testbed, state="present"):
    return {
        "aws_sso_sessions": [{"name": "lab", "sso_start_url": testbed.start_url, "sso_region": testbed.region}],
        "aws_sso_profiles": [
            {
                "name": "dev",
                "sso_session": "lab",
                "sso_account_id": "111111111111",
                "sso_role_name": "Developer",
                "region": testbed.region,
            }
        ],
        "aws_sso_users": [{"user": entry.pw_name, "state": state}],
        "verify_cli_environment": dict(testbed.env),
        "aws_sso_install_cli": False,
        "aws_sso_verify": False,
        # Root already; this machine has no sudo.
        "ansible_become": False,
    }


def refresh_refused(testbed, token):
    """Whether Identity Center refuses the cached refresh token (the sign-in was ended)."""
    body = {
        "grantType": "refresh_token",
        "clientId": token["clientId"],
        "clientSecret": token["clientSecret"],
        "refreshToken": token["refreshToken"],
    }
    try:
        testbed.store.create_token(body)
    except ApiError as exc:
        return exc.error_type == "InvalidGrantException"
    return False


def task_output(stdout, title):
    """What the play printed for the task whose title contains `title`."""
    found = re.search(r"TASK \[[^\]]*%s[^\]]*\][^\n]*\n(.*?)(?=\nTASK |\nPLAY RECAP)" % re.escape(title), stdout, re.S)
    assert found, stdout
    return found.group(1).strip()


def assert_signed_out(entry, testbed, aws, token, secrets, logouts, *runs):
    ended = testbed.calls("Logout")[logouts:]
    assert [(c["user"], c["ok"]) for c in ended] == [(PERSON, True)], ended
    assert token["accessToken"] not in testbed.store.access_tokens
    assert refresh_refused(testbed, token)
    assert cached(entry, "sso") == [] and cached(entry, "cli") == []
    for run in runs:
        for secret in secrets:
            assert secret not in run.stdout + run.stderr
    # The leaver writes themselves a profile again (the sso-session block
    # stays): the real CLI has nothing to sign in with.
    mine = "\n[profile mine]\nsso_session = lab\nsso_account_id = 111111111111\nsso_role_name = Developer\n"
    mine += "region = %s\n" % testbed.region
    as_user(entry, "sh", "-c", 'printf "%s" "$1" >> "$HOME/.aws/config"', "x", mine, check=True)
    res = cli(entry, testbed, aws, "sts", "get-caller-identity", "--profile", "mine")
    assert res.returncode != 0, res
    assert "Error loading SSO Token: Token for lab does not exist" in res.stderr, res.stderr


def test_setup_signs_out_a_user_marked_absent(tmp_path, lab, identity_center, aws_for_users):
    present = ansible_playbook("labcloud.aws_sso.setup", declaration(lab, identity_center))
    assert present.returncode == 0, present.stdout + present.stderr
    # Nobody absent: the sign-out is not called at all.
    assert task_output(present.stdout, "Sign out users marked absent").startswith("skipping:")
    token, secrets = sign_in_and_use(lab, identity_center, aws_for_users)
    logouts = len(identity_center.calls("Logout"))

    absent = ansible_playbook("labcloud.aws_sso.setup", declaration(lab, identity_center, "absent"), "-vvv")
    assert absent.returncode == 0, absent.stdout + absent.stderr
    # One call for the host, whatever it found.
    assert len(re.findall(r"PUT .*AnsiballZ_sso_logout\.py", absent.stdout)) == 1, absent.stdout
    assert '"status": "signed_out"' in absent.stdout and '"count": 3' in absent.stdout
    assert_signed_out(lab, identity_center, aws_for_users, token, secrets, logouts, absent)
    # Nothing left: the next run finds nothing to do for them.
    again = ansible_playbook("labcloud.aws_sso.setup", declaration(lab, identity_center, "absent"))
    assert task_output(again.stdout, "Sign out users marked absent").startswith("ok:"), again.stdout


def test_the_logout_playbook_signs_named_users_out_and_skips_hosts_without_them(lab, identity_center, aws_for_users):
    as_user(lab, "sh", "-c", 'cd "$HOME/.aws" && grep -v "profile mine" config > c && mv c config', check=False)
    present = ansible_playbook("labcloud.aws_sso.setup", declaration(lab, identity_center))
    assert present.returncode == 0, present.stdout + present.stderr
    token, secrets = sign_in_and_use(lab, identity_center, aws_for_users)
    logouts = len(identity_center.calls("Logout"))
    variables = {"logout_users": "%s, nosuchuser0" % lab.pw_name, "logout_cli_environment": dict(identity_center.env)}
    variables["ansible_become"] = False

    check = ansible_playbook("labcloud.aws_sso.logout", variables, "--check", "-vvv")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "3 file(s) would be removed" in check.stdout and "nosuchuser0: not on this host" in check.stdout
    assert len(identity_center.calls("Logout")) == logouts and len(cached(lab, "sso")) == 2

    run = ansible_playbook("labcloud.aws_sso.logout", variables, "-vvv")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "%s: signed_out; 3 file(s) removed" % lab.pw_name in run.stdout
    assert_signed_out(lab, identity_center, aws_for_users, token, secrets, logouts, check, run)
    # The guide's last step: nothing is left to sign out.
    again = ansible_playbook("labcloud.aws_sso.logout", variables, "--check")
    assert "%s: no sign-in cached; 0 file(s) would be removed" % lab.pw_name in again.stdout, again.stdout

    nobody = ansible_playbook("labcloud.aws_sso.logout", {"ansible_become": False})
    assert nobody.returncode != 0 and "logout_users is empty or not set" in nobody.stdout


def test_logout_ends_the_whole_sign_in_and_is_logged_even_when_refused():
    """The server side the tests above rely on: a Logout after refreshes ends
    every token of that sign-in, and a refused Logout is recorded too."""
    server = IdentityCenterServer().start()
    try:
        store = server.store
        client = store.register_client({"clientName": "t", "clientType": "public"})
        auth = store.start_device_authorization(
            {
                "clientId": client["clientId"],
                "clientSecret": client["clientSecret"],
                "startUrl": server.directory["start_url"],
            },
            server.url,
        )
        store.approve(auth["userCode"], "dave")
        grant = {"clientId": client["clientId"], "clientSecret": client["clientSecret"]}
        first = store.create_token(dict(grant, grantType=DEVICE_GRANT, deviceCode=auth["deviceCode"]))
        second = store.create_token(dict(grant, grantType="refresh_token", refreshToken=first["refreshToken"]))
        sso_http.portal("POST", server.url, "/logout", second["accessToken"], timeout=10)
        assert not store.access_tokens and not store.refresh_tokens
        with pytest.raises(sso_http.ServiceError) as refused:
            sso_http.portal("POST", server.url, "/logout", first["accessToken"], timeout=10)
        assert refused.value.status == 401
        assert [(c["user"], c["ok"], c["ended"]) for c in store.calls if c["operation"] == "Logout"] == [
            ("dave", True, 3),
            (None, False, 0),
        ]
    finally:
        server.stop()
