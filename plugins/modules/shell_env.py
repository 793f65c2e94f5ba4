#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: shell_env
short_description: Set AWS environment variables in the shell start-up files of many users at once
version_added: 0.1.0
description:
  - Writes environment variables such as C(AWS_PROFILE), C(AWS_REGION), C(AWS_DEFAULT_REGION) or
    C(CLAUDE_CODE_USE_BEDROCK) where users' shells read them, for every user of a host in one call, so that
    a host costs one module transfer and one run whatever the number of users.
  - Each file holds one marked block, between C(# BEGIN labcloud.aws_sso managed block) and
    C(# END labcloud.aws_sso managed block). Changing the settings rewrites only the block; removing it
    leaves the rest of the file byte for byte as it was. A file that did not exist before is created for the
    block (the block then says so) and removed again with it.
  - "With O(scope=user), per user, in the home on the managed host: B(bash) gets the block at the top of
    C(~/.bashrc), read by interactive shells and by the C(bash -c) that sshd starts for C(ssh host command).
    The block goes above Debian's stock early C(return) for non-interactive shells, below a leading comment
    header. Login shells read the first of C(~/.bash_profile), C(~/.bash_login), C(~/.profile): the block goes
    into that one (C(~/.profile) is created when there is none). B(zsh) gets it in C(~/.zshenv), read by every
    zsh. B(fish) gets C(~/.config/fish/conf.d/labcloud-aws-sso.fish), a file of its own."
  - "With O(scope=system), as root, the files of the host's OS family (see the notes for each family): on
    Debian and Ubuntu C(/etc/profile.d/labcloud-aws-sso.sh) (login shells) and the top of
    C(/etc/bash.bashrc), which Debian's bash reads for interactive shells and for commands run over SSH, above
    its early C(return); C(/etc/zsh/zshenv) (C(/etc/zshenv) where there is no C(/etc/zsh)); and
    C(/etc/fish/conf.d/labcloud-aws-sso.fish). Users' files are then never written."
  - "The OS family is decided on the managed host from its own facts, never the controller's:
    C(platform.system()) for macOS, otherwise C(ID), then each word of C(ID_LIKE), of C(/etc/os-release)
    (C(/usr/lib/os-release) where that is missing). A host of no known family gets Debian's files."
  - Every file in a user's home is read and written by a process that has given up root for that user's uid,
    gid and groups, never by root (see the collection's C(docs/security.md)). Writes are compare-and-swap and
    atomic; a symlinked dotfile is updated where it points and stays a link; a file that belongs to someone
    else is refused unread, and the file's mode is kept.
  - Lines outside our blocks that set a variable which defeats SSO (C(AWS_ACCESS_KEY_ID),
    C(AWS_SECRET_ACCESS_KEY), C(AWS_SESSION_TOKEN), C(AWS_SECURITY_TOKEN), C(AWS_PROFILE),
    C(AWS_DEFAULT_PROFILE), C(AWS_CONFIG_FILE)) or one of the variables the block sets are reported in
    RV(users[].overrides), by file, line and variable, never with their values, and never edited.
  - Every entry is checked before anything is written. One bad name or value fails the task with every
    problem listed, and no file of any user is touched.
author:
  - labcloud engineers (@labcloud)
options:
  users:
    description:
      - The users to set the variables for, each with settings of their own or the top-level O(env),
        O(state) and O(shells).
      - With O(scope=user), O(users) or O(user) is required. With O(scope=system), the users listed are scanned for overrides (their
        files are read as them) and only O(users[].user) and O(users[].state=absent) may be given; the latter
        removes that user's own blocks (left from O(scope=user)), the only write to a user's file then.
      - A user missing on the host, or a file of theirs that cannot be written, fails that user; the others
        are still done, and the task fails at the end naming them.
    suboptions:
      user:
        description: Whose start-up files these are.
        type: str
        required: true
      env:
        description:
          - The variables, a mapping of name to value; merged over the top-level O(env), where a name
            given C(null) here drops that top-level variable for this user.
          - The string C(absent) removes the user's blocks. An empty result also removes them.
          - Names are letters, digits and C(_), not starting with a digit. Names the shell owns (C(PATH),
            C(HOME), C(IFS), C(ENV), C(BASH_ENV), C(LD_PRELOAD), ...) and static credentials
            (C(AWS_ACCESS_KEY_ID), C(AWS_SECRET_ACCESS_KEY), C(AWS_SESSION_TOKEN)) are refused.
          - Values are strings (integers are accepted; quote C('1') and C('true') in YAML) and are written
            literally, in single quotes, so C($HOME) or C(*) in a value stay as they are. A newline, carriage
            return, NUL or other control character, C($() or a backtick is refused. C(AWS_PROFILE) and
            C(AWS_DEFAULT_PROFILE) must be profile names (no spaces); C(AWS_REGION) and
            C(AWS_DEFAULT_REGION) region names.
          - Defaults to the top-level O(env).
        type: raw
      state:
        description:
          - C(absent) removes the user's blocks from every file this module writes. Defaults to the top-level
            O(state).
          - With O(scope=system), only C(absent) may be given here.
        type: str
        choices: [present, absent]
      shells:
        description:
          - Which shells to write for. Defaults to the top-level O(shells). See there.
        type: list
        elements: str
        choices: [auto, bash, zsh, fish]
  user:
    description:
      - One user, with the top-level O(env), O(state) and O(shells); the same as a one-entry O(users) list
        naming only that user, as M(labcloud.aws_sso.aws_config) takes O(user). RV(users) then has this one
        entry.
      - Mutually exclusive with O(users). There is no default user.
    type: str
  env:
    description:
      - The variables for every user (or, with O(scope=system), for the whole host), as in O(users[].env).
      - C(absent) removes the blocks, like O(state=absent).
    type: raw
  state:
    description:
      - C(present) writes the blocks; C(absent) removes them, leaving each file as it was before the block.
    type: str
    choices: [present, absent]
    default: present
  shells:
    description:
      - The shells to write for. C(auto) is bash always (Debian's login shell, and what sshd runs), zsh and
        fish when they are the user's login shell or installed on the host (listed in C(/etc/shells) or on
        C(PATH)).
      - The block is removed from the files of a shell not chosen, so dropping a shell here cleans up after it.
        Likewise, a block in a bash login file that is no longer the first one bash reads (a C(~/.bash_profile)
        appeared beside C(~/.profile)) is moved to the one bash reads.
    type: list
    elements: str
    choices: [auto, bash, zsh, fish]
    default: [auto]
  scope:
    description:
      - C(user) writes into each user's home, as that user. C(system) writes the host-wide files, as root,
        for every user of the host at once.
    type: str
    choices: [user, system]
    default: user
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
  - labcloud.aws_sso.user_bounds
  - labcloud.aws_sso.users
attributes:
  check_mode:
    description: Reads every file (as its user) and reports what would change; writes nothing.
    support: full
  diff_mode:
    description:
      - Returns, for every changed file, our managed block before and after (the header names the file); the
        user's own lines never appear. Values that look secret are masked all the same (everything after the
        C(=) of a variable named with secret, token, password, credential, access_key, key, pat...; tokens,
        URLs with a password and long random strings whatever the name).
    support: full
  platform:
    description:
      - Runs on POSIX hosts with Python. The system files are known for Debian and Ubuntu, the RHEL family
        (Fedora, CentOS, Rocky, Alma), SUSE, Arch and macOS (see the notes).
    support: full
    platforms: posix
notes:
  - Acting for other users needs root (C(become)); a task that runs as a user can manage only that user's files.
  - New files in a home get mode C(0600) (start-up files need no one else to read them); a file's existing
    mode is kept. New system files get C(0644), which every user's shell must be able to read. Directories
    created for the fish file (C(~/.config/fish/conf.d)) get C(0700) and are left in place on removal.
    System directories are never created.
  - Only the files read by default are written. A C(ZDOTDIR) or C(XDG_CONFIG_HOME) set elsewhere moves zsh's
    and fish's files, and is not followed.
  - Ansible's own M(ansible.builtin.command) and M(ansible.builtin.shell) tasks read none of these files; set
    C(environment) on such tasks.
  - "Shell start-up files per OS family (the table of C(plugins/module_utils/shell_facts.py), also in the
    collection's C(docs/shells.md)). In user scope every family gets the same files: C(~/.bashrc) and the
    first of C(~/.bash_profile), C(~/.bash_login), C(~/.profile) (bash's own rule, bash(1) INVOCATION),
    C(~/.zshenv), C(~/.config/fish/conf.d/labcloud-aws-sso.fish). The C(sshd) part says what the
    C(bash -c command) that sshd starts for C(ssh host command) reads."
  - "B(Debian, Ubuntu): system scope writes C(/etc/profile.d/labcloud-aws-sso.sh), C(/etc/bash.bashrc),
    C(/etc/zsh/zshenv) (C(/etc/zshenv) without C(/etc/zsh)), C(/etc/fish/conf.d/labcloud-aws-sso.fish).
    sshd: C(/etc/bash.bashrc), C(~/.bashrc). Source: checked on Debian 12, bash(1), the bash binary
    (SYS_BASHRC C(/etc/bash.bashrc), SSH_SOURCE_BASHRC), the bash package's C(/etc/bash.bashrc) and
    skeleton C(~/.bashrc), zsh(1) and the zsh binary (C(/etc/zsh)), fish(1)."
  - "B(RHEL, Fedora, CentOS, Rocky, Alma): C(/etc/profile.d/labcloud-aws-sso.sh), C(/etc/bashrc),
    C(/etc/zshenv), C(/etc/fish/conf.d/labcloud-aws-sso.fish). bash has no system bashrc of its own:
    C(/etc/bashrc) is read because the skeleton C(~/.bashrc) sources it (with no early return) and
    C(~/.bash_profile) sources C(~/.bashrc). sshd: C(~/.bashrc), then C(/etc/bashrc). Source: Fedora's
    bash.spec (SSH_SOURCE_BASHRC patch, skeleton files), the setup package (C(/etc/bashrc),
    C(/etc/profile)), Fedora's zsh.spec (C(/etc/zshenv))."
  - "B(SUSE, openSUSE): C(/etc/profile.d/labcloud-aws-sso.sh), C(/etc/bash.bashrc.local) (C(/etc/bash.bashrc)
    belongs to aaa_base, which reads the C(.local) file at its end for bash), C(/etc/zshenv),
    C(/etc/fish/conf.d/labcloud-aws-sso.fish). sshd: C(/etc/bash.bashrc), C(/etc/bash.bashrc.local),
    C(~/.bashrc). Source: openSUSE's bash.spec and aaa_base's C(/etc/bash.bashrc); that SUSE's bash is built
    with SSH_SOURCE_BASHRC is assumed, not checked."
  - "B(Arch Linux, Manjaro, EndeavourOS): C(/etc/profile.d/labcloud-aws-sso.sh), C(/etc/bash.bashrc),
    C(/etc/zsh/zshenv), C(/etc/fish/conf.d/labcloud-aws-sso.fish). sshd: nothing. Arch's bash is built
    without SSH_SOURCE_BASHRC, so C(ssh host command) to a bash user reads no start-up file and gets none of
    these variables (zsh and fish users do); give such commands their variables on the command line or use
    a login shell (C(ssh host bash -lc command)). Source: Arch's bash PKGBUILD, its skeleton and
    C(system.bashrc), Arch's zsh (C(/etc/zsh))."
  - "B(macOS): C(/etc/bashrc) (read by login bash through C(/etc/profile); there is no C(/etc/profile.d)),
    C(/etc/zshenv) (zsh, the default login shell, reads it in every shell, C(zsh -c) included), fish's
    C(conf.d) under Homebrew's prefix (C(/opt/homebrew/etc/fish/conf.d/labcloud-aws-sso.fish), or
    C(/usr/local/etc/fish/conf.d/labcloud-aws-sso.fish) on Intel). Homes are under C(/Users); users get
    C(~/.zshenv). sshd: C(~/.bashrc) for bash, C(/etc/zshenv) and C(~/.zshenv) for zsh. Source: macOS's
    C(/etc/profile), C(/etc/bashrc), C(/etc/zprofile), C(/etc/zshrc), zsh(1); Apple's bash is built with
    SSH_SOURCE_BASHRC. Tested by unit tests only."
seealso:
  - module: labcloud.aws_sso.aws_config
    description: Declares the SSO sessions and profiles that C(AWS_PROFILE) names.
"""

EXAMPLES = r"""
- name: Give every lab user the lab's profile and region, and Claude Code on Bedrock
  labcloud.aws_sso.shell_env:
    env:
      AWS_PROFILE: lab-dev
      AWS_REGION: eu-west-1
      AWS_DEFAULT_REGION: eu-west-1
      CLAUDE_CODE_USE_BEDROCK: "1"
    users:
      - user: alice
      - user: bob
        env:
          AWS_PROFILE: bob-admin # only bob's profile differs
      - user: carol
        shells: [bash, fish]
  become: true
  register: shell_env

- name: Say where users' own lines defeat SSO (never with the values)
  ansible.builtin.debug:
    msg: "{{ item.0.user }}: {{ item.1.variable }} is set in {{ item.1.file }}, line {{ item.1.line }}"
  loop: "{{ shell_env.users | subelements('overrides') }}"
  loop_control:
    label: "{{ item.0.user }}"

- name: Remove dave's settings (his files go back to what they were)
  labcloud.aws_sso.shell_env:
    user: dave
    state: absent
  become: true

- name: One setting for everybody on the host, in the system-wide files
  labcloud.aws_sso.shell_env:
    scope: system
    env:
      AWS_REGION: us-east-1
      AWS_DEFAULT_REGION: us-east-1
  become: true
"""

RETURN = r"""
users:
  description: One result per entry of O(users), in the same order (with O(user), that one user's).
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: The user.
      type: str
      sample: alice
    changed:
      description: Whether a file of this user was (or, in check mode, would be) changed.
      type: bool
    shells:
      description: The shells written for, with C(auto) resolved on the host.
      type: list
      elements: str
      sample: [bash, zsh]
    files_changed:
      description: The files changed (or to be changed, in check mode), including files created or removed.
      type: list
      elements: str
      sample: [/home/alice/.bashrc, /home/alice/.profile]
    overrides:
      description:
        - Lines outside our blocks, in the user's start-up files, that set a variable defeating SSO or one of
          the variables our block sets. Never the values.
        - Files scanned, in the home, C(.bashrc), C(.bash_profile), C(.bash_login), C(.profile), C(.zshenv),
          C(.zprofile), C(.zshrc), C(.zlogin), C(.config/fish/config.fish), C(.config/fish/conf.d/*.fish).
      type: list
      elements: dict
      sample: [{file: /home/alice/.profile, line: 27, variable: AWS_SECRET_ACCESS_KEY}]
      contains:
        file:
          description: The file.
          type: str
        line:
          description: The line number, from 1.
          type: int
        variable:
          description: The variable set there.
          type: str
    failed:
      description: Whether this user failed; RV(users[].msg) says why.
      type: bool
      returned: when the user failed
    msg:
      description: What failed for this user, naming the file, never its content.
      type: str
      returned: when the user failed
system:
  description: With O(scope=system), what happened to the host-wide files.
  returned: when O(scope=system)
  type: dict
  contains:
    changed:
      description: Whether a system file was (or would be) changed.
      type: bool
    shells:
      description: The shells written for.
      type: list
      elements: str
    files_changed:
      description: The files changed, created or removed.
      type: list
      elements: str
      sample: [/etc/bash.bashrc, /etc/profile.d/labcloud-aws-sso.sh]
    os_family:
      description: The OS family whose system files were written, decided on the host.
      type: str
      choices: [debian, redhat, suse, archlinux, darwin]
      sample: redhat
    overrides:
      description:
        - As RV(users[].overrides), for C(/etc/environment), C(/etc/profile), C(/etc/profile.d/*.sh),
          C(/etc/bash.bashrc), C(/etc/bash.bashrc.local), C(/etc/bashrc), zsh's and fish's system files.
      type: list
      elements: dict
errors:
  description: Every problem found in the options, when they stopped the task before anything was written.
  returned: on failure to validate
  type: list
  elements: str
  sample: ["users[2] (carol).env.AWS_PROFILE: 'dev team' is no profile name: profile names are non-empty and have no spaces"]
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.labcloud.aws_sso.plugins.module_utils import shell_env, shell_env_options, shell_scan
from ansible_collections.labcloud.aws_sso.plugins.module_utils.accounts import account
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import (
    BOUNDS_SPEC,
    bounds_from,
    each_user,
    failed_users_message,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user_errors import AsUserError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable, printable_data
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import users_option

SHELL_CHOICES = ["auto"] + list(shell_env.SHELLS)

USERS_OPTION = users_option(
    env=dict(type="raw"),
    state=dict(type="str", choices=["present", "absent"]),
    shells=dict(type="list", elements="str", choices=SHELL_CHOICES),
)

ARGUMENT_SPEC = dict(
    users=USERS_OPTION,
    user=dict(type="str"),
    env=dict(type="raw"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    shells=dict(type="list", elements="str", choices=SHELL_CHOICES, default=["auto"]),
    scope=dict(type="str", choices=["user", "system"], default="user"),
    **BOUNDS_SPEC,
)


def _user_job(entry, scope, base_items, check_mode, want_diff):
    acct = account(entry["user"])
    shells = shell_env.resolve_shells(entry["shells"], acct.shell) if scope == "user" else []
    # Host-wide settings are overridden by a user's own lines just the same.
    names = shell_scan.override_names(entry["env_items"] + (base_items if scope == "system" else []))
    spec = dict(
        shells=shells, present=entry["present"], env_items=entry["env_items"], manage=entry["manage"], names=names
    )
    return acct, shell_env.user_work, (acct, spec, check_mode, want_diff)


def _users_results(module, entries, scope, base_items, bounds):
    """Every user's part; (results, diffs) in entry order."""
    done = each_user(
        entries, lambda entry: _user_job(entry, scope, base_items, module.check_mode, module._diff), **bounds
    )
    results, diffs = [], []
    for entry, (acct, answer, error) in zip(entries, done):
        if error is not None:
            answer = dict(changed=False, files_changed=[], overrides=[], failed=True, msg=error)
        for warning in answer.pop("warnings", []):
            module.warn(printable("%s: %s" % (acct.name, warning)))
        diffs.extend(answer.pop("diff", []))
        result = dict(user=acct.name if acct else entry["user"])
        if acct is not None:
            result["shells"] = shell_env.resolve_shells(entry["shells"], acct.shell) if scope == "user" else []
        result.update(answer)
        results.append(result)
    return results, diffs


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("users", "user")], supports_check_mode=True
    )
    params = module.params
    if params["user"] is not None:
        # One user with the top-level settings, as an entry of users would be.
        params["users"] = [dict(user=params["user"], env=None, state=None, shells=None)]
    entries, base_items, errors = shell_env_options.normalize(params)
    if errors:
        module.fail_json(
            msg="nothing was written, %d problem(s) in the options: %s" % (len(errors), "; ".join(errors)),
            errors=errors,
        )
    out = dict(changed=False, users=[])
    diffs = []
    if params["scope"] == "system":
        present = params["state"] == "present" and bool(base_items)
        shells = shell_env.resolve_shells(params["shells"], "")
        try:
            system = shell_env.system_work(shells, present, base_items, module.check_mode, module._diff)
        except (AsUserError, OSError) as exc:
            module.fail_json(msg=printable("system files: %s" % exc), changed=False)
        for warning in system.pop("warnings"):
            module.warn(printable(warning))
        diffs.extend(system.pop("diff"))
        system["shells"] = shells
        out["system"] = system
        out["changed"] = system["changed"]
    try:
        bounds = bounds_from(params)
    except AsUserError as exc:
        module.fail_json(msg=str(exc))
    out["users"], user_diffs = _users_results(module, entries, params["scope"], base_items, bounds)
    diffs.extend(user_diffs)
    out["changed"] = out["changed"] or any(r["changed"] for r in out["users"])
    if module._diff:
        out["diff"] = diffs
    # File names and messages in the results are the users' own text.
    out = printable_data(out)
    failure = failed_users_message("shell_env", out["users"])
    if failure:
        module.fail_json(msg=failure, **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
