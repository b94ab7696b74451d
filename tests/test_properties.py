"""Property-based tests (hypothesis) over profiles and rule files.

- Whatever a profile holds (valid, nearly valid, or any JSON-like junk), only the project's typed errors
  (AdvisorError, EngineError) leave `advise` and `render`.
- The same input gives byte-identical Markdown, HTML and JSON.
- Every plan's JSON validates against the published schema (docs/plan.schema.json, which refers to the profile's
  schema beside it, docs/profile.schema.json) and is written in the documented key order.
- Whatever a rule file holds, loading it, evaluating it and rendering its advice raise only EngineError.

Settings are moderate so the default run stays quick; `-m slow` runs the same properties on many more examples.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from advisor.api import Advisor, render
from advisor.errors import AdvisorError
from engine import EngineError, load_rule_pack

from conftest import GARDEN_FACTS, ROOT

DOCS = ROOT / "docs"
# The default run is derandomised (the same examples every run: no flaky failures); -m slow explores afresh.
MODERATE = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HEAVY = settings(max_examples=3000, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TYPED = (AdvisorError, EngineError)
FORMATS = ("md", "html", "json")


# ---- the published schemas --------------------------------------------------------------------------------------

def _schema(name: str) -> dict:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


PLAN_SCHEMA = _schema("plan.schema.json")
PROFILE_SCHEMA = _schema("profile.schema.json")
VALIDATOR = Draft202012Validator(
    PLAN_SCHEMA, format_checker=FormatChecker(),
    registry=Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in (PLAN_SCHEMA, PROFILE_SCHEMA)))


def test_the_published_schemas_are_valid_and_the_profile_schema_is_the_packaged_one():
    Draft202012Validator.check_schema(PLAN_SCHEMA)
    Draft202012Validator.check_schema(PROFILE_SCHEMA)
    packaged = ROOT / "advisor" / "schemas" / "profile.schema.json"
    assert PROFILE_SCHEMA == json.loads(packaged.read_text(encoding="utf-8")), "docs/profile.schema.json is stale"
    assert PLAN_SCHEMA["properties"]["profile"]["$ref"] == "profile.schema.json"


def _closed_objects(schema: dict, data: Any, path: str = "") -> list[tuple[str, list[str], list[str]]]:
    """(path, keys written, keys in the schema's order) for every closed object of `data`."""
    found = []
    if "$ref" in schema and schema["$ref"].startswith("#/$defs/"):
        schema = PLAN_SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    if isinstance(data, dict) and schema.get("additionalProperties") is False and "properties" in schema:
        order = [key for key in schema["properties"] if key in data]
        found.append((path, list(data), order))
        for key, value in data.items():
            found.extend(_closed_objects(schema["properties"].get(key, {}), value, f"{path}.{key}"))
    elif isinstance(data, list) and "items" in schema:
        for index, item in enumerate(data):
            found.extend(_closed_objects(schema["items"], item, f"{path}[{index}]"))
    return found


def check_plan_json(text: str) -> None:
    data = json.loads(text)
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    for path, written, order in _closed_objects(PLAN_SCHEMA, data):
        assert written == order, f"{path or 'plan'}: keys written {written}, documented order {order}"


# ---- profiles ---------------------------------------------------------------------------------------------------

LAUNCH, LAST = dt.date(2016, 9, 1), dt.date(2027, 12, 31)
# Values the default pack compares with, and their neighbours, so the thresholds' edges are hit often.
EDGES = [0, 1, 17, 18, 19, 999, 1000, 1001, 4999, 5000, 9999, 10000, 10001, 49999, 50000, 99999, 100000, 100001,
         499999, 500000, 999999, 1000000, 5000000, 10000000, 10 ** 12]
COUNT = st.one_of(st.sampled_from(EDGES), st.integers(0, 2_000_000), st.integers(0, 10 ** 12))
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40)
HOSTILE_TEXT = st.sampled_from(["<script>alert(1)</script>", "{{ 12345*3 }}", "{% include '/etc/passwd' %}",
                                "javascript:alert(1)", "a|b", "# h", "*x* _y_ `z`", "&amp;", "1. item", "\u202e"])
COUNTRIES = ["US", "GB", "DE", "FR", "IT", "ES", "JP", "KR", "BR", "MX", "ID", "CA", "NO", "XK", "IN"]


