"""One aarch64 host, really run: `setup` and then `verify` on Debian 12 arm64.

The host is a container of paths.ARM64_IMAGE (tests/testbed/hosts.sh builds
it with `debootstrap --arch=arm64`), run under qemu-aarch64-static through
binfmt_misc: its shell, Python, apt, gpg, unzip and every Ansible module are
aarch64 code, emulated on this x86_64 machine, and `uname -m` there says
aarch64.

No aarch64 build of the AWS CLI can be fetched here, so the mirror's
awscli-exe-linux-aarch64-<version>.zip holds the x86_64 build, signed with
the test key (tests/testbed/awscli.py); the host's kernel is this machine's,
so that build runs natively there, through the amd64 libc the image carries.

What passing proves, on an aarch64 host: the awscli role asks the mirror for
the aarch64 installer and for no x86_64 one, checks its signature with the
host's own gpg and installs it with the zip's aws/install (the mirror's
stand-in); the sso role sets up each user's profiles and shells; verify
checks each identity through the user's login shell with the CLI the host
has and reports exact per-user statuses; all of it from modules run by the
host's aarch64 Python. What it does not prove: that AWS's aarch64 build of
the CLI and its installer work (they never run here), that the identity
check works without the amd64 libc this image adds, or anything about speed
on real arm64 hardware.

Slow by nature (emulated Python): run alone with -rP to see the host's
`uname -m` and the timings.
"""

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.testbed import awscli, fleet, idc, paths

HOST = "arm1"
VERSION = paths.AWSCLI_LATEST
SANDBOX = "111111111111"
# alice signs in (her directory user has Developer); bob never does.
SIGNS_IN, SIGNED_OUT = "alice", "bob"
HOST_PATH = fleet.HOST_PATH
BIN = Path(sys.executable).parent


