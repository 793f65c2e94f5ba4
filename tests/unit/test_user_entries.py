# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
from __future__ import annotations

import ast
import pathlib

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_values import OUTPUT_CHOICES, is_region
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import (
    already_listed_message,
    repeated_users,
    users_option,
)

PLUGINS = pathlib.Path(__file__).resolve().parents[2] / "plugins"


def test_repeats_point_at_the_first_entry_and_skip_unnamed_ones():
    assert repeated_users(["a", None, "b", "a", None, "a"]) == {3: 0, 5: 0}
    assert repeated_users([("a", None), ("a", "/x"), ("a", None)]) == {2: 0}
    assert repeated_users(iter([])) == {}


def test_message_is_the_one_the_modules_gave():
    assert (
        already_listed_message(2, "bob", 0) == "users[2]: user 'bob' is already listed at users[0]; list each user once"
    )
    assert already_listed_message(1, "a", 0, ", with all their profiles").endswith(
        "list each user once, with all their profiles"
    )


def test_users_option_always_has_user_first():
    spec = users_option(required=True, path=dict(type="str"))
    assert spec == dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(user=dict(type="str", required=True), path=dict(type="str")),
    )
    assert "required" not in users_option()
    assert users_option(user_required=False)["options"]["user"] == dict(type="str")


@pytest.mark.parametrize("value", ["us-east-1", "us-gov-west-1", "ap-southeast-12", "eusc-de-east-1"])
def test_region_names(value):
    assert is_region(value)


@pytest.mark.parametrize(
    "value",
    ["eu-west", "EU-WEST-1", "us-east-1\n", "us-east-123", "us-east-\u0661", "europe-west-1", "u-east-1", 1, None],
)
def test_not_region_names(value):
    assert not is_region(value)


def _literal_lists(path):
    tree = ast.parse(path.read_text())
    return [ast.literal_eval(node) for node in ast.walk(tree) if isinstance(node, ast.List) and _all_str(node)]


def _all_str(node):
    return node.elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)


def test_output_choices_and_region_pattern_are_declared_once():
    sources = sorted(PLUGINS.rglob("*.py"))
    with_choices = [p.name for p in sources if OUTPUT_CHOICES in _literal_lists(p)]
    assert with_choices == ["aws_values.py"]
    with_pattern = [p.name for p in sources if "(-[a-z]+)+-" in p.read_text()]
    assert with_pattern == ["aws_values.py"]


class _Refused(Exception):
    pass


class _Module:
    def __init__(self, users, **params):
        self.params = dict(users=users, cli_environment={}, timeout=600, **params)

    def fail_json(self, msg, **_kwargs):
        raise _Refused(msg)


def _refusal(call):
    with pytest.raises(_Refused) as caught:
        call()
    return str(caught.value)


def test_every_module_refuses_a_user_listed_twice_with_its_own_hint():
    from ansible_collections.labcloud.aws_sso.plugins.modules import (
        sso_identity_info,
        sso_login,
        sso_logout,
        static_keys,
    )

    twice = [dict(user="ann", sessions=None, profiles=["dev"]), dict(user="bob", sessions=None, profiles=["dev"])]
    twice.append(dict(twice[0]))
    expected = "users[2]: user 'ann' is already listed at users[0]; list each user once"
    assert _refusal(lambda: sso_logout._check_entries(_Module(twice))) == expected
    assert _refusal(lambda: sso_login._check_entries(_Module(twice))) == expected + ", with all their sessions"
    assert _refusal(lambda: static_keys._check_entries(_Module(twice), twice)) == expected + ", with all their profiles"
    # sso_identity_info takes bare names too, and a bare name repeats a mapping's.
    assert _refusal(lambda: sso_identity_info._entries(_Module(["ann", "bob", dict(user="ann")]))) == expected
