# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.aws_config.

Reads the user's file through the small target module aws_config_file,
computes the new text here with configupdater, and hands it back for an
atomic compare-and-swap write. If another writer got in between, the file is
read again and the declaration re-applied to what is there now.
"""

from __future__ import annotations

import random
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.labcloud.aws_sso.plugins.module_utils.aws_config_spec import ARGUMENT_SPEC
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.config_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError, build
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.secrets import mask_text

TARGET_MODULE = "labcloud.aws_sso.aws_config_file"
# Each conflict means another writer finished in between, so with N plays
# editing one file the unluckiest loses at most N-1 rounds. The bound only
# stops a file that something rewrites endlessly; a short random pause
# between rounds keeps many writers from colliding in lockstep.
MAX_ATTEMPTS = 50
BACKOFF_SECONDS = 0.05


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            return self._run(result, task_vars or {})
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _fail(self, result, msg, **extra):
        result.update(failed=True, changed=False, msg=msg, **extra)
        return result

    def _run(self, result, task_vars):
        if not config_edit.HAS_CONFIGUPDATER:
            return self._fail(
                result, "aws_config needs the Python package configupdater on the controller: pip install configupdater"
            )
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            return self._fail(result, "aws_config: " + "; ".join(validation.error_messages))
        params = validation.validated_parameters
        try:
            declaration = build(params)
        except DeclarationError as exc:
            return self._fail(result, "aws_config: nothing written: " + "; ".join(exc.problems), problems=exc.problems)

        location = dict(user=params["user"], path=params["path"])
        for attempt in range(MAX_ATTEMPTS):
            read = self._target(dict(location, operation="read"), task_vars)
            if read.get("failed"):
                return self._fail(result, read.get("msg", "reading the config file failed"))
            path = read["path"]
            result["path"] = path
            try:
                edit = config_edit.apply(read["content"], declaration)
            except ConfigFileError as exc:
                return self._fail(result, "%s %s; the file was left untouched" % (path, exc), lineno=exc.lineno)
            except DeclarationError as exc:
                return self._fail(
                    result,
                    "aws_config: nothing written to %s: %s" % (path, "; ".join(exc.problems)),
                    problems=exc.problems,
                )
            self._report(result, edit)
            content_changed = edit.text != read["content"]
            attributes_wrong = read["exists"] and (read["mode"] != "0600" or not read["owner_ok"])
            result["changed"] = content_changed or attributes_wrong
            if self._task.diff and content_changed:
                result["diff"] = dict(
                    before_header=path,
                    after_header=path,
                    before=mask_text(read["content"]),
                    after=mask_text(edit.text),
                )
            if not result["changed"] or self._task.check_mode:
                return result
            write = self._target(
                dict(
                    location,
                    operation="write",
                    content=edit.text,
                    expected_sha256=read["sha256"],
                    backup=params["backup"],
                ),
                task_vars,
            )
            if write.get("failed"):
                return self._fail(result, write.get("msg", "writing the config file failed"))
            if write.get("conflict"):
                time.sleep(random.uniform(0, BACKOFF_SECONDS * min(attempt + 1, 10)))  # noqa: S311 (jitter, not crypto)
                continue
            if write.get("backup_file"):
                result["backup_file"] = write["backup_file"]
            return result
        return self._fail(
            result,
            "%s kept changing while being updated (%d attempts); nothing more was written" % (path, MAX_ATTEMPTS),
        )

    def _target(self, module_args, task_vars):
        outcome = self._execute_module(module_name=TARGET_MODULE, module_args=module_args, task_vars=task_vars)
        outcome.pop("invocation", None)
        return outcome

    @staticmethod
    def _report(result, edit):
        for verb, table in (("added", edit.added), ("updated", edit.updated), ("removed", edit.removed)):
            result["sessions_%s" % verb] = list(table["sso-session"])
            result["profiles_%s" % verb] = list(table["profile"])
