"""shell_env's host side: quoting checked by the real shells, byte-exact blocks, validation, scanning."""

import json
import os
import shutil
import stat
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.labcloud.aws_sso.plugins.module_utils import (
    shell_block,
    shell_env,
    shell_env_options,
    shell_scan,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_shell
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_block import (
    BEGIN,
    CREATED_NOTE,
    END,
    BlockError,
    remove_blocks,
    render_block,
    set_block,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_env import (
    converge,
    plan_user_files,
    resolve_shells,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_env_options import normalize
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_scan import scan_overrides

SKEL_BASHRC = """# ~/.bashrc: executed by bash(1) for non-login shells.
# see /usr/share/doc/bash/examples/startup-files (in the package bash-doc)
# for examples

# If not running interactively, don't do anything
case $- in
    *i*) ;;
      *) return;;
esac

HISTCONTROL=ignoreboth
"""
ENV = [["AWS_PROFILE", "dev"], ["AWS_REGION", "eu-west-1"]]

NASTY = [
    "",
    "plain",
    "it's",
    "''",
    "'\\''",
    'double "quotes"',
    "back\\slash",
    "trailing backslash\\",
    "\\'",
    "$HOME and ${HOME} and $$",
    "*.txt ? [a-z]",
    "~ ~/x",
    "!history !! ^x^y",
    "semi; colon && or || pipe | amp &",
    "# not a comment",
    "tab\there",
    "  spaces  around  ",
    "-n",
    "-e \\n",
    "%s %d %%",
    "{a,b} (x) <y> >z",
    "ünïcödé ✓ 日本",
    "=equals=",
    "\\\\'\\'",
]


def shell_binary(name):
    path = shutil.which(name)
    assert path, "%s is not installed: `bash tests/testbed/hosts.sh` (or apt-get install zsh fish) installs it" % name
    return path


# Each shell sources the block on its own, with no start-up file of its own,
# then hands the environment it exports to Python, which prints it as JSON:
# what a program such as aws would receive.
DUMP = "python3 -c 'import json, os; print(json.dumps(dict(os.environ)))'"
SOURCES = {
    "bash": lambda f: [shell_binary("bash"), "--norc", "--noprofile", "-c", '. "$1"; %s' % DUMP, "bash", f],
    "sh": lambda f: [shell_binary("dash"), "-c", '. "$1"; %s' % DUMP, "sh", f],
    "zsh": lambda f: [shell_binary("zsh"), "-f", "-c", 'source "$1"; %s' % DUMP, "zsh", f],
    "fish": lambda f: [shell_binary("fish"), "--no-config", "-c", "source $argv[1]; %s" % DUMP, f],
}


def exported_by(shell, tmp_path, items):
    block = tmp_path / ("block.%s" % ("fish" if shell == "fish" else "sh"))
    block.write_text(render_block("fish" if shell == "fish" else "sh", items), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    run = subprocess.run(SOURCES[shell](str(block)), env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


# -- quoting, through the real shells ----------------------------------------------


@pytest.mark.parametrize("shell", sorted(SOURCES))
def test_every_nasty_value_reaches_the_program_unchanged(shell, tmp_path):
    items = [["V%02d" % i, value] for i, value in enumerate(NASTY)]
    for name, value in items:
        assert shell_env_options._value_problem(name, value) is None, value
    seen = exported_by(shell, tmp_path, items)
    for name, value in items:
        assert seen.get(name) == value, (shell, value)


values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="`"),
    max_size=40,
).filter(lambda v: shell_env_options._value_problem("X", v) is None)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(values, min_size=1, max_size=12))
def test_any_accepted_value_round_trips_through_bash_zsh_and_fish(tmp_path, batch):
    items = [["V%02d" % i, value] for i, value in enumerate(batch)]
    for shell in ("bash", "zsh", "fish"):
        seen = exported_by(shell, tmp_path, items)
        assert [seen.get(name) for name, _v in items] == batch, shell


def test_quotes_are_the_shells_single_quotes():
    assert shell_block.quote_sh("it's") == "'it'\\''s'"
    assert shell_block.quote_fish("it's \\") == "'it\\'s \\\\'"


# -- blocks --------------------------------------------------------------------------


def test_block_goes_under_the_header_and_above_debians_early_return():
    text = set_block(SKEL_BASHRC, "sh", ENV)
    lines = text.splitlines()
    assert lines[:3] == SKEL_BASHRC.splitlines()[:3]
    assert lines[3] == BEGIN
    assert lines.index(END) < lines.index("case $- in")
    assert "export AWS_PROFILE='dev'" in lines and CREATED_NOTE not in lines
    assert remove_blocks(text) == (SKEL_BASHRC, False)


@pytest.mark.parametrize(
    "text, expected_prefix",
    [
        ("", ""),
        ("echo hi\n", ""),
        ("#!/bin/bash\necho hi\n", "#!/bin/bash\n"),
        ("# one\n# two\n\n# three\nx=1\n", "# one\n# two\n"),
        ("# only a comment, no newline", ""),
        ("# a\n# b without newline", "# a\n"),
        ("x=1", ""),
    ],
)
def test_insert_and_remove_are_byte_exact(text, expected_prefix):
    new = set_block(text, "sh", ENV)
    assert new.startswith(expected_prefix + BEGIN + "\n")
    assert new[len(expected_prefix) :].endswith(text[len(expected_prefix) :])
    assert remove_blocks(new) == (text, False)


def test_changing_settings_rewrites_only_the_block_where_it_is():
    moved = SKEL_BASHRC + "\n" + render_block("sh", ENV) + "alias ll='ls -l'\n"
    new = set_block(moved, "sh", [["AWS_PROFILE", "prod"]])
    assert new == SKEL_BASHRC + "\n" + render_block("sh", [["AWS_PROFILE", "prod"]]) + "alias ll='ls -l'\n"
    assert set_block(new, "sh", [["AWS_PROFILE", "prod"]]) == new


def test_a_second_block_is_merged_into_the_first():
    block = render_block("sh", ENV)
    text = "a\n" + block + "b\n" + block + "c\n"
    assert set_block(text, "sh", [["X", "1"]]) == "a\n" + render_block("sh", [["X", "1"]]) + "b\nc\n"
    assert remove_blocks(text) == ("a\nb\nc\n", False)


def test_a_file_created_for_the_block_says_so_and_keeps_saying_it():
    created = set_block("", "fish", ENV, exists=False)
    assert CREATED_NOTE in created.splitlines()
    changed = set_block(created, "fish", [["AWS_PROFILE", "prod"]])
    assert CREATED_NOTE in changed.splitlines()
    assert remove_blocks(changed) == ("", True)
    assert remove_blocks(changed + "user line\n") == ("user line\n", True)


@pytest.mark.parametrize(
    "text, words",
    [
        (BEGIN + "\nexport A=1\n", ["line 1", "no END"]),
        ("x\n" + END + "\n", ["line 2", "without a BEGIN"]),
        (BEGIN + "\n" + BEGIN + "\n" + END + "\n", ["line 2", "second"]),
    ],
)
def test_broken_markers_are_refused_not_guessed(text, words):
    with pytest.raises(BlockError) as caught:
        set_block(text, "sh", ENV)
    for word in words:
        assert word in str(caught.value)
    with pytest.raises(BlockError):
        remove_blocks(text)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(["#", "!", "x", " ", "\n", "\r", "\t", "é", "=", "'"]), max_size=80))
