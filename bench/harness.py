# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""What the benchmarks under bench/ share: where things are, measuring,
formatting, container hosts and writing their section of docs/benchmarks.md.

Each benchmark writes only between its own markers in docs/benchmarks.md;
BENCH_DOC=FILE makes every one of them write to FILE instead (a copy, for
trying a benchmark without touching the committed figures).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.testbed import fleet, paths  # noqa: E402

COLLECTIONS = Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH") or REPO / "build" / "collections").resolve()
INSTALLED = COLLECTIONS / "ansible_collections" / "labcloud" / "aws_sso"
CALLBACKS = REPO / "bench" / "callback_plugins"
DOC = Path(os.environ.get("BENCH_DOC") or REPO / "docs" / "benchmarks.md")
VENV_BIN = Path(sys.executable).parent
ANSIBLE_PLAYBOOK = VENV_BIN / "ansible-playbook"
# What a managed host looks like: the system Python, no extra packages. The
# pyenv shims that interpreter discovery would pick on this machine fail.
TARGET_PYTHON = "/usr/bin/python3"
# The AWS CLI the fleet benchmarks install from the local mirror.
AWSCLI_VERSION = "2.38.5"
IMAGE = paths.IMAGES["bookworm"]


class BenchError(Exception):
    pass


# -- measuring -------------------------------------------------------------------


@dataclass
class Measure:
    key: str
    label: str
    walls: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    cpus: list = field(default_factory=list)

    @staticmethod
    def _median(values):
        return statistics.median(values) if values else None

    @property
    def wall(self):
        return self._median(self.walls)

    @property
    def task(self):
        return self._median(self.tasks)

    @property
    def cpu(self):
        return self._median(self.cpus)


@dataclass
class Results:
    measures: dict = field(default_factory=dict)
    edit: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    profile_text: str = ""

    def add(self, key, label):
        self.measures.setdefault(key, Measure(key, label))
        return self.measures[key]

    def get(self, key, attr="wall"):
        measure = self.measures.get(key)
        return getattr(measure, attr) if measure else None


def children_cpu():
    times = os.times()
    return times.children_user + times.children_system


