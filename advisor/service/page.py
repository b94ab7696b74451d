"""The creators' page at `/`: a form for the numbers TikTok Studio shows (or an upload of a profile file or of
TikTok's "Download your data" export), answered with the same HTML plan as `plan --format html`.

A plain form post, no script: it works with JavaScript off and with the keyboard alone. Bad input re-shows the
form with each located problem next to its field (and all of them in a summary at the top, linked to the fields).
Field names are the profile contract's keys; the only translation is from form text to the contract's types
(digits to integers, an `@` before the handle dropped, the country upper-cased), after which the mapping is
checked by the library exactly as a profile file is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from advisor.api import render
from advisor.profile.importers import profile_from_bytes
from advisor.profile.reading import parse_profile
from advisor.service.http import FORM_TYPES, media_type, once, page_csp, read_body
from advisor.service.problems import HTTPProblem

UPLOAD = "profile_file"
_DIGITS = re.compile(r"[+-]?\d+")
_MISSING = re.compile(r"missing required key '(\w+)'")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")


@dataclass(frozen=True)
class Field:
    """One input of the form: the profile key it fills, its label, kind and the hint saying where to find it."""

    name: str
    label: str
    hint: str
    kind: str = "count"  # count, text, country, select, date
    required: bool = False
    options: tuple[str, ...] = ()
    autocomplete: str = "off"


FIELDS = (
    Field("handle", "Handle", "Your name on TikTok without the @: on your profile, under your photo.", "text",
          required=True, autocomplete="username"),
    Field("followers", "Followers", "On your profile, the number above \u201cFollowers\u201d; or TikTok Studio "
          "\u203a Analytics \u203a Followers.", required=True),
    Field("age", "Your age", "In years. Most programmes need you to be 18 or older.", autocomplete="off"),
    Field("country", "Country", "Where your account is registered, as two letters (US, GB, DE, KR\u2026): "
          "Settings and privacy \u203a Account \u203a Account information \u203a Country/Region.", "country",
          autocomplete="country"),
    Field("account_type", "Account type", "Settings and privacy \u203a Account: if it offers \u201cSwitch to "
          "Business Account\u201d, yours is personal.", "select", options=("", "personal", "business")),
    Field("views_30d", "Video views, last 30 days", "TikTok Studio \u203a Analytics \u203a Overview, with a "
          "custom date range of the last 30 days: \u201cVideo views\u201d."),
    Field("likes_30d", "Likes, last 30 days", "TikTok Studio \u203a Analytics \u203a Overview, same 30 days: "
          "\u201cLikes\u201d."),
    Field("comments_30d", "Comments, last 30 days", "TikTok Studio \u203a Analytics \u203a Overview, same 30 "
          "days: \u201cComments\u201d."),
    Field("shares_30d", "Shares, last 30 days", "TikTok Studio \u203a Analytics \u203a Overview, same 30 days: "
          "\u201cShares\u201d."),
    Field("posts_30d", "Posts, last 30 days", "How many public videos you posted in those 30 days: count them on "
          "your profile or in TikTok Studio \u203a Posts."),
    Field("niche", "Niche", "Your topic in a word or two: baking, fitness, gaming\u2026", "text"),
    Field("as_of", "Day the numbers were read", "Leave empty for today.", "date"),
)
FIELD_NAMES = frozenset(field.name for field in FIELDS)
LABELS = {field.name: field.label for field in FIELDS}
UPLOAD_HINT = ("A profile file (YAML or JSON, as creator-advisor plan reads), or user_data_tiktok.json from "
               "TikTok's \u201cDownload your data\u201d (Settings and privacy \u203a Account \u203a Download your "
               "data, file format JSON).")


def form_schema() -> dict[str, Any]:
    """The form's fields as a JSON Schema (for the OpenAPI document): the contract's keys, as text."""
    properties: dict[str, Any] = {field.name: {"type": "string", "description": f"{field.label}. {field.hint}"}
                                  for field in FIELDS}
    properties[UPLOAD] = {"type": "string", "contentMediaType": "application/octet-stream",
                          "description": UPLOAD_HINT}
    return {"type": "object", "properties": properties}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The page's own templates, packaged beside this module and read once; autoescaped, StrictUndefined."""
    folder = resources.files(__package__) / "templates"
    sources = {name: (folder / name).read_text(encoding="utf-8") for name in ("form.html.j2", "docs.html.j2",
                                                                               "page.css")}
    return jinja2.Environment(loader=jinja2.DictLoader(sources), autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def html_response(html: str, status: int = 200) -> Response:
    return Response(html, status_code=status, media_type="text/html; charset=utf-8",
                    headers={"content-security-policy": page_csp(html)})


def form_page(values: dict[str, str], errors: dict[str, list[str]], summary: list[tuple[str, str]],
              limit: int) -> str:
    return environment().get_template("form.html.j2").render(
        fields=FIELDS, values=values, errors=errors, summary=summary, upload=UPLOAD, upload_hint=UPLOAD_HINT,
        limit=limit, today=dt.date.today().isoformat())


async def show_form(request: Request) -> Response:
    return html_response(form_page({}, {}, [], request.app.state.planner.config.max_body_bytes))


async def submit_form(request: Request) -> Response:
    planner = request.app.state.planner
    limit = planner.config.max_body_bytes
    kind = media_type(request)
    if kind not in FORM_TYPES:
        raise HTTPProblem(415, f"{kind or 'no Content-Type'} is not a form post: send "
                               f"{' or '.join(FORM_TYPES)}")
    try:
        body = await read_body(request, limit, planner.config.body_timeout)
    except HTTPProblem as problem:
        if problem.status != 413:
            raise
        message = f"This is more than the {limit:,} bytes the page accepts; upload a smaller file."
        return html_response(form_page({}, {UPLOAD: [message]}, [(UPLOAD, message)], limit), 413)
    form = await _parse(request, kind, body, limit)
    values = {field.name: str(form.get(field.name) or "")[:200] for field in FIELDS}
    upload = form.get(UPLOAD)
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            name = _SAFE_NAME.sub("_", upload.filename)[-80:] or "upload"
            content = await upload.read()
            html = await planner.run(_plan_upload, planner, content, name)
        else:
            html = await planner.run(_plan_fields, planner, values)
    except HTTPProblem as problem:
        if problem.status != 422:
            raise
        errors, summary = _located(problem, upload_given=isinstance(upload, UploadFile) and bool(upload.filename))
        return html_response(form_page(values, errors, summary, limit), 422)
    return html_response(html)


async def _parse(request: Request, kind: str, body: bytes, limit: int) -> FormData:
    try:
        if kind == "multipart/form-data":
            return await MultiPartParser(request.headers, once(body), max_files=1, max_fields=len(FIELDS) + 8,
                                         max_part_size=limit).parse()
        return await FormParser(request.headers, once(body), max_fields=len(FIELDS) + 8,
                                max_part_size=limit).parse()
    except MultiPartException as error:
        raise HTTPProblem(400, f"the form could not be read: {error.message}") from None


def _plan_upload(planner: Any, content: bytes, name: str) -> str:
    profile = profile_from_bytes(content, name, limits=planner.limits)
    return render(planner.advisor.advise(profile), "html")


def _plan_fields(planner: Any, values: dict[str, str]) -> str:
    profile = parse_profile(profile_mapping(values), source="form", limits=planner.limits)
    return render(planner.advisor.advise(profile), "html")


def profile_mapping(values: dict[str, str]) -> dict[str, Any]:
    """The form's text as a mapping in the profile contract: empty fields left out, digits as integers (with
    thousands separators allowed), anything else passed on as text for the profile check to name."""
    mapping: dict[str, Any] = {}
    for field in FIELDS:
        text = values.get(field.name, "").strip()
        if not text:
            continue
        if field.kind == "count":
            plain = text.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("_", "")
            mapping[field.name] = int(plain) if _DIGITS.fullmatch(plain) and len(plain) < 40 else text
        elif field.name == "handle":
            mapping[field.name] = text[1:] if text.startswith("@") else text
        elif field.kind == "country":
            mapping[field.name] = text.upper()
        else:
            mapping[field.name] = text
    return mapping


def _located(problem: HTTPProblem, *, upload_given: bool) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Each problem next to its field (the first key of its path names it), the rest under the upload or in the
    summary; the summary lists them all, each linked to its field."""
    errors: dict[str, list[str]] = {}
    summary: list[tuple[str, str]] = []
    items = problem.errors or [{"path": "", "message": problem.detail, "text": problem.detail}]
    for item in items:
        key = re.split(r"[.\[]", item.get("path") or "", maxsplit=1)[0]
        missing = _MISSING.match(item.get("message", ""))
        if not key and missing:
            key = missing.group(1)
        if upload_given:
            target, text = UPLOAD, item["text"]
        elif key in FIELD_NAMES:
            target, text = key, item["message"]
        else:
            target, text = "", item["text"]
        if target:
            errors.setdefault(target, []).append(text)
        summary.append((target, f"{LABELS[target]}: {text}" if target in LABELS else text))
    return errors, summary

