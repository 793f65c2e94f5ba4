"""Every refusal names the offending field and says how to fix it."""

import re

import pytest
import yaml

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import (
    ARGUMENT_SPEC,
    PROFILE_SPEC,
    SESSION_SPEC,
)
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_hints import option_name_problems

from .helpers import SpecError, declare, profile, session


def problems_of(**args):
    with pytest.raises(DeclarationError) as info:
        declare(**args)
    return info.value.problems


def only_problem(**args):
    problems = problems_of(**args)
    assert len(problems) == 1, problems
    return problems[0]


def test_valid_declaration_is_normalised():
    decl = declare(
        sso_sessions=[session(sso_registration_scopes=["sso:account:access", "codewhisperer:completions"])],
        profiles=[profile(region="eu-west-1", output="json", settings={"cli_pager": "", "retry_mode": "standard"})],
    )
    assert [(b.kind, b.name, b.header) for b in decl.blocks()] == [
        ("sso-session", "corp", "sso-session corp"),
        ("profile", "dev", "profile dev"),
    ]
    assert decl.sessions[0].keys == {
        "sso_start_url": "https://corp.awsapps.com/start",
        "sso_region": "us-east-1",
        "sso_registration_scopes": "sso:account:access,codewhisperer:completions",
    }
    assert decl.profiles[0].keys == {
        "sso_session": "corp",
        "sso_account_id": "111122223333",
        "sso_role_name": "ReadOnly",
        "region": "eu-west-1",
        "output": "json",
        "cli_pager": "",
        "retry_mode": "standard",
    }


def test_default_profile_header():
    decl = declare(sso_sessions=[session()], profiles=[profile(name="default")])
    assert decl.profiles[0].header == "default"


def test_settings_scalars_are_rendered_as_the_cli_expects():
    decl = declare(profiles=[dict(name="p", settings={"a": True, "b": False, "c": 3, "d": None, "e": 1.5})])
    assert decl.profiles[0].keys == {"a": "true", "b": "false", "c": "3", "d": "", "e": "1.5"}


@pytest.mark.parametrize(
    "url",
    [
        "http://corp.awsapps.com/start",
        "corp.awsapps.com/start",
        "https://",
        "ftp://x/y",
        "https://a b.com/start",
        "https://[corp.awsapps.com/start",
        "https://corp.awsapps.com/start/\u3000",
    ],
)
def test_start_url_must_be_https(url):
    problem = only_problem(sso_sessions=[session(url=url)])
    assert problem.startswith("sso_sessions[0] (corp).sso_start_url")
    assert "https://" in problem and "e.g." in problem


PORTAL = "https://d-9067c5bbc5.awsapps.com/start"


@pytest.mark.parametrize(
    "pasted",
    [
        PORTAL,
        PORTAL + "/",
        PORTAL + "/#",
        PORTAL + "/#/",
        PORTAL + "#/",
        PORTAL + "#/?tab=accounts",
        PORTAL + "/#/?tab=accounts",
        PORTAL + "?tab=accounts",
        PORTAL + "//",
        "HTTPS://D-9067C5BBC5.AWSAPPS.COM/start/#/",
        "https://D-9067c5bbc5.AwsApps.com/start#/",
    ],
)
def test_start_url_pasted_from_the_portal_is_written_as_the_docs_write_it(pasted):
    decl = declare(sso_sessions=[session(url=pasted)])
    assert decl.sessions[0].keys["sso_start_url"] == PORTAL


@pytest.mark.parametrize(
    "url, written",
    [
        ("https://corp.awsapps.com:8443/start/#/", "https://corp.awsapps.com:8443/start"),
        ("https://127.0.0.1:8443/start", "https://127.0.0.1:8443/start"),
        ("https://[::1]:8443/start/", "https://[::1]:8443/start"),
        ("https://ssoins-1234abcd.portal.us-east-1.app.aws/", "https://ssoins-1234abcd.portal.us-east-1.app.aws"),
        (
            "https://start.us-gov-home.awsapps.com/directory/d-1234/",
            "https://start.us-gov-home.awsapps.com/directory/d-1234",
        ),
        # The path is case-sensitive on a web server: only scheme and host are lowered.
        ("https://corp.awsapps.com/Start", "https://corp.awsapps.com/Start"),
    ],
)
def test_start_url_other_plausible_forms(url, written):
    decl = declare(sso_sessions=[session(url=url)])
    assert decl.sessions[0].keys["sso_start_url"] == written


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:hunter2@corp.awsapps.com/start",
        "https://alice@corp.awsapps.com/start",
        "https://:hunter2@corp.awsapps.com/start",
    ],
)
def test_start_url_with_credentials_is_refused_without_echoing_them(url):
    problem = only_problem(sso_sessions=[session(url=url)])
    assert problem == (
        "sso_sessions[0] (corp).sso_start_url must not contain a user name or password (the part before @); "
        "give the portal URL alone, e.g. https://my-org.awsapps.com/start"
    )
    assert "hunter2" not in problem and "alice" not in problem


