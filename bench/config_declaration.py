# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The aws_config declaration the bench/run.py scenarios write, and the checks of what they wrote.

1 sso-session + 50 profiles for the small scenarios (module, ini_file, cli);
the same profiles, numbered wider, fill the large scenario's 2,000-profile file.
"""

from __future__ import annotations

from harness import BenchError, show

SMALL_PROFILES = 50
# What aws_config must beat: ini_file and `aws configure set` by these factors
# (first run, wall); config_edit.apply of one change in 2,000 profiles under
# edit_cpu CPU seconds.
TARGETS = dict(ini_file=20.0, cli=50.0, edit_cpu=0.3)
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
