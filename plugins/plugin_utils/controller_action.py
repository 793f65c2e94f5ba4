# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The frame of every action plugin of the collection: the task's options
checked against the module's argument spec before anything else, failures
worded one way (with what the host printed when a module on it failed), and
the host's temp directory removed whatever happens."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit


def module_failure(outcome, module_name):
    """A module on the host did not answer as expected: why, with what the host printed (as ping does)."""
    failure = dict(msg=outcome.get("msg") or "the target module %s failed" % module_name)
    stderr = (outcome.get("module_stderr") or "").strip()
    stdout = (outcome.get("module_stdout") or "").strip()
    if stderr or stdout:
        failure["msg"] += "\n%s" % (stderr or stdout)
        failure.update(module_stderr=outcome.get("module_stderr", ""), module_stdout=outcome.get("module_stdout", ""))
    if "rc" in outcome:
        failure["rc"] = outcome["rc"]
    return failure


class ControllerAction(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    # The module this action stands for: its name starts messages.
    NAME = None
    ARGUMENT_SPEC = None
    MUTUALLY_EXCLUSIVE = None
    # The action renders config text with configupdater on the controller.
    NEEDS_CONFIGUPDATER = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        try:
            if self.NEEDS_CONFIGUPDATER and not config_edit.HAS_CONFIGUPDATER:
                return self.fail(
                    result,
                    "%s needs the Python package configupdater on the controller: pip install configupdater"
                    % self.NAME,
                )
            problems = self.option_problems()
            if problems:
                return self.fail(result, self.who() + "nothing written: " + "; ".join(problems), problems=problems)
            validation = ArgumentSpecValidator(self.ARGUMENT_SPEC, mutually_exclusive=self.MUTUALLY_EXCLUSIVE).validate(
                self._task.args
            )
            if validation.error_messages:
                return self.fail(result, self.who() + "; ".join(validation.error_messages))
            return self.act(validation.validated_parameters, result, task_vars or {})
        finally:
            # Only actions that ran a module on the host have one.
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def option_problems(self):
        """Problems with the task's options found before the spec's own check (none by default)."""
        return []

    def who(self):
        """How a message starts: the module's name."""
        return "%s: " % self.NAME

    def fail(self, result, msg, **extra):
        # A failure can name a user's file or quote a host's output.
        result.update(failed=True, msg=printable(msg))
        result.update(extra)
        return result

    def run_on_host(self, module_name, module_args, task_vars, key):
        """Run a module on the host: its answer's `key` list, or a failure's kwargs."""
        outcome = self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
        if outcome.get("failed") or not isinstance(outcome.get(key), list):
            return module_failure(outcome, module_name)
        return outcome[key]

    def act(self, params, result, task_vars):
        raise NotImplementedError
