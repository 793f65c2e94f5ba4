"""Profile names and config edits of sso_portal_profiles (plugin_utils/profile_names.py)."""

import configparser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import scan
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_values import check_name
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.profile_names import (
    MARKER_KEY,
    NamingError,
    check_options,
    name_pairs,
    plan_edit,
    safe_name,
    transliterate,
)

SESSION_BLOCK = "[sso-session lab]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n"


def options(**params):
    base = dict(session="lab", name_template=None)
    base.update(params)
    return check_options(base)


def account(account_id, name, *roles, email=None):
    return dict(
        account_id=account_id, account_name=name, account_email=email or "%s@x.test" % account_id, roles=list(roles)
    )


ACCOUNTS = [
    account("111111111111", "Sandbox", "Developer", "ReadOnly"),
    account("022222222222", "Prod (EU)", "ReadOnly"),
    account("333333333333", "Team/Data Café", "Admin"),
]


def names_of(pairs):
    return [p["name"] for p in pairs]


# -- safe names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Prod (EU)-ReadOnly", "Prod-EU-ReadOnly"),
        ("Team/Data Café-Admin", "Team-Data-Cafe-Admin"),
        ("[core] network", "core-network"),
        ("Straße Ærø Łódź", "Strasse-AEro-Lodz"),
        ("a.b_c-d", "a.b_c-d"),
        ("--x--", "x"),
        ("Ünïcödé", "Unicode"),
        ("日本", ""),
    ],
)
def test_safe_name(raw, safe):
    assert safe_name(raw) == safe


def test_transliterate_keeps_ascii_and_drops_accents():
    assert transliterate("é è ê ñ ç å") == "e e e n c a"


@given(st.text(max_size=40))
def test_every_safe_name_is_a_valid_section_name(text):
    name = safe_name(text)
    if name:
        assert check_name("profile", name) is None
        assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
        parser = configparser.RawConfigParser(strict=True)
        parser.read_string("[profile %s]\nregion = eu-west-1\n" % name)
        assert parser.sections() == ["profile %s" % name]


# -- naming -------------------------------------------------------------------


def test_default_template_and_sorting():
    pairs, warnings = name_pairs(ACCOUNTS, options())
    assert names_of(pairs) == ["Prod-EU-ReadOnly", "Sandbox-Developer", "Sandbox-ReadOnly", "Team-Data-Cafe-Admin"]
    assert warnings == []


def test_trim_case_and_fields():
    opts = options(
        name_template="{session}.{account_name}.{role_name}.{account_id}",
        trim={"account_name": [r"\s*\(EU\)$", "^Team/"]},
        case={"account_name": "lower", "role_name": "upper"},
    )
    pairs, _ = name_pairs(ACCOUNTS, opts)
    assert "lab.prod.READONLY.022222222222" in names_of(pairs)
    assert "lab.data-cafe.ADMIN.333333333333" in names_of(pairs)


def test_whole_name_case_and_email_field():
    pairs, _ = name_pairs(ACCOUNTS[:1], options(name_template="{account_email}_{role_name}", case={"name": "lower"}))
    assert names_of(pairs) == ["111111111111-x.test_developer", "111111111111-x.test_readonly"]


def test_explicit_names_by_id_or_name_and_unused_warning():
    opts = options(names={"111111111111/Developer": "dev", "Prod (EU)/ReadOnly": "prod-ro", "999999999999/X": "nope"})
    pairs, warnings = name_pairs(ACCOUNTS, opts)
    assert {"dev", "prod-ro"} <= set(names_of(pairs))
    assert warnings == ["names['999999999999/X'] matches no account/role this user can reach"]


def test_collision_names_both_pairs():
    accounts = [account("111111111111", "Team A", "Dev"), account("222222222222", "Team [A]", "Dev")]
    with pytest.raises(NamingError) as err:
        name_pairs(accounts, options())
    (problem,) = err.value.problems
    assert "'Team-A-Dev'" in problem
    assert "111111111111 (Team A)/Dev" in problem and "222222222222 (Team [A])/Dev" in problem
    assert "names:" in problem and "{account_id}" in problem
    # The fix the message proposes works.
    pairs, _ = name_pairs(accounts, options(names={"222222222222/Dev": "team-a2-Dev"}))
    assert names_of(pairs) == ["Team-A-Dev", "team-a2-Dev"]


def test_empty_or_default_name_refused():
    with pytest.raises(NamingError) as err:
        name_pairs(
            [account("111111111111", "日本", "Dev"), account("222222222222", "x", "default")],
            options(name_template="{account_name}", include_roles=["*"]),
        )
    text = " ".join(err.value.problems)
    assert "empty name" in text and "111111111111" in text


