"""The bad rule-file corpus: each folder under corpus/rules is a broken pack and `expected.txt` is the exact
message an author sees, naming file, line, column, rule and key path."""

from __future__ import annotations


import pytest

from engine import RulePackError, load_rule_pack

from conftest import GARDEN_FACTS, TESTS

CORPUS = TESTS / "corpus" / "rules"
CASES = sorted(path.name for path in CORPUS.iterdir() if path.is_dir())


def test_the_corpus_covers_many_kinds_of_mistake():
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_broken_pack_gives_the_expected_located_message(case, monkeypatch):
    monkeypatch.chdir(CORPUS)
    expected = (CORPUS / case / "expected.txt").read_text(encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_rule_pack(case, GARDEN_FACTS)
    assert str(caught.value) + "\n" == expected
    for problem in caught.value.problems:
        assert problem.file == f"{case}/rules.yaml"
        assert problem.line is not None or case == "empty_file"


def test_every_problem_of_a_pack_is_reported_at_once(monkeypatch):
    monkeypatch.chdir(CORPUS)
    with pytest.raises(RulePackError) as caught:
        load_rule_pack("several_problems_reported_together", GARDEN_FACTS)
    assert [problem.rule for problem in caught.value.problems] == ["a.one", "a.two", "a.three"]
