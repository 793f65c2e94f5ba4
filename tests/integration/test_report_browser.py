"""The fleet report written by the real sso_report action plugin, checked in Debian's headless chromium."""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils import fleet_report as fr
from tests.testbed import report_sample
from tests.testbed.browser import Browser, ensure_chromium
from tests.testbed.paths import REPO

BIN = Path(sys.executable).parent
STATUSES = list(fr.STATUSES)

PLAY = """
- name: Fleet report
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the report
      labcloud.aws_sso.sso_report:
        results: "{{ results }}"
        hosts: "{{ expected_hosts }}"
        dest: "{{ dest }}"
        title: Bio lab workstations
        fail_on: [forbidden, wrong_account]
      register: report
    - name: Keep what the action returned
      ansible.builtin.copy:
        content: "{{ report | to_json }}"
        dest: "{{ dest }}.result.json"
        mode: "0600"
      check_mode: false
    - name: Fail at the end, as verify does
      ansible.builtin.fail:
        msg: "failed statuses: {{ report.failed_statuses | join(',') }}"
      when: report.fail
"""


def expected_rows(results, hosts):
    """(host, user, profile, status) of every row, worked out from the input by hand."""
    rows = []
    for host in hosts:
        result = results.get(host)
        if result is None or result.get("failed") and not result.get("users"):
            rows.append((host, None, None, "error"))
        elif result.get("unreachable"):
            rows.append((host, None, None, "unreachable"))
        else:
            for user in result["users"]:
                if user.get("error"):
                    rows.append((host, user["user"], None, "error"))
                for profile in user.get("profiles") or ():
                    rows.append((host, user["user"], profile["profile"], profile["status"]))
    return rows


def run_play(tmp, dest, *args):
    results = report_sample.results(hostile=True)
    hosts = [*results, "ws07.lab.example.org"]  # in the play, but without any result
    (tmp / "vars.json").write_text(json.dumps({"results": results, "expected_hosts": hosts, "dest": str(dest)}))
    (tmp / "play.yml").write_text(PLAY)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"), ANSIBLE_NOCOLOR="1")
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "@" + str(tmp / "vars.json")]
    command += ["-e", "ansible_python_interpreter=/usr/bin/python3"]
    command += [*args, str(tmp / "play.yml")]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    return run, expected_rows(results, hosts)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    dest = tmp / "out"
    run, rows = run_play(tmp, dest)
    return dict(run=run, rows=rows, dest=dest, result=json.loads((tmp / "out.result.json").read_text()))


@pytest.fixture(scope="module")
def browser():
    ensure_chromium()
    with Browser() as instance:
        yield instance


def test_play_writes_all_files_then_fails_at_its_end(written):
    run, dest, result = written["run"], written["dest"], written["result"]
    assert run.returncode == 2, run.stdout + run.stderr
    assert "failed statuses: forbidden,wrong_account" in run.stdout
    assert sorted(p.name for p in dest.iterdir()) == ["report.html", "report.json", "report.md"]
    assert {oct(p.stat().st_mode & 0o777) for p in dest.iterdir()} <= {"0o644", "0o640", "0o600"}
    assert result["fail"] is True and result["failed_statuses"] == ["forbidden", "wrong_account"]
    assert result["changed"] is True
    assert result["files"] == {kind: str(dest / ("report." + kind)) for kind in ("json", "md", "html")}
    data = json.loads((dest / "report.json").read_text())
    assert data["schema"] == 1 and data["rows"] == result["rows"] and data["totals"] == result["totals"]
    for secret in report_sample.SECRETS:
        assert secret not in run.stdout
        for path in dest.iterdir():
            assert secret not in path.read_text()


def test_table_and_totals_on_screen(written):
    out = written["run"].stdout
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:4] == ["host", "user", "profile", "status"])
    assert lines[header].split()[-2:] == ["token", "expiry"]
    start, end = lines[header].index("status"), lines[header].index("account")
    body = lines[header + 2 : header + 2 + len(written["rows"])]
    statuses = [line[start:end].strip() for line in body]
    assert sorted(statuses) == sorted(row[3] for row in written["rows"])
    assert statuses == sorted(statuses, key=STATUSES.index)
    assert lines[header + 2 + len(written["rows"])] == ""
    assert "totals: error 3, unreachable 2, config_error 1" in out
    assert "statuses listed in fail_on found: forbidden, wrong_account" in out


def test_check_mode_writes_nothing(tmp_path):
    run, _ = run_play(tmp_path, tmp_path / "out", "--check")
    assert run.returncode == 2, run.stdout + run.stderr
    assert not (tmp_path / "out").exists()
    # A preview, and no path of a report it did not write.
    assert "Preview (check mode)" in run.stdout and "report not written (check mode)" in run.stdout
    assert str(tmp_path / "out") not in run.stdout


def visible_rows(page):
    return page.evaluate(
        "Array.from(document.querySelectorAll('#rows tbody tr'))"
        ".filter(r => r.getClientRects().length > 0).map(r => r.dataset.status)"
    )


