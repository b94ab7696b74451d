"""bench/evaluations.py times each engine in a process of its own: that mode runs and reports every round, for the
outcome as returned and read whole. No figure is asserted: speed lives in the benchmark's printed figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENGINES_HERE

BENCH = Path(__file__).resolve().parent.parent / "bench" / "evaluations.py"


@pytest.mark.parametrize("engine_name", ENGINES_HERE)
def test_one_engine_in_a_process_of_its_own_reports_every_round(engine_name):
    completed = subprocess.run([sys.executable, str(BENCH), "--engine-json", engine_name, "--rounds", "2"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert answer["profiles"] > 1000
    assert len(answer["evaluate"]) == len(answer["whole"]) == 2
    assert all(rate > 0 for rate in answer["evaluate"] + answer["whole"])
    assert Path(answer["engine"]).parent.name == "engine"
