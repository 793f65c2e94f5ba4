"""static_keys: exactly the key lines go, botocore reads everything else as before, values never show."""

import configparser
import functools
import os
import stat

import pytest
from botocore.configloader import raw_config_parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.labcloud.aws_sso.plugins.module_utils import static_keys
from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account
from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import ConfigFileError, scan
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import MASK
from ansible_collections.labcloud.aws_sso.plugins.module_utils.static_keys import (
    CONFIG,
    CREDENTIALS,
    StaticKeysError,
    plan,
    process_user,
)

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQD6EXAMPLETOKEN"
KEY_ID_2 = "AKIAI44QH8DHBEXAMPLE"
SECRET_2 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
VALUES = (KEY_ID, SECRET, TOKEN, KEY_ID_2, SECRET_2)

# A credentials file as people keep them: a header comment, [default],
# mixed-case key names, a profile with other settings too (a nested one),
# an unmanaged profile, comments about the next block.
CREDENTIALS_TEXT = (
    "# Keys from the 2019 onboarding guide\n"
    "\n"
    "[default]\n"
    "aws_access_key_id = %(id)s\n"
    "aws_secret_access_key = %(secret)s\n"
    "\n"
    "# dev: the team account\n"
    "[dev]\n"
    "; rotated every 90 days\n"
    "region = eu-west-1\n"
    "AWS_Access_Key_ID=%(id)s\n"
    "Aws_Secret_Access_Key : %(secret)s\n"
    "aws_session_token = %(token)s\n"
    "s3 =\n"
    "    max_concurrent_requests = 10\n"
    "\n"
    "    addressing_style = path\n"
    "output = json\n"
    "\n"
    "\n"
    "[legacy-ci]\n"
    "aws_access_key_id = %(id2)s\n"
    "aws_secret_access_key = %(secret2)s\n"
    "# end of file\n"
) % dict(id=KEY_ID, secret=SECRET, token=TOKEN, id2=KEY_ID_2, secret2=SECRET_2)

CREDENTIALS_AFTER = (
    "# Keys from the 2019 onboarding guide\n"
    "\n"
    "# dev: the team account\n"
    "[dev]\n"
    "; rotated every 90 days\n"
    "region = eu-west-1\n"
    "s3 =\n"
    "    max_concurrent_requests = 10\n"
    "\n"
    "    addressing_style = path\n"
    "output = json\n"
    "\n"
    "\n"
    "[legacy-ci]\n"
    "aws_access_key_id = %(id2)s\n"
    "aws_secret_access_key = %(secret2)s\n"
    "# end of file\n"
) % dict(id2=KEY_ID_2, secret2=SECRET_2)

CONFIG_TEXT = (
    "[sso-session corp]\n"
    "sso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = us-east-1\n"
    "\n"
    "[default]\n"
    "aws_access_key_id = %(id)s\n"
    "aws_secret_access_key = %(secret)s\n"
    "\n"
    "[profile dev]\n"
    "sso_session = corp\n"
    "aws_access_key_id = %(id)s\n"
    "sso_account_id = 012345678901\n"
    "aws_secret_access_key = %(secret)s\n"
    "sso_role_name = Dev\n"
    "s3 =\n"
    "    max_concurrent_requests = 10\n"
    "\n"
    "[profile legacy-ci]\n"
    "region = us-east-1\n"
    "aws_access_key_id = %(id2)s\n"
) % dict(id=KEY_ID, secret=SECRET, id2=KEY_ID_2)

CONFIG_AFTER = (
    "[sso-session corp]\n"
    "sso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = us-east-1\n"
    "\n"
    "[default]\n"
    "\n"
    "[profile dev]\n"
    "sso_session = corp\n"
    "sso_account_id = 012345678901\n"
    "sso_role_name = Dev\n"
    "s3 =\n"
    "    max_concurrent_requests = 10\n"
    "\n"
    "[profile legacy-ci]\n"
    "region = us-east-1\n"
    "aws_access_key_id = %(id2)s\n"
) % dict(id2=KEY_ID_2)


def botocore_reads(text, tmp_path):
    path = tmp_path / "read-back"
    path.write_bytes(text.encode("utf-8"))
    return raw_config_parse(str(path))


# --- plan(): the edit itself ---------------------------------------------------


