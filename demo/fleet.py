"""make demo: the whole job on a small fleet, with nothing outside this machine.

    .venv/bin/python demo/fleet.py [--report-dir DIR] [--prefix NAME] [--keep-going]

1. the test ground (podman, Debian images, the real AWS CLI, signed installer
   zips), built only where missing;
2. a local installer mirror and a local Identity Center (moto for STS), in
   this process, on 127.0.0.1;
3. three workstations (podman containers of Debian 12 and 13 on the host
   network) with three users each; grace still exports an old static key
   from her ~/.bashrc;
4. `ansible-playbook labcloud.aws_sso.setup`: AWS CLI v2 from the mirror,
   every user's profiles and shell environment;
5. users sign in through the real CLI's device-code flow, each code
   approved as that user at the Identity Center (carol never signs in; erin's
   Developer role was never assigned to her);
6. one user's view: `aws sts get-caller-identity` in alice's login shell;
7. `ansible-playbook labcloud.aws_sso.verify`: the fleet report.

Containers and servers are removed on exit, also on Ctrl-C or SIGTERM;
containers a killed run left behind are removed by the next run.
"""

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.testbed import fleet, idc, paths  # noqa: E402
from tests.testbed.mirror import MirrorServer  # noqa: E402

DEMO = REPO / "demo"
LABEL = "labcloud.demo"
HOST_PATH = fleet.HOST_PATH

# The fleet: workstation -> (image, users). Who signs in and what each user
# has is the story the report tells.
FLEET = {
    "ws1": ("bookworm", ["alice", "bob", "carol"]),
    "ws2": ("trixie", ["dave", "erin", "frank"]),
    "ws3": ("bookworm", ["grace", "heidi", "ivan"]),
}
SIGNED_OUT = {"carol"}
# Per-user fields of the sso role (aws_sso_users entries).
USER_FIELDS = {"bob": {"profiles": ["dev", "prod-read"]}}
# grace's key predates SSO; the line sits above the interactive-shell guard
# of Debian's stock ~/.bashrc, so every bash she starts exports it.
GRACE_BASHRC = """\
# keys from the 2022 onboarding guide
export AWS_ACCESS_KEY_ID=AKIAGRACEEXPORTED001
export AWS_SECRET_ACCESS_KEY=gracesecret000000000000000000000000000001
"""
EXPECTED = {
    "alice": "ok",
    "bob": "ok",
    "carol": "login_required",
    "dave": "ok",
    "erin": "forbidden",
    "frank": "ok",
    "grace": "env_override",
    "heidi": "ok",
    "ivan": "ok",
}


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StepFailed(Exception):
    pass


