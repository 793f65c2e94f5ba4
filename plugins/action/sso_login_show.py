# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.sso_login_show: the login playbook's
tables as lines of text. ansible.builtin.debug would print them as a JSON
list of quoted strings, which nobody can forward or read at a glance."""

from __future__ import annotations

import functools

from ansible.utils.display import Display

from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_login_show_spec import ARGUMENT_SPEC
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import ControllerAction
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.login_playbook import login_table

display = Display()

# ansible-lint's args rule checks a task's options through the action
# plugin's main() (see plugins/module_utils/controller_only.py).
main = functools.partial(validate_then_refuse, "sso_login_show", ARGUMENT_SPEC)


class ActionModule(ControllerAction):
    # One run for the whole play, however many hosts the play has.
    BYPASS_HOST_LOOP = True
    NAME = "sso_login_show"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, params, result, task_vars):
        lines = login_table(params["rows"], params["kind"])
        if params["title"]:
            display.display(printable(params["title"], one_line=True))
        for line in lines:
            display.display(line)
        result["lines"] = lines
        return result
