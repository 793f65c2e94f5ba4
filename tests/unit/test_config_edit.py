"""apply(): exact output for given input and declaration, checked again by botocore."""

import difflib
from pathlib import Path

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.config_edit import apply
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError

from .helpers import botocore_read, declare, profile, session

FILES = Path(__file__).parent / "files"


def fixture(name):
    return (FILES / name).read_bytes().decode("utf-8")


TEAM = fixture("team.config")
CORP = session()
ANALYST = profile("analyst", account="011122223333", role="ReadOnly", region="eu-west-1")


def run(text, **args):
    """apply() plus the checks every written result must pass."""
    decl = declare(**args)
    result = apply(text, decl)
    again = apply(result.text, decl)
    assert again.text == result.text, "second run changed the file"
    assert again.added == again.updated == again.removed == {"sso-session": [], "profile": [], "services": []}
    check_botocore_reads(result.text, decl)
    return result


def check_botocore_reads(text, decl):
    parsed = botocore_read(text)
    for block in decl.blocks():
        table = parsed["profiles"] if block.kind == "profile" else parsed["sso_sessions"]
        if block.state == "absent":
            assert block.name not in table
            continue
        got = table[block.name]
        for key, value in block.keys.items():
            assert got[key] == value, (block.name, key)
        if block.purge_keys:
            assert set(got) == set(block.keys)
    return parsed


def changed_lines(before, after):
    diff = difflib.ndiff(before.splitlines(True), after.splitlines(True))
    return [line for line in diff if line[:1] in "+-"]


# --- nothing to do --------------------------------------------------------


def test_declaring_what_is_there_changes_nothing():
    result = run(TEAM, sso_sessions=[CORP], profiles=[ANALYST])
    assert result.text == TEAM
    assert result.updated == result.added == result.removed == {"sso-session": [], "profile": [], "services": []}


def test_nested_settings_equal_to_the_file_are_no_change():
    analyst = dict(ANALYST, settings={"s3": {"max_concurrent_requests": "10", "addressing_style": "path"}})
    assert run(TEAM, sso_sessions=[CORP], profiles=[analyst]).text == TEAM


@pytest.mark.parametrize("name", ["team.config", "legacy.config", "no-final-newline.config", "profile-default.config"])
def test_empty_declaration_keeps_every_byte(name):
    assert apply(fixture(name), declare()).text == fixture(name)


# --- updates --------------------------------------------------------------


def test_updating_one_key_changes_exactly_one_line():
    result = run(TEAM, sso_sessions=[CORP], profiles=[dict(ANALYST, region="ap-southeast-2")])
    assert changed_lines(TEAM, result.text) == ["- region = eu-west-1\n", "+ region = ap-southeast-2\n"]
    assert result.updated == {"sso-session": [], "profile": ["analyst"], "services": []}
    # Comments inside the block, the nested s3 value and all other blocks stay.
    assert result.text == TEAM.replace("region = eu-west-1\n", "region = ap-southeast-2\n")


def test_updating_a_session_key():
    result = run(TEAM, sso_sessions=[session(url="https://corp-new.awsapps.com/start")], profiles=[ANALYST])
    assert changed_lines(TEAM, result.text) == [
        "- sso_start_url = https://corp.awsapps.com/start\n",
        "+ sso_start_url = https://corp-new.awsapps.com/start\n",
    ]
    assert result.updated == {"sso-session": ["corp"], "profile": [], "services": []}


def test_new_key_goes_after_the_last_option_of_the_block():
    result = run(TEAM, sso_sessions=[CORP], profiles=[dict(ANALYST, output="yaml")])
    expected = TEAM.replace("    addressing_style = path\n", "    addressing_style = path\noutput = yaml\n")
    assert result.text == expected


