"""[services NAME] blocks: declared, checked, written exactly, and read back by botocore as declared."""

import os
from pathlib import Path

import botocore.session
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.config_edit import apply
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_hints import option_name_problems
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_values import SESSION_SERVICES_HINT

from .helpers import SpecError, botocore_read, declare, profile, session

TEAM = (Path(__file__).parent / "files" / "team.config").read_bytes().decode("utf-8")
NOTHING = {"sso-session": [], "profile": [], "services": []}

STS = "https://sts.vpce.example"
PORTAL = "https://portal.vpce.example"
OIDC = "https://oidc.vpce.example"
LAB = dict(
    name="lab-endpoints",
    endpoints={
        "sts": {"endpoint_url": STS},
        "sso": {"endpoint_url": PORTAL},
        "sso_oidc": {"endpoint_url": OIDC},
    },
)
LAB_TEXT = (
    "[services lab-endpoints]\n"
    "sts =\n"
    "    endpoint_url = https://sts.vpce.example\n"
    "sso =\n"
    "    endpoint_url = https://portal.vpce.example\n"
    "sso_oidc =\n"
    "    endpoint_url = https://oidc.vpce.example\n"
)
# The block already in team.config, as its own declaration.
LOCAL = dict(
    name="local",
    endpoints={"sts": {"endpoint_url": "http://127.0.0.1:5000"}, "sso_oidc": {"endpoint_url": "http://127.0.0.1:5001"}},
)


def problems_of(**args):
    with pytest.raises(DeclarationError) as info:
        declare(**args)
    return info.value.problems


def refusal(text, **args):
    with pytest.raises(DeclarationError) as info:
        apply(text, declare(**args))
    return info.value.problems


def run(text, **args):
    """apply(), then the checks every written result must pass: idempotent, read back by botocore as declared."""
    decl = declare(**args)
    result = apply(text, decl)
    again = apply(result.text, decl)
    assert again.text == result.text, "second run changed the file"
    assert again.added == again.updated == again.removed == NOTHING
    parsed = botocore_read(result.text)
    for block in decl.services:
        if block.state == "absent":
            assert block.name not in parsed["services"]
            continue
        got = parsed["services"][block.name]
        for service, wanted in block.keys.items():
            assert got[service] == wanted, (block.name, service)
        if block.purge_keys:
            assert set(got) == set(block.keys)
    return result


# --- the declaration ------------------------------------------------------


def test_services_block_is_normalised():
    decl = declare(services=[LAB], profiles=[dict(name="dev", services="lab-endpoints")])
    (block,) = decl.services
    assert (block.kind, block.name, block.header) == ("services", "lab-endpoints", "services lab-endpoints")
    assert block.keys == LAB["endpoints"]
    assert decl.profiles[0].keys == {"services": "lab-endpoints"}
    assert decl.blocks()[-1] is block


def test_absent_services_block_needs_only_a_name():
    (block,) = declare(services=[dict(name="old", state="absent")]).services
    assert block.state == "absent" and block.keys == {}


@pytest.mark.parametrize(
    ("service", "hint"),
    [
        ("sso-oidc", "write it sso_oidc"),
        ("SSO_OIDC", "write it sso_oidc"),
        ("Cloudwatch Logs", "write it cloudwatch_logs"),
        ("sts ", "write it sts"),
        ("_sts", "e.g. sts, sso, sso_oidc or s3"),
        ("sso__oidc", "e.g. sts, sso, sso_oidc or s3"),
        ("", "e.g. sts, sso, sso_oidc or s3"),
        ("sts\n", "write it sts"),
    ],
)
def test_service_ids_must_be_what_botocore_looks_up(service, hint):
    (problem,) = problems_of(services=[dict(name="lab", endpoints={service: {"endpoint_url": STS}})])
    assert problem == (
        "services[0] (lab).endpoints key %r is not a service id as botocore looks it up (lower-case letters and "
        "digits, '_' for a space or hyphen); %s" % (service, hint)
    )


