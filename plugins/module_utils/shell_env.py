# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Environment variables in shell start-up files: blocks, quoting, validation, scanning.

The host side of labcloud.aws_sso.shell_env. Each file we manage holds at
most one marked block of ours; everything outside it is the user's and is
kept byte for byte. Which files, and why:

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

import glob
import os
import random
import re
import time

from ansible_collections.labcloud.aws_sso.plugins.module_utils import atomic_file, shell_facts
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import describe_os_error
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_values import is_region
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_shell
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import repeated_users

BEGIN = "# BEGIN labcloud.aws_sso managed block"
END = "# END labcloud.aws_sso managed block"
NOTE = "# Written by Ansible (labcloud.aws_sso.shell_env): do not edit by hand, changes here are replaced."
# Without state on the host, this line is how a later removal knows that the
# file held nothing before the block, so that removing it restores "no file"
# rather than leaving an empty one (an empty ~/.bash_profile would hide
# ~/.profile from every login shell).
CREATED_NOTE = "# This file was created for this block: removing the block removes the file."

SHELLS = ("bash", "zsh", "fish")
ABSENT = "absent"

USER_FILE_MODE = 0o600
SYSTEM_FILE_MODE = 0o644

BASHRC = shell_facts.USER_WRITES["bash"][0][2:]
BASH_LOGIN = tuple(path[2:] for path in shell_facts.USER_WRITES["bash"][1:])
ZSHENV = shell_facts.USER_WRITES["zsh"][0][2:]
FISH_FILE = shell_facts.USER_WRITES["fish"][0][2:]
USER_SCAN = (
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshenv",
    ".zprofile",
    ".zshrc",
    ".zlogin",
    ".config/fish/config.fish",
    ".config/fish/conf.d/*.fish",
)

SYSTEM_PROFILE_D = shell_facts.PROFILE_D
SYSTEM_BASHRC = "/etc/bash.bashrc"
SYSTEM_FISH_FILE = shell_facts.FISH_CONF
# Every family's system files: a host has only its own family's, and a
# file that is not there is skipped.
SYSTEM_SCAN = (
    "/etc/environment",
    "/etc/profile",
    "/etc/profile.d/*.sh",
    "/etc/bash.bashrc",
    "/etc/bash.bashrc.local",
    "/etc/bashrc",
    "/etc/zsh/zshenv",
    "/etc/zsh/zprofile",
    "/etc/zsh/zshrc",
    "/etc/zsh/zlogin",
    "/etc/zshenv",
    "/etc/zprofile",
    "/etc/zshrc",
    "/etc/zlogin",
    "/etc/fish/config.fish",
    "/etc/fish/conf.d/*.fish",
    "/opt/homebrew/etc/fish/conf.d/*.fish",
    "/usr/local/etc/fish/conf.d/*.fish",
)

# Set anywhere outside our block, these beat SSO: static keys win over every
# profile, another AWS_PROFILE or config file picks other settings.
DEFEATING = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
)
STATIC_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# Names a literal value would break a shell with (PATH, IFS), that make the
# shell run code (ENV, BASH_ENV, LD_PRELOAD), or that fish keeps read-only.
RESERVED = frozenset(
    "PATH HOME SHELL USER LOGNAME PWD OLDPWD IFS ENV BASH_ENV ZDOTDIR SHLVL LD_PRELOAD LD_LIBRARY_PATH "
    "PS1 PS2 PS4 PROMPT_COMMAND FISH_VERSION _ status version hostname pipestatus fish_pid last_pid "
    "status_generation history umask".split()
)
PROFILE_NAMES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
REGION_NAMES = ("AWS_REGION", "AWS_DEFAULT_REGION")

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# For reporting, only where a command starts: `echo AWS_PROFILE=x` sets nothing.
_COMMAND_START = re.compile(r"(?:^|[;&|(`{]|\b(?:then|do|else|elif|and|or|not|begin)\b)\s*")
_DECLARE = re.compile(r"(?:export|readonly|declare|typeset|local|env)(?:\s+-{1,2}[A-Za-z]+)*\s+")
_ASSIGN_WORD = re.compile(r"""(%s)\+?=(?:'[^']*'|"(?:\\.|[^"\\])*"|\\.|[^\s'"\\;&|()`])*\s*""" % _IDENT)
_SET_COMMAND = re.compile(r"(set|setenv)((?:\s+-{1,2}[A-Za-z][A-Za-z-]*)*)\s+(%s)(?=[\s;]|$)" % _IDENT)
# `set -e NAME` erases, `set -q NAME` asks: neither sets anything.
_NOT_SETTING = re.compile(r"\s-(?:-erase|-query|-names|-show|[A-Za-z]*[eqnS][A-Za-z]*)\b")
_COMMENT_RE = re.compile(r"(?:^|(?<=\s))#.*")


