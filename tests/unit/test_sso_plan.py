"""The sso role's planning: role variables -> what each module gets, with every mistake named."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.sso_plan import PlanError, plan

SESSIONS = [
    {"name": "lab", "sso_start_url": "https://lab.awsapps.com/start", "sso_region": "us-east-1"},
    {"name": "other", "sso_start_url": "https://other.awsapps.com/start", "sso_region": "eu-west-1"},
]
PROFILES = [
    {"name": "dev", "sso_session": "lab", "sso_account_id": "012345678901", "sso_role_name": "Dev"},
    {"name": "prod", "sso_session": "lab", "sso_account_id": "000000000002", "sso_role_name": "ReadOnly"},
    {"name": "gone", "state": "absent"},
]
DEFAULTS = {
    "profiles": "all",
    "default_profile": "",
    "region": "",
    "env": {},
    "shells": "auto",
    "remove_static_credentials": False,
    "exclusive": False,
    "export_default_profile": False,
}
# The host's users as labcloud.aws_sso.user_lookup returns them.
PASSWD = {
    name: {"uid": uid, "gid": uid, "home": "/home/" + name, "shell": "/bin/bash"}
    for name, uid in (("alice", 1001), ("bob", 1002), ("carol", 1003))
}


def make(users, passwd=PASSWD, **defaults):
    return plan(users, dict(DEFAULTS, **defaults), SESSIONS, PROFILES, [], passwd, defaults.pop("missing", "fail"))


def test_a_list_of_names_gets_every_default():
    out = make(["alice", "bob"], default_profile="dev", region="eu-central-1")
    assert out["present"] == ["alice", "bob"] and out["missing"] == [] and out["keys"] == []
    first = out["config"][0]
    assert first["user"] == "alice" and [p["name"] for p in first["profiles"]] == ["dev", "prod"]
    # Only the sessions the user's profiles use.
    assert [s["name"] for s in first["sso_sessions"]] == ["lab"] and first["exclusive"] is False
    assert out["env"][0] == {
        "user": "alice",
        "state": "present",
        "shells": "auto",
        "env": {"AWS_PROFILE": "dev", "AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1"},
    }


def test_per_user_fields_override_and_env_adds_to_the_labs():
    out = make(
        [
            {"user": "alice", "profiles": ["prod"], "default_profile": "prod", "export_default_profile": True},
            {"user": "bob", "env": {"EDITOR": "vim"}, "remove_static_credentials": True, "shells": ["zsh"]},
            {"user": "carol", "env": "absent"},
        ],
        env={"CLAUDE_CODE_USE_BEDROCK": "1"},
    )
    alice, bob, carol = out["env"]
    assert [p["name"] for p in out["config"][0]["profiles"]] == ["prod"]
    assert alice["env"] == {"AWS_PROFILE": "prod", "AWS_DEFAULT_PROFILE": "prod", "CLAUDE_CODE_USE_BEDROCK": "1"}
    assert bob["env"] == {"CLAUDE_CODE_USE_BEDROCK": "1", "EDITOR": "vim"} and bob["shells"] == ["zsh"]
    assert carol["env"] == "absent"
    assert out["keys"] == [{"user": "bob", "profiles": ["dev", "prod"]}]


def test_nothing_to_export_removes_the_block():
    assert make(["alice"])["env"][0]["env"] == "absent"


def test_a_removed_user_loses_profiles_and_block():
    out = make([{"user": "alice", "state": "absent", "profiles": ["dev"]}])
    assert out["config"] == [{"user": "alice", "profiles": [{"name": "dev", "state": "absent"}]}]
    assert out["env"] == [{"user": "alice", "state": "absent"}]


def test_missing_users_fail_or_are_skipped():
    with pytest.raises(PlanError) as info:
        make(["alice", "zed", "yan"])
    assert info.value.problems == [
        "zed, yan: no such user on this host; create them first, or set aws_sso_missing_users: skip to leave them out"
    ]
    out = plan(["alice", "zed"], DEFAULTS, SESSIONS, PROFILES, [], PASSWD, "skip")
    assert out["present"] == ["alice"] and out["missing"] == ["zed"] and len(out["config"]) == 1


def test_the_hosts_own_lookup_feeds_the_plan_and_words_the_refusal_as_the_modules_do():
    from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import look_up, missing_users_message

    # root exists everywhere; the other name nowhere. Looked up through NSS, as user_lookup does.
    found, missing = look_up(["root", "lcsso-nobody-here", "root"])
    assert list(found) == ["root"] and found["root"].uid == 0 and missing == ["lcsso-nobody-here"]
    with pytest.raises(PlanError) as info:
        plan(["root", "lcsso-nobody-here"], DEFAULTS, SESSIONS, PROFILES, [], found, "fail")
    # sso_identity_info's missing_users=fail (verify) says exactly this.
    assert info.value.problems == [missing_users_message(missing)]
    assert info.value.problems[0] == (
        "lcsso-nobody-here: no such user on this host; create the user first, or set aws_sso_missing_users: skip "
        "to leave the user out"
    )
    out = plan(["root", "lcsso-nobody-here"], DEFAULTS, SESSIONS, PROFILES, [], found, "skip")
    assert out["present"] == ["root"] and out["missing"] == ["lcsso-nobody-here"]
    # Without an answer (verify, whose sso_identity_info looks the users up itself) every user is planned.
    out = plan(["root", "lcsso-nobody-here"], DEFAULTS, SESSIONS, PROFILES, [], None, "fail")
    assert [entry["user"] for entry in out["identity"]] == ["root", "lcsso-nobody-here"]


def test_every_mistake_is_named_with_the_fix():
    with pytest.raises(PlanError) as info:
        make(
            [
                {"user": "alice", "profiles": ["dev", "staging"]},
                {"user": "bob", "default_profile": "prod", "profiles": ["dev"], "region": "Frankfurt"},
                {"user": "carol", "env": {"AWS_PROFILE": "dev"}, "colour": "red"},
                "alice",
                42,
            ]
        )
    assert info.value.problems == [
        "aws_sso_users[2] (carol): colour is not a supported option; the fields are user, state, profiles, "
        "default_profile, region, env, shells, remove_static_credentials, exclusive, export_default_profile",
        "aws_sso_users[4] must be a user name or a mapping with user:",
        "aws_sso_users: 'alice' is listed twice; list each user once",
        "aws_sso_users[0] (alice).profiles names 'staging', not declared in aws_sso_profiles (declared: dev, prod); "
        "declare it there or fix the name",
        "aws_sso_users[1] (bob).default_profile 'prod' is not one of this user's profiles (dev); "
        "pick one of them or add it to profiles",
        "aws_sso_users[1] (bob).region 'Frankfurt' does not look like an AWS region; use a name such as us-east-1",
        "aws_sso_users[2] (carol).env sets AWS_PROFILE; use default_profile and region instead, "
        "which set them consistently",
    ]


@pytest.fixture
def deprecations(monkeypatch, capsys):
    """What the run shows as deprecation warnings: Ansible shows each text once per process, so start afresh."""
    from ansible.utils.display import Display

    monkeypatch.setattr(Display(), "_deprecations", set())
    capsys.readouterr()
    return lambda: [line for line in capsys.readouterr().err.splitlines() if "DEPRECATION" in line]


def test_the_old_name_key_plans_the_same_with_one_deprecation_warning(deprecations):
    new = make(
        [
            {"user": "alice", "profiles": ["prod"], "default_profile": "prod"},
            "bob",
            {"user": "carol", "state": "absent"},
        ]
    )
    assert deprecations() == []
    old = make(
        [
            {"name": "alice", "profiles": ["prod"], "default_profile": "prod"},
            "bob",
            {"name": "carol", "state": "absent"},
        ]
    )
    assert old == new
    # Another host's plan: the same words, so the run shows them once whatever its hosts and users.
    make([{"name": "bob"}])
    assert deprecations() == [
        "[DEPRECATION WARNING]: aws_sso_users: the key name: of a user entry is deprecated; write user: instead "
        "(- user: alice, the same key as the modules' users option). This feature will be removed from collection "
        "'labcloud.aws_sso' version 2.0.0."
    ]


def test_an_entry_with_both_user_and_name_is_refused_before_anything_is_written():
    with pytest.raises(PlanError) as info:
        make(["alice", {"user": "bob", "name": "bob", "region": "eu-west-1"}])
    assert info.value.problems == [
        "aws_sso_users[1] (bob) gives both user and name; keep user: only (name: is its deprecated old spelling)"
    ]


def test_a_mistyped_key_of_an_entry_is_named_with_the_closest_field():
    with pytest.raises(PlanError) as info:
        make([{"usr": "alice"}, {"user": "bob", "regoin": "eu-west-1"}])
    assert info.value.problems == [
        "aws_sso_users[0]: usr is not a supported option; did you mean user?",
        "aws_sso_users[0].user is required: the user's login name",
        "aws_sso_users[1] (bob): regoin is not a supported option; did you mean region?",
    ]


def test_profiles_of_an_undeclared_session_are_refused():
    profiles = PROFILES + [{"name": "x", "sso_session": "nope", "sso_account_id": "1" * 12, "sso_role_name": "R"}]
    with pytest.raises(PlanError) as info:
        plan(["alice"], DEFAULTS, SESSIONS, profiles, [], PASSWD, "fail")
    assert "sso_session 'nope' is not declared in aws_sso_sessions" in str(info.value)


def test_services_follow_the_profiles_and_sessions_that_name_them():
    profiles = [dict(PROFILES[0], services="vpce"), PROFILES[1]]
    endpoints = {"sts": {"endpoint_url": "https://sts.vpce.example.com"}}
    services = [{"name": "vpce", "endpoints": endpoints}, {"name": "unused", "endpoints": endpoints}]
    out = plan(["alice"], DEFAULTS, SESSIONS, profiles, services, PASSWD, "fail")
    assert out["config"][0]["services"] == [services[0]]


def test_system_scope_writes_the_role_level_variables_once():
    out = plan(
        ["alice", "bob"],
        dict(DEFAULTS, default_profile="dev", region="us-east-1", env={"X": "1"}),
        SESSIONS,
        PROFILES,
        [],
        PASSWD,
        "fail",
        "system",
    )
    assert out["env"] == [{"user": "alice"}, {"user": "bob"}]
    assert out["system_env"] == {
        "AWS_PROFILE": "dev",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "X": "1",
    }
    with pytest.raises(PlanError) as info:
        plan([{"user": "alice", "region": "eu-west-1"}], DEFAULTS, SESSIONS, PROFILES, [], PASSWD, "fail", "system")
    assert "aws_sso_users[0] (alice) sets region, but aws_sso_env_scope is system" in str(info.value)


def test_identity_checks_what_each_user_gets_and_what_their_shell_selects():
    out = make(
        [
            {"user": "alice", "profiles": ["prod"], "default_profile": "prod", "region": "eu-west-1"},
            "bob",
            {"user": "carol", "state": "absent"},
        ],
        default_profile="dev",
    )
    assert out["identity"] == [
        {"user": "alice", "profiles": ["prod"], "default_profile": "prod", "region": "eu-west-1"},
        {"user": "bob", "profiles": ["dev", "prod"], "default_profile": "dev"},
    ]
    system = plan(["alice"], dict(DEFAULTS, region="us-east-1"), SESSIONS, PROFILES, [], PASSWD, "fail", "system")
    assert system["identity"] == [{"user": "alice", "profiles": ["dev", "prod"], "region": "us-east-1"}]


def test_a_mistake_in_the_declaration_is_said_once_whatever_the_users():
    # 000000000002 unquoted: YAML gives the number 2.
    profiles = [dict(PROFILES[0], sso_account_id=2), PROFILES[1]]
    with pytest.raises(PlanError) as info:
        plan(["alice", "bob", "carol", "zed"], DEFAULTS, SESSIONS, profiles, [], PASSWD, "fail")
    zed, account = info.value.problems
    # The user first, then the mistake once, named by the role variable to fix.
    assert zed.startswith("zed: no such user on this host")
    assert account.startswith("aws_sso_profiles[0] (dev).sso_account_id: YAML read it as the number 2")
    assert 'quote it exactly as written, e.g. sso_account_id: "012345678901"' in account
    with pytest.raises(PlanError) as info:
        plan(["alice", "bob"], DEFAULTS, SESSIONS, [dict(PROFILES[0], output="xml")], [], PASSWD, "fail")
    assert info.value.problems == [
        "value of output must be one of: json, yaml, yaml-stream, text, table, got: xml found in aws_sso_profiles"
    ]


def test_an_unknown_key_in_a_declared_block_is_named_with_the_closest():
    with pytest.raises(PlanError) as info:
        plan(["alice"], DEFAULTS, [dict(SESSIONS[0], sso_regoin="x")], PROFILES, [], PASSWD, "fail")
    assert info.value.problems == [
        "aws_sso_sessions[0] (lab): sso_regoin is not a supported option; did you mean sso_region? "
        "(put other keys under settings)"
    ]


def test_the_filter_returns_the_problems_for_a_fail_task_or_raises():
    from ansible.errors import AnsibleFilterError

    from ansible_collections.labcloud.aws_sso.plugins.filter.sso_plan import sso_plan

    args = (DEFAULTS, SESSIONS, PROFILES, [], PASSWD)
    out = sso_plan(["alice", "zed"], *args, on_problems="return")
    assert out["problems"][0].startswith("zed: no such user on this host; create the user first")
    # Nothing for a module to do, should the fail task be skipped.
    assert out["config"] == out["env"] == out["keys"] == out["logout"] == []
    assert sso_plan(["alice"], *args, on_problems="return")["problems"] == []
    with pytest.raises(AnsibleFilterError, match="nothing written: zed: no such user"):
        sso_plan(["zed"], *args)
