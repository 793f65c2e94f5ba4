"""Whatever a task declares is either refused with a DeclarationError or
written so that botocore reads back exactly what was declared."""

from pathlib import Path
from urllib.parse import urlsplit

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import PROFILE_SPEC, SESSION_SPEC
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.config_edit import apply
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_hints import option_name_problems
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_values import normalise_start_url

from .helpers import SpecError, botocore_read, declare

TEAM = (Path(__file__).parent / "files" / "team.config").read_text()

# Characters that break INI files or shlex, plus ordinary ones.
_NASTY = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("ab-_.09 \t\r\n\x00\x0b\x0c\x85\u2028\u00a0\u3000[]'\"#;=:/\\%$ é")),
        st.characters(),
    ),
    max_size=12,
)


def _mostly(good, nasty=_NASTY):
    # Mostly plausible input so most examples get written and compared;
    # arbitrary text in one field out of forty.
    good = st.sampled_from(good) if isinstance(good, list) else good
    return st.integers(0, 39).flatmap(lambda pick: nasty if pick == 17 else good)


_NAMES = _mostly(["dev", "prod", "default", "corp", "a.b", "x-1", "Dev", "名前", "a=b", "a:b", "%(x)s", "profile", "é"])
_KEYS = _mostly(["cli_pager", "retry_mode", "s3", "sts", "x.y", "k-1", "0"])
_SCALARS = _mostly(
    st.one_of(
        st.sampled_from(
            ["", "json", "us-east-1", "a = b", "v # c", "[profile x]", "=", ":", "%(x)s", "名前", "#x", ";x"]
        ),
        st.integers(-10, 10**13),
        st.booleans(),
        st.none(),
        st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs", "Zl", "Zp", "Zs"]), max_size=8),
    )
)
_SETTINGS = st.dictionaries(
    _KEYS, st.one_of(_SCALARS, _SCALARS, st.dictionaries(_KEYS, _SCALARS, max_size=2)), max_size=3
)
_URLS = _mostly(
    ["https://corp.awsapps.com/start", "https://d-9067c5bbc5.awsapps.com/start/#", "https://x.example/start?a=b"]
)
_REGIONS = _mostly(["us-east-1", "eu-west-1", "us-gov-west-1"])
_ACCOUNTS = _mostly(st.one_of(st.sampled_from(["111122223333", "000011112222"]), st.integers(0, 10**13)))
_ROLES = _mostly(["ReadOnly", "Admin+x=y,z.w@q_r-s"])


@st.composite
def declarations(draw):
    sessions = []
    for _ in range(draw(st.integers(0, 2))):
        item = {"name": draw(_NAMES), "sso_start_url": draw(_URLS), "sso_region": draw(_REGIONS)}
        if draw(st.booleans()):
            item["sso_registration_scopes"] = draw(
                st.one_of(st.sampled_from(["sso:account:access", ["sso:account:access", "x:y"]]), _NASTY)
            )
        if draw(st.booleans()):
            item["settings"] = draw(_SETTINGS)
        sessions.append(item)
    session_names = [s["name"] for s in sessions]
    profiles = []
    for _ in range(draw(st.integers(0, 3))):
        item = {"name": draw(_NAMES)}
        if draw(st.integers(0, 3)):
            choices = [st.sampled_from(session_names)] if session_names else []
            item["sso_session"] = draw(st.one_of(*choices, _NAMES))
            item["sso_account_id"] = draw(_ACCOUNTS)
            item["sso_role_name"] = draw(_ROLES)
        if draw(st.booleans()):
            item["region"] = draw(_REGIONS)
        if draw(st.booleans()):
            item["output"] = draw(st.sampled_from(["json", "text", "table", "yaml"]))
        if draw(st.booleans()):
            item["settings"] = draw(_SETTINGS)
        profiles.append(item)
    return {"sso_sessions": sessions, "profiles": profiles}


def _declare_or_none(args):
    try:
        return declare(**args)
    except SpecError:
        event("refused by the argument spec")
    except DeclarationError:
        event("refused by declaration.build")
    return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(declarations())
