"""Debian bookworm containers laid out as the RHEL family, SUSE and Arch lay out their shell start-up files.

No RPM or Arch repository is reachable here, so these are layouts, not the
distributions: the bash, zsh and fish binaries stay Debian's. What each
layout changes, at test time, in a container started from the bookworm
image (podman cp of one tar stream, then one podman exec):

- /etc/os-release of the distribution (what shell_env chooses its row by);
- /etc/skel as the distribution's bash package ships it, and a user made
  from it;
- the system shell files the distribution's packages ship, reduced to what
  decides which file reaches which shell (prompts and aliases left out),
  written for this test bed after the sources named in
  plugins/module_utils/shell_facts.py;
- what the distribution's build of bash reads by itself: Debian's bash is
  built with SYS_BASHRC=/etc/bash.bashrc, as SUSE's and Arch's are, so the
  RHEL layout deletes /etc/bash.bashrc (its bash has no SYS_BASHRC); reading
  a missing file is the same as not reading one;
- zsh's compiled-in system directory: Debian's zsh reads /etc/zsh/zshenv,
  the RHEL family's and SUSE's /etc/zshenv. Those layouts leave in /etc/zsh
  only one-line files that source the /etc ones, standing in for the other
  build; Arch's zsh, like Debian's, uses /etc/zsh.

Where a build flag cannot be changed (Debian's bash honours SSH_CLIENT,
Arch's is built without SSH_SOURCE_BASHRC and does not), the layout says how
sshd has to be imitated instead (SSHD_SEES_SSH_CLIENT).
"""

import io
import secrets
import tarfile
import time

from tests.testbed import fleet, paths

USER = "labu"

_RHEL_OS_RELEASE = """NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"
"""

_SUSE_OS_RELEASE = """NAME="openSUSE Leap"
VERSION="15.6"
ID="opensuse-leap"
ID_LIKE="suse opensuse"
VERSION_ID="15.6"
PRETTY_NAME="openSUSE Leap 15.6"
"""

_ARCH_OS_RELEASE = """NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
"""

# zsh built with /etc as its directory, imitated with Debian's zsh.
_ZSH_ETC_SHIMS = {
    "/etc/zsh/zshenv": "# layout: this zsh is built to read /etc/zshenv\n[ -r /etc/zshenv ] && . /etc/zshenv\n",
    "/etc/zsh/zprofile": "# layout: this zsh is built to read /etc/zprofile\n[ -r /etc/zprofile ] && . /etc/zprofile\n",
    "/etc/zsh/zshrc": "# layout: this zsh is built to read /etc/zshrc\n[ -r /etc/zshrc ] && . /etc/zshrc\n",
    "/etc/zsh/zlogin": "# layout: this zsh is built to read /etc/zlogin\n[ -r /etc/zlogin ] && . /etc/zlogin\n",
}

