"""The service's OpenAPI 3.1 document, built when the app starts FROM the project's JSON Schemas for the profile
and the plan (advisor/schemas/*.schema.json, the files docs/ publishes), so the API description cannot drift from
the contract the library checks; and /docs, a plain HTML rendering of it (no script, nothing fetched).

OpenAPI 3.1 takes JSON Schema 2020-12 as it is; only the references move: each file's `$defs` become components
named `Profile.<name>` / `Plan.<name>`, and the plan's reference to `profile.schema.json` points at `Profile`."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from advisor import __version__
from advisor.service.config import ServiceConfig
from advisor.service.problems import PROBLEM_TYPE, PROFILE_PROBLEM
from engine.documents import load_schema

SCHEMA_FILES = {"Profile": "profile.schema.json", "Plan": "plan.schema.json"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": f"`about:blank`, or `{PROFILE_PROBLEM}` when the profile "
                                                  "(or imported data) failed its checks."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "The message `creator-advisor plan` prints after `Error: `."},
        "errors": {"type": "array", "description": "Each located problem of the profile.", "items": {
            "type": "object", "required": ["line", "column", "path", "message", "text"],
            "properties": {"line": {"type": ["integer", "null"]}, "column": {"type": ["integer", "null"]},
                           "path": {"type": "string", "description": "The key path, as `videos[2].posted`."},
                           "message": {"type": "string"},
                           "text": {"type": "string", "description": "The CLI's whole line: "
                                                                     "`body:3:5: folowers: unknown key ...`"}}}},
    },
}

TIKTOK_DATA: dict[str, Any] = {
    "type": "object",
    "description": "TikTok's own data, as `creator-advisor plan FILE.json` reads it (docs/importers.md): a Display "
                   "API /v2/user/info/ response, a Research API user info response or record, or the "
                   "user_data_tiktok.json of 'Download your data'.",
}


def _moved(schema: Any, prefix: str) -> Any:
    """A copy of `schema` with its references pointing into components."""
    if isinstance(schema, dict):
        result = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                result[key] = _reference(value, prefix)
            elif key not in ("$schema", "$id", "$defs"):
                result[key] = _moved(value, prefix)
        return result
    if isinstance(schema, list):
        return [_moved(item, prefix) for item in schema]
    return schema


def _reference(reference: str, prefix: str) -> str:
    file, _, pointer = reference.partition("#")
    if file:
        prefix = next(name for name, schema_file in SCHEMA_FILES.items() if schema_file == file)
    if pointer.startswith("/$defs/"):
        return f"#/components/schemas/{prefix}.{pointer[len('/$defs/'):]}"
    if pointer in ("", "/"):
        return f"#/components/schemas/{prefix}"
    raise ValueError(f"cannot move the reference {reference!r} into components")


def schema_components() -> dict[str, Any]:
    """Profile, Plan and each of their $defs as OpenAPI components, from the packaged schema files."""
    components: dict[str, Any] = {}
    for name, file in SCHEMA_FILES.items():
        schema = load_schema("advisor", file)
        components[name] = _moved(schema, name)
        for definition, body in schema.get("$defs", {}).items():
            components[f"{name}.{definition}"] = _moved(body, name)
    return components


def _problems(*statuses: int) -> dict[str, Any]:
    words = {400: "A malformed parameter or header (?format=, ?as_of=, Content-Length).",
             406: "The Accept header names no format the service writes.",
             408: "The body did not arrive within the time allowed.",
             413: "The body is over the size limit (refused before it is read whole).",
             415: "The body is not of a media type this route reads.",
             422: "The profile (or imported data) has problems: every one, located as the CLI locates them.",
             503: "The plan was not ready within the time limit, or the server is at its connection limit."}
    return {str(status): {"description": words[status],
                          "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in statuses}


def _json_get(summary: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"summary": summary, "description": description,
                    "responses": {"200": {"description": summary,
                                          "content": {"application/json": {"schema": schema}}}}}}


def openapi_document(config: ServiceConfig) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document of the service as configured (its body limit and time limit are said)."""
    from advisor.service.page import form_schema

    profile = {"$ref": "#/components/schemas/Profile"}
    html = {"text/html": {"schema": {"type": "string"}}}
    plans = {
        "post": {
            "summary": "The plan for one creator",
            "description": "The body is one profile in the JSON (or YAML) contract, or TikTok's own data as "
                           "`creator-advisor plan FILE.json` reads it. The verdicts are exactly those of `creator-"
                           "advisor plan`. The answer is JSON by default, Markdown or HTML by `Accept` or "
                           f"`?format=`. Bodies over {config.max_body_bytes:,} bytes are refused (413); a plan "
                           f"that takes over {config.time_limit:g} s is answered 503.",
            "parameters": [
                {"name": "format", "in": "query", "required": False, "description": "The report's format; "
                 "overrides Accept.", "schema": {"type": "string", "enum": ["json", "md", "html"]}},
                {"name": "as_of", "in": "query", "required": False, "description": "Judge the profile on this "
                 "date instead of its own as_of (the CLI's --as-of).", "schema": {"type": "string",
                                                                                    "format": "date"}},
            ],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"anyOf": [profile, {"$ref": "#/components/schemas/TikTokData"}]}},
                "application/yaml": {"schema": profile}}},
            "responses": {"200": {"description": "The plan.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Plan"}},
                "text/markdown": {"schema": {"type": "string"}}, **html}},
                **_problems(400, 406, 408, 413, 415, 422, 503)},
        }
    }
    form = form_schema()
    return {
        "openapi": "3.1.0",
        "info": {"title": "creator-advisor", "version": __version__,
                 "description": "Where a short-video creator stands and what to do next to earn from TikTok: the "
                                "advisor's library over HTTP. See docs/http-api.md.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": {
            "/v1/plans": plans,
            "/v1/programs": _json_get("The rule pack's programmes", "Each programme (a gate of the pack) with "
                                      "its requirements and the thresholds behind them, with sources and dates.",
                                      {"type": "object", "required": ["pack", "programs"]}),
            "/v1/rules": _json_get("The rule pack's catalogue", "Every rule in firing order, with its condition "
                                   "as data and in words, and every threshold.",
                                   {"type": "object", "required": ["pack", "rules", "thresholds"]}),
            "/healthz": _json_get("Liveness", "`ok` once the rule pack is loaded, with the versions.",
                                  {"type": "object", "required": ["status"],
                                   "properties": {"status": {"const": "ok"}}}),
            "/openapi.json": _json_get("This document", "OpenAPI 3.1, built from the JSON Schemas.",
                                       {"type": "object"}),
            "/docs": {"get": {"summary": "This document as a page", "responses": {"200": {
                "description": "HTML", "content": html}}}},
            "/": {"get": {"summary": "The creators' form", "responses": {"200": {"description": "HTML",
                                                                                 "content": html}}},
                  "post": {"summary": "The creators' form, submitted",
                           "description": "A plain form post (no script): the numbers, or an uploaded profile "
                                          "or data export. The answer is the HTML plan, or the form again with "
                                          "each problem next to its field (422).",
                           "requestBody": {"required": True, "content": {
                               "application/x-www-form-urlencoded": {"schema": form},
                               "multipart/form-data": {"schema": form}}},
                           "responses": {"200": {"description": "The HTML plan.", "content": html},
                                         "422": {"description": "The form again, with the problems.",
                                                 "content": html},
                                         "413": {"description": "The form again: the upload is too large.",
                                                 "content": html}}}},
        },
        "components": {"schemas": {**schema_components(), "Problem": PROBLEM_SCHEMA, "TikTokData": TIKTOK_DATA}},
    }


async def docs_page(request: Request) -> Response:
    from advisor.service.page import html_response

    return html_response(_docs_html(request.app.state.openapi_bytes))


@lru_cache(maxsize=4)
def _docs_html(document_bytes: bytes) -> str:
    from advisor.service.page import environment

    document = json.loads(document_bytes)
    operations = [(path, method, operation) for path, item in document["paths"].items()
                  for method, operation in item.items()]
    schemas = {name: json.dumps(schema, indent=2, ensure_ascii=False)
               for name, schema in document["components"]["schemas"].items()}
    return environment().get_template("docs.html.j2").render(
        info=document["info"], operations=operations, schemas=schemas)
