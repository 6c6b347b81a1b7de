"""The documentation site as readers meet it: built, served from localhost, opened in Chromium.

The site is built by the README's docs command into ``build/docs/html``. These tests read that
build; without it they are skipped, unless ``BITSLAB_REQUIRE_DOCS=1`` (as ``.ci/run`` sets
after building): then a missing site is a failure. The browser test serves the site on a free
localhost port, opens four pages in Debian's ``/usr/bin/chromium`` through Playwright, fails
on any console error, failed request or request that leaves localhost (no CDN at view time),
and saves a screenshot of each page to ``build/docs/screenshots/``.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import Requirement
from test_browser import CHROMIUM, CHROMIUM_ARGS

import bitslab as bl

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "docs" / "html"
SCREENSHOTS = ROOT / "build" / "docs" / "screenshots"
SECONDS = 30.0


#: Skip, or fail where the site must be checked (BITSLAB_REQUIRE_DOCS=1).
DOCS_SITE = Requirement(
    "BITSLAB_REQUIRE_DOCS",
    "the docs site must be checked here",
    "build it with the README's docs command",
)


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        DOCS_SITE.missing(f"the docs site is not built in {SITE}")
    return SITE


def _page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def _text(markup: str) -> str:
    """What a reader sees of some HTML: no tags, entities decoded, Sphinx's curly
    apostrophes straight again."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).replace("\u2019", "'")


# -- the command that builds it, and CI -------------------------------------------------------


def test_readme_docs_command_builds_strictly_in_its_own_venv_and_ci_runs_it() -> None:
    """One line between the docs-command markers: its own virtual environment, the [docs]
    extra, warnings as errors with nitpicky references; .ci/run runs it, then linkcheck,
    then these tests with BITSLAB_REQUIRE_DOCS=1."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- docs-command -->\n```sh\n(.+)\n```\n<!-- /docs-command -->", readme)
    assert found is not None
    command = found.group(1)
    assert command.startswith("python3 -m venv .venv-docs && ")
    assert "pip install -q -e '.[docs]'" in command
    assert re.search(r"sphinx-build -W --keep-going -n -b html .* docs build/docs/html$", command)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "docs-command" in ci
    assert "-b linkcheck" in ci
    assert "BITSLAB_REQUIRE_DOCS=1 .venv/bin/python -m pytest tests/test_docs_site.py" in ci


def test_every_howto_guide_that_shows_python_is_executed_at_build_time() -> None:
    """docs/howto/index.md says each guide's code ran when the site was built: a guide that
    shows Python is a MyST-NB page (myst-nb executes its code cells)."""
    for page in sorted((ROOT / "docs" / "howto").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if "```python" in text or "```{code-cell}" in text:
            assert text.startswith("---\nfile_format: mystnb\n"), page.name
            assert "```{code-cell} python" in text, page.name


# -- the built pages, read as files ------------------------------------------------------------


def test_rules_page_has_an_anchor_per_rule_id_in_rulebook_order(site: Path) -> None:
    """Every rule of bl.rules has a section on the rules page whose anchor is its ID, in the
    rulebook's order, with its text, source and (only for model choices) the mark."""
    page = _page(site, "reference/rules.html")
    sections = re.findall(
        r'<section class="bitslab-rule" id="([A-Z]+\d+)">(.*?)</section>', page, re.S
    )
    assert [rule_id for rule_id, _ in sections] == list(bl.rules)
    for rule_id, body in sections:
        rule = bl.rules[rule_id]
        text = _text(body)
        assert rule.title in text, rule_id
        assert rule.text in text, rule_id
        assert f"Source: {rule.source}" in text, rule_id
        assert ("model choice" in text) == rule.model_choice, rule_id


def test_api_page_documents_every_public_name(site: Path) -> None:
    """Each name of bitslab.__all__ has its own anchor on the API page (autodoc ran)."""
    page = _page(site, "reference/api.html")
    anchors = set(re.findall(r'id="bitslab\.([A-Za-z_][A-Za-z0-9_]*)"', page))
    missing = [name for name in bl.__all__ if name not in anchors and name != "scenarios"]
    assert missing == []
    assert 'id="module-bitslab.scenarios"' in page


