"""The shell facts table, the choice of a row from the host's own facts, and shell_env's system plan per row."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import shell_env, shell_facts
from ansible_collections.labcloud.aws_sso.plugins.modules import shell_env as shell_env_module

# The os-release files these distributions ship (the fields that matter).
OS_RELEASE = {
    "debian": ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', "debian"),
    "ubuntu": ('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', "debian"),
    "mint": ('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"),
    "fedora": ('NAME="Fedora Linux"\nID=fedora\n', "redhat"),
    "rhel": ('NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\n', "redhat"),
    "rocky": ('NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', "redhat"),
    "alma": ('NAME="AlmaLinux"\nID="almalinux"\nID_LIKE="rhel centos fedora"\n', "redhat"),
    "centos": ('NAME="CentOS Stream"\nID="centos"\nID_LIKE="rhel fedora"\n', "redhat"),
    "leap": ('NAME="openSUSE Leap"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\n', "suse"),
    "tumbleweed": ('NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n', "suse"),
    "sles": ('NAME="SLES"\nID="sles"\nID_LIKE="suse"\n', "suse"),
    "arch": ('NAME="Arch Linux"\nID=arch\n', "archlinux"),
    "manjaro": ('NAME="Manjaro Linux"\nID=manjaro\nID_LIKE=arch\n', "archlinux"),
    # ID decides before ID_LIKE: a derivative naming its own row is that row.
    "own-id-first": ("ID=fedora\nID_LIKE=debian\n", "redhat"),
    # Comments, blank lines and single quotes are os-release syntax too.
    "quoted": ("# vendor file\n\nID='arch'\n", "archlinux"),
    # Unknown: Debian's row, which is what shell_env did before the table.
    "alpine": ('NAME="Alpine Linux"\nID=alpine\n', "debian"),
    "empty": ("", "debian"),
}


@pytest.mark.parametrize("name", sorted(OS_RELEASE))
def test_the_family_comes_from_os_release_id_then_id_like(name):
    text, family = OS_RELEASE[name]
    assert shell_facts.family_of(system="Linux", os_release=text) == family


def test_darwin_is_decided_by_the_platform_whatever_the_files_say():
    assert shell_facts.family_of(system="Darwin", os_release=OS_RELEASE["fedora"][0]) == "darwin"
    assert shell_facts.family_of(system="Darwin", os_release="") == "darwin"


def test_the_hosts_own_files_are_read_etc_first_then_usr_lib(tmp_path, monkeypatch):
    etc = tmp_path / "etc-os-release"
    usr = tmp_path / "usr-lib-os-release"
    usr.write_text(OS_RELEASE["arch"][0])
    monkeypatch.setattr(shell_facts, "OS_RELEASE_FILES", (str(etc), str(usr)))
    monkeypatch.setattr(shell_facts.platform, "system", lambda: "Linux")
    assert shell_facts.family_of() == "archlinux"
    etc.write_text(OS_RELEASE["rocky"][0])
    assert shell_facts.family_of() == "redhat"
    monkeypatch.setattr(shell_facts.platform, "system", lambda: "Darwin")
    assert shell_facts.family_of() == "darwin"


# -- the table itself ----------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(shell_facts.FAMILIES))
def test_every_row_is_complete_and_says_where_its_facts_come_from(family):
    row = shell_facts.FAMILIES[family]
    assert row["label"] and len(row["source"]) > 40
    for shell in shell_env.SHELLS:
        assert set(row["reads"][shell]) == {"login", "interactive", "sshd"}, (family, shell)
        assert row["system_writes"][shell], (family, shell)
    # The bash sshd column and the flag say the same thing.
    assert bool(row["reads"]["bash"]["sshd"]) == row["sshd_reads_bashrc"]


@pytest.mark.parametrize("family", sorted(shell_facts.FAMILIES))
def test_every_system_file_written_is_one_that_the_familys_shells_read(family):
    row = shell_facts.FAMILIES[family]
    read = " ".join(" ".join(paths) for shell in row["reads"].values() for paths in shell.values())
    for path in row["system_writes"]["bash"]:
        if path == shell_facts.PROFILE_D:
            assert "/etc/profile.d/*.sh" in read, family
        else:
            assert path in read, (family, path)
    assert any(path in read for path in row["system_writes"]["zsh"]), family
    # What login shells read in the system scope, the bash row reaches.
    login = " ".join(row["reads"]["bash"]["login"])
    assert any(path.split(" ")[0] in login or path == shell_facts.PROFILE_D for path in row["system_writes"]["bash"])


def test_only_arch_leaves_ssh_commands_of_bash_users_without_start_up_files():
    assert [f for f, row in shell_facts.FAMILIES.items() if not row["sshd_reads_bashrc"]] == ["archlinux"]


def test_a_macos_user_with_zsh_gets_zshenv_in_the_home_under_users(tmp_path):
    # macOS: Directory Services gives /Users/<name> and /bin/zsh; /etc/shells lists /bin/zsh.
    shells_file = tmp_path / "shells"
    shells_file.write_text("/bin/bash\n/bin/zsh\n")
    installed = {"zsh"}
    shells = shell_env.resolve_shells(["auto"], "/bin/zsh", installed=installed.__contains__)
    assert shells == ["bash", "zsh"]
    plan = shell_env.plan_user_files("/Users/alice", shells, True, lambda path: path == "/Users/alice/.bash_profile")
    wanted = sorted(path for path, want in plan.items() if want)
    assert wanted == ["/Users/alice/.bash_profile", "/Users/alice/.bashrc", "/Users/alice/.zshenv"]


def test_the_user_files_are_the_tables():
    assert shell_env.BASHRC == ".bashrc"
    assert shell_env.BASH_LOGIN == (".bash_profile", ".bash_login", ".profile")
    assert shell_env.ZSHENV == ".zshenv"
    assert shell_env.FISH_FILE == ".config/fish/conf.d/labcloud-aws-sso.fish"


# -- shell_env's system plan per row -------------------------------------------------------


def dirs(*existing):
    return lambda path: path in existing


DEBIAN_FILES = {
    "/etc/profile.d/labcloud-aws-sso.sh",
    "/etc/bash.bashrc",
    "/etc/zsh/zshenv",
    "/etc/fish/conf.d/labcloud-aws-sso.fish",
}


def test_debian_plan_is_what_it_always_was():
    plan = shell_env.plan_system_files(["bash", "zsh", "fish"], True, "debian", dirs("/etc", "/etc/zsh"))
    assert plan == dict.fromkeys(DEBIAN_FILES, True)
    # Without /etc/zsh (a zsh built elsewhere) the block goes to /etc/zshenv, as before.
    plan = shell_env.plan_system_files(["bash", "zsh"], True, "debian", dirs("/etc"))
    assert plan["/etc/zshenv"] is True and "/etc/zsh/zshenv" not in plan
    assert plan["/etc/fish/conf.d/labcloud-aws-sso.fish"] is False


@pytest.mark.parametrize(
    ("family", "bash", "zsh"),
    [
        ("redhat", {"/etc/profile.d/labcloud-aws-sso.sh", "/etc/bashrc"}, "/etc/zshenv"),
        ("suse", {"/etc/profile.d/labcloud-aws-sso.sh", "/etc/bash.bashrc.local"}, "/etc/zshenv"),
        ("archlinux", {"/etc/profile.d/labcloud-aws-sso.sh", "/etc/bash.bashrc"}, "/etc/zsh/zshenv"),
        ("darwin", {"/etc/bashrc"}, "/etc/zshenv"),
    ],
)
def test_each_family_gets_its_own_system_files(family, bash, zsh):
    isdir = dirs("/etc", "/etc/zsh", "/etc/fish/conf.d", "/usr/local/etc/fish/conf.d")
    plan = shell_env.plan_system_files(["bash", "zsh"], True, family, isdir)
    assert {path for path, wanted in plan.items() if wanted} == bash | {zsh}
    # Files of other families are never touched, not even to remove a block.
    assert "/etc/bash.bashrc" not in plan or "/etc/bash.bashrc" in bash
    assert all(wanted is False for wanted in shell_env.plan_system_files([], False, family, isdir).values())


def test_darwin_fish_goes_where_homebrew_put_fish():
    apple = shell_env.plan_system_files(["fish"], True, "darwin", dirs("/opt/homebrew/etc/fish/conf.d"))
    intel = shell_env.plan_system_files(["fish"], True, "darwin", dirs("/usr/local/etc/fish/conf.d"))
    assert apple["/opt/homebrew/etc/fish/conf.d/labcloud-aws-sso.fish"] is True
    assert intel["/usr/local/etc/fish/conf.d/labcloud-aws-sso.fish"] is True


def test_system_zshenv_follows_the_hosts_family(monkeypatch):
    monkeypatch.setattr(shell_facts, "family_of", lambda: "redhat")
    assert shell_env.system_zshenv() == "/etc/zshenv"
    monkeypatch.setattr(shell_facts, "family_of", lambda: "archlinux")
    assert shell_env.system_zshenv() == "/etc/zsh/zshenv"


# -- documentation -----------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(shell_facts.FAMILIES))
def test_the_module_docs_carry_every_row_and_its_files(family):
    row = shell_facts.FAMILIES[family]
    docs = " ".join(shell_env_module.DOCUMENTATION.split())
    assert row["label"] in docs
    for shell in shell_env.SHELLS:
        for path in row["system_writes"][shell]:
            assert path in docs, (family, path)


def test_the_docs_page_is_written_from_the_table():
    from tests.testbed.paths import REPO
    from tests.tools import shells_doc

    assert (REPO / "docs" / "shells.md").read_text() == shells_doc.render(), "run python tests/tools/shells_doc.py"
