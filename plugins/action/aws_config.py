# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.aws_config.

Reads the user's file through the small target module aws_config_file,
computes the new text here with configupdater, and hands it back for an
atomic compare-and-swap write. If another writer got in between, the file is
read again and the declaration re-applied to what is there now.
"""

from __future__ import annotations

import random
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_ini, mask_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_files import BOUNDS_SPEC, failed_users_message
from ansible_collections.labcloud.aws_sso.plugins.modules import aws_config as aws_config_module
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.config_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import (
    DeclarationError,
    build,
    option_name_problems,
)

# ansible-lint's `args` rule loads this file, not the module's, and checks a
# task's options only when it finds a main() here; the module's main() is that
# check (see plugins/modules/aws_config.py).
main = aws_config_module.main

TARGET_MODULE = "labcloud.aws_sso.aws_config_file"
FILE_MODE = "0600"
# Each conflict means another writer finished in between, so with N plays
# editing one file the unluckiest loses at most N-1 rounds. The bound only
# stops a file that something rewrites endlessly; a short random pause
# between rounds keeps many writers from colliding in lockstep.
MAX_ATTEMPTS = 50
BACKOFF_SECONDS = 0.05


class _Job:
    """One user's file: the declaration applied to it, read and written through the target module."""

    def __init__(self, user, path, declaration, backup):
        self.request = dict(user=user, path=path)
        self.path = path
        self.declaration = declaration
        self.backup = backup
        self.failure = None
        self.read = None
        self.edit = None
        self.outcome = None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    # Unknown options are reported by option_name_problems, with the closest
    # valid name; Ansible's own check would stop the task before it runs.
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            return self._run(result, task_vars or {})
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _fail(self, result, msg, **extra):
        # A failure can name a user's file or quote the target module's output.
        result.update(failed=True, changed=False, msg=printable(msg), **extra)
        return result

    def _run(self, result, task_vars):
        if not config_edit.HAS_CONFIGUPDATER:
            return self._fail(
                result, "aws_config needs the Python package configupdater on the controller: pip install configupdater"
            )
        problems = option_name_problems(self._task.args)
        if problems:
            return self._fail(result, "aws_config: nothing written: " + "; ".join(problems), problems=problems)
        validation = ArgumentSpecValidator(ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE).validate(
            self._task.args
        )
        if validation.error_messages:
            return self._fail(result, "aws_config: " + "; ".join(validation.error_messages))
        params = validation.validated_parameters
        try:
            jobs = self._jobs(params)
        except DeclarationError as exc:
            return self._fail(result, "aws_config: nothing written: " + "; ".join(exc.problems), problems=exc.problems)

        self._converge(jobs, self._transport(task_vars, {key: params[key] for key in BOUNDS_SPEC}))
        if params["users"] is None:
            (job,) = jobs
            if job.failure:
                return self._fail(result, **job.failure)
            result.update(job.outcome)
            return result
        return self._report_users(result, jobs)

    @staticmethod
    def _jobs(params):
        """One job per file: the task's own user, or each entry of users (its options over the task's)."""
        if params["users"] is None:
            return [_Job(params["user"], params["path"], build(params), params["backup"])]
        jobs, problems = [], []
        for index, entry in enumerate(params["users"]):
            label = "users[%d] (%s)" % (index, entry["user"])
            own = {key: value for key, value in entry.items() if value is not None}
            blocks = {key: own[key] for key in ("sso_sessions", "profiles", "services") if key in own}
            checked = ArgumentSpecValidator({key: ARGUMENT_SPEC[key] for key in blocks}).validate(blocks)
            if checked.error_messages:
                problems.extend("%s: %s" % (label, message) for message in checked.error_messages)
                continue
            merged = dict(params)
            merged.update(own)
            merged.update(checked.validated_parameters)
            try:
                declaration = build(merged)
            except DeclarationError as exc:
                problems.extend("%s: %s" % (label, problem) for problem in exc.problems)
                continue
            jobs.append(_Job(entry["user"], entry["path"], declaration, merged["backup"]))
        if problems:
            raise DeclarationError(problems)
        return jobs

    def _report_users(self, result, jobs):
        result["users"] = [dict(job.outcome or {}, user=job.request["user"], **(job.failure or {})) for job in jobs]
        for entry, job in zip(result["users"], jobs):
            entry["failed"] = bool(job.failure)
            entry.setdefault("changed", False)
            entry.pop("diff", None)
        written = [job for job in jobs if job.outcome and job.outcome["changed"] and not job.failure]
        result["changed"] = bool(written)
        if self._task.diff:
            diffs = []
            for job in written:
                diff = job.outcome.get("diff")
                if diff:
                    diffs.extend(diff if isinstance(diff, list) else [diff])
            if diffs:
                result["diff"] = diffs
        failure = failed_users_message("aws_config", result["users"])
        if failure:
            result.update(failed=True, msg=printable(failure))
        return result

    def _converge(self, jobs, transport):
        """Read, edit and compare-and-swap every job's file, in one target call per step for all of them.

        A job that fails gets .failure (the keyword arguments of a failure)
        and is left alone; the others go on.
        """
        pending = list(jobs)
        for attempt in range(MAX_ATTEMPTS):
            reads = transport("read", [job.request for job in pending])
            if isinstance(reads, dict):
                self._mark_failed(pending, reads)
                return
            to_write = []
            for job, read in zip(pending, reads):
                job.failure = self._plan(job, read)
                if not job.failure and job.outcome["changed"] and not self._task.check_mode:
                    to_write.append(job)
            if not to_write:
                break
            requests = [
                dict(
                    job.request,
                    content=job.edit.text if job.edit.text != job.read["content"] else None,
                    expected_sha256=job.read["sha256"],
                    backup=job.backup,
                )
                for job in to_write
            ]
            writes = transport("write", requests)
            if isinstance(writes, dict):
                self._mark_failed(to_write, writes)
                return
            pending = []
            for job, write in zip(to_write, writes):
                if write.get("failed"):
                    # Nothing was written: report no block as changed.
                    job.failure = dict(msg=write["msg"], path=job.path)
                elif write.get("conflict"):
                    pending.append(job)
                elif write.get("backup_file"):
                    job.outcome["backup_file"] = write["backup_file"]
            if not pending:
                break
            time.sleep(random.uniform(0, BACKOFF_SECONDS * min(attempt + 1, 10)))  # noqa: S311 (jitter, not crypto)
        else:
            for job in pending:
                job.failure = dict(
                    msg="%s kept changing while being updated (%d attempts); nothing more was written"
                    % (job.path, MAX_ATTEMPTS)
                )

    @staticmethod
    def _mark_failed(affected, failure):
        for job in affected:
            job.failure = failure

    def _plan(self, job, read):
        """Work out the job's new text and result from what was read; a failure's kwargs or None."""
        if read.get("failed"):
            return dict(msg=read["msg"], path=read.get("path"))
        job.read = read
        job.path = path = read["path"]
        try:
            job.edit = edit = config_edit.apply(read["content"], job.declaration)
        except ConfigFileError as exc:
            # The parser quotes the offending line, which may hold a secret or control characters.
            msg = printable(mask_message("%s %s; the file was left untouched" % (path, exc)))
            return dict(msg=msg, lineno=exc.lineno, path=path)
        except DeclarationError as exc:
            return dict(
                msg="aws_config: nothing written to %s: %s" % (path, "; ".join(exc.problems)),
                problems=exc.problems,
                path=path,
            )
        outcome = dict(path=path)
        if read.get("target") and read["target"] != path:
            outcome["target"] = read["target"]
        for verb, table in (("added", edit.added), ("updated", edit.updated), ("removed", edit.removed)):
            outcome["sessions_%s" % verb] = list(table["sso-session"])
            outcome["profiles_%s" % verb] = list(table["profile"])
            outcome["services_%s" % verb] = list(table["services"])
        content_changed = edit.text != read["content"]
        wrong_mode = read["exists"] and read["mode"] != FILE_MODE
        outcome["attributes_fixed"] = ["mode"] if wrong_mode else []
        outcome["changed"] = content_changed or wrong_mode
        if self._task.diff and outcome["changed"]:
            diffs = []
            if content_changed:
                diffs.append(
                    dict(
                        before_header=path,
                        after_header=path,
                        before=printable(mask_ini(read["content"])),
                        after=printable(mask_ini(edit.text)),
                    )
                )
            if wrong_mode:
                diffs.append(
                    dict(
                        before_header="%s (attributes)" % path,
                        after_header="%s (attributes)" % path,
                        before="mode: %s\n" % read["mode"],
                        after="mode: %s\n" % FILE_MODE,
                    )
                )
            outcome["diff"] = diffs if len(diffs) > 1 else diffs[0]
        job.outcome = outcome
        return None

    def _transport(self, task_vars, bounds):
        """A function (operation, requests) -> list of per-file results, or a failure's kwargs."""

        def call(operation, requests):
            outcome = self._execute_module(
                module_name=TARGET_MODULE,
                module_args=dict(operation=operation, files=requests, **bounds),
                task_vars=task_vars,
            )
            if outcome.get("failed") or not isinstance(outcome.get("files"), list):
                return self._module_failure(outcome)
            return outcome["files"]

        return call

    @staticmethod
    def _module_failure(outcome):
        """The target module did not run: say why, with what the host printed (as ping does)."""
        failure = dict(msg=outcome.get("msg") or "the target module %s failed" % TARGET_MODULE)
        stderr = (outcome.get("module_stderr") or "").strip()
        stdout = (outcome.get("module_stdout") or "").strip()
        if stderr or stdout:
            failure["msg"] += "\n%s" % (stderr or stdout)
            failure.update(
                module_stderr=outcome.get("module_stderr", ""), module_stdout=outcome.get("module_stdout", "")
            )
        if "rc" in outcome:
            failure["rc"] = outcome["rc"]
        return failure
