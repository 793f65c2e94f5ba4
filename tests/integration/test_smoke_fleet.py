"""Fleet smoke test: the whole user journey on Debian bookworm and trixie.

On each host (a podman container on the host network, so the 127.0.0.1
test servers are reachable), as root: download the pinned AWS CLI installer
from the local mirror, verify its signature in a throwaway GNUPGHOME, unzip,
./aws/install, check `aws --version`. Then, as an unprivileged user: device
code login against the local Identity Center (the test approves the code),
`aws sts get-caller-identity`, a role the user lacks, an expired session.

Both hosts run at the same time, one thread each; every step is recorded
with its duration, and the tests below assert on the recordings.
"""

import hashlib
import json
import secrets
import shlex
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.testbed import fleet as pods
from tests.testbed import idc, paths

VERSION = "2.38.5"
ZIP = f"awscli-exe-linux-x86_64-{VERSION}.zip"
UNIX_USER = "labuser"
SANDBOX = "111111111111"
# Each host signs in as its own directory user, so that per-user lifetime
# changes on one host cannot disturb the other.
IDC_USER = {"bookworm": "carol", "trixie": "dave"}


def _require_images():
    """The images come from tests/testbed/hosts.sh (make testbed); a missing
    one is a broken test ground, not a reason to skip."""
    missing = pods.missing_images(paths.IMAGES.values())
    if missing:
        pytest.fail(f"test host images missing: {missing}; run bash tests/testbed/hosts.sh")


class Host:
    """One container and the record of what happened on it."""

    def __init__(self, distro, testbed, mirror_url, hosts):
        self.distro = distro
        self.image = paths.IMAGES[distro]
        self.name = hosts.add(f"smoke-{distro}-{secrets.token_hex(4)}", self.image)
        self.hosts = hosts
        self.testbed = testbed
        self.mirror_url = mirror_url
        self.idc_user = IDC_USER[distro]
        self.steps = {}
        self.timings = {}
        self.error = None

    # -- plumbing -----------------------------------------------------------

    def _record(self, step, result, started):
        self.steps[step] = result
        self.timings[step] = round(time.monotonic() - started, 1)
        return result

    def root_sh(self, script, timeout=300):
        return pods.exec_root(self.name, "sh", "-c", script, timeout=timeout)

    def _user_env(self):
        return {"AWS_PAGER": "", **self.testbed.env}

    def user_aws(self, *aws_args, timeout=120):
        return pods.exec_user(self.name, UNIX_USER, "aws", *aws_args, env=self._user_env(), timeout=timeout)

    def login(self):
        argv = pods.user_argv(
            self.name, UNIX_USER, "aws", "sso", "login", "--use-device-code", "--no-browser", "--sso-session", "lab",
            env=self._user_env(),
        )  # fmt: skip
        return idc.browserless_login(argv, pods.HOST_ENV, self.testbed, self.idc_user)

    # -- the journey --------------------------------------------------------------

    def run(self):
        try:
            self._run()
        except Exception as exc:  # recorded; the tests report it per step
            self.error = exc
            raise

    def _step(self, name, func):
        started = time.monotonic()
        result = func()
        self._record(name, result, started)
        if getattr(result, "returncode", 0) != 0:
            raise RuntimeError(f"{self.distro}: step {name} failed: {result}")
        return result

    def _run(self):
        total = time.monotonic()
        self._step("start", lambda: self.hosts.start_one(self.name, check=False))
        key = paths.GPG / "test-signing.asc"
        self._step("copy key", lambda: pods.podman("cp", str(key), f"{self.name}:/tmp/"))
        fpr = (paths.GPG / "test-signing.fpr").read_text().strip()
        self._step("install", lambda: self.root_sh(self._install_script(fpr)))
        self._step("version", lambda: self.root_sh("aws --version && command -v aws"))
        self._step(
            "create user",
            lambda: self.root_sh(
                f"useradd --create-home --shell /bin/bash {UNIX_USER} && "
                f"sudo -u {UNIX_USER} -H sh -c 'umask 077 && mkdir -p ~/.aws && "
                f"cat > ~/.aws/config' <<'EOF'\n{self._config()}EOF\n"
            ),
        )
        self._step("login", self.login)
        self._step(
            "token file",
            lambda: self.root_sh(
                "stat -c '%U %a' /home/{u}/.aws/sso/cache/{h}.json && cat /home/{u}/.aws/sso/cache/{h}.json".format(
                    u=UNIX_USER, h=hashlib.sha1(b"lab").hexdigest()
                )
            ),
        )
        self._step("identity", lambda: self.user_aws("sts", "get-caller-identity", "--profile", "dev"))
        # Failures expected from here on: recorded, not raised.
        started = time.monotonic()
        self._record(
            "forbidden role",
            self.user_aws("sts", "get-caller-identity", "--profile", "admin"),
            started,
        )
        started = time.monotonic()
        self._record("expired", self._expired_session(), started)
        self.timings["total"] = round(time.monotonic() - total, 1)

    def _expired_session(self):
        """A session that ended: 2-second access token, refresh revoked."""
        self.testbed.set_token_lifetime(2, user=self.idc_user)
        try:
            login = self.login()
        finally:
            self.testbed.set_token_lifetime(None, user=self.idc_user)
        self.steps["relogin"] = login
        if login.returncode:
            return login
        self.testbed.revoke(self.idc_user, refresh_only=True)
        time.sleep(2.5)
        cleared = self.root_sh(f"rm -rf /home/{UNIX_USER}/.aws/cli/cache")
        if cleared.returncode:
            return cleared
        return self.user_aws("sts", "get-caller-identity", "--profile", "dev")

    def _install_script(self, fpr):
        # The documented steps, plus what the seeds leave implicit: keep the
        # key in a throwaway keyring and accept the signature only from
        # gpg's machine-readable status (VALIDSIG with the full fingerprint),
        # never from the exit code alone.
        return f"""
set -eu
work=$(mktemp -d)
cd "$work"
curl -fsS -o awscliv2.zip {shlex.quote(self.mirror_url + "/" + ZIP)}
curl -fsS -o awscliv2.sig {shlex.quote(self.mirror_url + "/" + ZIP + ".sig")}
export GNUPGHOME="$(mktemp -d)"
gpg --batch --quiet --import /tmp/test-signing.asc
gpg --batch --status-fd 3 --verify awscliv2.sig awscliv2.zip 3>status 2>/dev/null || true
rm -rf "$GNUPGHOME"
if grep -Eq '^\\[GNUPG:\\] (BADSIG|EXPKEYSIG|REVKEYSIG|ERRSIG)' status \\
   || ! grep -q '^\\[GNUPG:\\] VALIDSIG {fpr} ' status; then
    echo "signature check failed" >&2; cat status >&2; exit 1
fi
unzip -q awscliv2.zip
./aws/install
cd / && rm -rf "$work"
"""

    def _config(self):
        return (
            "[sso-session lab]\n"
            f"sso_start_url = {self.testbed.start_url}\n"
            f"sso_region = {self.testbed.region}\n"
            "sso_registration_scopes = sso:account:access\n"
            "\n[profile dev]\nsso_session = lab\n"
            f"sso_account_id = {SANDBOX}\nsso_role_name = Developer\n"
            f"region = {self.testbed.region}\n"
            "\n[profile admin]\nsso_session = lab\n"
            f"sso_account_id = {SANDBOX}\nsso_role_name = AdministratorAccess\n"
            f"region = {self.testbed.region}\n"
        )


