"""The scanner must agree with the parser botocore uses, line rule for line rule."""

import configparser
import os
import shlex
import tempfile

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import (
    ConfigFileError,
    scan,
    section_identity,
    split_lines,
)


def read_like_botocore(text):
    """Parse text the way botocore does: from a file, in text mode.

    Returns [(section, {key: value})] or the configparser exception.
    """
    fd, path = tempfile.mkstemp(suffix=".ini")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        parser = configparser.RawConfigParser(strict=True)
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            return exc
        return [(name, {key: parser.get(name, key) for key in parser.options(name)}) for name in parser.sections()]
    finally:
        os.unlink(path)


# --- a grammar of INI-ish lines -------------------------------------------

_WS = st.sampled_from(["", " ", "  ", "\t", " \t", "\x0c", "    "])
_NAME_TEXT = st.text(alphabet="ab -_\"'[]=:#;.\t\xe9", min_size=0, max_size=8)
_SECTION_NAMES = st.one_of(
    st.sampled_from(
        [
            "default",
            "profile a",
            "profile b",
            "profile A",
            'profile "a"',
            "profile 'b c'",
            "profile",
            "profile a b",
            "sso-session s",
            "sso-session 's'",
            "services x",
            "plugins",
            "preview",
            " profile a ",
            "a]b",
            "[x",
            "x]",
            "",
        ]
    ),
    _NAME_TEXT,
    st.builds(lambda kind, name: kind + " " + name, st.sampled_from(["profile", "sso-session"]), _NAME_TEXT),
)
_KEYS = st.one_of(
    st.sampled_from(["region", "Region", "REGION", "output", "s3", "sso_session", "a b", "k", "k2", "x.y"]),
    st.sampled_from(["region", "Region", "REGION", "output", "s3", "sso_session", "a b", "k", "k2", "x.y"]),
    _NAME_TEXT,
)
_VALUES = st.one_of(
    st.sampled_from(["", "us-east-1", "json", "a = b", "x: y", "v # not a comment", "; v", "[profile z]"]),
    st.text(alphabet="abc =:#;[]\"' \t\xa0\x0b\x85\u2028\xe9", max_size=10),
)


def _header(lead, name, tail):
    return "%s[%s]%s" % (lead, name, tail)


_HEADER = st.builds(_header, _WS, _SECTION_NAMES, st.sampled_from(["", " ", " trailing", "  # c", "]"]))
_OPTION = st.builds(
    lambda lead, key, sep, value, tail: lead + key + sep + value + tail,
    st.sampled_from(["", "", "", " ", "\t"]),
    _KEYS,
    st.sampled_from([" = ", "=", ": ", " : ", ":", " =", "= ", " = = "]),
    _VALUES,
    st.sampled_from(["", " ", "\t"]),
)
_CONTINUATION = st.builds(lambda lead, value: lead + value, st.sampled_from([" ", "  ", "\t", "    ", "\x0c"]), _VALUES)
_COMMENT = st.builds(
    lambda lead, mark, text: lead + mark + text,
    _WS,
    st.sampled_from(["#", ";", "##", "; ;"]),
    st.text(alphabet="ab [] =:#", max_size=6),
)
_BLANK = _WS
_GARBAGE = st.one_of(
    st.sampled_from(["junk", "= no key", ": no key", "[", "]", "[]", "\ufeff[profile a]", "  =", "key"]),
    st.text(max_size=6).map(lambda s: s.replace("\r", "").replace("\n", "")),
)
_BODY_LINE = st.one_of(
    _OPTION,
    _OPTION,
    _OPTION,
    _OPTION,
    _CONTINUATION,
    _CONTINUATION,
    _COMMENT,
    _BLANK,
    _BLANK,
    _OPTION,
    _OPTION,
    _GARBAGE,
)
_PREAMBLE_LINE = st.one_of(_COMMENT, _BLANK, _BLANK, _COMMENT, _GARBAGE, _OPTION, _CONTINUATION)
_EOL = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


_SAFE_KEYS = ["region", "output", "s3", "sso_session", "a b", "k", "x.y", "Key", "k-2", "sso_account_id"]
_SAFE_NAMES = _SECTION_NAMES.filter(lambda name: name.strip() and name != "DEFAULT")
_SAFE_OPTION = st.builds(
    lambda key, sep, value: key + sep + value,
    st.sampled_from(_SAFE_KEYS),
    st.sampled_from([" = ", "=", ": ", " : "]),
    _VALUES,
)