LAYOUTS = {
    "redhat": dict(
        os_release=_RHEL_OS_RELEASE,
        remove=("/etc/bash.bashrc", "/etc/zsh/zlogout", "/etc/zsh/newuser.zshrc.recommended"),
        files={
            "/etc/profile": (
                "# /etc/profile, as the RHEL family's setup package has it (reduced)\n"
                "for i in /etc/profile.d/*.sh; do\n"
                '    if [ -r "$i" ]; then\n'
                '        if [ "${-#*i}" != "$-" ]; then . "$i"; else . "$i" >/dev/null; fi\n'
                "    fi\n"
                "done\n"
                "unset i\n"
                "# Login bash reads /etc/profile only, so it reads /etc/bashrc from here.\n"
                'if [ -n "${BASH_VERSION-}" ] && [ -f /etc/bashrc ]; then\n'
                "    . /etc/bashrc\n"
                "fi\n"
            ),
            "/etc/bashrc": (
                "# /etc/bashrc, as the RHEL family's setup package has it (reduced):\n"
                "# read through ~/.bashrc (bash has no SYS_BASHRC) and from /etc/profile.\n"
                'if [ -z "$BASHRCSOURCED" ]; then\n'
                "    BASHRCSOURCED=Y\n"
                '    if [ "$PS1" ]; then\n'
                '        PS1="[\\u@\\h \\W]\\\\$ "\n'
                "    fi\n"
                "    # Shells that are not login shells get /etc/profile.d from here.\n"
                "    if ! shopt -q login_shell; then\n"
                "        for i in /etc/profile.d/*.sh; do\n"
                '            if [ -r "$i" ]; then\n'
                '                if [ "$PS1" ]; then . "$i"; else . "$i" >/dev/null; fi\n'
                "            fi\n"
                "        done\n"
                "        unset i\n"
                "    fi\n"
                "fi\n"
            ),
            "/etc/zshenv": "# /etc/zshenv, as the RHEL family's zsh package has it: comments only\n",
            "/etc/zprofile": (
                "# /etc/zprofile, as the RHEL family's zsh package has it (reduced)\n"
                "emulate sh -c 'source /etc/profile'\n"
            ),
            "/etc/zshrc": "# /etc/zshrc, as the RHEL family's zsh package has it (reduced)\n",
            "/etc/zlogin": "# /etc/zlogin\n",
            **_ZSH_ETC_SHIMS,
        },
        skel={
            ".bashrc": (
                "# .bashrc, as the RHEL family's skeleton has it (reduced): /etc/bashrc\n"
                "# first, and no return for shells that are not interactive.\n"
                "if [ -f /etc/bashrc ]; then\n"
                "    . /etc/bashrc\n"
                "fi\n"
                'PATH="$HOME/.local/bin:$HOME/bin:$PATH"\n'
                "export PATH\n"
                "if [ -d ~/.bashrc.d ]; then\n"
                "    for rc in ~/.bashrc.d/*; do\n"
                '        [ -f "$rc" ] && . "$rc"\n'
                "    done\n"
                "fi\n"
                "unset rc\n"
            ),
            ".bash_profile": (
                "# .bash_profile, as the RHEL family's skeleton has it: login shells read ~/.bashrc too\n"
                "if [ -f ~/.bashrc ]; then\n"
                "    . ~/.bashrc\n"
                "fi\n"
            ),
            ".bash_logout": "# ~/.bash_logout\n",
        },
        sshd_sees_ssh_client=True,
    ),
    "suse": dict(
        os_release=_SUSE_OS_RELEASE,
        remove=("/etc/zsh/zlogout", "/etc/zsh/newuser.zshrc.recommended"),
        files={
            "/etc/profile": (
                "# /etc/profile, as SUSE's aaa_base has it (reduced)\n"
                'if [ -z "$is" ]; then\n'
                '    case "$(readlink /proc/$$/exe 2>/dev/null)" in */bash) is=bash ;; *) is=sh ;; esac\n'
                "fi\n"
                'if [ -z "$PROFILEREAD" ]; then\n'
                "    for s in /etc/profile.d/*.sh; do\n"
                '        [ -r "$s" ] && . "$s"\n'
                "    done\n"
                "    unset s\n"
                "fi\n"
                "PROFILEREAD=true\n"
                "export PROFILEREAD\n"
                "# Login bash reads /etc/bash.bashrc from here.\n"
                'if [ "$is" = bash ] && [ -z "$_SOURCED_FOR_SSH" ] && [ -r /etc/bash.bashrc ]; then\n'
                "    . /etc/bash.bashrc\n"
                "fi\n"
            ),
            "/etc/bash.bashrc": (
                "# /etc/bash.bashrc, as SUSE's aaa_base has it (reduced). Not to be edited:\n"
                "# local settings go into /etc/bash.bashrc.local, read at the end for bash.\n"
                'if [ -z "$is" ]; then\n'
                '    case "$(readlink /proc/$$/exe 2>/dev/null)" in */bash) is=bash ;; *) is=sh ;; esac\n'
                "fi\n"
                'case "$-" in\n'
                "*i*) PS1='\\u@\\h:\\w> ' ;;\n"
                "esac\n"
                "# A command run over ssh gets /etc/profile too.\n"
                'if [ -n "$SSH_CONNECTION" ] && [ -z "$PROFILEREAD" ]; then\n'
                "    _SOURCED_FOR_SSH=true\n"
                "    . /etc/profile >/dev/null 2>&1\n"
                "    unset _SOURCED_FOR_SSH\n"
                "fi\n"
                'case "$is" in\n'
                "bash) [ -s /etc/bash.bashrc.local ] && . /etc/bash.bashrc.local ;;\n"
                "esac\n"
            ),
            "/etc/zshenv": "# /etc/zshenv, as SUSE's zsh package has it (reduced)\n",
            "/etc/zprofile": "# /etc/zprofile (reduced)\nemulate sh -c 'source /etc/profile'\n",
            "/etc/zshrc": "# /etc/zshrc (reduced)\n",
            "/etc/zlogin": "# /etc/zlogin\n",
            **_ZSH_ETC_SHIMS,
        },
        skel={
            ".bashrc": (
                "# ~/.bashrc, as SUSE's skeleton has it (reduced): read by every bash that\n"
                "# reads /etc/bash.bashrc; no return for shells that are not interactive.\n"
                "test -s ~/.alias && . ~/.alias || true\n"
            ),
            ".profile": (
                "# ~/.profile, as SUSE's skeleton has it (reduced): read by login shells\n#export LANG=de_DE.UTF-8\n"
            ),
        },
        sshd_sees_ssh_client=True,
    ),
    "archlinux": dict(
        os_release=_ARCH_OS_RELEASE,
        remove=(
            "/etc/zsh/zshenv",
            "/etc/zsh/zshrc",
            "/etc/zsh/zlogin",
            "/etc/zsh/zlogout",
            "/etc/zsh/newuser.zshrc.recommended",
        ),
        files={
            "/etc/profile": (
                "# /etc/profile, as Arch's filesystem package has it (reduced)\n"
                "umask 022\n"
                "if test -d /etc/profile.d/; then\n"
                "    for profile in /etc/profile.d/*.sh; do\n"
                '        test -r "$profile" && . "$profile"\n'
                "    done\n"
                "    unset profile\n"
                "fi\n"
                "# Interactive login bash reads /etc/bash.bashrc from here.\n"
                'if test "$BASH" && test "$PS1" && test -z "$POSIXLY_CORRECT" && test "${0#-}" != sh && '
                "test -r /etc/bash.bashrc; then\n"
                "    . /etc/bash.bashrc\n"
                "fi\n"
            ),
            "/etc/bash.bashrc": (
                "# /etc/bash.bashrc, as Arch's bash package has it (reduced)\n"
                "[[ $- != *i* ]] && return\n"
                "PS1='[\\u@\\h \\W]\\$ '\n"
            ),
            "/etc/zsh/zprofile": (
                "# /etc/zsh/zprofile, as Arch's zsh package has it\nemulate sh -c 'source /etc/profile'\n"
            ),
        },
        skel={
            ".bashrc": (
                "# ~/.bashrc, as Arch's skeleton has it (reduced)\n"
                "# If not running interactively, don't do anything\n"
                "[[ $- != *i* ]] && return\n"
                "alias ls='ls --color=auto'\n"
                "PS1='[\\u@\\h \\W]\\$ '\n"
            ),
            ".bash_profile": "# ~/.bash_profile, as Arch's skeleton has it\n[[ -f ~/.bashrc ]] && . ~/.bashrc\n",
            ".bash_logout": "# ~/.bash_logout\n",
        },
        # Arch's bash is built without SSH_SOURCE_BASHRC: it ignores
        # SSH_CLIENT, so the imitation of sshd must not set it.
        sshd_sees_ssh_client=False,
    ),
}


