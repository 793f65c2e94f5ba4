"""shell_env on bookworm containers laid out as the RHEL family, SUSE and Arch (tests/testbed/os_layouts.py).

These are layouts, not the distributions: the shells are Debian's binaries,
the files around them the other distribution's (see os_layouts for what is
imitated and how). For each layout, one container serves every case: the
module runs through ansible-playbook with the podman connection, in user
scope and then in system scope, and each time real bash, zsh and fish
processes, started as the user the way each system starts them, must see
AWS_PROFILE, AWS_REGION and AWS_DEFAULT_REGION; then state=absent must give
back every file under /etc and /home byte for byte.

The sshd-started `bash -c CMD` is imitated as sshd (OpenSSH on Linux)
starts it: argv `bash -c CMD`, neither login nor interactive, stdin a pipe,
SSH_CONNECTION and, where the distribution's bash looks at it, SSH_CLIENT
(Debian's bash reads ~/.bashrc then; tests/integration/test_shell_env.py
shows that without it this bash reads nothing). Arch's bash is built without
SSH_SOURCE_BASHRC, so its imitation sets no SSH_CLIENT, and the test holds
that such a command sees nothing: that is what Arch does (see the table in
plugins/module_utils/shell_facts.py).
"""

import json
import os
import re
import shlex
import subprocess
import sys
import time

import pytest

from ansible_collections.labcloud.aws_sso.plugins.module_utils import shell_facts
from tests.integration.test_shell_env import SHELLS
from tests.testbed import fleet, os_layouts, paths

ENV = {"AWS_PROFILE": "lab-dev", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
USER = os_layouts.USER
HOME = "/home/" + USER

# How each system starts the shell, and the argv after the clean environment:
# test_shell_env's shells, plus sshd's `bash -c` (which that file starts
# through its own sshd stand-in).
WAYS = {**SHELLS, "sshd bash -c": ["bash", "-c", "env"]}

# What the system files of each layout must be after system scope: the row's.
EXPECTED_SYSTEM = {
    "redhat": {"/etc/profile.d/labcloud-aws-sso.sh", "/etc/bashrc", "/etc/zshenv", shell_facts.FISH_CONF},
    "suse": {"/etc/profile.d/labcloud-aws-sso.sh", "/etc/bash.bashrc.local", "/etc/zshenv", shell_facts.FISH_CONF},
    "archlinux": {"/etc/profile.d/labcloud-aws-sso.sh", "/etc/bash.bashrc", "/etc/zsh/zshenv", shell_facts.FISH_CONF},
}
TIMINGS = {}


@pytest.fixture(scope="module", params=sorted(os_layouts.LAYOUTS))
def host(request):
    if fleet.missing_images([paths.IMAGES["bookworm"]]):
        pytest.fail("test host image missing: %s; run bash tests/testbed/hosts.sh" % paths.IMAGES["bookworm"])
    started = time.monotonic()
    name = os_layouts.start(request.param, prefix="oslayout19")
    TIMINGS.setdefault(request.param, {})["layout"] = round(time.monotonic() - started, 1)
    try:
        yield request.param, name
    finally:
        os_layouts.stop(name)
        TIMINGS[request.param]["total"] = round(time.monotonic() - started, 1)
        print("\nlayout %s timings (s): %s" % (request.param, TIMINGS[request.param]))


def run_module(tmp_path, name, **options):
    """labcloud.aws_sso.shell_env on the container, through ansible-playbook; returns the registered result."""
    inventory = fleet.write_inventory(tmp_path / "inventory.json", [name])
    play = tmp_path / "play.yml"
    play.write_text(
        json.dumps([dict(hosts="all", gather_facts=False, tasks=[{"labcloud.aws_sso.shell_env": options}])])
    )
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(paths.REPO / "build" / "collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
    )
    started = time.monotonic()
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory), str(play)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    elapsed = round(time.monotonic() - started, 1)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)["plays"][0]["tasks"][0]["hosts"][name]
    result["_seconds"] = elapsed
    return result


