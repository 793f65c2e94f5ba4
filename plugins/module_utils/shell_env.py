# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Which shell start-up files get our block on this host, and writing them: the host side of shell_env.

The block itself is shell_block's, the checked options shell_env_options',
the search for overriding lines shell_scan's. Which files, and why:

bash  login shells read the first of ~/.bash_profile, ~/.bash_login,
      ~/.profile; interactive non-login shells read ~/.bashrc; so does the
      `bash -c CMD` that sshd starts for `ssh host CMD` (Debian builds bash
      with SSH_SOURCE_BASHRC). Debian's stock ~/.bashrc returns at once when
      the shell is not interactive, so the block goes at the top of the
      file, above that return.
zsh   ~/.zshenv is read by every zsh, `zsh -c` included.
fish  ~/.config/fish/conf.d/labcloud-aws-sso.fish, a file of our own.

System-wide (scope system), all of them root's, depend on the OS family
(shell_facts.FAMILIES, chosen from the host's own os-release/platform). On
Debian: /etc/profile.d (login shells), /etc/bash.bashrc (interactive bash,
and bash started by sshd: Debian's bash reads it there too, before
~/.bashrc, and it also returns early), /etc/zsh/zshenv and /etc/fish/conf.d.
The RHEL family's bash reads /etc/bashrc instead (sourced by the skeleton
~/.bashrc), SUSE's takes local settings in /etc/bash.bashrc.local, macOS
has no /etc/profile.d and zsh reads /etc/zshenv.

