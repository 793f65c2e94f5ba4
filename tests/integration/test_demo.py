"""`make demo` end to end: demo/fleet.py on three real containers, the real
AWS CLI, the local Identity Center and installer mirror; then the same demo
interrupted with SIGINT half-way, which must leave nothing running.

The full run takes about 100 s on a quiet 2-vCPU machine (setup, mostly the
AWS CLI install on three hosts, is 80 s of it) and up to 4 min under load.
"""

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.testbed import fleet, paths

FLEET_PY = paths.REPO / "demo" / "fleet.py"
# Secrets the demo handles: none may reach its output.
GRACE_KEY_ID = "AKIAGRACEEXPORTED001"
GRACE_SECRET = "gracesecret000000000000000000000000000001"


def _fleet_module():
    spec = importlib.util.spec_from_file_location("demo_fleet", FLEET_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _containers(prefix):
    res = fleet.podman("ps", "-a", "--format", "{{.Names}}", timeout=60, check=True)
    return [n for n in res.stdout.split() if n.startswith(prefix + "-")]


def _processes_mentioning(*needles):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if any(n.encode() in cmdline for n in needles):
            found.append((pid, cmdline.replace(b"\0", b" ")[:200]))
    return found


def _answers(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=3):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _start(prefix, report_dir):
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(paths.REPO / "build" / "collections"))
    # Its own session: SIGINT to the group is what Ctrl-C in a terminal does.
    return subprocess.Popen(
        [sys.executable, str(FLEET_PY), "--prefix", prefix, "--report-dir", str(report_dir)],
        cwd=paths.REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _servers_and_work(output):
    work = re.search(r"logs in (\S+)\)", output).group(1)
    urls = re.findall(r"(http://127\.0\.0\.1:\d+)", output)
    return work, urls


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    prefix = f"labdemo-t{os.getpid()}"
    report_dir = tmp_path_factory.mktemp("demo") / "report"
    started = time.monotonic()
    proc = _start(prefix, report_dir)
    try:
        output, _ = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.communicate(timeout=120)
    seconds = time.monotonic() - started
    print(f"\nmake demo (demo/fleet.py) took {seconds:.0f} s\n{output}")
    return {
        "rc": proc.returncode,
        "output": output,
        "prefix": prefix,
        "report_dir": report_dir,
        "seconds": seconds,
    }


def _report(demo_run):
    assert demo_run["rc"] == 0, demo_run["output"][-5000:]
    return json.loads((demo_run["report_dir"] / "report.json").read_text())


def test_demo_reports_each_users_status(demo_run):
    demo = _fleet_module()
    report = _report(demo_run)
    got = {(r["host"], r["user"], r["profile"]): r["status"] for r in report["rows"]}
    expected = {}
    for host, (_codename, users) in demo.FLEET.items():
        for user in users:
            for profile in demo.USER_FIELDS.get(user, {}).get("profiles", ["dev"]):
                expected[(host, user, profile)] = demo.EXPECTED[user]
    assert got == expected
    assert report["hosts"] == 3 and report["users"] == 9
    assert {k: v for k, v in report["totals"].items() if v} == {
        "forbidden": 1,
        "env_override": 1,
        "login_required": 1,
        "ok": 7,
    }


def test_demo_identities_are_the_declared_roles(demo_run):
    rows = _report(demo_run)["rows"]
    ok = [r for r in rows if r["status"] == "ok"]
    for row in ok:
        assert row["checked"] == "shell"
        assert row["token"]["state"] == "valid", row
        assert (row["account"], row["role"]) == (row["expected_account"], row["expected_role"]), row
        assert row["arn"].endswith(f"/{row['user']}"), row
    assert {(r["profile"], r["account"]) for r in ok} == {("dev", "111111111111"), ("prod-read", "022222222222")}
    erin = next(r for r in rows if r["user"] == "erin")
    # Signed in, but the portal refuses the role her directory entry lacks.
    assert erin["token"]["state"] == "valid" and erin["account"] is None
    grace = next(r for r in rows if r["user"] == "grace")
    assert grace["env_override"]["variable"] == "AWS_ACCESS_KEY_ID"
    assert grace["env_override"]["file"] == "/home/grace/.bashrc"
    carol = next(r for r in rows if r["user"] == "carol")
    assert carol["token"]["state"] == "missing"


def test_demo_shows_steps_table_and_page(demo_run):
    out = demo_run["output"]
    assert demo_run["rc"] == 0, out[-5000:]
    steps = re.findall(r"^\[(\d)/7\] .* \.\.\.$", out, re.M)
    assert steps == [str(i) for i in range(1, 8)]
    assert len(re.findall(r"^ +done in \d+\.\d s$", out, re.M)) == 7
    # The table on screen, the page's path, and the sign-in codes approved.
    assert re.search(r"^ws2 +erin +dev +forbidden ", out, re.M), out
    assert re.search(r"^ws1 +carol +dev +login_required ", out, re.M), out
    assert str(demo_run["report_dir"] / "report.html") in out
    assert (demo_run["report_dir"] / "report.html").is_file()
    assert len(re.findall(r"\([B-Z]{4}-[B-Z]{4}, \d+\.\d s\)", out)) == 8
    # No secret on screen: grace's exported key, nor an SSO access or
    # refresh token (the local Identity Center's start with aoa / aor).
    assert GRACE_KEY_ID not in out and GRACE_SECRET not in out
    assert re.search(r"ao[ar][A-Za-z0-9_-]{40,}", out) is None


def test_demo_leaves_nothing_running(demo_run):
    out = demo_run["output"]
    assert demo_run["rc"] == 0, out[-5000:]
    assert _containers(demo_run["prefix"]) == []
    work, urls = _servers_and_work(out)
    assert len(urls) == 3
    assert [u for u in urls if _answers(u)] == []
    assert _processes_mentioning(work, demo_run["prefix"]) == []
    assert not os.path.exists(work)


def test_demo_interrupted_cleans_up(tmp_path):
    """Ctrl-C while setup runs on the hosts: containers, servers and every
    process the demo started are gone, and the exit status says SIGINT."""
    prefix = f"labdemo-i{os.getpid()}"
    proc = _start(prefix, tmp_path / "report")
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("[4/7]"):
                break
        assert lines and lines[-1].startswith("[4/7]"), "".join(lines)
        # Long enough for ansible-playbook to be working on the containers.
        time.sleep(8)
        assert _containers(prefix), "the containers should exist mid-run"
        os.killpg(proc.pid, signal.SIGINT)
        rest, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    output = "".join(lines) + rest
    assert proc.returncode == 128 + signal.SIGINT, output
    assert "interrupted (SIGINT)" in output
    assert _containers(prefix) == []
    work, urls = _servers_and_work(output)
    assert [u for u in urls if _answers(u)] == []
    assert _processes_mentioning(work, prefix) == []
    assert not os.path.exists(work)
