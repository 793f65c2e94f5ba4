# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The docs/benchmarks.md section of bench/contained_fleet.py: the clean and
hostile runs compared, user by user, and the figures of both.
"""

from __future__ import annotations

import collections
import datetime
import json
import os

from contained_host import HOSTILE, RUN_ARGS, USER_NAMES, USERS

START, END = "<!-- contained-bench:start -->", "<!-- contained-bench:end -->"
# Target of the issue: a hostile run costs at most one deadline plus 1.5x the clean run.
CLEAN_FACTOR = 1.5


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
    ]
    return "\n".join(lines)
