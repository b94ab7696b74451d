"""Hostile requests to the HTTP service, from the corpus tests/corpus/http/requests.yaml: oversized, deeply
nested, wrong types, template payloads, paths that climb out, markup, uploads named like system files. Each gets
the status the corpus says, a problem (or the page) saying what was wrong, and never a traceback, a template that
ran or a file's content. Slow bodies need a real socket: tests/test_service_server.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from service_helpers import make_client, require_serve_extra

require_serve_extra()

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus" / "http" / "requests.yaml").read_text(encoding="utf-8"))


def _generated(spec: dict) -> bytes:
    kind = spec["kind"]
    if kind == "bytes":
        return spec["fill"].encode() * spec["size"]
    if kind == "nested":
        depth = spec["depth"]
        return b'{"handle": "a", "followers": 1, "x-deep": ' + b"[" * depth + b"]" * depth + b"}"
    if kind == "keys":
        return json.dumps({"handle": "a", "followers": 1, **{f"k{i}": i for i in range(spec["count"])}}).encode()
    if kind == "big_number":
        return b'{"handle": "a", "followers": ' + b"9" * spec["digits"] + b"}"
    if kind == "aliases":
        lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for level in range(1, spec["levels"]):
            lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
        return ("\n".join(lines) + "\nhandle: a\nfollowers: 1\n").encode()
    if kind == "form_fields":
        return "&".join(f"f{i}=1" for i in range(spec["count"])).encode()
    raise AssertionError(f"unknown generator {kind!r}")


def _body(case: dict) -> bytes:
    if "generate" in case:
        return _generated(case["generate"])
    if "json" in case:
        return json.dumps(case["json"]).encode()
    if "bytes_hex" in case:
        return bytes.fromhex(case["bytes_hex"])
    return case.get("text", "").encode("utf-8")


@pytest.fixture(scope="module")
def client():
    with make_client() as client:
        yield client


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_hostile_request(client, case):
    method = case.get("method", "POST")
    url = case.get("path", "/v1/plans") + (f"?{case['query']}" if "query" in case else "")
    headers = {"content-type": case.get("content_type", "application/json"), **case.get("headers", {})}
    if "upload" in case:
        headers.pop("content-type")
        upload = case["upload"]
        answer = client.post(url, files={"profile_file": (upload["filename"], upload["text"].encode("utf-8"))})
    else:
        body = _body(case)
        if case.get("chunked"):
            answer = client.request(method, url, content=iter([body[i:i + 65536]
                                                               for i in range(0, len(body), 65536)]),
                                    headers=headers)
        else:
            answer = client.request(method, url, content=body or None, headers=headers)
    assert answer.status_code == case["expect"], answer.text[:2000]
    text = answer.text
    assert "Traceback" not in text
    if answer.status_code >= 400 and not answer.headers["content-type"].startswith("text/html"):
        problem = answer.json()
        assert answer.headers["content-type"] == "application/problem+json"
        assert problem["status"] == case["expect"]
        assert case.get("detail", "") in problem["detail"]
    for word in case.get("absent", ()):
        assert word not in text
