# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.sso_login_show: the login playbook's
tables as lines of text. ansible.builtin.debug would print them as a JSON
list of quoted strings, which nobody can forward or read at a glance."""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable
from ansible_collections.labcloud.aws_sso.plugins.modules import sso_login_show as show_module
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import ControllerAction
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.sso_login import login_table

display = Display()

# ansible-lint's args rule loads the action plugin and checks a task's options
# through its main() (see plugins/action/aws_config.py).
main = show_module.main


class ActionModule(ControllerAction):
    MODULE = show_module

    def act(self, params, result):
        lines = login_table(params["rows"], params["kind"])
        if params["title"]:
            display.display(printable(params["title"], one_line=True))
        for line in lines:
            display.display(line)
        result["lines"] = lines
        return result
