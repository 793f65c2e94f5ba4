"""static_keys through ansible-playbook, as root on localhost, with real users and the real AWS CLI v2.

Every run is made at -vvv with --diff, and every run's output is searched
for the key values: they must not appear in it, whatever the task did.
"""

import os
import re
import shlex
import shutil
import stat
import time

import pytest

from tests.integration.test_as_user_security import run_play, snapshot
from tests.integration.test_aws_config_playbooks import aws
from tests.testbed.users import as_user, throwaway_users
from tests.unit.test_static_keys import (
    CONFIG_AFTER,
    CONFIG_TEXT,
    CREDENTIALS_AFTER,
    CREDENTIALS_TEXT,
    KEY_ID,
    KEY_ID_2,
    SECRET,
    SECRET_2,
    VALUES,
)

ROOT_KEY_ID = "AKIAJROOTONLY7EXAMPL"
ROOT_SECRET = "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"


@pytest.fixture(scope="module")
def lab():
    with throwaway_users(3) as entries:
        yield entries


@pytest.fixture
def clean(lab):
    """Every user with an empty ~/.aws again."""
    for entry in lab:
        aws_dir = os.path.join(entry.pw_dir, ".aws")
        if os.path.lexists(aws_dir):
            if os.path.islink(aws_dir) or not os.path.isdir(aws_dir):
                os.unlink(aws_dir)
            else:
                shutil.rmtree(aws_dir)
        os.mkdir(aws_dir, 0o700)
        os.chown(aws_dir, entry.pw_uid, entry.pw_gid)
    return lab


def give(entry, name, text):
    path = os.path.join(entry.pw_dir, ".aws", name)
    with open(path, "w", newline="") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def read(entry, name):
    with open(os.path.join(entry.pw_dir, ".aws", name), newline="") as handle:
        return handle.read()


def task(users, **options):
    return {"labcloud.aws_sso.static_keys": dict(users=users, **options), "register": "out"}


def managed(entries, profiles=("default", "dev")):
    return [{"user": entry.pw_name, "profiles": list(profiles)} for entry in entries]


def module_calls(run):
    """How many times the module was sent to the host (one per round trip)."""
    return len(re.findall(r"PUT .*AnsiballZ_static_keys\.py", run.stdout))


def assert_no_values(run, *extra):
    output = run.stdout + run.stderr
    for value in VALUES + extra:
        assert value not in output


def backups_of(entry):
    aws_dir = os.path.join(entry.pw_dir, ".aws")
    return sorted(os.path.join(aws_dir, name) for name in os.listdir(aws_dir) if name.endswith("~"))


def test_three_users_one_call_exact_files_backups_and_a_quiet_second_run(tmp_path, clean):
    for entry in clean:
        give(entry, "credentials", CREDENTIALS_TEXT)
        give(entry, "config", CONFIG_TEXT)
    run = run_play(tmp_path, [task(managed(clean))])
    assert run.returncode == 0, run.stdout + run.stderr
    assert_no_values(run)
    assert module_calls(run) == 1
    assert "changed=1" in run.stdout
    assert '"remaining_total": 6' in run.stdout
    # The diff shows which lines went, with the values masked.
    assert "-aws_secret_access_key = ********" in run.stdout
    assert "-AWS_Access_Key_ID=********" in run.stdout
    for entry in clean:
        assert read(entry, "credentials") == CREDENTIALS_AFTER
        assert read(entry, "config") == CONFIG_AFTER
        backups = backups_of(entry)
        assert len(backups) == 2
        contents = []
        for backup in backups:
            info = os.lstat(backup)
            assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
            assert (info.st_uid, info.st_gid) == (entry.pw_uid, entry.pw_gid)
            with open(backup, newline="") as handle:
                contents.append(handle.read())
        assert sorted(contents) == sorted([CREDENTIALS_TEXT, CONFIG_TEXT])
        for name in ("credentials", "config"):
            info = os.stat(os.path.join(entry.pw_dir, ".aws", name))
            assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (entry.pw_uid, 0o600)

    before = {entry.pw_name: snapshot(os.path.join(entry.pw_dir, ".aws")) for entry in clean}
    again = run_play(tmp_path, [task(managed(clean))])
    assert again.returncode == 0, again.stdout + again.stderr
    assert "changed=0" in again.stdout and module_calls(again) == 1
    assert_no_values(again)
    assert {entry.pw_name: snapshot(os.path.join(entry.pw_dir, ".aws")) for entry in clean} == before


def test_check_mode_reports_and_writes_nothing(tmp_path, clean):
    alice = clean[0]
    give(alice, "credentials", CREDENTIALS_TEXT)
    give(alice, "config", CONFIG_TEXT)
    before = snapshot(os.path.join(alice.pw_dir, ".aws"))
    run = run_play(tmp_path, [task(managed([alice]))], "--check")
    assert run.returncode == 0, run.stdout + run.stderr
    assert_no_values(run)
    assert "changed=1" in run.stdout
    assert '"sections_removed": [\n' in run.stdout and '"default"' in run.stdout
    assert "-aws_secret_access_key = ********" in run.stdout
    assert snapshot(os.path.join(alice.pw_dir, ".aws")) == before


