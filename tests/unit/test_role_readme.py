"""The role READMEs' options tables are generated from meta/argument_specs.yml, and `make lint` notices a stale one."""

import shutil

import pytest
import yaml

from tests.testbed.paths import REPO
from tests.tools import role_readme

SPEC = {
    "argument_specs": {
        "verify": {
            "short_description": "Check C(it)",
            "options": {"demo_depth": {"type": "int", "default": 3, "description": "See O(main:demo_users)."}},
        },
        "main": {
            "short_description": "Demo role",
            "options": {
                "demo_users": {
                    "type": "list",
                    "elements": "dict",
                    "default": [],
                    "required": True,
                    "description": ["Users, see M(labcloud.aws_sso.shell_env).", "V(a|b) or O(demo_mode=fast)."],
                    "options": {"name": {"type": "str", "required": True, "description": "Login name."}},
                },
                "demo_mode": {
                    "type": "str",
                    "default": "",
                    "choices": ["fast", "slow"],
                    "description": "As the option O(labcloud.aws_sso.aws_config#module:user_timeout); <b> is text.",
                },
                "demo_any": {"description": "No type: a str, I(no default)."},
            },
        },
    }
}


def rows(text):
    return [line for line in text.splitlines() if line.startswith("| `")]


def cells(row):
    # Split on the table's pipes, not on escaped ones inside a cell.
    return [cell.strip() for cell in row.replace("\\|", "\0").strip("|").split("|")]


def test_a_row_per_option_with_type_default_choices_required_and_description():
    text = role_readme.render(SPEC, "demo")
    by_name = {cells(row)[0]: cells(row) for row in rows(text)}
    assert by_name["`demo_users`"][1:5] == ["list of dict", "`[]`", "", "yes"]
    assert by_name["`demo_users.name`"][1:5] == ["str", "", "", "yes"]
    assert by_name["`demo_mode`"][1:5] == ["str", '`""`', "`fast`, `slow`", "no"]
    assert by_name["`demo_any`"][1:5] == ["str", "", "", "no"]
    assert by_name["`demo_depth`"][1:5] == ["int", "`3`", "", "no"]


def test_ansible_markup_becomes_plain_markdown_that_keeps_the_table_whole():
    text = role_readme.render(SPEC, "demo")
    users = next(row for row in rows(text) if row.startswith("| `demo_users` "))
    assert "Users, see `labcloud.aws_sso.shell_env`.<br>`a\\|b` or `demo_mode=fast`." in users
    mode = next(row for row in rows(text) if row.startswith("| `demo_mode` "))
    # A < would start raw HTML in the rendered README.
    assert "As the option `user_timeout` of `labcloud.aws_sso.aws_config`; &lt;b> is text." in mode
    assert "*no default*" in text
    # Same role, other entry point: the reader is told which table to look in.
    depth = next(row for row in rows(text) if row.startswith("| `demo_depth` "))
    assert "See `demo_users` (entry point `main`)." in depth
    for row in rows(text):
        assert len(cells(row)) == len(role_readme.COLUMNS), row


def test_main_comes_first_then_the_other_entry_points():
    text = role_readme.render(SPEC, "demo")
    assert text.index("### Entry point `main`: Demo role") < text.index("### Entry point `verify`: Check `it`")


def test_bad_markup_in_a_description_is_an_error_not_a_silent_garbled_cell():
    spec = {"argument_specs": {"main": {"options": {"x": {"description": "C(unclosed"}}}}}
    with pytest.raises(ValueError):
        role_readme.render(spec, "demo")


def test_the_text_around_the_markers_is_kept():
    readme = "# Title\n\nBefore.\n%s\nold table\n%s\nAfter.\n" % (role_readme.BEGIN, role_readme.END)
    assert role_readme.splice(readme, "NEW", "R.md") == "# Title\n\nBefore.\n%s\nNEW\n%s\nAfter.\n" % (
        role_readme.BEGIN,
        role_readme.END,
    )


@pytest.mark.parametrize(
    "readme",
    [
        "no markers\n",
        "%s\n" % role_readme.BEGIN,
        "x\n%s\n%s\n%s\n" % (role_readme.BEGIN, role_readme.END, role_readme.END),
    ],
)
def test_a_readme_without_exactly_one_pair_of_markers_is_named_with_the_fix(readme):
    with pytest.raises(ValueError, match=r"roles/x/README\.md: needs exactly one line .* then run `make readmes`"):
        role_readme.splice(readme, "NEW", "roles/x/README.md")


def test_a_default_missing_from_the_spec_or_disagreeing_with_it_is_named():
    problems = role_readme.spec_problems(SPEC, {"demo_mode": "fast", "demo_depth": 3, "demo_extra": 1}, "roles/demo")
    assert len(problems) == 2
    assert problems[0].startswith("roles/demo: demo_mode defaults to 'fast' in defaults/main.yml but to ''")
    assert problems[1].startswith("roles/demo: demo_extra is set in defaults/main.yml but is no option")
    assert role_readme.spec_problems(SPEC, {"demo_depth": 3}, "roles/demo") == []


@pytest.fixture
def lab(tmp_path):
    """A copy of the repository's roles, to make stale."""
    shutil.copytree(REPO / "roles", tmp_path / "roles")
    return tmp_path


def test_check_names_the_stale_readme_and_the_fix_and_writes_nothing(lab, capsys):
    spec_path = lab / "roles" / "sso" / "meta" / "argument_specs.yml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["argument_specs"]["verify"]["options"]["verify_parallel"]["description"] = "Changed."
    spec_path.write_text(yaml.safe_dump(spec))
    before = (lab / "roles" / "sso" / "README.md").read_text()

    assert role_readme.main(["--check", "--repo", str(lab)]) == 1
    err = capsys.readouterr().err
    assert "roles/sso/README.md: the options table differs from roles/sso/meta/argument_specs.yml" in err
    assert "run `make readmes`" in err
    assert "roles/awscli" not in err
    assert (lab / "roles" / "sso" / "README.md").read_text() == before

    assert role_readme.main(["--repo", str(lab)]) == 0
    after = (lab / "roles" / "sso" / "README.md").read_text()
    assert "| `verify_parallel` | int | `4` |  | no | Changed. |" in after
    # Only the generated part moved.
    assert after.split(role_readme.BEGIN)[0] == before.split(role_readme.BEGIN)[0]
    assert after.split(role_readme.END)[1] == before.split(role_readme.END)[1]
    assert role_readme.main(["--check", "--repo", str(lab)]) == 0


def test_check_fails_for_a_default_the_spec_lacks(lab, capsys):
    defaults = lab / "roles" / "awscli" / "defaults" / "main.yml"
    defaults.write_text(defaults.read_text() + "awscli_new_switch: false\n")
    assert role_readme.main(["--check", "--repo", str(lab)]) == 1
    assert "roles/awscli: awscli_new_switch is set in defaults/main.yml" in capsys.readouterr().err


def test_the_repository_readmes_are_current():
    assert role_readme.update(REPO, check=True) == []


def test_the_sso_readme_lists_every_variable_of_its_defaults_with_the_verify_ones():
    defaults = yaml.safe_load((REPO / "roles" / "sso" / "defaults" / "main.yml").read_text())
    readme = (REPO / "roles" / "sso" / "README.md").read_text()
    listed = {cells(row)[0].strip("`") for row in rows(readme)}
    assert {"verify_check", "verify_cli_environment", "verify_aws_cli", "verify_parallel"} <= listed
    assert set(defaults) - listed == set()
