# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The fleet report as one self-contained HTML page (report.html): markup,
style and the status filter's script."""

from __future__ import annotations

import base64
import hashlib
import html

from ansible_collections.labcloud.aws_sso.plugins.module_utils.sso_identity import STATUSES
from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.fleet_report_text import (
    CHECKED,
    LEVELS,
    MEANINGS,
    TABLE_COLUMNS,
    counts_text,
    scope_lines,
    table_cells,
    what_to_do,
)

_CSS = """
:root{--bad:#b42318;--bad-bg:#fee4e2;--warn:#93370d;--warn-bg:#fef0c7;--todo:#175cd3;--todo-bg:#d1e9ff;
--good:#067647;--good-bg:#dcfae6;--line:#d0d5dd;--muted:#475467}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;padding:16px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:#101828;background:#fff}
h1{font-size:1.4em;margin:0 0 4px}
p.meta{color:var(--muted);margin:0 0 12px}
p.alert{background:var(--bad-bg);color:var(--bad);padding:8px 12px;border-radius:6px;font-weight:600}
nav.totals{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
nav.totals button{font:inherit;border:2px solid transparent;border-radius:999px;padding:4px 12px;cursor:pointer;
background:#f2f4f7;color:#101828}
nav.totals button[aria-pressed=true]{border-color:#101828}
nav.totals button .n{font-weight:700;margin-left:6px}
.s{display:inline-block;border-radius:999px;padding:1px 10px;font-weight:600;white-space:nowrap}
.s.bad,nav.totals button.bad{background:var(--bad-bg);color:var(--bad)}
.s.warn,nav.totals button.warn{background:var(--warn-bg);color:var(--warn)}
.s.todo,nav.totals button.todo{background:var(--todo-bg);color:var(--todo)}
.s.good,nav.totals button.good{background:var(--good-bg);color:var(--good)}
p.shown{color:var(--muted);margin:4px 0 8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:6px;border-bottom:1px solid var(--line);
overflow-wrap:break-word}
td.c-host{min-width:8em}td.c-user,td.c-profile,td.c-role{min-width:5.5em}td.c-account{min-width:13ch}
td.c-token{min-width:8em}
th{background:#f9fafb;position:sticky;top:0}
tr.bad td:first-child{box-shadow:inset 4px 0 var(--bad)}tr.warn td:first-child{box-shadow:inset 4px 0 var(--warn)}
tr.todo td:first-child{box-shadow:inset 4px 0 var(--todo)}tr.good td:first-child{box-shadow:inset 4px 0 var(--good)}
td.msg{min-width:13em;overflow-wrap:anywhere}
div.wrap{overflow-x:auto}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin-top:20px;color:var(--muted)}
dl.legend dd{margin:0}
@media (max-width:1000px){
body{padding:10px}
table,thead,tbody,tr,td{display:block;width:100%}
thead{display:none}
tr{border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px 0}
tr.bad{border-left:5px solid var(--bad)}tr.warn{border-left:5px solid var(--warn)}
tr.todo{border-left:5px solid var(--todo)}tr.good{border-left:5px solid var(--good)}
tr td:first-child{box-shadow:none!important}
td,td.msg,td[class^=c-]{border:0;padding:3px 10px;display:grid;grid-template-columns:7.5em minmax(0,1fr);gap:8px;
min-width:0;overflow-wrap:anywhere}
td .s{justify-self:start}
td::before{content:attr(data-label);color:var(--muted)}
dl.legend{grid-template-columns:1fr}dl.legend dd{margin:0 0 6px}
}
@media print{nav.totals button{border:0}p.shown{display:none}}
"""

