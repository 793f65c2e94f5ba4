# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Benchmark: can 5 misbehaving homes stall, exhaust or fool a run over 40 users? (issue 16)

One host, a podman container of the Debian 12 test image with a pids limit
and a memory limit (so that a failure cannot take the machine down), 40
users, each with a valid sign-in at the local Identity Center. Two runs, each
on a fresh container:

  clean    labcloud.aws_sso.setup, then labcloud.aws_sso.verify with
           verify_check: shell
  hostile  the same, after 5 of the 40 users misbehave at once (HOSTILE)

For each playbook: wall clock; per-user results compared with the clean run
(setup's and verify's results as data, and a digest of each user's files);
peak memory of the modules on the host (the interpreter is a wrapper that
logs getrusage(RUSAGE_CHILDREN).ru_maxrss: the module and everything it
waited for) and of the controller (the same around ansible-playbook), and
the container's memory peak; processes of the 40 users left in the
container afterwards, other than those this benchmark started for them.

    .venv/bin/python bench/contained_fleet.py [--write-docs] [--user-timeout N] [--dump FILE]

Run `make collection testbed` first. With --write-docs the figures go to
docs/benchmarks.md between the contained-bench markers.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from setup_fleet import COLLECTIONS, VENV_BIN, Hosts, mirror_vars, podman, write_docs  # noqa: E402
from verify_fleet import directory, lab  # noqa: E402

from tests.testbed import idc  # noqa: E402
from tests.testbed.mirror import MirrorServer  # noqa: E402

sys.path.insert(0, str(COLLECTIONS))
from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_cache  # noqa: E402

START, END = "<!-- contained-bench:start -->", "<!-- contained-bench:end -->"
USERS = 40
SESSION = "lab"
# Spread over the list, so they do not all fall into one batch of parallel parts.
HOSTILE = {
    "student03": "held lock: `flock` on ~/.aws and on ~ by a process of the user's",
    "student11": "FIFO at the SSO token cache file",
    "student19": "~/.aws/config a symlink to the user's own /proc/<pid>/pagemap",
    "student27": "`head -c 3G /dev/zero` in ~/.bashrc",
    "student35": "fork bomb `b(){ b|b& };b` in ~/.bashrc",
}
RUN_ARGS = ["--pids-limit", "4096", "--memory", "4g", "--memory-swap", "4g"]
# The container shares the machine's uids (rootful podman): the 40 users get
# uids nobody on the machine has, since a test on the machine that kills its
# throwaway users' processes by uid killed a held-lock part here in a trial
# run (the test users had uids 1001-1004, as student01-04 did).
FIRST_UID = 41000
USER_NAMES = ["student%02d" % i for i in range(USERS)]
DEFAULT_DEADLINE = 120
# Target of the issue: a hostile run costs at most one deadline plus 1.5x the clean run.
CLEAN_FACTOR = 1.5
# A playbook still running after this long is ended and reported as hung.
GIVE_UP = 1800
# Fields that differ between two correct runs: times, and the role id in
# user_id, which the test STS (moto) makes anew for every AssumeRole.
VOLATILE = {"duration_ms", "expires_at", "minutes_left", "user_id"}

# The hosts' interpreter: the module runs as a child, so that its peak
# memory and that of every process it waited for can be logged.
HOST_WRAPPER = """#!/usr/bin/python3
import json, os, resource, subprocess, sys, time
started = time.monotonic()
rc = subprocess.call(["/usr/bin/python3"] + sys.argv[1:])
seconds = round(time.monotonic() - started, 1)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
name = os.path.basename(sys.argv[-1]) if len(sys.argv) > 1 else "?"
with open("MODULE_LOG", "a") as log:
    log.write(json.dumps({"module": name, "maxrss_kb": usage.ru_maxrss, "rc": rc, "seconds": seconds}) + "\\n")
sys.exit(rc if rc >= 0 else 128 - rc)
"""
INTERPRETER = "/usr/local/bin/bench-python"
MODULE_LOG = "/var/log/bench-module-rss.jsonl"
HOST_WRAPPER = HOST_WRAPPER.replace("MODULE_LOG", MODULE_LOG)
CONTROLLER_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(rc)\n"
)