class Arm64Lab:
    """The host, the runs made on it and how long each took."""

    def __init__(self, work, testbed, mirror):
        self.work = work
        self.testbed = testbed
        self.mirror = mirror
        self.hosts = fleet.Fleet({f"arm64host-{secrets.token_hex(4)}": paths.ARM64_IMAGE})
        self.container = self.hosts.names[0]
        self.results = {}
        self.timings = {}
        self.error = None

    def step(self, name, func):
        started = time.monotonic()
        try:
            result = self.results[name] = func()
        finally:
            self.timings[name] = round(time.monotonic() - started, 1)
        if result.returncode != 0:
            raise RuntimeError(f"step {name} failed: {result}")
        return result

    def in_host(self, *argv):
        return fleet.exec_root(self.container, *argv)

    def playbook(self, name, report_dir):
        variables = self.variables(report_dir)
        (self.work / "vars.json").write_text(json.dumps(variables))
        env = {
            "PATH": f"{BIN}:{HOST_PATH}",
            "HOME": str(Path.home()),
            "ANSIBLE_COLLECTIONS_PATH": str(paths.REPO / "build" / "collections"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCAL_TEMP": str(self.work / "ansible-tmp"),
            # Where emulation costs the time: printed with -rP.
            "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        argv = [str(BIN / "ansible-playbook"), f"labcloud.aws_sso.{name}", "-i", str(self.inventory())]
        argv += ["-e", "@" + str(self.work / "vars.json")]
        result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1500, check=False)
        (self.work / f"{name}.log").write_text(result.stdout + result.stderr)
        return result

    def inventory(self):
        hosts = {HOST: {"ansible_host": self.container, "aws_sso_users": [SIGNS_IN, SIGNED_OUT]}}
        return fleet.write_inventory(self.work / "inventory.json", hosts)

    def variables(self, report_dir):
        region = self.testbed.region
        return {
            # The test mirror and its key stand in for awscli.amazonaws.com
            # and the AWS CLI team's key; the host downloads and checks the
            # installer itself, so both happen on aarch64.
            "awscli_base_url": self.mirror.url,
            "awscli_version": VERSION,
            "awscli_download_on_controller": False,
            # The image has unzip and gpg. Installing them goes through the
            # apt module, which first installs python3-apt: minutes under
            # emulation, and no different on aarch64 (the native hosts of
            # the Molecule scenario awscli cover it).
            "awscli_install_dependencies": False,
            "awscli_gpg_key_src": str(awscli.key_file("test-signing", "asc")),
            "awscli_gpg_fingerprint": awscli.fingerprint("test-signing"),
            "aws_sso_sessions": [{"name": "lab", "sso_start_url": self.testbed.start_url, "sso_region": region}],
            "aws_sso_profiles": [
                {
                    "name": "dev",
                    "sso_session": "lab",
                    "sso_account_id": SANDBOX,
                    "sso_role_name": "Developer",
                    "region": region,
                }
            ],
            "aws_sso_user_profiles": ["dev"],
            "aws_sso_default_profile": "dev",
            "aws_sso_region": region,
            # Every user's shells point the CLI at the local Identity Center.
            "aws_sso_env": self.testbed.env,
            "verify_cli_environment": self.testbed.env,
            # Through each user's login shell: the shells are part of what runs on aarch64.
            "verify_check": "shell",
            "verify_report_dir": str(report_dir),
        }

    def sign_in(self, user):
        argv = fleet.login_shell_argv(
            self.container, user, "aws sso login --no-browser --use-device-code --sso-session lab"
        )
        return idc.browserless_login(argv, fleet.HOST_ENV, self.testbed, user, timeout=180)

    def run(self):
        self.step("start", lambda: self.hosts.start_one(self.container, check=False))
        self.step("uname", lambda: self.in_host("uname", "-m"))
        # The interpreter the inventory gives Ansible for the modules.
        self.step(
            "python", lambda: self.in_host("/usr/bin/python3", "-c", "import platform; print(platform.machine())")
        )
        self.step(
            "users",
            lambda: self.in_host("sh", "-c", fleet.useradd_script([SIGNS_IN, SIGNED_OUT])),
        )
        self.mirror.reset_stats()
        self.step("setup", lambda: self.playbook("setup", self.work / "setup-report"))
        self.results["mirror"] = self.mirror.stats()
        self.step("aws --version", lambda: self.in_host("sh", "-c", "aws --version && command -v aws"))
        self.step("sign-in", lambda: self.sign_in(SIGNS_IN))
        self.step("verify", lambda: self.playbook("verify", self.work / "verify-report"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory, identity_center, awscli_mirror):
    if fleet.missing_images([paths.ARM64_IMAGE]):
        pytest.fail(f"test host image {paths.ARM64_IMAGE} missing; run bash tests/testbed/hosts.sh (make testbed)")
    lab = Arm64Lab(tmp_path_factory.mktemp("arm64"), identity_center, awscli_mirror)
    started = time.monotonic()
    try:
        try:
            lab.run()
        except Exception as exc:  # kept; each test names the step it needed
            lab.error = exc
        lab.timings["total"] = round(time.monotonic() - started, 1)
        uname = lab.results.get("uname")
        print(f"\narm64 host: uname -m = {uname.stdout.strip() if uname else '?'}; step times (s): {lab.timings}")
        for name in ("setup", "verify"):
            if name in lab.results:
                # profile_tasks' summary, the slowest first, closes the output.
                slowest = lab.results[name].stdout.rpartition("=" * 40)[2].strip().splitlines()[:8]
                print(f"{name}, slowest tasks:\n  " + "\n  ".join(slowest))
        yield lab
    finally:
        # Also after an interrupt: a host left running would keep its CPU.
        lab.hosts.remove()


def _result(lab, name):
    if name not in lab.results:
        pytest.fail(f"never reached {name!r}: {lab.error!r}")
    return lab.results[name]


def _rows(report_dir):
    """The report's rows, by user (the report itself puts problems first)."""
    report = json.loads((report_dir / "report.json").read_text())
    rows = [(r["host"], r["user"], r["profile"], r["status"], r["account"], r["role"]) for r in report["rows"]]
    return sorted(rows)


def test_the_host_and_the_python_running_the_modules_are_aarch64(lab):
    assert _result(lab, "uname").stdout == "aarch64\n"
    assert _result(lab, "python").stdout == "aarch64\n"


def test_setup_installs_the_aarch64_installer_from_the_mirror(lab):
    setup = _result(lab, "setup")
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    requested = lab.results["mirror"]
    zip_path = "/" + awscli.installer_name(VERSION, "aarch64")
    assert requested[zip_path]["GET"] == 1 and requested[zip_path]["status"] == {"200": 1}, requested
    assert requested[zip_path + ".sig"]["status"] == {"200": 1}, requested
    assert not [p for p in requested if "x86_64" in p], requested
    # The CLI the host now has: the pinned version where the role puts it,
    # and (as the module docstring says) the x86_64 build inside the zip:
    # its platform token reads exe/x86_64.debian.12 (docker/... in a container).
    version, where = _result(lab, "aws --version").stdout.splitlines()
    assert version.startswith(f"aws-cli/{VERSION} "), version
    assert version.split()[3].partition("/")[2].startswith("x86_64."), version
    assert where == "/usr/local/bin/aws"


def test_setup_reports_both_users_signed_out(lab):
    _result(lab, "setup")
    assert _rows(lab.work / "setup-report") == [
        (HOST, SIGNS_IN, "dev", "login_required", None, None),
        (HOST, SIGNED_OUT, "dev", "login_required", None, None),
    ]


def test_verify_after_one_sign_in_gives_exact_per_user_statuses(lab):
    login = _result(lab, "sign-in")
    assert login.returncode == 0 and login.user_code, login
    verify = _result(lab, "verify")
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    assert _rows(lab.work / "verify-report") == [
        (HOST, SIGNS_IN, "dev", "ok", SANDBOX, "Developer"),
        (HOST, SIGNED_OUT, "dev", "login_required", None, None),
    ]
