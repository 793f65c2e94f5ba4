"""plugin_utils.known_vars: the names labcloud.aws_sso knows, and the closest match of one it does not."""

import re

import pytest
import yaml

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import known_vars
from tests.testbed.paths import REPO

KNOWN = known_vars.known_names(REPO)
EXTRA = ("aws_config_", "discover_")


def names_of(found):
    return dict(found)


# -- closest match ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("aws_sso_default_profle", "aws_sso_default_profile"),
        ("aws_sso_remove_static_credential", "aws_sso_remove_static_credentials"),
        ("awscli_verison", "awscli_version"),
        ("aws_sso_user", "aws_sso_users"),
        ("verify_fail_onn", "verify_fail_on"),
        ("login_timout", "login_timeout"),
        # Upper case is a typo too, and the suggestion is the real name.
        ("AWSCLI_VERSION", "awscli_version"),
        ("Aws_Sso_Region", "aws_sso_region"),
        # The right stem under the wrong prefix of the collection.
        ("aws_sso_version", "awscli_version"),
        ("awscli_default_profile", "aws_sso_default_profile"),
    ],
)
def test_a_typo_gets_the_name_meant(typo, meant):
    assert known_vars.unknown([typo], KNOWN) == [(typo, meant)]


def test_nothing_close_gives_no_suggestion_and_says_so():
    found = known_vars.unknown(["login_banner_text", "verify_ssl"], KNOWN)
    assert found == [("login_banner_text", None), ("verify_ssl", None)]
    assert known_vars.describe(found) == [
        "login_banner_text: no variable of labcloud.aws_sso is like it",
        "verify_ssl: no variable of labcloud.aws_sso is like it",
    ]


def test_the_shared_prefix_does_not_make_names_alike():
    # Compared whole, any two aws_sso_ names share 8 characters and look alike.
    assert known_vars.closest("aws_sso_xyz", {"aws_sso_env", "aws_sso_exclusive"}, known_vars.NAMESPACES) is None


def test_a_tie_goes_to_the_names_own_namespace():
    known = {"awscli_region", "aws_sso_region"}
    assert known_vars.closest("aws_sso_regoin", known, known_vars.NAMESPACES) == "aws_sso_region"
    assert known_vars.closest("awscli_regoin", known, known_vars.NAMESPACES) == "awscli_region"


def test_the_cutoff_is_difflibs_ratio_of_the_stems():
    known = {"awscli_abcdefghij"}
    close = "awscli_abcdefxxxx"  # 6 of 10 alike: ratio 0.6
    far = "awscli_abcdexxxxx"  # 5 of 10: 0.5
    assert known_vars.closest(close, known, known_vars.NAMESPACES) == "awscli_abcdefghij"
    assert known_vars.closest(far, known, known_vars.NAMESPACES) is None


# -- which names are checked ----------------------------------------------------


def test_only_unknown_names_of_the_namespaces_are_reported_sorted():
    names = [
        "awscli_verison",
        "aws_sso_default_profle",
        "aws_sso_users",  # known
        "__aws_sso_plan",  # internal
        "__awscli_whatever",
        "ansible_host",  # not ours
        "awsli_version",  # a mistyped prefix is outside every namespace
        "aws_config_user",  # a playbook's own namespace, only when asked
        "inventory_hostname",
    ]
    assert [name for name, _ in known_vars.unknown(names, KNOWN)] == ["aws_sso_default_profle", "awscli_verison"]
    found = known_vars.unknown(names, KNOWN, known_vars.NAMESPACES + EXTRA)
    assert names_of(found)["aws_config_user"] == "aws_config_users"


def test_the_longest_prefix_is_the_namespace():
    assert known_vars.namespace_of("aws_config_users", known_vars.NAMESPACES + ("aws_",)) == "aws_"
    assert known_vars.namespace_of("aws_sso_users", ("aws_", "aws_sso_")) == "aws_sso_"
    assert known_vars.namespace_of("lab_idc", known_vars.NAMESPACES) is None


def test_the_message_lists_every_name_on_one_line_and_says_what_to_do():
    found = known_vars.unknown(["aws_sso_default_profle", "awscli_verison", "verify_ssl"], KNOWN)
    text = known_vars.message("ws1", found, "fail")
    assert "\n" not in text
    assert text.startswith("ws1: 3 variables unknown to labcloud.aws_sso would be ignored silently: ")
    assert "aws_sso_default_profle: did you mean aws_sso_default_profile?; " in text
    assert "awscli_verison: did you mean awscli_version?; " in text
    assert "verify_ssl: no variable of labcloud.aws_sso is like it" in text
    assert "stopped before changing anything" in text and "aws_sso_unknown_variables: warn" in text
    warned = known_vars.message("ws1", found[:1], "warn")
    assert warned.startswith("ws1: 1 variable unknown")
    assert warned.endswith("going on, as aws_sso_unknown_variables is warn")


# -- the known names come from the collection's files ----------------------------


def load(path):
    return yaml.safe_load(path.read_text())


