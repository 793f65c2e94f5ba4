"""printable(): nothing a user controls reaches the operator's terminal raw."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable, printable_data

ATTACK = "\x1b[2J\x1b[Hok: fake"


@pytest.mark.parametrize(
    "raw, shown",
    [
        (ATTACK, "\\x1b[2J\\x1b[Hok: fake"),
        ("bell\x07 nul\x00 del\x7f", "bell\\x07 nul\\x00 del\\x7f"),
        ("c1 csi\x9b31m next\x85", "c1 csi\\x9b31m next\\x85"),
        ("bidi \u202eevil\u202c \u2066x\u2069", "bidi \\u202eevil\\u202c \\u2066x\\u2069"),
        ("line\u2028sep zero\u200bwidth bom\ufeff", "line\\u2028sep zero\\u200bwidth bom\\ufeff"),
        ("lone\rcr", "lone\\x0dcr"),
        ("lines\nand\ttabs\r\ncrlf\n", "lines\nand\ttabs\r\ncrlf\n"),
        ("caf\u00e9 \u65e5\u672c \u2014 ok", "caf\u00e9 \u65e5\u672c \u2014 ok"),
    ],
)
def test_control_characters_are_escaped_and_text_kept(raw, shown):
    assert printable(raw) == shown


def test_one_line_also_escapes_newlines_tabs_and_crs():
    assert printable("a\nb\tc\r\nd", one_line=True) == "a\\x0ab\\x09c\\x0d\\x0ad"


@pytest.mark.parametrize("raw", [ATTACK, "x\u202e\n\r\x9b", "\\x1b already shown"])
def test_escaping_twice_changes_nothing(raw):
    assert printable(printable(raw)) == printable(raw)
    assert printable(printable(raw, one_line=True), one_line=True) == printable(raw, one_line=True)


@pytest.mark.parametrize("raw", [ATTACK, "\x1b]0;title\x07", "\x9b2J", "a\x1bPq\x1b\\"])
def test_no_escape_byte_survives(raw):
    shown = printable(raw)
    assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown and shown.isprintable()


def test_non_text_passes_through():
    assert printable(None) is None and printable(3) == 3


def test_printable_data_walks_results_keys_included():
    data = {"users": [{"msg": ATTACK, "line": 3, "ok": True}], "\x1bkey": ("a\x07", None)}
    assert printable_data(data) == {
        "users": [{"msg": "\\x1b[2J\\x1b[Hok: fake", "line": 3, "ok": True}],
        "\\x1bkey": ["a\\x07", None],
    }