@pytest.mark.parametrize("service", ["sts", "sso", "sso_oidc", "s3", "ec2", "cloudwatch_logs", "m2"])
def test_service_ids_botocore_uses(service):
    (block,) = declare(services=[dict(name="lab", endpoints={service: {"endpoint_url": STS}})]).services
    assert block.keys == {service: {"endpoint_url": STS}}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000",
        "https://sts.vpce.example",
        "https://vpce-0abc-xyz.sts.us-east-1.vpce.amazonaws.com/",
        "https://[::1]:8443/prefix",
        "HTTPS://STS.VPCE.EXAMPLE",
    ],
)
def test_endpoint_urls_are_written_as_given(url):
    (block,) = declare(services=[dict(name="lab", endpoints={"sts": {"endpoint_url": url}})]).services
    assert block.keys["sts"]["endpoint_url"] == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("sts.vpce.example", "'sts.vpce.example' must be an http:// or https:// URL"),
        ("ftp://sts.vpce.example", "'ftp://sts.vpce.example' must be an http:// or https:// URL"),
        ("https://", "'https://' must be an http:// or https:// URL"),
        ("https://bad_host", "'https://bad_host' has no valid host name; give the endpoint URL"),
        ("https://sts.example:99999", "'https://sts.example:99999' has a port that is not a number from 1 to 65535"),
        ("https://sts.example/?a=b", "'https://sts.example/?a=b' has a query or fragment (? or #)"),
        ("https://sts.example#x", "'https://sts.example#x' has a query or fragment (? or #)"),
        ("https://sts.example/ x", "'https://sts.example/ x' must be an http:// or https:// URL"),
        (5000, "'5000' must be an http:// or https:// URL"),
    ],
)
def test_bad_endpoint_urls(url, problem):
    (got,) = problems_of(services=[dict(name="lab", endpoints={"sts": {"endpoint_url": url}})])
    assert got.startswith("services[0] (lab).endpoints.sts.endpoint_url " + problem), got


def test_endpoint_url_with_credentials_is_refused_without_echoing_them():
    (got,) = problems_of(
        services=[dict(name="lab", endpoints={"sts": {"endpoint_url": "https://me:hunter2@sts.example"}})]
    )
    assert "hunter2" not in got
    assert "must not contain a user name or password" in got


@pytest.mark.parametrize(
    "url",
    [
        "https://sts.example\ncredential_process = /bin/evil",
        "https://sts.example\r\n",
        "https://sts.example\x00",
        "https://sts.example\u2028x",
    ],
)
def test_endpoint_url_cannot_smuggle_in_a_line(url):
    (got,) = problems_of(services=[dict(name="lab", endpoints={"sts": {"endpoint_url": url}})])
    assert got.startswith("services[0] (lab).endpoints.sts.endpoint_url contains the ")
    assert got.endswith("put the value on one line without it")


def test_endpoint_url_with_surrounding_whitespace():
    (got,) = problems_of(services=[dict(name="lab", endpoints={"sts": {"endpoint_url": " https://sts.example"}})])
    assert got == (
        "services[0] (lab).endpoints.sts.endpoint_url has leading or trailing whitespace, which the file format "
        "drops; remove it"
    )


def test_service_settings_shape():
    problems = problems_of(
        services=[
            dict(
                name="lab",
                endpoints={
                    "sts": STS,
                    "sso": {"endpoint": PORTAL},
                    "sso_oidc": {"endpoint_url": OIDC, "region": "us-east-1"},
                    "s3": {"endpoint_url": {"url": STS}},
                    "ec2": {},
                },
            )
        ]
    )
    assert problems == [
        "services[0] (lab).endpoints.sts must be a mapping of settings, not str; "
        "e.g. endpoints: {sts: {endpoint_url: https://sts.vpce.example.com}}",
        "services[0] (lab).endpoints.sso: endpoint is not a setting botocore reads in a services block; "
        "did you mean endpoint_url?",
        "services[0] (lab).endpoints.sso.endpoint_url is required, e.g. https://sts.vpce.example.com",
        "services[0] (lab).endpoints.sso_oidc: region is not a setting botocore reads in a services block; "
        "the only one is endpoint_url",
        "services[0] (lab).endpoints.s3.endpoint_url: only one level of nesting exists in the file",
        "services[0] (lab).endpoints.ec2.endpoint_url is required, e.g. https://sts.vpce.example.com",
    ]


def test_present_block_needs_an_endpoint():
    # botocore reads a services block without entries as missing.
    assert problems_of(services=[dict(name="lab")]) == [
        "services[0] (lab).endpoints needs at least one service, "
        "e.g. endpoints: {sts: {endpoint_url: https://sts.vpce.example.com}}"
    ]


@pytest.mark.parametrize("name", ["", "a b", "a/b", "#x", "a'b", "[x]"])
def test_bad_services_block_names(name):
    problems = problems_of(services=[dict(LAB, name=name)])
    assert len(problems) == 1 and problems[0].startswith("services[0]"), problems
    assert ".name %r " % name in problems[0]


