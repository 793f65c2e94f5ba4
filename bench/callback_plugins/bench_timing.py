# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Per-task timing for bench/run.py, written as JSON to $BENCH_TIMING_FILE.

profile_tasks prints its figures for people; the benchmark needs them as data,
together with whether each task reported a change, to prove that a no-op
re-run really was one.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timing
type: aggregate
short_description: Task durations and changed flags as JSON, for bench/run.py
description:
  - Writes one JSON record per task to the file named by BENCH_TIMING_FILE.
requirements:
  - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._tasks = []
        self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._current = dict(name=task.get_name(), start=time.perf_counter(), end=None, changed=False, failed=False)
        self._tasks.append(self._current)

    def _finish(self, result, failed=False):
        if self._current is None:
            return
        # With a loop this fires once, after the last item: the end of the task.
        self._current["end"] = time.perf_counter()
        self._current["changed"] = self._current["changed"] or bool(result._result.get("changed"))
        self._current["failed"] = self._current["failed"] or failed

    def v2_runner_on_ok(self, result):
        self._finish(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finish(result, failed=True)

    def v2_runner_on_unreachable(self, result):
        self._finish(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._finish(result)

    def v2_playbook_on_stats(self, stats):
        target = os.environ.get("BENCH_TIMING_FILE")
        if not target:
            return
        records = []
        for task in self._tasks:
            duration = None if task["end"] is None else task["end"] - task["start"]
            records.append(dict(name=task["name"], seconds=duration, changed=task["changed"], failed=task["failed"]))
        with open(target, "w") as handle:
            json.dump(records, handle)
