# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.sso_profiles.

One call of sso_assignments lists the portal for every user of the host (as
each user, with each user's token) and returns each user's config as read;
names and the edit are computed here; one aws_config_file call writes every
changed file with compare-and-swap. A file changed in between is read again
(aws_config_file) and planned again.
"""

from __future__ import annotations

import random
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_ini, mask_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable_data
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_files import BOUNDS_SPEC
from ansible_collections.labcloud.aws_sso.plugins.modules import sso_profiles as sso_profiles_module
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.config_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.profile_names import (
    NamingError,
    check_options,
    name_pairs,
    plan_edit,
)

main = sso_profiles_module.main

LIST_MODULE = "labcloud.aws_sso.sso_assignments"
FILE_MODULE = "labcloud.aws_sso.aws_config_file"
FILE_MODE = "0600"
MAX_ATTEMPTS = 20
BACKOFF_SECONDS = 0.05


class _User:
    def __init__(self, user, session, path):
        self.request = dict(user=user, session=session, path=path)
        self.result = dict(user=user, session=session, status="error", changed=False)
        self.failed = False
        self.read = None
        self.edit = None
        self.pairs = None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            return self._run(result, task_vars or {})
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _run(self, result, task_vars):
        self._task_vars = task_vars
        if not config_edit.HAS_CONFIGUPDATER:
            result.update(
                failed=True, msg="sso_profiles needs configupdater on the controller: pip install configupdater"
            )
            return result
        validation = ArgumentSpecValidator(
            sso_profiles_module.ARGUMENT_SPEC, mutually_exclusive=sso_profiles_module.MUTUALLY_EXCLUSIVE
        ).validate(self._task.args)
        if validation.error_messages:
            result.update(failed=True, msg="sso_profiles: " + "; ".join(validation.error_messages))
            return result
        params = validation.validated_parameters
        self._bounds = {key: params[key] for key in BOUNDS_SPEC}
        if not 1 <= params["page_size"] <= 100 or not 1 <= params["workers"] <= 16:
            result.update(failed=True, msg="sso_profiles: page_size must be 1 to 100 and workers 1 to 16")
            return result
        entries = params["users"] or [dict(user=params["user"], session=None, path=params["path"])]
        seen, users, options = set(), [], {}
        problems = []
        for entry in entries:
            session = entry.get("session") or params["session"]
            key = (entry["user"], entry.get("path"))
            if key in seen:
                problems.append("user %s is listed twice; list each user once" % entry["user"])
            seen.add(key)
            users.append(_User(entry["user"], session, entry.get("path")))
            if session not in options:
                try:
                    options[session] = check_options(dict(params, session=session))
                except NamingError as exc:
                    problems.extend(exc.problems)
        if problems:
            result.update(failed=True, msg="sso_profiles: nothing written: " + "; ".join(problems), problems=problems)
            return result

        listing = self._execute_module(
            module_name=LIST_MODULE,
            module_args=dict(
                users=[u.request for u in users],
                page_size=params["page_size"],
                workers=params["workers"],
                cli_environment=params["cli_environment"],
                **{key: params[key] for key in BOUNDS_SPEC},
            ),
            task_vars=task_vars,
        )
        if listing.get("failed") or not isinstance(listing.get("users"), list):
            result.update(failed=True, msg=listing.get("msg") or "the target module %s failed" % LIST_MODULE)
            for key in ("module_stderr", "module_stdout", "rc"):
                if key in listing:
                    result[key] = listing[key]
            return result

        for user, listed in zip(users, listing["users"]):
            self._plan_user(user, listed, options[user.request["session"]], params)
        self._write(users, params["backup"])
        return self._report(result, users, params)

    def _plan_user(self, user, listed, opts, params):
        res = user.result
        res.update({k: listed.get(k) for k in ("user", "status", "message", "token", "endpoint", "calls", "start_url")})
        res["user"] = res["user"] or user.request["user"]
        user.request["user"] = res["user"]
        user.request["path"] = listed.get("path") or user.request["path"]
        if listed.get("status") != "ok":
            return
        try:
            user.pairs, warnings = name_pairs(listed["accounts"], opts)
        except NamingError as exc:
            res.update(status="error", message="; ".join(exc.problems), problems=exc.problems)
            user.failed = True
            return
        res["warnings"] = warnings
        res["profiles"] = [{k: p[k] for k in ("name", "account_id", "account_name", "role_name")} for p in user.pairs]
        self._replan(user, listed["config"], opts, params["prune"])

    def _replan(self, user, read, opts, prune):
        res = user.result
        user.read = read
        user.opts = opts
        user.prune = prune
        path = user.request["path"]
        try:
            plan = plan_edit(read["content"], user.pairs, opts, prune)
            edit = config_edit.apply(read["content"], plan.declaration)
        except ConfigFileError as exc:
            # The parser quotes the offending line, which may hold a secret.
            res.update(status="error", message=mask_message("%s %s; the file was left untouched" % (path, exc)))
            user.failed = True
            return
        except DeclarationError as exc:
            res.update(status="error", message="; ".join(exc.problems), problems=exc.problems)
            user.failed = True
            return
        user.edit = edit
        renamed_to = {r["to"] for r in plan.renamed}
        renamed_from = {r["from"] for r in plan.renamed}
        res.update(
            path=path,
            added=[n for n in edit.added["profile"] if n not in renamed_to],
            updated=list(edit.updated["profile"]),
            renamed=plan.renamed,
            pruned=[p for p in plan.pruned if p["name"] not in renamed_from],
            stale=plan.stale,
        )
        res["warnings"] = sorted(set(res.get("warnings", []) + plan.warnings))
        content_changed = edit.text != read["content"]
        wrong_mode = read["exists"] and read["mode"] != FILE_MODE
        res["changed"] = content_changed or wrong_mode
        res.pop("diff", None)
        if self._task.diff and content_changed:
            res["diff"] = dict(
                before_header=path,
                after_header=path,
                before=mask_ini(read["content"]),
                after=mask_ini(edit.text),
            )

    def _file_call(self, operation, requests):
        outcome = self._execute_module(
            module_name=FILE_MODULE,
            module_args=dict(operation=operation, files=requests, **self._bounds),
            task_vars=self._task_vars,
        )
        if outcome.get("failed") or not isinstance(outcome.get("files"), list):
            msg = outcome.get("msg") or "the target module %s failed" % FILE_MODULE
            return [dict(failed=True, msg=msg)] * len(requests)
        return outcome["files"]

    def _write(self, users, backup):
        if self._task.check_mode:
            return
        pending = [u for u in users if u.edit is not None and u.result["changed"] and not u.failed]
        for attempt in range(MAX_ATTEMPTS):
            if not pending:
                return
            requests = [
                dict(
                    user=u.request["user"],
                    path=u.request["path"],
                    content=u.edit.text if u.edit.text != u.read["content"] else None,
                    expected_sha256=u.read["sha256"],
                    backup=backup,
                )
                for u in pending
            ]
            conflicts = []
            for user, answer in zip(pending, self._file_call("write", requests)):
                if answer.get("failed"):
                    user.result.update(status="error", message=answer.get("msg"), changed=False)
                    user.failed = True
                elif answer.get("conflict"):
                    conflicts.append(user)
                elif answer.get("backup_file"):
                    user.result["backup_file"] = answer["backup_file"]
            if not conflicts:
                return
            time.sleep(random.uniform(0, BACKOFF_SECONDS * min(attempt + 1, 10)))  # noqa: S311 (jitter, not crypto)
            reads = self._file_call("read", [dict(user=u.request["user"], path=u.request["path"]) for u in conflicts])
            pending = []
            for user, read in zip(conflicts, reads):
                if read.get("failed"):
                    user.result.update(status="error", message=read.get("msg"), changed=False)
                    user.failed = True
                    continue
                self._replan(user, read, user.opts, user.prune)
                if not user.failed and user.result["changed"]:
                    pending.append(user)
        for user in pending:
            user.result.update(
                status="error", changed=False, message="%s kept changing while being updated" % user.request["path"]
            )
            user.failed = True

    def _report(self, result, users, params):
        result["users"] = [u.result for u in users]
        counts = {}
        for u in users:
            counts[u.result["status"]] = counts.get(u.result["status"], 0) + 1
            u.result["failed"] = u.failed or u.result["status"] == "error"
        result["counts"] = counts
        result["changed"] = any(u.result["changed"] and not u.result["failed"] for u in users)
        if self._task.diff:
            diffs = [u.result.pop("diff") for u in users if "diff" in u.result and not u.result["failed"]]
            if diffs:
                result["diff"] = diffs
        for u in users:
            u.result.pop("diff", None)
        failed = [u.result for u in users if u.result["failed"]]
        if params["fail_on_login_required"]:
            failed += [u.result for u in users if u.result["status"] == "login_required"]
        login = [u.result["user"] for u in users if u.result["status"] == "login_required"]
        if login and not params["fail_on_login_required"]:
            result.setdefault("warnings", []).append(
                "sso_profiles: %s must sign in first (status login_required); nothing was written for them"
                % ", ".join(login)
            )
        for u in users:
            for warning in u.result.get("warnings") or []:
                result.setdefault("warnings", []).append("%s: %s" % (u.result["user"], warning))
        if failed:
            result.update(
                failed=True,
                msg="sso_profiles: %d of %d users failed (the others were done): %s"
                % (len(failed), len(users), "; ".join("%s: %s" % (r["user"], r["message"]) for r in failed)),
            )
        # Messages, warnings and diffs carry text from the users' files.
        return printable_data(result)