# Filters rows by status; the page works (all rows shown) without it. The
# filter is kept in the address (#status=...) so a filtered view can be sent.
_JS = """
(function () {
  var buttons = Array.prototype.slice.call(document.querySelectorAll("nav.totals button"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("#rows tbody tr"));
  var shown = document.getElementById("shown");
  function apply(status) {
    var n = 0;
    rows.forEach(function (row) {
      var show = !status || row.getAttribute("data-status") === status;
      row.hidden = !show;
      if (show) { n += 1; }
    });
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String((b.getAttribute("data-filter") || "") === (status || "")));
    });
    shown.textContent = status ? n + " of " + rows.length + " rows: " + status : "all " + rows.length + " rows";
  }
  function fromHash() {
    var m = /^#status=([a-z_]+)$/.exec(window.location.hash);
    var known = m && buttons.some(function (b) { return b.getAttribute("data-filter") === m[1]; });
    apply(known ? m[1] : "");
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      var status = b.getAttribute("data-filter");
      var current = /^#status=/.test(window.location.hash) ? window.location.hash.slice(8) : "";
      if (status === current) { status = ""; }
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", status ? "#status=" + status : window.location.pathname);
      }
      apply(status);
    });
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""


def _e(value):
    return html.escape(str(value), quote=True)


def render_html(report):
    """One self-contained page: no external asset, and a policy that runs only its own script."""
    script_hash = base64.b64encode(hashlib.sha256(_JS.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-%s'; "
        "base-uri 'none'; form-action 'none'" % script_hash
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _e(csp),
        '<meta name="referrer" content="no-referrer">',
        "<title>%s</title>" % _e(report["title"]),
        "<style>%s</style>" % _CSS,
        "</head>",
        "<body>",
        "<h1>%s</h1>" % _e(report["title"]),
        '<p class="meta">Generated <time datetime="%s">%s</time>: %s.</p>'
        % (_e(report["generated_at"]), _e(report["generated_at"]), counts_text(report)),
    ]
    out += ['<p class="alert">%s</p>' % _e(text) for text in scope_lines(report)]
    if report["failed_statuses"]:
        out.append(
            '<p class="alert">Statuses listed in fail_on found: %s.</p>' % _e(", ".join(report["failed_statuses"]))
        )
    out.append('<nav class="totals" aria-label="Filter by status">')
    out.append(
        '<button type="button" data-filter="" aria-pressed="true">all<span class="n">%d</span></button>'
        % len(report["rows"])
    )
    for status, n in report["totals"].items():
        if n:
            out.append(
                '<button type="button" class="%s" data-filter="%s" aria-pressed="false" title="%s">%s'
                '<span class="n">%d</span></button>' % (LEVELS[status], status, _e(MEANINGS[status]), status, n)
            )
    out.append("</nav>")
    out.append('<p class="shown" id="shown" aria-live="polite">all %d rows</p>' % len(report["rows"]))
    labels = TABLE_COLUMNS + ("what to do",)
    out.append('<div class="wrap"><table id="rows">')
    out.append("<thead><tr>%s</tr></thead>" % "".join('<th scope="col">%s</th>' % _e(name) for name in labels))
    out.append("<tbody>")
    for row in report["rows"]:
        cells = table_cells(row)
        status = row["status"]
        tds = []
        for label, value in zip(labels, cells):
            if label == "status":
                value_html = '<span class="s %s">%s</span>' % (LEVELS[status], _e(value))
            elif label == "host":
                # Lets a long host name wrap at its dots rather than anywhere.
                value_html = _e(value).replace(".", ".<wbr>")
            else:
                value_html = _e(value)
            title = ""
            if label == "role" and row["arn"]:
                title = ' title="%s"' % _e(row["arn"])
            elif label == "checked" and row["checked"] in CHECKED:
                title = ' title="%s"' % _e(CHECKED[row["checked"]][1])
            css = "c-" + label.split()[0]
            tds.append('<td data-label="%s" class="%s"%s>%s</td>' % (_e(label), css, title, value_html))
        tds.append('<td data-label="what to do" class="msg">%s</td>' % _e(what_to_do(row)))
        out.append('<tr class="%s" data-status="%s">%s</tr>' % (LEVELS[status], status, "".join(tds)))
    out.append("</tbody>")
    out.append("</table></div>")
    out.append('<dl class="legend">')
    for status in STATUSES:
        out.append('<dt><span class="s %s">%s</span></dt><dd>%s</dd>' % (LEVELS[status], status, _e(MEANINGS[status])))
    for cell, meaning in CHECKED.values():
        out.append("<dt>checked %s</dt><dd>%s</dd>" % (_e(cell), _e(meaning)))
    out.append("</dl>")
    out.append("<script>%s</script>" % _JS)
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"
