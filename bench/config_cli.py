# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Scenario cli: the same declaration as one `aws configure set` call per key (the real AWS CLI v2).

.venv/bin/python bench/config_cli.py [--repeat N]   (bench/run.py --scenario cli)
"""

from __future__ import annotations

import subprocess
import sys
import time

from config_declaration import check_view, expected_view, key_items, remove_config, small_declaration
from harness import BenchError, Sandbox, children_cpu, show

from tests.testbed.paths import AWSCLI_LATEST, awscli_bin


def run(results, root, args):
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


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--scenario", "cli", *sys.argv[1:]]))
