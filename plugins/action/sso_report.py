# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.sso_report: the fleet report.

Nothing runs on a host. The rows, totals and file contents come from
plugin_utils.fleet_report; this plugin validates the options, writes the
files atomically and prints the table with Ansible's display.
"""

from __future__ import annotations

import functools
import json
import os

from ansible import constants as C
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.display import Display

from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse
from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_report_spec import ARGUMENT_SPEC
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report, fleet_report_text
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import ControllerAction
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_files import write_atomic

display = Display()

# ansible-lint's args rule checks a task's options through the action
# plugin's main() (see plugins/module_utils/controller_only.py).
main = functools.partial(validate_then_refuse, "sso_report", ARGUMENT_SPEC)

FILES = {"json": "report.json", "md": "report.md", "html": "report.html"}
COLORS = {"bad": C.COLOR_ERROR, "warn": C.COLOR_WARN, "todo": C.COLOR_CHANGED, "good": C.COLOR_OK}


def _previous_findings(path):
    try:
        with open(path, "rb") as handle:
            return fleet_report.findings(json.loads(handle.read().decode("utf-8")))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


class ActionModule(ControllerAction):
    # One run for the whole play, however many hosts the play has.
    BYPASS_HOST_LOOP = True
    NAME = "sso_report"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, params, result, task_vars):
        dest = os.path.abspath(os.path.expanduser(params["dest"]))
        if params["validate_only"]:
            return self._validate(result, params, dest)
        try:
            report = fleet_report.build(
                params["results"],
                fail_on=params["fail_on"],
                title=params["title"],
                hosts=params["hosts"],
                limit=params["limit"],
                preview=self._task.check_mode,
            )
        except fleet_report.ReportError as exc:
            return self.fail(result, "sso_report: nothing written: %s" % exc)

        files = {kind: os.path.join(dest, name) for kind, name in FILES.items()}
        # `changed` says whether the fleet's findings changed since the report
        # last written there, so that a no-op re-run of setup or verify stays
        # unchanged and a cron job can alert on it; the files themselves are
        # always rewritten with the time of this run.
        changed = fleet_report.findings(report) != _previous_findings(files["json"])
        if not self._task.check_mode:
            try:
                os.makedirs(dest, exist_ok=True)
                if not os.path.isdir(dest):
                    raise NotADirectoryError("not a directory")
                for kind, text in fleet_report.render_all(report).items():
                    write_atomic(files[kind], text)
            except OSError as exc:
                return self.fail(
                    result,
                    "sso_report: cannot write the report in dest %s: %s; choose a directory the controller "
                    "user can write" % (dest, exc.strerror or exc),
                    changed=changed,
                )

        self._show(report, files)
        result.update(
            changed=changed,
            files=files,
            written=not self._task.check_mode,
            totals=report["totals"],
            rows=report["rows"],
            failed_statuses=report["failed_statuses"],
            fail=report["fail"],
            msg=fleet_report_text.totals_text(report),
        )
        return result

    def _validate(self, result, params, dest):
        """Only the options: what the report at the end of the play would refuse, refused now."""
        problems = []
        try:
            fleet_report.check_fail_on(params["fail_on"])
        except fleet_report.ReportError as exc:
            problems.append(str(exc))
        if os.path.exists(dest) and not os.path.isdir(dest):
            problems.append("dest %s is not a directory; choose a directory the controller user can write" % dest)
        if problems:
            return self.fail(result, self.who() + "; ".join(problems))
        return result

    def who(self):
        # Before any host is touched, the playbooks pass their own variables: name those.
        if boolean(self._task.args.get("validate_only", False), strict=False):
            return "sso_report (fail_on is the playbook's verify_fail_on, dest its verify_report_dir): "
        return super().who()

    def _show(self, report, files):
        for line, level in fleet_report_text.render_text(report):
            display.display(line, color=COLORS.get(level))
        if self._task.check_mode:
            # A path here would send a reader to a file this run did not write.
            display.display("report not written (check mode)")
        else:
            display.display("report written to %s (open %s)" % (os.path.dirname(files["html"]), files["html"]))
