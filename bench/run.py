# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Benchmarks of labcloud.aws_sso.aws_config against what users do today.

Scenarios (all by default, pick with --scenario):
  module    one aws_config task declaring 1 sso-session + 50 profiles, first run and no-op re-run
  ini_file  the same declaration as community.general.ini_file, one loop item per key
  cli       the same declaration as one `aws configure set` call per key (real AWS CLI v2)
  large     one key of one profile changed in a 2,000-profile file: config_edit.apply
            CPU and peak memory in-process, then the whole ansible-playbook run

Figures are printed; docs/benchmarks.md is rewritten only with --write-docs.
Run `make collection` first: playbooks use the collection installed in
build/collections, and the in-process figures import that same copy.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.testbed.paths import AWSCLI_LATEST, awscli_bin  # noqa: E402

COLLECTIONS = Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH") or REPO / "build" / "collections").resolve()
INSTALLED = COLLECTIONS / "ansible_collections" / "labcloud" / "aws_sso"
CALLBACKS = REPO / "bench" / "callback_plugins"
DOC = REPO / "docs" / "benchmarks.md"
VENV_BIN = Path(sys.executable).parent
ANSIBLE_PLAYBOOK = VENV_BIN / "ansible-playbook"
# What a managed host looks like: the system Python, no extra packages. The
# pyenv shims that interpreter discovery would pick on this machine fail.
TARGET_PYTHON = "/usr/bin/python3"

SMALL_PROFILES = 50
LARGE_PROFILES = 2000
LARGE_TARGET = "team1000"
LARGE_NEW_REGION = "sa-east-1"

TARGETS = dict(ini_file=20.0, cli=50.0, edit_cpu=0.3)
# REFERENCE.md, "Measured here (anchor side of the benchmarks)".
ANCHORS = dict(ini_first=48.3, ini_rerun=48.5, cli=121.3)

SESSION = dict(
    name="corp",
    sso_start_url="https://corp-bench.awsapps.com/start",
    sso_region="us-east-1",
    sso_registration_scopes="sso:account:access",
)
SESSION_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")
PROFILE_KEYS = ("sso_session", "sso_account_id", "sso_role_name", "region", "output")
ROLES = ("ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2")
OUTPUTS = ("json", "yaml", "text")


def profile(index, width=2):
    return dict(
        name="team%0*d" % (width, index),
        sso_session=SESSION["name"],
        # A leading zero on purpose: it must survive every writer.
        sso_account_id="%012d" % (12345670000 + index),
        sso_role_name=ROLES[index % len(ROLES)],
        region=REGIONS[index % len(REGIONS)],
        output=OUTPUTS[index % len(OUTPUTS)],
    )


def small_declaration():
    return [dict(SESSION)], [profile(i) for i in range(SMALL_PROFILES)]


def key_items(sessions, profiles):
    """(kind, name, key, value) for every key: one ini_file item or CLI call each."""
    items = []
    for session in sessions:
        items.extend(("sso-session", session["name"], key, session[key]) for key in SESSION_KEYS)
    for prof in profiles:
        items.extend(("profile", prof["name"], key, prof[key]) for key in PROFILE_KEYS)
    return items


def expected_view(sessions, profiles):
    return dict(
        sso_sessions={s["name"]: {k: s[k] for k in SESSION_KEYS} for s in sessions},
        profiles={p["name"]: {k: p[k] for k in PROFILE_KEYS} for p in profiles},
    )


def botocore_view(path):
    """What botocore makes of a config file: the only view that matters to users."""
    from botocore.configloader import load_config

    loaded = load_config(str(path))
    return dict(sso_sessions=loaded.get("sso_sessions", {}), profiles=loaded.get("profiles", {}))


class BenchError(Exception):
    pass


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
        cmd = [
            str(ANSIBLE_PLAYBOOK),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter=%s" % TARGET_PYTHON,
            str(playbook),
        ]
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


def first_and_rerun(results, sandbox, key, label, tasks, repeat, verbose, reset):
    """Run a playbook from an empty file, then again on its own output, `repeat` times."""
    playbook = sandbox.playbook(tasks)
    first = results.add(key + "_first", label + ": first run")
    rerun = results.add(key + "_rerun", label + ": no-op re-run")
    for _ in range(repeat):
        reset()
        show(first, *sandbox.run_playbook(playbook, first, True, verbose))
        written = sandbox.config.read_bytes()
        show(rerun, *sandbox.run_playbook(playbook, rerun, False, verbose))
        if sandbox.config.read_bytes() != written:
            raise BenchError("%s: the no-op re-run changed the file" % label)
    return written


