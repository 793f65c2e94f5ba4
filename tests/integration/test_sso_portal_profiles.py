"""sso_portal_profiles against the local Identity Center, then the real AWS CLI and boto3 on what it wrote.

One directory of many accounts and roles, served in pages of 4 so that
every list takes several pages: account names with spaces, brackets,
slashes and non-ASCII letters, and two accounts whose names collide once
cleaned. Root runs the plays for real throwaway users, signed in with the
real CLI. The tests run in file order on one user's file, as the numbered
aws_config plays do.
"""

import hashlib
import json
import os
import subprocess
import sys

import pytest

from tests.integration.test_aws_config_playbooks import ansible_playbook
from tests.testbed import idc
from tests.testbed.users import throwaway_users

SESSION = "lab"
MARKER = "labcloud_generated"
PAGE = 4


def _directory():
    accounts = {
        "100000000001": {"name": "Sandbox"},
        "100000000002": {"name": "Prod (EU)"},
        "100000000003": {"name": "Data/Lake"},
        "100000000004": {"name": "Équipe Données"},
        "100000000005": {"name": "[core] network"},
        "100000000006": {"name": "Team A"},
        "100000000007": {"name": "Team [A]"},
        "100000000008": {"name": "Many Roles"},
    }
    access = {
        "100000000001": ["Developer", "ReadOnly"],
        "100000000002": ["ReadOnly", "Admin"],
        "100000000003": ["Analyst"],
        "100000000004": ["Developer"],
        "100000000005": ["NetworkAdmin"],
        "100000000006": ["Dev"],
        "100000000007": ["Dev"],
        "100000000008": ["R%02d" % i for i in range(1, 10)],
    }
    for i in range(9, 13):
        accounts["1000000000%02d" % i] = {"name": "acct %d" % i}
        access["1000000000%02d" % i] = ["ReadOnly"]
    return {
        "start_url": "https://labcloud-profiles.awsapps.com/start",
        "region": "eu-west-1",
        "accounts": accounts,
        "users": {"gen": {"access": access}, "nobody": {"access": {}}},
        "settings": {"portal_page_size": PAGE},
    }


NAMES = {"100000000007/Dev": "team-a-brackets-Dev"}
EXPECTED = sorted(
    ["Sandbox-Developer", "Sandbox-ReadOnly", "Prod-EU-ReadOnly", "Prod-EU-Admin", "Data-Lake-Analyst"]
    + ["Equipe-Donnees-Developer", "core-network-NetworkAdmin", "Team-A-Dev", "team-a-brackets-Dev"]
    + ["Many-Roles-R%02d" % i for i in range(1, 10)]
    + ["acct-%d-ReadOnly" % i for i in range(9, 13)]
)
HAND_MADE = (
    "\n# kept as it is\n[profile mine]\nsso_session = lab\nsso_account_id = 100000000001\nsso_role_name = ReadOnly\n"
)


@pytest.fixture(scope="module")
def testbed():
    with idc.Testbed(_directory()) as bed:
        yield bed


@pytest.fixture(scope="module")
def lab(testbed, awscli_dist):
    """Two users: the first signed in (real CLI, device code) as directory user gen, the second never."""
    with throwaway_users(2) as entries:
        signed, _never = entries
        cli = idc.CliHome(awscli_dist / "aws", signed.pw_dir, testbed, session=SESSION)
        cli.write_config(
            "[sso-session %s]\nsso_start_url = %s\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"
            % (SESSION, testbed.start_url)
            + HAND_MADE
        )
        login = cli.login("gen")
        assert login.returncode == 0, login
        never_aws = os.path.join(_never.pw_dir, ".aws")
        os.makedirs(never_aws)
        with open(os.path.join(never_aws, "config"), "w") as handle:
            handle.write(
                "[sso-session %s]\nsso_start_url = %s\nsso_region = eu-west-1\n" % (SESSION, testbed.start_url)
            )
        for entry in entries:
            chown_home(entry)
        yield dict(signed=signed, never=_never, cli=cli)


def chown_home(entry):
    """The CLI ran as root with the user's HOME: hand its files back to the user."""
    for base, dirs, files in os.walk(os.path.join(entry.pw_dir, ".aws")):
        for name in [base, *(os.path.join(base, n) for n in dirs + files)]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def config_path(entry):
    return os.path.join(entry.pw_dir, ".aws", "config")


def read(entry):
    with open(config_path(entry)) as handle:
        return handle.read()


def write(entry, text):
    with open(config_path(entry), "w") as handle:
        handle.write(text)
    chown_home(entry)


