"""The HTTP edges every route shares: reading a body within its bounds, checking its media type, choosing the
report format, and the security headers (a Content-Security-Policy that allows exactly the page's own styles).

Nothing here touches the file system or keeps anything about a request."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from typing import AsyncGenerator

import anyio
from starlette.requests import Request

from advisor.service.problems import HTTPProblem

JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
FORMAT_TYPES = {"json": "application/json", "md": "text/markdown; charset=utf-8",
                "html": "text/html; charset=utf-8"}
_ACCEPTED = {"application/json": "json", "application/*": "json", "*/*": "json", "text/markdown": "md",
             "text/x-markdown": "md", "text/html": "html", "application/xhtml+xml": "html", "text/*": "md"}

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
"""For every answer that is not a page (JSON, Markdown, problems): nothing may load, run or frame it."""


def media_type(request: Request) -> str:
    """The body's media type without parameters, lower case ('' when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_media_type(request: Request, allowed: tuple[str, ...]) -> str:
    """The body's media type when it is one of `allowed` (or ends in +json where JSON is allowed); else 415."""
    kind = media_type(request)
    if kind in allowed or ("application/json" in allowed and kind.startswith("application/") and
                           kind.endswith("+json")):
        return kind
    shown = kind or "no Content-Type"
    raise HTTPProblem(415, f"{shown} is not accepted here: send {', '.join(allowed)}",
                      headers={"accept-post": ", ".join(allowed)})


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The whole body, refused with 413 as soon as it is known to exceed `limit` bytes (from Content-Length before
    any byte is read, else while it streams in), and with 408 when it has not all arrived within `timeout`
    seconds (a client sending a byte at a time must not hold a worker)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise HTTPProblem(400, f"Content-Length {declared[:40]!r} is not a number of bytes")
        if int(declared) > limit:
            raise _too_large(limit, int(declared))
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit, None)
                chunks.append(chunk)
    except TimeoutError:
        raise HTTPProblem(408, f"the request body did not arrive within {timeout:g} seconds",
                          headers={"connection": "close"}) from None
    return b"".join(chunks)


def _too_large(limit: int, size: int | None) -> HTTPProblem:
    said = f" ({size:,} bytes)" if size is not None else ""
    return HTTPProblem(413, f"the request body{said} is over the limit of {limit:,} bytes",
                       headers={"connection": "close"})


async def once(body: bytes) -> AsyncGenerator[bytes, None]:
    """A body already read, as the stream Starlette's form parsers take."""
    yield body


def choose_format(request: Request) -> str:
    """md, html or json: `?format=` when given, else the first of the `Accept` header's media ranges (by quality,
    then order) that names one; JSON when there is no Accept header. 400 for an unknown ?format=, 406 for an
    Accept header naming none."""
    asked = request.query_params.get("format")
    if asked is not None:
        if asked not in FORMAT_TYPES:
            raise HTTPProblem(400, f"format {asked[:40]!r} is not one of md, html, json")
        return asked
    header = request.headers.get("accept", "").strip()
    if not header:
        return "json"
    ranges = []
    for position, item in enumerate(header.split(",")[:32]):
        kind, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, position, kind.lower()))
    for _, _, kind in sorted(ranges):
        if kind in _ACCEPTED:
            return _ACCEPTED[kind]
    raise HTTPProblem(406, "the Accept header names none of application/json, text/markdown, text/html "
                           "(or use ?format=json|md|html)")


def as_of_parameter(request: Request) -> dt.date | None:
    """`?as_of=YYYY-MM-DD`, as the CLI's --as-of; 400 with the CLI's words when it is not a date."""
    value = request.query_params.get("as_of")
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _not_a_date(value)
    except ValueError:
        return _not_a_date(value)


def _not_a_date(value: str) -> dt.date:
    raise HTTPProblem(400, f"as_of: {value[:40]!r} is not a date written YYYY-MM-DD")


_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')


def page_csp(html: str) -> str:
    """The Content-Security-Policy of one HTML page: no script at all; styles only the page's own `<style>`
    elements and style attributes, each allowed by its SHA-256 (so an injected style could not apply either); no
    images but inline SVG and data: URLs; forms post only to this origin."""
    hashes = {_sha256(text) for text in _INLINE_STYLE.findall(html)}
    attributes = {_sha256(text) for text in _STYLE_ATTRIBUTE.findall(html)}
    styles = " ".join(f"'{digest}'" for digest in sorted(hashes | attributes))
    unsafe_hashes = " 'unsafe-hashes'" if attributes else ""
    return (f"default-src 'none'; script-src 'none'; style-src{unsafe_hashes} {styles or chr(39) + 'none' + chr(39)}; "
            "img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