def check_view(results, label, path, expected):
    view = botocore_view(path)
    if view != expected:
        problems = []
        for part in ("sso_sessions", "profiles"):
            for name in sorted(set(view[part]) | set(expected[part])):
                if view[part].get(name) != expected[part].get(name):
                    problems.append(
                        "%s %s: got %r, declared %r" % (part, name, view[part].get(name), expected[part].get(name))
                    )
        raise BenchError("%s: botocore reads a different config:\n  %s" % (label, "\n  ".join(problems[:10])))
    results.checks.append(
        "%s: botocore reads %d sso-session(s) and %d profiles, identical to the declaration"
        % (label, len(view["sso_sessions"]), len(view["profiles"]))
    )


def remove_config(sandbox):
    if sandbox.config.exists():
        sandbox.config.unlink()


def bench_module(results, root, args):
    print("module: labcloud.aws_sso.aws_config, one task", flush=True)
    sessions, profiles = small_declaration()
    sandbox = Sandbox(root, "module")
    task = {
        "name": "Declare the whole config",
        "labcloud.aws_sso.aws_config": dict(path=str(sandbox.config), sso_sessions=sessions, profiles=profiles),
    }
    first_and_rerun(
        results,
        sandbox,
        "module",
        "aws_config (1 task)",
        [task],
        args.repeat,
        args.verbose,
        lambda: remove_config(sandbox),
    )
    check_view(results, "aws_config", sandbox.config, expected_view(sessions, profiles))
    mode = sandbox.config.stat().st_mode & 0o777
    if mode != 0o600:
        raise BenchError("aws_config left mode %o, not 600" % mode)
    # The floor any one-task playbook pays here, to show how much of the
    # module's time is Ansible itself.
    floor = results.add("floor", "ansible.builtin.ping (1 task, the floor)")
    playbook = sandbox.playbook([{"name": "ping", "ansible.builtin.ping": {}}])
    for _ in range(args.repeat):
        show(floor, *sandbox.run_playbook(playbook, floor, False, args.verbose))


def bench_ini_file(results, root, args):
    print("ini_file: community.general.ini_file, one loop item per key", flush=True)
    sessions, profiles = small_declaration()
    sandbox = Sandbox(root, "ini_file")
    items = [
        dict(section=kind if name == "default" else "%s %s" % (kind, name), option=key, value=value)
        for kind, name, key, value in key_items(sessions, profiles)
    ]
    task = {
        "name": "Declare the config key by key",
        "community.general.ini_file": {
            "path": str(sandbox.config),
            "section": "{{ item.section }}",
            "option": "{{ item.option }}",
            "value": "{{ item.value }}",
            "mode": "0600",
        },
        "loop": items,
        "loop_control": {"label": "{{ item.section }} {{ item.option }}"},
    }
    first_and_rerun(
        results,
        sandbox,
        "ini",
        "ini_file (%d loop items)" % len(items),
        [task],
        args.repeat,
        args.verbose,
        lambda: remove_config(sandbox),
    )
    check_view(results, "ini_file", sandbox.config, expected_view(sessions, profiles))