def test_filters_on_id_name_and_role():
    opts = options(include_accounts=["sand*", "0222*"], exclude_roles=["readonly"])
    pairs, _ = name_pairs(ACCOUNTS, opts)
    assert names_of(pairs) == ["Sandbox-Developer"]
    pairs, _ = name_pairs(ACCOUNTS, options(exclude_accounts=["Team/*"], include_roles=["Read*"]))
    assert names_of(pairs) == ["Prod-EU-ReadOnly", "Sandbox-ReadOnly"]


def test_region_and_output_per_account():
    opts = options(region="eu-west-1", output="json", per_account={"Prod (EU)": {"region": "eu-central-1"}})
    pairs, _ = name_pairs(ACCOUNTS, opts)
    by_name = {p["name"]: p for p in pairs}
    assert by_name["Prod-EU-ReadOnly"]["region"] == "eu-central-1"
    assert by_name["Sandbox-Developer"]["region"] == "eu-west-1" and by_name["Sandbox-Developer"]["output"] == "json"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"name_template": "{account}-{role_name}"}, ["{account}", "not a field"]),
        ({"name_template": "{role_name!r}"}, ["format spec"]),
        ({"name_template": "static"}, ["no field"]),
        ({"name_template": "{role_name"}, ["not a valid template"]),
        ({"trim": {"account_name": "("}}, ["trim.account_name[0]", "regular expression"]),
        ({"trim": {"nope": "x"}}, ["trim: nope is not a field"]),
        ({"case": {"role_name": "title"}}, ["case.role_name must be one of keep, lower, upper"]),
        ({"names": {"Developer": "x"}}, ["ACCOUNT/ROLE"]),
        ({"names": {"111111111111/Dev": "a b"}}, ["not a safe profile name", "'a-b'"]),
        ({"region": "europe"}, ["region 'europe' does not look like an AWS region"]),
        ({"per_account": {"x": {"regoin": "eu-west-1"}}}, ["per_account['x']"]),
        ({"settings": {MARKER_KEY: "x"}}, ["set by sso_portal_profiles itself"]),
        ({"settings": {"Bad Key": "x"}}, ["settings key 'Bad Key'"]),
        ({"include_roles": [""]}, ["include_roles"]),
    ],
)
def test_bad_options_name_the_field(params, words):
    with pytest.raises(NamingError) as err:
        options(**params)
    text = "; ".join(err.value.problems)
    for word in words:
        assert word in text, text


# -- the edit -----------------------------------------------------------------


def apply(text, accounts, prune=False, **params):
    opts = options(**params)
    pairs, _ = name_pairs(accounts, opts)
    plan = plan_edit(text, pairs, opts, prune)
    return plan, config_edit.apply(text, plan.declaration)


def profile(text, name):
    for section in scan(text).sections:
        if section.identity == ("profile", name):
            return section.values()
    return None


def test_generate_then_rerun_is_unchanged():
    plan, edit = apply(SESSION_BLOCK, ACCOUNTS, region="eu-west-1")
    assert sorted(edit.added["profile"]) == [
        "Prod-EU-ReadOnly",
        "Sandbox-Developer",
        "Sandbox-ReadOnly",
        "Team-Data-Cafe-Admin",
    ]
    values = profile(edit.text, "Prod-EU-ReadOnly")
    assert values == {
        "sso_session": "lab",
        "sso_account_id": "022222222222",
        "sso_role_name": "ReadOnly",
        "region": "eu-west-1",
        MARKER_KEY: "lab",
    }
    _plan, again = apply(edit.text, ACCOUNTS, region="eu-west-1")
    assert again.text == edit.text


def test_hand_made_profiles_are_never_touched_and_collisions_refused():
    text = SESSION_BLOCK + "\n# mine\n[profile Sandbox-Developer]\nsso_session = lab\nsso_account_id = 111111111111\n"
    with pytest.raises(NamingError) as err:
        apply(text, ACCOUNTS)
    assert "'Sandbox-Developer'" in err.value.problems[0] and "was not generated" in err.value.problems[0]
    assert "%s = lab" % MARKER_KEY in err.value.problems[0]
    other = SESSION_BLOCK + "\n[profile old]\nsso_session = lab\nsso_account_id = 444444444444\nsso_role_name = X\n"
    _plan, edit = apply(other, ACCOUNTS, prune=True)
    assert profile(edit.text, "old") is not None and edit.text.startswith(other)


def test_prune_removes_only_this_sessions_generated_profiles():
    _plan, edit = apply(SESSION_BLOCK, ACCOUNTS)
    foreign = (
        "\n[profile other-gen]\nsso_session = lab\nsso_account_id = 555555555555\nsso_role_name = X\n%s = corp\n"
        % MARKER_KEY
    )
    text = edit.text + foreign
    plan, kept = apply(text, ACCOUNTS[:1])
    assert kept.text == text
    assert sorted(s["name"] for s in plan.stale) == ["Prod-EU-ReadOnly", "Team-Data-Cafe-Admin"]
    plan, pruned = apply(text, ACCOUNTS[:1], prune=True)
    assert sorted(pruned.removed["profile"]) == ["Prod-EU-ReadOnly", "Team-Data-Cafe-Admin"]
    assert [p["reason"] for p in plan.pruned] == ["gone", "gone"]
    assert profile(pruned.text, "other-gen") is not None


