# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Benchmark of labcloud.aws_sso.sso_profiles: 200 accounts x 3 roles for one user.

The local Identity Center serves a directory of ACCOUNTS accounts with ROLES
roles each; one throwaway user is signed in with the real AWS CLI (device
code), then root runs one sso_profiles task on localhost: first run (600
profiles written), no-op re-run, and a re-run with the portal throttling
every 10th call. Wall clock of each ansible-playbook run and the portal
calls counted by the server are printed as JSON and as a Markdown table.

    make collection && .venv/bin/python bench/profiles.py [--accounts 200] [--roles 3] [--repeat 3]

Needs root (throwaway users) and the real AWS CLI (make testbed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from harness import localhost_playbook, playbook_env

from tests.testbed import idc
from tests.testbed.paths import AWSCLI_LATEST, awscli_dist
from tests.testbed.users import throwaway_users


def directory(accounts, roles):
    ids = ["%012d" % (200000000000 + i) for i in range(accounts)]
    return {
        "start_url": "https://labcloud-bench.awsapps.com/start",
        "region": "eu-west-1",
        "accounts": {a: {"name": "Team %d (lab/%s)" % (i, "é" if i % 7 == 0 else "x")} for i, a in enumerate(ids)},
        "users": {"bench": {"access": {a: ["Role%d" % r for r in range(roles)] for a in ids}}},
    }


def run_play(tmp, testbed, user, workers, prune=True):
    play = tmp / "play.yml"
    task = dict(
        session="lab",
        users=[{"user": user}],
        region="eu-west-1",
        prune=prune,
        workers=workers,
        cli_environment=dict(AWS_ENDPOINT_URL_SSO=testbed.url),
    )
    play.write_text(
        json.dumps(
            [
                dict(
                    hosts="localhost",
                    gather_facts=False,
                    tasks=[{"labcloud.aws_sso.sso_profiles": task}],
                )
            ]
        )
    )
    env = playbook_env()
    command = localhost_playbook(play)
    before = testbed.call_counts()
    started = time.monotonic()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    after = testbed.call_counts()
    calls = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
    changed = "changed=1" in proc.stdout
    return dict(seconds=round(seconds, 2), calls=calls, changed=changed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="no-op re-runs to take the median of")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    aws = awscli_dist(AWSCLI_LATEST) / "aws"
    results = {}
    with idc.Testbed(directory(args.accounts, args.roles)) as testbed, throwaway_users(1) as (entry,):
        cli = idc.CliHome(aws, entry.pw_dir, testbed, session="lab")
        cli.write_sso_config({})
        login = cli.login("bench")
        if login.returncode != 0:
            raise SystemExit(repr(login))
        for base, dirs, files in os.walk(os.path.join(entry.pw_dir, ".aws")):
            for name in [base, *(os.path.join(base, n) for n in dirs + files)]:
                os.lchown(name, entry.pw_uid, entry.pw_gid)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            results["first run"] = run_play(tmp, testbed, entry.pw_name, args.workers)
            reruns = [run_play(tmp, testbed, entry.pw_name, args.workers) for _ in range(args.repeat)]
            results["re-run (median)"] = dict(
                reruns[0],
                seconds=statistics.median(r["seconds"] for r in reruns),
                changed=any(r["changed"] for r in reruns),
            )
            testbed.set_settings(portal_throttle_every=10)
            results["re-run, every 10th call throttled"] = run_play(tmp, testbed, entry.pw_name, args.workers)
            testbed.set_settings(portal_throttle_every=0)
            results["re-run, workers=1"] = run_play(tmp, testbed, entry.pw_name, 1)
        with open(os.path.join(entry.pw_dir, ".aws", "config")) as handle:
            profiles = handle.read().count("[profile ")
    print(json.dumps(dict(accounts=args.accounts, roles=args.roles, profiles=profiles, runs=results), indent=2))
    print()
    print("| run | wall clock | changed | ListAccounts | ListAccountRoles | throttled (429) |")
    print("|---|---:|---|---:|---:|---:|")
    for name, r in results.items():
        throttled = sum(v for k, v in r["calls"].items() if k.endswith(":throttled"))
        print(
            "| %s | %.1f s | %s | %d | %d | %d |"
            % (
                name,
                r["seconds"],
                "yes" if r["changed"] else "no",
                r["calls"].get("ListAccounts", 0),
                r["calls"].get("ListAccountRoles", 0),
                throttled,
            )
        )


if __name__ == "__main__":
    main()
