# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Scenario ini_file: the same declaration as community.general.ini_file, one loop item per key.

.venv/bin/python bench/config_ini_file.py [--repeat N]   (bench/run.py --scenario ini_file)
"""

from __future__ import annotations

import sys

from config_declaration import check_view, expected_view, first_and_rerun, key_items, remove_config, small_declaration
from harness import Sandbox


def run(results, root, args):
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


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--scenario", "ini_file", *sys.argv[1:]]))