class BlockError(ValueError):
    """A file's markers cannot be trusted to say where our block is."""


# -- quoting and blocks --------------------------------------------------------


def quote_sh(value):
    """POSIX sh single quotes: nothing inside is special but the quote itself."""
    return "'" + value.replace("'", "'\\''") + "'"


def quote_fish(value):
    """fish single quotes: only backslash and the quote are escapes inside."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def syntax_of(path):
    return "fish" if path.endswith(".fish") else "sh"


def render_block(syntax, env_items, created=False):
    """The block's text, newline-terminated, for `sh` (bash, zsh, dash) or `fish`."""
    lines = [BEGIN, NOTE]
    if created:
        lines.append(CREATED_NOTE)
    for name, value in env_items:
        if syntax == "fish":
            lines.append("set -gx %s %s" % (name, quote_fish(value)))
        else:
            lines.append("export %s=%s" % (name, quote_sh(value)))
    lines.append(END)
    return "\n".join(lines) + "\n"


def split_lines(text):
    """Lines with their endings; only \\n ends a line (str.splitlines knows more)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def find_blocks(lines):
    """(first, last) line indexes of each block of ours."""
    blocks = []
    start = None
    for index, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN:
            if start is not None:
                raise BlockError(
                    "line %d opens a second '%s' before line %d's is closed; "
                    "remove the broken block by hand" % (index + 1, BEGIN, start + 1)
                )
            start = index
        elif marker == END:
            if start is None:
                raise BlockError("line %d has '%s' without a BEGIN line; remove it by hand" % (index + 1, END))
            blocks.append((start, index))
            start = None
    if start is not None:
        raise BlockError(
            "line %d has '%s' but no END line after it; remove the partial block by hand" % (start + 1, BEGIN)
        )
    return blocks


def _header_length(lines):
    """How many lines a new block goes below: a leading shebang/comment header.

    A line without its newline is the file's last; the block goes above it,
    so that removing the block gives back exactly the bytes it was put into.
    """
    count = 0
    for line in lines:
        if not (line.startswith("#") and line.endswith("\n")):
            break
        count += 1
    return count


def _was_created(lines, blocks):
    return any(line.strip() == CREATED_NOTE for first, last in blocks for line in lines[first : last + 1])


def set_block(text, syntax, env_items, exists=True):
    """text with our block holding env_items: the first block replaced in place, or one inserted at the top."""
    lines = split_lines(text)
    blocks = find_blocks(lines)
    created = _was_created(lines, blocks) if blocks else not exists
    block = [render_block(syntax, env_items, created)]
    if not blocks:
        at = _header_length(lines)
        return "".join(lines[:at] + block + lines[at:])
    first, last = blocks[0]
    out = lines[:first] + block
    previous = last + 1
    for start, end in blocks[1:]:
        out.extend(lines[previous:start])
        previous = end + 1
    out.extend(lines[previous:])
    return "".join(out)


def remove_blocks(text):
    """(text without our blocks, whether a block said the file was made for it)."""
    lines = split_lines(text)
    blocks = find_blocks(lines)
    created = _was_created(lines, blocks)
    keep = []
    previous = 0
    for start, end in blocks:
        keep.extend(lines[previous:start])
        previous = end + 1
    keep.extend(lines[previous:])
    return "".join(keep), created


def block_text(text):
    """Only our blocks of text (markers included), for a diff that shows nothing else of the user's file."""
    lines = split_lines(text)
    return "".join(line for first, last in find_blocks(lines) for line in lines[first : last + 1])


def block_lines(text):
    """1-based numbers of the lines inside our blocks (markers included)."""
    lines = split_lines(text)
    try:
        blocks = find_blocks(lines)
    except BlockError:
        return set()
    return {n + 1 for first, last in blocks for n in range(first, last + 1)}


