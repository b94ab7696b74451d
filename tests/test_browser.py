"""The HTML report of every example, opened in a real browser (Debian's headless chromium, driven through the
Chrome DevTools Protocol by tests/chromium.py) and checked the way a reader would meet it: on a 390 px phone and a
1280 px desktop, in light and dark, and printed on A4.

Screenshots (full page, PNG) and a PDF of the print layout are written into the test's temporary folder; run with
`--basetemp=DIR` to keep them somewhere you can look at them.

Without chromium (CI installs it with apt-get; see .ci/run) or without the websocket-client package, every test
here is skipped with the reason, never passed.
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import pytest
from chromium import Chromium, find_chromium, missing_requirements

from advisor.api import Advisor, render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
WIDTHS = (390, 1280)  # a phone and a desktop: screenshots, chart checks
LAYOUT_WIDTHS = (390, 768, 1280, 1440)  # no sideways scrolling from a phone to a wide desktop
# The print stylesheet's `@page { size: A4; margin: 16mm 14mm }`: 210 mm less two 14 mm margins, in CSS pixels.
A4_CONTENT_WIDTH = (210 - 2 * 14) / 25.4 * 96
MIN_CONTRAST = 4.5

CHROMIUM = find_chromium()


_MISSING = missing_requirements()
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium") / "profile") as chromium:
        chromium.call("Page.enable")
        chromium.call("Network.enable")
        yield chromium


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """Every example's HTML report, written to a file as a user would save it."""
    folder = tmp_path_factory.mktemp("reports")
    advisor = Advisor()
    written = {}
    for example in EXAMPLES:
        path = folder / f"{example.stem}.html"
        path.write_text(render(advisor.advise(example), "html"), encoding="utf-8")
        written[example.stem] = path
    return written


def _open(browser: Chromium, page: Path, *, width: int, media: str = "", scheme: str = "light") -> list[str]:
    """Load `page` at `width` CSS pixels; the URLs of every request the page made."""
    browser.viewport(width, 900, mobile=width < 600)
    browser.media(media, prefers_color_scheme=scheme)
    browser.take_events()
    browser.open(page.as_uri())
    browser.evaluate("document.fonts.ready.then(() => true)")
    return [event["params"]["request"]["url"] for event in browser.take_events("Network.requestWillBeSent")]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


examples = pytest.mark.parametrize("name", [example.stem for example in EXAMPLES])


@examples
@pytest.mark.parametrize("width", LAYOUT_WIDTHS)
def test_page_fits_the_screen_and_fetches_nothing(browser, pages, tmp_path, name, width):
    requests = _open(browser, pages[name], width=width)
    assert requests == [pages[name].as_uri()], f"requests besides the page itself: {requests}"
    assert browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)") == []
    scroll_width, inner_width = browser.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == width
    assert scroll_width <= inner_width, f"{name} at {width} px scrolls sideways: {scroll_width} px wide"
    shot = browser.screenshot(tmp_path / f"{name}-{width}.png")
    shot_width, shot_height = _png_size(shot)
    assert shot_width == width and shot_height > 900


# Every SVG: an accessible name (role="img" with aria-label or a <title>, through aria-labelledby when used), drawn
# with a size, and its labels inside the chart (a glyph's overhang of a pixel aside) and clear of one another.
_CHART_CHECKS = """
(() => {
  const problems = [];
  const svgs = [...document.querySelectorAll('svg:not(svg svg)')];  // nested ones are a chart's parts
  for (const [i, svg] of svgs.entries()) {
    const where = `svg #${i} (${svg.id || svg.getAttribute('class') || ''})`;
    const title = svg.querySelector(':scope > title');
    const labelledby = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent).join(' ');
    const name = (svg.getAttribute('aria-label') || labelledby || (title && title.textContent) || '').trim();
    if (svg.getAttribute('role') !== 'img') problems.push(`${where}: role is not img`);
    if (!name) problems.push(`${where}: no text alternative`);
    const box = svg.getBoundingClientRect();
    if (box.width < 50 || box.height < 20) problems.push(`${where}: drawn ${box.width}x${box.height}`);
    const texts = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
    for (const [text, r] of texts) {
      if (r.left < box.left - 1.5 || r.right > box.right + 1.5 || r.top < box.top - 1.5 || r.bottom > box.bottom + 1.5)
        problems.push(`${where}: "${text}" runs outside the chart`);
    }
    for (let a = 0; a < texts.length; a++) for (let b = a + 1; b < texts.length; b++) {
      const [ta, ra] = texts[a], [tb, rb] = texts[b];
      const overlap = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > 1 &&
                      Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 1;
      if (overlap) problems.push(`${where}: "${ta}" overlaps "${tb}"`);
    }
  }
  return {count: svgs.length, problems};
})()
"""


