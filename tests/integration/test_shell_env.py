"""shell_env through ansible-playbook as root on localhost, checked by the real shells run as each user.

Throwaway users get Debian's stock skeleton (useradd copies /etc/skel), so
~/.bashrc has the early `return` for non-interactive shells that a block at
the end of the file would never get past. Two users keep bash as their login
shell, one has zsh, one fish. After the play, every way those users start a
shell (login, interactive, a command over SSH, zsh, fish) must see the
variables, in a clean environment.
"""

import json
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils.shell_block import BEGIN, END, remove_blocks
from tests.integration.test_as_user_security import run_play
from tests.testbed.users import as_user, throwaway_users

ENV = {
    "AWS_PROFILE": "lab-dev",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "CLAUDE_CODE_USE_BEDROCK": "1",
    # What quoting must survive in every shell: quotes, a backslash, a
    # dollar sign and a glob, none of which may be expanded.
    "LAB_NOTE": 'it\'s "$HOME" \\ *',
}
SECRET = "wJalrXUtnFEMI-shellenv-K7MDENG-bPxRfiCY"
# Every file the module may write in a home, and every one it scans.
DOTFILES = (
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshenv",
    ".zprofile",
    ".zshrc",
    ".config/fish/conf.d/labcloud-aws-sso.fish",
    ".config/fish/config.fish",
)
SYSTEM_FILES = (
    "/etc/profile.d/labcloud-aws-sso.sh",
    "/etc/bash.bashrc",
    "/etc/zsh/zshenv",
    "/etc/fish/conf.d/labcloud-aws-sso.fish",
)
EARLY_RETURN = re.compile(r"case \$- in\n\s*\*i\*\) ;;\n\s*\*\) return;;\nesac")


def binary(name):
    path = shutil.which(name)
    assert path, "%s is not installed: `bash tests/testbed/hosts.sh` installs it" % name
    return path


@pytest.fixture(scope="module")
def lab():
    with throwaway_users(4) as entries:
        subprocess.run(["usermod", "--shell", binary("zsh"), entries[2].pw_name], check=True)
        subprocess.run(["usermod", "--shell", binary("fish"), entries[3].pw_name], check=True)
        yield [pwd.getpwnam(entry.pw_name) for entry in entries]


@pytest.fixture
def users(lab):
    """The users, each with a home holding exactly Debian's skeleton again."""
    for entry in lab:
        for name in os.listdir(entry.pw_dir):
            path = os.path.join(entry.pw_dir, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        for name in os.listdir("/etc/skel"):
            shutil.copy2(os.path.join("/etc/skel", name), os.path.join(entry.pw_dir, name))
            os.chown(os.path.join(entry.pw_dir, name), entry.pw_uid, entry.pw_gid)
        with open(os.path.join(entry.pw_dir, ".bashrc")) as handle:
            assert EARLY_RETURN.search(handle.read()), "the stock ~/.bashrc with its early return is the point"
    return lab


# -- starting shells the way users get them ----------------------------------------


def clean_env(entry):
    return [
        "env",
        "-i",
        "HOME=" + entry.pw_dir,
        "USER=" + entry.pw_name,
        "LOGNAME=" + entry.pw_name,
        "PATH=/usr/bin:/bin",
        "LANG=C.UTF-8",
    ]


# `env` is the program the shell starts, as it would start aws: what it
# prints is what aws would get.
SHELLS = {
    "bash -l": ["bash", "-lc", "env"],
    "bash -i": ["bash", "-ic", "env"],
    "zsh -c": ["zsh", "-c", "env"],
    "zsh -i": ["zsh", "-ic", "env"],
    "zsh -l": ["zsh", "-lc", "env"],
    "fish -c": ["fish", "-c", "env"],
    "fish -l": ["fish", "-lc", "env"],
}
SSH = ("ssh (stdin a pipe)", "ssh (stdin a socket)")


def like_sshd(entry, command, stdin_socket=False):
    """`ssh host command` as sshd runs it, without an sshd.

    sshd (OpenSSH 9.2p1, Debian 12; checked against the real daemon, run as
    root on a spare port) starts the user's shell as `bash -c command`:
    argv[0] "bash", no -l, no -i, an environment of its own with SSH_CLIENT
    and SSH_CONNECTION and little else, and stdin a pipe. bash decides to
    read ~/.bashrc (and, on Debian, /etc/bash.bashrc first) when it is
    neither login nor interactive, runs a -c command at shell level 1, and
    either sees SSH_CLIENT (Debian builds it with SSH_SOURCE_BASHRC) or finds
    stdin to be a socket (how bash recognises rshd, and sshd builds that hand
    the command a socketpair). Both are reproduced here, each on its own;
    test_plain_bash_c_reads_no_bashrc shows that without them bash reads
    nothing, so they are what these cases test.
    """
    env = clean_env(entry) + ["SHELL=/bin/bash", "MAIL=/var/mail/" + entry.pw_name]
    if stdin_socket:
        ours, theirs = socket.socketpair()
        try:
            return as_user(entry, *env, "bash", "-c", command, stdin=theirs, timeout=60)
        finally:
            ours.close()
            theirs.close()
    env += ["SSH_CLIENT=127.0.0.1 50022 22", "SSH_CONNECTION=127.0.0.1 50022 127.0.0.1 22"]
    return as_user(entry, *env, "bash", "-c", command, input="", timeout=60)


def environment_in(entry, how):
    if how in SSH:
        run = like_sshd(entry, "env", stdin_socket="socket" in how)
    else:
        run = as_user(entry, *clean_env(entry), *SHELLS[how], stdin=subprocess.DEVNULL, timeout=60)
    assert run.returncode == 0, (entry.pw_name, how, run.stderr)
    return dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)