def test_credentials_byte_exact():
    result = plan(CREDENTIALS_TEXT, CREDENTIALS, ["default", "dev"])
    assert result["text"] == CREDENTIALS_AFTER
    assert result["changed"] is True
    assert result["removed"] == {
        "default": ["aws_access_key_id", "aws_secret_access_key"],
        "dev": ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"],
    }
    assert result["sections_removed"] == ["default"]
    assert result["remaining"] == [dict(profile="legacy-ci", keys=["aws_access_key_id", "aws_secret_access_key"])]


def test_credentials_read_back_by_botocore(tmp_path):
    before = botocore_reads(CREDENTIALS_TEXT, tmp_path)
    after = botocore_reads(plan(CREDENTIALS_TEXT, CREDENTIALS, ["default", "dev"])["text"], tmp_path)
    assert "default" in before and "default" not in after
    assert after["dev"] == {
        "region": "eu-west-1",
        "s3": {"max_concurrent_requests": "10", "addressing_style": "path"},
        "output": "json",
    }
    assert after["legacy-ci"] == before["legacy-ci"]


def test_config_keys_go_sections_stay():
    result = plan(CONFIG_TEXT, CONFIG, ["default", "dev", "not-there"])
    assert result["text"] == CONFIG_AFTER
    assert result["removed"] == {
        "default": ["aws_access_key_id", "aws_secret_access_key"],
        "dev": ["aws_access_key_id", "aws_secret_access_key"],
    }
    assert result["sections_removed"] == []
    assert result["remaining"] == [dict(profile="legacy-ci", keys=["aws_access_key_id"])]


def test_crlf_file_keeps_its_line_endings():
    text = CREDENTIALS_TEXT.replace("\n", "\r\n")
    result = plan(text, CREDENTIALS, ["default", "dev"])
    assert result["text"] == CREDENTIALS_AFTER.replace("\n", "\r\n")


def test_no_final_newline_stays_so():
    text = "[keep]\nregion = us-east-1\n[dev]\nregion = eu-west-1\naws_access_key_id = %s" % KEY_ID
    assert plan(text, CREDENTIALS, ["dev"])["text"] == "[keep]\nregion = us-east-1\n[dev]\nregion = eu-west-1"
    text = "[keep]\nregion = us-east-1\n\n[dev]\naws_access_key_id = %s" % KEY_ID
    assert plan(text, CREDENTIALS, ["dev"])["text"] == "[keep]\nregion = us-east-1\n"
    crlf = "[keep]\r\nk = v\r\n[dev]\r\naws_access_key_id = %s" % KEY_ID
    assert plan(crlf, CREDENTIALS, ["dev"])["text"] == "[keep]\r\nk = v"


def test_emptied_section_takes_inner_comments_keeps_the_next_blocks():
    text = (
        "[a]\n"
        "k = 1\n"
        "\n"
        "[dev]\n"
        "# keys of dev\n"
        "aws_access_key_id = %s\n"
        "aws_secret_access_key = %s\n"
        "\n"
        "\n"
        "; about b\n"
        "\n"
        "[b]\n"
        "k = 2\n"
    ) % (KEY_ID, SECRET)
    result = plan(text, CREDENTIALS, ["dev"])
    assert result["text"] == "[a]\nk = 1\n\n; about b\n\n[b]\nk = 2\n"
    assert result["sections_removed"] == ["dev"]


def test_section_with_only_key_less_lines_left_is_removed_whole():
    text = "[dev]\naws_access_key_id = %s\n[x]\nk = v\n" % KEY_ID
    assert plan(text, CREDENTIALS, ["dev"])["text"] == "[x]\nk = v\n"
    assert plan(text, CREDENTIALS, ["dev", "x"])["text"] == "[x]\nk = v\n"


def test_only_file_content_gone_leaves_an_empty_file():
    text = "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (KEY_ID, SECRET)
    result = plan(text, CREDENTIALS, ["default"])
    assert result["text"] == "" and result["changed"] is True


def test_empty_section_that_had_no_keys_is_left_alone():
    text = "[dev]\n\n[other]\nk = v\n"
    result = plan(text, CREDENTIALS, ["dev"])
    assert result == dict(text=text, changed=False, removed={}, sections_removed=[], remaining=[])