def argv(family, way, ssh_client=None):
    """The clean environment and argv USER's shell is started with, that way, on the layout."""
    clean = ["env", "-i", "HOME=" + HOME, "USER=" + USER, "LOGNAME=" + USER, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"]
    clean += ["SHELL=/bin/bash", "MAIL=/var/mail/" + USER]
    if way == "sshd bash -c":
        clean.append("SSH_CONNECTION=127.0.0.1 50022 127.0.0.1 22")
        if ssh_client is None:
            ssh_client = os_layouts.LAYOUTS[family]["sshd_sees_ssh_client"]
        if ssh_client:
            clean.append("SSH_CLIENT=127.0.0.1 50022 22")
    return clean + WAYS[way]


def seen(name, family, ssh_client=None):
    """{way: the AWS variables `env` saw when USER's shell was started that way}.

    One podman exec as USER runs every way in turn (one container round trip
    instead of eight); each shell still starts from `env -i`, so nothing of
    the sh that runs them reaches it, and its stdin is a pipe, as sshd gives.
    """
    marker = "=== way %d ==="
    script = "".join(
        "echo '%s'; : | %s || echo 'exit status '$?\n" % (marker % index, shlex.join(argv(family, way, ssh_client)))
        for index, way in enumerate(WAYS)
    )
    run = fleet.podman("exec", "--user", USER, "--workdir", HOME, name, "sh", "-c", script)
    assert run.returncode == 0, (family, run.stderr)
    out = {}
    parts = re.split(r"^=== way (\d+) ===$", run.stdout, flags=re.M)[1:]
    for index, text in zip(parts[0::2], parts[1::2]):
        way = list(WAYS)[int(index)]
        assert "exit status" not in text, (family, way, text, run.stderr)
        env = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        out[way] = {k: v for k, v in env.items() if k in ENV}
    assert list(out) == list(WAYS), run.stdout
    return out


def expected(family):
    """Every way sees ENV, but sshd's bash -c where the family's bash reads nothing for it."""
    out = {way: dict(ENV) for way in WAYS}
    if not shell_facts.FAMILIES[family]["sshd_reads_bashrc"]:
        out["sshd bash -c"] = {}
    return out


def snapshot(name):
    """sha256 of every regular file under /etc and /home, and the target of every link there."""
    run = fleet.podman(
        "exec",
        name,
        "sh",
        "-c",
        "find /etc /home -xdev -type f -print0 | sort -z | xargs -0 sha256sum; "
        "find /etc /home -xdev -type l -printf '%p -> %l\\n' | sort",
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def test_the_layout_is_what_it_claims_and_reads_nothing_of_ours_yet(host):
    family, name = host
    os_release = fleet.podman("exec", name, "cat", "/etc/os-release").stdout
    assert shell_facts.family_of(system="Linux", os_release=os_release) == family
    listing = fleet.podman("exec", name, "ls", "-a", "/etc/skel", "/etc").stdout.split()
    assert ("bashrc" in listing) == (family == "redhat")
    assert ("bash.bashrc" in listing) == (family != "redhat")
    assert seen(name, family) == {way: {} for way in WAYS}


@pytest.mark.parametrize("scope", ["user", "system"])
def test_every_way_of_starting_a_shell_sees_the_variables_and_removal_restores_every_byte(tmp_path, host, scope):
    family, name = host
    before = snapshot(name)
    where = dict(user=USER) if scope == "user" else dict(scope="system")
    result = run_module(tmp_path, name, env=ENV, **where)
    TIMINGS[family]["%s present" % scope] = result["_seconds"]
    assert result["changed"]
    if scope == "system":
        assert result["system"]["os_family"] == family
        assert set(result["system"]["files_changed"]) == EXPECTED_SYSTEM[family]
        # Nothing in the home: what arrives comes from the system files.
        assert snapshot(name) != before
        assert [line for line in snapshot(name) if HOME in line] == [line for line in before if HOME in line]
    else:
        changed = set(result["users"][0]["files_changed"])
        login = {"redhat": ".bash_profile", "archlinux": ".bash_profile", "suse": ".profile"}[family]
        assert changed == {
            HOME + "/" + f for f in (".bashrc", login, ".zshenv", ".config/fish/conf.d/labcloud-aws-sso.fish")
        }
        assert not [line for line in snapshot(name) if line.split()[-1].startswith("/etc/") and line not in before]
        if not os_layouts.LAYOUTS[family]["sshd_sees_ssh_client"]:
            # The gap is the build's, not the block's place: this same home,
            # under a bash built with SSH_SOURCE_BASHRC (Debian's, told of
            # SSH_CLIENT), gives an ssh command the variables.
            assert seen(name, family, ssh_client=True)["sshd bash -c"] == ENV
    assert seen(name, family) == expected(family)

    result = run_module(tmp_path, name, state="absent", **where)
    TIMINGS[family]["%s absent" % scope] = result["_seconds"]
    assert result["changed"]
    assert snapshot(name) == before
    assert seen(name, family) == {way: {} for way in WAYS}