def wrong_in_shells(entries, expected, ways=tuple(SHELLS) + SSH):
    """[(user, shell, what it got)] wherever a shell does not see expected."""
    wrong = []
    for entry in entries:
        for how in ways:
            seen = environment_in(entry, how)
            got = {name: seen.get(name) for name in expected}
            if got != expected:
                wrong.append((entry.pw_name, how, got))
    return wrong


# -- running the module --------------------------------------------------------------


def play(tmp_path, options, *args):
    """Run the module once (ignore_errors, so its result is always saved) and return (run, result)."""
    saved = tmp_path / ("result-%d.json" % len(list(tmp_path.glob("result-*.json"))))
    tasks = [
        {"labcloud.aws_sso.shell_env": options, "register": "out", "ignore_errors": True},
        {
            "ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": str(saved), "mode": "0600"},
            "check_mode": False,
            "diff": False,
        },
    ]
    run = run_play(tmp_path, tasks, *args, ansible_pipelining=False)
    assert saved.exists(), run.stdout + run.stderr
    return run, json.loads(saved.read_text())


def for_users(entries, env=None, **options):
    options["users"] = [dict(user=entry.pw_name) for entry in entries]
    if env is not None:
        options["env"] = env
    return options


def dotfiles(entry):
    """Bytes and mode of each file the module may touch, None where there is none."""
    out = {}
    for name in DOTFILES:
        path = os.path.join(entry.pw_dir, name)
        if os.path.lexists(path):
            with open(path, "rb") as handle:
                out[name] = (handle.read(), stat.S_IMODE(os.lstat(path).st_mode), os.lstat(path).st_uid)
        else:
            out[name] = None
    return out


def text_of(entry, name):
    with open(os.path.join(entry.pw_dir, name)) as handle:
        return handle.read()


# -- the tests -----------------------------------------------------------------------


def test_plain_bash_c_reads_no_bashrc_and_the_early_return_is_real(tmp_path, users):
    """The controls for the SSH cases.

    With our block in place, a `bash -c` that nothing marks as started by
    sshd reads no ~/.bashrc, so the SSH markers are what the SSH cases test;
    and a line at the end of the stock ~/.bashrc never runs for a command
    over SSH, so the block's place above the early return is what they test.
    """
    alice = users[0]
    run, result = play(tmp_path, for_users([alice], ENV))
    assert not result.get("failed"), run.stdout + run.stderr
    plain = as_user(alice, *clean_env(alice), "bash", "-c", "env", stdin=subprocess.DEVNULL, timeout=60)
    assert plain.returncode == 0 and "AWS_PROFILE=" not in plain.stdout
    with open(os.path.join(alice.pw_dir, ".bashrc"), "a") as handle:
        handle.write("export LATE_LINE=seen\n")
    for how in SSH:
        seen = environment_in(alice, how)
        assert seen.get("AWS_PROFILE") == ENV["AWS_PROFILE"] and "LATE_LINE" not in seen, how
    assert environment_in(alice, "bash -i").get("LATE_LINE") == "seen"