def test_credentials_sections_are_matched_by_literal_name():
    """botocore reads [profile dev] in the credentials file as a profile named "profile dev"."""
    text = "[profile dev]\naws_access_key_id = %s\n[dev]\nregion = x\n" % KEY_ID
    result = plan(text, CREDENTIALS, ["dev"])
    assert result["text"] == text
    assert result["remaining"] == [dict(profile="profile dev", keys=["aws_access_key_id"])]


def test_config_matches_profiles_as_botocore_maps_them():
    text = (
        "[profile default]\naws_access_key_id = %s\n"
        "[default]\naws_secret_access_key = %s\n"
        '[profile "dev"]\naws_session_token = %s\n'
        "[dev]\naws_access_key_id = %s\n"
        "[profile a b]\naws_access_key_id = %s\n"
        "[sso-session dev]\naws_access_key_id = %s\n"
    ) % (KEY_ID, SECRET, TOKEN, KEY_ID_2, KEY_ID_2, KEY_ID_2)
    result = plan(text, CONFIG, ["default", "dev"])
    assert result["text"] == (
        "[profile default]\n[default]\n" + '[profile "dev"]\n'
        "[dev]\naws_access_key_id = %s\n"
        "[profile a b]\naws_access_key_id = %s\n"
        "[sso-session dev]\naws_access_key_id = %s\n"
    ) % (KEY_ID_2, KEY_ID_2, KEY_ID_2)
    assert result["removed"] == {
        "default": ["aws_access_key_id", "aws_secret_access_key"],
        "dev": ["aws_session_token"],
    }
    # [dev] in the config file is no profile, [profile a b] is ignored by
    # botocore, [sso-session dev] is a session: none of them is a profile's keys.
    assert result["remaining"] == []


def test_security_token_is_a_static_key_too():
    text = "[dev]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_security_token = %s\n" % (
        KEY_ID,
        SECRET,
        TOKEN,
    )
    result = plan(text, CREDENTIALS, ["dev"])
    assert result["text"] == "" and "aws_security_token" in result["removed"]["dev"]


def test_continuation_lines_go_with_their_key(tmp_path):
    """Left behind, an indented line would join the key above it and change its value."""
    text = "[dev]\nregion = us-east-1\naws_secret_access_key = abc\n  def\n# between\n  ghi\noutput = json\n"
    result = plan(text, CREDENTIALS, ["dev"])
    assert result["text"] == "[dev]\nregion = us-east-1\noutput = json\n"
    assert botocore_reads(result["text"], tmp_path) == {"dev": {"region": "us-east-1", "output": "json"}}


def test_nested_sub_setting_named_like_a_key_is_not_a_key():
    text = "[dev]\ns3 =\n  aws_access_key_id = x\n"
    result = plan(text, CREDENTIALS, ["dev"])
    assert result["text"] == text and result["removed"] == {}


def test_nothing_to_do():
    assert plan("", CREDENTIALS, ["dev"])["changed"] is False
    text = "# only\n[dev]\nregion = x"
    assert plan(text, CREDENTIALS, ["dev"]) == dict(
        text=text, changed=False, removed={}, sections_removed=[], remaining=[]
    )


def test_unlisted_profiles_are_counted_not_touched():
    result = plan(CREDENTIALS_TEXT, CREDENTIALS, [])
    assert result["text"] == CREDENTIALS_TEXT and result["changed"] is False
    assert [item["profile"] for item in result["remaining"]] == ["default", "dev", "legacy-ci"]
    assert result["remaining"][1]["keys"] == ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]


@pytest.mark.parametrize(
    "text, lineno",
    [
        ("[dev]\naws_access_key_id = A\n[other]\nk = v\n[dev]\nk = v\n", 5),
        ("[dev]\naws_access_key_id = %s\nAWS_ACCESS_KEY_ID = %s\n" % (KEY_ID, KEY_ID_2), 3),
        ("%s\n[dev]\naws_access_key_id = x\n" % SECRET, 1),
        ("[dev]\naws_access_key_id = x\n%s\n" % SECRET, 3),
        ("[DEFAULT]\naws_access_key_id = %s\n" % KEY_ID, 1),
    ],
)
def test_files_botocore_refuses_are_refused_with_the_line_never_the_value(text, lineno):
    with pytest.raises(ConfigFileError) as info:
        plan(text, CREDENTIALS, ["dev"])
    assert info.value.lineno == lineno
    assert info.value.redacted.startswith("line %d: " % lineno)
    for value in VALUES:
        assert value not in info.value.redacted


