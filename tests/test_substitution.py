"""Rule texts that only substitute values (engine/substitution.py) read exactly as Jinja renders them: for every
text of the shipped packs and hand-written edge cases, with facts from real plans and edge values, the text or
the error is the same with the short path and without it."""

from __future__ import annotations

import collections
import math
from pathlib import Path

import pytest

import engine.text as text_module
from advisor.api import Advisor
from advisor.profile import load_profile
from engine.errors import RuleTextError
from engine.text import MAX_TEXT_CHARS, render_text

ROOT = Path(__file__).resolve().parent.parent

EDGE_TEXTS = [
    "{{ facts.followers | number }} followers",
    "{{ facts.followers }} and {{ facts['followers'] }} and {{ thresholds['a.b'] | percent(0) }}",
    "{{ facts.engagement_rate | percent(2) }}{{ facts.engagement_rate | money('EUR') }}",
    "{{ facts.items }} is the method, {{ facts.keys | number }} too",
    "{{ facts.undeclared | number }}",
    "{{ facts.followers | number(none) }}",
    "  {{- facts.niche -}}  \n",
    "{{ rule }} {{ facts.followers }}",
    "{{ facts.data }} {{ facts.followers }}",
    "{{ facts.followers | upper }} {{ facts.niche | length }} {{ facts.niche | default('none') }}",
    "line one\r\nline two {{ facts.niche }}\n",
    "{{ facts.niche | number }} {{ facts.niche | isodate }} {{ facts.niche | compact }} {{ facts.niche | signed }}",
    "{{ thresholds['a.b'] }}",
    "{% if facts.niche %}about {{ facts.niche }}{% elif facts.followers == 1 %}one{% else %}none{% endif %}.",
    "{%- if facts.niche is defined and facts.niche is not none -%} {{ facts.niche }} {%- endif %} end",
    "{% if facts.undeclared is defined %}yes{% else %}no{% endif %} {% if thresholds['items'] is defined %}m{% endif %}",
    "{% if not facts.followers or facts.niche != 'fitness' %}a{% if facts.followers is none %}b{% endif %}{% endif %}",
    "{% if facts.followers == true %}t{% endif %}{% if facts.followers == 0 %}z{% endif %}{% if 0 %}never{% endif %}",
    "{% if facts.followers > 3 %}more{% endif %} {% set x = 1 %}{{ x }}",
    "{% if facts.niche is string %}text{% endif %}",
]
VALUES = [None, 0, -0.0, 1, 12345, 10**20, 2.5, 1e-7, math.nan, math.inf, True, False, "", "fitness", "<b>",
          "x" * (MAX_TEXT_CHARS + 1), [1, 2], {"a": 1}]


def pack_texts(advisor: Advisor) -> list[str]:
    texts = set()
    for rule in advisor.pack.rules.values():
        if rule.advice is not None:
            texts.update((rule.advice.title, rule.advice.text, *rule.advice.because))
        if rule.title:
            texts.add(rule.title)
    return sorted(texts)


def rendered(source: str, facts: dict, thresholds: dict) -> str:
    try:
        return render_text(source, facts=facts, thresholds=thresholds, rule="r.x", field="text")
    except RuleTextError as error:
        return f"error: {error}"


def both(source: str, facts: dict, thresholds: dict, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    short = rendered(source, facts, thresholds)
    with monkeypatch.context() as patch:
        patch.setattr(text_module, "_substitutions", lambda source: None)  # every text through Jinja
        return short, rendered(source, facts, thresholds)


def contexts(advisor: Advisor) -> list[tuple[dict, dict]]:
    found = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        plan = advisor.advise(load_profile(path))
        found.append(advisor.pack._text_context(plan.outcome))
    return found


def test_the_shipped_texts_read_the_same_either_way(monkeypatch):
    advisor = Advisor()
    texts = pack_texts(advisor)
    shortened = [text for text in texts if text_module._substitutions(text) is not None]
    assert len(shortened) > 20  # the short path is taken for most texts with values in them
    for facts, thresholds in contexts(advisor):
        for source in texts:
            short, full = both(source, facts, thresholds, monkeypatch)
            assert short == full, source


@pytest.mark.parametrize("source", EDGE_TEXTS)
def test_edge_values_read_the_same_either_way(source, monkeypatch):
    for value in VALUES:
        facts = {"followers": value, "engagement_rate": value, "niche": value, "items": value, "keys": value,
                 "data": value}
        for thresholds in ({"a.b": value}, {}):
            short, full = both(source, facts, thresholds, monkeypatch)
            assert short == full, (source, value)
        short, full = both(source, collections.UserDict(facts), {"a.b": value}, monkeypatch)  # not a plain dict
        assert short == full, (source, value)