@pytest.mark.parametrize(
    "url",
    [
        "https://corp.awsapps.com:0/start",
        "https://corp.awsapps.com:99999/start",
        "https://corp.awsapps.com:https/start",
    ],
)
def test_start_url_with_a_bad_port(url):
    problem = only_problem(sso_sessions=[session(url=url)])
    assert problem == (
        "sso_sessions[0] (corp).sso_start_url %r has a port that is not a number from 1 to 65535; "
        "fix or drop it, e.g. https://my-org.awsapps.com/start" % url
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://corp_x.awsapps.com/start",
        "https://corp.awsapps.com\\start",
        "https://-corp.com/start",
        "https://exämple.com/start",
        "https://:443/start",
    ],
)
def test_start_url_without_a_valid_host(url):
    problem = only_problem(sso_sessions=[session(url=url)])
    assert problem == (
        "sso_sessions[0] (corp).sso_start_url %r has no valid host name; "
        "give the portal URL, e.g. https://my-org.awsapps.com/start" % url
    )


def test_start_url_with_surrounding_whitespace():
    problem = only_problem(sso_sessions=[session(url=" https://corp.awsapps.com/start")])
    assert problem == (
        "sso_sessions[0] (corp).sso_start_url ' https://corp.awsapps.com/start' has leading or trailing "
        "whitespace; remove it, e.g. https://my-org.awsapps.com/start"
    )


def test_start_url_and_region_required():
    problems = problems_of(sso_sessions=[dict(name="corp")])
    assert any(p.startswith("sso_sessions[0] (corp).sso_start_url is required") for p in problems)
    assert any(p.startswith("sso_sessions[0] (corp).sso_region is required") and "us-east-1" in p for p in problems)


@pytest.mark.parametrize(
    "region", ["US-EAST-1", "useast1", "us-east", "moon", "us-east-1 ", "us-east-1\n", "us-east-١"]
)
def test_bad_session_region(region):
    problems = problems_of(sso_sessions=[session(region=region)])
    assert any("sso_sessions[0] (corp).sso_region" in p and "such as us-east-1" in p for p in problems), problems


def test_bad_profile_region():
    problem = only_problem(sso_sessions=[session()], profiles=[profile(region="Frankfurt")])
    assert problem.startswith("profiles[0] (dev).region 'Frankfurt'")
    assert "such as us-east-1" in problem


OCTAL_HINT = (
    "profiles[0] (dev).sso_account_id: YAML read it as the number %d, not as 12 digits (unquoted, leading zeros "
    "are dropped and an id starting with 0 can be read as octal); quote it exactly as written, "
    'e.g. sso_account_id: "012345678901"'
)


def test_account_id_read_as_octal_gets_no_made_up_digits():
    # YAML 1.1 reads an unquoted 012345670123 as octal: 1402433619.
    assert yaml.safe_load("sso_account_id: 012345670123") == {"sso_account_id": 1402433619}
    problem = only_problem(sso_sessions=[session()], profiles=[profile(account=1402433619)])
    assert problem == OCTAL_HINT % 1402433619
    # Zero-padding the number names another account; the old hint did that.
    assert "001402433619" not in problem


@pytest.mark.parametrize("account", [1402433619, 12345678901, 0, 7, 10**11 - 1])
def test_account_id_number_hint_never_derives_digits(account):
    problem = only_problem(sso_sessions=[session()], profiles=[profile(account=account)])
    assert problem == OCTAL_HINT % account
    # The only 12-digit run in the message is the fixed example.
    assert re.findall(r"\d{12}", problem) == ["012345678901"]


def test_account_id_twelve_digit_int_accepted():
    decl = declare(sso_sessions=[session()], profiles=[profile(account=123456789012)])
    assert decl.profiles[0].keys["sso_account_id"] == "123456789012"


def test_account_id_with_leading_zeros_kept_as_string():
    decl = declare(sso_sessions=[session()], profiles=[profile(account="000011112222")])
    assert decl.profiles[0].keys["sso_account_id"] == "000011112222"


