"""docs/architecture.md stays true: every plugin file in its table, no file named that is gone."""

import re

from tests.testbed.paths import REPO

DOC = REPO / "docs" / "architecture.md"
PLUGIN_DIRS = ("action", "doc_fragments", "filter", "module_utils", "modules", "plugin_utils")
# A path as the diagram writes it: from the repository root, or from plugins/.
PATH = re.compile(r"\b((?:plugins|roles|playbooks)/[\w./-]+|(?:%s)/\w+\.py)" % "|".join(PLUGIN_DIRS))
BARE_FILE = re.compile(r"(?<![\w/])(\w+\.(?:py|yml))\b")


def text():
    return DOC.read_text()


def table_files():
    return [match.group(1) for match in re.finditer(r"^\| `(plugins/[^`]+)` \| .+ \|$", text(), re.M)]


def mermaid_blocks():
    return re.findall(r"^```mermaid\n(.*?)^```$", text(), re.M | re.S)


def resolve(path):
    return REPO / path if path.split("/", 1)[0] in ("plugins", "roles", "playbooks") else REPO / "plugins" / path


def test_every_plugin_file_has_one_row_and_every_row_a_file():
    listed = table_files()
    present = sorted(
        str(path.relative_to(REPO)) for path in (REPO / "plugins").glob("*/*.py") if path.name != "__init__.py"
    )
    assert sorted(set(listed)) == sorted(listed), "a file is listed twice"
    assert sorted(set(present) - set(listed)) == [], "add a row (file and its one job) to docs/architecture.md"
    assert sorted(set(listed) - set(present)) == [], "these rows name files that are gone"


def test_one_diagram_whose_every_file_exists():
    blocks = mermaid_blocks()
    assert len(blocks) == 1
    named = 0
    for label in re.findall(r'\["(.*?)"\]', blocks[0]):
        folder = None
        for line in label.split("<br>"):
            for token in re.split(r"[\s,()]+", line):
                if PATH.fullmatch(token):
                    found = resolve(token)
                    folder = found.parent
                elif BARE_FILE.fullmatch(token) and folder is not None:
                    found = folder / token
                else:
                    continue
                named += 1
                assert found.is_file(), "%s (in %r)" % (found.relative_to(REPO), label)
    assert named > 20


def test_the_readme_links_it():
    assert "(docs/architecture.md)" in (REPO / "README.md").read_text()
