"""The documentation site (`make docs`), built and then read in headless chromium.

The site is built from the installed collection (`make collection`) into a
temporary directory with tests/tools/docs_site.py, which fails on any Sphinx
warning. Every page is then loaded in Debian's chromium
(tests/testbed/browser.py): it renders (title, styled navigation, content,
images, no script error), and every link that stays in the site reaches an
existing page and, for links with a #fragment, an element of that page.
"""

import importlib.util
import urllib.parse
from pathlib import Path

import pytest

from tests.testbed.browser import Browser
from tests.testbed.paths import REPO

_spec = importlib.util.spec_from_file_location("docs_site", REPO / "tests" / "tools" / "docs_site.py")
docs_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs_site)

GUIDES = [
    "guide_onboarding",
    "guide_root",
    "guide_signin",
    "guide_leaver",
    "guide_report",
    "guide_awscli_upgrade",
    "guide_awx",
    "guide_own_lab",
]

PAGE_FACTS = """(() => ({
  title: document.title,
  h1: (document.querySelector('h1') || {}).innerText || '',
  main: ((document.querySelector('[role=main]') || {}).innerText || '').length,
  nav: getComputedStyle(document.querySelector('.wy-nav-side') || document.body).position,
  links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
  ids: Array.from(document.querySelectorAll('[id], a[name]'), e => e.id || e.getAttribute('name')),
  brokenImages: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
}))()"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    docs_site.build(root / "src", root / "html")
    return root / "html"


@pytest.fixture(scope="module")
def pages(site):
    """path -> what chromium saw on it, for every HTML page of the site."""
    seen = {}
    with Browser() as browser:
        page = browser.new_page(width=1280, height=900)
        for path in sorted(site.rglob("*.html")):
            page.goto(path)
            facts = page.evaluate(PAGE_FACTS)
            facts["errors"] = [m for m in page.console() if "exception" in m.lower() or "uncaught" in m.lower()]
            browser.events.clear()
            seen[path] = facts
    return seen


def test_site_has_every_plugin_role_and_guide(site):
    names = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    collection = REPO / "build" / "collections" / "ansible_collections" / "labcloud" / "aws_sso"
    modules = {p.stem for p in (collection / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_")}
    filters = {p.stem for p in (collection / "plugins" / "filter").glob("*.py") if not p.stem.startswith("_")}
    roles = {p.name for p in (collection / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists()}
    assert modules and filters and roles
    expected = (
        {f"{m}_module.html" for m in modules}
        | {f"{r}_role.html" for r in roles}
        | {f"docsite/{g}.html" for g in GUIDES}
        | {"index.html"}
    )
    assert expected <= names, sorted(expected - names)
    # A filter file may hold several filters; each gets its own page.
    assert any(n.endswith("_filter.html") for n in names)


def test_every_page_renders(pages):
    assert len(pages) > 10
    for path, facts in pages.items():
        name = path.name
        assert facts["title"].strip(), name
        assert facts["nav"] == "fixed", f"{name}: the theme's stylesheet did not apply"
        if name not in ("search.html", "genindex.html"):
            assert facts["main"] > 100, f"{name}: almost no content ({facts['main']} characters)"
        assert not facts["brokenImages"], f"{name}: {facts['brokenImages']}"
        assert not facts["errors"], f"{name}: {facts['errors']}"


def test_module_page_shows_options_and_examples(pages, site):
    facts = pages[site / "aws_config_module.html"]
    assert facts["h1"].startswith("labcloud.aws_sso.aws_config module")
    for anchor in ("parameter-profiles", "parameter-sso_sessions", "return-diff"):
        assert any(i.endswith(anchor) for i in facts["ids"]), anchor


def test_internal_links_resolve(pages, site):
    site_root = site.resolve()
    ids = {path.resolve(): set(facts["ids"]) for path, facts in pages.items()}
    checked = 0
    problems = []
    for path, facts in pages.items():
        for href in facts["links"]:
            url = urllib.parse.urlsplit(href)
            if url.scheme in ("http", "https", "mailto"):
                continue
            assert url.scheme == "file", f"{path.name}: unexpected link {href}"
            target = Path(urllib.parse.unquote(url.path)).resolve()
            if site_root not in target.parents and target != site_root:
                problems.append(f"{path.name}: {href} leaves the site")
            elif not target.is_file():
                problems.append(f"{path.name}: {href} does not exist")
            elif url.fragment and target.suffix == ".html":
                if urllib.parse.unquote(url.fragment) not in ids.get(target, set()):
                    problems.append(f"{path.name}: {href} has no element #{url.fragment}")
            checked += 1
    assert not problems, "\n".join(problems[:30])
    assert checked > 200, checked


def test_guides_link_to_the_reference(pages, site):
    """The guides' references to options become links into the plugin pages."""
    facts = pages[site / "docsite" / "guide_onboarding.html"]
    targets = {urllib.parse.urlsplit(h).path.rsplit("/", 1)[-1] for h in facts["links"]}
    assert {"sso_role.html", "awscli_role.html", "aws_config_module.html"} <= targets, targets
    index = pages[site / "index.html"]
    assert {f"{g}.html" for g in GUIDES} <= {urllib.parse.urlsplit(h).path.rsplit("/", 1)[-1] for h in index["links"]}


def test_external_links_are_https(pages):
    for path, facts in pages.items():
        for href in facts["links"]:
            if href.startswith("http:"):
                pytest.fail(f"{path.name}: plain-http link {href}")