def test_cli_page_shows_the_help_the_installed_command_prints(site: Path) -> None:
    """The command line page holds, verbatim, what ``python -m bitslab [COMMAND] --help``
    prints today, for the command and each subcommand (generated at build time)."""
    page = _text(_page(site, "reference/cli.html"))
    env = dict(os.environ, COLUMNS="88", NO_COLOR="1")
    for argv in ([], ["demo"], ["run"], ["explain"], ["rules"]):
        shown = subprocess.run(
            [sys.executable, "-m", "bitslab", *argv, "--help"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
        assert shown.rstrip() in page, argv


def test_tutorials_were_executed_with_their_timelines(site: Path) -> None:
    """Each of the ten notebooks is a page, executed: its outputs include PNG figures."""
    pages = sorted((site / "tutorials").glob("[0-9][0-9]-*.html"))
    notebooks = (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")
    assert [p.stem for p in pages] == sorted(p.stem for p in notebooks)
    assert len(pages) == 10
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "cell_output" in text, path.name
    assert re.search(
        r'<img[^>]+src="../_images/[0-9a-f]+\.png"',
        _page(site, "tutorials/03-restart-and-reregister.html"),
    )


def test_every_internal_link_of_the_site_resolves(site: Path) -> None:
    """Every href and src within the site names a file of the site, and its #anchor an id of
    that page (linkcheck leaves local targets alone; this checks them all)."""
    ids: dict[Path, set[str]] = {}

    def anchors(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = set(re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8")))
        return ids[page]

    broken = []
    for page in sorted(site.rglob("*.html")):
        markup = page.read_text(encoding="utf-8")
        for link in re.findall(r'\s(?:href|src)="([^"]+)"', markup):
            if re.match(r"[a-z]+:", link):  # http:, https:, mailto:, data:
                continue
            path, _, anchor = html.unescape(link).partition("#")
            target = (page.parent / path.split("?")[0]).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {link}")
            elif anchor and target.suffix == ".html" and anchor not in anchors(target):
                broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert broken == []


# -- the site in a browser ---------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site on a free localhost port, for the length of this module."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def browser(served: str, tmp_path: Path) -> Iterator[tuple[Any, list[str]]]:
    """A Chromium page and the problems it reported: console errors, page errors, failed
    requests and any request that leaves the local server."""
    if not CHROMIUM.is_file():
        DOCS_SITE.missing(f"no Chromium at {CHROMIUM}")
    playwright_api = pytest.importorskip("playwright.sync_api")
    problems: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(SECONDS * 1000)
            _watch(page, served, problems)
            yield page, problems
        finally:
            context.close()


def _watch(page: Any, served: str, problems: list[str]) -> None:
    """Note every console error, page error, failed or refused request, and any request that
    leaves the local server (a CDN asset, a font from the internet)."""

    def console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def request(req: Any) -> None:
        if not req.url.startswith((served, "data:", "blob:")):
            problems.append(f"left localhost: {req.url}")

    def response(res: Any) -> None:
        if res.status >= 400:
            problems.append(f"HTTP {res.status}: {res.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda req: problems.append(f"failed: {req.url}"))
    page.on("request", request)
    page.on("response", response)


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _loaded_images(page: Any, selector: str) -> list[int]:
    """The natural widths of the images the selector finds (0 for one that failed to load)."""
    return page.eval_on_selector_all(
        selector, "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
    )


@pytest.mark.browser
def test_site_opens_in_chromium_with_no_console_error(
    served: str, browser: tuple[Any, list[str]]
) -> None:
    page, problems = browser

    page.goto(f"{served}/index.html")
    page.wait_for_load_state("networkidle")
    assert page.title().startswith("bitslab")
    widths = _loaded_images(page, "article img")  # the restart story's timeline
    assert widths
    assert all(widths), widths
    _shot(page, "index")

    # A tutorial: its timelines were drawn when the site was built, and its widgets are drawn
    # from their saved state by the vendored HTML manager.
    page.goto(f"{served}/tutorials/03-restart-and-reregister.html")
    page.wait_for_load_state("networkidle")
    widths = _loaded_images(page, ".cell_output img")
    assert len(widths) >= 2  # the timeline cell's figure and the Explorer's picture
    assert all(w > 300 for w in widths), widths
    explorer = page.locator(".cell_output .widget-checkbox").first
    explorer.wait_for(state="attached")
    assert page.locator("text=Error displaying widget").count() == 0
    page.locator(".cell_output img").first.scroll_into_view_if_needed()
    _shot(page, "tutorial-03")
    page.locator(".cell_output .widget-checkbox").first.scroll_into_view_if_needed()
    _shot(page, "tutorial-03-explorer")

    # The rules page, opened at a rule's anchor: the rule is on screen.
    page.goto(f"{served}/reference/rules.html#C5")
    page.wait_for_load_state("networkidle")
    c5 = page.locator("section#C5")
    # The theme scrolls to the anchor smoothly: wait for the scroll to bring the rule up.
    page.wait_for_function(
        "() => { const top = document.getElementById('C5').getBoundingClientRect().top;"
        " return top >= 0 && top < 200; }"
    )
    assert bl.rules["C5"].text in c5.inner_text().replace("\u2019", "'")
    box = c5.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < 200, box  # scrolled to the anchor
    _shot(page, "rules-C5")

    page.goto(f"{served}/reference/api.html#bitslab.Simulation")
    page.wait_for_load_state("networkidle")
    simulation = page.locator('[id="bitslab.Simulation"]')
    assert "Simulation" in simulation.inner_text()
    assert page.locator('[id="bitslab.Simulation.create_job"]').count() == 1
    _shot(page, "api-Simulation")

    assert problems == [], "\n".join(problems)
