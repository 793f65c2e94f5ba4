"""A realistic input for labcloud.aws_sso.sso_report: what sso_identity returns for a small lab.

Every status occurs at least once, with an unreachable host and a host whose
task failed. Used by the unit and browser tests of the fleet report and by
`make screenshots` (docs/img/report.png).

    python -m tests.testbed.report_sample DEST [--hostile]   # writes the three report files into DEST
    python -m tests.testbed.report_sample --screenshot [PNG]  # docs/img/report.png (make screenshots)
"""

from __future__ import annotations

import copy
import datetime
import sys

START_URL = "https://d-1234567890.awsapps.com/start"
DEV = "111111111111"
DATA = "222222222222"
NOW = datetime.datetime(2026, 11, 23, 16, 0, tzinfo=datetime.timezone.utc)

# What a script injected through a user name, profile or message would try.
SCRIPT = "<script>window.__injected = 1</script>"
IMG = '<img src=x onerror="window.__injected = 2">'


def _token(state, minutes_left):
    if state == "missing":
        return {"state": "missing", "expires_at": None, "minutes_left": None, "refreshable": False}
    expires = NOW + datetime.timedelta(minutes=minutes_left)
    return {
        "state": state,
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "minutes_left": minutes_left,
        "refreshable": state in ("valid", "expiring", "expired_refreshable"),
    }


def _profile(user, profile, status, token=("valid", 300), account=DEV, role="Developer", message=None, **extra):
    expected_account = DEV if profile == "dev" else DATA
    expected_role = "Developer" if profile == "dev" else "DataScientist"
    live = status in ("ok", "wrong_account", "env_override")
    entry = {
        "profile": profile,
        "status": status,
        "session": "lab",
        "start_url": START_URL,
        "expected_account": expected_account,
        "expected_role": expected_role,
        "token": _token(*token),
        "account": account if live else None,
        "arn": "arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s_0123abcd/%s" % (account, role, user) if live else None,
        "role": role if live else None,
        "user_id": "AROAEXAMPLEID:%s" % user if live else None,
        "account_matches": (account == expected_account) if live else None,
        "role_matches": (role == expected_role) if live else None,
        "message": message,
        "env_override": None,
        "checked": "live",
    }
    entry.update(extra)
    return entry


def _user(user, *profiles, error=None):
    return {"user": user, "home": "/home/%s" % user, "error": error, "profiles": list(profiles)}


def _host(*users):
    counts = {}
    for user in users:
        for profile in user["profiles"]:
            counts[profile["status"]] = counts.get(profile["status"], 0) + 1
    return {"changed": False, "users": list(users), "counts": counts}


