"""The options tables of the role READMEs, generated from meta/argument_specs.yml.

    python tests/tools/role_readme.py           # rewrite them (make readmes)
    python tests/tools/role_readme.py --check   # exit 1 naming each stale README (make lint)

Each roles/<role>/README.md holds one table per entry point of the role's
argument spec (name, type, default, choices, required, description) between
the two marker lines below; the hand-written text around them is kept as it
is. The spec is what Ansible validates a play against and what the
unknown-variable check reads (plugins/plugin_utils/known_vars.py), so a table
written from it cannot document a variable the role would refuse, or miss one
it takes. A variable set in defaults/main.yml must therefore be an option of
some entry point, with the same default: both are checked here too.

Descriptions are Ansible markup (C(), O(), V(), M(), ...), turned into plain
Markdown with antsibull-docs-parser, the parser antsibull-docs uses for the
documentation site.
"""

import argparse
import json
import sys
from pathlib import Path

import yaml
from antsibull_docs_parser import dom, parser
from antsibull_docs_parser.format import Formatter, format_paragraphs

REPO = Path(__file__).resolve().parents[2]
COLLECTION = "labcloud.aws_sso"
BEGIN = "<!-- BEGIN generated from meta/argument_specs.yml: edit the spec, then run `make readmes` -->"
END = "<!-- END generated from meta/argument_specs.yml -->"
FIX = "make readmes"
COLUMNS = ("Variable", "Type", "Default", "Choices", "Required", "Description")


def code(text):
    """A Markdown code span for text, even when text holds backticks; usable in a table cell."""
    text = str(text)
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" or text.startswith(" ") or text.endswith(" ") else ""
    # GitHub's tables split cells on | even inside a code span.
    return (fence + pad + text + pad + fence).replace("|", "\\|")


def plain(text):
    """Text for a table cell: characters Markdown or the table would read as syntax are escaped."""
    for char in ("\\", "`", "*", "|"):
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;")


class _CellFormatter(Formatter):
    """Ansible markup as the Markdown a README is read in, raw or rendered: code spans, no HTML."""

    def __init__(self, role, entrypoint):
        self.role = dom.PluginIdentifier(fqcn="%s.%s" % (COLLECTION, role), type="role")
        self.entrypoint = entrypoint

    def format_error(self, part):
        raise ValueError(part.message)

    def format_bold(self, part):
        return "**%s**" % plain(part.text)

    def format_code(self, part):
        return code(part.text)

    def format_horizontal_line(self, part):
        return " "

    def format_italic(self, part):
        return "*%s*" % plain(part.text)

    def format_link(self, part):
        return "[%s](%s)" % (plain(part.text), part.url)

    def format_module(self, part, url):
        return code(part.fqcn)

    def format_rst_ref(self, part):
        return plain(part.text)

    def format_url(self, part):
        return "<%s>" % part.url

    def format_text(self, part):
        return plain(part.text)

    def format_env_variable(self, part):
        return code(part.name)

    def format_option_value(self, part):
        return code(part.value)

    def format_plugin(self, part, url):
        return code(part.plugin.fqcn)

    def _option_like(self, part):
        name = code(part.name if part.value is None else "%s=%s" % (part.name, part.value))
        if part.plugin is None or part.plugin == self.role:
            if part.entrypoint in (None, self.entrypoint):
                return name
            return "%s (entry point %s)" % (name, code(part.entrypoint))
        return "%s of %s" % (name, code(part.plugin.fqcn))

    def format_option_name(self, part, url):
        return self._option_like(part)

    def format_return_value(self, part, url):
        return self._option_like(part)


def describe(description, role, entrypoint):
    """A description (a string or a list of paragraphs) as one table cell."""
    paragraphs = [description] if isinstance(description, str) else list(description or [])
    context = parser.Context(
        current_plugin=dom.PluginIdentifier(fqcn="%s.%s" % (COLLECTION, role), type="role"),
        role_entrypoint=entrypoint,
    )
    parsed = parser.parse(paragraphs, context, errors="exception", strict=True)
    return format_paragraphs(
        parsed,
        formatter=_CellFormatter(role, entrypoint),
        par_start="",
        par_end="",
        par_sep="<br>",
        par_empty="",
    )


def show_default(option):
    if "default" not in option or option["default"] is None:
        return ""
    value = option["default"]
    if isinstance(value, str):
        return code(value) if value else code('""')
    return code(json.dumps(value))


def show_type(option):
    kind = option.get("type", "str")
    return "%s of %s" % (kind, option["elements"]) if option.get("elements") else kind