@examples
@pytest.mark.parametrize("width", WIDTHS)
def test_every_chart_has_a_text_alternative_and_readable_labels(browser, pages, name, width):
    _open(browser, pages[name], width=width)
    result = browser.evaluate(_CHART_CHECKS)
    assert result["count"] > 0, "no chart drawn"
    assert not result["problems"], "\n".join(result["problems"])
    browser.call("Accessibility.enable")
    images = [node for node in browser.call("Accessibility.getFullAXTree")["nodes"]
              if node.get("role", {}).get("value") == "image" and not node.get("ignored")]
    assert images and all(node.get("name", {}).get("value", "").strip() for node in images)


# The contrast of every piece of visible text against what is behind it: the nearest ancestor with a background,
# or for chart text the shape drawn under it.
_CONTRAST = """
(() => {
  const parse = c => {
    const m = c && c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const failures = []; let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('.sr-only, .skip')) continue;
    let fg, bg;
    if (el instanceof SVGElement) {
      fg = parse(style.fill);
      el.scrollIntoView({block: 'center'});  // elementsFromPoint sees only what is in the viewport
      const r = el.getBoundingClientRect();
      const under = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2)
        .find(e => e !== el && e.tagName === 'rect' && parse(getComputedStyle(e).fill));
      bg = under ? parse(getComputedStyle(under).fill) : background(el.closest('svg'));
    } else { fg = parse(style.color); bg = background(el); }
    checked++;
    const value = ratio(fg, bg);
    if (value < %MIN%) failures.push(`${value.toFixed(2)}: "${el.textContent.trim().slice(0, 40)}" (${fg} on ${bg})`);
  }
  return {checked, failures};
})()
"""


@examples
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_is_at_least_4_5_to_1(browser, pages, tmp_path, name, scheme):
    _open(browser, pages[name], width=390, scheme=scheme)
    browser.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    browser.screenshot(tmp_path / f"{name}-390-{scheme}.png")
    result = browser.evaluate(_CONTRAST.replace("%MIN%", str(MIN_CONTRAST)))
    assert result["checked"] > 100
    assert not result["failures"], f"{scheme}: text below {MIN_CONTRAST}:1\n" + "\n".join(result["failures"])


@examples
def test_print_layout_fits_the_programmes_table_on_a4(browser, pages, tmp_path, name):
    width = int(A4_CONTENT_WIDTH)
    _open(browser, pages[name], width=width, media="print")
    table = browser.evaluate("""(() => { const r = document.querySelector('#programmes-caption').closest('table')
        .getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width}; })()""")
    assert table["left"] >= 0 and table["right"] <= width, f"programmes table {table} on a {width} px A4 line"
    assert browser.evaluate("document.documentElement.scrollWidth") <= width
    assert browser.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
    browser.screenshot(tmp_path / f"{name}-print.png")
    pdf = browser.call("Page.printToPDF", preferCSSPageSize=True, printBackground=False)["data"]
    (tmp_path / f"{name}.pdf").write_bytes(base64.b64decode(pdf))
    assert (tmp_path / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"


@examples
def test_the_first_action_is_within_the_first_two_screens_of_a_phone(browser, pages, name):
    """A creator on a 390 x 844 phone reaches the first thing to do without scrolling past programme cards."""
    _open(browser, pages[name], width=390)
    top = browser.evaluate("document.querySelector('ol.actions > li').getBoundingClientRect().top + window.scrollY")
    assert top < 2 * 844, f"{name}: the first action starts {top:.0f} px down"
