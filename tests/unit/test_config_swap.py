"""The one compare-and-swap loop: conflicts re-read and re-planned, one limit, failures per job."""

import pytest

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_swap
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import module_failure


class Job(config_swap.SwapJob):
    """Appends a line to whatever the file holds."""

    def __init__(self, user, backup=False):
        super().__init__(user, None, backup)
        self.failure = None
        self.plans = []

    def plan(self, read):
        self.plans.append(read["content"])
        self.result = dict(changed=True)
        return read["content"] + "line\n"

    def fail(self, failure):
        self.failure = failure


class Host:
    """aws_config_file as the loop sees it; `rivals` writes land between a read and a write."""

    def __init__(self, rivals=0):
        self.files = {}
        self.rivals = rivals
        self.calls = []

    def __call__(self, operation, requests):
        self.calls.append(operation)
        answers = []
        for request in requests:
            content = self.files.get(request["user"], "")
            if operation == "read":
                answers.append(dict(path="/home/%s/.aws/config" % request["user"], content=content, sha256=content))
            elif self.rivals:
                self.rivals -= 1
                self.files[request["user"]] = content + "rival\n"
                answers.append(dict(conflict=True))
            else:
                assert request["expected_sha256"] == content
                self.files[request["user"]] = request["content"]
                answers.append(dict(backup_file="/b~") if request["backup"] else {})
        return answers


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(config_swap.time, "sleep", lambda seconds: None)


def test_a_conflict_is_read_again_and_the_rivals_edit_kept():
    host, job = Host(rivals=2), Job("alice", backup=True)
    config_swap.converge([job], host, check_mode=False)
    assert host.files["alice"] == "rival\nrival\nline\n"
    assert job.plans == ["", "rival\n", "rival\nrival\n"]
    assert job.failure is None and job.result["backup_file"] == "/b~"
    assert host.calls == ["read", "write"] * 3


def test_one_limit_then_a_failure_that_names_the_file():
    host, job = Host(rivals=10**6), Job("alice")
    config_swap.converge([job], host, check_mode=False)
    assert host.calls.count("write") == config_swap.MAX_ATTEMPTS == 50
    assert job.failure["msg"] == (
        "/home/alice/.aws/config kept changing while being updated (50 attempts); nothing more was written"
    )


def test_check_mode_reads_and_plans_but_never_writes():
    host, job = Host(), Job("alice")
    config_swap.converge([job], host, check_mode=True)
    assert host.calls == ["read"] and job.plans == [""] and "alice" not in host.files


def test_reads_given_are_planned_without_reading_again():
    host, job = Host(), Job("alice")
    read = dict(path="/p", content="x\n", sha256="")
    host.files["alice"] = ""
    config_swap.converge([job], host, check_mode=False, reads=[read])
    assert host.calls == ["write"] and host.files["alice"] == "x\nline\n"


def test_a_failed_call_fails_every_job_and_a_failed_read_only_its_own():
    jobs = [Job("alice"), Job("bob")]
    config_swap.converge(jobs, lambda operation, requests: dict(msg="boom"), check_mode=False)
    assert [job.failure for job in jobs] == [dict(msg="boom")] * 2

    jobs = [Job("alice"), Job("bob")]
    host = Host()
    config_swap.converge(
        jobs, host, check_mode=False, reads=[dict(failed=True, msg="no home", path="/x"), dict(content="", sha256="")]
    )
    assert jobs[0].failure == dict(msg="no home", path="/x") and jobs[0].plans == []
    assert jobs[1].failure is None and host.files["bob"] == "line\n"


def test_module_failure_quotes_what_the_host_printed():
    failure = module_failure(dict(failed=True, module_stderr="python3: not found\n", rc=127), "labcloud.aws_sso.x")
    assert failure["msg"] == "the target module labcloud.aws_sso.x failed\npython3: not found"
    assert failure["rc"] == 127 and failure["module_stderr"] == "python3: not found\n"
    assert module_failure(dict(failed=True, msg="no"), "m") == dict(msg="no")
