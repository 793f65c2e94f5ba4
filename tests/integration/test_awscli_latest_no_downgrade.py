"""awscli role, `latest`: a correctly signed OLDER build served as latest is refused.

The role runs with ansible-playbook on this machine (as root, connection
local) into a scratch install and bin directory, against the test mirror
(tests/testbed/mirror.py) serving a scratch root in which `latest` is first a
newer, then an older build, both signed with the test ground's trusted key.
The builds are tiny stand-ins (a dist/ whose aws prints its version, packed
with the test ground's aws/install), so the test takes seconds; the same case
with real AWS CLI builds is in molecule/awscli (the mirror's rollback/).
"""

import json
import os
import subprocess
import textwrap

import pytest

from tests.integration.test_aws_config_playbooks import ansible_playbook
from tests.testbed import awscli
from tests.testbed.mirror import MirrorServer

NEWER = "2.40.1"
OLDER = "2.40.0"
PLAY = [
    {
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [{"ansible.builtin.include_role": {"name": "labcloud.aws_sso.awscli"}}],
    }
]


def _pack(root, version):
    """<root>/awscli-exe-linux-x86_64.zip (+ .sig): aws/install + a dist/ that says `version`."""
    stage = root / ".stage" / "aws"
    dist = stage / "dist"
    dist.mkdir(parents=True)
    (stage / "install").write_bytes(awscli.INSTALL_SCRIPT.read_bytes())
    (stage / "install").chmod(0o755)
    line = "aws-cli/%s Python/3.13.7 Linux/6.1.0 exe/x86_64.debian.12" % version
    for exe in ("aws", "aws_completer"):
        (dist / exe).write_text(
            textwrap.dedent(f"""\
                #!/bin/sh
                case "$1" in --version) echo "{line}" ;; *) echo "{exe} $*" ;; esac
                """)
        )
        (dist / exe).chmod(0o755)
    zipped = root / awscli.installer_name()
    subprocess.run(["zip", "-q", "-r", "-X", str(zipped), "aws"], cwd=stage.parent, check=True)
    awscli.sign(zipped, "test-signing", zipped.with_name(zipped.name + ".sig"))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("latest-mirror")
    with awscli.build_lock():
        awscli.ensure_keys()
        for version in (NEWER, OLDER):
            (root / version).mkdir()
            _pack(root / version, version)
        awscli.kill_agent(awscli.gnupg_home())
    with MirrorServer(root=root) as server:
        yield server


def apply_role(tmp_path, mirror, latest_from, **extra):
    play = tmp_path / "play.yml"
    play.write_text(json.dumps(PLAY))
    extra_vars = dict(
        awscli_version="latest",
        awscli_base_url="%s/%s" % (mirror.url, latest_from),
        awscli_install_dir=str(tmp_path / "aws-cli"),
        awscli_bin_dir=str(tmp_path / "bin"),
        awscli_gpg_key_src=str(awscli.key_file("test-signing", "asc")),
        awscli_gpg_fingerprint=awscli.fingerprint("test-signing"),
        awscli_install_dependencies=False,
        **extra,
    )
    return ansible_playbook(play, extra_vars)


def current(tmp_path):
    return os.path.basename(os.readlink(tmp_path / "aws-cli" / "v2" / "current"))


def aws_version(tmp_path):
    out = subprocess.run([str(tmp_path / "bin" / "aws"), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


def test_latest_never_goes_backwards_unless_allowed(tmp_path, mirror):
    first = apply_role(tmp_path, mirror, NEWER)
    assert first.returncode == 0, first.stdout + first.stderr
    assert current(tmp_path) == NEWER
    state = (tmp_path / "aws-cli" / ".labcloud-awscli-state.json").read_bytes()

    # The mirror now serves an older, correctly signed build as latest.
    refused = apply_role(tmp_path, mirror, OLDER)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "Refusing to downgrade the AWS CLI on localhost from %s to %s" % (NEWER, OLDER) in output, output
    assert "awscli_allow_downgrade: true" in output
    assert current(tmp_path) == NEWER and aws_version(tmp_path) == "aws-cli/" + NEWER
    assert sorted(os.listdir(tmp_path / "aws-cli" / "v2")) == sorted([NEWER, "current"])
    assert (tmp_path / "aws-cli" / ".labcloud-awscli-state.json").read_bytes() == state

    allowed = apply_role(tmp_path, mirror, OLDER, awscli_allow_downgrade=True)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert current(tmp_path) == OLDER and aws_version(tmp_path) == "aws-cli/" + OLDER

    # Back to the newer build, which aws/install would "skip" as already
    # unpacked: the role makes it current again.
    again = apply_role(tmp_path, mirror, NEWER)
    assert again.returncode == 0, again.stdout + again.stderr
    assert current(tmp_path) == NEWER and aws_version(tmp_path) == "aws-cli/" + NEWER