def run(tmp_path, testbed, users, *args, **options):
    """One sso_portal_profiles task for users, its registered result saved as JSON; returns (process, result)."""
    out = tmp_path / ("result-%d.json" % len(list(tmp_path.glob("result-*.json"))))
    task = dict(
        session=SESSION,
        names=NAMES,
        region="eu-west-1",
        users=[{"user": u.pw_name} for u in users],
        cli_environment=dict(AWS_ENDPOINT_URL_SSO=testbed.url),
    )
    task.update(options)
    play = [
        dict(
            hosts="localhost",
            gather_facts=False,
            tasks=[
                {"labcloud.aws_sso.sso_portal_profiles": task, "register": "out", "ignore_errors": True},
                {
                    "ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": str(out)},
                    "check_mode": False,
                    "changed_when": False,
                },
            ],
        )
    ]
    path = tmp_path / ("play-%d.yml" % len(list(tmp_path.glob("play-*.yml"))))
    path.write_text(json.dumps(play))
    proc = ansible_playbook(path, {}, "-vvv", "--diff", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, json.loads(out.read_text())


def profiles_in(text):
    import configparser

    parser = configparser.RawConfigParser(strict=True)
    parser.read_string(text)
    return {s[len("profile ") :]: dict(parser[s]) for s in parser.sections() if s.startswith("profile ")}


def generated(text):
    return sorted(name for name, values in profiles_in(text).items() if values.get(MARKER) == SESSION)


def cli_profiles(lab):
    res = lab["cli"].run("configure", "list-profiles")
    assert res.returncode == 0, res.stderr
    return sorted(res.stdout.split())


def caller(lab, profile):
    lab["cli"].clear_credential_cache()
    res, identity = lab["cli"].caller_identity(profile)
    chown_home(lab["signed"])
    assert res.returncode == 0, res.stderr
    return identity


def boto3_caller(lab, profile, testbed):
    """boto3 on the controller, reading the same files through HOME."""
    code = (
        "import boto3, json; s = boto3.session.Session(profile_name=%r); "
        "print(json.dumps(s.client('sts').get_caller_identity()))" % profile
    )
    env = idc.clean_env(lab["signed"].pw_dir, testbed.env)
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def user_result(result, entry):
    (found,) = [u for u in result["users"] if u["user"] == entry.pw_name]
    return found


def test_collision_is_refused_and_nothing_written(tmp_path, testbed, lab):
    before = read(lab["signed"])
    proc, result = run(tmp_path, testbed, [lab["signed"]], names={})
    assert result["failed"]
    message = user_result(result, lab["signed"])["message"]
    assert "'Team-A-Dev'" in message
    assert "100000000006 (Team A)/Dev" in message and "100000000007 (Team [A])/Dev" in message
    assert read(lab["signed"]) == before


def test_generation_then_the_real_cli_and_boto3(tmp_path, testbed, lab):
    counts = testbed.call_counts()
    proc, result = run(tmp_path, testbed, [lab["signed"]])
    mine = user_result(result, lab["signed"])
    assert mine["status"] == "ok" and result["changed"] and not result.get("failed")
    assert sorted(mine["added"]) == EXPECTED
    text = read(lab["signed"])
    assert generated(text) == EXPECTED
    assert HAND_MADE in text
    # 12 accounts in pages of 4: 3 ListAccounts; one ListAccountRoles per
    # account plus 2 more pages for the 9 roles of "Many Roles".
    after = testbed.call_counts()
    assert after["ListAccounts"] - counts.get("ListAccounts", 0) == 3
    assert after["ListAccountRoles"] - counts.get("ListAccountRoles", 0) == 14
    assert mine["calls"]["ListAccounts"] == 3 and mine["calls"]["ListAccountRoles"] == 14
    # Two module calls for the host: list (with the read) and write.
    assert proc.stdout.count("AnsiballZ_sso_portal_access_info.py") >= 1
    assert "AnsiballZ_aws_config_file.py" in proc.stdout
    token = lab["cli"].token()["accessToken"]
    assert token not in proc.stdout + proc.stderr
    assert cli_profiles(lab) == sorted(EXPECTED + ["mine"])
    identity = caller(lab, "Equipe-Donnees-Developer")
    assert identity["Account"] == "100000000004" and "AWSReservedSSO_Developer_" in identity["Arn"]
    identity = boto3_caller(lab, "core-network-NetworkAdmin", testbed)
    assert identity["Account"] == "100000000005" and "AWSReservedSSO_NetworkAdmin_" in identity["Arn"]


def test_rerun_changes_nothing(tmp_path, testbed, lab):
    before = read(lab["signed"])
    proc, result = run(tmp_path, testbed, [lab["signed"]])
    assert not result["changed"] and "changed=0" in proc.stdout
    assert read(lab["signed"]) == before
    assert "AnsiballZ_aws_config_file.py" not in proc.stdout


def test_key_added_by_the_user_is_kept(tmp_path, testbed, lab):
    section = "[profile Sandbox-Developer]\n"
    text = read(lab["signed"]).replace(section, section + "cli_pager = less\n", 1)
    assert "cli_pager = less" in text
    write(lab["signed"], text)
    _proc, result = run(tmp_path, testbed, [lab["signed"]])
    assert not result["changed"] and read(lab["signed"]) == text


def test_renamed_account_renames_its_profiles_with_the_users_keys(tmp_path, testbed, lab):
    before = profiles_in(read(lab["signed"]))
    assert before["Sandbox-Developer"]["cli_pager"] == "less"
    with testbed.store._lock:
        testbed.directory["accounts"]["100000000001"]["name"] = "Sandbox Renamed"
    check_proc, check = run(tmp_path, testbed, [lab["signed"]], "--check")
    assert check["changed"] and profiles_in(read(lab["signed"])) == before
    assert "+[profile Sandbox-Renamed-Developer]" in check_proc.stdout
    _proc, result = run(tmp_path, testbed, [lab["signed"]])
    mine = user_result(result, lab["signed"])
    assert mine["renamed"] == [
        {"from": "Sandbox-Developer", "to": "Sandbox-Renamed-Developer"},
        {"from": "Sandbox-ReadOnly", "to": "Sandbox-Renamed-ReadOnly"},
    ]
    assert mine["renamed"] == check["users"][0]["renamed"]
    assert mine["added"] == [] and mine["pruned"] == []
    after = profiles_in(read(lab["signed"]))
    assert "Sandbox-Developer" not in after and after["Sandbox-Renamed-Developer"]["cli_pager"] == "less"
    assert after["mine"] == before["mine"]
    assert "Sandbox-Renamed-ReadOnly" in cli_profiles(lab)
    assert caller(lab, "Sandbox-Renamed-ReadOnly")["Account"] == "100000000001"


def test_removed_assignment_is_reported_then_pruned(tmp_path, testbed, lab):
    with testbed.store._lock:
        testbed.directory["users"]["gen"]["access"]["100000000002"].remove("Admin")
        del testbed.directory["users"]["gen"]["access"]["100000000012"]
    before = read(lab["signed"])
    _proc, kept = run(tmp_path, testbed, [lab["signed"]])
    stale = sorted(s["name"] for s in user_result(kept, lab["signed"])["stale"])
    assert stale == ["Prod-EU-Admin", "acct-12-ReadOnly"]
    assert not kept["changed"] and read(lab["signed"]) == before
    check_proc, check = run(tmp_path, testbed, [lab["signed"]], "--check", prune=True)
    assert sorted(p["name"] for p in user_result(check, lab["signed"])["pruned"]) == stale
    assert "-[profile Prod-EU-Admin]" in check_proc.stdout and read(lab["signed"]) == before
    _proc, pruned = run(tmp_path, testbed, [lab["signed"]], prune=True)
    assert sorted(p["name"] for p in user_result(pruned, lab["signed"])["pruned"]) == stale
    text = read(lab["signed"])
    assert "Prod-EU-Admin" not in profiles_in(text) and "acct-12-ReadOnly" not in profiles_in(text)
    assert HAND_MADE in text and profiles_in(text)["Sandbox-Renamed-Developer"]["cli_pager"] == "less"
    assert sorted(cli_profiles(lab)) == sorted(generated(text) + ["mine"])
    _proc, again = run(tmp_path, testbed, [lab["signed"]], prune=True)
    assert not again["changed"]


def test_throttled_portal_is_retried(tmp_path, testbed, lab):
    before = read(lab["signed"])
    counts = testbed.call_counts()
    testbed.set_settings(portal_throttle_every=3)
    try:
        _proc, result = run(tmp_path, testbed, [lab["signed"]], prune=True)
    finally:
        testbed.set_settings(portal_throttle_every=0)
    mine = user_result(result, lab["signed"])
    assert mine["status"] == "ok" and not result["changed"] and read(lab["signed"]) == before
    throttled = testbed.call_counts()
    refused = sum(throttled.get(k, 0) - counts.get(k, 0) for k in throttled if k.endswith(":throttled"))
    assert refused > 0 and mine["calls"]["throttled"] == refused


def test_user_without_sign_in_gets_login_required_and_nothing_written(tmp_path, testbed, lab):
    never = lab["never"]
    before = read(never)
    proc, result = run(tmp_path, testbed, [lab["signed"], never])
    assert not result.get("failed")
    theirs = user_result(result, never)
    assert theirs["status"] == "login_required" and "aws sso login --sso-session lab" in theirs["message"]
    assert result["counts"] == {"ok": 1, "login_required": 1}
    assert read(never) == before
    assert "must sign in first" in proc.stdout + proc.stderr
    _proc, strict = run(tmp_path, testbed, [never], fail_on_login_required=True)
    assert strict["failed"] and read(never) == before


def test_revoked_sign_in_is_login_required(tmp_path, testbed, lab):
    testbed.revoke("gen")
    before = read(lab["signed"])
    _proc, result = run(tmp_path, testbed, [lab["signed"]], prune=True)
    mine = user_result(result, lab["signed"])
    assert mine["status"] == "login_required" and "refused the cached token" in mine["message"]
    assert read(lab["signed"]) == before
    digest = hashlib.sha256(before.encode()).hexdigest()
    assert digest == hashlib.sha256(read(lab["signed"]).encode()).hexdigest()