def test_changing_a_nested_value():
    analyst = dict(ANALYST, settings={"s3": {"max_concurrent_requests": "20", "addressing_style": "path"}})
    result = run(TEAM, sso_sessions=[CORP], profiles=[analyst])
    parsed = botocore_read(result.text)
    assert parsed["profiles"]["analyst"]["s3"] == {"max_concurrent_requests": "20", "addressing_style": "path"}
    # Only the s3 value of the analyst block may differ.
    before = TEAM.split("[profile analyst]")
    after = result.text.split("[profile analyst]")
    assert after[0] == before[0]
    assert after[1].split("[profile legacy]")[1] == before[1].split("[profile legacy]")[1]


def test_adding_nested_settings_to_a_block():
    result = run(
        TEAM,
        sso_sessions=[CORP],
        profiles=[
            dict(
                profile("personal", sso_session=None, account=None, role=None),
                settings={"sts": {"region": "us-east-1"}},
            )
        ],
    )
    assert result.text == TEAM.replace("region = us-west-2\n", "region = us-west-2\nsts =\n    region = us-east-1\n")
    assert botocore_read(result.text)["profiles"]["personal"]["sts"] == {"region": "us-east-1"}


# --- additions ------------------------------------------------------------


def test_add_blocks_to_an_empty_file():
    result = run(
        "",
        sso_sessions=[session("recro", url="https://recrocog.awsapps.com/start")],
        profiles=[
            profile(
                "recrocog-admin",
                sso_session="recro",
                account="000011112222",
                role="adminAccess",
                region="us-east-1",
                output="json",
            )
        ],
    )
    assert result.text == (
        "[sso-session recro]\n"
        "sso_start_url = https://recrocog.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
        "\n"
        "[profile recrocog-admin]\n"
        "sso_session = recro\n"
        "sso_account_id = 000011112222\n"
        "sso_role_name = adminAccess\n"
        "region = us-east-1\n"
        "output = json\n"
    )
    assert result.added == {"sso-session": ["recro"], "profile": ["recrocog-admin"], "services": []}
    parsed = botocore_read(result.text)
    assert parsed["profiles"]["recrocog-admin"]["sso_account_id"] == "000011112222"


def test_add_default_profile_writes_default_header():
    result = run("", sso_sessions=[CORP], profiles=[profile("default")])
    assert "[default]\n" in result.text and "[profile default]" not in result.text
    assert botocore_read(result.text)["profiles"]["default"]["sso_session"] == "corp"


def test_add_profile_appends_after_everything_else():
    result = run(TEAM, sso_sessions=[CORP], profiles=[profile("ops", role="Operator")])
    assert (
        result.text
        == TEAM + "\n[profile ops]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Operator\n"
    )
    assert result.added == {"sso-session": [], "profile": ["ops"], "services": []}


def test_add_to_file_without_final_newline():
    text = fixture("no-final-newline.config")
    result = run(
        text,
        sso_sessions=[session("recro", url="https://recro.awsapps.com/start")],
        profiles=[profile("ops", sso_session="recro")],
    )
    # sso_registration_scopes defaults to sso:account:access, so the session
    # gains that line; the new profile follows after one blank line.
    assert result.text == (
        text
        + "\nsso_registration_scopes = sso:account:access"
        + "\n\n[profile ops]\nsso_session = recro\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
    )


def test_add_only_a_block_to_file_without_final_newline():
    text = "[profile dev]\nregion = us-east-1"
    result = run(text, profiles=[dict(name="ops", region="eu-west-1")])
    assert result.text == "[profile dev]\nregion = us-east-1\n\n[profile ops]\nregion = eu-west-1\n"


def test_update_last_line_of_file_without_final_newline():
    text = fixture("no-final-newline.config")
    result = run(text, sso_sessions=[session("recro", url="https://recro.awsapps.com/start", region="eu-west-1")])
    # The scopes key is added after the last option; the file still ends
    # without a newline, as the user left it.
    assert result.text == text.replace(
        "sso_region = us-east-1", "sso_region = eu-west-1\nsso_registration_scopes = sso:account:access"
    )
    assert not result.text.endswith("\n")


