# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Count module executions per host for bench/setup_fleet.py.

A task is not a round trip: an action plugin may run several modules on the
host (aws_config runs one to read and one to write). The count the benchmark
needs is of modules sent to the host, so this plugin wraps
ActionBase._execute_module when it is loaded and appends one line per call,
host and module, to $BENCH_MODULE_LOG. Workers are forks of the controller
process, so the wrapper is in place in every one of them; each line is one
small O_APPEND write, whole even when forks write at once.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.action import ActionBase
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_modules
type: aggregate
short_description: Module executions per host, for bench/setup_fleet.py
description:
  - Appends one JSON line per module sent to a host to the file named by BENCH_MODULE_LOG.
requirements:
  - enabled in callbacks_enabled
"""

_original = ActionBase._execute_module


def _counting(self, *args, **kwargs):
    # The signature is (module_name, module_args, tmp, task_vars, ...), called
    # with keywords or positions depending on the plugin.
    module_name = kwargs.get("module_name") or (args[0] if args else None)
    task_vars = kwargs.get("task_vars") or (args[3] if len(args) > 3 else None) or {}
    target = os.environ.get("BENCH_MODULE_LOG")
    if target:
        host = task_vars.get("inventory_hostname", "?")
        line = json.dumps([host, module_name or self._task.resolved_action or self._task.action]) + "\n"
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    return _original(self, *args, **kwargs)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_modules"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        if ActionBase._execute_module is not _counting:
            ActionBase._execute_module = _counting