def option_rows(options, role, entrypoint, prefix=""):
    """One table row per option, suboptions after their parent as parent.sub."""
    rows = []
    for name, option in options.items():
        option = option or {}
        rows.append(
            "| %s |"
            % " | ".join(
                [
                    code(prefix + name),
                    show_type(option),
                    show_default(option),
                    ", ".join(code(choice) for choice in option.get("choices") or []),
                    "yes" if option.get("required") else "no",
                    describe(option.get("description"), role, entrypoint),
                ]
            )
        )
        if isinstance(option.get("options"), dict):
            rows += option_rows(option["options"], role, entrypoint, prefix + name + ".")
    return rows


def render(spec, role):
    """The generated part of a role's README (without the markers) for its argument spec document."""
    entrypoints = spec["argument_specs"]
    # main first: it is the role as `roles:` and include_role use it without tasks_from.
    order = sorted(entrypoints, key=lambda name: (name != "main", name))
    parts = []
    for entrypoint in order:
        entry = entrypoints[entrypoint] or {}
        heading = "### Entry point %s" % code(entrypoint)
        if entry.get("short_description"):
            heading += ": " + describe(entry["short_description"], role, entrypoint)
        table = [
            "| %s |" % " | ".join(COLUMNS),
            "|%s|" % "|".join("---" for _ in COLUMNS),
        ]
        table += option_rows(entry.get("options") or {}, role, entrypoint)
        parts.append(heading + "\n\n" + "\n".join(table))
    return "\n\n".join(parts)


def splice(readme_text, generated, readme_name):
    """readme_text with what lies between the markers replaced by generated."""
    if readme_text.count(BEGIN) != 1 or readme_text.count(END) != 1:
        raise ValueError(
            "%s: needs exactly one line %s and one line %s around the options table "
            "(put them where the table goes, then run `%s`)" % (readme_name, BEGIN, END, FIX)
        )
    head, rest = readme_text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    if not head.endswith("\n") or not tail.startswith("\n"):
        raise ValueError("%s: the markers %s and %s must each be a line of their own" % (readme_name, BEGIN, END))
    return "%s%s\n%s\n%s%s" % (head, BEGIN, generated, END, tail)


def spec_problems(spec, defaults, role_name):
    """What makes the spec an incomplete account of the role: defaults it lacks or contradicts."""
    options = {}
    for entry in (spec.get("argument_specs") or {}).values():
        for name, option in ((entry or {}).get("options") or {}).items():
            options.setdefault(name, []).append(option or {})
    problems = []
    for name, value in (defaults or {}).items():
        if name not in options:
            problems.append(
                "%s: %s is set in defaults/main.yml but is no option in meta/argument_specs.yml; "
                "add it there (type, default, description) to the entry points that use it" % (role_name, name)
            )
            continue
        for option in options[name]:
            if option.get("default") != value:
                problems.append(
                    "%s: %s defaults to %r in defaults/main.yml but to %r in meta/argument_specs.yml; "
                    "make them equal" % (role_name, name, value, option.get("default"))
                )
                break
    return problems


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def roles(repo=REPO):
    """Every role directory that has both an argument spec and a README."""
    return [
        role
        for role in sorted((Path(repo) / "roles").iterdir())
        if (role / "meta" / "argument_specs.yml").is_file() and (role / "README.md").is_file()
    ]


def update(repo=REPO, check=False):
    """Rewrite (or, with check, only compare) every role README; returns the problems found, as lines."""
    problems = []
    for role in roles(repo):
        readme = role / "README.md"
        shown = readme.relative_to(repo)
        spec = _load(role / "meta" / "argument_specs.yml")
        problems += spec_problems(spec, _load(role / "defaults" / "main.yml"), "roles/%s" % role.name)
        current = readme.read_text(encoding="utf-8")
        try:
            wanted = splice(current, render(spec, role.name), shown)
        except ValueError as error:
            problems.append(str(error))
            continue
        if wanted == current:
            continue
        if check:
            problems.append(
                "%s: the options table differs from %s; run `%s` (python tests/tools/role_readme.py)"
                % (shown, (role / "meta" / "argument_specs.yml").relative_to(repo), FIX)
            )
        else:
            readme.write_text(wanted, encoding="utf-8")
            print("updated %s" % shown)
    return problems


def main(argv=None):
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--check", action="store_true", help="change nothing; exit 1 if a README is out of date")
    args.add_argument("--repo", default=str(REPO), help=argparse.SUPPRESS)
    options = args.parse_args(argv)
    problems = update(Path(options.repo), check=options.check)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