# --- CRLF -----------------------------------------------------------------


def test_crlf_file_keeps_crlf():
    text = TEAM.replace("\n", "\r\n")
    result = run(text, sso_sessions=[CORP], profiles=[dict(ANALYST, region="us-east-2"), profile("ops")])
    expected = (
        TEAM.replace("region = eu-west-1\n", "region = us-east-2\n")
        + "\n[profile ops]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
    ).replace("\n", "\r\n")
    assert result.text == expected


def test_crlf_file_unchanged_when_nothing_to_do():
    text = TEAM.replace("\n", "\r\n")
    assert run(text, sso_sessions=[CORP], profiles=[ANALYST]).text == text


# --- removal --------------------------------------------------------------


def test_state_absent_removes_the_block_and_its_trailing_blank_line():
    result = run(TEAM, profiles=[dict(name="legacy", state="absent")])
    assert result.text == TEAM.replace(
        "[profile legacy]\n"
        "sso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_account_id = 444455556666\n"
        "sso_role_name = Admin\n"
        "\n",
        "",
    )
    assert result.removed == {"sso-session": [], "profile": ["legacy"], "services": []}


def test_state_absent_for_a_missing_block_is_no_change():
    result = run(TEAM, profiles=[dict(name="nobody", state="absent")])
    assert result.text == TEAM and result.removed == {"sso-session": [], "profile": [], "services": []}


def test_removing_the_default_profile():
    result = run(TEAM, profiles=[dict(name="default", state="absent")])
    assert result.text == TEAM.replace("[default]\nregion = us-east-1\noutput = json\n\n", "")
    assert "default" not in botocore_read(result.text)["profiles"]


def test_removing_a_session_still_used_by_an_unmanaged_profile():
    with pytest.raises(DeclarationError) as info:
        apply(TEAM, declare(sso_sessions=[dict(name="corp", state="absent")]))
    assert info.value.problems == [
        "sso-session 'corp' is declared with state: absent, but profile 'analyst' (already in the file) still "
        "uses it; keep it (state: present), or remove that profile"
    ]


SEVEN = "".join(
    "[profile %s]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n" % name
    for name in ("g", "b", "f", "a", "e", "c", "d")
)


def test_removing_a_session_that_seven_profiles_use_is_one_problem():
    with pytest.raises(DeclarationError) as info:
        apply(TEAM + "\n" + SEVEN, declare(sso_sessions=[dict(name="corp", state="absent")]))
    assert info.value.problems == [
        "sso-session 'corp' is declared with state: absent, but profiles 'a', 'analyst', 'b', 'c', 'd', 'e', "
        "'f', 'g' (already in the file) still use it; keep it (state: present), or remove those profiles"
    ]


def test_declared_and_file_profiles_of_a_removed_session_are_told_apart():
    with pytest.raises(DeclarationError) as info:
        apply(
            TEAM,
            declare(
                sso_sessions=[dict(name="corp", state="absent")],
                profiles=[profile("zeta"), profile("ops")],
            ),
        )
    assert info.value.problems == [
        "sso-session 'corp' is declared with state: absent, but profiles 'ops', 'zeta' and profile 'analyst' "
        "(already in the file) still use it; keep it (state: present), or remove those profiles"
    ]


def test_exclusive_removing_a_session_still_used_is_one_problem():
    with pytest.raises(DeclarationError) as info:
        apply(TEAM, declare(exclusive=True, profiles=[profile("ops"), profile("dev")]))
    assert info.value.problems == [
        "sso-session 'corp' is not declared and exclusive: true removes it, but profiles 'dev', 'ops' still "
        "use it; declare it under sso_sessions, or remove those profiles"
    ]