def test_remove_gives_back_exactly_what_insert_was_given(text):
    once = set_block(text, "sh", ENV)
    assert set_block(once, "sh", ENV) == once
    assert remove_blocks(once) == (text, False)


# -- validation ------------------------------------------------------------------------


def errors_of(**params):
    params.setdefault("scope", "user")
    params.setdefault("state", "present")
    params.setdefault("shells", ["auto"])
    _entries, _base, errors = normalize(params)
    return errors


@pytest.mark.parametrize(
    "value, words",
    [
        ("a\nb", ["newline", "remove it"]),
        ("a\rb", ["carriage return"]),
        ("a\0b", ["NUL"]),
        ("a\x1bb", ["control character"]),
        ("$(id)", ["`$(`", "literally"]),
        ("`id`", ["backtick"]),
        ("dev team", ["no profile name", "no spaces"]),
        ("", ["no profile name"]),
        (True, ["must be a string", "quote it"]),
        (1.5, ["must be a string"]),
        (["a"], ["must be a string"]),
    ],
)
def test_a_bad_value_names_its_user_field_and_fix(value, words):
    users = [dict(user="alice"), dict(user="bob"), dict(user="carol", env={"AWS_PROFILE": value})]
    errors = errors_of(users=users, env={"AWS_REGION": "eu-west-1"})
    assert len(errors) == 1, errors
    assert errors[0].startswith("users[2] (carol).env.AWS_PROFILE: ")
    for word in words:
        assert word in errors[0]


