# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The frame of the collection's actions that run on the controller only and
once per play (sso_report, sso_login_show): the task's options checked
against the module's own argument spec, then the work. No connection to any
host is ever opened."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    TRANSFERS_FILES = False
    # One run for the whole play, however many hosts the play has.
    BYPASS_HOST_LOOP = True
    _supports_check_mode = True
    # The module (documentation and ARGUMENT_SPEC) this action stands for.
    MODULE = None

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        validation = ArgumentSpecValidator(self.MODULE.ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            result.update(failed=True, msg=self.who() + "; ".join(validation.error_messages))
            return result
        return self.act(validation.validated_parameters, result)

    def who(self):
        """How a message starts: the module's name."""
        return "%s: " % self.MODULE.__name__.rsplit(".", 1)[-1]

    def act(self, params, result):
        raise NotImplementedError