Everything in a user's home runs as that user (see as_user.run_as) and
writes through atomic_file.write_if_unchanged. Only the standard library:
this runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils import atomic_file, shell_facts
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import describe_os_error
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_block import (
    BlockError,
    block_diff,
    remove_blocks,
    set_block,
    syntax_of,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_scan import (
    SYSTEM_SCAN,
    USER_SCAN,
    override_names,
    scan_files,
    scan_paths,
)

SHELLS = ("bash", "zsh", "fish")

USER_FILE_MODE = 0o600
SYSTEM_FILE_MODE = 0o644

# The files of a home we write, relative to it.
BASHRC = shell_facts.USER_WRITES["bash"][0][2:]
BASH_LOGIN = tuple(path[2:] for path in shell_facts.USER_WRITES["bash"][1:])
ZSHENV = shell_facts.USER_WRITES["zsh"][0][2:]
FISH_FILE = shell_facts.USER_WRITES["fish"][0][2:]


# -- shells on the host ---------------------------------------------------------


def shell_installed(name, shells_file="/etc/shells", path=None):
    """Whether a shell is installed: listed in /etc/shells or found on PATH."""
    try:
        with open(shells_file) as handle:
            for line in handle:
                line = line.strip()
                if line and not line.startswith("#") and os.path.basename(line) == name and os.path.exists(line):
                    return True
    except OSError:
        pass
    dirs = (path or os.environ.get("PATH", "")).split(os.pathsep) + ["/usr/local/bin", "/usr/bin", "/bin"]
    return any(os.access(os.path.join(d, name), os.X_OK) for d in dirs if d)


def resolve_shells(requested, login_shell, installed=shell_installed):
    """The shells to write for: `auto` is bash always, zsh and fish when they are the login shell or installed."""
    chosen = set(s for s in requested if s in SHELLS)
    if "auto" in requested:
        chosen.add("bash")
        login = os.path.basename(login_shell or "")
        for shell in ("zsh", "fish"):
            if login == shell or installed(shell):
                chosen.add(shell)
    return [s for s in SHELLS if s in chosen]


def system_zshenv(family=None):
    return shell_facts.system_files(family or shell_facts.family_of(), "zsh", os.path.isdir)[0]


# -- acting on files (as their user, or as root for system files) -------------------


def _expand(home, relative):
    return os.path.join(home, relative)


def plan_user_files(home, shells, present, exists):
    """{path: wanted} for every file we manage in a home: True where the block belongs, False where it must go.

    exists(path) tells whether a file is there (bash takes the first login
    file that is); with no login file at all, ~/.profile is created, the one
    every Bourne-style login shell reads.
    """
    login = [_expand(home, name) for name in BASH_LOGIN]
    plan = dict((path, False) for path in login)
    plan[_expand(home, BASHRC)] = False
    plan[_expand(home, ZSHENV)] = False
    plan[_expand(home, FISH_FILE)] = False
    if not present:
        return plan
    if "bash" in shells:
        plan[_expand(home, BASHRC)] = True
        first = next((path for path in login if exists(path)), login[-1])
        plan[first] = True
    if "zsh" in shells:
        plan[_expand(home, ZSHENV)] = True
    if "fish" in shells:
        plan[_expand(home, FISH_FILE)] = True
    return plan


def plan_system_files(shells, present, family=None, isdir=os.path.isdir):
    """{path: wanted} for the system files of the host's OS family (shell_facts.FAMILIES)."""
    family = family or shell_facts.family_of()
    plan = {}
    for shell in SHELLS:
        for path in shell_facts.system_files(family, shell, isdir):
            plan[path] = present and shell in shells
    return plan


def _new_text(path, state, wanted, env_items):
    """(new text, delete?) for one file; None text means leave it alone."""
    try:
        if wanted:
            return set_block(state["content"], syntax_of(path), env_items, state["exists"]), False
        if not state["exists"]:
            return None, False
        text, created = remove_blocks(state["content"])
    except BlockError as exc:
        raise AsUserError("%s: %s" % (path, exc)) from None
    return text, created and text == ""


def _read_for_write(path, owner, wanted):
    """read_state with the owner check; a file we need not touch may be anything."""
    try:
        return atomic_file.read_state(path, owner)
    except (AsUserError, OSError):
        if wanted:
            raise
        return None


def converge(plan, env_items, owner, new_mode, check_mode, want_diff, system=False):
    """Bring every file of plan to its wanted state; returns (files_changed, diffs).

    A read or block problem in any file stops before anything is written.
    A file that changed between our read and our write (another writer) makes
    us read everything again, a bounded number of times.
    """
    changed = []
    diffs = {}
    for attempt in range(20):
        work = []
        for path in sorted(plan):
            wanted = plan[path]
            state = _read_for_write(path, owner, wanted)
            if state is None:
                continue
            text, delete = _new_text(path, state, wanted, env_items)
            if text is None or (text == state["content"] and not delete):
                continue
            if system and wanted and not state["exists"] and not os.path.isdir(os.path.dirname(path)):
                raise AsUserError(
                    "%s does not exist: is the shell installed? (system directories are not created)"
                    % os.path.dirname(path)
                )
            work.append((path, state, text, delete))
        conflict = False
        for path, state, text, delete in work:
            if not check_mode:
                if delete and not os.path.islink(path):
                    if not atomic_file.remove_if_unchanged(path, state["sha256"], owner):
                        conflict = True
                        break
                else:
                    mode = int(state["mode"], 8) if state["mode"] else new_mode
                    result = atomic_file.write_if_unchanged(path, text, state["sha256"], owner, mode=mode)
                    if result["conflict"]:
                        conflict = True
                        break
            if path not in changed:
                changed.append(path)
            if want_diff:
                diffs[path] = block_diff(path, state["content"], None if delete else text)
        if not conflict:
            return changed, [diffs[path] for path in changed if path in diffs]
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not secrecy
    raise AsUserError("the files kept changing while they were written (20 tries); run the task again")


def user_work(acct, spec, check_mode, want_diff):
    """Everything for one user, run as that user (as_user.run_as). Never raises."""
    result = dict(changed=False, files_changed=[], overrides=[], warnings=[], diff=[])
    try:
        if spec.get("manage", True):
            plan = plan_user_files(acct.home, spec["shells"], spec["present"], os.path.isfile)
            changed, diffs = converge(
                plan, spec["env_items"], acct.uid, USER_FILE_MODE, check_mode, want_diff and spec.get("diff", True)
            )
            result.update(changed=bool(changed), files_changed=changed, diff=diffs)
        names = spec.get("names") or override_names(spec["env_items"])
        overrides, warnings = scan_files(scan_paths(USER_SCAN, acct.home), names)
        result.update(overrides=overrides, warnings=warnings)
    except AsUserError as exc:
        result.update(failed=True, msg=str(exc))
    except OSError as exc:
        result.update(failed=True, msg=describe_os_error(exc, acct))
    return result


def system_work(shells, present, env_items, check_mode, want_diff, family=None):
    """The system-wide files of the host's OS family, as root. Raises AsUserError/OSError on failure."""
    family = family or shell_facts.family_of()
    plan = plan_system_files(shells, present, family)
    changed, diffs = converge(plan, env_items, 0, SYSTEM_FILE_MODE, check_mode, want_diff, system=True)
    overrides, warnings = scan_files(scan_paths(SYSTEM_SCAN), override_names(env_items))
    return dict(
        changed=bool(changed),
        files_changed=changed,
        overrides=overrides,
        warnings=warnings,
        diff=diffs,
        os_family=family,
    )
