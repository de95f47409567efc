"""The slides and the static HTML pages work with the network cut off, as in a lecture hall, and meet WCAG 2.1 AA.

They are built (tools/build_slides.py, as `make slides` and `make html` do) into a temporary folder,
served from 127.0.0.1, and loaded in headless Chromium; every request to anything but that server is
aborted and recorded. Each deck must make no such request, load every local file it asks for, show
as many slides as the notebook's metadata says, and have MathJax typeset all of its math. Each HTML
page must render the saved widget state as widgets. Screenshots go to test-artifacts/browser/.

Accessibility: axe-core (WCAG 2.0 and 2.1, A and AA) finds no violation on any HTML page, nor on any slide of any
deck (each shown in turn, as a presenter does, and the deck's own controls); every picture has its text
alternative; no formula is a Tab stop; on a deck only the slide on screen takes the focus (the others are inert).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import threading
from pathlib import Path

import labdriver
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

pytestmark = pytest.mark.browser

_spec = importlib.util.spec_from_file_location("build_slides", ROOT / "tools" / "build_slides.py")
build_slides = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_slides)

MATHJAX_DONE = """(expectMath) => {
  const mj = window.MathJax;
  if (!(mj && mj.isReady && mj.Hub.queue.pending === 0 && mj.Hub.queue.running === 0)) return false;
  const scripts = document.querySelectorAll('script[type^="math/tex"]');
  if (expectMath && scripts.length === 0) return false;
  return [...scripts].every(s => document.getElementById(s.id + '-Frame'));
}"""

# what MathJax left behind: formulas, rendered formulas, TeX errors, and $-math it never saw
MATH_REPORT = r"""() => {
  const scripts = document.querySelectorAll('script[type^="math/tex"]');
  const frames = [...scripts].filter(s => document.getElementById(s.id + '-Frame')).length;
  const errors = MathJax.Hub.getAllJax().filter(j => j.texError).map(j => j.originalText);
  const red = document.querySelectorAll('.mjx-mtext[style*="color: red"]');   // noUndefined's marking
  const undefinedMacros = [...red].map(e => e.textContent);
  const raw = [];
  for (const cell of document.querySelectorAll('.jp-MarkdownCell')) {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll('script, style, .MJX_Assistive_MathML').forEach(e => e.remove());
    const text = copy.textContent;
    const tex = /\$\$[^]*?\$\$|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$/g;   // $$...$$, or $...\command...$
    for (const m of text.matchAll(tex)) raw.push(m[0].slice(0, 80));
    if (text.includes('$$')) raw.push('$$');
  }
  return {scripts: scripts.length, frames, errors, undefinedMacros, raw};
}"""

# the slide (h, v) holding the first element that matches a selector, or null
FIRST_SLIDE_WITH = """(selector) => {
  const element = document.querySelector('.reveal .slides ' + selector);
  if (!element) return null;
  const slide = element.closest('section section') || element.closest('section');
  const i = Reveal.getIndices(slide);
  return [i.h, i.v || 0];
}"""


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def expected_slides(nb) -> int:
    """Slides plus sub-slides, as nbconvert counts them: the first cell shown always opens a slide."""
    types = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]
    first = next(i for i, t in enumerate(types) if t not in ("notes", "skip"))
    return 1 + sum(t in ("slide", "subslide") for t in types[first + 1:])


def has_math(nb) -> bool:
    return any(c.cell_type == "markdown" and re.search(r"\$[^$]+\$", c.source) for c in nb.cells)


def shows_widgets(nb) -> bool:
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    saved = WIDGET_STATE in nb.metadata.get("widgets", {})
    return saved and any(WIDGET_VIEW in o.get("data", {}) for o in outputs)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(browser_available, tmp_path_factory) -> Path:
    """Slides of every notebook and HTML of every executed one, built as `make slides` and `make html` do."""
    if not build_slides.vendor_ready() and shutil.which("npm") is None:
        reason = "no npm to install reveal.js, MathJax, ... from the npm registry (apt-get install npm)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: in CI the slide tests must run")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("offline-site")
    build_slides.build(NOTEBOOKS, root / "slides", "slides")
    executed = [p for p in NOTEBOOKS if build_slides.is_executed(p)]
    if executed:
        build_slides.build(executed, root / "html", "html")
    return root


@pytest.fixture(scope="module")
def server(site) -> str:
    """An http server on 127.0.0.1 for the built folder; its address."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _offline_page(browser, base: str, viewport: dict) -> tuple:
    """A page whose requests outside ``base`` are aborted; lists of those, failed local loads, errors."""
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(labdriver.PATIENCE * 1000)  # a guard against a hang, for every action
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(base + "/"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("response", lambda resp: failed.append(f"{resp.status} {resp.url}")
            if resp.status >= 400 else None)
    page.on("requestfailed", lambda req: failed.append(f"{req.failure} {req.url}")
            if req.url.startswith(base + "/") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, outside, failed, errors


def _wait(page, script: str, arg, what: str, report: dict, timeout: float = labdriver.PATIENCE * 1000) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(script, arg=arg, timeout=timeout, polling=250)
    except PlaywrightTimeout:
        pytest.fail(f"{what} did not happen within {timeout / 1000:.0f} s; {report}")


def _check_math(page, nb) -> None:
    math = page.evaluate(MATH_REPORT)
    assert math["frames"] == math["scripts"], (
        f"MathJax typeset {math['frames']} of {math['scripts']} formulas")
    if has_math(nb):
        assert math["scripts"] > 0, "the notebook has $-math but no formula was typeset"
    assert not math["errors"], f"TeX errors: {math['errors']}"
    assert not math["undefinedMacros"], f"undefined TeX macros: {math['undefinedMacros']}"
    assert not math["raw"], f"math left as raw TeX: {math['raw']}"


ALL_SLIDES = """() => {
  const out = [];
  Reveal.getHorizontalSlides().forEach((h, i) => {
    const vertical = h.querySelectorAll(':scope > section');
    if (vertical.length) vertical.forEach((_, j) => out.push([i, j])); else out.push([i, 0]);
  });
  return out;
}"""

#: where the focus can land that it should not: a formula, or anything in a slide not on screen
FOCUS_LEAKS = """() => {
  const current = window.Reveal ? Reveal.getCurrentSlide() : null;
  const focusable = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
    .filter(e => e.tabIndex >= 0 && !e.closest('[inert]') && !e.disabled);
  return {
    formulas: focusable.filter(e => e.closest('.MathJax, .MathJax_CHTML, .mjx-chtml')).length,
    hidden: current ? focusable.filter(e => e.closest('.slides section') && !e.closest('section').contains(current)
                                        && !current.contains(e)).length : 0,
    images: [...document.querySelectorAll('.jp-OutputArea-output img, img.nnlab-picture')]
      .filter(img => !(img.getAttribute('alt') || '').trim() || img.alt.includes('No description has been provided'))
      .map(img => img.outerHTML.slice(0, 80)),
  };
}"""


def _no_violations(found: list[dict], where: str) -> None:
    assert found == [], f"{where}: axe found {len(found)} violations: " \
                        f"{[(v['rule'], v['target'], v['summary'][:200]) for v in found[:6]]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_deck_works_offline(path, site, server, browser, artifacts, axe_source):
    nb = _read(path)
    page, outside, failed, errors = _offline_page(browser, server, {"width": 1280, "height": 720})
    report = {"outside": outside, "failed": failed, "errors": errors}
    try:
        page.goto(f"{server}/slides/{path.stem}.slides.html")
        _wait(page, "() => window.Reveal && Reveal.isReady()", None, "reveal.js starting", report)
        _wait(page, MATHJAX_DONE, has_math(nb), "MathJax typesetting", report)
        if shows_widgets(nb):
            _wait(page, "() => document.querySelector('.reveal img.widget-image')", None,
                  "a widget rendering", report)

        assert outside == [], f"requests that tried to leave the machine: {outside}"
        assert failed == [], f"local files missing from the deck's folder: {failed}"
        assert errors == [], f"JavaScript errors: {errors}"
        assert page.evaluate("Reveal.getTotalSlides()") == expected_slides(nb)
        _check_math(page, nb)

        page.screenshot(path=str(artifacts / f"slides-{path.stem}-title.png"))
        leaks = page.evaluate(FOCUS_LEAKS)
        assert leaks == {"formulas": 0, "hidden": 0, "images": []}, f"focus or alt text: {leaks}"
        _no_violations(labdriver.run_axe(page, axe_source), "the deck's title slide and controls")
        for h, v in page.evaluate(ALL_SLIDES):
            page.evaluate(f"Reveal.slide({h}, {v})")
            page.wait_for_timeout(150)
            page.evaluate("() => { document.querySelectorAll('[data-axe-here]').forEach(e => "
                          "e.removeAttribute('data-axe-here')); Reveal.getCurrentSlide().setAttribute("
                          "'data-axe-here', ''); }")
            _wait(page, MATHJAX_DONE, False, "MathJax typesetting", report)
            _no_violations(labdriver.run_axe(page, axe_source, "[data-axe-here]"), f"slide ({h}, {v})")
            assert page.evaluate(FOCUS_LEAKS)["hidden"] == 0, f"slide ({h}, {v}): hidden slides take the focus"
        page.evaluate("Reveal.slide(0, 0)")
        for what, selector in (("figure", ".jp-OutputArea-output img"), ("widget", "img.widget-image")):
            where = page.evaluate(FIRST_SLIDE_WITH, selector)
            if where:
                page.evaluate(f"Reveal.slide({where[0]}, {where[1]})")
                page.wait_for_timeout(300)
                page.screenshot(path=str(artifacts / f"slides-{path.stem}-{what}.png"))
        assert outside == [], f"requests that tried to leave the machine while presenting: {outside}"
    finally:
        page.close()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_html_page_works_offline_and_shows_the_saved_widgets(path, site, server, browser, artifacts, axe_source):
    if not (site / "html" / f"{path.stem}.html").exists():
        pytest.skip(f"{path.name} is not executed, so `make html` leaves it out")
    nb = _read(path)
    page, outside, failed, errors = _offline_page(browser, server, {"width": 1400, "height": 1000})
    report = {"outside": outside, "failed": failed, "errors": errors}
    try:
        page.goto(f"{server}/html/{path.stem}.html")
        _wait(page, MATHJAX_DONE, has_math(nb), "MathJax typesetting", report)
        if shows_widgets(nb):
            _wait(page, "() => [...document.querySelectorAll('img.widget-image')].some(i => i.naturalWidth)",
                  None, "a widget rendering its saved picture", report)
            assert page.locator(".widget-slider, .widget-dropdown").count() > 0, "the controls did not render"
            assert "Error displaying widget" not in page.inner_text("body")
            widget = page.locator(".jupyter-widgets.widget-vbox").first
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=str(artifacts / f"html-{path.stem}-widget.png"))
        assert outside == [], f"requests that tried to leave the machine: {outside}"
        assert failed == [], f"local files missing from the page's folder: {failed}"
        assert errors == [], f"JavaScript errors: {errors}"
        _check_math(page, nb)
        page.wait_for_timeout(300)  # the dashboards' script names their controls once they render
        leaks = page.evaluate(FOCUS_LEAKS)
        assert leaks == {"formulas": 0, "hidden": 0, "images": []}, f"focus or alt text: {leaks}"
        _no_violations(labdriver.run_axe(page, axe_source), "the page")
    finally:
        page.close()