@pytest.mark.parametrize(
    "env, words",
    [
        ({"1BAD": "x"}, ["env.1BAD", "not a variable name"]),
        ({"A-B": "x"}, ["not a variable name"]),
        ({"PATH": "/x"}, ["env.PATH", "belongs to the shell"]),
        ({"BASH_ENV": "/x"}, ["belongs to the shell"]),
        ({"AWS_SECRET_ACCESS_KEY": "x"}, ["static credentials", "AWS_PROFILE instead"]),
        ({"AWS_REGION": "eu-west"}, ["not an AWS region"]),
        ({"AWS_DEFAULT_REGION": "EU-WEST-1"}, ["not an AWS region"]),
        ({"X": None}, ["env.X", "no value"]),
        ("yes", ["mapping of NAME: value, or the string absent"]),
    ],
)
def test_bad_top_level_env(env, words):
    errors = errors_of(users=[dict(user="alice")], env=env)
    assert errors, env
    for word in words:
        assert word in " ".join(errors)


def test_every_problem_is_reported_at_once():
    users = [
        dict(user="alice", env={"AWS_PROFILE": "a b"}),
        dict(user="bob", env={"X": "`x`", "AWS_REGION": "mars"}),
        dict(user="alice"),
        dict(user="dave"),
    ]
    errors = errors_of(users=users)
    assert len(errors) == 5, errors
    assert any("users[2] (alice): alice is listed twice (also users[0])" in e for e in errors)
    assert any(e.startswith("users[3] (dave): no env to set") for e in errors)


def test_accepted_settings_merge_sorted_and_int_values_become_strings():
    users = [
        dict(user="alice", env={"AWS_PROFILE": "alice", "CLAUDE_CODE_USE_BEDROCK": None}),
        dict(user="bob", env="absent"),
        dict(user="carol", state="absent"),
        dict(user="dave", env={}),
        dict(user="erin", shells=["zsh"]),
    ]
    entries, base, errors = normalize(
        dict(
            scope="user",
            state="present",
            shells=["auto"],
            users=users,
            env={"CLAUDE_CODE_USE_BEDROCK": 1, "AWS_REGION": "us-gov-west-1", "AWS_PROFILE": "lab"},
        )
    )
    assert errors == []
    assert base == [["AWS_PROFILE", "lab"], ["AWS_REGION", "us-gov-west-1"], ["CLAUDE_CODE_USE_BEDROCK", "1"]]
    alice, bob, carol, dave, erin = entries
    assert alice["env_items"] == [["AWS_PROFILE", "alice"], ["AWS_REGION", "us-gov-west-1"]] and alice["present"]
    assert not bob["present"] and not carol["present"]
    assert dave["present"] and dave["env_items"] == base, "an empty mapping adds nothing to the top-level env"
    assert erin["shells"] == ["zsh"] and erin["env_items"] == base


def test_system_scope_takes_no_per_user_settings():
    errors = errors_of(
        scope="system",
        env={"AWS_REGION": "us-east-1"},
        users=[dict(user="a", env={"X": "1"}), dict(user="b", state="present"), dict(user="c", state="absent")],
    )
    assert len(errors) == 2, errors
    assert "users[0] (a): env cannot be set per user with scope=system" in errors[0]
    assert "users[1] (b): state: present cannot be set per user" in errors[1]
    entries, _base, _errors = normalize(
        dict(scope="system", state="present", shells=["auto"], env={"X": "1"}, users=[dict(user="c", state="absent")])
    )
    assert entries == [dict(user="c", present=False, env_items=[], shells=[], manage=True)]
    assert errors_of(scope="system", env=None) == [
        "env: give the variables to set host-wide, or state: absent to remove them"
    ]