@pytest.mark.parametrize("name", ["a b", "a/b", "x]", ""])
def test_bad_services_reference_on_a_profile(name):
    (got,) = problems_of(profiles=[dict(name="dev", services=name)])
    assert got.startswith("profiles[0] (dev).services %r " % name), got


def test_services_block_declared_twice():
    assert problems_of(services=[LAB, dict(LAB)]) == [
        "services: 'lab-endpoints' is declared twice; declare each block once"
    ]


def test_services_name_may_equal_a_profile_or_session_name():
    decl = declare(services=[dict(LAB, name="corp")], sso_sessions=[session()], profiles=[profile(name="corp")])
    assert [b.header for b in decl.blocks()] == ["sso-session corp", "profile corp", "services corp"]


def test_services_on_a_profile_is_an_option_not_a_setting():
    (got,) = problems_of(profiles=[dict(name="dev", settings={"services": "lab"})])
    assert got == "profiles[0] (dev).settings.services: set services with the option of that name, not under settings"


def test_services_on_a_session_is_refused_because_the_cli_ignores_it():
    (got,) = problems_of(sso_sessions=[session(settings={"services": "lab"})])
    assert got == "sso_sessions[0] (corp).settings.services: " + SESSION_SERVICES_HINT
    assert option_name_problems(dict(sso_sessions=[session(services="lab")])) == [
        "sso_sessions[0] (corp): services is not a supported option; " + SESSION_SERVICES_HINT
    ]
    with pytest.raises(SpecError):
        declare(sso_sessions=[session(services="lab")])


# --- option names ---------------------------------------------------------


def test_option_names_in_services_entries():
    args = dict(
        services=[
            dict(name="a", endpoint={"sts": {"endpoint_url": STS}}),
            dict(name="b", sts={"endpoint_url": STS}),
            dict(name="c", settings={"sts": {"endpoint_url": STS}}),
            dict(name="d", endpoint_url=STS),
            dict(name="e", sso_region="us-east-1", region="us-east-1"),
        ],
        profiles=[dict(name="dev", endpoints={})],
        sso_sessions=[dict(name="corp", endpoints={})],
    )
    example = "e.g. endpoints: {sts: {endpoint_url: https://sts.vpce.example.com}}"
    assert option_name_problems(args) == [
        "sso_sessions[0] (corp): endpoints is not a supported option; it belongs to a services block: declare it "
        "under services and name that block in the profiles that use this session with services",
        "profiles[0] (dev): endpoints is not a supported option; it belongs to a services block: declare it "
        "under services and name that block here with services",
        "services[0] (a): endpoint is not a supported option; did you mean endpoints?",
        "services[1] (b): sts is not a supported option; service ids go under endpoints, " + example,
        "services[2] (c): settings is not a supported option; a services block holds only its endpoints, " + example,
        "services[3] (d): endpoint_url is not a supported option; it goes under each service id, " + example,
        "services[4] (e): sso_region is not a supported option; it belongs to an sso-session; a services block "
        "holds only its endpoints, " + example,
        "services[4] (e): region is not a supported option; it belongs to a profile; a services block holds "
        "only its endpoints, " + example,
    ]


def test_option_names_at_the_top_and_in_users_entries():
    args = dict(
        endpoints={},
        users=[dict(user="alice", services=[dict(name="lab", endpoints={}, purge=True)])],
    )
    assert option_name_problems(args) == [
        "endpoints is not a supported option of aws_config; it belongs inside an entry of services",
        "users[0] (alice).services[0] (lab): purge is not a supported option; did you mean purge_keys?",
    ]


def test_every_services_option_is_accepted():
    args = dict(
        services=[dict(name="lab", state="present", purge_keys=False, endpoints={})],
        users=[dict(user="alice", services=[dict(name="lab", state="absent", purge_keys=True, endpoints={})])],
        profiles=[dict(name="dev", services="lab")],
    )
    assert option_name_problems(args) == []


# --- writing --------------------------------------------------------------