# -- validation ------------------------------------------------------------------


def _value_problem(name, value):
    """Why value cannot be written for name (None if it can), with the fix."""
    for char, what in (("\n", "a newline"), ("\r", "a carriage return"), ("\0", "a NUL byte")):
        if char in value:
            return "the value contains %s, which no start-up file line can hold; remove it" % what
    for char in value:
        if (ord(char) < 32 and char != "\t") or ord(char) == 127:
            return "the value contains the control character %r; remove it" % char
    if "$(" in value or "`" in value:
        return (
            "the value contains %s, which a shell runs as a command wherever the value is ever used unquoted; "
            "values are written literally, so put the command's output itself in the value"
            % ("`$(`" if "$(" in value else "a backtick")
        )
    if name in PROFILE_NAMES:
        if not value or value != value.strip() or any(c.isspace() for c in value):
            return "%r is no profile name: profile names are non-empty and have no spaces" % value
    if name in REGION_NAMES and not is_region(value):
        return "%r is not an AWS region name such as eu-west-1 or us-gov-west-1" % value
    return None


def check_env(where, env, allow_null=False):
    """Check one env mapping; returns (items sorted by name, dropped names, errors)."""
    errors = []
    items = []
    dropped = []
    if not isinstance(env, dict):
        return [], [], ["%s: must be a mapping of NAME: value, or the string absent (got %r)" % (where, env)]
    for name in sorted(env, key=str):
        value = env[name]
        field = "%s.%s" % (where, name)
        if not isinstance(name, str) or not NAME_RE.match(name):
            errors.append(
                "%s: %r is not a variable name: use letters, digits and _, not starting with a digit" % (field, name)
            )
            continue
        if name in STATIC_CREDENTIALS:
            errors.append(
                "%s: static credentials in the environment beat every SSO profile; "
                "declare an SSO profile (labcloud.aws_sso.aws_config) and set AWS_PROFILE instead" % field
            )
            continue
        if name in RESERVED:
            errors.append(
                "%s: %s belongs to the shell itself (a literal value would break it or run code); "
                "it cannot be set here" % (field, name)
            )
            continue
        if value is None:
            if allow_null:
                dropped.append(name)
                continue
            errors.append("%s: has no value; give one, or leave the name out" % field)
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            errors.append(
                "%s: the value must be a string; quote it in YAML (for example '1' or 'true', got %r)" % (field, value)
            )
            continue
        value = str(value)
        problem = _value_problem(name, value)
        if problem:
            errors.append("%s: %s" % (field, problem))
            continue
        items.append([name, value])
    return items, dropped, errors


def _describe(index, entry):
    user = entry.get("user")
    return "users[%d] (%s)" % (index, user) if user else "users[%d]" % index


def normalize(params):
    """Every entry's effective settings, or every problem found: all are checked before anything is written.

    Returns (entries, top-level env items, errors). An entry is dict(user,
    present, env_items, shells, manage); manage is false for a user whose
    files are only scanned (scope system); env_items are [name, value] pairs sorted by
    name, so the same settings always give the same bytes.
    """
    errors = []
    base_items = []
    base_absent = params.get("env") == ABSENT
    if params.get("env") is not None and not base_absent:
        base_items, _dropped, found = check_env("env", params["env"])
        errors.extend(found)
    scope = params.get("scope") or "user"
    default_state = params.get("state") or "present"
    default_shells = params.get("shells") or ["auto"]
    users = params.get("users") or []
    if scope == "user" and not users:
        errors.append("users: list at least one user, or give one with user:, with scope=user (or use scope=system)")
    if scope == "system" and params.get("env") is None and default_state == "present":
        errors.append("env: give the variables to set host-wide, or state: absent to remove them")
    repeats = repeated_users(entry.get("user") or None for entry in users)
    entries = []
    for index, entry in enumerate(users):
        where = _describe(index, entry)
        name = entry.get("user")
        if not name:
            errors.append("%s.user: is required" % where)
            continue
        if index in repeats:
            errors.append(
                "%s: %s is listed twice (also users[%d]); merge the two entries" % (where, name, repeats[index])
            )
            continue
        if scope == "system":
            extra = [k for k in ("env", "shells") if entry.get(k) is not None]
            if entry.get("state") == "present":
                extra.append("state: present")
            if extra:
                errors.append(
                    "%s: %s cannot be set per user with scope=system (users' files are only scanned "
                    "for overrides then, or cleaned of our blocks with state: absent); set it at the top level"
                    % (where, ", ".join(extra))
                )
            entries.append(
                dict(user=name, present=False, env_items=[], shells=[], manage=entry.get("state") == "absent")
            )
            continue
        state = entry.get("state") or default_state
        env = entry.get("env")
        if env is None and params.get("env") is None and state == "present":
            errors.append(
                "%s: no env to set; give env here or at the top level, or state: absent to remove the blocks" % where
            )
            continue
        if env == ABSENT or (env is None and base_absent):
            items = []
        elif env is None:
            items = [list(item) for item in base_items]
        else:
            own, dropped, found = check_env("%s.env" % where, env, allow_null=True)
            errors.extend(found)
            merged = dict((n, v) for n, v in base_items if n not in dropped)
            merged.update(dict(own))
            items = [[n, merged[n]] for n in sorted(merged)]
        entries.append(
            dict(
                user=name,
                present=state == "present" and bool(items),
                env_items=items,
                shells=list(entry.get("shells") or default_shells),
                manage=True,
            )
        )
    return entries, base_items, errors


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


