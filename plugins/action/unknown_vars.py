# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.unknown_vars: refuse misspelt variables.

Nothing runs on the host and no connection is opened, so the check costs no
round trip and runs in check mode as well. The names and the closest-match
logic live in plugin_utils.known_vars.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.labcloud.aws_sso.plugins.modules import unknown_vars as unknown_vars_module
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import known_vars

# ansible-lint's args rule loads the action plugin and checks a task's options
# through its main() (see plugins/action/aws_config.py).
main = unknown_vars_module.main


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        validation = ArgumentSpecValidator(unknown_vars_module.ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            # The roles pass aws_sso_unknown_variables as mode: name it, not the option.
            result.update(failed=True, msg="%s: %s" % (known_vars.SWITCH, "; ".join(validation.error_messages)))
            return result
        params = validation.validated_parameters
        namespaces = known_vars.NAMESPACES + tuple(params["namespaces"])
        # Every variable the task would see: inventory, group_vars, host_vars,
        # facts, play and role vars and extra vars alike.
        found = known_vars.unknown(list(task_vars or {}), known_vars.known_names(), namespaces)
        result["unknown"] = [{"name": name, "suggestion": match} for name, match in found]
        if not found or params["mode"] == "ignore":
            return result
        host = (task_vars or {}).get("inventory_hostname", "this host")
        result["msg"] = known_vars.message(host, found, params["mode"])
        if params["mode"] == "fail":
            result["failed"] = True
        else:
            result["warnings"] = [result["msg"]]
        return result
