"""The README and the sso role's documentation say what the code does: every module and playbook, every key name."""

import re

import yaml

from ansible_collections.labcloud.aws_sso.plugins.module_utils.static_keys import STATIC_KEYS
from tests.testbed.paths import REPO


def readme_table():
    text = (REPO / "README.md").read_text()
    section = text.split("\n## What is in it\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ")]


def test_the_readme_table_names_every_module_and_playbook():
    first_cells = " ".join(row.split(" | ", 1)[0] for row in readme_table())
    named = set(re.findall(r"labcloud\.aws_sso\.([a-z_]+)", first_cells))
    modules = {path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if path.stem != "__init__"}
    playbooks = {path.stem for path in (REPO / "playbooks").glob("*.yml")}
    # shell_env and static_keys share a row, named without the prefix the second time.
    named |= set(re.findall(r"`labcloud\.aws_sso\.[a-z_]+`, `labcloud\.aws_sso\.([a-z_]+)`", first_cells))
    assert modules - named == set()
    assert playbooks - named == set()


def test_the_sso_role_names_every_key_static_keys_removes():
    spec = yaml.safe_load((REPO / "roles" / "sso" / "meta" / "argument_specs.yml").read_text())
    option = spec["argument_specs"]["main"]["options"]["aws_sso_remove_static_credentials"]
    described = " ".join(option["description"])
    row = next(
        line
        for line in (REPO / "roles" / "sso" / "README.md").read_text().splitlines()
        if line.startswith("| `aws_sso_remove_static_credentials`")
    )
    for key in STATIC_KEYS:
        assert "C(%s)" % key in described, key
        assert "`%s`" % key in row, key
    assert len(STATIC_KEYS) == 4
