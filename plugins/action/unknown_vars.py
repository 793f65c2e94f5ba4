# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.unknown_vars: refuse misspelt variables.

Nothing runs on the host and no connection is opened, so the check costs no
round trip and runs in check mode as well. The names and the closest-match
logic live in plugin_utils.known_vars.
"""

from __future__ import annotations

import functools

from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse
from ansible_collections.labcloud.aws_sso.plugins.module_utils.unknown_vars_spec import ARGUMENT_SPEC
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import known_vars
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import ControllerAction

# ansible-lint's args rule checks a task's options through the action
# plugin's main() (see plugins/module_utils/controller_only.py).
main = functools.partial(validate_then_refuse, "unknown_vars", ARGUMENT_SPEC)


class ActionModule(ControllerAction):
    NAME = "unknown_vars"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def who(self):
        # The roles pass aws_sso_unknown_variables as mode: name it, not the option.
        return "%s: " % known_vars.SWITCH

    def act(self, params, result, task_vars):
        namespaces = known_vars.NAMESPACES + tuple(params["namespaces"])
        # Every variable the task would see: inventory, group_vars, host_vars,
        # facts, play and role vars and extra vars alike.
        found = known_vars.unknown(list(task_vars), known_vars.known_names(), namespaces)
        result["unknown"] = [{"name": name, "suggestion": match} for name, match in found]
        if not found or params["mode"] == "ignore":
            return result
        host = task_vars.get("inventory_hostname", "this host")
        result["msg"] = known_vars.message(host, found, params["mode"])
        if params["mode"] == "fail":
            result["failed"] = True
        else:
            result["warnings"] = [result["msg"]]
        return result
