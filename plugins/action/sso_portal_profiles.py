# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.sso_portal_profiles.

One call of sso_portal_access_info lists the portal for every user of the host (as
each user, with each user's token) and returns each user's config as read;
names and the edit are computed here; one aws_config_file call writes every
changed file with compare-and-swap. A file changed in between is read again
(aws_config_file) and planned again.
"""

from __future__ import annotations

import functools

from ansible_collections.labcloud.aws_sso.plugins.module_utils.as_user import BOUNDS_SPEC
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse
from ansible_collections.labcloud.aws_sso.plugins.module_utils.ini_scan import ConfigFileError
from ansible_collections.labcloud.aws_sso.plugins.module_utils.masking import mask_ini, mask_message
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_portal_profiles_spec import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
)
from ansible_collections.labcloud.aws_sso.plugins.module_utils.terminal import printable_data
from ansible_collections.labcloud.aws_sso.plugins.module_utils.user_entries import repeated_users
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import config_edit, config_swap
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import ControllerAction
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.declaration import DeclarationError
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.profile_names import (
    NamingError,
    check_options,
    name_pairs,
    plan_edit,
)

# ansible-lint's args rule checks a task's options through the action
# plugin's main() (see plugins/module_utils/controller_only.py).
main = functools.partial(validate_then_refuse, "sso_portal_profiles", ARGUMENT_SPEC, MUTUALLY_EXCLUSIVE)

LIST_MODULE = "labcloud.aws_sso.sso_portal_access_info"


class _User(config_swap.SwapJob):
    """One user: their portal listing, the profiles named from it, and their config file's edit."""

    def __init__(self, user, session, path, backup, prune, diff):
        super().__init__(user, path, backup)
        self.session = session
        self.result = dict(user=user, session=session, status="error", changed=False)
        self.failed = False
        self.pairs = None
        self.opts = None
        self.prune = prune
        self.diff = diff

    def fail(self, failure):
        self.result.update(status="error", message=failure.get("msg"), changed=False)
        self.failed = True

    def plan(self, read):
        """The profiles' edit of the file as read; the text to write, or None."""
        res = self.result
        path = self.request["path"]
        try:
            plan = plan_edit(read["content"], self.pairs, self.opts, self.prune)
            edit = config_edit.apply(read["content"], plan.declaration)
        except ConfigFileError as exc:
            # The parser quotes the offending line, which may hold a secret.
            res.update(status="error", message=mask_message("%s %s; the file was left untouched" % (path, exc)))
            self.failed = True
            return None
        except DeclarationError as exc:
            res.update(status="error", message="; ".join(exc.problems), problems=exc.problems)
            self.failed = True
            return None
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
        wrong_mode = read["exists"] and read["mode"] != config_swap.FILE_MODE
        res["changed"] = content_changed or wrong_mode
        res.pop("diff", None)
        if self.diff and content_changed:
            res["diff"] = dict(
                before_header=path,
                after_header=path,
                before=mask_ini(read["content"]),
                after=mask_ini(edit.text),
            )
        return edit.text if res["changed"] else None


class ActionModule(ControllerAction):
    NAME = "sso_portal_profiles"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    MUTUALLY_EXCLUSIVE = MUTUALLY_EXCLUSIVE
    NEEDS_CONFIGUPDATER = True

    def act(self, params, result, task_vars):
        bounds = {key: params[key] for key in BOUNDS_SPEC}
        if not 1 <= params["page_size"] <= 100 or not 1 <= params["workers"] <= 16:
            return self.fail(result, "sso_portal_profiles: page_size must be 1 to 100 and workers 1 to 16")
        entries = params["users"] or [dict(user=params["user"], session=None, path=params["path"])]
        users, options = [], {}
        problems = []
        # The same user may appear once per config file path.
        repeats = repeated_users((entry["user"], entry.get("path")) for entry in entries)
        for index, entry in enumerate(entries):
            session = entry.get("session") or params["session"]
            if index in repeats:
                problems.append("user %s is listed twice; list each user once" % entry["user"])
            users.append(
                _User(entry["user"], session, entry.get("path"), params["backup"], params["prune"], self._task.diff)
            )
            if session not in options:
                try:
                    options[session] = check_options(dict(params, session=session))
                except NamingError as exc:
                    problems.extend(exc.problems)
        if problems:
            return self.fail(result, "sso_portal_profiles: nothing written: " + "; ".join(problems), problems=problems)

        listing = self.run_on_host(
            LIST_MODULE,
            dict(
                users=[dict(u.request, session=u.session) for u in users],
                page_size=params["page_size"],
                workers=params["workers"],
                cli_environment=params["cli_environment"],
                **bounds,
            ),
            task_vars,
            "users",
        )
        if isinstance(listing, dict):
            return self.fail(result, **listing)

        # Only users whose listing named their profiles have a file to plan: the one listing read it.
        named = [(user, listed["config"]) for user, listed in zip(users, listing) if self._name(user, listed, options)]
        config_swap.converge(
            [user for user, _read in named],
            config_swap.file_call(self, task_vars, bounds),
            self._task.check_mode,
            reads=[read for _user, read in named],
        )
        return self._report(result, users, params)

    @staticmethod
    def _name(user, listed, options):
        """The user's listing and profile names; True when their file is to be planned."""
        res = user.result
        res.update({k: listed.get(k) for k in ("user", "status", "message", "token", "endpoint", "calls", "start_url")})
        res["user"] = res["user"] or user.request["user"]
        user.request["user"] = res["user"]
        user.request["path"] = listed.get("path") or user.request["path"]
        if listed.get("status") != "ok":
            return False
        try:
            user.pairs, warnings = name_pairs(listed["accounts"], options[user.session])
        except NamingError as exc:
            res.update(status="error", message="; ".join(exc.problems), problems=exc.problems)
            user.failed = True
            return False
        res["warnings"] = warnings
        res["profiles"] = [{k: p[k] for k in ("name", "account_id", "account_name", "role_name")} for p in user.pairs]
        user.opts = options[user.session]
        return True

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
                "sso_portal_profiles: %s must sign in first (status login_required); nothing was written for them"
                % ", ".join(login)
            )
        for u in users:
            for warning in u.result.get("warnings") or []:
                result.setdefault("warnings", []).append("%s: %s" % (u.result["user"], warning))
        if failed:
            result.update(
                failed=True,
                msg="sso_portal_profiles: %d of %d users failed (the others were done): %s"
                % (len(failed), len(users), "; ".join("%s: %s" % (r["user"], r["message"]) for r in failed)),
            )
        # Messages, warnings and diffs carry text from the users' files.
        return printable_data(result)
