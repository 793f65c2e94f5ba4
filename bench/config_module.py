# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Scenario module: one labcloud.aws_sso.aws_config task declaring 1 sso-session + 50 profiles,
first run and no-op re-run, and the one-task floor (ansible.builtin.ping) for comparison.

    .venv/bin/python bench/config_module.py [--repeat N]   (bench/run.py --scenario module)
"""

from __future__ import annotations

import sys

from config_declaration import check_view, expected_view, first_and_rerun, remove_config, small_declaration
from harness import BenchError, Sandbox, show


def run(results, root, args):
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


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--scenario", "module", *sys.argv[1:]]))