def test_refused_or_read_back_exactly_from_empty_file(args):
    decl = _declare_or_none(args)
    if decl is None:
        return
    try:
        result = apply("", decl)
    except DeclarationError:
        event("refused by apply")
        return
    event("written: %d blocks" % min(3, len(decl.blocks())))
    parsed = botocore_read(result.text)
    expected_profiles = {b.name: b.keys for b in decl.profiles}
    expected_sessions = {b.name: b.keys for b in decl.sessions}
    assert parsed["profiles"] == expected_profiles
    assert parsed["sso_sessions"] == expected_sessions
    assert set(parsed) == {"profiles", "sso_sessions", "services"} and parsed["services"] == {}
    # And the module's own verdict agrees on a second run: nothing to do.
    assert apply(result.text, decl).text == result.text


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(declarations(), st.booleans())
def test_refused_or_read_back_exactly_over_a_real_file(args, exclusive):
    args["exclusive"] = exclusive
    decl = _declare_or_none(args)
    if decl is None:
        return
    try:
        result = apply(TEAM, decl)
    except DeclarationError:
        event("refused by apply")
        return
    event("written: %d blocks" % min(3, len(decl.blocks())))
    parsed = botocore_read(result.text)
    before = botocore_read(TEAM)
    for block in decl.blocks():
        table = parsed["profiles"] if block.kind == "profile" else parsed["sso_sessions"]
        got = table[block.name]
        for key, value in block.keys.items():
            assert got[key] == value
    declared = {("profile", b.name) for b in decl.profiles} | {("sso-session", b.name) for b in decl.sessions}
    for kind, table_name in (("profile", "profiles"), ("sso-session", "sso_sessions")):
        for name, values in before[table_name].items():
            if (kind, name) in declared:
                continue
            if exclusive:
                assert name not in parsed[table_name]
            else:
                assert parsed[table_name][name] == values
    # exclusive removes undeclared services blocks too; other blocks the
    # module never manages are identical.
    assert parsed["services"] == ({} if exclusive else before["services"])
    assert parsed["plugins"] == before["plugins"]


@settings(max_examples=200, deadline=None)
@given(declarations())
def test_option_names_of_generated_declarations_are_all_supported(args):
    assert option_name_problems(args) == []


_UNKNOWN_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=16).filter(
    lambda key: key not in SESSION_SPEC and key not in PROFILE_SPEC
)


@settings(max_examples=200, deadline=None)
@given(declarations(), _UNKNOWN_KEYS, st.integers(0, 10))
def test_one_unknown_key_is_one_problem_naming_its_entry(args, key, pick):
    entries = [(option, i) for option in ("sso_sessions", "profiles") for i in range(len(args[option]))]
    if not entries:
        args["profiles"] = [{"name": "dev"}]
        entries = [("profiles", 0)]
    option, index = entries[pick % len(entries)]
    entry = args[option][index]
    entry[key] = "x"
    problems = option_name_problems(args)
    assert len(problems) == 1
    name = entry["name"]
    label = "%s[%d]%s" % (option, index, " (%s)" % name if isinstance(name, str) and name else "")
    assert problems[0].startswith("%s: %s is not a supported option; " % (label, key))
    # The argument spec refuses the same declaration: the early check only rewords it.
    try:
        declare(**args)
    except SpecError as exc:
        assert key in str(exc)
    else:
        raise AssertionError("the argument spec accepted %r" % key)


_HOSTS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,3}", fullmatch=True)
_PASTED_TAILS = st.sampled_from(["", "/", "/#", "/#/", "#", "#/", "#/?tab=accounts", "/#/?tab=accounts", "?x=1"])


def _upper_some(draw, text):
    return "".join(c.upper() if draw(st.booleans()) else c for c in text)


@settings(max_examples=300, deadline=None)
@given(st.data(), _HOSTS, st.sampled_from(["/start", "", "/directory/d-1234"]), _PASTED_TAILS)
def test_pasted_portal_urls_are_reduced_to_one_form(data, host, path, tail):
    pasted = "%s://%s%s%s" % (_upper_some(data.draw, "https"), _upper_some(data.draw, host), path, tail)
    assert normalise_start_url(pasted) == ("https://%s%s" % (host, path), None)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(lambda a, b: "https://" + a + b, st.text(max_size=20), st.text(max_size=20)),
        st.builds(lambda a: "https://corp.awsapps.com" + a, st.text(max_size=20)),
    )
)
def test_start_url_normalisation_is_stable_and_plain(url):
    written, problem = normalise_start_url(url)
    if written is None:
        assert problem
        # A URL with user info is never repeated back: it may hold a password.
        if "@" in url and problem.startswith("must not contain a user name"):
            assert url not in problem
        return
    assert problem is None
    assert normalise_start_url(written) == (written, None)
    parts = urlsplit(written)
    assert parts.scheme == "https" and parts.netloc == parts.netloc.lower()
    assert not parts.query and not parts.fragment and "#" not in written and "@" not in parts.netloc
    assert not written.endswith("/")