def test_user_keys_kept_and_carried_over_a_rename():
    _plan, edit = apply(SESSION_BLOCK, ACCOUNTS[:1])
    text = edit.text.replace(
        "sso_role_name = Developer\n",
        "sso_role_name = Developer\ncli_pager = less\ns3 =\n    max_concurrent_requests = 4\n",
    )
    _plan, again = apply(text, ACCOUNTS[:1])
    assert again.text == text
    renamed = [account("111111111111", "Sandbox Two", "Developer", "ReadOnly")]
    plan, moved = apply(text, renamed)
    assert plan.renamed == [
        {"from": "Sandbox-Developer", "to": "Sandbox-Two-Developer"},
        {"from": "Sandbox-ReadOnly", "to": "Sandbox-Two-ReadOnly"},
    ]
    assert profile(moved.text, "Sandbox-Developer") is None
    values = profile(moved.text, "Sandbox-Two-Developer")
    assert values["cli_pager"] == "less" and "max_concurrent_requests = 4" in values["s3"]
    _plan, stable = apply(moved.text, renamed)
    assert stable.text == moved.text


SERVICES_BLOCK = "[services vpce]\nsts =\n    endpoint_url = https://sts.vpce.example.com\n"
RENAMED = [account("111111111111", "Sandbox Two", "Developer")]


def with_user_keys(added, **params):
    """A generated Sandbox-Developer profile with the user's own lines added after its role."""
    _plan, edit = apply(SESSION_BLOCK + SERVICES_BLOCK, ACCOUNTS[:1], **params)
    return edit.text.replace("sso_role_name = Developer\n", "sso_role_name = Developer\n" + added)


def test_a_rename_carries_the_known_keys_the_task_does_not_set():
    text = with_user_keys("region = eu-central-1\noutput = table\nservices = vpce\ncli_pager = less\n")
    plan, moved = apply(text, RENAMED)
    assert plan.renamed == [{"from": "Sandbox-Developer", "to": "Sandbox-Two-Developer"}] and plan.warnings == []
    values = profile(moved.text, "Sandbox-Two-Developer")
    assert {k: values.get(k) for k in ("region", "output", "services", "cli_pager")} == {
        "region": "eu-central-1",
        "output": "table",
        "services": "vpce",
        "cli_pager": "less",
    }
    _plan, stable = apply(moved.text, RENAMED)
    assert stable.text == moved.text


def test_a_rename_takes_what_the_task_sets_without_a_warning():
    text = with_user_keys("output = table\ncli_pager = less\n", region="eu-central-1")
    plan, moved = apply(text, RENAMED, region="eu-west-1", output="json", settings={"cli_pager": "cat"})
    values = profile(moved.text, "Sandbox-Two-Developer")
    assert (values["region"], values["output"], values["cli_pager"]) == ("eu-west-1", "json", "cat")
    assert plan.warnings == []


def test_a_rename_warns_for_every_key_it_cannot_carry():
    text = with_user_keys("sso_start_url = https://x.awsapps.com/start\nregion = Frankfurt\n_mine = 1\nkeep = 1\n")
    plan, moved = apply(text, RENAMED)
    values = profile(moved.text, "Sandbox-Two-Developer")
    assert values["keep"] == "1" and not {"sso_start_url", "region", "_mine"} & set(values)
    assert len(plan.warnings) == 3, plan.warnings
    for key, why in (
        ("sso_start_url", "sso-session block"),
        ("region", "does not look like an AWS region"),
        ("_mine", "not a valid config key"),
    ):
        assert any(
            w.startswith(
                "key %r of profile 'Sandbox-Developer' was not carried over to 'Sandbox-Two-Developer': " % key
            )
            and why in w
            for w in plan.warnings
        ), plan.warnings


def test_swapped_names_do_not_collide_with_themselves():
    accounts = [account("111111111111", "a", "R"), account("222222222222", "b", "R")]
    _plan, edit = apply(SESSION_BLOCK, accounts)
    swapped = [account("111111111111", "b", "R"), account("222222222222", "a", "R")]
    _plan, again = apply(edit.text, swapped)
    assert profile(again.text, "a-R")["sso_account_id"] == "222222222222"
    assert profile(again.text, "b-R")["sso_account_id"] == "111111111111"


def test_missing_session_block_is_refused():
    with pytest.raises(Exception) as err:
        apply("", ACCOUNTS[:1])
    assert "sso-session 'lab'" in str(err.value)