def test_new_block_and_reference_are_written_exactly():
    result = run("", services=[LAB], profiles=[dict(name="dev", region="us-east-1", services="lab-endpoints")])
    assert result.text == "[profile dev]\nregion = us-east-1\nservices = lab-endpoints\n\n" + LAB_TEXT
    assert result.added == {"sso-session": [], "profile": ["dev"], "services": ["lab-endpoints"]}
    assert botocore_read(result.text)["services"] == {
        "lab-endpoints": {
            "sts": {"endpoint_url": STS},
            "sso": {"endpoint_url": PORTAL},
            "sso_oidc": {"endpoint_url": OIDC},
        }
    }


def test_botocore_sends_each_service_to_its_endpoint(tmp_path, monkeypatch):
    result = run("", services=[LAB], profiles=[dict(name="dev", region="eu-west-1", services="lab-endpoints")])
    config = tmp_path / "config"
    config.write_text(result.text)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    boto = botocore.session.Session(profile="dev")
    # botocore names the clients as the CLI does: sso-oidc is looked up as sso_oidc.
    for client, url in (("sts", STS), ("sso", PORTAL), ("sso-oidc", OIDC)):
        assert boto.create_client(client).meta.endpoint_url == url


def test_declaring_the_block_in_the_file_changes_nothing():
    result = run(TEAM, services=[LOCAL])
    assert result.text == TEAM
    assert result.added == result.updated == result.removed == NOTHING


def test_changing_one_endpoint_changes_one_line_and_keeps_the_others_indentation():
    local = dict(LOCAL, endpoints=dict(LOCAL["endpoints"], sso_oidc={"endpoint_url": "http://127.0.0.1:6001"}))
    result = run(TEAM, services=[local])
    # sts keeps its two-space indent: only the changed value is rewritten.
    assert result.text == TEAM.replace(
        "    endpoint_url = http://127.0.0.1:5001\n", "    endpoint_url = http://127.0.0.1:6001\n"
    )
    assert result.updated == {"sso-session": [], "profile": [], "services": ["local"]}


def test_adding_a_service_to_a_block_in_the_file():
    result = run(TEAM, services=[dict(name="local", endpoints={"sso": {"endpoint_url": "http://127.0.0.1:5002"}})])
    assert result.text == TEAM.replace(
        "    endpoint_url = http://127.0.0.1:5001\n",
        "    endpoint_url = http://127.0.0.1:5001\nsso =\n    endpoint_url = http://127.0.0.1:5002\n",
    )
    assert set(botocore_read(result.text)["services"]["local"]) == {"sts", "sso_oidc", "sso"}


def test_purge_keys_drops_undeclared_services_of_that_block():
    result = run(
        TEAM,
        services=[dict(name="local", purge_keys=True, endpoints={"sts": {"endpoint_url": "http://127.0.0.1:5000"}})],
    )
    assert result.text == TEAM.replace("sso_oidc =\n    endpoint_url = http://127.0.0.1:5001\n", "")
    assert result.updated["services"] == ["local"]


def test_a_plain_value_in_the_file_becomes_a_nested_one():
    # botocore fails every call to sts on `sts = URL` ('str' object has no attribute 'get').
    text = "[services x]\nsts = http://127.0.0.1:5000\n"
    result = run(text, services=[dict(name="x", endpoints={"sts": {"endpoint_url": "http://127.0.0.1:5000"}})])
    assert result.text == "[services x]\nsts =\n    endpoint_url = http://127.0.0.1:5000\n"


def test_removing_a_block_takes_its_blank_lines_not_its_neighbours_comments():
    result = run(TEAM, services=[dict(name="local", state="absent")])
    assert result.text == TEAM.replace(
        "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:5000\n"
        "sso_oidc =\n    endpoint_url = http://127.0.0.1:5001\n\n",
        "",
    )
    assert result.removed == {"sso-session": [], "profile": [], "services": ["local"]}
    assert "local" not in botocore_read(result.text)["services"]


def test_removing_a_block_that_is_not_there_changes_nothing():
    result = run(TEAM, services=[dict(name="elsewhere", state="absent")])
    assert result.text == TEAM and result.removed == NOTHING


def test_exclusive_keeps_declared_services_and_removes_the_others():
    text = TEAM + "\n" + LAB_TEXT
    result = run(text, exclusive=True, services=[LAB], profiles=[dict(name="dev", services="lab-endpoints")])
    parsed = botocore_read(result.text)
    assert parsed["services"] == {"lab-endpoints": {k: dict(v) for k, v in LAB["endpoints"].items()}}
    assert result.removed["services"] == ["local"]
    assert LAB_TEXT in result.text


