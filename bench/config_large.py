# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Scenario large: one key of one profile changed in a 2,000-profile file:
config_edit.apply CPU and peak memory in-process, then the whole ansible-playbook run.

    .venv/bin/python bench/config_large.py [--repeat N] [--edit-runs N] [--profile]
    (bench/run.py --scenario large)
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import sys
import time
import tracemalloc

from config_declaration import PROFILE_KEYS, SESSION, TARGETS, first_and_rerun, profile
from harness import COLLECTIONS, INSTALLED, BenchError, Sandbox

LARGE_PROFILES = 2000
LARGE_TARGET = "team1000"
LARGE_NEW_REGION = "sa-east-1"


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


def run(results, root, args):
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


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--scenario", "large", *sys.argv[1:]]))