# --- differential: whatever the file, botocore reads the rest unchanged -------------

_KEY_NAMES = st.sampled_from(
    [
        "aws_access_key_id",
        "AWS_ACCESS_KEY_ID",
        "aws_secret_access_key",
        "Aws_Secret_Access_Key",
        "aws_session_token",
        "aws_security_token",
        "region",
        "output",
        "s3",
        "x",
    ]
)
_VALUE = st.sampled_from(["", "v", KEY_ID, SECRET, "a = b", "# not a comment"])
_EOL = st.sampled_from(["\n", "\n", "\r\n", "\r"])
_EXTRA = st.sampled_from(["", "  continued", "\tmore = 1", "# note", "; note", "   ", "  # indented comment"])
_HEADERS = st.sampled_from(["default", "dev", "profile dev", "profile default", "ci", "legacy", 'profile "ci"'])


@st.composite
def key_files(draw):
    lines = []
    if draw(st.booleans()):
        lines.append("# top" + draw(_EOL))
    for header in draw(st.lists(_HEADERS, max_size=5, unique=True)):
        lines.append("%s[%s]%s" % (draw(st.sampled_from(["", " "])), header, draw(_EOL)))
        for key in draw(st.lists(_KEY_NAMES, max_size=5, unique_by=str.lower)):
            sep = draw(st.sampled_from([" = ", "=", ": ", " :"]))
            lines.append("%s%s%s%s%s" % (draw(st.sampled_from(["", " "])), key, sep, draw(_VALUE), draw(_EOL)))
            lines.extend(extra + draw(_EOL) for extra in draw(st.lists(_EXTRA, max_size=2)))
    text = "".join(lines)
    if text and draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text


def _parse(text, tmp_path):
    path = tmp_path / "parsed"
    path.write_bytes(text.encode("utf-8"))
    parser = configparser.RawConfigParser(strict=True)
    parser.read(str(path), encoding="utf-8")
    return {name: {key: parser.get(name, key) for key in parser.options(name)} for name in parser.sections()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=key_files(),
    kind=st.sampled_from([CREDENTIALS, CONFIG]),
    listed=st.sets(st.sampled_from(["default", "dev", "ci", "legacy", "profile dev"])),
)
def test_botocore_reads_the_old_file_minus_the_keys(tmp_path, text, kind, listed):
    profiles = sorted(listed)
    try:
        before = _parse(text, tmp_path)
    except configparser.Error:
        with pytest.raises(ConfigFileError):
            plan(text, kind, profiles)
        return
    result = plan(text, kind, profiles)
    after = _parse(result["text"], tmp_path)
    expected = {}
    for section, values in before.items():
        managed = static_keys._profile_of(kind, scan("[%s]\n" % section).sections[0]) in profiles
        if managed:
            values = {k: v for k, v in values.items() if k not in static_keys.STATIC_KEYS}
            if not values and kind == CREDENTIALS and section in result["sections_removed"]:
                continue
        expected[section] = values
    assert after == expected
    # The new text is original lines, byte for byte and in order, only fewer
    # (the last one may have lost its line ending: the file had none).
    assert any(_is_subsequence_of_lines(result["text"] + eol, text) for eol in ("", "\n", "\r\n", "\r"))


def _is_subsequence_of_lines(new, old):
    lines = scan(old).lines

    @functools.lru_cache(maxsize=None)
    def match(index, pos):
        # Not greedy: a line ending in a lone CR is a prefix of one ending in CRLF.
        if pos == len(new):
            return True
        if index == len(lines):
            return False
        line = lines[index]
        return (new.startswith(line, pos) and match(index + 1, pos + len(line))) or match(index + 1, pos)

    return match(0, 0)


# --- process_user(): as the user, with atomic_file ------------------------------------


@pytest.fixture
def home(tmp_path):
    aws = tmp_path / ".aws"
    aws.mkdir(mode=0o700)
    return tmp_path


def paths_in(home):
    return {CREDENTIALS: str(home / ".aws" / "credentials"), CONFIG: str(home / ".aws" / "config")}


