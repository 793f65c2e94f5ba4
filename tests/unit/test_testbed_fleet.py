"""tests/testbed/fleet.py without podman: what it would run, and what it removes when starting fails."""

import json

import pytest

from tests.testbed import fleet


class Recorder:
    """Stands in for podman(): records every call; `podman run` of fail_on fails."""

    def __init__(self, fail_on=None, error=RuntimeError):
        self.calls = []
        self.fail_on = fail_on
        self.error = error

    def __call__(self, *args, **kwargs):
        self.calls.append(list(args))
        if args[0] == "run" and self.fail_on in args:
            raise self.error("cannot start %s" % self.fail_on)


@pytest.fixture
def removed(monkeypatch):
    """The names every removal asked podman to remove."""
    names = []

    def fake_podman(*args, **kwargs):
        assert args[:5] == ("rm", "-f", "-t", "0", "--ignore"), args
        names.extend(args[5:])

    monkeypatch.setattr(fleet, "podman", fake_podman)
    return names


def test_start_passes_labels_run_args_image_and_command_in_order(removed):
    runner = Recorder()
    hosts = fleet.Fleet(
        {"a": "img-a", "b": "img-b"},
        labels={"lab": "r1", "lab.pid": 42},
        run_args=["--memory", "4g"],
        command=fleet.SLEEP,
        runner=runner,
    )
    with hosts:
        assert runner.calls == [
            ["run", "-d", "--network", "host", "--name", n, "--label", "lab=r1", "--label", "lab.pid=42", "--memory"]
            + ["4g", image, "sleep", "infinity"]
            for n, image in (("a", "img-a"), ("b", "img-b"))
        ]
        assert removed == []
    assert removed == ["a", "b"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failed_or_interrupted_start_removes_what_was_started(removed, error):
    runner = Recorder(fail_on="b", error=error)
    hosts = fleet.Fleet(dict.fromkeys(["a", "b", "c"], "img"), runner=runner)
    with pytest.raises(error), hosts:
        pytest.fail("the body must not run")
    # b is removed too: `podman run` may have created it before failing.
    assert removed == ["a", "b"]
    assert [call[5] for call in runner.calls] == ["a", "b"]


def test_an_error_in_the_body_removes_every_container(removed):
    with pytest.raises(ValueError), fleet.Fleet({"x": "img"}, network="none", runner=Recorder()):
        raise ValueError("boom")
    assert removed == ["x"]


def test_label_value_reads_podmans_label_map():
    labels = "map[labcloud.demo:ab12cd labcloud.demo.pid:4242]"
    assert fleet.label_value(labels, "labcloud.demo.pid") == "4242"
    assert fleet.label_value(labels, "labcloud.demo") == "ab12cd"
    assert fleet.label_value(labels, "other") is None


def test_user_argv_starts_from_an_empty_environment_in_the_users_home():
    argv = fleet.user_argv("ws1", "alice", "aws", "--version", env={"AWS_PAGER": ""})
    assert argv[:7] == ["podman", "exec", "--user", "alice", "--workdir", "/home/alice", "ws1"]
    assert argv[7:9] == ["env", "-i"]
    assert "HOME=/home/alice" in argv and "PATH=" + fleet.USER_PATH in argv
    assert argv[-3:] == ["AWS_PAGER=", "aws", "--version"]
    assert fleet.login_shell_argv("ws1", "alice", "aws sso login")[-3:] == ["bash", "-lc", "aws sso login"]


def test_useradd_script_with_and_without_uids():
    assert fleet.useradd_script(["a", "b"]) == "useradd -m -s /bin/bash a && useradd -m -s /bin/bash b"
    assert fleet.useradd_script(["a", "b"], first_uid=41000) == (
        "useradd -m -s /bin/bash -u 41000 a && useradd -m -s /bin/bash -u 41001 b"
    )
    assert fleet.useradd_script([]) == "true"


def test_inventory_of_names_and_of_host_variables(tmp_path):
    plain = json.loads(fleet.write_inventory(tmp_path / "a.json", ["c1", "c2"], "/usr/local/bin/py").read_text())
    assert plain == {
        "all": {
            "vars": {
                "ansible_connection": "containers.podman.podman",
                "ansible_python_interpreter": "/usr/local/bin/py",
            },
            "hosts": {"c1": {}, "c2": {}},
        }
    }
    hosts = {"ws1": {"ansible_host": "demo-ws1", "aws_sso_users": ["alice"]}}
    named = json.loads(fleet.write_inventory(tmp_path / "b.json", hosts).read_text())
    assert named["all"]["hosts"] == hosts
    assert named["all"]["vars"]["ansible_python_interpreter"] == "/usr/bin/python3"
