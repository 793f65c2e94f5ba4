# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The container of bench/contained_fleet.py: its 40 users and their sign-ins,
the 5 traps of the hostile users, one playbook run against it, and what is
measured in it (processes, memory peaks, per-user results).
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness import ANSIBLE_PLAYBOOK, COLLECTIONS, REPO, file_label, json_document, playbook_env, playbook_inputs

from tests.testbed import fleet

sys.path.insert(0, str(COLLECTIONS))
from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_cache  # noqa: E402

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
    run = fleet.podman(*args, container, *prefix, *argv, input=stdin)
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
    sh(container, "sh", "-c", fleet.useradd_script(USER_NAMES, first_uid=FIRST_UID))


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
    inventory, varfile = playbook_inputs(workdir, label, [container], variables, INTERPRETER)
    rss_file = workdir / ("controller-rss-%s" % file_label(label))
    env = playbook_env(workdir / "collections", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    command = [str(ANSIBLE_PLAYBOOK), playbook, "-i", str(inventory), "-e", "@%s" % varfile]
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
    document = json_document(out)
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
    cid = fleet.podman("inspect", "--format", "{{.Id}}", container, check=True).stdout.strip()
    for path in (
        Path("/sys/fs/cgroup/memory/libpod_parent/libpod-%s/memory.max_usage_in_bytes" % cid),
        Path("/sys/fs/cgroup/memory/machine.slice/libpod-%s.scope/memory.max_usage_in_bytes" % cid),
    ):
        if path.exists():
            peak = int(path.read_text())
            path.write_text("0")
            return peak
    return None
