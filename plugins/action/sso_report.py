# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""Controller side of labcloud.aws_sso.sso_report: the fleet report.

Nothing runs on a host. The rows, totals and file contents come from
plugin_utils.fleet_report; this plugin validates the options, writes the
files atomically and prints the table with Ansible's display.
"""

from __future__ import annotations

import json
import os
import tempfile

from ansible import constants as C
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.display import Display

from ansible_collections.labcloud.aws_sso.plugins.modules import sso_report as sso_report_module
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.controller_action import ControllerAction

display = Display()

# ansible-lint's args rule loads the action plugin and checks a task's options
# through its main() (see plugins/action/aws_config.py).
main = sso_report_module.main

FILES = {"json": "report.json", "md": "report.md", "html": "report.html"}
COLORS = {"bad": C.COLOR_ERROR, "warn": C.COLOR_WARN, "todo": C.COLOR_CHANGED, "good": C.COLOR_OK}


def _umask():
    # Python cannot read the umask without setting it; this worker is a
    # process of its own and sets it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path, text):
    """Replace path with text through a temp file in the same directory; True when the content changed."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True


def _previous_findings(path):
    try:
        with open(path, "rb") as handle:
            return fleet_report.findings(json.loads(handle.read().decode("utf-8")))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


class ActionModule(ControllerAction):
    MODULE = sso_report_module

    def act(self, params, result):
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
            result.update(failed=True, msg="sso_report: nothing written: %s" % exc)
            return result

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
                result.update(
                    failed=True,
                    changed=changed,
                    msg="sso_report: cannot write the report in dest %s: %s; choose a directory the controller "
                    "user can write" % (dest, exc.strerror or exc),
                )
                return result

        self._show(report, files)
        result.update(
            changed=changed,
            files=files,
            written=not self._task.check_mode,
            totals=report["totals"],
            rows=report["rows"],
            failed_statuses=report["failed_statuses"],
            fail=report["fail"],
            msg=fleet_report.totals_text(report),
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
            result.update(failed=True, msg=self.who() + "; ".join(problems))
        return result

    def who(self):
        # Before any host is touched, the playbooks pass their own variables: name those.
        if boolean(self._task.args.get("validate_only", False), strict=False):
            return "sso_report (fail_on is the playbook's verify_fail_on, dest its verify_report_dir): "
        return super().who()

    def _show(self, report, files):
        for line, level in fleet_report.render_text(report):
            display.display(line, color=COLORS.get(level))
        if self._task.check_mode:
            # A path here would send a reader to a file this run did not write.
            display.display("report not written (check mode)")
        else:
            display.display("report written to %s (open %s)" % (os.path.dirname(files["html"]), files["html"]))