def write(path, text, mode=0o600):
    with open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))
    os.chmod(path, mode)


def run(home, profiles, backup=True, check_mode=False, want_diff=True):
    return process_user(account(), paths_in(home), profiles, backup, check_mode, want_diff)


def test_process_user_removes_backs_up_and_is_idempotent(home):
    paths = paths_in(home)
    write(paths[CREDENTIALS], CREDENTIALS_TEXT, 0o644)
    write(paths[CONFIG], CONFIG_TEXT)
    result = run(home, ["default", "dev"])
    assert result["changed"] is True and "failed" not in result
    assert result["removed"][CREDENTIALS]["dev"] == ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]
    assert result["removed"][CONFIG]["dev"] == ["aws_access_key_id", "aws_secret_access_key"]
    assert result["sections_removed"] == ["default"]
    assert result["remaining"] == [
        dict(file=CREDENTIALS, profile="legacy-ci", keys=["aws_access_key_id", "aws_secret_access_key"]),
        dict(file=CONFIG, profile="legacy-ci", keys=["aws_access_key_id"]),
    ]
    with open(paths[CREDENTIALS]) as handle:
        assert handle.read() == CREDENTIALS_AFTER
    with open(paths[CONFIG]) as handle:
        assert handle.read() == CONFIG_AFTER
    assert stat.S_IMODE(os.stat(paths[CREDENTIALS]).st_mode) == 0o600
    assert len(result["backup_files"]) == 2
    for backup, original in zip(result["backup_files"], (CREDENTIALS_TEXT, CONFIG_TEXT)):
        assert stat.S_IMODE(os.lstat(backup).st_mode) == 0o600
        with open(backup) as handle:
            assert handle.read() == original
    assert [d["before_header"] for d in result["diff"]] == [paths[CREDENTIALS], paths[CONFIG]]
    shown = repr(result)
    for value in (KEY_ID, SECRET, TOKEN):
        assert value not in shown
    assert "-aws_secret_access_key = ********" not in shown  # diffs are texts, not diff lines
    assert "aws_secret_access_key = ********" in result["diff"][0]["before"]

    again = run(home, ["default", "dev"])
    assert again["changed"] is False and again["backup_files"] == [] and again["diff"] == []
    assert again["remaining"] == result["remaining"]


def test_check_mode_writes_nothing(home):
    paths = paths_in(home)
    write(paths[CREDENTIALS], CREDENTIALS_TEXT)
    before = os.stat(paths[CREDENTIALS])
    result = run(home, ["dev"], check_mode=True)
    assert result["changed"] is True
    assert result["removed"][CREDENTIALS] == {
        "dev": ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"]
    }
    assert result["backup_files"] == []
    assert sorted(os.listdir(home / ".aws")) == ["credentials"]
    after = os.stat(paths[CREDENTIALS])
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert MASK in result["diff"][0]["before"]


def test_missing_files_are_nothing_to_do(home):
    result = run(home, ["dev"])
    assert result == dict(
        changed=False,
        removed={CREDENTIALS: {}, CONFIG: {}},
        sections_removed=[],
        backup_files=[],
        remaining=[],
        backups=[],
        backups_deleted=[],
        diff=[],
    )
    assert os.listdir(home / ".aws") == []


def test_without_diff_no_diff_key_and_without_backup_no_backup(home):
    paths = paths_in(home)
    write(paths[CREDENTIALS], CREDENTIALS_TEXT)
    result = run(home, ["dev"], backup=False, want_diff=False)
    assert "diff" not in result and result["backup_files"] == []
    assert sorted(os.listdir(home / ".aws")) == ["credentials"]


def test_a_file_botocore_refuses_leaves_both_files_untouched(home):
    paths = paths_in(home)
    write(paths[CREDENTIALS], CREDENTIALS_TEXT)
    broken = "[profile dev]\nregion = a\n\n[profile dev]\naws_secret_access_key = %s\n" % SECRET
    write(paths[CONFIG], broken)
    result = run(home, ["dev"])
    assert result["failed"] is True
    assert result["msg"].startswith("%s line 4: section [profile dev] is already defined at line 1" % paths[CONFIG])
    assert result["changed"] is False and result["backup_files"] == []
    with open(paths[CREDENTIALS]) as handle:
        assert handle.read() == CREDENTIALS_TEXT
    with open(paths[CONFIG]) as handle:
        assert handle.read() == broken