@pytest.mark.parametrize(
    "account",
    [
        "12345678901",
        "1234567890123",
        "1234-5678-9012",
        "abcdefghijkl",
        "",
        "111122223333\n",
        "١١١١٢٢٢٢٣٣٣٣",
        -12345678901,
        1234567890123,
    ],
)
def test_account_id_not_twelve_digits(account):
    problem = only_problem(sso_sessions=[session()], profiles=[profile(account=account)])
    assert problem.startswith("profiles[0] (dev).sso_account_id")
    assert "12 digits" in problem


@pytest.mark.parametrize("account", [True, 1.5, ["111122223333"]])
def test_account_id_of_wrong_type(account):
    problem = only_problem(sso_sessions=[session()], profiles=[profile(account=account)])
    assert problem.startswith("profiles[0] (dev).sso_account_id")
    assert "12-digit string in quotes" in problem


@pytest.mark.parametrize("role", ["Read Only", "a/b", "x" * 65, "", "Admin\n", "Rôle", "a;b"])
def test_bad_role(role):
    problem = only_problem(sso_sessions=[session()], profiles=[profile(role=role)])
    assert problem.startswith("profiles[0] (dev).sso_role_name")
    assert "letters, digits and +=,.@_-" in problem


def test_role_with_allowed_punctuation():
    decl = declare(sso_sessions=[session()], profiles=[profile(role="AWS+Admin=1,x.y@z_w-v")])
    assert decl.profiles[0].keys["sso_role_name"] == "AWS+Admin=1,x.y@z_w-v"


@pytest.mark.parametrize(
    "name, words",
    [
        ("a b", "whitespace"),
        ("a\tb", "control character"),
        ("x\u3000y", "whitespace"),
        ("a[b", "["),
        ("a]b", "]"),
        ("team/dev", "/"),
        ("a\\b", "\\"),
        ("it's", "'"),
        ('say"x"', '"'),
        ("x\ny", "control character"),
        ("x\ry", "control character"),
        ("x\u2028y", "line separator"),
        ("#dev", "# or ;"),
        (";dev", "# or ;"),
        ("", "empty"),
    ],
)
@pytest.mark.parametrize("kind", ["profiles", "sso_sessions"])
def test_bad_block_names(kind, name, words):
    item = profile(name=name) if kind == "profiles" else session(name=name)
    args = {kind: [item]}
    if kind == "profiles":
        args["sso_sessions"] = [session()]
    problems = problems_of(**args)
    assert any(("%s[0]" % kind) in p and ".name %r" % name in p and words in p for p in problems), problems


def test_bad_session_reference_name():
    problems = problems_of(sso_sessions=[session()], profiles=[profile(sso_session="my corp")])
    assert any(p.startswith("profiles[0] (dev).sso_session 'my corp'") and "whitespace" in p for p in problems)


@pytest.mark.parametrize(
    "value",
    [
        "us-east-1\ncredential_process = evil",
        "x\rcredential_process = evil",
        "a\x00b",
        "a\x85b",
        "a\u2029b",
        "tab\there",
    ],
)
def test_values_with_line_breaks_or_control_chars(value):
    problems = problems_of(sso_sessions=[session()], profiles=[profile(settings={"cli_pager": value})])
    assert len(problems) == 1
    assert problems[0].startswith("profiles[0] (dev).settings.cli_pager ")
    assert "put the value on one line" in problems[0]


def test_credential_process_injection_through_settings_region():
    problems = problems_of(
        sso_sessions=[session()], profiles=[profile(settings={"region": "us-east-1\ncredential_process = evil"})]
    )
    assert problems and all("profiles[0] (dev).settings.region" in p for p in problems)


def test_credential_process_injection_through_region_option():
    problem = only_problem(sso_sessions=[session()], profiles=[profile(region="us-east-1\ncredential_process = evil")])
    assert problem.startswith("profiles[0] (dev).region")


def test_injection_through_nested_value():
    problem = only_problem(profiles=[dict(name="p", settings={"s3": {"addressing_style": "path\n[profile evil]"}})])
    assert problem.startswith("profiles[0] (p).settings.s3.addressing_style")
    assert "one line" in problem


def test_injection_through_start_url():
    problems = problems_of(sso_sessions=[session(url="https://corp.awsapps.com/start\nsso_region = evil")])
    assert problems and all(p.startswith("sso_sessions[0] (corp).sso_start_url") for p in problems)


@pytest.mark.parametrize("value", [" json", "json ", "\u00a0x"])
def test_leading_or_trailing_whitespace(value):
    problem = only_problem(profiles=[dict(name="p", settings={"cli_pager": value})])
    assert problem.startswith("profiles[0] (p).settings.cli_pager has leading or trailing whitespace")
    assert "remove it" in problem