# Run as root in the container: processes as (pid, uid, ppid, state, name, cmdline).
PROCESSES = r"""
import json, os
out = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        status = dict(l.split(":", 1) for l in open("/proc/%s/status" % pid) if ":" in l)
        cmd = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        continue
    out.append([int(pid), int(status["Uid"].split()[0]), int(status["PPid"]), status["State"].split()[0],
                status["Name"].strip(), cmd.strip()[:120]])
print(json.dumps(out))
"""
# Run as root in the container: a digest of each user's files, never
# following a link or opening anything but a regular file.
DIGESTS = r"""
import hashlib, json, os, stat, sys
names = (".aws/config", ".aws/credentials", ".bashrc", ".profile", ".bash_profile", ".bash_login", ".zshenv",
         ".zshrc", ".zprofile", ".config/fish/config.fish", ".config/fish/conf.d/labcloud-aws-sso.fish")
out = {}
for user in json.load(sys.stdin):
    home = "/home/" + user
    entry = {}
    for name in names:
        path = os.path.join(home, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            entry[name] = "not a regular file (mode %o)" % st.st_mode
            continue
        with open(path, "rb") as handle:
            entry[name] = hashlib.sha256(handle.read(1 << 20)).hexdigest()[:16]
    aws = os.path.join(home, ".aws")
    entry["~/.aws entries"] = sorted(os.listdir(aws)) if os.path.isdir(aws) else None
    out[user] = entry
print(json.dumps(out))
"""
# Run as root in the container: writes {user: token file text} as each
# user's SSO token cache, owned by the user, as the CLI leaves it.
WRITE_TOKENS = r"""
import json, os, pwd, sys
files = json.load(sys.stdin)
for user, (relpath, text) in files.items():
    entry = pwd.getpwnam(user)
    path = os.path.join(entry.pw_dir, relpath)
    parts = relpath.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = os.path.join(entry.pw_dir, *parts[:depth])
        if not os.path.isdir(folder):
            os.mkdir(folder, 0o700)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, text.encode())
    os.close(fd)
    os.chown(path, entry.pw_uid, entry.pw_gid)
"""


def sh(container, *argv, user=None, detach=False, stdin=None, check=True):
    """A command in the container, as root or (runuser) as a user."""
    prefix = ["runuser", "-u", user, "--"] if user else []
    args = ["exec", "-i"] if stdin is not None else ["exec"]
    if detach:
        args.append("-d")
    run = subprocess.run(
        ["podman", *args, container, *prefix, *argv], input=stdin, capture_output=True, text=True, check=False
    )
    if check and run.returncode != 0:
        raise SystemExit("in %s: %s failed (%d): %s" % (container, argv, run.returncode, run.stderr[-2000:]))
    return run


def processes(container):
    return json.loads(sh(container, "python3", "-c", PROCESSES).stdout)


def user_processes(container, uids):
    return {p[0]: p for p in processes(container) if p[1] in uids}


def uids_of(container, users):
    lines = sh(container, "getent", "passwd", *users).stdout.splitlines()
    return {int(line.split(":")[2]): line.split(":")[0] for line in lines}


def wait_for(container, user_uid, name, known):
    """Pid of a new process `name` of the user (started detached just before)."""
    for _attempt in range(100):
        for pid, proc in user_processes(container, {user_uid}).items():
            if proc[4] == name and pid not in known:
                return pid
        time.sleep(0.1)
    raise SystemExit("in %s: no %s process of uid %d appeared" % (container, name, user_uid))


# -- what the users have before a run ------------------------------------------


def add_users(container):
    script = " && ".join(
        "useradd -m -s /bin/bash -u %d %s" % (FIRST_UID + index, name) for index, name in enumerate(USER_NAMES)
    )
    sh(container, "sh", "-c", script)