def test_removing_a_session_with_its_profiles():
    result = run(
        TEAM,
        sso_sessions=[dict(name="corp", state="absent")],
        profiles=[dict(name="analyst", state="absent")],
    )
    assert "[sso-session corp]" not in result.text and "[profile analyst]" not in result.text
    assert result.removed == {"sso-session": ["corp"], "profile": ["analyst"], "services": []}


# --- exclusive ------------------------------------------------------------


def test_exclusive_removes_only_undeclared_profiles_sessions_default_and_services():
    result = run(TEAM, exclusive=True, sso_sessions=[CORP], profiles=[ANALYST])
    expected = (
        "# AWS CLI configuration for the lab (edited by hand)\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
        "\n"
        "# Analysts use read-only access\n"
        "[profile analyst]\n"
        "sso_session = corp\n"
        "sso_account_id = 011122223333\n"
        "; ask the platform team before changing the role\n"
        "sso_role_name = ReadOnly\n"
        "region = eu-west-1\n"
        "s3 =\n"
        "    max_concurrent_requests = 10\n"
        "    addressing_style = path\n"
        "\n"
        "[plugins]\n"
        "cli_legacy_plugin_path = /opt/plugins\n"
        "endpoint = awscli_plugin_endpoint\n"
        "\n"
    )
    assert result.text == expected
    assert sorted(result.removed["profile"]) == ["default", "legacy", "personal"]
    assert result.removed["services"] == ["local"]
    parsed = botocore_read(result.text)
    assert set(parsed["profiles"]) == {"analyst"}
    assert set(parsed["sso_sessions"]) == {"corp"}
    assert parsed["services"] == {}
    assert parsed["plugins"] == {"cli_legacy_plugin_path": "/opt/plugins", "endpoint": "awscli_plugin_endpoint"}


def test_exclusive_removes_undeclared_session():
    text = TEAM + "\n[sso-session stale]\nsso_start_url = https://stale.awsapps.com/start\nsso_region = us-east-1\n"
    result = run(text, exclusive=True, sso_sessions=[CORP], profiles=[ANALYST])
    assert result.removed["sso-session"] == ["stale"]
    assert "stale" not in botocore_read(result.text)["sso_sessions"]


def test_exclusive_with_nothing_declared_keeps_only_unmanaged_sections():
    result = run(TEAM, exclusive=True)
    parsed = botocore_read(result.text)
    assert parsed["profiles"] == {} and parsed["sso_sessions"] == {} and parsed["services"] == {}
    assert set(parsed) == {"profiles", "sso_sessions", "services", "plugins"}


# --- purge_keys -----------------------------------------------------------


def test_purge_keys_drops_undeclared_keys_only_in_that_block():
    result = run(
        TEAM, sso_sessions=[CORP], profiles=[dict(profile("analyst", account="011122223333"), purge_keys=True)]
    )
    expected = TEAM.replace(
        "sso_role_name = ReadOnly\n"
        "region = eu-west-1\n"
        "s3 =\n"
        "    max_concurrent_requests = 10\n"
        "    addressing_style = path\n",
        "sso_role_name = ReadOnly\n",
    )
    assert result.text == expected
    assert botocore_read(result.text)["profiles"]["analyst"] == {
        "sso_session": "corp",
        "sso_account_id": "011122223333",
        "sso_role_name": "ReadOnly",
    }


def test_without_purge_keys_extra_keys_stay():
    result = run(TEAM, sso_sessions=[CORP], profiles=[profile("analyst", account="011122223333")])
    assert result.text == TEAM


# --- legacy profiles --------------------------------------------------------


LEGACY = fixture("legacy.config")
DISASTERS = session("disasters", url="https://disasters.awsapps.com/start")
OLD_ADMIN = profile("old-admin", sso_session="disasters", account="867530900000", role="Project-Power-User")