def _tar(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size = len(data)
            info.mode = 0o644
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def start(family, prefix="oslayout"):
    """A bookworm container laid out as family, with USER made from its skeleton; returns its name."""
    layout = LAYOUTS[family]
    name = "%s-%s-%s" % (prefix, family, secrets.token_hex(4))
    # No network: nothing of the layout needs one.
    fleet.Fleet({name: paths.IMAGES["bookworm"]}, command=fleet.SLEEP, network="none").start()
    try:
        apply(name, layout)
    except Exception:
        stop(name)
        raise
    return name


def apply(name, layout):
    script = " && ".join(
        [
            "rm -f %s" % " ".join(layout["remove"]) if layout["remove"] else "true",
            # The skeleton replaces Debian's, whole.
            "find /etc/skel -mindepth 1 -delete",
        ]
    )
    fleet.podman("exec", name, "sh", "-c", script, check=True)
    files = dict(layout["files"])
    files["/etc/os-release"] = layout["os_release"]
    files.update(("/etc/skel/" + key, value) for key, value in layout["skel"].items())
    # /etc/os-release is a link to ../usr/lib/os-release on Debian: replace both.
    files["/usr/lib/os-release"] = layout["os_release"]
    fleet.podman("exec", name, "rm", "-f", "/etc/os-release", check=True)
    fleet.podman("cp", "-", "%s:/" % name, input=_tar(files), text=False, check=True)
    fleet.podman("exec", name, "useradd", "--create-home", "--shell", "/bin/bash", "--user-group", USER, check=True)


def stop(name):
    fleet.remove(name, timeout=60)
