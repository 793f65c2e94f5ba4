"""Controller side of labcloud.aws_sso.aws_config.

Reads the user's file through the small target module aws_config_file,
computes the new text here with configupdater, and hands it back for an
atomic compare-and-swap write (plugin_utils.config_swap). If another writer
got in between, the file is read again and the declaration re-applied to
what is there now.
"""

from __future__ import annotations

import functools

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import BOUNDS_SPEC, failed_users_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse
from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_ini, mask_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit, config_swap
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import ControllerAction
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError, build
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration_hints import option_name_problems

# ansible-lint's args rule checks a task's options through the action
# plugin's main() (see plugins/module_utils/controller_only.py).
main = functools.partial(validate_then_refuse, "aws_config", ARGUMENT_SPEC, MUTUALLY_EXCLUSIVE)

FILE_MODE = config_swap.FILE_MODE


class _Job(config_swap.SwapJob):
    """One user's file: the declaration applied to what was read."""

    def __init__(self, user, path, declaration, backup, diff):
        super().__init__(user, path, backup)
        self.declaration = declaration
        self.diff = diff
        self.failure = None

    def fail(self, failure):
        self.failure = failure

    def plan(self, read):
        """Work out the new text and the result from what was read."""
        path = read["path"]
        try:
            edit = config_edit.apply(read["content"], self.declaration)
        except ConfigFileError as exc:
            # The parser quotes the offending line, which may hold a secret or control characters.
            msg = printable(mask_message("%s %s; the file was left untouched" % (path, exc)))
            self.fail(dict(msg=msg, lineno=exc.lineno, path=path))
            return None
        except DeclarationError as exc:
            self.fail(
                dict(
                    msg="aws_config: nothing written to %s: %s" % (path, "; ".join(exc.problems)),
                    problems=exc.problems,
                    path=path,
                )
            )
            return None
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
        if self.diff and outcome["changed"]:
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
        self.result = outcome
        return edit.text if outcome["changed"] else None


class ActionModule(ControllerAction):
    # Unknown options are reported by option_name_problems, with the closest
    # valid name; Ansible's own check would stop the task before it runs.
    _VALID_ARGS = frozenset()
    NAME = "aws_config"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    MUTUALLY_EXCLUSIVE = MUTUALLY_EXCLUSIVE
    NEEDS_CONFIGUPDATER = True

    def option_problems(self):
        return option_name_problems(self._task.args)

    def act(self, params, result, task_vars):
        try:
            jobs = self._jobs(params, self._task.diff)
        except DeclarationError as exc:
            return self.fail(result, "aws_config: nothing written: " + "; ".join(exc.problems), problems=exc.problems)

        bounds = {key: params[key] for key in BOUNDS_SPEC}
        config_swap.converge(jobs, config_swap.file_call(self, task_vars, bounds), self._task.check_mode)
        if params["users"] is None:
            (job,) = jobs
            if job.failure:
                return self.fail(result, **job.failure)
            result.update(job.result)
            return result
        return self._report_users(result, jobs)

    @staticmethod
    def _jobs(params, diff):
        """One job per file: the task's own user, or each entry of users (its options over the task's)."""
        if params["users"] is None:
            return [_Job(params["user"], params["path"], build(params), params["backup"], diff)]
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
            jobs.append(_Job(entry["user"], entry["path"], declaration, merged["backup"], diff))
        if problems:
            raise DeclarationError(problems)
        return jobs

    def _report_users(self, result, jobs):
        result["users"] = [dict(job.result or {}, user=job.request["user"], **(job.failure or {})) for job in jobs]
        for entry, job in zip(result["users"], jobs):
            entry["failed"] = bool(job.failure)
            entry.setdefault("changed", False)
            entry.pop("diff", None)
        written = [job for job in jobs if job.result and job.result["changed"] and not job.failure]
        result["changed"] = bool(written)
        if self._task.diff:
            diffs = []
            for job in written:
                diff = job.result.get("diff")
                if diff:
                    diffs.extend(diff if isinstance(diff, list) else [diff])
            if diffs:
                result["diff"] = diffs
        failure = failed_users_message("aws_config", result["users"])
        if failure:
            result.update(failed=True, msg=printable(failure))
        return result