def test_auto_shells():
    installed = {"zsh"}.__contains__
    assert resolve_shells(["auto"], "/bin/bash", installed) == ["bash", "zsh"]
    assert resolve_shells(["auto"], "/usr/bin/fish", installed) == ["bash", "zsh", "fish"]
    assert resolve_shells(["fish"], "/bin/bash", installed) == ["fish"]
    assert resolve_shells(["auto"], "/bin/bash", lambda name: False) == ["bash"]


def test_shell_installed_reads_etc_shells_and_path(tmp_path):
    shells = tmp_path / "shells"
    shells.write_text("# comment\n/bin/sh\n")
    assert shell_env.shell_installed("sh", str(shells), path="/nonexistent")
    assert not shell_env.shell_installed("nosuchshell", str(shells), path=str(tmp_path))
    tool = tmp_path / "nosuchshell"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert shell_env.shell_installed("nosuchshell", str(shells), path=str(tmp_path))


# -- scanning and masking ---------------------------------------------------------------

PROFILE = """# ~/.profile
export AWS_ACCESS_KEY_ID=AKIAEXAMPLEKEY AWS_SECRET_ACCESS_KEY="very secret"
AWS_PROFILE=old; export AWS_PROFILE
# export AWS_PROFILE=commented-out
echo AWS_PROFILE=only-printed
  export AWS_SESSION_TOKEN='tok'   # indented
if true; then export AWS_CONFIG_FILE=/elsewhere; fi
[ -n "$x" ] && export AWS_DEFAULT_PROFILE=x
declare -x AWS_REGION=us-east-1
export PATH="$PATH:$HOME/bin"
export AWS_PROFILE
"""
FISH = """set -gx AWS_PROFILE legacy
set -x AWS_SECRET_ACCESS_KEY s3cr3t
set -e AWS_PROFILE
set -qg AWS_PROFILE; and set -Ux AWS_DEFAULT_PROFILE y
setenv AWS_SESSION_TOKEN z
echo set AWS_PROFILE no
"""


def test_overrides_are_found_by_line_and_name_never_value():
    found = scan_overrides(PROFILE, shell_scan.override_names([["AWS_REGION", "eu-west-1"]]))
    assert found == [
        (2, "AWS_ACCESS_KEY_ID"),
        (2, "AWS_SECRET_ACCESS_KEY"),
        (3, "AWS_PROFILE"),
        (6, "AWS_SESSION_TOKEN"),
        (7, "AWS_CONFIG_FILE"),
        (8, "AWS_DEFAULT_PROFILE"),
        (9, "AWS_REGION"),
    ]
    assert scan_overrides(FISH, shell_scan.DEFEATING) == [
        (1, "AWS_PROFILE"),
        (2, "AWS_SECRET_ACCESS_KEY"),
        (4, "AWS_DEFAULT_PROFILE"),
        (5, "AWS_SESSION_TOKEN"),
    ]


def test_our_own_block_is_not_an_override():
    text = set_block(PROFILE, "sh", [["AWS_PROFILE", "dev"]])
    lines = [n for n, _name in scan_overrides(text, shell_scan.DEFEATING)]
    block_size = len(render_block("sh", [["AWS_PROFILE", "dev"]]).splitlines())
    assert lines == [n + block_size for n, _name in scan_overrides(PROFILE, shell_scan.DEFEATING)]


def test_masking_hides_secret_values_everywhere_else_untouched():
    masked = mask_shell(PROFILE + FISH + render_block("fish", [["MY_API_TOKEN", "tok-123"]]))
    for secret in ("AKIAEXAMPLEKEY", "very secret", "'tok'", "s3cr3t", "tok-123"):
        assert secret not in masked
    assert "export AWS_ACCESS_KEY_ID=********\n" in masked
    assert "set -x AWS_SECRET_ACCESS_KEY ********\n" in masked
    assert "AWS_PROFILE=old; export AWS_PROFILE\n" in masked
    assert mask_shell(SKEL_BASHRC) == SKEL_BASHRC


