#!/usr/bin/python
# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sso_report
short_description: Write the fleet's AWS SSO access report (JSON, Markdown, HTML) and show it on screen
version_added: 0.1.0
description:
  - Turns what M(labcloud.aws_sso.sso_identity_info) found on every host into one report for IT and lab managers,
    the last step of the playbook C(labcloud.aws_sso.verify).
  - Prints a table (host, user, profile, status, account, role, checked, token expiry), problems first, and the
    totals per status, with the default callback.
  - Writes C(report.json) (a stable, versioned schema for scripts), C(report.md) and C(report.html) in O(dest).
    The HTML page is self-contained (no external asset), colours statuses, filters rows by status when a total
    is clicked, reads on a phone, and shows for every row that is not C(ok) what the user should do. It can be
    mailed to a lab manager as it is.
  - Runs on the controller only and once per play whatever the play's hosts (an action plugin that bypasses the
    host loop); nothing is sent to any host.
  - Only known fields are copied from the results, each as text of bounded length with control characters
    removed, and every value is escaped for the format it is written in. Whatever else a result holds never
    reaches the report.
  - A host whose check failed or that was unreachable appears as a row with status C(error) or C(unreachable)
    and the reason, so the report never drops a host silently.
  - The task itself does not fail when a status of O(fail_on) is found; it returns RV(fail) and
    RV(failed_statuses) so that the play can write everything first and fail at its end.
  - See C(docs/report.md) in the collection's repository for the JSON schema and what each status means.
author:
  - labcloud engineers (@labcloud)
options:
  results:
    description:
      - The result of M(labcloud.aws_sso.sso_identity_info) by inventory host name.
      - A host that failed or was unreachable may be given as its task result, with C(failed) or C(unreachable)
        true and C(msg); it becomes an C(error) or C(unreachable) row with that message.
    type: dict
    required: true
  hosts:
    description:
      - Hosts that must appear in the report. One without an entry in O(results) gets an C(error) row saying that
        no result was recorded for it, for example because it dropped out of the play earlier.
      - Typically C(ansible_play_hosts_all).
    type: list
    elements: str
  dest:
    description:
      - Directory on the controller to write C(report.json), C(report.md) and C(report.html) in; created if
        missing. A relative path is relative to the directory C(ansible-playbook) runs in.
      - Each file is replaced atomically and gets mode C(0666) less the umask (usually C(0644)).
    type: path
    required: true
  fail_on:
    description:
      - Statuses that make RV(fail) true when any row has one.
    type: list
    elements: str
    default: []
    choices: [error, unreachable, config_error, cli_missing, forbidden, wrong_account, env_override, login_required, ok]
  title:
    description: Title of the report, for example the lab's name.
    type: str
    default: AWS SSO access report
  limit:
    description:
      - The C(--limit) pattern of the run, typically C(ansible_limit). When set, the screen, C(report.md) and
        C(report.html) say under the title that the run was limited, to which pattern and which hosts, and
        C(report.json) has it in C(limit).
    type: str
  validate_only:
    description:
      - Only check the options (O(fail_on), O(dest), O(title)) and fail with what is wrong; build, show and write
        nothing. For the first task of a play, so that a wrong status in O(fail_on) is refused before any host is
        touched rather than after every host was checked.
    type: bool
    default: false
extends_documentation_fragment:
  - labcloud.aws_sso.attributes
attributes:
  action:
    description: An action plugin builds and writes the report on the controller.
    support: full
  bypass_host_loop:
    description: Runs once per play, for all hosts, as with C(run_once).
    support: full
  check_mode:
    description:
      - Shows the table, labelled a preview (statuses may reflect what the run has not written yet), and returns
        everything, but writes no file and prints no path.
    support: full
  diff_mode:
    description: The files are reports, not managed state; no diff is returned.
    support: none
  platform:
    description: Runs on the controller; the managed hosts' platform does not matter.
    support: full
    platforms: all
notes:
  - Statuses, in the report's order (problems first)
    C(error), C(unreachable), C(config_error), C(cli_missing), C(forbidden), C(wrong_account), C(env_override),
    C(login_required), C(ok). Within a status, rows are sorted by host, user and profile.
  - C(changed) is true when the findings (host, user, profile, status, account and role of every row) differ from
    those of the C(report.json) already in O(dest), or there was none. The files are rewritten on every run outside
    check mode, with the time of the run; a re-run that finds the same is not a change, and a cron job can alert
    on C(changed).
seealso:
  - module: labcloud.aws_sso.sso_identity_info
"""

EXAMPLES = r"""
- name: Write the fleet report (hosts' results registered as identity)
  labcloud.aws_sso.sso_report:
    results: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars, 'identity'))) }}"
    hosts: "{{ ansible_play_hosts_all }}"
    dest: ./aws-sso-report
    title: Bio lab workstations
    fail_on: [error, forbidden, wrong_account]
  register: report

- name: Fail the run for cron or CI once everything is written
  ansible.builtin.fail:
    msg: "AWS SSO problems found: {{ report.failed_statuses | join(', ') }}; see {{ report.files.html }}"
  when: report.fail
"""

RETURN = r"""
files:
  description: Absolute paths of the files written (or that would be written, in check mode; see RV(written)).
  returned: success, unless O(validate_only)
  type: dict
  contains:
    json:
      description: The machine-readable report.
      type: str
      sample: /srv/reports/aws-sso-report/report.json
    md:
      description: The Markdown report.
      type: str
      sample: /srv/reports/aws-sso-report/report.md
    html:
      description: The self-contained HTML page.
      type: str
      sample: /srv/reports/aws-sso-report/report.html
totals:
  description: Number of rows per status, every status present, in the report's order.
  returned: success, unless O(validate_only)
  type: dict
  sample: {error: 0, unreachable: 1, config_error: 0, cli_missing: 0, forbidden: 1, wrong_account: 0,
           env_override: 0, login_required: 2, ok: 14}
rows:
  description:
    - The report's rows, problems first; the same as C(rows) in C(report.json) (see C(docs/report.md)).
  returned: success, unless O(validate_only)
  type: list
  elements: dict
  sample:
    - host: ws01
      user: alice
      profile: dev
      status: login_required
      message: "The sign-in expired: run aws sso login --profile dev"
      session: lab
      start_url: https://d-1234567890.awsapps.com/start
      account: null
      expected_account: "111111111111"
      account_matches: null
      role: null
      expected_role: Developer
      role_matches: null
      arn: null
      token: {state: expired, expires_at: "2026-11-23T08:00:00Z", minutes_left: -95, refreshable: false}
      env_override: null
      checked: live
written:
  description: Whether the files were written (false in check mode).
  returned: success, unless O(validate_only)
  type: bool
  sample: true
failed_statuses:
  description: The statuses of O(fail_on) that occur, in the report's order.
  returned: success, unless O(validate_only)
  type: list
  elements: str
  sample: [forbidden]
fail:
  description: Whether any status of O(fail_on) occurs; the play should fail at its end when true.
  returned: success, unless O(validate_only)
  type: bool
  sample: true
"""

from ansible_collections.labcloud.aws_sso.plugins.module_utils import sso_report_spec
from ansible_collections.labcloud.aws_sso.plugins.module_utils.controller_only import validate_then_refuse


def main():
    validate_then_refuse("sso_report", sso_report_spec.ARGUMENT_SPEC)


if __name__ == "__main__":
    main()
