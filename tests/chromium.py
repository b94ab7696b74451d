"""A small Chrome DevTools Protocol client for the browser tests: start Debian's headless chromium, drive one page
over a WebSocket (the `websocket-client` package), and stop it.

Nothing here downloads a browser: the executable is /usr/bin/chromium (Debian's `chromium` package) or whatever
CHROMIUM names. `find_chromium()` returns None when there is none, so the tests can skip with a reason.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
import time
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic")


def find_chromium() -> str | None:
    """The chromium executable to test with, or None. CHROMIUM overrides the search."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def missing_requirements() -> str | None:
    """Why the browser tests cannot run here (for their skip reason), or None when they can."""
    if find_chromium() is None:
        return ("chromium is not installed (CI installs Debian's package: apt-get install -y chromium; "
                "or set CHROMIUM to an executable)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        return "the websocket-client package is not installed (pip install '.[test]')"
    return None


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless chromium process with a fresh profile, and a CDP session on its first page.

    Use as a context manager. `call(method, **params)` sends a command and returns its result; events received
    meanwhile are kept in `events` (oldest first) until read with `take_events` or `wait_for`."""

    def __init__(self, executable: str, profile_dir: Path, *, timeout: float = 30.0):
        import websocket  # websocket-client; imported here so the module loads without it

        self.timeout = timeout
        profile_dir.mkdir(parents=True, exist_ok=True)
        (profile_dir / "DevToolsActivePort").unlink(missing_ok=True)  # a stale one would name a dead port
        self._log = open(profile_dir.parent / f"{profile_dir.name}-chromium.log", "wb")
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile_dir}", "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            port = self._port(profile_dir / "DevToolsActivePort")
            url = self._page_socket(port)
            # suppress_origin: chromium refuses DevTools WebSockets that send an Origin it was not told to allow.
            self.socket = websocket.create_connection(url, timeout=timeout, suppress_origin=True,
                                                      enable_multithread=False)
        except BaseException:
            self.close()
            raise
        self._next_id = 0
        self.events: deque[dict[str, Any]] = deque()

    # -- process and connection ---------------------------------------------------------------------------------

    def _port(self, active_port: Path) -> int:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with code {self.process.returncode}; see {self._log.name}")
            try:
                first = active_port.read_text().splitlines()[0]
                return int(first)
            except (FileNotFoundError, IndexError, ValueError):
                time.sleep(0.05)
        raise BrowserError(f"chromium wrote no DevToolsActivePort within {self.timeout:.0f} s")

    def _page_socket(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as response:
                targets = json.load(response)
            pages = [t for t in targets if t.get("type") == "page" and "webSocketDebuggerUrl" in t]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise BrowserError("chromium opened no page target")

    def close(self) -> None:
        socket = getattr(self, "socket", None)
        if socket is not None:
            try:
                socket.close()
            except Exception:  # noqa: BLE001 - closing a dead socket must not hide the test's own failure
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- protocol -----------------------------------------------------------------------------------------------

    def _receive(self, deadline: float) -> dict[str, Any]:
        self.socket.settimeout(max(0.01, deadline - time.monotonic()))
        return json.loads(self.socket.recv())

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str) -> dict[str, Any]:
        """The first pending or next incoming event named `event` (its params); earlier events stay queued."""
        for message in list(self.events):
            if message["method"] == event:
                self.events.remove(message)
                return message.get("params", {})
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("method") == event:
                return message.get("params", {})
            if "method" in message:
                self.events.append(message)

    def take_events(self, prefix: str = "") -> list[dict[str, Any]]:
        taken = [m for m in self.events if m["method"].startswith(prefix)]
        for message in taken:
            self.events.remove(message)
        return taken

    # -- conveniences -------------------------------------------------------------------------------------------

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def viewport(self, width: int, height: int = 900, *, mobile: bool = False) -> None:
        self._viewport = (width, height, mobile)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)

    def media(self, media: str = "", **features: str) -> None:
        self.call("Emulation.setEmulatedMedia", media=media,
                  features=[{"name": name.replace("_", "-"), "value": value} for name, value in features.items()])

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """A PNG of the page: the whole page (the viewport made as tall as the page for the shot, so there is no
        scrollbar), or only what the viewport shows when full_page is False."""
        width, height, mobile = getattr(self, "_viewport", (None, None, False))
        if full_page and width is not None:
            tall = math.ceil(self.call("Page.getLayoutMetrics")["cssContentSize"]["height"])
            self.viewport(width, max(height, tall), mobile=mobile)
        try:
            data = self.call("Page.captureScreenshot", format="png")["data"]
        finally:
            if full_page and width is not None:
                self.viewport(width, height, mobile=mobile)
        path.write_bytes(base64.b64decode(data))
        return path