def test_every_option_of_every_role_entry_point_and_default_is_known():
    for role in (REPO / "roles").iterdir():
        for entry in load(role / "meta" / "argument_specs.yml")["argument_specs"].values():
            assert set(entry["options"]) <= KNOWN, (role.name, set(entry["options"]) - KNOWN)
        assert set(load(role / "defaults" / "main.yml")) <= KNOWN


def test_what_the_playbooks_document_and_the_collection_sets_is_known():
    documented = {
        "aws_sso_hosts",  # setup and verify headers
        "aws_sso_install_cli",
        "aws_sso_verify",
        "verify_report_dir",
        "verify_fail_on",
        "login_timeout",  # login header
        "login_become",
        "aws_config_users",  # aws_config header
        "aws_config_become",
        "discover_session",  # discover header
        "discover_options",
    }
    set_by_the_collection = {
        "awscli_status",  # set_fact in the awscli role
        "login_user_list",  # login's play vars
        "login_started",  # login's register
        "login_pending_rows",  # login's set_fact
    }
    assert documented | set_by_the_collection <= KNOWN
    assert "aws_sso_unknown_variables" in KNOWN


def test_every_namespaced_variable_the_collection_reads_is_known():
    """A variable a role or playbook reads but nobody documents would fail every lab that sets it."""
    variable = re.compile(r"\b((?:aws_sso|awscli|verify|login|aws_config|discover|logout)_[a-z0-9_]+)")
    read = set()
    sources = list((REPO / "roles").rglob("*.yml")) + list((REPO / "playbooks").glob("*.yml"))
    for path in sources:
        read |= set(variable.findall(path.read_text()))
    # Words of the namespaces in prose and option values, and the typos the
    # documentation gives as examples: not variables.
    not_variables = {"login_required", "verify_ssl", "aws_sso_default_profle", "awscli_verison"}
    assert read - not_variables - KNOWN == set()


def test_the_example_declaration_has_only_known_names():
    example = load(REPO / "docs" / "examples" / "lab.yml")
    namespaces = known_vars.NAMESPACES + EXTRA
    assert known_vars.unknown(list(example), KNOWN, namespaces) == []


def test_both_roles_document_the_switch_with_the_modes_the_check_takes():
    for role in ("awscli", "sso"):
        spec = load(REPO / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
        option = spec[known_vars.SWITCH]
        assert (option["default"], tuple(option["choices"])) == ("fail", known_vars.MODES)
    assert load(REPO / "roles" / "sso" / "defaults" / "main.yml")[known_vars.SWITCH] == "fail"


# -- reading a collection -----------------------------------------------------------


ROLE_SPEC = """\
argument_specs:
  main:
    options:
      demo_alpha: {type: str}
  other:
    options:
      demo_beta: {type: int}
"""
TASKS = """\
- name: A block
  block:
    - name: Set
      ansible.builtin.set_fact:
        demo_gamma: 1
        cacheable: true
      register: demo_delta
  rescue:
    - name: Legacy name
      set_fact:
        demo_epsilon: "{{ 'x' | default(omit) }}"
- name: With vars
  ansible.builtin.debug:
    msg: !unsafe "{{ not templated }}"
  vars:
    demo_zeta: 2
"""
PLAYBOOK = """\
---
# A playbook.
#   ansible-playbook x.yml
# Variables:
#   demo_eta      what it does, on a line that
#                 goes on here with demo_not_a_name  as a word
#   demo_theta    more
- name: Play
  hosts: all
  vars:
    demo_iota: 1
  tasks: []
# demo_kappa   after the header: not documentation
"""


@pytest.fixture
def collection(tmp_path):
    role = tmp_path / "roles" / "demo"
    for folder in ("meta", "defaults", "tasks", "vars"):
        (role / folder).mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text(ROLE_SPEC)
    (role / "defaults" / "main.yml").write_text("demo_lambda: 1\n")
    (role / "vars" / "Debian.yml").write_text("demo_mu: 1\n")
    (role / "tasks" / "main.yml").write_text(TASKS)
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "demo.yml").write_text(PLAYBOOK)
    return tmp_path


def test_a_collection_is_read_from_its_files(collection):
    names = known_vars.known_names(collection)
    expected = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "lambda", "mu"}
    assert names == {"demo_" + word for word in expected}


def test_an_option_added_to_an_argument_spec_is_known_without_anything_else(collection):
    spec = collection / "roles" / "demo" / "meta" / "argument_specs.yml"
    spec.write_text(ROLE_SPEC + "      demo_new_option: {type: bool}\n")
    assert "demo_new_option" in known_vars.known_names(str(collection))


def test_a_broken_or_missing_file_costs_only_its_own_names(tmp_path):
    role = tmp_path / "roles" / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "meta" / "argument_specs.yml").write_text("argument_specs: [unclosed\n")
    (role / "defaults").mkdir()
    (role / "defaults" / "main.yml").write_text("demo_kept: 1\n")
    assert known_vars.known_names(tmp_path) == {"demo_kept"}
