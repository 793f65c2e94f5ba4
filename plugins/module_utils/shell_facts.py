# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Which start-up files bash, zsh and fish read on each OS family, and which ones shell_env writes.

One row per family. The family is found on the managed host from its own
facts (platform.system() for macOS, /etc/os-release ID and ID_LIKE
otherwise), never from the controller's.

Each row says, per shell, what a login shell, an interactive non-login
shell and the non-interactive `SHELL -c CMD` that sshd starts for
`ssh host CMD` read (system files first, `~` being the user's home; "if
present" files are listed all the same), what shell_env writes in user
scope and in system scope, and where those facts come from. The `source`
texts are the record of how each fact was checked; the shell_env module
documentation and docs/shells.md print the same table.

Only the standard library: this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import platform

OS_RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release")

PROFILE_D = "/etc/profile.d/labcloud-aws-sso.sh"
FISH_CONF = "/etc/fish/conf.d/labcloud-aws-sso.fish"

# In user scope every family gets the same files: which of them bash
# reads is bash's own rule (bash(1), INVOCATION), the same on every build.
USER_WRITES = {
    # The block goes into ~/.bashrc and into the first of these that exists
    # (~/.profile, the last, is created when none does).
    "bash": ("~/.bashrc", "~/.bash_profile", "~/.bash_login", "~/.profile"),
    "zsh": ("~/.zshenv",),
    "fish": ("~/.config/fish/conf.d/labcloud-aws-sso.fish",),
}

_BASH_LOGIN_USER = "first of ~/.bash_profile, ~/.bash_login, ~/.profile"
# What a bash login shell reads where /etc/profile runs /etc/profile.d.
_BASH_LOGIN = ("/etc/profile", "/etc/profile.d/*.sh (from /etc/profile)", _BASH_LOGIN_USER)
_ZSH_LOGIN_TAIL = ("...zshrc, zlogin",)


def _zsh_reads(etc, login_tail=_ZSH_LOGIN_TAIL):
    """zsh's reads when its system files live in etc (/etc/zsh or /etc): every zsh reads zshenv."""
    env = (etc + "/zshenv", "~/.zshenv")
    return dict(
        login=env + (etc + "/zprofile", "~/.zprofile") + login_tail,
        interactive=env + (etc + "/zshrc", "~/.zshrc"),
        sshd=env,
    )


def _fish_reads(system_conf_d):
    """fish reads its conf.d directories, system then user, in every shell."""
    reads = (system_conf_d + "/*.fish", "~/.config/fish/conf.d/*.fish", "config.fish")
    return dict(login=reads, interactive=reads, sshd=reads)


def _family(label, ids, bash_interactive, bash_system, zsh_etc, source, **odd):
    """One row, from what differs between families; the rest follows from it.

    sshd's `bash -c` reads what an interactive bash reads where bash is built
    with SSH_SOURCE_BASHRC (odd bash_sshd says otherwise), and nothing where
    it is not; zsh's system file is the zshenv of the directory zsh was built
    with (odd zsh_system adds fallbacks); fish's is in /etc/fish/conf.d
    unless odd fish_conf_d and fish_system say where.
    """
    bash_sshd = odd.get("bash_sshd", bash_interactive)
    return dict(
        label=label,
        ids=ids,
        reads=dict(
            bash=dict(login=odd.get("bash_login", _BASH_LOGIN), interactive=bash_interactive, sshd=bash_sshd),
            zsh=_zsh_reads(zsh_etc, **odd.get("zsh_reads", {})),
            fish=_fish_reads(odd.get("fish_conf_d", "/etc/fish/conf.d")),
        ),
        system_writes=dict(
            bash=bash_system,
            zsh=odd.get("zsh_system", (zsh_etc + "/zshenv",)),
            fish=odd.get("fish_system", (FISH_CONF,)),
        ),
        sshd_reads_bashrc=bool(bash_sshd),
        source=source,
    )


FAMILIES = {
    "debian": _family(
        "Debian, Ubuntu",
        ids=("debian", "ubuntu"),
        bash_interactive=("/etc/bash.bashrc", "~/.bashrc"),
        # Both /etc/bash.bashrc and the stock ~/.bashrc return early when
        # not interactive: the block goes at the top.
        bash_system=(PROFILE_D, "/etc/bash.bashrc"),
        zsh_etc="/etc/zsh",
        # Debian builds zsh with /etc/zsh; /etc/zshenv only where there is no
        # /etc/zsh (a zsh built elsewhere).
        zsh_system=("/etc/zsh/zshenv", "/etc/zshenv"),
        source=(
            "checked here on Debian 12: bash(1) INVOCATION; `strings /bin/bash` shows SYS_BASHRC "
            "/etc/bash.bashrc and SSH_CLIENT/SSH2_CLIENT (SSH_SOURCE_BASHRC); the bash package's "
            "/etc/bash.bashrc and /etc/skel/.bashrc (early return when not interactive); zsh(1) STARTUP/SHUTDOWN "
            "FILES and `strings /usr/bin/zsh` (/etc/zsh/zshenv); fish(1) and /etc/fish/conf.d"
        ),
    ),
    "redhat": _family(
        "RHEL, Fedora, CentOS, Rocky, Alma",
        ids=("rhel", "fedora", "centos", "rocky", "almalinux", "ol"),
        # No SYS_BASHRC: /etc/bashrc is read because the skeleton ~/.bashrc
        # sources it (and ~/.bash_profile sources ~/.bashrc).
        bash_interactive=("~/.bashrc", "/etc/bashrc (from ~/.bashrc)"),
        bash_system=(PROFILE_D, "/etc/bashrc"),
        zsh_etc="/etc",
        source=(
            "Fedora's bash.spec (rpms/bash): Patch107 bash-3.2-ssh_source_bash.patch (SSH_SOURCE_BASHRC), "
            "no SYS_BASHRC, skeleton dot-bashrc sourcing /etc/bashrc (no early return) and dot-bash_profile "
            "sourcing ~/.bashrc; /etc/bashrc and /etc/profile come from the setup package; Fedora's zsh.spec "
            "installs zshenv.rhs as /etc/zshenv. Not run on a real host here (layout test only)"
        ),
    ),
    "suse": _family(
        "SUSE, openSUSE",
        ids=("suse", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles", "sled", "sle-micro"),
        bash_interactive=("/etc/bash.bashrc", "/etc/bash.bashrc.local (from it)", "~/.bashrc"),
        # /etc/bash.bashrc belongs to aaa_base and says to put local
        # settings into /etc/bash.bashrc.local, which it sources.
        bash_system=(PROFILE_D, "/etc/bash.bashrc.local"),
        zsh_etc="/etc",
        source=(
            "openSUSE's bash.spec (bash-*-bash.bashrc.dif: SYS_BASHRC /etc/bash.bashrc; skeleton .bashrc "
            "and .profile, no .bash_profile); aaa_base's /etc/bash.bashrc (local settings go into "
            "/etc/bash.bashrc.local); zsh package's /etc/zshenv. SSH_SOURCE_BASHRC could not be checked "
            "against SUSE's build here; the layout test assumes it. Not run on a real host here"
        ),
    ),
    "archlinux": _family(
        "Arch Linux, Manjaro, EndeavourOS",
        ids=("arch", "archlinux", "manjaro", "endeavouros"),
        bash_interactive=("/etc/bash.bashrc", "~/.bashrc"),
        # Built without SSH_SOURCE_BASHRC: `ssh host CMD` to a bash user
        # reads no start-up file at all.
        bash_sshd=(),
        bash_system=(PROFILE_D, "/etc/bash.bashrc"),
        zsh_etc="/etc/zsh",
        source=(
            "Arch's bash PKGBUILD: -DSYS_BASHRC=/etc/bash.bashrc -DNON_INTERACTIVE_LOGIN_SHELLS and no "
            "SSH_SOURCE_BASHRC; its system.bashrc and dot.bashrc return early when not interactive, "
            "dot.bash_profile sources ~/.bashrc; Arch's zsh is built with /etc/zsh. Not run on a real host here"
        ),
    ),
    "darwin": _family(
        "macOS",
        ids=(),
        # /etc/profile runs /usr/libexec/path_helper and sources /etc/bashrc
        # for bash; Terminal starts login shells.
        bash_login=("/etc/profile", "/etc/bashrc (from /etc/profile)", _BASH_LOGIN_USER),
        bash_interactive=("~/.bashrc",),
        # zsh is the default login shell (and so what sshd starts);
        # /etc/zshenv does not ship but every zsh reads it.
        bash_system=("/etc/bashrc",),
        zsh_etc="/etc",
        zsh_reads=dict(login_tail=("/etc/zshrc", "~/.zshrc")),
        # fish comes from Homebrew, whose prefix differs between Apple
        # silicon and Intel.
        fish_conf_d="PREFIX/etc/fish/conf.d",
        fish_system=(
            "/opt/homebrew/etc/fish/conf.d/labcloud-aws-sso.fish",
            "/usr/local/etc/fish/conf.d/labcloud-aws-sso.fish",
        ),
        source=(
            "macOS's /etc/profile, /etc/bashrc, /etc/zprofile, /etc/zshrc; zsh(1) (/etc/zshenv); Apple's "
            "/bin/bash 3.2 is built with SSH_SOURCE_BASHRC (as noted in Homebrew's bash formula); fish from "
            "Homebrew. Unit tests only here: no macOS host"
        ),
    ),
}

# Where no row matches: Debian's row, what shell_env did before the table.
DEFAULT_FAMILY = "debian"


def _parse_os_release(text):
    """{KEY: value} of an os-release file (quotes removed)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _read_os_release(paths=None):
    for path in paths or OS_RELEASE_FILES:
        try:
            with open(path) as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError):
            continue
    return ""


def family_of(system=None, os_release=None):
    """The family key for a host: its own platform.system() and os-release text (read here when not given).

    ID decides before ID_LIKE (Ubuntu says ID_LIKE=debian, Rocky
    ID_LIKE="rhel centos fedora", openSUSE ID_LIKE="suse opensuse").
    """
    system = platform.system() if system is None else system
    if system == "Darwin":
        return "darwin"
    values = _parse_os_release(_read_os_release() if os_release is None else os_release)
    candidates = [values.get("ID", "").lower()] + values.get("ID_LIKE", "").lower().split()
    for candidate in candidates:
        for key, row in FAMILIES.items():
            if candidate and candidate in row["ids"]:
                return key
    return DEFAULT_FAMILY


def system_files(family, shell, isdir):
    """The system files shell_env writes for shell on this host.

    bash gets every file of its row; zsh and fish one, the first candidate
    whose directory exists (else the first), since where their system file
    lives depends on how the shell was built or installed.
    """
    candidates = FAMILIES[family]["system_writes"][shell]
    if shell == "bash":
        return list(candidates)
    for path in candidates:
        if isdir(path.rsplit("/", 1)[0]):
            return [path]
    return [candidates[0]]
