"""The peer benchmark (bench/peers.py) runs and its agreement check can fail. No figure is asserted: speed lives in
the benchmark's printed table, never in a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_quick_run_prints_the_table_and_every_contender_that_runs_agrees():
    # json-rules-engine is left out: it would install from npm's registry inside a test.
    completed = subprocess.run([sys.executable, str(BENCH / "peers.py"), "--quick", "--no-shipped", "--only",
                                "ours-python,ours-durable,durable-lang,clips"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "rules: 30" in out
    rows = [line for line in out.splitlines() if line.startswith(("plain Python", "our engine", "durable-rules,",
                                                                  "CLIPS", "json-rules-engine", "ours-"))]
    assert rows[0].split()[:4] == ["plain", "Python", "(the", "limit)"] and " yes " in rows[0]
    assert not [row for row in rows if " NO " in row], out
    assert "targets" in out


@pytest.fixture()
def peers(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import peers

    return peers


def test_a_contender_that_fires_other_rules_is_reported_and_not_timed(peers, monkeypatch):
    """One operator changed in the CLIPS translation (>= written as >): the profiles on a tier edge (exactly 1,000
    followers, say) fire other rules, so CLIPS disagrees and gets no figure."""
    pytest.importorskip("clips")
    import peers_translate

    original = peers_translate._clips_constraint

    def mutated(leaf, peer):
        return original(leaf, peer).replace("(>= ?v", "(> ?v")
    monkeypatch.setattr(peers_translate, "_clips_constraint", mutated)
    facts, _ = peers.load_facts(300, shared=False)
    summary = peers.measure(["clips"], facts, 1, None, shipped=False)
    clips = summary["results"]["clips"]
    assert clips["wrong"] > 0 and "rate" not in clips
    assert clips["example"].startswith("profile ") and " but " in clips["example"]
    assert summary["results"]["plain"]["wrong"] == 0 and summary["results"]["plain"]["rate"] > 0


def test_the_plain_python_limit_follows_the_pack_semantics(peers):
    """The limit every contender is held to agrees with our engine on the profiles (absent facts, `not`, layers)."""
    facts, _ = peers.load_facts(300, shared=False)
    summary = peers.measure(["ours-durable", "ours-python"], facts, 1, None, shipped=False)
    ran = [entry for entry in summary["results"].values() if not entry.get("absent")]
    assert len(ran) >= 2, summary["results"]
    assert all(entry["wrong"] == 0 for entry in ran), [entry.get("example") for entry in ran]
