"""The fast "valid?" check (jsonschema-rs, engine.documents.schema._fast_check) answers as jsonschema does, for the profile
and rule-file schemas: on every shipped rule file and test pack, on the examples, and on many seeded random
mutations of them (differential tests). It must never say "valid" where jsonschema finds an error (that would let
an invalid document through unworded); it may say "no" for a document holding a value JSON has no text for (NaN,
infinity), which jsonschema then checks in full, so the verdict the user sees is jsonschema's either way."""

from __future__ import annotations

import copy
import json
import random
import math
from pathlib import Path

import pytest
import yaml

from engine.documents.schema import _fast_check, _validator, as_json_data
from engine.documents.yaml_source import DEFAULT_LIMITS, SourceError, load_yaml_file

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

SCHEMAS = {"profile": ("advisor", "profile.schema.json"), "rules": ("engine", "rule_file.schema.json")}


def checkers(kind: str):
    package, name = SCHEMAS[kind]
    return _fast_check(package, name), _validator(package, name)


def not_json(value) -> bool:
    """True when the document holds a float JSON cannot write (NaN, infinity)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(not_json(item) for item in value.values())
    if isinstance(value, list):
        return any(not_json(item) for item in value)
    return False


def agree(fast: bool, full: bool, document) -> bool:
    return fast == full or (not fast and not_json(document))


def documents(folder: Path, pattern: str) -> list:
    found = []
    for path in sorted(folder.glob(pattern)):
        try:
            found.append(as_json_data(load_yaml_file(path, DEFAULT_LIMITS).data))
        except SourceError:
            pass
    return found


RULE_FILES = [doc for doc in documents(ROOT / "rules", "*.yaml") + documents(TESTS / "packs", "**/*.yaml")
              + documents(TESTS / "corpus" / "rules", "**/*.yaml") if doc is not None]
PROFILES = [doc for doc in documents(ROOT / "examples", "*.yaml")
            + documents(TESTS / "corpus" / "profiles", "**/*.yaml")
            + documents(TESTS / "corpus" / "profiles", "**/*.json") if doc is not None]


@pytest.mark.parametrize("kind, docs", [("rules", RULE_FILES), ("profile", PROFILES)])
def test_same_verdict_on_every_shipped_document(kind, docs):
    fast, validator = checkers(kind)
    assert len(docs) > 5
    verdicts = [(fast(doc), validator.is_valid(doc)) for doc in docs]
    assert all(agree(mine, theirs, doc) for (mine, theirs), doc in zip(verdicts, docs)), verdicts
    assert any(mine for mine, _ in verdicts) and (kind == "rules" or not all(mine for mine, _ in verdicts))


VALUES = [None, True, False, 0, 1, -1, 5, -5, 10**12, 10**12 + 1, 2 * 10**12, 1.0, 0.5, -0.0, 1e308, -2.5,
          "", "US", "us", "GB", "2024-02-30", "2024-01-01", "@x", "x" * 70, "trending", "original", "personal",
          "18-24", "55+", "all", ">=", "between", "exists", "tiktok", "1.0", "a.b", "Baker",
          "https://example.invalid", [], {}, [1], ["a", "b"], {"x-a": 1}, {"value": 1}, {"threshold": "a.b"},
          {"fact": "followers", "op": ">=", "value": 1}]
KEYS = ["x-note", "folowers", "views", "when", "all", "op", "threshold", "US", "value", "source", "as_of", "earlier",
        "priority", "extra"]


def paths(value, prefix=()):
    """Every path in a document (mapping keys and list indexes), the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def mutate(document, path, action, value, key):
    document = copy.deepcopy(document)
    if not path:
        return value if action == "replace" else document
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent[last], dict):
        parent[last][key] = value
    elif isinstance(parent[last], list):
        parent[last].append(value)
    return document


def mutated(rng: random.Random, docs: list):
    """A shipped document with one to three random edits: a value replaced, a key or item deleted, one added."""
    document = rng.choice(docs)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths(document)))
        document = mutate(document, path, rng.choice(["replace", "delete", "add"]), rng.choice(VALUES),
                          rng.choice(KEYS))
    return document


@pytest.mark.parametrize("kind", ["profile", "rules"])
def test_same_verdict_on_mutated_documents(kind):
    fast, validator = checkers(kind)
    docs = PROFILES if kind == "profile" else [doc for doc in RULE_FILES if isinstance(doc, dict)]
    rng = random.Random(6)  # seeded: the same 1,500 documents every run
    verdicts = []
    for _ in range(1500):
        document = mutated(rng, docs)
        mine, theirs = fast(document), validator.is_valid(document)
        assert agree(mine, theirs, document), json.dumps(document, default=str)[:500]
        verdicts.append(mine)
    assert True in verdicts and False in verdicts  # both verdicts were exercised


def test_a_value_that_is_not_json_data_is_left_to_jsonschema_to_word():
    fast, _ = checkers("profile")
    assert fast({"handle": "a", "followers": 1}) and not fast({"handle": "a", "followers": 1, "videos": {1, 2}})
    assert yaml  # the documents above are YAML
