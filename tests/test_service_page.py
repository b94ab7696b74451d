"""The creators' page through the ASGI test client (what the browser tests do not pin down): the form's fields
are the profile contract's keys, a filled form gets the plan the library gives for the same mapping, bad input
comes back with the messages next to their fields, an upload over the limit is answered with the form (413)."""

from __future__ import annotations

import re

import pytest
from service_helpers import EXAMPLES, make_client, require_serve_extra

require_serve_extra()

from advisor.api import Advisor, render  # noqa: E402
from advisor.profile.reading import parse_profile  # noqa: E402
from advisor.service.page import FIELDS, profile_mapping  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with make_client() as client:
        yield client


def test_the_form_names_its_fields_after_the_profile_contract(client):
    import json
    from pathlib import Path

    schema = json.loads((Path(__file__).parent.parent / "advisor" / "schemas" / "profile.schema.json")
                        .read_text(encoding="utf-8"))
    html = client.get("/").text
    names = re.findall(r'<(?:input|select) id="([^"]+)" name="([^"]+)"', html)
    assert [name for _, name in names][:-1] == [field.name for field in FIELDS]
    assert all(name in schema["properties"] for name, _ in names[:-1])
    for field in FIELDS:  # every field has its label and its hint, linked from the input
        assert f'<label for="{field.name}">' in html
        assert f'aria-describedby="{field.name}-hint"' in html


def test_a_filled_form_gets_the_plan_of_the_same_profile(client):
    form = {"handle": "@crumb_and_co", "followers": "6,840", "age": "27", "country": "us",
            "account_type": "personal", "views_30d": "74 100", "likes_30d": "8260", "comments_30d": "655",
            "shares_30d": "615", "posts_30d": "7", "niche": "baking", "as_of": "2026-11-20"}
    answer = client.post("/", data=form)
    assert answer.status_code == 200
    expected = render(Advisor().advise(parse_profile({
        "handle": "crumb_and_co", "followers": 6840, "age": 27, "country": "US", "account_type": "personal",
        "views_30d": 74100, "likes_30d": 8260, "comments_30d": 655, "shares_30d": 615, "posts_30d": 7,
        "niche": "baking", "as_of": "2026-11-20"})), "html")
    assert answer.text == expected


def test_form_text_becomes_the_contracts_types_and_nothing_else():
    assert profile_mapping({"followers": " 12,300 ", "age": "", "handle": "@me", "country": "de",
                            "views_30d": "12.5K"}) == {"followers": 12300, "handle": "me", "country": "DE",
                                                       "views_30d": "12.5K"}


def test_bad_input_comes_back_with_each_message_next_to_its_field(client):
    answer = client.post("/", data={"handle": "", "followers": "12.5K", "country": "Germany"})
    assert answer.status_code == 422
    html = answer.text
    for field in ("handle", "followers", "country"):
        block = html[html.index(f'<label for="{field}">'):]
        block = block[:block.index("</div>")]
        assert f'id="{field}-error-1"' in block and 'aria-invalid="true"' in block
    assert 'value="12.5K"' in html  # what was typed is kept
    links = re.findall(r'<li><a href="#(\w+)">', html)  # the summary links every message to its field
    assert sorted(links) == ["country", "followers", "handle"]


def test_an_upload_over_the_limit_is_answered_with_the_form():
    with make_client(max_body_bytes=2000) as small:
        answer = small.post("/", files={"profile_file": ("big.yaml", b"handle: a\nfollowers: 1\n" + b"#" * 5000)})
        assert answer.status_code == 413
        assert "more than the 2,000 bytes the page accepts" in answer.text
        assert 'id="profile_file-error-1"' in answer.text


def test_an_uploaded_profile_with_a_typo_names_the_file_and_line(client):
    body = EXAMPLES[0].read_bytes().replace(b"followers:", b"folowers:", 1)
    answer = client.post("/", files={"profile_file": ("my profile.yaml", body)})
    assert answer.status_code == 422
    assert re.search(r"my profile\.yaml:\d+:\d+: folowers: unknown key &#39;folowers&#39;; did you mean "
                     r"&#39;followers&#39;\?", answer.text)


def test_a_form_post_of_another_media_type_is_415(client):
    answer = client.post("/", content=b'{"handle": "a"}', headers={"content-type": "application/json"})
    assert answer.status_code == 415
