"""Backups of removed static keys: found by their exact name, aged out, listed, never followed."""

import os
import stat
import time

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import atomic_file, key_backups, sso_identity
from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account
from ansible_collections.labcloud.aws_sso.plugins.module_utils.static_keys import CONFIG, CREDENTIALS, process_user
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report as fr
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_html as fr_html
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_md as fr_md
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report_text as fr_text

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEYS_TEXT = "[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY_ID, SECRET)
DAY = 86400


@pytest.fixture
def home(tmp_path):
    (tmp_path / ".aws").mkdir(mode=0o700)
    return tmp_path


def paths_in(home):
    return {CREDENTIALS: str(home / ".aws" / "credentials"), CONFIG: str(home / ".aws" / "config")}


def put(path, text, days_old=0):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    when = time.time() - days_old * DAY
    os.utime(path, (when, when))
    return str(path)


def old_backup(home, days_old, name="credentials", text=KEYS_TEXT, pid=4242):
    stamp = time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime(time.time() - days_old * DAY))
    return put(home / ".aws" / ("%s.%d.%s" % (name, pid, stamp)), text, days_old)


def run(home, backup=True, days=14, check_mode=False, profiles=("dev",)):
    return process_user(account(), paths_in(home), list(profiles), backup, check_mode, False, days)


def listing(home):
    return sorted(os.listdir(home / ".aws"))


# --- the name ------------------------------------------------------------------


def test_the_pattern_matches_what_atomic_file_names_a_backup(tmp_path):
    made = atomic_file._backup(str(tmp_path / "credentials"), b"x")
    assert key_backups.backup_name_re("credentials").match(os.path.basename(made))
    assert not key_backups.backup_name_re("config").match(os.path.basename(made))


@pytest.mark.parametrize(
    "name",
    [
        "credentials.bak",
        "credentials~",
        "credentials.12.2026-01-01@10:00:00",  # no ~
        "credentials.12.2026-01-01@10:00:00~.swp",
        "xcredentials.12.2026-01-01@10:00:00~",
        "credentials.12.2026-01-01@10:00~",
        "credentials.\u0661\u0662.2026-01-01@10:00:00~",  # Arabic-Indic digits
        "credentials.12.2026-01-01@10:00:00~\n",
    ],
)
def test_near_misses_are_not_backups(name):
    assert not key_backups.backup_name_re("credentials").match(name)


# --- ageing out, through process_user ---------------------------------------------


def test_an_old_backup_goes_a_young_one_stays_and_both_this_runs_are_named(home):
    put(paths_in(home)[CREDENTIALS], KEYS_TEXT)
    old = old_backup(home, 20, pid=1)
    young = old_backup(home, 3, pid=2)
    result = run(home)
    assert "failed" not in result, result
    assert result["backups_deleted"] == [old]
    assert not os.path.lexists(old)
    made = result["backup_files"]
    assert len(made) == 1
    assert sorted(result["backups"], key=lambda b: b["path"]) == sorted(
        [dict(path=young, age_days=3), dict(path=made[0], age_days=0)], key=lambda b: b["path"]
    )
    assert repr(result).count(SECRET) == 0


def test_zero_days_deletes_every_earlier_backup_and_keeps_this_runs(home):
    put(paths_in(home)[CREDENTIALS], KEYS_TEXT)
    earlier = [old_backup(home, 0, pid=7), old_backup(home, 1, pid=8)]
    result = run(home, days=0)
    assert sorted(result["backups_deleted"]) == sorted(earlier)
    assert [b["path"] for b in result["backups"]] == result["backup_files"]
    assert listing(home) == sorted(["credentials", os.path.basename(result["backup_files"][0])])


def test_without_backup_none_is_made_and_the_old_ones_go(home):
    put(paths_in(home)[CREDENTIALS], KEYS_TEXT)
    put(paths_in(home)[CONFIG], "[profile dev]\nregion = eu-west-1\naws_access_key_id = %s\n" % KEY_ID)
    young = old_backup(home, 1, name="config")
    result = run(home, backup=False)
    assert result["changed"] is True and result["backup_files"] == []
    assert result["backups"] == [] and result["backups_deleted"] == [young]
    assert listing(home) == ["config", "credentials"]


def test_check_mode_deletes_nothing_and_says_what_would_go(home):
    put(paths_in(home)[CREDENTIALS], KEYS_TEXT)
    old = old_backup(home, 30)
    result = run(home, check_mode=True)
    assert result["backups_deleted"] == [old] and os.path.exists(old)
    assert result["backups"] == []


def test_a_later_run_with_nothing_to_remove_still_ages_backups_out(home):
    put(paths_in(home)[CREDENTIALS], "[other]\nregion = x\n")
    old = old_backup(home, 15)
    result = run(home)
    assert result["changed"] is False and result["backups_deleted"] == [old]