def test_legacy_profile_migrated_to_session():
    result = run(LEGACY, sso_sessions=[DISASTERS], profiles=[OLD_ADMIN])
    assert result.text == (
        "[profile old-admin]\n"
        "sso_account_id = 867530900000\n"
        "sso_role_name = Project-Power-User\n"
        "region = us-east-1\n"
        "output = json\n"
        "sso_session = disasters\n"
        "\n"
        "[sso-session disasters]\n"
        "sso_start_url = https://disasters.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n"
    )
    assert result.updated["profile"] == ["old-admin"] and result.added["sso-session"] == ["disasters"]


def test_legacy_keys_kept_when_not_migrating_and_consistent():
    result = run(LEGACY, migrate_legacy=False, sso_sessions=[DISASTERS], profiles=[OLD_ADMIN])
    parsed = botocore_read(result.text)
    assert parsed["profiles"]["old-admin"]["sso_start_url"] == "https://disasters.awsapps.com/start"
    assert parsed["profiles"]["old-admin"]["sso_session"] == "disasters"


def test_legacy_keys_differing_without_migration_is_refused():
    with pytest.raises(DeclarationError) as info:
        apply(
            LEGACY,
            declare(
                migrate_legacy=False,
                sso_sessions=[session("disasters", url="https://disasters.awsapps.com/start", region="us-west-2")],
                profiles=[OLD_ADMIN],
            ),
        )
    message = str(info.value)
    assert "profile 'old-admin'" in message and "sso_region = us-east-1" in message
    assert "migrate_legacy" in message


# --- [profile default] ----------------------------------------------------