def test_a_file_botocore_refuses_fails_its_user_only(tmp_path, clean):
    alice, bob = clean[:2]
    give(alice, "credentials", CREDENTIALS_TEXT)
    broken = "[dev]\naws_access_key_id = %s\n\n[dev]\naws_secret_access_key = %s\n" % (KEY_ID, SECRET)
    path = give(bob, "credentials", broken)
    users = managed([alice, bob]) + [{"user": "lcsso-nobody-here", "profiles": ["dev"]}]
    run = run_play(tmp_path, [task(users)])
    assert run.returncode != 0
    assert_no_values(run)
    assert "2 of 3 users failed (the others were done)" in run.stdout
    assert "%s: %s line 4: section [dev] is already defined at line 1" % (bob.pw_name, path) in run.stdout
    assert "lcsso-nobody-here: user 'lcsso-nobody-here' does not exist on this host" in run.stdout
    assert read(bob, "credentials") == broken and backups_of(bob) == []
    assert read(alice, "credentials") == CREDENTIALS_AFTER


def test_ambiguous_input_is_refused_before_anyone_is_touched(tmp_path, clean):
    alice, bob = clean[:2]
    give(alice, "credentials", CREDENTIALS_TEXT)
    give(bob, "credentials", CREDENTIALS_TEXT)
    before = {entry.pw_name: snapshot(os.path.join(entry.pw_dir, ".aws")) for entry in (alice, bob)}
    twice = managed([alice, bob]) + [{"user": alice.pw_name, "profiles": ["ci"]}]
    run = run_play(tmp_path, [task(twice)])
    assert run.returncode != 0
    assert "users[2]: user %r is already listed at users[0]" % alice.pw_name in run.stdout
    bracketed = managed([bob]) + [{"user": alice.pw_name, "profiles": ["[dev]"]}]
    run = run_play(tmp_path, [task(bracketed)])
    assert run.returncode != 0
    assert "users[1] (%s).profiles[0]: '[dev]' is no profile name" % alice.pw_name in run.stdout
    assert {entry.pw_name: snapshot(os.path.join(entry.pw_dir, ".aws")) for entry in (alice, bob)} == before


def test_credentials_linked_to_a_root_only_file_is_refused_as_the_user(tmp_path, clean):
    alice, bob = clean[:2]
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    secret = vault / "credentials"
    secret.write_text("[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (ROOT_KEY_ID, ROOT_SECRET))
    secret.chmod(0o600)
    os.chmod(tmp_path, 0o755)
    link = os.path.join(alice.pw_dir, ".aws", "credentials")
    os.symlink(secret, link)
    os.lchown(link, alice.pw_uid, alice.pw_gid)
    assert as_user(alice, "cat", link).returncode != 0, "alice must not be able to read root's file"
    give(bob, "credentials", CREDENTIALS_TEXT)
    before = snapshot(vault)
    run = run_play(tmp_path, [task(managed([alice, bob]))])
    assert run.returncode != 0
    assert_no_values(run, ROOT_KEY_ID, ROOT_SECRET)
    assert "as user %s" % alice.pw_name in run.stdout and "Permission denied" in run.stdout
    assert snapshot(vault) == before
    assert os.listdir(os.path.join(alice.pw_dir, ".aws")) == ["credentials"]
    assert read(bob, "credentials") == CREDENTIALS_AFTER


def configure_list(entry, profile):
    listed = aws(entry.pw_dir, "configure", "list", "--profile", profile)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    # NAME : VALUE : TYPE : LOCATION
    rows = (line.split(" : ") for line in listed.stdout.splitlines())
    return {row[0].strip(): [field.strip() for field in row[1:]] for row in rows if len(row) >= 3}


def test_the_real_cli_no_longer_finds_keys_for_managed_profiles(tmp_path, clean):
    alice = clean[0]
    give(
        alice,
        "credentials",
        "[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
        "[other]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY_ID, SECRET, KEY_ID_2, SECRET_2),
    )
    give(
        alice,
        "config",
        "[profile dev]\nregion = us-west-2\n\n"
        "[profile ci]\nregion = us-east-1\naws_access_key_id = %s\naws_secret_access_key = %s\n\n"
        "[profile other]\nregion = eu-west-1\n" % (KEY_ID, SECRET),
    )
    before = {name: configure_list(alice, name) for name in ("dev", "ci", "other")}
    assert before["dev"]["access_key"][1] == "shared-credentials-file"
    assert before["ci"]["access_key"][1] == "config-file"

    run = run_play(tmp_path, [task(managed([alice], ("dev", "ci")))])
    assert run.returncode == 0, run.stdout + run.stderr
    assert_no_values(run)
    assert '"remaining_total": 1' in run.stdout

    for name in ("dev", "ci"):
        rows = configure_list(alice, name)
        for key in ("access_key", "secret_key"):
            assert rows[key][:2] == ["<not set>", "None"], rows
        assert rows["region"][1] == "config-file"
    other = configure_list(alice, "other")
    value, kind = other["access_key"][:2]
    assert kind == "shared-credentials-file" and value.endswith(KEY_ID_2[-4:])
    assert other == before["other"]
    assert read(alice, "credentials") == (
        "[other]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY_ID_2, SECRET_2)
    )


# --- backups of the removed keys are not kept forever ---------------------------------

DAY = 86400


def old_backup(entry, days_old, name="credentials", pid=4242, text=CREDENTIALS_TEXT):
    """A backup as an earlier run left it: the exact name, the user's, 0600, days_old days ago."""
    when = time.time() - days_old * DAY
    path = give(entry, "%s.%d.%s" % (name, pid, time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime(when))), text)
    os.utime(path, (when, when))
    return path


