"""`creator-advisor serve` as a real server on a loopback port: what needs real sockets and processes. A body that
trickles in is cut off (408) and the worker goes on; a declared oversize body is refused before a byte of it is
read (413); several worker processes answer; the log holds each request's status and duration and nothing of the
request; a bad rule pack is one `Error:` line and exit 1."""

from __future__ import annotations

import json
import re
import socket
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from service_helpers import EXAMPLES, Server, require_serve_extra

require_serve_extra()

from advisor.cli.main import main  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("serve"), "--workers", "2", "--body-timeout", "1") as running:
        yield running


def _raw(server: Server, request: bytes, *, pause: float = 0.0, trickle: bytes = b"", timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as connection:
        connection.sendall(request)
        for byte in trickle:
            time.sleep(pause)
            try:
                connection.sendall(bytes([byte]))
            except OSError:  # the server closed the connection: what we are testing for
                break
        answer = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer and answer.split(b"\r\n\r\n", 1)[1].rstrip().endswith(b"}"):
                break
        return answer


def _post(server: Server, body: bytes, path: str = "/v1/plans") -> tuple[int, bytes]:
    request = urllib.request.Request(server.url + path, data=body, method="POST",
                                     headers={"content-type": "application/yaml"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_slow_body_is_cut_off_with_408_and_the_worker_goes_on(server):
    started = time.monotonic()
    answer = _raw(server, b"POST /v1/plans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100\r\n\r\n{", pause=0.3, trickle=b'"handle": "slow", ')
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b"did not arrive within 1 seconds" in answer
    assert time.monotonic() - started < 8
    assert _post(server, EXAMPLES[0].read_bytes())[0] == 200


def test_a_declared_oversize_body_is_refused_before_it_is_sent(server):
    started = time.monotonic()
    answer = _raw(server, b"POST /v1/plans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 1000000000\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"1,000,000,000 bytes" in answer and b"application/problem+json" in answer
    assert time.monotonic() - started < 5


def test_several_workers_answer_at_once(server):
    body = EXAMPLES[0].read_bytes()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _post(server, body), range(32)))
    assert {status for status, _ in answers} == {200}
    assert len({content for _, content in answers}) == 1  # the same plan from every worker
    if sys.platform.startswith("linux"):
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
        assert len(children) >= 2, "uvicorn should have started two worker processes"


def test_the_log_holds_status_and_duration_only(server):
    secret = "zq-secret-handle-7731"
    body = json.dumps({"handle": secret, "followers": 8200, "folowers": 1}).encode()
    assert _post(server, body)[0] == 422
    assert _post(server, json.dumps({"handle": secret, "followers": 1}).encode(),
                 path=f"/v1/plans?format=md&as_of=2026-01-01&x={secret}")[0] == 200
    time.sleep(0.3)
    log = server.log()
    assert secret not in log
    lines = [line for line in log.splitlines() if "creator_advisor.service" in line]
    assert lines and all(re.search(r"creator_advisor\.service: \d{3} \d+\.\dms$", line) for line in lines)
    assert any(" 422 " in line for line in lines) and any(" 200 " in line for line in lines)
    assert "127.0.0.1:" not in "\n".join(lines)  # no client address either


def test_a_plan_past_the_time_limit_is_stopped_with_503_and_the_next_plan_is_right(tmp_path):
    videos = [{"posted": f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}", "views": i, "likes": 1} for i in range(30000)]
    big = json.dumps({"handle": "many", "as_of": "2026-11-20", "followers": 10, "videos": videos}).encode()
    with Server(tmp_path, "--workers", "1", "--time-limit", "0.2", "--max-body", str(10 * 1024 * 1024)) as limited:
        started = time.monotonic()
        status, body = _post(limited, big)
        assert status == 503, body[:500]
        assert b"time limit of 0.2 seconds" in body
        assert time.monotonic() - started < 5  # stopped, not left to run
        for example in EXAMPLES:
            status, body = _post(limited, example.read_bytes(), path="/v1/plans?format=md")
            assert status == 200
            cli = CliRunner().invoke(main, ["plan", str(example), "--format", "md"])
            assert body.decode("utf-8") == cli.stdout


def test_a_bad_rule_pack_is_one_error_line(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--rules", str(tmp_path / "missing"), "--port", "1"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "missing" in result.stderr