def give_tokens(container, users, testbed):
    """A valid sign-in for every user, minted by the local Identity Center as
    it mints one for a device-code sign-in (same client, tokens and
    lifetime), and written where and as the CLI writes it. 40 CLI sign-ins
    through the device-code flow would take minutes and measure nothing."""
    store = testbed.store
    scopes = ["sso:account:access"]
    client = store.register_client({"clientName": "labcloud-contained-bench", "clientType": "public"})
    registration_end = sso_cache.format_time(
        datetime.datetime.fromtimestamp(client["clientSecretExpiresAt"], datetime.timezone.utc)
    )
    relpath = os.path.relpath(sso_cache.token_path("/h", SESSION), "/h")
    files = {}
    with store._lock:  # noqa: SLF001 - the test server's own minting, as CreateToken does it
        for user in users:
            minted = store._mint_tokens(user, client["clientId"], scopes)  # noqa: SLF001
            expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=minted["expiresIn"])
            token = {
                "startUrl": testbed.start_url,
                "region": testbed.region,
                "accessToken": minted["accessToken"],
                "expiresAt": sso_cache.format_time(expires),
                "clientId": client["clientId"],
                "clientSecret": client["clientSecret"],
                "registrationExpiresAt": registration_end,
                "refreshToken": minted["refreshToken"],
            }
            files[user] = [relpath, json.dumps(token, separators=(",", ":"))]
    sh(container, "python3", "-c", WRITE_TOKENS, stdin=json.dumps(files))


def misbehave(container, uids):
    """Set the 5 hostile users up, each as that user, and check that each
    trap really works before the run."""
    by_name = {name: uid for uid, name in uids.items()}
    lock, fifo, pagemap, noisy, bomb = HOSTILE
    token_file = sso_cache.token_path("/home/%s" % fifo, SESSION)

    known = set(user_processes(container, {by_name[lock]}))
    sh(container, "flock", "/home/%s/.aws" % lock, "flock", "/home/%s" % lock, "sleep", "3600", user=lock, detach=True)
    wait_for(container, by_name[lock], "sleep", known)
    for path in ("/home/%s/.aws" % lock, "/home/%s" % lock):
        held = sh(container, "flock", "-n", path, "true", check=False)
        if held.returncode == 0:
            raise SystemExit("the lock on %s is not held" % path)

    sh(container, "sh", "-c", 'rm -f "$1" && mkfifo -m 600 "$1" && test -p "$1"', "sh", token_file, user=fifo)

    known = set(user_processes(container, {by_name[pagemap]}))
    sh(container, "sleep", "3600", user=pagemap, detach=True)
    pid = wait_for(container, by_name[pagemap], "sleep", known)
    config = "/home/%s/.aws/config" % pagemap
    sh(container, "ln", "-sfn", "/proc/%d/pagemap" % pid, config, user=pagemap)
    streamed = sh(container, "sh", "-c", 'head -c 1048576 "$1" | wc -c', "sh", config, user=pagemap).stdout.strip()
    if streamed != "1048576":
        raise SystemExit("%s does not stream pagemap (read %s bytes)" % (config, streamed))

    for user, line in ((noisy, "head -c 3G /dev/zero"), (bomb, "b(){ b|b& };b")):
        sh(container, "sh", "-c", 'printf "%s\\n" "$1" >> "$HOME/.bashrc"', "sh", line, user=user)


# -- one playbook run --------------------------------------------------------------


def install_wrapper(container):
    sh(container, "sh", "-c", "cat > %s && chmod 755 %s" % (INTERPRETER, INTERPRETER), stdin=HOST_WRAPPER)