def results(hostile=False):
    """sso_identity results by host, as the verify playbook hands them to sso_report."""
    data = {
        "ws01.lab.example.org": _host(
            _user(
                "alice",
                _profile("alice", "dev", "ok"),
                _profile("alice", "data", "ok", account=DATA, role="DataScientist", token=("expiring", 9)),
            ),
            _user(
                "bob",
                _profile(
                    "bob",
                    "dev",
                    "login_required",
                    token=("expired", -95),
                    message="The sign-in ended 1 h 35 min ago and cannot be refreshed: run "
                    "`aws sso login --profile dev`, then try again.",
                ),
                _profile(
                    "bob",
                    "data",
                    "forbidden",
                    message="Signed in, but the role DataScientist of account 222222222222 is not assigned to bob "
                    "in IAM Identity Center: ask IT to assign it.",
                ),
            ),
        ),
        "ws02.lab.example.org": _host(
            _user(
                "carol",
                _profile(
                    "carol",
                    "dev",
                    "wrong_account",
                    account="333333333333",
                    message="The profile reaches account 333333333333, not 111111111111: IT re-runs the set-up "
                    "for this host.",
                ),
                _profile(
                    "carol",
                    "data",
                    "env_override",
                    account=DATA,
                    role="DataScientist",
                    message="AWS_ACCESS_KEY_ID in /home/carol/.bashrc line 12 overrides the SSO profile: delete "
                    "that line and open a new shell.",
                    env_override={"variable": "AWS_ACCESS_KEY_ID", "file": "/home/carol/.bashrc", "line": 12},
                    checked="shell",
                ),
            ),
            _user(
                "dan",
                _profile("dan", "dev", "ok", token=("expired_refreshable", -20)),
                _profile(
                    "dan",
                    "data",
                    "login_required",
                    token=("missing", None),
                    message="Never signed in: run `aws sso login --profile data`.",
                ),
            ),
            _user("erin", error="The home directory /home/erin does not exist (user removed?)."),
        ),
        "ws03.lab.example.org": _host(
            _user(
                "frank",
                _profile(
                    "frank",
                    "dev",
                    "cli_missing",
                    token=("valid", 200),
                    message="The AWS CLI v2 is not installed on this host: IT runs the setup playbook.",
                ),
            ),
            _user(
                "grace",
                _profile(
                    "grace",
                    "dev",
                    "config_error",
                    token=("missing", None),
                    message="The AWS CLI cannot read /home/grace/.aws/config: Unable to parse config file. IT "
                    "re-runs the set-up.",
                ),
                _profile(
                    "grace",
                    "data",
                    "unreachable",
                    token=("valid", 45),
                    message="Could not connect to the endpoint URL https://portal.sso.us-east-1.amazonaws.com: "
                    "check the host's network or proxy.",
                ),
            ),
        ),
        "ws04.lab.example.org": {
            "unreachable": True,
            "changed": False,
            "msg": "Failed to connect to the host via ssh: ssh: connect to host ws04 port 22: No route to host",
        },
        "ws05.lab.example.org": {
            "failed": True,
            "changed": False,
            "msg": "MODULE FAILURE: /usr/bin/python3: not found",
        },
    }
    if hostile:
        data["ws06.lab.example.org"] = _host(
            _user(
                SCRIPT,
                _profile(
                    "mallory",
                    IMG,
                    "login_required",
                    token=("expired", -5),
                    message="run </td></tr></tbody></table>" + SCRIPT + " | `x` [y](javascript:alert(1))",
                    # Never a field of the report: must not show up anywhere.
                    access_token="SECRET-TOKEN-VALUE",
                    credentials={"AccessKeyId": "ASIAEXAMPLEKEY", "SecretAccessKey": "SECRET-ACCESS-KEY"},
                ),
            )
        )
        data["ws06.lab.example.org"]["client_secret"] = "SECRET-CLIENT"
    return copy.deepcopy(data)


HOSTILE_VALUES = (SCRIPT, IMG)
SECRETS = ("SECRET-TOKEN-VALUE", "ASIAEXAMPLEKEY", "SECRET-ACCESS-KEY", "SECRET-CLIENT", "AROAEXAMPLEID")


def write(dest, hostile=False, fail_on=("error", "forbidden")):
    """Build the report from results() and write the three files into dest; returns the report."""
    from pathlib import Path

    from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report

    report = fleet_report.build(results(hostile), fail_on=list(fail_on), title="Bio lab workstations", now=NOW)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for kind, text in fleet_report.render_all(report).items():
        (dest / ("report." + kind)).write_text(text, encoding="utf-8")
    return report


def screenshot(png, width=1280, height=900):
    """docs/img/report.png: the sample report's page in headless chromium, whole page at a laptop's width."""
    from tests.testbed.browser import Browser
    from tests.testbed.paths import REPO

    dest = REPO / "build" / "report-sample"
    write(dest)
    with Browser() as browser:
        page = browser.new_page(width, height)
        page.goto(dest / "report.html")
        return page.screenshot(png, full_page=True)


if __name__ == "__main__":
    from tests.testbed.paths import REPO

    sys.path.insert(0, str(REPO / "build" / "link"))
    if sys.argv[1:2] == ["--screenshot"]:
        print("wrote", screenshot(sys.argv[2] if len(sys.argv) > 2 else REPO / "docs" / "img" / "report.png"))
    else:
        write(sys.argv[1], hostile="--hostile" in sys.argv)