def test_crlf_file_keeps_crlf_in_a_services_block():
    text = TEAM.replace("\n", "\r\n")
    local = dict(LOCAL, endpoints=dict(LOCAL["endpoints"], sso={"endpoint_url": "http://127.0.0.1:5002"}))
    result = run(text, services=[local], profiles=[dict(name="personal", services="local")])
    assert "\n" not in result.text.replace("\r\n", "")
    assert "sso =\r\n    endpoint_url = http://127.0.0.1:5002\r\n" in result.text
    assert "region = us-west-2\r\nservices = local\r\n" in result.text


def test_nested_service_values_with_tabs_and_upper_case_keys_are_compared_as_botocore_reads_them():
    text = "[services x]\nSTS =\n\tendpoint_url = http://127.0.0.1:5000\n\n# end\n"
    assert (
        run(text, services=[dict(name="x", endpoints={"sts": {"endpoint_url": "http://127.0.0.1:5000"}})]).text == text
    )


def test_services_block_defined_twice_in_the_file():
    text = "[services x]\nsts =\n    endpoint_url = http://a.example\n[services  x]\nsso =\n    endpoint_url = http://b.example\n"
    (got,) = refusal(text, services=[dict(name="x", state="absent")])
    assert got == (
        "services 'x' is defined twice in the file ([services x] at line 1 and [services  x] at line 4); "
        "botocore uses only one of them: remove the other"
    )


# --- references -----------------------------------------------------------


def test_profile_referencing_a_block_in_the_file_is_fine():
    result = run(TEAM, profiles=[dict(name="personal", services="local")])
    assert result.text == TEAM.replace("region = us-west-2\n", "region = us-west-2\nservices = local\n")


def test_missing_block_is_refused_once_listing_its_users():
    text = TEAM.replace("region = us-west-2\n", "region = us-west-2\nservices = lab\n")
    (got,) = refusal(text, profiles=[dict(name="dev", services="lab"), dict(name="qa", services="lab")])
    assert got == (
        "services block 'lab' is neither in the file nor declared, but profiles 'dev', 'qa' and profile "
        "'personal' (already in the file) use it; declare it under services, or remove services from those profiles"
    )


def test_a_typo_in_the_reference_gets_the_closest_block():
    (got,) = refusal(TEAM, profiles=[dict(name="dev", services="locale")])
    assert got == (
        "services block 'locale' is neither in the file nor declared, but profile 'dev' uses it; did you mean "
        "'local'? Otherwise declare it under services, or remove services from that profile"
    )


def test_removing_a_block_still_in_use_is_refused():
    text = TEAM.replace("region = us-west-2\n", "region = us-west-2\nservices = local\n")
    (got,) = refusal(text, services=[dict(name="local", state="absent")])
    assert got == (
        "services block 'local' is declared with state: absent, but profile 'personal' (already in the file) "
        "still uses it; keep it (state: present), or remove services from that profile"
    )


def test_removing_a_block_together_with_its_users_is_fine():
    text = TEAM.replace("region = us-west-2\n", "region = us-west-2\nservices = local\n")
    result = run(text, services=[dict(name="local", state="absent")], profiles=[dict(name="personal", state="absent")])
    assert result.removed == {"sso-session": [], "profile": ["personal"], "services": ["local"]}


def test_exclusive_removing_a_block_in_use_is_refused():
    (got,) = refusal(TEAM, exclusive=True, profiles=[dict(name="dev", services="local")])
    assert got == (
        "services block 'local' is not declared and exclusive: true removes it, but profile 'dev' still uses it; "
        "declare it under services, or remove services from that profile"
    )


def test_an_empty_block_is_missing_for_botocore():
    (got,) = refusal("[services lab]\n\n[profile x]\nregion = us-east-1\n", profiles=[dict(name="dev", services="lab")])
    assert got == (
        "services block 'lab' is empty in the file, which botocore reads as missing, but profile 'dev' uses it; "
        "declare it under services, or remove services from that profile"
    )


def test_profile_and_session_disagreeing_on_services_is_refused():
    # The CLI fails: "The value for services is inconsistent between profile (lab) and sso-session (local)."
    text = TEAM.replace(
        "sso_registration_scopes = sso:account:access\n",
        "sso_registration_scopes = sso:account:access\nservices = local\n",
    )
    analyst = profile("analyst", account="011122223333", role="ReadOnly", region="eu-west-1", services="lab-endpoints")
    (got,) = refusal(text, services=[LAB], sso_sessions=[session()], profiles=[analyst])
    assert got == (
        "profile 'analyst' sets services = lab-endpoints but its sso-session 'corp' has local; botocore rejects "
        "the mismatch: remove services from the sso-session (the AWS CLI reads it only from profiles)"
    )
    # purge_keys on the session drops its services key, and with it the conflict.
    result = run(text, services=[LAB], sso_sessions=[session(purge_keys=True)], profiles=[analyst])
    assert botocore_read(result.text)["sso_sessions"]["corp"].get("services") is None