def snapshot_collection(workdir):
    """A copy of the built collection for this run alone: `make collection`
    elsewhere on the machine rebuilds build/collections in place, and a
    playbook that runs meanwhile fails half-way."""
    source = COLLECTIONS / "ansible_collections" / "labcloud" / "aws_sso"
    target = workdir / "collections" / "ansible_collections" / "labcloud" / "aws_sso"
    with open(REPO / "build" / ".collection.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.copytree(source, target, symlinks=True)
    return target


def run_playbook(workdir, container, playbook, variables, label):
    """Run a playbook against the container; wall clock, exit code, the json
    callback's document and the controller's peak RSS."""
    label = re.sub(r"[^A-Za-z0-9]+", "-", label)
    inventory = workdir / ("inventory-%s.ini" % label)
    inventory.write_text(
        "[lab]\n%s ansible_connection=containers.podman.podman ansible_python_interpreter=%s\n"
        % (container, INTERPRETER)
    )
    varfile = workdir / ("vars-%s.json" % label)
    varfile.write_text(json.dumps(variables))
    rss_file = workdir / ("controller-rss-%s" % label)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(workdir / "collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
    )
    command = [str(VENV_BIN / "ansible-playbook"), playbook, "-i", str(inventory), "-e", "@%s" % varfile]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CONTROLLER_WRAPPER, str(rss_file), *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=GIVE_UP)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        hung = True
    wall = time.perf_counter() - started
    lines = out.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "{"), None)
    document = json.loads("".join(lines[start:])) if start is not None else None
    return dict(
        tasks=task_seconds(document),
        wall=wall,
        rc=proc.returncode,
        hung=hung,
        output=document,
        stderr=err[-3000:],
        controller_kb=int(rss_file.read_text()) if rss_file.exists() else None,
    )


def task_seconds(document):
    """[(task name, seconds)] of the tasks that ran (were not skipped), in order."""
    out = []
    for play in (document or {}).get("plays", []):
        for task in play["tasks"]:
            if all(result.get("skipped") for result in task["hosts"].values()):
                continue
            times = task["task"].get("duration") or {}
            if times.get("start") and times.get("end"):
                seconds = datetime.datetime.fromisoformat(times["end"].rstrip("Z")) - datetime.datetime.fromisoformat(
                    times["start"].rstrip("Z")
                )
                out.append((task["task"]["name"], round(seconds.total_seconds(), 1)))
    return out


def user_results(document, container):
    """user -> {task name: that user's result, times left out}; the tasks
    that failed on the host (name -> message); user -> seconds of the user's
    part where a result says (duration_ms)."""
    users, failed, seconds = {}, {}, {}
    for play in (document or {}).get("plays", []):
        for task in play["tasks"]:
            result = task["hosts"].get(container)
            if not result:
                continue
            name = task["task"]["name"]
            if result.get("failed"):
                failed[name] = result.get("msg", "")
            for entry in result.get("users") or []:
                if isinstance(entry, dict) and "user" in entry:
                    users.setdefault(entry["user"], {})[name] = stable(entry)
                    if entry.get("duration_ms") is not None:
                        seconds[entry["user"]] = entry["duration_ms"] / 1000
    return users, failed, seconds


def stable(value):
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def module_peaks(container):
    """The module runs logged since the last reset: [{module, maxrss_kb, rc, seconds}]."""
    lines = sh(container, "sh", "-c", "cat %s 2>/dev/null; : > %s" % (MODULE_LOG, MODULE_LOG)).stdout.splitlines()
    runs = [json.loads(line) for line in lines if line.strip()]
    for run in runs:
        run["module"] = re.sub(r"^AnsiballZ_|\.py$", "", run["module"])
    return runs


def container_peak(container):
    """The container's memory peak since the last reset (cgroup v1; None elsewhere), then reset it."""
    cid = podman("inspect", "--format", "{{.Id}}", container).stdout.strip()
    for path in (
        Path("/sys/fs/cgroup/memory/libpod_parent/libpod-%s/memory.max_usage_in_bytes" % cid),
        Path("/sys/fs/cgroup/memory/machine.slice/libpod-%s.scope/memory.max_usage_in_bytes" % cid),
    ):
        if path.exists():
            peak = int(path.read_text())
            path.write_text("0")
            return peak
    return None