# -- whole files, in a home (as root here; the module runs this as the user) ------------


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    (path / ".bashrc").write_text(SKEL_BASHRC)
    (path / ".bashrc").chmod(0o644)
    (path / ".profile").write_text("# ~/.profile\n. ~/.bashrc\n")
    return path


def run(home, shells=("bash", "zsh", "fish"), env=ENV, present=True, check=False, diff=True):
    plan = plan_user_files(str(home), list(shells), present, os.path.isfile)
    return converge(plan, env, os.getuid(), shell_env.USER_FILE_MODE, check, diff)


def contents(home):
    out = {}
    for base, _dirs, files in os.walk(home):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, home)] = (handle.read(), stat.S_IMODE(os.lstat(path).st_mode))
    return out


def test_files_modes_idempotence_and_removal(home):
    before = contents(home)
    changed, diffs = run(home)
    assert sorted(os.path.relpath(p, home) for p in changed) == [
        ".bashrc",
        ".config/fish/conf.d/labcloud-aws-sso.fish",
        ".profile",
        ".zshenv",
    ]
    after = contents(home)
    assert after[".bashrc"][1] == 0o644, "the existing mode is kept"
    assert after[".zshenv"][1] == 0o600 and after[".config/fish/conf.d/labcloud-aws-sso.fish"][1] == 0o600
    assert [d["before_header"] for d in diffs] == ["%s (managed block)" % path for path in changed]
    assert run(home) == ([], []), "a second run writes nothing"
    changed, _diffs = run(home, present=False)
    assert len(changed) == 4
    assert contents(home) == before


def test_check_mode_writes_nothing_but_says_what_would_change(home):
    before = contents(home)
    changed, diffs = run(home, check=True)
    assert len(changed) == 4 and contents(home) == before
    assert diffs[0]["after"] != diffs[0]["before"]


USER_LINES = (
    "# my own settings\n"
    "export GH_PAT=ghp_R4nd0mT0k3nF0rT3st1ngOnly0123456789\n"
    "DATABASE_URL=postgres://u:pw-Secr3t@h/db\n"
    "alias ll='ls -l'\n"
)


def test_diffs_show_only_the_managed_block_never_the_users_lines(home):
    (home / ".profile").write_text(USER_LINES)
    env = ENV + [["MY_API_TOKEN", "tok-123"]]

    def profile_diff(diffs):
        (diff,) = [d for d in diffs if d["before_header"].startswith(str(home / ".profile"))]
        return diff

    def assert_only_block(diffs):
        shown = json.dumps(diffs)
        for private in ("ghp_", "GH_PAT", "postgres", "pw-Secr3t", "alias ll", "my own settings", "tok-123"):
            assert private not in shown, private

    _changed, diffs = run(home, shells=["bash"], env=env)
    assert_only_block(diffs)
    first = profile_diff(diffs)
    assert first["before_header"] == first["after_header"] == "%s (managed block)" % (home / ".profile")
    assert first["before"] == ""
    assert first["after"] == mask_shell(render_block("sh", env))
    assert "export MY_API_TOKEN=********\n" in first["after"]

    _changed, diffs = run(home, shells=["bash"], env=[["AWS_PROFILE", "other"]])
    assert_only_block(diffs)
    second = profile_diff(diffs)
    assert second["before"] == first["after"] and second["after"] == render_block("sh", [["AWS_PROFILE", "other"]])

    _changed, diffs = run(home, shells=["bash"], present=False)
    assert_only_block(diffs)
    assert profile_diff(diffs)["before"] == second["after"] and profile_diff(diffs)["after"] == ""
    assert (home / ".profile").read_text() == USER_LINES