@st.composite
def ini_texts(draw):
    # Sections of lines rather than a flat soup of lines: a soup is mostly
    # refused on its first line and would rarely compare parsed values. One
    # text in three is "wild" (garbage, duplicates, text before a header);
    # the others are well-formed and compare values.
    wild = draw(st.integers(0, 2)) == 0
    lines = []
    if wild and draw(st.booleans()):
        lines.extend(draw(st.lists(st.tuples(_PREAMBLE_LINE, _EOL), max_size=3)))
    elif draw(st.booleans()):
        lines.extend(draw(st.lists(st.tuples(st.one_of(_COMMENT, _BLANK), _EOL), max_size=2)))
    names = draw(st.lists(_SAFE_NAMES, max_size=4, unique=True))
    for name in names:
        header = draw(_HEADER) if wild else "[%s]%s" % (name, draw(st.sampled_from(["", " ", " x"])))
        lines.append((header, draw(_EOL)))
        if wild:
            lines.extend(draw(st.lists(st.tuples(_BODY_LINE, _EOL), max_size=6)))
            continue
        keys = draw(st.lists(st.sampled_from(_SAFE_KEYS), max_size=4, unique_by=str.lower))
        for key in keys:
            lines.append((key + draw(st.sampled_from([" = ", "=", ": ", " : "])) + draw(_VALUES), draw(_EOL)))
            extra = st.one_of(_CONTINUATION, _COMMENT, _BLANK)
            lines.extend(draw(st.lists(st.tuples(extra, _EOL), max_size=3)))
    if wild:
        # Repeat earlier lines to provoke duplicate sections and keys.
        for _ in range(draw(st.integers(0, 2))):
            if lines:
                lines.insert(draw(st.integers(0, len(lines))), lines[draw(st.integers(0, len(lines) - 1))])
    text = "".join(line + eol for line, eol in lines)
    if text and draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text


def _is_default_refusal(exc, text):
    if "[DEFAULT]" not in str(exc):
        return False
    line = split_lines(text)[exc.lineno - 1].strip()
    return (
        line.startswith("[DEFAULT]") and configparser.RawConfigParser.SECTCRE.match(line).group("header") == "DEFAULT"
    )


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ini_texts())
def test_scanner_agrees_with_rawconfigparser(text):
    expected = read_like_botocore(text)
    event(
        type(expected).__name__
        if isinstance(expected, Exception)
        else "read %d options" % min(3, sum(map(len, dict(expected).values())))
    )
    try:
        scanned = scan(text)
    except ConfigFileError as exc:
        if _is_default_refusal(exc, text):
            return
        assert isinstance(expected, configparser.Error), "scanner refused a file botocore reads: %s" % exc
        assert 1 <= exc.lineno <= len(split_lines(text))
        return
    assert not isinstance(expected, Exception), "scanner accepted a file botocore refuses: %r" % expected
    got = [(section.header, section.values()) for section in scanned.sections]
    assert got == expected
    # Keys must come out in file order too (the editor relies on it).
    assert [list(values) for _, values in got] == [list(values) for _, values in expected]
    # The scan keeps every byte: positions refer to the original text.
    assert scanned.text == text


@settings(max_examples=200, deadline=None)
@given(ini_texts())
def test_section_positions_cover_the_file(text):
    try:
        scanned = scan(text)
    except ConfigFileError:
        return
    previous_end = None
    for section in scanned.sections:
        assert scanned.lines[section.start].strip().startswith("[")
        assert section.lineno == section.start + 1
        assert section.start < section.core_end <= section.end
        if previous_end is not None:
            assert previous_end == section.start
        previous_end = section.end
        # Lines after the core of a block are only blanks and comments.
        for line in scanned.lines[section.core_end : section.end]:
            assert not line.strip() or line.strip()[0] in "#;"
    if scanned.sections:
        assert scanned.sections[-1].end == len(scanned.lines)


# --- targeted cases ------------------------------------------------------


def test_duplicate_section_names_both_lines():
    text = "[profile a]\nregion = us-east-1\n\n[profile b]\nregion = eu-west-1\n[profile a]\noutput = json\n"
    with pytest.raises(ConfigFileError) as info:
        scan(text)
    assert info.value.lineno == 6
    assert "line 6" in str(info.value)
    assert "line 1" in str(info.value)
    assert "[profile a]" in str(info.value)


def test_duplicate_key_differing_in_case():
    text = "[default]\nregion = us-east-1\noutput = json\nREGION = eu-west-1\n"
    with pytest.raises(ConfigFileError) as info:
        scan(text)
    assert info.value.lineno == 4
    assert "'region'" in str(info.value)
    assert "line 2" in str(info.value)
    assert isinstance(read_like_botocore(text), configparser.DuplicateOptionError)


def test_same_key_in_two_sections_is_fine():
    scanned = scan("[a]\nk = 1\n[b]\nk = 2\n")
    assert [s.values() for s in scanned.sections] == [{"k": "1"}, {"k": "2"}]


def test_text_before_first_header():
    text = "region = us-east-1\n[default]\noutput = json\n"
    with pytest.raises(ConfigFileError) as info:
        scan(text)
    assert info.value.lineno == 1
    assert "region = us-east-1" in str(info.value)


def test_comments_and_blanks_before_first_header_are_fine():
    scanned = scan("# managed by hand\n\n; another\n[default]\nregion = us-east-1\n")
    assert [(s.header, s.lineno) for s in scanned.sections] == [("default", 4)]


def test_garbage_line_is_reported_with_its_number():
    text = "[default]\nregion = us-east-1\nthis is not a setting\noutput = json\n"
    with pytest.raises(ConfigFileError) as info:
        scan(text)
    assert info.value.lineno == 3
    assert isinstance(read_like_botocore(text), configparser.ParsingError)