@pytest.mark.parametrize("key", ["Region_Name", "CLI_PAGER", "a b", "a=b", "_x", "", "x\n", "é"])
def test_settings_key_invalid(key):
    problem = only_problem(profiles=[dict(name="p", settings={key: "v"})])
    assert problem.startswith("profiles[0] (p).settings key %r is not a valid config key" % key)
    assert "lower-case letters" in problem


@pytest.mark.parametrize("key", ["sso_session", "sso_account_id", "sso_role_name", "region", "output"])
def test_profile_settings_key_reserved(key):
    problem = only_problem(profiles=[dict(name="p", settings={key: "x"})])
    assert problem == "profiles[0] (p).settings.%s: set %s with the option of that name, not under settings" % (
        key,
        key,
    )


@pytest.mark.parametrize("key", ["sso_start_url", "sso_region", "sso_registration_scopes"])
def test_session_settings_key_reserved(key):
    problem = only_problem(sso_sessions=[session(settings={key: "x"})])
    assert problem.startswith("sso_sessions[0] (corp).settings.%s: set %s with the option" % (key, key))


@pytest.mark.parametrize("key", ["sso_start_url", "sso_region"])
def test_legacy_keys_refused_under_settings_of_session_profiles(key):
    problem = only_problem(sso_sessions=[session()], profiles=[profile(settings={key: "x"})])
    assert problem.startswith("profiles[0] (dev).settings.%s: set %s" % (key, key))


def test_legacy_keys_allowed_on_profiles_without_session():
    decl = declare(profiles=[dict(name="old", settings={"sso_start_url": "https://x.awsapps.com/start"})])
    assert decl.profiles[0].keys == {"sso_start_url": "https://x.awsapps.com/start"}


def test_duplicated_block_names():
    problems = problems_of(
        sso_sessions=[session(), session(region="eu-west-1")],
        profiles=[profile(), profile(account="222233334444")],
    )
    assert "sso_sessions: 'corp' is declared twice; declare each block once" in problems
    assert "profiles: 'dev' is declared twice; declare each block once" in problems


def test_same_name_for_session_and_profile_is_fine():
    decl = declare(sso_sessions=[session(name="dev")], profiles=[profile(name="dev", sso_session="dev")])
    assert [b.header for b in decl.blocks()] == ["sso-session dev", "profile dev"]


def test_session_without_account_or_role():
    problem = only_problem(
        sso_sessions=[session()], profiles=[dict(name="dev", sso_session="corp", sso_role_name="Admin")]
    )
    assert problem == "profiles[0] (dev) needs both sso_account_id and sso_role_name with sso_session"


def test_account_without_session():
    problem = only_problem(profiles=[dict(name="dev", sso_account_id="111122223333", sso_role_name="Admin")])
    assert problem.startswith("profiles[0] (dev).sso_session is required")
    assert "name the sso-session block" in problem


def test_nested_settings():
    decl = declare(
        profiles=[dict(name="p", settings={"s3": {"max_concurrent_requests": 10, "addressing_style": "path"}})]
    )
    assert decl.profiles[0].keys == {"s3": {"max_concurrent_requests": "10", "addressing_style": "path"}}


def test_nested_settings_too_deep_or_empty_or_bad_subkey():
    problems = problems_of(
        profiles=[dict(name="p", settings={"s3": {"a": {"b": "c"}}, "sts": {}, "sso": {"Bad Key": "x"}})]
    )
    assert any(p.startswith("profiles[0] (p).settings.s3.a: only one level of nesting") for p in problems)
    assert any(
        p.startswith("profiles[0] (p).settings.sts is an empty mapping") and "plain value" in p for p in problems
    )
    assert any(
        p.startswith("profiles[0] (p).settings.sso sub-key 'Bad Key' is not a valid config key") for p in problems
    )


def test_settings_value_of_wrong_type():
    problem = only_problem(profiles=[dict(name="p", settings={"k": ["a", "b"]})])
    assert problem == "profiles[0] (p).settings.k must be a string, number or boolean, not list"


@pytest.mark.parametrize("scopes", ["sso:account:access sso:other", [], ["ok", 3], "a,,b"])
def test_bad_scopes(scopes):
    problem = only_problem(sso_sessions=[session(sso_registration_scopes=scopes)])
    assert problem.startswith("sso_sessions[0] (corp).sso_registration_scopes")
    assert "sso:account:access" in problem