def test_profile_default_renamed_to_default():
    text = fixture("profile-default.config")
    result = run(
        text, sso_sessions=[dict(CORP, sso_registration_scopes="sso:account:access")], profiles=[profile("default")]
    )
    assert result.text == text.replace("[profile default]\n", "[default]\n").replace(
        "sso_region = us-east-1\n", "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    )


def test_default_and_profile_default_both_present_is_refused():
    text = "[default]\nregion = us-east-1\n\n[profile default]\noutput = json\n"
    with pytest.raises(DeclarationError) as info:
        apply(text, declare(profiles=[dict(name="default", region="us-east-1")]))
    message = str(info.value)
    assert "[default] at line 1" in message and "[profile default] at line 4" in message


# --- references -------------------------------------------------------------


def test_profile_referencing_missing_session_is_refused():
    with pytest.raises(DeclarationError) as info:
        apply(TEAM, declare(profiles=[profile("ops", sso_session="elsewhere")]))
    assert info.value.problems == [
        "sso-session 'elsewhere' is neither in the file nor declared, but profile 'ops' uses it; "
        "declare it under sso_sessions, or remove that profile"
    ]


def test_misspelt_session_reference_suggests_the_session():
    with pytest.raises(DeclarationError) as info:
        apply(TEAM, declare(profiles=[profile("ops", sso_session="crop")]))
    assert info.value.problems == [
        "sso-session 'crop' is neither in the file nor declared, but profile 'ops' uses it; "
        "did you mean 'corp'? Otherwise declare it under sso_sessions, or remove that profile"
    ]


def test_missing_sessions_and_mismatches_are_each_reported():
    text = TEAM.replace(
        "[profile analyst]\nsso_session = corp\n", "[profile analyst]\nsso_session = corp\nsso_region = us-east-1\n"
    )
    text += "\n[profile stray]\nsso_session = gone\n"
    with pytest.raises(DeclarationError) as info:
        apply(
            text, declare(sso_sessions=[session(region="eu-central-1")], profiles=[profile("ops", sso_session="gone")])
        )
    assert info.value.problems[0] == (
        "sso-session 'gone' is neither in the file nor declared, but profile 'ops' and profile 'stray' "
        "(already in the file) use it; declare it under sso_sessions, or remove those profiles"
    )
    assert len(info.value.problems) == 2
    assert info.value.problems[1].startswith("profile 'analyst' (already in the file) sets sso_region = us-east-1")


def test_profile_referencing_session_already_in_the_file_is_fine():
    result = run(TEAM, profiles=[profile("ops")])
    assert botocore_read(result.text)["profiles"]["ops"]["sso_session"] == "corp"


def test_inconsistent_key_between_declared_profile_and_session_is_refused():
    # A declared profile keeps a stale legacy key when migration is off.
    text = TEAM.replace(
        "sso_account_id = 011122223333\n",
        "sso_account_id = 011122223333\nsso_start_url = https://old.awsapps.com/start\n",
    )
    with pytest.raises(DeclarationError) as info:
        apply(text, declare(migrate_legacy=False, sso_sessions=[CORP], profiles=[ANALYST]))
    message = str(info.value)
    assert "profile 'analyst' sets sso_start_url = https://old.awsapps.com/start" in message
    assert "sso-session 'corp' has https://corp.awsapps.com/start" in message
    assert "remove it from the profile" in message


def test_inconsistent_region_between_unmanaged_profile_and_session():
    text = TEAM.replace(
        "[profile analyst]\nsso_session = corp\n", "[profile analyst]\nsso_session = corp\nsso_region = us-east-1\n"
    )
    with pytest.raises(DeclarationError) as info:
        apply(text, declare(sso_sessions=[session(region="eu-central-1")]))
    message = str(info.value)
    assert "profile 'analyst' (already in the file) sets sso_region = us-east-1" in message
    assert "'corp' has eu-central-1" in message


# --- malformed files --------------------------------------------------------


@pytest.mark.parametrize(
    "text, lineno",
    [
        ("[profile a]\nregion = us-east-1\n[profile a]\nregion = us-east-1\n", 3),
        ("[profile a]\nregion = us-east-1\nREGION = us-east-2\n", 3),
        ("region = us-east-1\n[profile a]\n", 1),
        ("# fine\n\nnot a setting\n[profile a]\n", 3),
        ("[profile a]\nregion = us-east-1\ngarbage\n", 3),
    ],
)
def test_malformed_files_are_refused_with_the_line(text, lineno):
    with pytest.raises(ConfigFileError) as info:
        apply(text, declare(sso_sessions=[CORP], profiles=[profile("new")]))
    assert info.value.lineno == lineno
    assert str(info.value).startswith("line %d:" % lineno)


# --- headers and keys written differently by hand ----------------------------


def test_quoted_header_is_the_same_profile_and_is_edited_in_place():
    text = '[profile "dev"]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n'
    result = run(text, sso_sessions=[CORP], profiles=[profile("dev", region="us-east-2")])
    assert result.text.startswith(
        '[profile "dev"]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-2\n'
    )
    assert result.updated["profile"] == ["dev"] and result.added["profile"] == []


def test_upper_case_key_in_file_is_updated_not_duplicated():
    text = "[profile dev]\nRegion = us-east-1\n"
    result = run(text, profiles=[dict(name="dev", region="eu-west-1")])
    assert changed_lines(text, result.text) in (
        ["- Region = us-east-1\n", "+ Region = eu-west-1\n"],
        ["- Region = us-east-1\n", "+ region = eu-west-1\n"],
    )


def test_unmanaged_blocks_with_odd_content_survive_an_edit():
    text = (
        "[profile hand]\n"
        "credential_process = /bin/creds  # keeps this\n"
        "s3 =\n"
        "\tmax_bandwidth = 50MB/s\n"
        "\n"
        "   ; indented comment\n"
        "[profile dev]\n"
        "region: us-east-1\n"
    )
    result = run(text, profiles=[dict(name="dev", region="eu-west-1")])
    # configupdater may respace the rewritten line itself; only that line
    # may differ.
    changes = changed_lines(text, result.text)
    assert changes[0] == "- region: us-east-1\n" and len(changes) == 2
    assert changes[1].replace(" ", "") == "+region:eu-west-1\n"
    assert botocore_read(result.text)["profiles"]["hand"] == {
        "credential_process": "/bin/creds  # keeps this",
        "s3": {"max_bandwidth": "50MB/s"},
    }