# -- one scenario --------------------------------------------------------------------


def prepare(workdir, mirror, testbed, container, hostile, base):
    """Users, the wrapper interpreter, the AWS CLI (the shell check runs it),
    sign-ins and the traps: nothing of it measured. Returns {uid: user}."""
    add_users(container)
    install_wrapper(container)
    prep = dict(base, aws_sso_users=[], aws_sso_verify=False, **mirror_vars(mirror, workdir))
    done = run_playbook(workdir, container, "labcloud.aws_sso.setup", prep, container + "-cli")
    if done["rc"] != 0:
        failed = user_results(done["output"], container)[1]
        raise SystemExit("installing the AWS CLI failed: %s\n%s" % (failed, done["stderr"]))
    uids = uids_of(container, USER_NAMES)
    give_tokens(container, USER_NAMES, testbed)
    if hostile:
        misbehave(container, uids)
    return uids


def measure_step(workdir, container, playbook, variables, label, uids, started_for_users):
    """One timed playbook and everything measured around it."""
    run = run_playbook(workdir, container, playbook, variables, label)
    left = user_processes(container, set(uids))
    run["left"] = [proc for pid, proc in left.items() if pid not in started_for_users]
    run["modules"] = module_peaks(container)
    top = max(run["modules"], key=lambda r: r["maxrss_kb"], default={"maxrss_kb": None, "module": None})
    run["module_kb"], run["module_top"] = top["maxrss_kb"], top["module"]
    run["container_bytes"] = container_peak(container)
    run["users"], run["failed_tasks"], run["seconds"] = user_results(run.pop("output"), container)
    print(
        "%s: %.1f s, rc %d%s, %d process(es) left, module peak %s KiB (%s), controller %s KiB"
        % (
            label,
            run["wall"],
            run["rc"],
            " (HUNG, ended)" if run["hung"] else "",
            len(run["left"]),
            run["module_kb"],
            run["module_top"],
            run["controller_kb"],
        ),
        flush=True,
    )
    for task, message in run["failed_tasks"].items():
        print("  failed: %s: %s" % (task, message[:600]), flush=True)
    return run


def scenario(workdir, mirror, testbed, hostile, base):
    """Setup then verify on a fresh container; everything measured."""
    label = "hostile" if hostile else "clean"
    with Hosts(1, 0, RUN_ARGS) as hosts:
        container = hosts.names[0]
        uids = prepare(workdir, mirror, testbed, container, hostile, base)
        # The lock holders and the `sleep` are the bench's, not the run's.
        started_for_users = user_processes(container, set(uids))
        module_peaks(container)
        container_peak(container)
        steps = {}
        for step, playbook, variables in (
            ("setup", "labcloud.aws_sso.setup", dict(base, aws_sso_install_cli=False, aws_sso_verify=False)),
            (
                "verify",
                "labcloud.aws_sso.verify",
                dict(base, verify_check="shell", verify_report_dir=str(workdir / ("report-" + label))),
            ),
        ):
            label_step = "%s %s" % (label, step)
            steps[step] = measure_step(workdir, container, playbook, variables, label_step, uids, started_for_users)
        steps["files"] = json.loads(sh(container, "python3", "-c", DIGESTS, stdin=json.dumps(USER_NAMES)).stdout)
        return steps


# -- the comparison ------------------------------------------------------------------


def compare(clean, hostile, users):
    """Per well-behaved user: which parts (setup, verify, files) match the clean run."""
    parts = {"setup": [], "verify": [], "files": []}
    for user in users:
        if user in HOSTILE:
            continue
        for part in ("setup", "verify"):
            if clean[part]["users"].get(user) != hostile[part]["users"].get(user):
                parts[part].append(user)
        if clean["files"].get(user) != hostile["files"].get(user):
            parts["files"].append(user)
    differing = sorted(set().union(*parts.values()))
    return parts, differing