def words(run):
    """The run's output with line wrapping undone (Ansible wraps long warnings)."""
    return " ".join((run.stdout + run.stderr).split())


def test_old_backups_go_after_backup_days_and_every_survivor_is_named(tmp_path, clean):
    alice = clean[0]
    give(alice, "credentials", CREDENTIALS_TEXT)
    old = old_backup(alice, 20, pid=11)
    young = old_backup(alice, 2, pid=12)
    run = run_play(tmp_path, [task(managed([alice]))])
    assert run.returncode == 0, run.stdout + run.stderr
    assert_no_values(run)
    assert not os.path.lexists(old)
    (made,) = set(backups_of(alice)) - {young}
    assert read(alice, "credentials") == CREDENTIALS_AFTER
    assert re.search(r'"backups_deleted": \[\s*"%s"' % re.escape(old), run.stdout)
    shown = words(run)
    for path, age in ((young, 2), (made, 0)):
        assert re.search(r'"age_days": %d,\s*"path": "%s"' % (age, re.escape(path)), run.stdout), run.stdout
        assert "%s: %s holds plain-text AWS keys" % (alice.pw_name, path) in shown
    assert "sudo -u %s rm -- %s" % (alice.pw_name, shlex.quote(made)) in shown

    # verify's check names what is left, by name only.
    check = run_play(tmp_path, [{"labcloud.aws_sso.sso_identity_info": {"users": [alice.pw_name], "check": "token"}}])
    assert check.returncode == 0, check.stdout + check.stderr
    assert_no_values(check)
    for path in (young, made):
        assert "%s may hold plain-text AWS keys" % path in words(check)

    # 0 days: the next run deletes every one of them.
    again = run_play(tmp_path, [task(managed([alice]), backup_days=0)])
    assert again.returncode == 0, again.stdout + again.stderr
    assert backups_of(alice) == [] and "holds plain-text AWS keys" not in words(again)


def test_without_backup_none_is_left(tmp_path, clean):
    alice, bob = clean[:2]
    for entry in (alice, bob):
        give(entry, "credentials", CREDENTIALS_TEXT)
        give(entry, "config", CONFIG_TEXT)
    young = old_backup(bob, 1)
    run = run_play(tmp_path, [task(managed([alice, bob]), backup=False)])
    assert run.returncode == 0, run.stdout + run.stderr
    assert_no_values(run)
    for entry in (alice, bob):
        assert backups_of(entry) == []
        assert sorted(os.listdir(os.path.join(entry.pw_dir, ".aws"))) == ["config", "credentials"]
        assert read(entry, "credentials") == CREDENTIALS_AFTER
    assert re.search(r'"backups_deleted": \[\s*"%s"' % re.escape(young), run.stdout)


def test_a_link_named_like_a_backup_is_not_followed_nor_deleted_through(tmp_path, clean):
    alice = clean[0]
    give(alice, "credentials", CREDENTIALS_TEXT)
    # Alice's own file elsewhere in her home, and a root-only one, behind links named like old backups.
    notes = os.path.join(alice.pw_dir, "notes.txt")
    with open(notes, "w") as handle:
        handle.write(CREDENTIALS_TEXT)
    os.chown(notes, alice.pw_uid, alice.pw_gid)
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    secret = vault / "credentials"
    secret.write_text("[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (ROOT_KEY_ID, ROOT_SECRET))
    links = {}
    for pid, target in ((21, notes), (22, str(secret))):
        link = os.path.join(alice.pw_dir, ".aws", "credentials.%d.2020-01-01@00:00:00~" % pid)
        os.symlink(target, link)
        os.lchown(link, alice.pw_uid, alice.pw_gid)
        os.utime(link, (time.time() - 400 * DAY,) * 2, follow_symlinks=False)
        links[link] = target
    before = (snapshot(vault), os.stat(notes))
    for options in ({}, {"backup_days": 0}, {"backup": False}):
        run = run_play(tmp_path, [task(managed([alice]), **options)])
        assert run.returncode == 0, run.stdout + run.stderr
        assert_no_values(run, ROOT_KEY_ID, ROOT_SECRET)
        for link, target in links.items():
            assert os.path.islink(link) and os.readlink(link) == target
            assert link not in run.stdout
    assert (snapshot(vault), os.stat(notes)) == before
    with open(notes) as handle:
        assert handle.read() == CREDENTIALS_TEXT