def localhost_playbook(playbook):
    """ansible-playbook argv running playbook on this machine, with the target's system Python."""
    argv = [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", "-c", "local"]
    return [*argv, "-e", "ansible_python_interpreter=%s" % TARGET_PYTHON, str(playbook)]


class Sandbox:
    """A throwaway HOME (and ansible.cfg) so nothing on the machine leaks in."""

    def __init__(self, root, name):
        self.dir = Path(root) / name
        self.home = self.dir / "home"
        (self.home / ".aws").mkdir(parents=True, mode=0o700)
        self.config = self.home / ".aws" / "config"
        # An empty config shields the runs from /etc/ansible/ansible.cfg.
        self.ansible_cfg = self.dir / "ansible.cfg"
        self.ansible_cfg.write_text("[defaults]\n")
        self.runs = 0

    def ansible_env(self, timing_file):
        return {
            "PATH": "%s:/usr/bin:/bin" % VENV_BIN,
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "ANSIBLE_CONFIG": str(self.ansible_cfg),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timing",
            "ANSIBLE_NOCOLOR": "1",
            "BENCH_TIMING_FILE": str(timing_file),
        }

    def playbook(self, tasks):
        play = [dict(name="bench", hosts="localhost", gather_facts=False, tasks=tasks)]
        path = self.dir / "playbook.yml"
        # JSON is YAML, and keeps account ids quoted as strings.
        path.write_text(json.dumps(play, indent=1))
        return path

    def run_playbook(self, playbook, measure, expect_changed, verbose):
        self.runs += 1
        timing_file = self.dir / ("timing-%d.json" % self.runs)
        cmd = localhost_playbook(playbook)
        before_cpu = children_cpu()
        started = time.perf_counter()
        proc = subprocess.run(
            cmd, cwd=self.dir, env=self.ansible_env(timing_file), capture_output=True, text=True, timeout=1800
        )
        wall = time.perf_counter() - started
        cpu = children_cpu() - before_cpu
        if verbose:
            print(proc.stdout[-3000:])
        if proc.returncode != 0:
            raise BenchError(
                "%s: ansible-playbook exited %d\n%s\n%s"
                % (measure.label, proc.returncode, proc.stdout[-4000:], proc.stderr[-2000:])
            )
        records = json.loads(timing_file.read_text())
        if len(records) != 1 or records[0]["failed"] or records[0]["seconds"] is None:
            raise BenchError("%s: unexpected task records %r" % (measure.label, records))
        if records[0]["changed"] != expect_changed:
            raise BenchError(
                "%s: the task reported changed=%s, expected %s" % (measure.label, records[0]["changed"], expect_changed)
            )
        measure.walls.append(wall)
        measure.tasks.append(records[0]["seconds"])
        measure.cpus.append(cpu)
        return wall, records[0]["seconds"]


def show(measure, wall, task=None):
    extra = "" if task is None else ", task %.2f s" % task
    print("  %-48s %7.2f s wall%s" % (measure.label, wall, extra), flush=True)


# -- formatting ----------------------------------------------------------------------


def fmt(value, unit=" s", digits=2):
    return "n/a" if value is None else "%.*f%s" % (digits, value, unit)


def ratio(slow, fast):
    return slow / fast if slow and fast else None


def verdict(value, target, lower_is_better=False):
    if value is None:
        return "not run"
    met = value < target if lower_is_better else value >= target
    if met:
        return "met"
    if lower_is_better:
        return "MISSED (%.1fx over)" % (value / target)
    return "MISSED (%.0f%% of target)" % (100 * value / target)


def write_section(body, begin, end, skeleton=None):
    """Put body between the begin and end markers of DOC, keeping everything
    outside them; without the markers, append them (to skeleton if there is
    no DOC yet)."""
    text = DOC.read_text() if DOC.exists() else (skeleton or "# Benchmarks\n")
    if begin not in text or end not in text:
        text = text.rstrip("\n") + "\n\n" + begin + "\n" + end + "\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(head + begin + "\n" + body + "\n" + end + tail)
    print("wrote %s" % DOC)


# -- container hosts ----------------------------------------------------------------------


class Hosts(fleet.Fleet):
    """count fresh containers of the Debian 12 test image with `users` lab
    users each, removed on exit; run_args go to `podman run` (resource limits)."""

    def __init__(self, count, users, run_args=()):
        tag = secrets.token_hex(3)
        names = ["bench-%s-%d" % (tag, i) for i in range(count)]
        super().__init__(dict.fromkeys(names, IMAGE), run_args=run_args, command=fleet.SLEEP)
        self.users = ["student%02d" % i for i in range(users)]

    def start(self):
        super().start()
        try:
            for name in self.names:
                fleet.exec_root(name, "sh", "-c", fleet.useradd_script(self.users), check=True)
        except BaseException:
            self.remove()
            raise
        return self


def mirror_vars(mirror, workdir):
    """The awscli role's variables for the local installer mirror and its test key."""
    return {
        "awscli_version": AWSCLI_VERSION,
        "awscli_download_on_controller": True,
        "awscli_controller_cache_dir": str(workdir / "controller-cache"),
        "awscli_base_url": mirror.url,
        "awscli_gpg_key_src": str(paths.GPG / "test-signing.asc"),
        "awscli_gpg_fingerprint": (paths.GPG / "test-signing.fpr").read_text().strip(),
    }


def file_label(label):
    # A comma in an inventory path makes ansible read it as a host list.
    return re.sub(r"[^A-Za-z0-9]+", "-", label)


def playbook_inputs(workdir, label, names, variables, interpreter=TARGET_PYTHON):
    """(inventory, variables file) of one playbook run against containers."""
    label = file_label(label)
    inventory = fleet.write_inventory(workdir / ("inventory-%s.json" % label), names, interpreter)
    varfile = workdir / ("vars-%s.json" % label)
    varfile.write_text(json.dumps(variables))
    return inventory, varfile


def run_fleet_playbook(workdir, playbook, label, names, variables, env, forks):
    """ansible-playbook against the containers names, forks at once: (the run, its wall clock); a failure ends the bench."""
    inventory, varfile = playbook_inputs(workdir, label, names, variables)
    command = [str(ANSIBLE_PLAYBOOK), playbook, "-i", str(inventory), "-f", str(forks), "-e", "@%s" % varfile]
    started = time.perf_counter()
    run = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        # The json callback's document ends with the stats: the failures are far above.
        try:
            said = ["%s: %s: %s" % failed for failed in failed_tasks(json_document(run.stdout))]
        except ValueError:  # not the json callback's output
            said = []
        output = "\n".join(said) + "\n" if said else run.stdout[-6000:]
        raise SystemExit("%s failed (%s):\n%s%s" % (playbook, label, output, run.stderr[-3000:]))
    return run, wall


def failed_tasks(document):
    """(host, task, message) of every failed task result of a json-callback document (None: none)."""
    return [
        (host, task["task"]["name"], str(result.get("msg", ""))[:2000])
        for play in (document or {}).get("plays", [])
        for task in play["tasks"]
        for host, result in task["hosts"].items()
        if result.get("failed")
    ]


def playbook_env(collections=COLLECTIONS, **extra):
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1", **extra)


def json_document(stdout):
    """The json callback's document; what a play prints before it (the report's table) left out."""
    lines = stdout.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "{"), None)
    return json.loads("".join(lines[start:])) if start is not None else None
