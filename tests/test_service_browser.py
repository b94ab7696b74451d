"""The creators' page of `creator-advisor serve`, in a real headless chromium (tests/chromium.py) with JavaScript
OFF, at 390 px (a phone) and 1280 px (a desktop), operated with the keyboard alone: fill the form, submit, read
the plan; submit a bad number and find the message next to its field; then upload a profile file and a TikTok data
export. Every page must fit the screen, load nothing but itself, and break no rule of its Content-Security-Policy.

Screenshots are written into the test's temporary folder (`--basetemp=DIR` keeps them). Skipped, with the reason,
without chromium or the websocket-client package (see tests/test_browser.py)."""

from __future__ import annotations

import pytest
from chromium import Chromium, find_chromium, missing_requirements
from service_helpers import EXAMPLES, IMPORTS, Server, require_serve_extra

require_serve_extra()

CHROMIUM = find_chromium()
WIDTHS = (390, 1280)


_MISSING = missing_requirements()
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("serve-page"), "--workers", "1") as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium-serve") / "profile") as chromium:
        chromium.call("Page.enable")
        chromium.call("Network.enable")
        chromium.call("Log.enable")
        chromium.call("Emulation.setScriptExecutionDisabled", value=True)  # the page must work without script
        yield chromium


def _press(browser: Chromium, key: str) -> None:
    codes = {"Tab": 9, "Enter": 13}
    for kind in ("rawKeyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=codes[key],
                     nativeVirtualKeyCode=codes[key], **({"text": "\r"} if key == "Enter" and kind != "keyUp"
                                                         else {}))
    if key == "Enter":
        browser.call("Input.dispatchKeyEvent", type="char", key="Enter", code="Enter", text="\r",
                     windowsVirtualKeyCode=13)


def _focused(browser: Chromium) -> str:
    return browser.evaluate("document.activeElement && document.activeElement.id || ''")


def _tab_to(browser: Chromium, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        if _focused(browser) == element_id:
            return
        _press(browser, "Tab")
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key (focus is on {_focused(browser)!r})")


def _submit_and_wait(browser: Chromium) -> dict:
    """Press Enter on the focused control; the main document's response (status, headers) once loaded."""
    browser.take_events()
    _press(browser, "Enter")
    browser.wait_for("Page.loadEventFired")
    responses = [event["params"]["response"] for event in browser.take_events("Network.responseReceived")
                 if event["method"] == "Network.responseReceived" and event["params"].get("type") == "Document"]
    assert responses, "submitting the form loaded no page"
    return responses[-1]


def _open(browser: Chromium, url: str, width: int) -> None:
    browser.viewport(width, 900, mobile=width < 600)
    browser.take_events()
    browser.open(url)


def _page_checks(browser: Chromium, server: Server, width: int) -> None:
    """The page fits the width, loaded only itself, and its CSP refused nothing (so its styles applied)."""
    scroll, inner = browser.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner == width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
    requests = [event["params"]["request"]["url"] for event in browser.take_events("Network.requestWillBeSent")
                if event["method"] == "Network.requestWillBeSent"]
    assert all(url.startswith((server.url, "data:")) for url in requests), requests  # data: the date picker
    refused = [event["params"]["entry"]["text"] for event in browser.take_events("Log.entryAdded")
               if "Content Security Policy" in event["params"]["entry"].get("text", "")]
    assert not refused, refused


FILLED = {"handle": "browser_baker", "followers": "8,200", "age": "24", "country": "us", "views_30d": "90000",
          "likes_30d": "7400", "comments_30d": "310", "shares_30d": "150", "posts_30d": "12", "niche": "baking"}


@pytest.mark.parametrize("width", WIDTHS)
def test_fill_the_form_with_the_keyboard_and_read_the_plan(browser, server, tmp_path, width):
    _open(browser, server.url + "/", width)
    _page_checks(browser, server, width)
    unlabelled = browser.evaluate("[...document.querySelectorAll('input, select')]"
                                  ".filter(e => e.labels.length === 0).map(e => e.id)")
    assert unlabelled == []
    hints = browser.evaluate("[...document.querySelectorAll('input, select')].map(e => "
                             "[e.id, (e.getAttribute('aria-describedby') || '').split(' ')"
                             ".map(id => (document.getElementById(id) || {}).textContent || '').join(' ')])")
    assert all(len(text) > 15 for _, text in hints), hints
    browser.screenshot(tmp_path / f"form-{width}.png")
    for name, text in FILLED.items():
        _tab_to(browser, name)
        browser.call("Input.insertText", text=text)
    response = _submit_and_wait(browser)  # Enter in the last text field submits the form
    assert response["status"] == 200
    assert "script-src 'none'" in response["headers"].get("content-security-policy", "")
    assert browser.evaluate("document.title").startswith("Your plan, @browser_baker")
    text = browser.evaluate("document.body.innerText")
    assert "Creator Rewards" in text and "LIVE" in text
    _page_checks(browser, server, width)
    bars = browser.evaluate("[...document.querySelectorAll('.bar span')].map(s => s.getBoundingClientRect().width)")
    assert bars and max(bars) > 0, "the progress bars' widths (style attributes allowed by hash) did not apply"
    browser.screenshot(tmp_path / f"plan-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_bad_number_comes_back_next_to_its_field(browser, server, tmp_path, width):
    _open(browser, server.url + "/", width)
    for name, text in {"handle": "browser_baker", "followers": "lots", "age": "-4"}.items():
        _tab_to(browser, name)
        browser.call("Input.insertText", text=text)
    response = _submit_and_wait(browser)
    assert response["status"] == 422
    _page_checks(browser, server, width)
    assert browser.evaluate("document.title").startswith("Error:")
    state = browser.evaluate("""(() => {
      const field = document.getElementById('followers');
      const described = field.getAttribute('aria-describedby').split(' ');
      const error = document.getElementById('followers-error-1');
      return {value: field.value, invalid: field.getAttribute('aria-invalid'), described,
              error: error && error.textContent,
              next: error && error.closest('.field') === field.closest('.field'),
              links: [...document.querySelectorAll('.summary a')].map(a => a.getAttribute('href'))};
    })()""")
    assert state["value"] == "lots" and state["invalid"] == "true"  # what was typed is kept
    assert "followers-error-1" in state["described"] and state["next"]
    assert "expected a whole number" in state["error"]
    assert state["links"] == ["#followers", "#age"]
    assert "at least 0" in browser.evaluate("document.getElementById('age-error-1').textContent")
    browser.screenshot(tmp_path / f"form-errors-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("upload", [EXAMPLES[0], IMPORTS / "user_data_tiktok.json"], ids=lambda path: path.name)
def test_upload_a_file_and_read_the_plan(browser, server, tmp_path, width, upload):
    _open(browser, server.url + "/", width)
    document = browser.call("DOM.getDocument")
    node = browser.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="#profile_file")
    browser.call("DOM.setFileInputFiles", files=[str(upload)], nodeId=node["nodeId"])
    _tab_to(browser, "profile_file")
    _press(browser, "Tab")  # to the upload form's button
    assert browser.evaluate("document.activeElement.value") == "upload"
    response = _submit_and_wait(browser)
    assert response["status"] == 200
    assert browser.evaluate("document.title").startswith("Your plan, @")
    _page_checks(browser, server, width)
    browser.screenshot(tmp_path / f"upload-{upload.stem}-{width}.png")
