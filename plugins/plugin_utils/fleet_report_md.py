# Copyright (c) 2026 labcloud
# MIT License (see LICENSE)
"""The fleet report as Markdown (report.md)."""

from __future__ import annotations

import html
import re

from ansible_collections.labcloud.aws_sso.plugins.plugin_utils.fleet_report_text import (
    MEANINGS,
    TABLE_COLUMNS,
    checked_lines,
    counts_text,
    scope_lines,
    table_cells,
    what_to_do,
)

# Inside a table cell only these can start markup (emphasis, code, links,
# strike-through, a new cell); <, > and & become entities because Markdown
# passes raw HTML through to the page. Others stay as they are, so the file
# reads well as plain text.
_MD_RE = re.compile(r"([\\`*_\[\]|~])")


def md_escape(value):
    value = html.escape(str(value), quote=False)
    return _MD_RE.sub(r"\\\1", value)


def render_md(report):
    def table(header, rows, trusted=()):
        # Columns in trusted hold only this module's own words (statuses, meanings).
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for cells in rows:
            cells = [cell if i in trusted else md_escape(cell) for i, cell in enumerate(cells)]
            lines.append("| " + " | ".join(cells) + " |")
        return lines

    out = ["# " + md_escape(report["title"]), ""]
    out.append("Generated %s: %s." % (report["generated_at"], counts_text(report)))
    for text in scope_lines(report):
        out += ["", "**%s**" % md_escape(text)]
    if report["failed_statuses"]:
        out.append("")
        out.append("**Statuses listed in fail_on found: %s.**" % ", ".join(report["failed_statuses"]))
    out += ["", "## Totals", ""]
    out += table(
        ("status", "rows", "meaning"), [(s, str(n), MEANINGS[s]) for s, n in report["totals"].items() if n], (0, 1, 2)
    )
    out += ["", "## Rows", ""]
    out += table(
        TABLE_COLUMNS + ("what to do",),
        [table_cells(row) + (what_to_do(row),) for row in report["rows"]],
        (3,),
    )
    lines = checked_lines(report)
    if lines:
        out += [""] + ["- " + md_escape(line) for line in lines]
    return "\n".join(out) + "\n"