def test_a_removed_file_is_named_in_the_diff_header(tmp_path):
    run(tmp_path, shells=["bash"])
    _changed, diffs = run(tmp_path, shells=["bash"], present=False)
    profile = [d for d in diffs if d["before_header"].startswith(str(tmp_path / ".profile"))][0]
    assert profile["after_header"] == "%s (file removed)" % (tmp_path / ".profile")
    assert profile["after"] == "" and BEGIN in profile["before"]


def test_bash_login_file_is_the_first_one_bash_reads(home):
    (home / ".bash_profile").write_text("source ~/.profile\n")
    changed, _diffs = run(home, shells=["bash"])
    assert sorted(os.path.basename(p) for p in changed) == [".bash_profile", ".bashrc"]
    assert BEGIN not in (home / ".profile").read_text()


def test_no_login_file_at_all_creates_profile(tmp_path):
    changed, _diffs = run(tmp_path, shells=["bash"])
    assert sorted(os.path.basename(p) for p in changed) == [".bashrc", ".profile"]
    assert CREATED_NOTE in (tmp_path / ".profile").read_text()
    run(tmp_path, shells=["bash"], present=False)
    assert os.listdir(tmp_path) == []


def test_dropping_a_shell_removes_its_block(home):
    run(home)
    changed, _diffs = run(home, shells=["bash"])
    assert sorted(os.path.relpath(p, home) for p in changed) == [".config/fish/conf.d/labcloud-aws-sso.fish", ".zshenv"]
    assert not (home / ".zshenv").exists()


def test_a_symlinked_dotfile_is_updated_where_it_points(home, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (home / ".bashrc").rename(dotfiles / "bashrc")
    (home / ".bashrc").symlink_to(dotfiles / "bashrc")
    run(home, shells=["bash"])
    assert os.path.islink(home / ".bashrc")
    assert BEGIN in (dotfiles / "bashrc").read_text()


def test_a_file_of_someone_else_is_refused_and_nothing_is_written(home):
    (home / ".zshenv").write_text("export X=1\n")
    os.chown(home / ".zshenv", 65534, 65534)
    before = contents(home)
    with pytest.raises(AsUserError) as caught:
        run(home)
    assert "belongs to" in str(caught.value) and ".zshenv" in str(caught.value)
    assert contents(home) == before


def test_broken_markers_in_one_file_stop_everything(home):
    (home / ".zshenv").write_text(BEGIN + "\n")
    before = contents(home)
    with pytest.raises(AsUserError) as caught:
        run(home)
    assert ".zshenv: line 1" in str(caught.value)
    assert contents(home) == before


def test_scan_reports_files_and_skips_what_cannot_be_read(home):
    (home / ".profile").write_text(PROFILE)
    conf = home / ".config" / "fish" / "conf.d"
    conf.mkdir(parents=True)
    (conf / "old.fish").write_text(FISH)
    os.mkfifo(home / ".zshrc")
    paths = shell_scan.scan_paths(shell_scan.USER_SCAN, str(home))
    overrides, warnings = shell_scan.scan_files(paths, shell_scan.DEFEATING)
    assert {(os.path.relpath(o["file"], home), o["line"], o["variable"]) for o in overrides} >= {
        (".profile", 2, "AWS_SECRET_ACCESS_KEY"),
        (".config/fish/conf.d/old.fish", 1, "AWS_PROFILE"),
    }
    assert "secret" not in json.dumps(overrides)
    assert len(warnings) == 1 and ".zshrc was not scanned" in warnings[0]


def test_a_file_name_with_terminal_escapes_is_reported_escaped(home):
    """The reported attack: a name in fish's conf.d that clears the screen and fakes an `ok:` line."""
    conf = home / ".config" / "fish" / "conf.d"
    conf.mkdir(parents=True)
    os.mkfifo(conf / "\x1b[2J\x1b[Hok: fake.fish")
    overrides, warnings = shell_scan.scan_files(shell_scan.scan_paths(shell_scan.USER_SCAN, str(home)), ["AWS_PROFILE"])
    assert overrides == [] and len(warnings) == 1
    assert "\x1b" not in warnings[0] and warnings[0].isprintable()
    assert "conf.d/\\x1b[2J\\x1b[Hok: fake.fish was not scanned" in warnings[0]