def test_page_renders_the_expected_rows(written, browser):
    page = browser.new_page(1280, 900)
    page.goto(written["dest"] / "report.html")
    assert page.evaluate("document.title") == "Bio lab workstations"
    cells = page.evaluate(
        "Array.from(document.querySelectorAll('#rows tbody tr')).map(r =>"
        " Array.from(r.cells).slice(0, 4).map(c => c.textContent))"
    )

    def key(row):
        return tuple(v or "" for v in row)

    got = sorted((tuple(None if v == "-" else v for v in row) for row in cells), key=key)
    assert got == sorted(written["rows"], key=key)
    assert len(cells) == 16  # 14 of the sample, the hostile one, ws07 without a result
    assert [row[3] for row in cells] == sorted((row[3] for row in cells), key=STATUSES.index)
    totals = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('nav.totals button[data-filter]'))"
        ".filter(b => b.dataset.filter).map(b => [b.dataset.filter, +b.querySelector('.n').textContent]))"
    )
    assert totals == {s: n for s, n in written["result"]["totals"].items() if n}
    # Statuses in colour: a problem and ok do not look alike.
    colours = page.evaluate(
        "['error', 'login_required', 'ok'].map(s => getComputedStyle("
        "document.querySelector('tr[data-status=' + s + '] .s')).backgroundColor)"
    )
    assert len(set(colours)) == 3
    # Every non-ok row says what to do.
    assert page.evaluate(
        "Array.from(document.querySelectorAll('#rows tbody tr:not([data-status=ok]) td.msg'))"
        ".every(td => td.textContent.length > 10)"
    )
    assert not [m for m in page.console() if "Content Security Policy" in m or "Uncaught" in m]


def test_status_filter_by_click(written, browser):
    page = browser.new_page(1280, 900)
    page.goto(written["dest"] / "report.html")
    total = len(written["rows"])
    assert len(visible_rows(page)) == total
    for status, count in written["result"]["totals"].items():
        if not count:
            continue
        page.click("nav.totals button[data-filter=%s]" % status)
        assert visible_rows(page) == [status] * count, status
        assert page.evaluate("document.getElementById('shown').textContent") == "%d of %d rows: %s" % (
            count,
            total,
            status,
        )
        assert page.evaluate("location.hash") == "#status=" + status
    page.click("nav.totals button[data-filter=ok]")  # the last one again: all rows
    assert len(visible_rows(page)) == total
    page.click("nav.totals button[data-filter=error]")
    page.click("nav.totals button[data-filter='']")
    assert len(visible_rows(page)) == total


def test_filter_from_the_address(written, browser):
    page = browser.new_page(1280, 900)
    page.goto((written["dest"] / "report.html").as_uri() + "#status=forbidden")
    assert visible_rows(page) == ["forbidden"]
    assert page.evaluate("document.querySelector('button[data-filter=forbidden]').getAttribute('aria-pressed')") == (
        "true"
    )


def test_injected_markup_is_shown_as_text_and_never_runs(written, browser):
    page = browser.new_page(1280, 900)
    page.goto(written["dest"] / "report.html")
    assert page.evaluate("typeof window.__injected") == "undefined"
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.querySelectorAll('#rows img, #rows script').length") == 0
    row = page.evaluate(
        "Array.from(document.querySelector('tr td.c-host').closest('tbody').rows)"
        ".map(r => Array.from(r.cells).map(c => c.textContent)).find(c => c[0] === 'ws06.lab.example.org')"
    )
    assert row[1] == report_sample.SCRIPT and row[2] == report_sample.IMG
    assert row[-1].startswith("run </td></tr></tbody></table><script>")


def test_phone_viewport_has_no_horizontal_overflow(written, browser, tmp_path):
    page = browser.new_page(390, 844, mobile=True)
    page.goto(written["dest"] / "report.html")
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes == [390, 390]
    assert page.evaluate("getComputedStyle(document.querySelector('#rows thead')).display") == "none"
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('#rows tbody tr')).map(r => r.getBoundingClientRect().right)"
    )
    assert len(widths) == len(written["rows"]) and max(widths) <= 390
    page.click("nav.totals button[data-filter=login_required]")  # a tap works on the phone layout too
    assert visible_rows(page) == ["login_required"] * written["result"]["totals"]["login_required"]
    shot = page.screenshot(tmp_path / "phone.png")
    width, height = struct.unpack(">II", shot.read_bytes()[16:24])
    assert (width, height) == (390, 844)


def test_chromium_script_is_idempotent():
    run = subprocess.run(["bash", str(REPO / "tests" / "testbed" / "chromium.sh")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""


def test_a_rerun_that_finds_the_same_is_not_a_change(written):
    dest = written["dest"]
    before = json.loads((dest / "report.json").read_text())
    run, _rows = run_play(dest.parent, dest)
    again = json.loads((dest.parent / "out.result.json").read_text())
    after = json.loads((dest / "report.json").read_text())
    assert run.returncode == 2, run.stdout + run.stderr
    assert again["changed"] is False
    # Rewritten all the same, with the time of this run.
    assert after["generated_at"] >= before["generated_at"] and after["rows"] == before["rows"]