def test_every_shell_of_every_user_sees_the_variables_after_one_call(tmp_path, users):
    run, result = play(tmp_path, for_users(users, ENV))
    assert not result.get("failed"), run.stdout + run.stderr
    # One transfer of the module for the whole host, whatever the number of users.
    assert len(re.findall(r"PUT .*AnsiballZ_shell_env\.py", run.stdout)) == 1, run.stdout
    assert [u["user"] for u in result["users"]] == [e.pw_name for e in users]
    for answer in result["users"]:
        assert answer["changed"] and answer["shells"] == ["bash", "zsh", "fish"]
        assert answer["overrides"] == []
    for entry in users:
        bashrc = text_of(entry, ".bashrc")
        assert bashrc.index(END) < EARLY_RETURN.search(bashrc).start()
    assert wrong_in_shells(users, ENV) == []
    run, result = play(tmp_path, for_users(users, ENV))
    assert result["changed"] is False and not any(u["files_changed"] for u in result["users"])


def test_changing_settings_rewrites_only_the_block(tmp_path, users):
    run, result = play(tmp_path, for_users(users, ENV))
    assert not result.get("failed"), run.stdout + run.stderr
    before = {entry.pw_name: dotfiles(entry) for entry in users}
    changed = dict(ENV, AWS_PROFILE="lab-prod", AWS_REGION="us-east-1")
    run, result = play(tmp_path, for_users(users, changed))
    assert not result.get("failed"), run.stdout + run.stderr
    for entry in users:
        after = dotfiles(entry)
        for name, old in before[entry.pw_name].items():
            new = after[name]
            if old is None or BEGIN.encode() not in old[0]:
                assert new == old, (entry.pw_name, name)
                continue
            old_text, new_text = old[0].decode(), new[0].decode()
            assert new_text != old_text and "lab-prod" in new_text
            assert remove_blocks(new_text) == remove_blocks(old_text), (entry.pw_name, name)
            assert new_text.index(BEGIN) == old_text.index(BEGIN), "the block stays where it was"
            assert new[1:] == old[1:], "mode and owner kept"
    assert wrong_in_shells(users[2:3], changed, ("bash -l", "ssh (stdin a pipe)", "zsh -c", "fish -c")) == []


def test_removal_gives_back_every_file_byte_for_byte(tmp_path, users):
    alice, bob = users[0], users[1]
    # bob keeps his settings in ~/.bash_profile and a ~/.zshenv of his own.
    with open(os.path.join(bob.pw_dir, ".bash_profile"), "w") as handle:
        handle.write("#!/bin/bash\n# bob's\n. ~/.profile\nexport EDITOR=vi")
    with open(os.path.join(bob.pw_dir, ".zshenv"), "w") as handle:
        handle.write("typeset -U path\n")
    for name in (".bash_profile", ".zshenv"):
        os.chown(os.path.join(bob.pw_dir, name), bob.pw_uid, bob.pw_gid)
        os.chmod(os.path.join(bob.pw_dir, name), 0o640)
    before = {entry.pw_name: dotfiles(entry) for entry in (alice, bob)}
    run, result = play(tmp_path, for_users([alice, bob], ENV))
    assert not result.get("failed"), run.stdout + run.stderr
    assert BEGIN in text_of(bob, ".bash_profile") and BEGIN not in text_of(bob, ".profile")
    assert stat.S_IMODE(os.stat(os.path.join(bob.pw_dir, ".zshenv")).st_mode) == 0o640
    created = os.path.join(alice.pw_dir, ".zshenv")
    assert stat.S_IMODE(os.stat(created).st_mode) == 0o600 and os.stat(created).st_uid == alice.pw_uid
    run, result = play(
        tmp_path, dict(users=[dict(user=alice.pw_name, env="absent"), dict(user=bob.pw_name)], env=ENV, state="absent")
    )
    assert not result.get("failed"), run.stdout + run.stderr
    assert all(u["changed"] for u in result["users"])
    for entry in (alice, bob):
        assert dotfiles(entry) == before[entry.pw_name], entry.pw_name
    assert wrong_in_shells([alice], dict.fromkeys(ENV)) == []


def test_overrides_are_reported_by_file_and_line_and_never_show_the_secret(tmp_path, users):
    bob = users[1]
    profile = os.path.join(bob.pw_dir, ".profile")
    with open(profile, "a") as handle:
        handle.write("export AWS_ACCESS_KEY_ID=AKIAEXAMPLE7Q\nexport AWS_SECRET_ACCESS_KEY=%s\n" % SECRET)
    lines = text_of(bob, ".profile").splitlines()
    key_line = lines.index("export AWS_SECRET_ACCESS_KEY=%s" % SECRET) + 1
    for extra in (("--check",), ()):
        run, result = play(tmp_path, for_users(users[:2], ENV), *extra)
        output = run.stdout + run.stderr
        assert not result.get("failed"), output
        assert SECRET not in output, "the secret reached the output"
        # The registered result, diff included, is what a play could print.
        assert SECRET not in json.dumps(result)
        # Only our block shows in the diff: the user's key line, masked or not, never does.
        profile_diff = next(d for d in result["diff"] if d["before_header"] == profile + " (managed block)")
        assert "AWS_SECRET_ACCESS_KEY" not in json.dumps(result["diff"])
        assert "export AWS_PROFILE='lab-dev'\n" in profile_diff["after"]
        overrides = result["users"][1]["overrides"]
        block = len(text_of(bob, ".profile").splitlines()) - len(lines)
        assert {"file": profile, "line": key_line + block, "variable": "AWS_SECRET_ACCESS_KEY"} in overrides
        assert {o["variable"] for o in overrides} == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
        assert result["users"][0]["overrides"] == []
    assert SECRET in text_of(bob, ".profile"), "reported, never edited"