def test_default_upper_case_refused_on_purpose():
    with pytest.raises(ConfigFileError) as info:
        scan("[default]\nregion = us-east-1\n\n[DEFAULT]\noutput = json\n")
    assert info.value.lineno == 4
    assert "[DEFAULT]" in str(info.value)


def test_no_final_newline():
    text = "[profile a]\nregion = us-east-1\noutput = json"
    scanned = scan(text)
    assert scanned.sections[0].values() == {"region": "us-east-1", "output": "json"}
    assert scanned.lines[-1] == "output = json"
    assert scanned.text == text


def test_crlf_and_cr_lines():
    text = "[profile a]\r\nregion = us-east-1\r\n\r\n[profile b]\routput = json\r"
    scanned = scan(text)
    assert [(s.header, s.lineno, s.values()) for s in scanned.sections] == [
        ("profile a", 1, {"region": "us-east-1"}),
        ("profile b", 4, {"output": "json"}),
    ]
    assert split_lines(text) == [
        "[profile a]\r\n",
        "region = us-east-1\r\n",
        "\r\n",
        "[profile b]\r",
        "output = json\r",
    ]


def test_nested_values_with_blank_and_comment_lines():
    text = (
        "[services local]\n"
        "sts =\n"
        "  endpoint_url = http://127.0.0.1:5000\n"
        "\n"
        "  # a comment inside the value is dropped\n"
        "  region = us-east-1\n"
        "s3 =\n"
        "    max_concurrent_requests = 10\n"
        "\n"
        "[default]\n"
        "region = us-east-1\n"
    )
    scanned = scan(text)
    services, default = scanned.sections
    assert services.values() == {
        "sts": "\nendpoint_url = http://127.0.0.1:5000\n\nregion = us-east-1",
        "s3": "\nmax_concurrent_requests = 10",
    }
    assert (services.start, services.core_end, services.end) == (0, 8, 9)
    assert default.values() == {"region": "us-east-1"}
    assert read_like_botocore(text) == [(s.header, s.values()) for s in scanned.sections]


def test_trailing_comment_is_part_of_the_value():
    scanned = scan("[default]\nregion = us-east-1 # prod\n")
    assert scanned.sections[0].values() == {"region": "us-east-1 # prod"}


def test_colon_delimiter_and_first_delimiter_wins():
    scanned = scan("[default]\nregion: us-east-1\nurl = https://x:443/start\n")
    assert scanned.sections[0].values() == {"region": "us-east-1", "url": "https://x:443/start"}


def test_core_end_excludes_trailing_comments():
    text = "[profile a]\nregion = us-east-1\n\n# about b\n[profile b]\n"
    first = scan(text).sections[0]
    assert (first.start, first.core_end, first.end) == (0, 2, 4)


@pytest.mark.parametrize(
    "header, identity",
    [
        ("default", ("profile", "default")),
        ("profile dev", ("profile", "dev")),
        ('profile "dev"', ("profile", "dev")),
        ("profile  dev", ("profile", "dev")),
        ("profile a b", (None, None)),
        ("profile", (None, None)),
        ("profile 'unterminated", (None, None)),
        ("sso-session corp", ("sso-session", "corp")),
        ("services local", ("services", "local")),
        # botocore only tests the prefix: this is a profile named x.
        ("profilex x", ("profile", "x")),
        ("plugins", ("other", "plugins")),
        ("Default", ("other", "Default")),
    ],
)
def test_section_identity_follows_botocore(header, identity, tmp_path):
    from botocore.configloader import build_profile_map, raw_config_parse

    path = tmp_path / "config"
    path.write_text("[%s]\nk = v\n" % header)
    mapped = build_profile_map(raw_config_parse(str(path)))
    kind, name = identity
    assert section_identity(header) == identity
    if kind == "profile":
        assert mapped["profiles"] == {name: {"k": "v"}}
    elif kind == "sso-session":
        assert mapped["sso_sessions"] == {name: {"k": "v"}}
    elif kind == "services":
        assert mapped["services"] == {name: {"k": "v"}}
    elif kind == "other":
        assert mapped[header] == {"k": "v"}
    else:
        assert (
            mapped["profiles"] == {}
            and mapped["sso_sessions"] == {}
            and set(mapped)
            == {
                "profiles",
                "sso_sessions",
                "services",
            }
        )


def _botocore_identity(header):
    """botocore's own rule, spelled out with shlex for every header."""
    if header == "default":
        return ("profile", "default")
    for kind in ("profile", "sso-session", "services"):
        if header.startswith(kind):
            try:
                parts = shlex.split(header)
            except ValueError:
                return (None, None)
            return (kind, parts[1]) if len(parts) == 2 else (None, None)
    return ("other", header)


@settings(max_examples=500, deadline=None)
@given(
    kind=st.sampled_from(["profile", "sso-session", "services", "profiles", "other"]),
    rest=st.text(alphabet=st.sampled_from(list("ab1-_ \t'\"\\\xa0\x0b\u2003#;:")), max_size=12),
)
def test_section_identity_fast_path_matches_shlex(kind, rest):
    header = kind + rest
    assert section_identity(header) == _botocore_identity(header)