@pytest.fixture(scope="module")
def fleet(identity_center, awscli_mirror):
    _require_images()
    # Each host starts its container as its first step, in its own thread.
    containers = pods.Fleet({})
    hosts = {d: Host(d, identity_center, awscli_mirror.url, containers) for d in paths.IMAGES}
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
            futures = [pool.submit(h.run) for h in hosts.values()]
            for f in futures:
                f.exception()  # kept on the Host; the tests report it
        wall = round(time.monotonic() - started, 1)
        lines = [f"fleet smoke wall time {wall}s (hosts in parallel)"]
        lines += [f"  {d}: {h.timings}" for d, h in hosts.items()]
        print("\n" + "\n".join(lines))
        yield hosts
    finally:
        # Removal runs even when a host failed half-way or never started.
        containers.remove(timeout=60)


DISTROS = sorted(paths.IMAGES)


def _step(fleet, distro, name):
    host = fleet[distro]
    if name not in host.steps:
        pytest.fail(f"{distro}: never reached {name!r}: {host.error!r}")
    return host.steps[name]


@pytest.mark.parametrize("distro", DISTROS)
def test_cli_installed_from_mirror(fleet, distro):
    res = _step(fleet, distro, "version")
    assert res.returncode == 0, res
    assert res.stdout.startswith(f"aws-cli/{VERSION} "), res.stdout
    assert res.stdout.splitlines()[-1] == "/usr/local/bin/aws"


@pytest.mark.parametrize("distro", DISTROS)
def test_unprivileged_user_logs_in_with_device_code(fleet, distro):
    login = _step(fleet, distro, "login")
    assert login.returncode == 0, login
    assert login.user_code
    assert "Successfully logged into Start URL" in login.stdout
    res = _step(fleet, distro, "token file")
    owner_mode, _sep, body = res.stdout.partition("\n")
    assert owner_mode == f"{UNIX_USER} 600"
    assert {"accessToken", "refreshToken", "expiresAt", "clientId"} <= set(json.loads(body))


@pytest.mark.parametrize("distro", DISTROS)
def test_caller_identity_is_the_assigned_role(fleet, distro):
    res = _step(fleet, distro, "identity")
    assert res.returncode == 0, res
    ident = json.loads(res.stdout)
    assert ident["Account"] == SANDBOX
    role = fleet[distro].testbed.role_arn(SANDBOX, "Developer").rsplit("/", 1)[1]
    assert ident["Arn"] == (f"arn:aws:sts::{SANDBOX}:assumed-role/{role}/{IDC_USER[distro]}")


@pytest.mark.parametrize("distro", DISTROS)
def test_role_not_assigned_is_refused(fleet, distro):
    res = _step(fleet, distro, "forbidden role")
    assert res.returncode != 0
    assert (
        "An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access"
    ) in res.stderr


@pytest.mark.parametrize("distro", DISTROS)
def test_expired_session_is_reported(fleet, distro):
    # `aws sso login` always runs a new flow, even over a valid token.
    assert _step(fleet, distro, "relogin").user_code
    res = _step(fleet, distro, "expired")
    assert res.returncode != 0, res
    assert ("Error when retrieving token from sso: Token has expired and refresh failed") in res.stderr