def test_users_lines_never_show_and_their_file_names_reach_the_terminal_escaped(tmp_path, users):
    """The reported attacks: a dotfile's own secrets in the diff, a file name that rewrites the operator's screen."""
    fish_user = users[3]
    gh_pat = "ghp_R4nd0mT0k3nF0rT3st1ngOnly0123456789"
    db_password = "pg-Pa55w0rd-shellenv"
    with open(os.path.join(fish_user.pw_dir, ".profile"), "a") as handle:
        handle.write("export GH_PAT=%s\nDATABASE_URL=postgres://u:%s@h/db\n" % (gh_pat, db_password))
    conf = fish_user.pw_dir
    for part in (".config", "fish", "conf.d"):
        conf = os.path.join(conf, part)
        os.mkdir(conf, 0o755)
        os.chown(conf, fish_user.pw_uid, fish_user.pw_gid)
    trap = os.path.join(conf, "\x1b[2J\x1b[Hok: fake.fish")
    os.mkfifo(trap)
    os.chown(trap, fish_user.pw_uid, fish_user.pw_gid)
    for extra in (("--check",), ()):
        run, result = play(tmp_path, for_users([fish_user], ENV), *extra)
        output = run.stdout + run.stderr
        assert not result.get("failed"), output
        assert "\x1b" not in output, "a raw escape reached the terminal"
        assert "conf.d/\\x1b[2J\\x1b[Hok: fake.fish was not scanned for overrides" in output, output
        for private in (gh_pat, db_password, "GH_PAT", "postgres://"):
            assert private not in output and private not in json.dumps(result), private
        profile = os.path.join(fish_user.pw_dir, ".profile")
        (diff,) = [d for d in result["diff"] if d["before_header"] == profile + " (managed block)"]
        assert diff["before"] == "" and diff["after"].startswith(BEGIN)
    assert os.path.exists(trap) and gh_pat in text_of(fish_user, ".profile")


def test_check_mode_changes_nothing_and_shows_the_diff(tmp_path, users):
    before = [dotfiles(entry) for entry in users]
    run, result = play(tmp_path, for_users(users, ENV), "--check")
    assert not result.get("failed"), run.stdout + run.stderr
    assert result["changed"] and all(len(u["files_changed"]) == 4 for u in result["users"])
    assert [dotfiles(entry) for entry in users] == before
    assert "+export AWS_PROFILE='lab-dev'" in run.stdout and "+set -gx AWS_PROFILE 'lab-dev'" in run.stdout


def test_one_bad_entry_writes_nothing_for_anyone(tmp_path, users):
    before = [dotfiles(entry) for entry in users]
    options = for_users(users, ENV)
    options["users"][2]["env"] = {"AWS_PROFILE": "lab dev"}
    options["users"][3]["env"] = {"X": "$(curl evil)"}
    run, result = play(tmp_path, options)
    assert result.get("failed")
    assert "users[2] (%s).env.AWS_PROFILE: 'lab dev' is no profile name" % users[2].pw_name in result["msg"]
    assert "users[3] (%s).env.X: the value contains `$(`" % users[3].pw_name in result["msg"]
    assert [dotfiles(entry) for entry in users] == before


def test_a_missing_user_or_a_refused_file_fails_that_user_only(tmp_path, users):
    alice, bob = users[0], users[1]
    zshenv = os.path.join(bob.pw_dir, ".zshenv")
    with open(zshenv, "w") as handle:
        handle.write("# root's\n")
    os.chmod(zshenv, 0o644)
    bob_before = dotfiles(bob)
    options = for_users([alice, bob], ENV)
    options["users"].insert(1, dict(user="lcssonosuchuser"))
    run, result = play(tmp_path, options)
    assert result.get("failed")
    assert (
        "shell_env: 2 of 3 users failed (the others were done)" in result["msg"]
        and "lcssonosuchuser: user 'lcssonosuchuser' does not exist" in result["msg"]
    )
    assert "%s belongs to root, not to %s" % (zshenv, bob.pw_name) in result["msg"]
    first, missing, refused = result["users"]
    assert first["changed"] and not first.get("failed")
    assert missing["failed"] and refused["failed"] and not refused["changed"]
    assert dotfiles(bob) == bob_before, "nothing of bob's is written when one of his files is refused"
    assert wrong_in_shells([alice], ENV, ("bash -l", "zsh -c", "fish -c")) == []