# -- scanning ---------------------------------------------------------------------


def _names_set(code):
    """Variables a line of sh, zsh or fish code sets, where a command starts."""
    names = []
    for start in _COMMAND_START.finditer(code):
        pos = start.end()
        command = _SET_COMMAND.match(code, pos)
        if command:
            if not (command.group(1) == "set" and _NOT_SETTING.search(command.group(2) + " ")):
                names.append(command.group(3))
            continue
        declare = _DECLARE.match(code, pos)
        if declare:
            pos = declare.end()
        while True:
            word = _ASSIGN_WORD.match(code, pos)
            if not word:
                break
            names.append(word.group(1))
            pos = word.end()
    return names


def scan_overrides(text, names):
    """[(line number, variable)] for lines outside our block that set one of names. Values never leave here."""
    wanted = set(names)
    ours = block_lines(text)
    found = []
    for number, line in enumerate(split_lines(text), 1):
        if number in ours:
            continue
        code = _COMMENT_RE.sub("", line.rstrip("\n"))
        for name in sorted(set(_names_set(code)) & wanted):
            found.append((number, name))
    return found


# -- acting on files (as their user, or as root for system files) -------------------


def _expand(home, relative):
    return os.path.join(home, relative)


def _scan_paths(patterns, home=None):
    paths = []
    for pattern in patterns:
        full = _expand(home, pattern) if home else pattern
        if "*" in full:
            paths.extend(sorted(glob.glob(full)))
        else:
            paths.append(full)
    seen = set()
    return [p for p in paths if not (p in seen or seen.add(p))]


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


def block_diff(path, before, after):
    """The diff of our block in one file: the user's other lines never show, and values are masked.

    after is None when the file is deleted.
    """
    header = "%s (managed block)" % path
    return dict(
        before_header=printable(header),
        after_header=printable(header if after is not None else "%s (file removed)" % path),
        before=printable(mask_shell(block_text(before))),
        after=printable(mask_shell(block_text(after or ""))),
    )


def scan_files(paths, names):
    """[{file, line, variable}] over paths, and warnings for files that could not be read."""
    overrides = []
    warnings = []
    for path in paths:
        try:
            state = atomic_file.read_state(path)
        except (AsUserError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            # The path is the user's (a file name in conf.d), and so may be the reason.
            warnings.append(printable("%s was not scanned for overrides: %s" % (path, reason)))
            continue
        if not state["exists"]:
            continue
        for number, name in scan_overrides(state["content"], names):
            overrides.append(dict(file=path, line=number, variable=name))
    return overrides, warnings


def override_names(env_items):
    return sorted(set(DEFEATING) | set(name for name, _value in env_items))


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
        overrides, warnings = scan_files(_scan_paths(USER_SCAN, acct.home), names)
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
    overrides, warnings = scan_files(_scan_paths(SYSTEM_SCAN), override_names(env_items))
    return dict(
        changed=bool(changed),
        files_changed=changed,
        overrides=overrides,
        warnings=warnings,
        diff=diffs,
        os_family=family,
    )