def test_a_symlink_named_like_a_backup_is_neither_followed_nor_deleted(home):
    put(paths_in(home)[CREDENTIALS], "[other]\nregion = x\n")
    precious = put(home / "precious", KEYS_TEXT, days_old=40)
    link = str(home / ".aws" / "credentials.1.2020-01-01@00:00:00~")
    os.symlink(precious, link)
    os.utime(link, (time.time() - 40 * DAY,) * 2, follow_symlinks=False)
    for days in (14, 0):
        result = run(home, days=days)
        assert result["backups"] == [] and result["backups_deleted"] == []
    assert os.path.islink(link) and os.readlink(link) == precious
    with open(precious) as handle:
        assert handle.read() == KEYS_TEXT
    result = run(home, backup=False)
    assert result["backups_deleted"] == [] and os.path.islink(link)


def test_a_fifo_a_directory_and_someone_elses_file_named_like_backups_stay(home):
    put(paths_in(home)[CREDENTIALS], "[other]\nregion = x\n")
    fifo = str(home / ".aws" / "credentials.1.2020-01-01@00:00:00~")
    os.mkfifo(fifo, 0o600)
    directory = str(home / ".aws" / "credentials.2.2020-01-01@00:00:00~")
    os.mkdir(directory)
    foreign = old_backup(home, 40, pid=3)
    os.chown(foreign, 65534, 65534)
    result = run(home, days=0)
    assert result["backups"] == [] and result["backups_deleted"] == []
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.path.isdir(directory) and os.path.exists(foreign)


def test_a_backup_holding_no_key_is_not_ours_and_stays(home):
    """aws_config's own backups of ~/.aws/config share the name but hold no key."""
    put(paths_in(home)[CONFIG], "[profile dev]\nregion = eu-west-1\n")
    keyless = old_backup(home, 40, name="config", text="[profile dev]\nregion = us-east-1\n")
    commented = old_backup(home, 40, name="config", text="[x]\n# aws_secret_access_key = %s\n" % SECRET, pid=5)
    continued = old_backup(home, 40, name="config", text="[x]\nAWS_Secret_Access_Key =\n  %s\n" % SECRET, pid=6)
    result = run(home)
    assert sorted(result["backups_deleted"]) == sorted([commented, continued])
    assert os.path.exists(keyless) and not os.path.exists(commented)


def test_backups_of_a_symlinked_file_are_looked_for_where_they_are_made(home):
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    real = put(dotfiles / "aws-credentials", KEYS_TEXT)
    os.symlink(real, paths_in(home)[CREDENTIALS])
    old = put(dotfiles / "aws-credentials.9.2020-01-01@00:00:00~", KEYS_TEXT, days_old=40)
    result = run(home)
    assert result["backups_deleted"] == [old]
    assert [os.path.dirname(b["path"]) for b in result["backups"]] == [str(dotfiles)]


# --- verify: names only ------------------------------------------------------------


def test_sso_identity_notes_name_backups_without_reading_them(home):
    acct = account()._replace(home=str(home))
    kept = os.path.basename(old_backup(home, 2))
    fifo = home / ".aws" / "config.1.2020-01-01@00:00:00~"
    os.mkfifo(fifo, 0o600)  # a read would hang: it is only listed
    os.symlink("/etc/passwd", str(home / ".aws" / "config.2.2020-01-01@00:00:00~"))
    put(home / ".aws" / "credentials.bak", KEYS_TEXT)
    notes = sso_identity.key_backup_notes(acct)
    assert len(notes) == 1
    assert notes[0].startswith(str(home / ".aws" / kept) + " may hold plain-text AWS keys")
    assert SECRET not in notes[0] and acct.name in notes[0]
    assert sso_identity.key_backup_notes(account()._replace(home=str(home / "nowhere"))) == []


def test_the_report_shows_a_users_notes_on_each_of_their_rows_and_on_screen():
    note = "/home/alice/.aws/credentials.4242.2026-05-01@10:00:00~ may hold plain-text AWS keys"
    results = {
        "ws1": {
            "users": [
                {
                    "user": "alice",
                    "error": None,
                    "notes": [note, "\x1b[2Jok: fake"],
                    "profiles": [{"profile": "dev", "status": "ok"}, {"profile": "ops", "status": "forbidden"}],
                },
                {"user": "bob", "error": None, "profiles": [{"profile": "dev", "status": "ok"}]},
            ]
        }
    }
    report = fr.build(results)
    alice = [row for row in report["rows"] if row["user"] == "alice"]
    assert [row["notes"] for row in alice] == [[note, "\\x1b[2Jok: fake"]] * 2  # shown escaped, never raw
    assert [row["notes"] for row in report["rows"] if row["user"] == "bob"] == [[]]
    assert note in fr_html.render_html(report) and "\x1b" not in fr_html.render_html(report)
    assert fr_md.md_escape(note) in fr_md.render_md(report)
    screen = [line for line, _level in fr_text.render_text(report)]
    assert screen.count("note: ws1 alice: " + note) == 1


def test_a_user_cannot_flood_the_report_with_notes():
    results = {"h": {"users": [{"user": "u", "notes": ["n%d" % i for i in range(500)], "profiles": [{}]}]}}
    notes = fr.build(results)["rows"][0]["notes"]
    assert len(notes) == fr.MAX_NOTES and notes[-1] == "and 491 more like these"