def bench_cli(results, root, args):
    aws = awscli_bin()
    if not aws.exists():
        raise BenchError("%s is missing; build it with: .venv/bin/python -m tests.testbed.awscli" % aws)
    version = subprocess.run([str(aws), "--version"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    results.edit["awscli_version"] = version.stdout.split()[0] if version.stdout else AWSCLI_LATEST
    sessions, profiles = small_declaration()
    items = key_items(sessions, profiles)
    print("cli: %s, `aws configure set` x %d" % (results.edit["awscli_version"], len(items)), flush=True)
    sandbox = Sandbox(root, "cli")
    measure = results.add("cli", "aws configure set (%d calls)" % len(items))
    for _ in range(args.repeat):
        remove_config(sandbox)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(sandbox.home)}
        before_cpu = children_cpu()
        started = time.perf_counter()
        for kind, name, key, value in items:
            flag = "--sso-session" if kind == "sso-session" else "--profile"
            subprocess.run([str(aws), "configure", "set", key, value, flag, name], env=env, check=True)
        wall = time.perf_counter() - started
        measure.walls.append(wall)
        measure.cpus.append(children_cpu() - before_cpu)
        show(measure, wall)
    check_view(results, "aws configure set", sandbox.config, expected_view(sessions, profiles))


def large_text(count):
    """A big but ordinary file: comments, a default profile, nested values, one session."""
    out = [
        "# Generated for labcloud.aws_sso benchmarks: %d SSO profiles.\n" % count,
        "[default]\n",
        "region = us-east-1\n",
        "output = json\n",
        "\n",
        "[sso-session corp]\n",
        "sso_start_url = %s\n" % SESSION["sso_start_url"],
        "sso_region = %s\n" % SESSION["sso_region"],
        "sso_registration_scopes = %s\n" % SESSION["sso_registration_scopes"],
        "\n",
    ]
    for index in range(count):
        prof = profile(index, width=4)
        if index % 100 == 0:
            out.append("# --- accounts %d-%d ---\n" % (index, index + 99))
        out.append("[profile %s]\n" % prof["name"])
        out.extend("%s = %s\n" % (key, prof[key]) for key in PROFILE_KEYS)
        if index % 50 == 7:
            out.extend(["s3 =\n", "    max_concurrent_requests = 20\n", "    multipart_threshold = 64MB\n"])
        out.append("\n")
    out.extend(["[services local-sso]\n", "sso =\n", "    endpoint_url = http://127.0.0.1:9000\n"])
    return "".join(out)


def large_change():
    index = int(LARGE_TARGET[len("team") :])
    changed = profile(index, width=4)
    if changed["region"] == LARGE_NEW_REGION:
        raise BenchError("the large scenario's change would be a no-op")
    changed["region"] = LARGE_NEW_REGION
    return changed


def bench_large(results, root, args):
    print("large: one key of one profile in a %d-profile file" % LARGE_PROFILES, flush=True)
    text = large_text(LARGE_PROFILES)
    change = large_change()
    sys.path.insert(0, str(COLLECTIONS))
    started = time.process_time()
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import ARGUMENT_SPEC
    from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit
    from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import build

    import_cpu = time.process_time() - started
    if not config_edit.__file__.startswith(str(INSTALLED)):
        raise BenchError("imported %s, not the installed collection" % config_edit.__file__)

    started = time.process_time()
    validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(dict(profiles=[change]))
    if validation.error_messages:
        raise BenchError("large: %s" % validation.error_messages)
    declaration = build(validation.validated_parameters)
    build_cpu = time.process_time() - started

    # The first call pays one-off costs (regex compilation, lazy imports
    # inside configupdater), as the first task in a fresh worker does.
    started = time.process_time()
    edit = config_edit.apply(text, declaration)
    cold_cpu = time.process_time() - started
    before, after = text.splitlines(), edit.text.splitlines()
    differing = [(a, b) for a, b in zip(before, after) if a != b]
    if len(before) != len(after) or differing != [("region = %s" % profile(1000, 4)["region"], "region = sa-east-1")]:
        raise BenchError("large: the edit changed more than the one line: %r" % differing[:5])
    results.checks.append("2,000-profile edit: exactly one line differs (region of %s)" % LARGE_TARGET)

    cpus = []
    for _ in range(args.edit_runs):
        started = time.process_time()
        config_edit.apply(text, declaration)
        cpus.append(time.process_time() - started)
    tracemalloc.start()
    config_edit.apply(text, declaration)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median = statistics.median(cpus)
    results.edit.update(
        lines=len(before),
        size=len(text.encode()),
        import_cpu=import_cpu,
        build_cpu=build_cpu,
        cold_cpu=cold_cpu,
        cpus=cpus,
        median=median,
        peak=peak,
    )
    print(
        "  config_edit.apply: median %.4f s CPU of %d runs (first %.4f s), peak %.1f MiB traced"
        % (median, len(cpus), cold_cpu, peak / 2**20),
        flush=True,
    )
    if args.profile or median >= TARGETS["edit_cpu"]:
        results.profile_text = profile_edit(config_edit, text, declaration)
        print(results.profile_text)

    sandbox = Sandbox(root, "large")
    task = {
        "name": "Change one key of one profile",
        "labcloud.aws_sso.aws_config": dict(path=str(sandbox.config), profiles=[change]),
    }

    def reset():
        sandbox.config.write_text(text)
        sandbox.config.chmod(0o600)

    first_and_rerun(
        results, sandbox, "large", "aws_config, 2,000-profile file", [task], args.repeat, args.verbose, reset
    )
    if sandbox.config.read_text() != edit.text:
        raise BenchError("large: the playbook wrote something other than config_edit.apply's result")


def profile_edit(config_edit, text, declaration):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        config_edit.apply(text, declaration)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return "config_edit.apply x3 under cProfile, by own time:\n" + out.getvalue().strip()


def machine_facts(results):
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from ansible.release import __version__ as ansible_core

    general = "unknown"
    try:
        import ansible_collections.community.general as cg

        manifest = json.loads((Path(cg.__path__[0]) / "MANIFEST.json").read_text())
        general = manifest["collection_info"]["version"]
    except (ImportError, OSError, KeyError, ValueError):
        pass
    target = subprocess.run([TARGET_PYTHON, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "plugins"], cwd=REPO, capture_output=True, text=True)
    return [
        ("Date (UTC)", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")),
        ("CPUs (nproc)", str(len(os.sched_getaffinity(0)))),
        ("CPU model", model),
        ("Kernel", platform.release()),
        (
            "Load average (1/5/15 min), start / end",
            "%s / %s" % (loads(results, "load_start"), loads(results, "load_end")),
        ),
        ("Controller Python", platform.python_version()),
        ("Target Python (localhost)", target.replace("Python ", "") + " (%s)" % TARGET_PYTHON),
        ("ansible-core", ansible_core),
        ("community.general", general),
        ("AWS CLI", results.edit.get("awscli_version", "not run")),
        (
            "Collection source",
            "commit %s%s"
            % (commit.stdout.strip(), " + uncommitted changes in plugins/" if dirty.stdout.strip() else ""),
        ),
    ]


def loads(results, key):
    return "/".join("%.1f" % value for value in results.edit[key])


def ratio(slow, fast):
    return slow / fast if slow and fast else None


def ratio_rows(results):
    rows = []
    for label, slow, fast, target in (
        ("ini_file / aws_config, first run (wall)", "ini_first", "module_first", TARGETS["ini_file"]),
        ("ini_file / aws_config, no-op re-run (wall)", "ini_rerun", "module_rerun", TARGETS["ini_file"]),
        ("aws configure set / aws_config, first run (wall)", "cli", "module_first", TARGETS["cli"]),
    ):
        rows.append((label, ratio(results.get(slow), results.get(fast)), target))
    # The slow runs take minutes and the machine's load moves meanwhile; the
    # anchors were measured on a quiet machine, so this is the cautious ratio.
    for label, anchor, fast, target in (
        ("REFERENCE ini_file anchor / aws_config, first run", "ini_first", "module_first", TARGETS["ini_file"]),
        ("REFERENCE ini_file anchor / aws_config, re-run", "ini_rerun", "module_rerun", TARGETS["ini_file"]),
        ("REFERENCE CLI anchor / aws_config, first run", "cli", "module_first", TARGETS["cli"]),
    ):
        rows.append((label, ratio(ANCHORS[anchor], results.get(fast)), target))
    for label, slow, fast in (
        ("ini_file / aws_config, first run (task time)", "ini_first", "module_first"),
        ("ini_file / aws_config, no-op re-run (task time)", "ini_rerun", "module_rerun"),
    ):
        rows.append((label, ratio(results.get(slow, "task"), results.get(fast, "task")), None))
    return rows


def fmt(value, unit=" s", digits=2):
    return "n/a" if value is None else "%.*f%s" % (digits, value, unit)


def verdict(value, target, lower_is_better=False):
    if value is None:
        return "not run"
    met = value < target if lower_is_better else value >= target
    if met:
        return "met"
    if lower_is_better:
        return "MISSED (%.1fx over)" % (value / target)
    return "MISSED (%.0f%% of target)" % (100 * value / target)


def print_table(results, repeat):
    print()
    print("%-52s %10s %10s %10s" % ("measurement (median of %d)" % repeat, "wall", "task", "CPU"))
    for measure in results.measures.values():
        print("%-52s %10s %10s %10s" % (measure.label, fmt(measure.wall), fmt(measure.task), fmt(measure.cpu)))
    print()
    for label, value, target in ratio_rows(results):
        goal = "" if target is None else "target >= %.0fx: %s" % (target, verdict(value, target))
        print("%-52s %10s   %s" % (label, fmt(value, "x", 1), goal))
    if results.edit:
        edit = results.edit
        if "median" in edit:
            print(
                "%-52s %10s   target < %.1f s: %s"
                % (
                    "config_edit.apply, 2,000 profiles (CPU, median)",
                    fmt(edit["median"], " s", 4),
                    TARGETS["edit_cpu"],
                    verdict(edit["median"], TARGETS["edit_cpu"], lower_is_better=True),
                )
            )
            print("%-52s %10s" % ("config_edit.apply peak traced memory", fmt(edit["peak"] / 2**20, " MiB", 1)))
    print()
    for check in results.checks:
        print("check: " + check)


BEGIN = "<!-- bench:begin (written by bench/run.py --write-docs; edit outside these markers) -->"
END = "<!-- bench:end -->"

DOC_SKELETON = """# Benchmarks

What `labcloud.aws_sso.aws_config` costs compared with what users do today,
measured on one machine with `bench/run.py`. Everything between the markers
below is regenerated by `.venv/bin/python bench/run.py --write-docs`; text
outside them is kept.

{begin}
{end}
"""


def doc_section(results, facts, command, repeat):
    r = results
    edit = r.edit
    lines = [
        "## How these figures were made",
        "",
        "```",
        command,
        "```",
        "",
        "`make bench` runs the same script (without `--write-docs`, so it only",
        "prints). Each playbook run is a fresh `ansible-playbook -i localhost, -c local",
        "-e ansible_python_interpreter=%s` in a clean environment with a" % TARGET_PYTHON,
        "throwaway HOME and an empty ansible.cfg (Ansible defaults: no pipelining,",
        "5 forks), `gather_facts: false`. *Wall* is the whole ansible-playbook process",
        "as a user waits for it; *task* is the task alone (from the task-start to the",
        "task-result callback, `bench/callback_plugins/bench_timing.py`); *CPU* is user",
        "+ system time of ansible-playbook and all its children. Each figure is the",
        "median of %d run(s)." % repeat,
        "",
        "### Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines.extend("| %s | %s |" % fact for fact in facts)
    lines += [
        "",
        "## 1. Declaring 1 sso-session + 50 profiles (253 keys) for one user",
        "",
        "One sso-session (3 keys) and 50 profiles with `sso_session`, `sso_account_id`,",
        "`sso_role_name`, `region`, `output` each, written to an empty `~/.aws/config`:",
        "",
        "* **aws_config**: one `labcloud.aws_sso.aws_config` task declaring everything;",
        "* **ini_file**: one `community.general.ini_file` task looping over the 253",
        '  (section, key, value) items, `mode: "0600"`;',
        "* **aws configure set**: 253 calls of the real AWS CLI (`--sso-session corp`",
        "  for the session's keys, `--profile NAME` for the others), run as",
        "  `env -i PATH=/usr/bin:/bin HOME=<tmp> aws configure set KEY VALUE ...`.",
        "",
        "The no-op re-run applies the same playbook to the file the first run wrote;",
        "the benchmark fails unless the task then reports `changed: false` and the file",
        "is byte-for-byte unchanged. After each scenario botocore",
        "(`botocore.configloader.load_config`) reads the file, and the benchmark fails",
        "unless all three give exactly the declared sessions and profiles.",
        "",
        "| Measurement | Wall | Task | CPU | REFERENCE anchor |",
        "|---|---:|---:|---:|---:|",
    ]
    anchors = dict(ini_first=ANCHORS["ini_first"], ini_rerun=ANCHORS["ini_rerun"], cli=ANCHORS["cli"])
    for key in ("module_first", "module_rerun", "floor", "ini_first", "ini_rerun", "cli"):
        m = r.measures.get(key)
        if m is None:
            continue
        anchor = fmt(anchors[key], " s", 1) if key in anchors else ""
        lines.append("| %s | %s | %s | %s | %s |" % (m.label, fmt(m.wall), fmt(m.task), fmt(m.cpu), anchor))
    lines += [
        "",
        "| Ratio | Measured | Target | Verdict |",
        "|---|---:|---:|---|",
    ]
    for label, value, target in ratio_rows(r):
        lines.append(
            "| %s | %s | %s | %s |"
            % (
                label,
                fmt(value, "x", 1),
                "" if target is None else ">= %.0fx" % target,
                "" if target is None else verdict(value, target),
            )
        )
    if edit.get("median") is not None:
        lines += [
            "",
            "## 2. One change in a 2,000-profile file",
            "",
            "A %d-line (%.0f KiB) file: a `[default]`, one sso-session, %d SSO profiles with"
            % (edit["lines"], edit["size"] / 1024, LARGE_PROFILES),
            "comments and some nested `s3 =` blocks, and a `[services]` block. The task",
            "declares profile `%s` with its five keys, one of them (`region`) new. The" % LARGE_TARGET,
            "benchmark checks that exactly that one line changes.",
            "",
            "| Measurement | Value | Target | Verdict |",
            "|---|---:|---:|---|",
            "| `config_edit.apply` CPU (`time.process_time`), median of %d runs | %s | < %.1f s | %s |"
            % (
                len(edit["cpus"]),
                fmt(edit["median"], " s", 4),
                TARGETS["edit_cpu"],
                verdict(edit["median"], TARGETS["edit_cpu"], lower_is_better=True),
            ),
            "| `config_edit.apply` CPU, first call in the process | %s | | |" % fmt(edit["cold_cpu"], " s", 4),
            "| `config_edit.apply` peak traced memory (`tracemalloc`) | %s | | |"
            % fmt(edit["peak"] / 2**20, " MiB", 2),
            "| Argument validation + `declaration.build` CPU | %s | | |" % fmt(edit["build_cpu"], " s", 4),
            "| Importing the editor (configupdater included) CPU | %s | | |" % fmt(edit["import_cpu"], " s", 4),
        ]
        for key in ("large_first", "large_rerun"):
            m = r.measures.get(key)
            if m is not None:
                lines.append("| %s, ansible-playbook wall (task %s) | %s | | |" % (m.label, fmt(m.task), fmt(m.wall)))
    if r.profile_text:
        lines += ["", "```", r.profile_text, "```"]
    lines += ["", "### Checks that passed", ""]
    lines.extend("* %s" % check for check in r.checks)
    lines += [
        "",
        "### REFERENCE anchors",
        "",
        'Measured earlier on this kind of machine (REFERENCE.md, "Measured here"):',
        "ini_file one task per key (253 iterations) %.1f s first run, %.1f s no-op re-run;"
        % (ANCHORS["ini_first"], ANCHORS["ini_rerun"]),
        "253 calls of AWS CLI 2.38.5 `aws configure set` %.1f s." % ANCHORS["cli"],
    ]
    return "\n".join(lines)


def write_docs(results, facts, command, repeat):
    section = doc_section(results, facts, command, repeat)
    text = DOC.read_text() if DOC.exists() else DOC_SKELETON.format(begin=BEGIN, end=END)
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + "\n\n" + BEGIN + "\n" + END + "\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(head + BEGIN + "\n" + section + "\n" + END + tail)
    print("wrote %s" % DOC.relative_to(REPO))


SCENARIOS = dict(module=bench_module, ini_file=bench_ini_file, cli=bench_cli, large=bench_large)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of every timed command; medians are reported")
    parser.add_argument("--edit-runs", type=int, default=7, help="timed config_edit.apply calls (default 7)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of config_edit.apply")
    parser.add_argument("--write-docs", action="store_true", help="rewrite the figures in docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway directories")
    parser.add_argument("--verbose", action="store_true", help="show ansible-playbook output")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.edit_runs < 1:
        parser.error("--repeat and --edit-runs must be at least 1")
    if args.write_docs and args.scenario and set(args.scenario) != set(SCENARIOS):
        parser.error("--write-docs needs every scenario, so the document never mixes runs")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not (INSTALLED / "MANIFEST.json").exists():
        print("no collection installed in %s: run `make collection` first" % COLLECTIONS, file=sys.stderr)
        return 2
    root = tempfile.mkdtemp(prefix="labcloud-bench-")
    results = Results()
    results.edit["load_start"] = os.getloadavg()
    if results.edit["load_start"][0] > len(os.sched_getaffinity(0)):
        print(
            "warning: load average %.1f on %d CPUs: other work is running and the figures will be slower"
            % (results.edit["load_start"][0], len(os.sched_getaffinity(0))),
            flush=True,
        )
    started = time.perf_counter()
    try:
        for name in args.scenario or list(SCENARIOS):
            SCENARIOS[name](results, root, args)
    except (BenchError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print("benchmark failed: %s" % exc, file=sys.stderr)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        return 1
    results.edit["load_end"] = os.getloadavg()
    print_table(results, args.repeat)
    print(
        "load average (1/5/15 min) at start %s, at end %s" % (loads(results, "load_start"), loads(results, "load_end"))
    )
    print("total %.0f s" % (time.perf_counter() - started))
    if args.keep:
        print("kept %s" % root)
    else:
        shutil.rmtree(root, ignore_errors=True)
    if args.write_docs:
        command = ".venv/bin/python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
        write_docs(results, machine_facts(results), re.sub(r"\s+", " ", command).strip(), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
