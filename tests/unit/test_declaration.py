"""Every refusal names the offending field and says how to fix it."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError

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
    "url", ["http://corp.awsapps.com/start", "corp.awsapps.com/start", "https://", "ftp://x/y", "https://a b.com/start"]
)
def test_start_url_must_be_https(url):
    problem = only_problem(sso_sessions=[session(url=url)])
    assert problem.startswith("sso_sessions[0] (corp).sso_start_url")
    assert "https://" in problem and "e.g." in problem


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


def test_account_id_int_with_lost_zeros_says_quote_it():
    # YAML `sso_account_id: 012345678901` without quotes arrives as this int.
    problem = only_problem(sso_sessions=[session()], profiles=[profile(account=12345678901)])
    assert problem.startswith("profiles[0] (dev).sso_account_id 12345678901")
    assert "quote it" in problem
    assert '"012345678901"' in problem


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