def test_missing_session_and_missing_services_are_both_reported():
    problems = refusal("", profiles=[dict(profile("dev", sso_session="corp"), services="lab")])
    assert [p.split(" is ")[0] for p in problems] == ["sso-session 'corp'", "services block 'lab'"]


# --- fuzzing --------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(list("ab-_.09 \t\r\n\x00\u2028[]'\"#;=:/\\@?%é")), st.characters()),
    max_size=10,
)


def _mostly(good, bad):
    # One value in twenty refused for a known reason, one in forty arbitrary.
    return st.integers(0, 39).flatmap(
        lambda pick: _TEXT if pick == 0 else st.sampled_from(bad) if pick < 3 else st.sampled_from(good)
    )


_SERVICE_IDS = _mostly(["sts", "sso", "sso_oidc", "s3", "cloudwatch_logs"], ["sso-oidc", "STS", "sso oidc"])
_URLS = _mostly(
    ["https://sts.vpce.example", "http://127.0.0.1:5000", "https://[::1]:8443/p", "HTTPS://X.Example/a/"],
    ["https://x.example/?q", "ftp://x.example", "https://u:p@x.example", "https://x.example\nregion = x"],
)
_BLOCK_NAMES = _mostly(["lab", "local", "x-1", "a.b", "名前"], ["a b", "a/b", "#x"])


@st.composite
def services_declarations(draw):
    blocks = []
    for _ in range(draw(st.integers(0, 2))):
        item = {"name": draw(_BLOCK_NAMES)}
        if draw(st.integers(0, 4)) == 0:
            item["state"] = "absent"
        else:
            item["endpoints"] = draw(
                st.dictionaries(_SERVICE_IDS, st.fixed_dictionaries({"endpoint_url": _URLS}), max_size=3)
            )
            item["purge_keys"] = draw(st.booleans())
        blocks.append(item)
    names = [b["name"] for b in blocks] + ["local"] * 2 + ["missing"]
    profiles = [
        {"name": name, "services": draw(st.sampled_from(names))}
        for name in draw(st.lists(st.sampled_from(["dev", "personal", "default"]), unique=True, max_size=2))
    ]
    return {"services": blocks, "profiles": profiles}


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(services_declarations(), st.sampled_from(["", TEAM]), st.booleans())
def test_refused_or_read_back_exactly(args, text, exclusive):
    assert option_name_problems(args) == []
    try:
        decl = declare(exclusive=exclusive, **args)
        result = apply(text, decl)
    except DeclarationError:
        event("refused")
        return
    event("written")
    parsed = botocore_read(result.text)
    before = botocore_read(text)
    declared = {block.name for block in decl.services}
    expected = {name: v for name, v in before["services"].items() if not exclusive or name in declared}
    for block in decl.services:
        if block.state == "absent":
            expected.pop(block.name, None)
        elif block.purge_keys or block.name not in expected:
            expected[block.name] = block.keys
        else:
            expected[block.name] = dict(expected[block.name], **block.keys)
    assert parsed["services"] == expected
    # Every profile's services block is there for botocore, with at least one service.
    for values in parsed["profiles"].values():
        if "services" in values:
            assert parsed["services"].get(values["services"])
    assert parsed.get("plugins") == before.get("plugins")
    assert apply(result.text, decl).text == result.text


def test_a_profile_in_the_file_with_nested_services_is_reported_not_crashed_on():
    # botocore fails on it too (a dict cannot name a block).
    text = "[profile p]\nservices =\n    sts = x\n"
    assert refusal(text, profiles=[dict(name="q", region="us-east-1")]) == [
        "profile 'p' (already in the file) has indented sub-settings under services; it must name a block: fix the file"
    ]
    # Declaring the profile's services replaces the nested value with a name.
    result = run(text, services=[LAB], profiles=[dict(name="p", services="lab-endpoints")])
    assert result.text.startswith("[profile p]\nservices = lab-endpoints\n\n[services lab-endpoints]\n")