@st.composite
def profiles(draw) -> dict:
    as_of = draw(st.dates(LAUNCH, LAST))
    before = st.dates(LAUNCH, as_of)
    data: dict[str, Any] = {"handle": draw(st.one_of(TEXT.filter(lambda t: not t.startswith("@")), HOSTILE_TEXT)),
                            "followers": draw(COUNT)}
    if draw(st.booleans()):
        data["as_of"] = as_of.isoformat() if draw(st.booleans()) else as_of
    else:
        as_of = dt.date.today()
    optional = {
        "age": st.integers(0, 130), "country": st.sampled_from(COUNTRIES),
        "account_type": st.sampled_from(["personal", "business"]), "views_30d": COUNT, "likes_30d": COUNT,
        "comments_30d": COUNT, "shares_30d": COUNT, "saves_30d": COUNT, "posts_30d": st.integers(0, 400),
        "total_likes": COUNT, "niche": st.one_of(TEXT, HOSTILE_TEXT), "joined": before,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            data[key] = draw(strategy)
    if draw(st.booleans()):
        data["videos"] = draw(st.lists(st.fixed_dictionaries(
            {"posted": st.dates(as_of - dt.timedelta(days=60), as_of) if as_of >= LAUNCH + dt.timedelta(60)
             else before},
            optional={"duration_s": st.one_of(st.integers(0, 600), st.floats(0, 1_000_000)),
                      "views": COUNT, "likes": COUNT, "comments": COUNT, "shares": COUNT, "saves": COUNT,
                      "sound": st.sampled_from(["trending", "original"]), "title": st.one_of(TEXT, HOSTILE_TEXT),
                      "id": st.text(string.digits, min_size=1, max_size=19)}), max_size=8))
    if draw(st.booleans()):
        data["history"] = draw(st.lists(st.fixed_dictionaries(
            {"date": before, "followers": COUNT}, optional={"views_30d": COUNT}), max_size=5))
    if draw(st.booleans()):
        share = st.floats(0, 0.3)
        data["audience"] = draw(st.fixed_dictionaries({}, optional={
            "top_countries": st.dictionaries(st.sampled_from(COUNTRIES), share, max_size=3),
            "age_brackets": st.dictionaries(st.sampled_from(["13-17", "18-24", "25-34", "55+"]), share, max_size=3)}))
    if draw(st.booleans()):
        data["x-note"] = draw(st.one_of(TEXT, st.lists(st.integers(), max_size=3)))
    return data


JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 20), st.floats(),
              st.text(max_size=30), st.dates(), st.datetimes(), st.binary(max_size=5), HOSTILE_TEXT),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.text(max_size=10), st.integers()), children, max_size=4)),
    max_leaves=12)

KEYS = ["handle", "followers", "as_of", "age", "country", "account_type", "views_30d", "likes_30d", "posts_30d",
        "niche", "joined", "videos", "history", "audience", "folowers", "x-note", ""]


