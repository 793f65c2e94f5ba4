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
import json
import re
import shlex
import sys
import tempfile
from pathlib import Path

from contained_host import (
    DIGESTS,
    RUN_ARGS,
    USER_NAMES,
    add_users,
    container_peak,
    give_tokens,
    install_wrapper,
    misbehave,
    module_peaks,
    run_playbook,
    sh,
    snapshot_collection,
    uids_of,
    user_processes,
    user_results,
)
from contained_report import END, START, report, statuses
from harness import Hosts, mirror_vars, write_section
from verify_fleet import directory, lab

from tests.testbed import idc
from tests.testbed.mirror import MirrorServer

DEFAULT_DEADLINE = 120


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
        write_section(section, START, END)


if __name__ == "__main__":
    main()
