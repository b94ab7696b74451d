"""The service's OpenAPI document: valid OpenAPI 3.1 (checked by openapi-spec-validator), built from the project's
JSON Schemas so it cannot drift from them, and true of the answers the service gives; and its /docs page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from service_helpers import EXAMPLES, make_client, require_serve_extra

require_serve_extra()

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client():
    with make_client() as client:
        yield client


@pytest.fixture(scope="module")
def document(client):
    answer = client.get("/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    return answer.json()


def test_the_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError  # noqa: F401

    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema, or a reference that does not resolve


def test_the_schemas_are_the_projects_own_files(document):
    components = document["components"]["schemas"]
    for name, file in (("Profile", "profile.schema.json"), ("Plan", "plan.schema.json")):
        source = json.loads((ROOT / "advisor" / "schemas" / file).read_text(encoding="utf-8"))
        assert set(source["properties"]) == set(components[name]["properties"])
        assert components[name]["required"] == source["required"]
        for definition in source.get("$defs", {}):
            assert f"{name}.{definition}" in components
    assert components["Profile"]["properties"]["followers"] == {
        **source_property("profile.schema.json", "followers"), "$ref": "#/components/schemas/Profile.count"}


def source_property(file: str, key: str) -> dict:
    return json.loads((ROOT / "advisor" / "schemas" / file).read_text(encoding="utf-8"))["properties"][key]


def test_the_published_plan_schema_is_the_packaged_one():
    docs = json.loads((ROOT / "docs" / "plan.schema.json").read_text(encoding="utf-8"))
    packaged = json.loads((ROOT / "advisor" / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
    assert docs == packaged, "docs/plan.schema.json and advisor/schemas/plan.schema.json differ: copy one over"


def _validator(document, component: str):
    from jsonschema import Draft202012Validator

    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_answers_are_what_the_document_says(client, document, example):
    answer = client.post("/v1/plans", content=example.read_bytes(), headers={"content-type": "application/yaml"})
    errors = sorted(_validator(document, "Plan").iter_errors(answer.json()), key=str)
    assert not errors, errors[0]
    problem = client.post("/v1/plans", json={"handle": "a", "folowers": 1})
    assert not list(_validator(document, "Problem").iter_errors(problem.json()))
    # A contract a validator holds the document to: a misspelt key is refused by the schema too.
    assert list(_validator(document, "Profile").iter_errors({"handle": "a", "folowers": 1}))


def test_every_route_is_documented(client, document):
    from advisor.service.app import build_app  # noqa: F401
    from starlette.routing import Route

    app = client.app.app  # inside the Guard middleware
    routes = {(route.path, method.lower()) for route in app.routes if isinstance(route, Route)
              for method in route.methods if method != "HEAD"}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_the_docs_page_shows_every_operation_without_script(client, document):
    answer = client.get("/docs")
    assert answer.status_code == 200
    html = answer.text
    assert "<script" not in html and "http://" not in html.replace("http://127.0.0.1", "")
    assert not re.search(r'\b(src|href)="https?://', html), "the docs page must fetch nothing"
    for path, item in document["paths"].items():
        for method in item:
            assert f"<code>{method.upper()} {path}</code>" in html
