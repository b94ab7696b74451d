"""What the service tests share: the app under Starlette's test client (skipping, with the reason, when the
`serve` extra is not installed), and a real `creator-advisor serve` on a loopback port for the tests that need
sockets (slow bodies, worker processes, the browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
IMPORTS = ROOT / "tests" / "fixtures" / "importers"


def require_serve_extra() -> None:
    for module in ("starlette", "uvicorn", "python_multipart", "httpx"):
        try:
            __import__(module)
        except ImportError:
            pytest.skip(f"the {module} package is not installed (pip install '.[test]' brings the serve extra)",
                        allow_module_level=True)


def make_client(**config):
    import warnings

    from starlette.testclient import TestClient

    from advisor.service import ServiceConfig, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Starlette asks for httpx2; httpx is what pip has
        return TestClient(create_app(ServiceConfig(**config)), raise_server_exceptions=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`creator-advisor serve` in a subprocess on a free loopback port; its log (stderr) kept in a file."""

    def __init__(self, tmp_path: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"serve-{self.port}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from advisor.cli.main import main; main()", "serve", "--port", str(self.port),
             *args], stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.close()
        raise RuntimeError(f"serve did not answer /healthz within 60 s: {self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
