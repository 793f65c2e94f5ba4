# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Benchmarks of labcloud.aws_sso.aws_config against what users do today.

Scenarios (all by default, pick with --scenario):
  module    one aws_config task declaring 1 sso-session + 50 profiles, first run and no-op re-run
  ini_file  the same declaration as community.general.ini_file, one loop item per key
  cli       the same declaration as one `aws configure set` call per key (real AWS CLI v2)
  large     one key of one profile changed in a 2,000-profile file: config_edit.apply
            CPU and peak memory in-process, then the whole ansible-playbook run

Each scenario is its own file (bench/config_<scenario>.py, runnable alone);
this script runs them and reports. Figures are printed; docs/benchmarks.md is rewritten only with --write-docs.
Run `make collection` first: playbooks use the collection installed in
build/collections, and the in-process figures import that same copy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import config_cli
import config_ini_file
import config_large
import config_module
from config_declaration import TARGETS
from config_large import LARGE_PROFILES, LARGE_TARGET
from harness import COLLECTIONS, INSTALLED, REPO, TARGET_PYTHON, BenchError, Results, fmt, ratio, verdict, write_section

# REFERENCE.md, "Measured here (anchor side of the benchmarks)".
ANCHORS = dict(ini_first=48.3, ini_rerun=48.5, cli=121.3)


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
    write_section(section, BEGIN, END, skeleton=DOC_SKELETON.format(begin=BEGIN, end=END))


SCENARIOS = dict(module=config_module.run, ini_file=config_ini_file.run, cli=config_cli.run, large=config_large.run)


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
