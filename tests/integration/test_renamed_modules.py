"""The old names of renamed modules still run, warn that they are deprecated, and name the new module.

`sso_identity` became `sso_identity_info`, `sso_assignments` became `sso_portal_access_info` and
`sso_profiles` became `sso_portal_profiles` (meta/runtime.yml plugin_routing; the last one is an action
plugin, redirected too). A play as root on localhost calls each name for one throwaway user
without an AWS config, which both modules answer at once without the network.
"""

import json

import pytest

from tests.integration.test_aws_config_playbooks import ansible_playbook
from tests.testbed.users import throwaway_users

RENAMED = {
    "labcloud.aws_sso.sso_identity": "labcloud.aws_sso.sso_identity_info",
    "labcloud.aws_sso.sso_assignments": "labcloud.aws_sso.sso_portal_access_info",
}


@pytest.fixture(scope="module")
def user():
    with throwaway_users(1) as entries:
        yield entries[0].pw_name


def options(module, user):
    if module.endswith(("sso_identity", "sso_identity_info")):
        return dict(users=[user], check="token")
    if module.endswith(("sso_profiles", "sso_portal_profiles")):
        return dict(users=[dict(user=user)], session="lab")
    return dict(users=[dict(user=user, session="lab")])


def play(tmp_path, user, modules, defaults=None, ignore_errors=False):
    """Run the modules in one play; their results are written to tmp_path/results.json."""
    tasks = [
        {module: options(module, user), "register": "r%d" % index, "ignore_errors": ignore_errors}
        for index, module in enumerate(modules)
    ]
    registered = ", ".join("r%d" % index for index in range(len(modules)))
    dest = str(tmp_path / "results.json")
    tasks.append({"ansible.builtin.copy": dict(content="{{ [%s] | to_json }}" % registered, dest=dest)})
    body = dict(hosts="localhost", gather_facts=False, tasks=tasks)
    if defaults:
        body["module_defaults"] = {"group/labcloud.aws_sso.user_bounds": defaults}
    path = tmp_path / "play.yml"
    path.write_text(json.dumps([body]))
    return ansible_playbook(path, {})


def results(tmp_path):
    return json.loads((tmp_path / "results.json").read_text())


def test_old_names_run_and_warn_naming_the_new_module(tmp_path, user):
    run = play(tmp_path, user, list(RENAMED))
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    identity, portal = results(tmp_path)
    assert [row["user"] for row in identity["users"]] == [user] and identity["users"][0]["profiles"] == []
    assert portal["users"][0]["status"] == "error" and "no [sso-session lab]" in portal["users"][0]["message"]
    for old, new in RENAMED.items():
        assert "[DEPRECATION WARNING]: %s has been deprecated. Use %s instead" % (old, new) in " ".join(
            output.split()
        ), output


def test_new_names_run_without_a_deprecation_warning(tmp_path, user):
    run = play(tmp_path, user, list(RENAMED.values()))
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "DEPRECATION" not in output
    identity, portal = results(tmp_path)
    assert identity["users"][0]["user"] == user and portal["users"][0]["user"] == user


def test_old_names_still_take_their_groups_module_defaults(tmp_path, user):
    """user_bounds lists only the new names; a task with an old name must get its defaults all the same."""
    run = play(tmp_path, user, list(RENAMED), defaults=dict(user_timeout=0))
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "user_timeout must be at least 1" in output, output
    # The first task fails on the group's default; the play stops there. The second, alone:
    run = play(tmp_path, user, list(RENAMED)[1:], defaults=dict(user_timeout=0))
    assert run.returncode != 0 and "user_timeout must be at least 1" in run.stdout + run.stderr


def test_sso_profiles_reaches_the_action_plugin_of_sso_portal_profiles(tmp_path, user):
    """The old name must run the controller side (the action), not the module file, which only refuses."""
    answers = {}
    for name in ("labcloud.aws_sso.sso_profiles", "labcloud.aws_sso.sso_portal_profiles"):
        run = play(tmp_path, user, [name], ignore_errors=True)
        output = " ".join((run.stdout + run.stderr).split())
        assert run.returncode == 0, output
        warned = "[DEPRECATION WARNING]: %s has been deprecated. Use labcloud.aws_sso.sso_portal_profiles" % name
        assert (warned in output) == name.endswith(".sso_profiles"), output
        (answer,) = results(tmp_path)
        answers[name] = answer
    old, new = answers.values()
    # Per-user rows only come from the action: the module file alone answers with a refusal and no rows.
    assert [row["user"] for row in new["users"]] == [user], new
    assert old["users"] == new["users"] and "no [sso-session lab]" in new["users"][0]["message"], new
