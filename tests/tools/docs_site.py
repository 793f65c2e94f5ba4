"""Build the collection's documentation site (`make docs`).

antsibull-docs, the tool behind docs.ansible.com's collection pages, renders
the plugins' and roles' own documentation plus the guides in
docs/docsite/rst/ into Sphinx sources; Sphinx turns them into static HTML
under build/docs. Nothing is fetched: references to Ansible's own
documentation (ansible.builtin modules, "Return Values", ...) resolve through
a small inventory written here, so they become links to docs.ansible.com
instead of errors, and Sphinx runs with warnings as errors.

    python tests/tools/docs_site.py            # needs `make collection` first
    python tests/tools/docs_site.py --screenshot docs/img/docs-site-module.png

Exit status is non-zero on any warning.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.testbed.browser, when run as a script
COLLECTION = "labcloud.aws_sso"
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"

# Labels of Ansible's documentation that antsibull-docs' pages point at, with
# the page that holds each.
CORE_LABELS = {
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "action_plugins": ("plugins/action.html", "Action plugins"),
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
    "become": ("playbook_guide/playbooks_privilege_escalation.html", "Understanding privilege escalation: become"),
    "check_mode_dry": ("playbook_guide/playbooks_checkmode.html", "Validating tasks: check mode and diff mode"),
    "playbooks_reuse_roles": ("playbook_guide/playbooks_reuse_roles.html", "Roles"),
    "intro_inventory": ("inventory_guide/intro_inventory.html", "How to build your inventory"),
}


def _galaxy():
    import yaml

    return yaml.safe_load((REPO / "galaxy.yml").read_text())


def _anchor(label):
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _builtin_plugins():
    """(name, type) of every ansible.builtin module and plugin installed."""
    import ansible

    root = Path(ansible.__file__).parent
    found = [(p.stem, "module") for p in (root / "modules").glob("*.py") if not p.stem.startswith("_")]
    for kind in (
        "action",
        "become",
        "cache",
        "callback",
        "connection",
        "filter",
        "inventory",
        "lookup",
        "shell",
        "strategy",
        "test",
        "vars",
    ):
        for p in (root / "plugins" / kind).glob("*.py"):
            if not p.stem.startswith("_"):
                found.append((p.stem, kind))
    return sorted(set(found))


def write_inventory(path):
    """A Sphinx objects.inv (version 2) for the labels above."""
    lines = []
    for label, (page, title) in sorted(CORE_LABELS.items()):
        lines.append(f"{label} std:label -1 {page}#{_anchor(label)} {title}")
    for name, kind in _builtin_plugins():
        label = f"ansible_collections.ansible.builtin.{name}_{kind}"
        page = f"collections/ansible/builtin/{name}_{kind}.html"
        lines.append(f"{label} std:label -1 {page}#{_anchor(label)} ansible.builtin.{name} {kind}")
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: Ansible\n"
        "# Version: devel\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress(("\n".join(lines) + "\n").encode()))


def run(argv, cwd, env):
    print("+ " + " ".join(argv), flush=True)
    subprocess.run(argv, cwd=cwd, env=env, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", default=str(REPO / "build" / "docs-src"), help="Sphinx sources (generated)")
    parser.add_argument("--out", default=str(REPO / "build" / "docs"), help="HTML site")
    parser.add_argument("--screenshot", metavar="PNG", help="also save the aws_config module page as seen in chromium")
    args = parser.parse_args()
    src, out = Path(args.src), Path(args.out)
    build(src, out)
    if args.screenshot:
        print(f"screenshot: {screenshot(out / SCREENSHOT_PAGE, args.screenshot)}")


SCREENSHOT_PAGE = "aws_config_module.html"


def screenshot(page_path, png, width=1280, height=900):
    """The top of a page (a viewport, not the whole page) in headless chromium."""
    from tests.testbed.browser import Browser

    with Browser() as browser:
        page = browser.new_page(width=width, height=height)
        page.goto(page_path)
        return page.screenshot(png)


def build(src, out):
    """Sphinx sources in src, HTML in out; raises CalledProcessError on any warning."""

    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build" / "collections"))
    bindir = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"

    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    src.mkdir(parents=True)
    run(
        [
            str(bindir / "antsibull-docs"),
            "sphinx-init",
            "--use-current",
            "--squash-hierarchy",
            "--fail-on-error",
            "--project",
            COLLECTION,
            "--title",
            f"{COLLECTION} documentation",
            "--html-short-title",
            COLLECTION,
            "--copyright",
            "labcloud",
            "--dest-dir",
            str(src),
            COLLECTION,
        ],
        cwd=src,
        env=env,
    )
    write_inventory(src / "ansible_devel.inv")
    with open(src / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(
            "\n# Offline: Ansible's own labels resolve through a local inventory\n"
            "# (tests/tools/docs_site.py) and link to docs.ansible.com.\n"
            f"intersphinx_mapping = {{'ansible_devel': ({ANSIBLE_DOCS!r}, {str(src / 'ansible_devel.inv')!r})}}\n"
            "intersphinx_disabled_reftypes = []\n"
            "# The theme's banner and top bar: the collection's own links from galaxy.yml\n"
            "# (the defaults are '/', no page of a static copy, and Ansible's blog).\n"
            "html_theme_options = dict(globals().get('html_theme_options') or {}, "
            f"documentation_home_url={_galaxy()['documentation']!r}, show_rtd_ethical_ads=False,\n"
            f"    topbar_links={{'Repository': {_galaxy()['repository']!r}, 'Issues': {_galaxy()['issues']!r}}})\n"
        )
    rst = src / "rst"
    rst.mkdir(exist_ok=True)
    os.chmod(rst, 0o755)
    run(
        [
            str(bindir / "antsibull-docs"),
            "--config-file",
            "antsibull-docs.cfg",
            "collection",
            "--cleanup",
            "everything",
            "--use-current",
            "--squash-hierarchy",
            "--fail-on-error",
            "--dest-dir",
            "rst",
            COLLECTION,
        ],
        cwd=src,
        env=env,
    )
    run(
        [str(bindir / "sphinx-build"), "-b", "html", "-q", "-W", "--keep-going", "-c", str(src), str(rst), str(out)],
        cwd=src,
        env=env,
    )
    print(f"docs site: {out / 'index.html'}")


if __name__ == "__main__":
    main()