def test_a_pasted_value_on_its_own_line_is_refused_without_showing_it(home):
    paths = paths_in(home)
    write(paths[CREDENTIALS], "[dev]\naws_access_key_id = %s\n%s\n" % (KEY_ID, SECRET))
    result = run(home, ["dev"])
    assert result["failed"] is True and "line 3: cannot parse this line" in result["msg"]
    assert SECRET not in result["msg"] and KEY_ID not in result["msg"]


def test_a_file_of_someone_else_is_refused(home):
    paths = paths_in(home)
    write(paths[CREDENTIALS], CREDENTIALS_TEXT)
    os.chown(paths[CREDENTIALS], 65534, 65534)
    result = run(home, ["dev"])
    assert result["failed"] is True and "neither read nor changed" in result["msg"]
    with open(paths[CREDENTIALS]) as handle:
        assert handle.read() == CREDENTIALS_TEXT


def test_a_conflicting_write_is_planned_again_from_the_new_file(home, monkeypatch):
    """Someone adds a profile between the read and the write: it survives, the keys still go."""
    paths = paths_in(home)
    write(paths[CREDENTIALS], CREDENTIALS_TEXT)
    real = static_keys.write_if_unchanged
    calls = []

    def racing(path, content, expected, owner, backup):
        calls.append(path)
        if len(calls) == 1:
            with open(path, "a") as handle:
                handle.write("[new]\naws_access_key_id = %s\n" % KEY_ID_2)
        return real(path, content, expected, owner, backup)

    monkeypatch.setattr(static_keys, "write_if_unchanged", racing)
    result = run(home, ["default", "dev"])
    assert len(calls) == 2 and result["changed"] is True
    with open(paths[CREDENTIALS]) as handle:
        assert handle.read() == CREDENTIALS_AFTER + "[new]\naws_access_key_id = %s\n" % KEY_ID_2
    assert [item["profile"] for item in result["remaining"]] == ["legacy-ci", "new"]


def test_a_file_that_keeps_changing_fails_the_user(home, monkeypatch):
    paths = paths_in(home)
    write(paths[CREDENTIALS], CREDENTIALS_TEXT)
    monkeypatch.setattr(static_keys, "write_if_unchanged", lambda *args: dict(conflict=True))
    monkeypatch.setattr(static_keys.time, "sleep", lambda seconds: None)
    result = run(home, ["dev"])
    assert result["failed"] is True and "kept changing" in result["msg"]


def test_an_indented_header_after_an_emptied_section_keeps_that_sections_header():
    """Without [dev], " [x]" would continue the key of [default]: only dev's key line goes."""
    text = "[default]\naws_access_key_id = %s\n[dev]\n aws_access_key_id = %s\n [x]\nk = v\n" % (KEY_ID, KEY_ID_2)
    result = plan(text, CREDENTIALS, ["dev"])
    assert result["text"] == "[default]\naws_access_key_id = %s\n[dev]\n [x]\nk = v\n" % KEY_ID
    assert result["sections_removed"] == [] and result["removed"] == {"dev": ["aws_access_key_id"]}
    # With nothing indented, the same section goes whole.
    flat = text.replace("\n ", "\n")
    assert plan(flat, CREDENTIALS, ["dev"])["sections_removed"] == ["dev"]


def test_a_plan_that_would_change_other_settings_is_refused(monkeypatch):
    """The read-back check is what stands between a scanner bug and a user's file.

    The bug simulated: spans that forget continuation lines, which would
    then join the value of the key above.
    """
    real_scan = static_keys.scan
    calls = []

    def forgetful_scan(text):
        scanned = real_scan(text)
        if not calls:
            for section in scanned.sections:
                for option in section.options.values():
                    option.end = option.lineno
        calls.append(text)
        return scanned

    monkeypatch.setattr(static_keys, "scan", forgetful_scan)
    text = "[dev]\nregion = us-east-1\naws_secret_access_key =\n  %s\noutput = json\n" % SECRET
    with pytest.raises(StaticKeysError) as info:
        plan(text, CREDENTIALS, ["dev"])
    assert "nothing was written" in str(info.value) and SECRET not in str(info.value)