@pytest.fixture
def system_files():
    """The host-wide files as they are now, put back whatever the test does."""
    saved = {}
    for path in SYSTEM_FILES:
        if os.path.lexists(path):
            with open(path, "rb") as handle:
                info = os.lstat(path)
                saved[path] = (handle.read(), stat.S_IMODE(info.st_mode), info.st_uid)
        else:
            saved[path] = None
    yield saved
    for path, old in saved.items():
        if old is None:
            if os.path.lexists(path):
                os.unlink(path)
            continue
        with open(path, "rb") as handle:
            if handle.read() == old[0]:
                continue
        with open(path, "wb") as handle:
            handle.write(old[0])
        os.chmod(path, old[1])


def system_state():
    out = {}
    for path in SYSTEM_FILES:
        if os.path.lexists(path):
            info = os.lstat(path)
            with open(path, "rb") as handle:
                out[path] = (handle.read(), stat.S_IMODE(info.st_mode), info.st_uid)
        else:
            out[path] = None
    return out


def test_system_scope_reaches_every_shell_and_no_users_file(tmp_path, users, system_files):
    # A variable of the test's own: other tests may start shells on this
    # machine meanwhile, and nothing of theirs reads it.
    env = {"LABCLOUD_SHELL_ENV_TEST": "system 'wide' $x"}
    carol = users[0]
    before_user = dotfiles(carol)
    assert b'[ -z "$PS1" ] && return' in system_files["/etc/bash.bashrc"][0]
    run, result = play(tmp_path, dict(scope="system", env=env, users=[dict(user=carol.pw_name)]))
    assert not result.get("failed"), run.stdout + run.stderr
    assert result["system"]["shells"] == ["bash", "zsh", "fish"]
    assert sorted(result["system"]["files_changed"]) == sorted(SYSTEM_FILES)
    assert result["users"][0]["files_changed"] == [] and dotfiles(carol) == before_user
    for path in SYSTEM_FILES:
        info = os.stat(path)
        assert info.st_uid == 0 and stat.S_IMODE(info.st_mode) == 0o644, path
    with open("/etc/bash.bashrc") as handle:
        text = handle.read()
    assert text.index(END) < text.index('[ -z "$PS1" ] && return')
    assert wrong_in_shells([carol], env) == []
    run, result = play(tmp_path, dict(scope="system", state="absent"))
    assert not result.get("failed"), run.stdout + run.stderr
    assert system_state() == system_files


def test_system_scope_cleans_a_users_own_blocks_only_when_asked(tmp_path, users, system_files):
    """Moving a lab from scope user to scope system: users' blocks go when state: absent names them."""
    dave, erin = users[0], users[1]
    before = {entry.pw_name: dotfiles(entry) for entry in (dave, erin)}
    run, result = play(tmp_path, for_users([dave, erin], ENV))
    assert not result.get("failed"), run.stdout + run.stderr
    with open(os.path.join(erin.pw_dir, ".zshrc"), "w") as handle:
        handle.write("export LABCLOUD_SHELL_ENV_TEST=mine\n")
    os.chown(os.path.join(erin.pw_dir, ".zshrc"), erin.pw_uid, erin.pw_gid)
    erin_with_block = dotfiles(erin)
    options = dict(
        scope="system",
        env={"LABCLOUD_SHELL_ENV_TEST": "1"},
        users=[dict(user=dave.pw_name, state="absent"), dict(user=erin.pw_name)],
    )
    run, result = play(tmp_path, options)
    assert not result.get("failed"), run.stdout + run.stderr
    assert dotfiles(dave) == before[dave.pw_name]
    assert dotfiles(erin) == erin_with_block, "a user only listed is scanned, never written"
    # Her own line beats the host-wide value; the blocks of ours she still has are no overrides.
    assert result["users"][1]["overrides"] == [
        {"file": os.path.join(erin.pw_dir, ".zshrc"), "line": 1, "variable": "LABCLOUD_SHELL_ENV_TEST"}
    ]
    run, result = play(tmp_path, dict(scope="system", state="absent"))
    assert not result.get("failed"), run.stdout + run.stderr
    assert system_state() == system_files
