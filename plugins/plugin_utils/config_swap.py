# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Users' AWS config files updated through aws_config_file, compare-and-swap.

The controller plans each file's new text from what was read; the target
module replaces the file only if it still holds what was read. A file that
another writer changed in between is read again and planned again, so that
writer's edit is built on, never lost. Used by the aws_config and
sso_portal_profiles actions.
"""

from __future__ import annotations

import random
import time

FILE_MODULE = "labcloud.aws_sso.aws_config_file"
FILE_MODE = "0600"
# Each conflict means another writer finished in between, so with N plays
# editing one file the unluckiest loses at most N-1 rounds. The bound only
# stops a file that something rewrites endlessly; a short random pause
# between rounds keeps many writers from colliding in lockstep.
MAX_ATTEMPTS = 50
BACKOFF_SECONDS = 0.05


class SwapJob:
    """One user's file. A subclass says what to write (plan) and how a failure shows (fail)."""

    def __init__(self, user, path, backup):
        # What aws_config_file is asked to read and write: the task's own path
        # (None: the user's default), not the one a read resolved.
        self.request = dict(user=user, path=path)
        self.backup = backup
        self.read = None
        # The job's part of the task's result, filled in by plan.
        self.result = None

    def plan(self, read):
        """The text to write, given what was read; None when there is nothing to write (or it failed)."""
        raise NotImplementedError

    def fail(self, failure):
        """Record a failure: the keyword arguments of a failed result (msg, maybe path, rc, module_stderr)."""
        raise NotImplementedError

    def written(self, answer):
        """The write went through; answer may name a backup_file."""
        if answer.get("backup_file"):
            self.result["backup_file"] = answer["backup_file"]

    def where(self):
        return (self.read or {}).get("path") or self.request["path"]


def file_call(action, task_vars, bounds):
    """A function (operation, requests) -> one answer per request, or a failure's kwargs for all of them."""

    def call(operation, requests):
        return action.run_on_host(FILE_MODULE, dict(operation=operation, files=requests, **bounds), task_vars, "files")

    return call


def converge(jobs, call, check_mode, reads=None):
    """Read, plan and compare-and-swap every job's file, one target call per step for all of them.

    reads: the jobs' files as already read (otherwise they are read first).
    A job that fails is told (job.fail) and left alone; the others go on.
    """
    pending = list(jobs)
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, BACKOFF_SECONDS * min(attempt, 10)))  # noqa: S311 (jitter, not crypto)
        if reads is None:
            reads = call("read", [job.request for job in pending])
        if isinstance(reads, dict):
            for job in pending:
                job.fail(reads)
            return
        to_write = []
        for job, read in zip(pending, reads):
            if read.get("failed"):
                job.fail(dict(msg=read.get("msg"), path=read.get("path")))
                continue
            job.read = read
            text = job.plan(read)
            if text is not None and not check_mode:
                to_write.append((job, text))
        if not to_write:
            return
        requests = [
            dict(
                job.request,
                # None: the text stands, only the mode is fixed.
                content=text if text != job.read["content"] else None,
                expected_sha256=job.read["sha256"],
                backup=job.backup,
            )
            for job, text in to_write
        ]
        writes = call("write", requests)
        if isinstance(writes, dict):
            for job, _text in to_write:
                job.fail(writes)
            return
        pending, reads = [], None
        for (job, _text), write in zip(to_write, writes):
            if write.get("failed"):
                # Nothing was written for this job.
                job.fail(dict(msg=write.get("msg"), path=job.where()))
            elif write.get("conflict"):
                pending.append(job)
            else:
                job.written(write)
        if not pending:
            return
    for job in pending:
        job.fail(
            dict(
                msg="%s kept changing while being updated (%d attempts); nothing more was written"
                % (job.where(), MAX_ATTEMPTS)
            )
        )