class Demo:
    def __init__(self, args):
        self.args = args
        self.run_id = secrets.token_hex(3)
        self.prefix = f"{args.prefix}-{self.run_id}"
        self.work = Path(tempfile.mkdtemp(prefix="labcloud-fleet-demo."))
        self.report_dir = Path(args.report_dir).resolve()
        self.hosts = fleet.Fleet(
            {self.container(host): paths.IMAGES[codename] for host, (codename, _users) in FLEET.items()},
            # The pid label tells a later run whether the owner is still alive.
            labels={LABEL: self.run_id, f"{LABEL}.pid": os.getpid()},
            runner=self.podman,
        )
        self.children = set()
        self.children_lock = threading.Lock()
        self.mirror = None
        self.testbed = None
        self.step_no = 0
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self.env = dict(os.environ)
        self.env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build" / "collections"))
        self.env.update(
            {
                "PATH": f"{REPO / '.venv' / 'bin'}:{HOST_PATH}",
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_FORCE_COLOR": "0",
                "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "ANSIBLE_LOCAL_TEMP": str(self.work / "ansible-tmp"),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )

    # -- output ----------------------------------------------------------------

    def say(self, text=""):
        print(text, flush=True)

    def step(self, title):
        self.step_no += 1
        return _Step(self, f"[{self.step_no}/7] {title}")

    # -- processes ---------------------------------------------------------------

    def run(self, argv, log=None, timeout=600, check=True, input_text=None):
        """Run argv in its own process group (so that Ctrl-C reaches it only
        through us, and we can stop all of it); output to log or captured."""
        out = open(log, "ab") if log else subprocess.PIPE
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if log else subprocess.PIPE,
                env=self.env,
                cwd=REPO,
                start_new_session=True,
            )
        finally:
            if log:
                out.close()
        with self.children_lock:
            self.children.add(proc)
        try:
            stdout, stderr = proc.communicate(
                input_text.encode() if input_text is not None else None,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            self._stop_group(proc)
            raise StepFailed(f"{shlex.join(argv[:4])}... took over {timeout} s") from None
        except BaseException:
            self._stop_group(proc)
            raise
        finally:
            with self.children_lock:
                self.children.discard(proc)
        result = subprocess.CompletedProcess(
            argv,
            proc.returncode,
            (stdout or b"").decode(errors="replace"),
            (stderr or b"").decode(errors="replace"),
        )
        if check and result.returncode != 0:
            where = f"; log: {log}" if log else f": {(result.stderr or result.stdout).strip()[-2000:]}"
            raise StepFailed(f"{shlex.join(argv[:6])} exited {result.returncode}{where}")
        return result

    def _stop_group(self, proc):
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def podman(self, *args, **kwargs):
        return self.run(["podman", *args], **kwargs)

    # -- the steps -----------------------------------------------------------------

    def test_ground(self):
        with self.step("Test ground: podman, Debian 12/13 images, real AWS CLI v2, signed installers") as s:
            log = self.work / "testbed.log"
            # Only the images the fleet uses: the emulated arm64 host takes minutes to build.
            self.run(["bash", "tests/testbed/hosts.sh", *paths.IMAGES], log=log, timeout=1800)
            self.run([sys.executable, "-m", "tests.testbed.awscli"], log=log, timeout=900)
            s.note(f"images {', '.join(sorted(paths.IMAGES.values()))}; AWS CLI {paths.AWSCLI_LATEST}")

    def servers(self):
        with self.step("Local servers: installer mirror, Identity Center (+ moto STS)") as s:
            self.mirror = MirrorServer().start()
            self.testbed = idc.Testbed(idc.load_directory(DEMO / "directory.yml"))
            s.note(f"mirror {self.mirror.url}, Identity Center {self.testbed.url}, STS {self.testbed.sts_url}")

    def remove_stale_containers(self):
        """Containers of an earlier demo that was killed outright (SIGKILL
        leaves no chance to clean up): gone once their owner process is."""
        stale = []
        for name, labels in fleet.labelled(LABEL, runner=self.podman).items():
            owner = fleet.label_value(labels, f"{LABEL}.pid")
            if owner is None or not _is_demo_process(owner):
                stale.append(name)
        if stale:
            self.podman("rm", "-f", *stale, check=False, timeout=120)
        return stale

    def workstations(self):
        with self.step("Three workstations (podman, host network), three users each") as s:
            stale = self.remove_stale_containers()
            if stale:
                s.note(f"removed {len(stale)} container(s) left by a killed demo: {' '.join(stale)}")
            self.hosts.start()
            with ThreadPoolExecutor(len(FLEET)) as pool:
                for future in [pool.submit(self._add_users, h) for h in FLEET]:
                    future.result()
            for host, (codename, users) in FLEET.items():
                s.note(f"{host}: Debian {codename}, users {', '.join(users)}")
            s.note("grace's ~/.bashrc still exports a static key from 2022")

    def _add_users(self, host):
        users = FLEET[host][1]
        script = ["set -e", fleet.useradd_script(users)]
        for user in users:
            if user == "grace":
                script.append(
                    "{ cat <<'EOF'; cat /home/grace/.bashrc; } > /tmp/bashrc && "
                    "install -o grace -g grace -m 0644 /tmp/bashrc /home/grace/.bashrc && rm /tmp/bashrc\n"
                    + GRACE_BASHRC
                    + "EOF"
                )
        self.podman("exec", self.container(host), "sh", "-c", "\n".join(script))

    def container(self, host):
        return f"{self.prefix}-{host}"

    @property
    def containers(self):
        return self.hosts.started

    def write_inventory(self):
        hosts = {}
        for host, (_codename, users) in FLEET.items():
            entries = [{"user": u, **USER_FIELDS.get(u, {})} if u in USER_FIELDS else u for u in users]
            hosts[host] = {"ansible_host": self.container(host), "aws_sso_users": entries}
        path = fleet.write_inventory(self.work / "inventory.json", hosts)
        endpoints = self.testbed.env
        local = {
            # The installer mirror and its test signing key stand in for
            # awscli.amazonaws.com and the AWS CLI team's key.
            "awscli_base_url": self.mirror.url,
            "awscli_gpg_key_src": str(paths.GPG / "test-signing.asc"),
            "awscli_gpg_fingerprint": (paths.GPG / "test-signing.fpr").read_text().strip(),
            "awscli_controller_cache_dir": str(self.work / "controller-cache"),
            # Every user's shells point the CLI at the local Identity Center,
            # the way a lab behind private endpoints would.
            "aws_sso_env": endpoints,
            "verify_cli_environment": endpoints,
            "verify_report_dir": str(self.report_dir),
        }
        local_file = self.work / "local.json"
        local_file.write_text(json.dumps(local, indent=2))
        return path, local_file

    def playbook(self, name, inventory, local_file, log, extra=()):
        argv = [
            "ansible-playbook", f"labcloud.aws_sso.{name}", "-i", str(inventory),
            "-e", f"@{DEMO / 'fleet.yml'}", "-e", f"@{local_file}", *extra,
        ]  # fmt: skip
        result = self.run(argv, log=log, timeout=1200, check=False)
        text = log.read_text(errors="replace")
        if result.returncode != 0:
            tail = "\n".join(text.splitlines()[-40:])
            raise StepFailed(f"ansible-playbook labcloud.aws_sso.{name} exited {result.returncode}; log: {log}\n{tail}")
        return text

    def setup(self, inventory, local_file):
        with self.step("ansible-playbook labcloud.aws_sso.setup (CLI from the mirror, profiles, shells)") as s:
            # setup would end with its own verify; here that comes after
            # the sign-ins, when there is something to see.
            text = self.playbook(
                "setup", inventory, local_file, self.work / "setup.log", ["-e", "aws_sso_verify=false"]
            )
            for line in _recap(text):
                s.note(line)
            for line in text.splitlines():
                if "override every" in line and '"msg"' in line:
                    s.note("reported: " + line.split('"msg":', 1)[1].strip().strip('"'))
            s.note(f"full log: {self.work / 'setup.log'}")

    def user_argv(self, host, user, command):
        return fleet.login_shell_argv(self.container(host), user, command)

    def sign_in(self):
        with self.step("Sign-ins: `aws sso login --use-device-code`, each code approved as its user") as s:
            todo = [(h, u) for h, (_c, users) in FLEET.items() for u in users if u not in SIGNED_OUT]
            command = "aws sso login --no-browser --use-device-code --sso-session lab"
            env = {"PATH": HOST_PATH}
            # One thread per host, its users one after the other: the
            # CLI's start-up is CPU-bound and the machine has two cores.
            results = {}

            def host_logins(host):
                for h, user in todo:
                    if h == host and not self.stopping.is_set():
                        argv = self.user_argv(host, user, command)
                        results[user] = idc.browserless_login(argv, env, self.testbed, user, timeout=120)

            with ThreadPoolExecutor(len(FLEET)) as pool:
                for future in [pool.submit(host_logins, h) for h in FLEET]:
                    future.result()
            failed = {u: r for u, r in results.items() if r.returncode != 0 or not r.user_code}
            if failed:
                raise StepFailed(f"sign-in failed: {failed}")
            for host, (_c, users) in FLEET.items():
                done = [f"{u} ({results[u].user_code}, {results[u].seconds:.1f} s)" for u in users if u in results]
                s.note(f"{host}: " + ", ".join(done + [f"{u} stays signed out" for u in users if u in SIGNED_OUT]))

    def one_users_view(self):
        with self.step("What alice gets in a new shell on ws1: `aws sts get-caller-identity`") as s:
            res = self.run(self.user_argv("ws1", "alice", "aws sts get-caller-identity"), timeout=120)
            ident = json.loads(res.stdout)
            s.note(f"profile dev (from her shell) -> account {ident['Account']}, {ident['Arn']}")

    def verify(self, inventory, local_file):
        with self.step("ansible-playbook labcloud.aws_sso.verify: the fleet report") as s:
            log = self.work / "verify.log"
            text = self.playbook("verify", inventory, local_file, log)
            report = self.report_dir / "report.json"
            if not report.is_file():
                raise StepFailed(f"verify wrote no {report}; log: {log}")
            s.show(_report_table(text))
            s.show("")
            s.note("what the report tells each user who has a problem:")
            for row in json.loads(report.read_text())["rows"]:
                if row["status"] != "ok":
                    s.note(f"  {row['host']} {row['user']} ({row['status']}): {row['message']}")
            s.note(f"the page for IT and the lab manager: {self.report_dir / 'report.html'}")

    # -- cleanup ---------------------------------------------------------------------

    def cleanup(self):
        t = time.monotonic()
        with self.children_lock:
            children = list(self.children)
        for proc in children:
            self._stop_group(proc)
        self.hosts.remove()
        if self.testbed is not None:
            self.testbed.stop()
        if self.mirror is not None:
            self.mirror.stop()
        if not self.args.keep_work:
            shutil.rmtree(self.work, ignore_errors=True)
        return time.monotonic() - t

    def main(self):
        self.say(f"labcloud.aws_sso demo: a lab of {len(FLEET)} workstations (run {self.run_id}, logs in {self.work})")
        self.test_ground()
        self.servers()
        self.workstations()
        inventory, local_file = self.write_inventory()
        self.setup(inventory, local_file)
        self.sign_in()
        self.one_users_view()
        self.verify(inventory, local_file)


class _Step:
    def __init__(self, demo, title):
        self.demo = demo
        self.title = title

    def __enter__(self):
        self.t = time.monotonic()
        self.demo.say(f"{self.title} ...")
        return self

    def note(self, text):
        self.demo.say(f"      {text}")

    def show(self, text):
        self.demo.say(text)

    def __exit__(self, kind, exc, tb):
        took = time.monotonic() - self.t
        if kind is None:
            self.demo.say(f"      done in {took:.1f} s")
        elif not issubclass(kind, Interrupted):
            self.demo.say(f"      FAILED after {took:.1f} s")
        return False


def _is_demo_process(pid):
    try:
        cmdline = Path(f"/proc/{int(pid)}/cmdline").read_bytes()
    except (OSError, ValueError):
        return False
    return b"fleet.py" in cmdline


def _recap(text):
    lines = text.splitlines()
    if "PLAY RECAP" not in "\n".join(lines):
        return []
    start = max(i for i, line in enumerate(lines) if line.startswith("PLAY RECAP"))
    return [" ".join(line.split()) for line in lines[start + 1 :] if line.strip()]


def _report_table(text):
    """What the report task printed (table and totals), without Ansible's
    framing around it: from its task header to its result line."""
    lines = text.splitlines()
    # The report is a task of the checking play: "TASK [labcloud.aws_sso.sso : Write report.json...".
    start = next((i for i, line in enumerate(lines) if line.startswith("TASK [") and "Write report.json" in line), None)
    if start is None:
        return ""
    body = []
    for line in lines[start + 1 :]:
        if line.startswith(("changed: [", "ok: [", "TASK [", "PLAY ")):
            break
        body.append(line)
    return "\n".join(body).strip("\n")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="demo/fleet.py", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--report-dir",
        default=str(REPO / "build" / "demo-report"),
        help="where verify writes report.json, report.md and report.html (default: build/demo-report)",
    )
    ap.add_argument("--prefix", default="labdemo", help="name prefix of the containers (default: labdemo)")
    ap.add_argument("--keep-work", action="store_true", help="keep the work directory (logs, inventory)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    demo = Demo(args)

    def interrupt(signum, _frame):
        # Once: a second Ctrl-C must not cut the clean-up short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        demo.stopping.set()
        raise Interrupted(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    code = 0
    try:
        demo.main()
    except Interrupted as exc:
        demo.say(f"\ninterrupted ({exc}): removing containers and stopping servers")
        code = 128 + exc.signum
    except StepFailed as exc:
        demo.say(f"demo failed: {exc}")
        code = 1
    finally:
        demo.stopping.set()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        took = demo.cleanup()
        demo.say(
            f"cleaned up in {took:.1f} s: containers {', '.join(demo.containers) or 'none'} removed, servers stopped"
        )
    if code == 0:
        demo.say(f"demo finished in {time.monotonic() - demo.started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