def first_difference(a, b, path=""):
    """Where two results first differ, for the report."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            where = "%s.%s" % (path, key) if path else str(key)
            if key not in b:
                return "%s: %s -> (no result: it did not run)" % (where, short(a[key]))
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), where)
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, "%s[%d]" % (path, index))
        return None
    return "%s: %s -> %s" % (path, short(a), short(b))


def short(value, size=160):
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= size else text[: size - 3] + "..."


def statuses(run):
    """How many profile rows got each status in a run."""
    counts = collections.Counter()
    for results in run["users"].values():
        for result in results.values():
            counts.update(row["status"] for row in result.get("profiles") or [])
    return counts


def hostile_outcome(run, user):
    """What a hostile user got in one step: statuses, or the error of each task."""
    results = run["users"].get(user) or {}
    if not results:
        return "no result"
    said = []
    for task, result in results.items():
        rows = result.get("profiles")
        if rows is not None:
            said.extend(
                "%s: `%s`%s"
                % (r["profile"], r["status"], " (%s)" % short(r["message"], 220) if r.get("message") else "")
                for r in rows
            )
        elif result.get("failed") or result.get("msg"):
            said.append("%s: failed: %s" % (task, short(result.get("msg") or "", 220)))
    return "; ".join(said) or "ok in every task"


# -- the report -------------------------------------------------------------------------


def mib(kib):
    return "n/a" if kib is None else "%.0f MiB" % (kib / 1024)


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def intro(deadline, deadline_how, command):
    lines = [
        START,
        "",
        "## One host, 40 users, 5 of them misbehaving at once (issue 16)",
        "",
        "Measured %s on this machine (%d cores) with `%s`." % (datetime.date.today(), os.cpu_count(), command),
        "One container of the Debian 12 test image (`podman run %s`), 40 users, each signed in: the local"
        % " ".join(RUN_ARGS),
        "Identity Center mints each user a token as a device-code sign-in would, and the bench writes it to the",
        "user's token cache (40 CLI sign-ins would take minutes and measure nothing here). The AWS CLI is",
        "installed before the timed runs. Timed: `labcloud.aws_sso.setup` (aws_sso_install_cli: false,",
        "aws_sso_verify: false), then `labcloud.aws_sso.verify` with `verify_check: shell`, once on a fresh",
        "container (clean) and once on another fresh container where these 5 users misbehave at once (hostile):",
        "",
    ]
    lines += ["- `%s`: %s" % (user, what) for user, what in HOSTILE.items()]
    lines += [
        "",
        "Each trap is checked before the run (the lock is held, the FIFO is one, the link streams). Deadline of a",
        "user's part: **%d s** (%s)." % (deadline, deadline_how),
        "",
    ]
    return lines


def figures_table(clean, hostile, deadline):
    lines = [
        "| playbook | clean: wall | hostile: wall | target: deadline + %.1fx clean | met | exit code (clean / hostile) "
        "| statuses (clean / hostile) | module peak RSS (clean / hostile) | controller peak RSS (clean / hostile) "
        "| container memory peak (clean / hostile) | processes left (clean / hostile) |" % CLEAN_FACTOR,
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for step in ("setup", "verify"):
        a, b = clean[step], hostile[step]
        target = deadline + CLEAN_FACTOR * a["wall"]
        lines.append(
            "| %s | %.1f s | %.1f s%s | %.1f s | %s | %d / %d | %s / %s | %s (%s) / %s (%s) | %s / %s | %s / %s "
            "| %d / %d |"
            % (
                step,
                a["wall"],
                b["wall"],
                " (hung: ended)" if b["hung"] else "",
                target,
                "yes" if b["wall"] <= target and not b["hung"] else "**no**",
                a["rc"],
                b["rc"],
                counts_text(a),
                counts_text(b),
                mib(a["module_kb"]),
                a["module_top"],
                mib(b["module_kb"]),
                b["module_top"],
                mib(a["controller_kb"]),
                mib(b["controller_kb"]),
                mib(a["container_bytes"] and a["container_bytes"] / 1024),
                mib(b["container_bytes"] and b["container_bytes"] / 1024),
                len(a["left"]),
                len(b["left"]),
            )
        )
    return lines + [""]


def counts_text(run):
    counts = statuses(run)
    return ", ".join("%d %s" % (n, status) for status, n in sorted(counts.items())) or "-"


def correctness(clean, hostile):
    parts, differing = compare(clean, hostile, USER_NAMES)
    well = USERS - len(HOSTILE)
    lines = [
        "- Well-behaved users whose results are identical to the clean run: **%d of %d** (target: all %d);"
        " setup results differ for %d, verify results for %d, files for %d."
        % (well - len(differing), well, well, len(parts["setup"]), len(parts["verify"]), len(parts["files"]))
    ]
    if differing:
        lines.append(
            "  - Of them, ~/.aws/config identical for %d and verify's profile rows (status, account, role, token"
            " state, messages) identical for %d; the rest of the differences:" % narrower(clean, hostile)
        )
    for part in ("setup", "verify"):
        if parts[part]:
            user = parts[part][0]
            where = first_difference(clean[part]["users"].get(user), hostile[part]["users"].get(user))
            lines.append(
                "  - First difference in %s (%s, and %d more): `%s`"
                % (part, user, len(parts[part]) - 1, short(where, 400).replace("`", "'"))
            )
    return lines


def narrower(clean, hostile):
    """(users with the same ~/.aws/config, users with the same verify profile rows) among the well-behaved."""
    same_config = same_rows = 0
    for user in USER_NAMES:
        if user in HOSTILE:
            continue
        same_config += clean["files"].get(user, {}).get(".aws/config") == hostile["files"].get(user, {}).get(
            ".aws/config"
        )
        rows = [
            [result.get("profiles") for result in run["verify"]["users"].get(user, {}).values()]
            for run in (clean, hostile)
        ]
        same_rows += rows[0] == rows[1]
    return same_config, same_rows


def timeline(clean, hostile):
    lines = []
    for step in ("setup", "verify"):
        run = hostile[step]
        for task, message in run["failed_tasks"].items():
            lines.append("- Failed on the host in the hostile %s: %s: %s" % (step, task, short(message, 400)))
        ran = {name for name, _seconds in run["tasks"]}
        missing = [name for name, _seconds in clean[step]["tasks"] if name not in ran]
        if missing:
            lines.append(
                "- Ran in the clean %s but not in the hostile one (Ansible ends a host's play at its first failed"
                " task): %s" % (step, "; ".join(missing))
            )
        slow = sorted(run["tasks"], key=lambda item: -item[1])[:3]
        if not slow:
            lines.append(
                "- Hostile %s: no task timings (no json output; stderr: %s)" % (step, short(run["stderr"], 300))
            )
            continue
        lines.append(
            "- Hostile %s, slowest tasks: %s; module runs on the host: %s."
            % (
                step,
                "; ".join("%s %.1f s" % (name, seconds) for name, seconds in slow),
                ", ".join("%s %.1f s" % (m["module"], m["seconds"]) for m in run["modules"] if m["seconds"] >= 1)
                or "none over 1 s",
            )
        )
        for proc in run["left"]:
            lines.append(
                "- Left after the hostile %s: pid %d uid %d state %s `%s`" % (step, proc[0], proc[1], proc[3], proc[5])
            )
    return lines


def hostile_table(clean, hostile):
    lines = [
        "",
        "What the 5 got in the hostile run:",
        "",
        "| user | setup | verify (shell check) | verify: time of the user's part (duration_ms) |",
        "|---|---|---|---|",
    ]
    for user in HOSTILE:
        took = hostile["verify"]["seconds"].get(user)
        lines.append(
            "| %s | %s | %s | %s |"
            % (
                user,
                cell(hostile_outcome(hostile["setup"], user)),
                cell(hostile_outcome(hostile["verify"], user)),
                "n/a" if took is None else "%.1f s" % took,
            )
        )
    lines += ["", "- Verify, time of a well-behaved user's part: %s." % part_times(clean, hostile)]
    return lines


def part_times(clean, hostile):
    said = []
    for name, run in (("clean", clean), ("hostile", hostile)):
        times = sorted(s for user, s in run["verify"]["seconds"].items() if user not in HOSTILE)
        if times:
            said.append("%s median %.1f s, max %.1f s" % (name, times[len(times) // 2], times[-1]))
    return "; ".join(said) or "n/a"


def report(clean, hostile, deadline, deadline_how, command):
    lines = intro(deadline, deadline_how, command)
    lines += figures_table(clean, hostile, deadline)
    lines += correctness(clean, hostile)
    lines += timeline(clean, hostile)
    lines += hostile_table(clean, hostile)
    lines += [
        "",
        "Module peak RSS: the largest ru_maxrss of RUSAGE_CHILDREN logged by a wrapper interpreter around each",
        "module run on the host (the module and every process it waited for: users' parts, shells, CLIs; the",
        "largest single process, not a sum). Controller: the same around ansible-playbook. Container memory peak:",
        "the cgroup's memory.max_usage_in_bytes during the playbook (cgroup v1: page cache included). Processes",
        "left: processes of the 40 users in the container after the playbook, other than the lock holders and the",
        "`sleep` the bench started for them.",
        "",
        END,
    ]
    return "\n".join(lines)


def role_timeout_variable(root):
    """The playbook or role variable that sets user_timeout, and its default, if the collection has one."""
    texts = [path.read_text() for path in sorted(root.glob("playbooks/*.yml")) + [root / "roles/sso/defaults/main.yml"]]
    names = sorted(
        {name for text in texts for name in re.findall(r"\b(aws_sso_user_timeout|\w+_user_timeout)\b", text)}
    )
    if not names:
        return None, None
    default = re.search(r"^%s:\s*(\d+)" % names[0], texts[-1], re.M)
    return names[0], int(default.group(1)) if default else None


def deadline_setting(root, requested):
    """(variable to set or None, deadline in seconds, how the report says it was set)."""
    variable, role_default = role_timeout_variable(root)
    if requested:
        if not variable:
            raise SystemExit("the collection has no variable for user_timeout; run without --user-timeout")
        return variable, requested, "set with `-e %s=%d`" % (variable, requested)
    deadline = role_default or DEFAULT_DEADLINE
    if variable:
        return None, deadline, "`%s` not set: the role's and the modules' default" % variable
    return None, deadline, "the modules' default user_timeout; the playbooks have no variable to change it"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--user-timeout", type=int, help="deadline of a user's part, through the role's variable")
    parser.add_argument("--only", choices=["clean", "hostile"], help="one scenario (for debugging; no report)")
    parser.add_argument("--dump", type=Path, help="also write every figure and result as JSON to this file")
    args = parser.parse_args(argv)
    command = shlex.join([".venv/bin/python", "bench/contained_fleet.py", *(sys.argv[1:] if argv is None else argv)])
    results = {}
    with tempfile.TemporaryDirectory(prefix="labcloud-contained-bench-") as tmp, MirrorServer() as mirror:
        workdir = Path(tmp)
        variable, deadline, how = deadline_setting(snapshot_collection(workdir), args.user_timeout)
        with idc.Testbed(directory(USER_NAMES)) as testbed:
            base = lab(testbed, USER_NAMES)
            if variable:
                base[variable] = deadline
            for name in ("clean", "hostile"):
                if args.only in (None, name):
                    results[name] = scenario(workdir, mirror, testbed, name == "hostile", base)
    if args.dump:
        args.dump.write_text(json.dumps(results, indent=1, default=str))
    if args.only:
        for step in ("setup", "verify"):
            print(args.only, step, "statuses:", dict(statuses(results[args.only][step])))
        return
    section = report(results["clean"], results["hostile"], deadline, how, command)
    print(section)
    if args.write_docs:
        write_docs(section, START, END)


if __name__ == "__main__":
    main()