def test_absent_blocks_need_only_a_name():
    decl = declare(sso_sessions=[dict(name="old", state="absent")], profiles=[dict(name="gone", state="absent")])
    assert [(b.kind, b.name, b.state, b.keys) for b in decl.blocks()] == [
        ("sso-session", "old", "absent", {}),
        ("profile", "gone", "absent", {}),
    ]


def test_all_problems_reported_at_once():
    problems = problems_of(
        sso_sessions=[session(url="http://x", region="nowhere")],
        profiles=[profile(name="a b", account=1, role="no role")],
    )
    assert len(problems) == 5


def test_output_choices_enforced_by_the_spec():
    with pytest.raises(SpecError) as info:
        declare(sso_sessions=[session()], profiles=[profile(output="xml")])
    assert "output" in str(info.value)


# --- option names (checked on the raw task args, before the spec) ----------


def test_misspelt_profile_option_names_the_entry_and_the_fix():
    args = dict(
        sso_sessions=[session()],
        profiles=[profile(name="a"), profile(name="b"), dict(name="dev", sso_session="corp", sso_acount_id="1")],
    )
    assert option_name_problems(args) == [
        "profiles[2] (dev): sso_acount_id is not a supported option; did you mean sso_account_id? "
        "(put other keys under settings)"
    ]


def test_misspelt_session_option():
    args = dict(sso_sessions=[dict(name="corp", sso_start_ulr="https://corp.awsapps.com/start")])
    assert option_name_problems(args) == [
        "sso_sessions[0] (corp): sso_start_ulr is not a supported option; did you mean sso_start_url? "
        "(put other keys under settings)"
    ]


def test_unknown_key_without_a_close_match_points_to_settings():
    assert option_name_problems(dict(profiles=[dict(name="dev", cli_pager="")])) == [
        "profiles[0] (dev): cli_pager is not a supported option; to write it to the file as it is, "
        "put it under settings"
    ]


def test_session_key_on_a_profile_and_profile_key_on_a_session():
    args = dict(
        sso_sessions=[dict(name="corp", sso_account_id="111122223333")],
        profiles=[dict(name="old", sso_start_url="https://corp.awsapps.com/start")],
    )
    assert option_name_problems(args) == [
        "sso_sessions[0] (corp): sso_account_id is not a supported option; it belongs to a profile: "
        "set it on the profiles that use this session",
        "profiles[0] (old): sso_start_url is not a supported option; it belongs to the sso-session: "
        "declare it under sso_sessions and name that session here with sso_session",
    ]


def test_entry_without_a_name_is_labelled_by_index():
    assert option_name_problems(dict(profiles=[dict(nmae="dev")])) == [
        "profiles[0]: nmae is not a supported option; did you mean name? (put other keys under settings)"
    ]


def test_a_users_entry_with_the_sso_roles_old_name_key_is_pointed_to_user():
    assert option_name_problems(dict(users=[dict(name="alice")])) == [
        "users[0]: name is not a supported option; the login name goes under user "
        "(the sso role's aws_sso_users spelt it name: before)"
    ]


def test_unknown_top_level_options():
    args = dict(profile=[], sso_start_url="https://corp.awsapps.com/start", frobnicate=True)
    assert option_name_problems(args) == [
        "profile is not a supported option of aws_config; did you mean profiles?",
        "sso_start_url is not a supported option of aws_config; it belongs inside an entry of sso_sessions",
        "frobnicate is not a supported option of aws_config; the options are " + ", ".join(ARGUMENT_SPEC),
    ]


@pytest.mark.parametrize(
    "args",
    [
        dict(profiles={"dev": {"regoin": "x"}}),
        dict(profiles="dev"),
        dict(sso_sessions=["corp", None, 3, ["x"]]),
        dict(profiles=None),
    ],
)
def test_non_list_values_and_non_dict_entries_are_left_to_the_spec(args):
    assert option_name_problems(args) == []


def test_every_option_of_the_spec_is_accepted():
    args = {key: None for key in ARGUMENT_SPEC}
    args["sso_sessions"] = [{key: None for key in SESSION_SPEC}]
    args["profiles"] = [{key: None for key in PROFILE_SPEC}]
    assert option_name_problems(args) == []


def test_spec_would_have_refused_what_option_names_reports():
    # Both see the same unsupported key; only the wording differs.
    args = dict(sso_sessions=[session()], profiles=[profile(sso_acount_id="111122223333")])
    with pytest.raises(SpecError) as info:
        declare(**args)
    assert "sso_acount_id" in str(info.value)
    assert len(option_name_problems(args)) == 1
