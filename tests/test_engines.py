"""Choosing the engine: `--engine` on every command that evaluates (plan, diff, init, batch, rules validate/test,
serve), $CREATOR_ADVISOR_ENGINE, `Advisor(engine=...)`, the default for this Python, the clear error for durable
where durable-rules cannot run, the plan's `generator.engine`, and the python engine's freedom from any lock
(threads) and from durable-rules' limits."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

import advisor.batch.work as batch_module
import engine.durable
from advisor.api import Advisor, default_rules_dir, render
from advisor.cli.main import main
from advisor.cli.common import ENGINE_NAMES
from advisor.plan.metrics import creator_facts
from advisor.profile.reading import parse_profile
from engine import (ENGINE_VARIABLE, ENGINES, EngineChoiceError, RulePackError, choose_engine, default_engine,
                    load_rule_pack)

from conftest import ENGINES_HERE, GARDEN_FACTS, ROOT, TESTS, needs_durable
from differential import run
from oracle import Oracle

EXAMPLE = ROOT / "examples" / "rising-baker-6k.yaml"
NOT_HERE = "durable-rules is installed but does not import on Python 3.13.0 (undefined symbol: PyEval_CallObject)"


def _cli(*args: str, env: dict[str, str] | None = None):
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters \
        else CliRunner()
    return runner.invoke(main, list(args), prog_name="creator-advisor", env=env)


@pytest.fixture
def durable_missing(monkeypatch):
    """This process as on a Python where durable-rules does not import."""
    monkeypatch.setattr(engine.durable, "unavailable", lambda: NOT_HERE)


def test_the_command_offers_exactly_the_engines_of_the_engine():
    assert ENGINE_NAMES == ENGINES == ("durable", "python")


def test_the_default_is_durable_where_it_imports_before_3_13_else_python():
    expected = "durable" if sys.version_info < (3, 13) and engine.durable.unavailable() is None else "python"
    assert default_engine() == expected
    assert Advisor().pack.engine == expected


def test_without_durable_rules_the_default_is_python_and_asking_for_durable_says_why(durable_missing, monkeypatch):
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    assert default_engine() == "python" and choose_engine() == "python"
    with pytest.raises(EngineChoiceError) as raised:
        Advisor(engine="durable")
    message = str(raised.value)
    assert "the durable engine cannot run here" in message and "PyEval_CallObject" in message
    assert "--engine python" in message


EVALUATING = [["plan", str(EXAMPLE)], ["rules", "validate"], ["rules", "test"], ["batch", str(ROOT / "examples")],
              ["serve", "--port", "0"], ["diff", str(EXAMPLE), str(EXAMPLE)],
              ["init", "{tmp}/profile.yaml", "--example", "rising-baker-6k"]]


@pytest.mark.parametrize("args", EVALUATING)
def test_every_evaluating_command_refuses_durable_cleanly_where_it_cannot_run(durable_missing, monkeypatch, args,
                                                                              tmp_path):
    monkeypatch.setattr(batch_module, "_WORKER", {})  # no advisor kept from an earlier batch in this process
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    for result in (_cli(*args, "--engine", "durable"), _cli(*args, env={ENGINE_VARIABLE: "durable"})):
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Error: the durable engine cannot run here: durable-rules is installed")
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # init wrote no profile: the engine is chosen before anything else


@pytest.mark.parametrize("args", [args for args in EVALUATING if args[0] in ("plan", "diff", "init")])
def test_the_engine_option_of_each_evaluating_command_wins_over_the_variable(args, tmp_path):
    """Each command passes its --engine on (a bogus $CREATOR_ADVISOR_ENGINE alone is refused, with the option it
    is not read)."""
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    refused = _cli(*args, env={ENGINE_VARIABLE: "bogus"})
    assert refused.exit_code == 1 and "unknown CREATOR_ADVISOR_ENGINE 'bogus'" in refused.stderr
    for path in tmp_path.iterdir():
        path.unlink()
    result = _cli(*args, "--engine", "python", env={ENGINE_VARIABLE: "bogus"})
    assert result.exit_code == 0, result.stderr


def test_an_unknown_engine_is_refused_naming_where_it_came_from():
    result = _cli("plan", str(EXAMPLE), env={ENGINE_VARIABLE: "clips"})
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown CREATOR_ADVISOR_ENGINE 'clips': choose one of durable, python\n"
    result = _cli("plan", str(EXAMPLE), "--engine", "clips")
    assert result.exit_code == 2 and "'clips' is not one of 'durable', 'python'" in result.stderr
    with pytest.raises(EngineChoiceError, match="unknown engine 'clips'"):
        Advisor(engine="clips")


@pytest.mark.parametrize("engine_name", ENGINES_HERE)
def test_the_plan_names_the_engine_chosen_by_option_variable_or_api(engine_name, tmp_path):
    by_option = _cli("plan", str(EXAMPLE), "--engine", engine_name, "-f", "json")
    by_variable = _cli("plan", str(EXAMPLE), "-f", "json", env={ENGINE_VARIABLE: engine_name})
    for result in (by_option, by_variable):
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["generator"]["engine"] == engine_name
    assert json.loads(render(Advisor(engine=engine_name).advise(EXAMPLE), "json"))["generator"]["engine"] == \
        engine_name
    output = tmp_path / "plans.jsonl"
    result = _cli("batch", str(ROOT / "examples"), "--engine", engine_name, "-o", str(output), "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    plans = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(plans) == 4 and {plan["generator"]["engine"] for plan in plans} == {engine_name}


def test_the_option_wins_over_the_variable():
    result = _cli("plan", str(EXAMPLE), "--engine", "python", "-f", "json", env={ENGINE_VARIABLE: "bogus"})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["generator"]["engine"] == "python"


@pytest.mark.parametrize("engine_name", ENGINES_HERE)
def test_rule_tests_run_on_the_engine_asked_for(engine_name):
    result = _cli("rules", "test", "--engine", engine_name)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout


@needs_durable
def test_a_pack_given_to_an_advisor_keeps_its_engine():
    pack = Advisor(engine="python").pack
    assert Advisor(pack=pack).pack.engine == "python"
    with pytest.raises(EngineChoiceError, match="the pack given is evaluated by the python engine, not durable"):
        Advisor(pack=pack, engine="durable")


@needs_durable
def test_durable_rules_own_capacity_refusals_apply_only_when_it_runs():
    """A pack beyond durable-rules' tables is refused, naming the rule, with the durable engine; the python engine
    loads and evaluates it and says nothing of durable-rules."""
    case = TESTS / "corpus" / "hostile" / "rules" / "too_many_rules"
    with pytest.raises(RulePackError, match="rule a.r500: when: the pack is too large for durable-rules"):
        load_rule_pack(case, GARDEN_FACTS, engine="durable")
    pack = load_rule_pack(case, GARDEN_FACTS, engine="python")
    outcome = pack.evaluate({"month": 7}, on=dt.date(2024, 6, 1))
    assert outcome.fired and "durable" not in repr(outcome)


def test_threads_evaluate_at_once_on_the_python_engine_with_the_serial_results():
    """No lock: eight threads share one pack and its compiled closures, and each gets exactly what a lone
    evaluation gives (fired rules, derived facts, requirement checks)."""
    from test_oracle import Generator

    pack = load_rule_pack(default_rules_dir(), Advisor().pack.facts.values(), engine="python")
    generator = Generator(Oracle([default_rules_dir()]), 11)
    cases = []
    for index in range(800):
        profile = parse_profile(generator.profile(index))
        cases.append((creator_facts(profile), profile.country, profile.as_of))
    serial = [run(pack, *case) for case in cases]
    start = threading.Barrier(8)

    def worker(offset: int) -> list[tuple[int, tuple]]:
        start.wait()
        return [(index, run(pack, *cases[index])) for index in range(offset, len(cases), 8)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [item for part in pool.map(worker, range(8)) for item in part]
    assert sorted(index for index, _ in results) == list(range(len(cases)))
    assert all(result == serial[index] for index, result in results)
    assert pack._backend.lock.__class__.__name__ == "nullcontext"