@st.composite
def broken_profiles(draw) -> Any:
    """A valid profile with a few keys set to junk, removed or misspelt; or junk itself."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JUNK)
    data = draw(profiles())
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(KEYS))
        action = draw(st.sampled_from(["junk", "drop", "nested"]))
        if action == "drop":
            data.pop(key, None)
        elif action == "nested" and isinstance(data.get("videos"), list) and data["videos"]:
            video = data["videos"][draw(st.integers(0, len(data["videos"]) - 1))]
            if isinstance(video, dict):
                video[draw(st.sampled_from(["posted", "views", "duration_s", "sound", "title", "x"]))] = draw(JUNK)
        else:
            data[key] = draw(JUNK)
    return data


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor()


def _reports(advisor: Advisor, profile: Any) -> dict[str, str] | None:
    try:
        plan = advisor.advise(profile)
        return {fmt: render(plan, fmt) for fmt in FORMATS}
    except TYPED:
        return None


def _valid_profile_gives_a_deterministic_plan_matching_the_schema(advisor: Advisor, profile: dict) -> None:
    first = _reports(advisor, profile)
    if first is None:
        return  # some combinations are refused (a video after as_of...): typed, which is all that is asked here
    second = _reports(advisor, profile)
    assert second == first, "the same profile gave different reports"
    for text in first.values():
        text.encode("utf-8")
    check_plan_json(first["json"])


@MODERATE
@given(profile=profiles())
def test_a_valid_profile_gives_byte_identical_reports_and_a_plan_matching_the_schema(advisor, profile):
    _valid_profile_gives_a_deterministic_plan_matching_the_schema(advisor, profile)


@MODERATE
@given(profile=broken_profiles())
def test_only_typed_errors_escape_for_any_profile(advisor, profile):
    _reports(advisor, profile)  # anything but AdvisorError / EngineError fails the test


def _json_or_error(advisor: Advisor, profile: Any) -> str:
    try:
        return render(advisor.advise(profile), "json")
    except TYPED as error:
        return type(error).__name__


@settings(MODERATE, max_examples=100)
@given(profile=profiles())
def test_a_profile_file_reads_as_its_mapping(advisor, profile, tmp_path_factory):
    path = tmp_path_factory.mktemp("profiles") / "profile.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert _json_or_error(advisor, path) == _json_or_error(advisor, profile)


@pytest.mark.slow
@HEAVY
@given(profile=st.one_of(profiles(), broken_profiles()))
def test_many_profiles_heavy(advisor, profile):
    _valid_profile_gives_a_deterministic_plan_matching_the_schema(advisor, profile) \
        if isinstance(profile, dict) else _reports(advisor, profile)


# ---- rule files -------------------------------------------------------------------------------------------------

FACTS = [spec.name for spec in GARDEN_FACTS] + ["needs_water", "unknown_fact"]
OPS = ["==", "!=", "<", "<=", ">", ">=", "in", "between", "exists", "~", None]
VALUES = st.one_of(st.integers(-5, 50), st.floats(-1, 50),
                   st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e300, 2 ** 60]), st.booleans(),
                   st.sampled_from(["rose", "tomato", "cactus", "2024-03-01"]), st.dates(),
                   st.lists(st.integers(0, 12), max_size=4), st.none())
TEXTS = st.one_of(st.sampled_from([
    "plain", "{{ facts.plant }}", "{{ facts.month | number }}", "{{ thresholds['frost.temperature'] }}",
    "{{ rule }}", "{{ facts.temperature | percent(2) }}", "{% if facts.month > 3 %}late{% else %}early{% endif %}",
    "{{ facts.nope }}", "{{ ''.__class__ }}", "{% include 'x' %}", "{{ 'a' * 100000 }}", "{{ facts.month / 0 }}",
    "{% for x in [1] %}{% endfor %}", "{{ rule.upper() }}", "{{", "{% if %}"]), st.text(max_size=30))


def conditions() -> st.SearchStrategy:
    leaf = st.builds(lambda fact, op, value: {k: v for k, v in (("fact", fact), ("op", op), ("value", value))
                                              if v is not None or k == "value" and op not in ("exists", None)},
                     st.sampled_from(FACTS), st.sampled_from(OPS), VALUES)
    return st.recursive(leaf, lambda inner: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda item: {"not": item}, inner)), max_leaves=6)


RULES = st.lists(st.fixed_dictionaries(
    {"id": st.sampled_from(["a.one", "a.two", "b.three", "water.dry", "Bad Id"]),
     "category": st.sampled_from(["care", "plan", "X"]),
     "when": conditions()},
    optional={"priority": st.one_of(st.integers(-5, 1005), st.text(max_size=3)),
              "then": st.fixed_dictionaries({}, optional={
                  "assert": st.dictionaries(st.sampled_from(["needs_water", "flag", "month"]), VALUES, max_size=2),
                  "advice": st.fixed_dictionaries({"title": TEXTS, "text": TEXTS},
                                                  optional={"because": st.lists(TEXTS, max_size=2)})})}),
    max_size=4)
FACT_VALUES = st.fixed_dictionaries({}, optional={
    "soil_moisture": st.floats(0, 1), "temperature": st.floats(-30, 40), "plant": st.sampled_from(["rose", "cactus"]),
    "month": st.integers(1, 12), "litres_available": st.integers(0, 100), "sown_on": st.dates()})


@MODERATE
@given(rules=RULES, facts=FACT_VALUES, on=st.dates(dt.date(2020, 1, 1), dt.date(2031, 1, 1)),
       country=st.sampled_from([None, "ES", "US"]))
def test_only_engine_errors_escape_for_any_rule_file(rules, facts, on, country, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    garden = ROOT / "tests" / "packs" / "garden"
    (folder / "thresholds.yaml").write_text((garden / "thresholds.yaml").read_text(), encoding="utf-8")
    (folder / "rules.yaml").write_text(yaml.safe_dump({"rules": rules}, allow_unicode=True), encoding="utf-8")
    try:
        pack = load_rule_pack(folder, GARDEN_FACTS)
        outcome = pack.evaluate(facts, country=country, on=on)
        pack.render_advice(outcome)
        for rule in pack.gate_rules():
            pack.render_title(rule, outcome)
    except EngineError:
        pass


@MODERATE
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_only_engine_errors_escape_for_any_rule_file_text(text, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    (folder / "rules.yaml").write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        load_rule_pack(folder, GARDEN_FACTS)
    except EngineError:
        pass


def test_the_schema_catches_a_plan_that_breaks_the_contract(advisor):
    data = json.loads(render(advisor.advise(ROOT / "examples" / "rising-baker-6k.yaml"), "json"))
    check_plan_json(json.dumps(data))
    for broken in ({**data, "extra": 1}, {**data, "schema_version": 2},
                   {**data, "growth": {**data["growth"], "followers": -1}},
                   {**data, "eligibility": [{**data["eligibility"][0], "status": "maybe"}]},
                   {**data, "profile": {**data["profile"], "folowers": 1}}):
        with pytest.raises(AssertionError):
            check_plan_json(json.dumps(broken))
    reordered = {"generator": data["generator"], **{k: v for k, v in data.items() if k != "generator"}}
    with pytest.raises(AssertionError, match="documented order"):
        check_plan_json(json.dumps(reordered))


def test_a_total_derived_from_videos_obeys_the_count_limit(advisor):
    """Found by checking plans against the schema: two videos of 10^12 views gave a plan whose profile said
    views_30d: 2,000,000,000,000, over the contract's limit, so the normalised profile was no valid profile."""
    profile = {"handle": "a", "followers": 5, "as_of": "2026-01-10",
               "videos": [{"posted": "2026-01-09", "views": 10 ** 12}, {"posted": "2026-01-08", "views": 10 ** 12}]}
    with pytest.raises(AdvisorError, match=r"videos: the videos of the 30 days before as_of add up to "
                                           r"2,000,000,000,000 for views_30d, over the limit of 1,000,000,000,000"):
        advisor.advise(profile)
    profile["videos"][1]["views"] = 0
    check_plan_json(render(advisor.advise(profile), "json"))
