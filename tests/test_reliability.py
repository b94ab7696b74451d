"""Reliability: an evaluation that fails leaves nothing behind, threads get the serial results, and faults (a rule
action or a template that raises, a full disk, a read-only folder) are typed errors naming the rule or file, with
no partial file left.

The million-evaluation run is a benchmark, not a test: `python bench/long_run.py`.
"""

from __future__ import annotations

import copy
import datetime as dt
import errno
import inspect
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ENGINES_HERE, GARDEN_FACTS, ROOT, TESTS
from oracle import Oracle
from test_oracle import SHARED, Generator

import advisor.reports.render as report_module
import advisor.reports.words as report_words
import engine.asserting as asserting
import engine.pack as pack_module
from advisor.api import Advisor, advise, default_rules_dir, render
from advisor.cli.main import main
from advisor.errors import OutputError, ProfileRefusedError, RenderError
from advisor.output import write_whole
from engine import EvaluationError, FactConflictError, FactError, RuleTextError, load_rule_pack

JUNE_2024 = dt.date(2024, 6, 1)
EXAMPLE = ROOT / "examples" / "rising-baker-6k.yaml"


def _pack(tmp_path: Path, rules: str) -> Path:
    folder = tmp_path / "pack"
    folder.mkdir(exist_ok=True)
    garden = TESTS / "packs" / "garden"
    for name in ("pack.yaml", "thresholds.yaml", "rules.yaml"):
        (folder / name).write_text((garden / name).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "zz_extra.yaml").write_text(rules, encoding="utf-8")
    return folder


def _no_session_left(pack) -> None:
    """durable-rules holds no session for any compiled variant of the pack (its state was deleted). The python
    engine keeps no state between evaluations at all."""
    assert pack._variants, "nothing was compiled"
    if pack.engine != "durable":
        return
    import durable_rules_engine

    for variant in pack._variants.values():
        with pytest.raises(durable_rules_engine.error):
            durable_rules_engine.get_state(variant.handle, "0")


def _summary(outcome) -> tuple:
    return (tuple(f.rule for f in outcome.fired), tuple(sorted(outcome.derived.items())),
            tuple(sorted((g, r.passed) for g, r in outcome.gates.items())))


# ---- an evaluation that fails midway ----------------------------------------------------------------------------

CONFLICT = """
rules:
  - {id: conflict.one, category: care, when: {fact: plant, op: "==", value: cactus}, then: {assert: {verdict: dry}}}
  - {id: conflict.two, category: care, when: {fact: month, op: ">", value: 6}, then: {assert: {verdict: wet}}}
  - {id: conflict.read, category: care, when: {fact: verdict, op: exists},
     then: {advice: {title: "Verdict {{ facts.verdict }}", text: ok}}}
"""


def test_a_failed_evaluation_leaves_no_state_and_the_next_2000_are_right(tmp_path):
    pack = load_rule_pack(_pack(tmp_path, CONFLICT), GARDEN_FACTS)
    inputs = [{"plant": plant, "month": month, "temperature": temperature, "soil_moisture": moisture,
               "litres_available": 50}
              for plant in ("rose", "tomato", "cactus") for month in (3, 6, 9)
              for temperature in (1.0, 15.0) for moisture in (0.1, 0.5)]
    good = [facts for facts in inputs if not (facts["plant"] == "cactus" and facts["month"] > 6)]
    expected = [_summary(pack.evaluate(facts, on=JUNE_2024)) for facts in good]
    failing = {"plant": "cactus", "month": 9, "temperature": 15.0}
    with pytest.raises(FactConflictError, match="rules conflict.one and conflict.two assert different values for "
                                                "'verdict': 'dry' and 'wet'"):
        pack.evaluate(failing, on=JUNE_2024)
    _no_session_left(pack)
    failures = 0
    for index in range(2_000):
        if index % 97 == 0:  # keep failing now and then: no failure may leak into the evaluations around it
            with pytest.raises(FactConflictError):
                pack.evaluate(failing, on=JUNE_2024)
            failures += 1
        facts = good[index % len(good)]
        assert _summary(pack.evaluate(facts, on=JUNE_2024)) == expected[index % len(good)], facts
    _no_session_left(pack)
    assert failures == 21


def _exploding(value):
    """`value` as a number of its type every comparison of which raises: a fault while the python engine's compiled
    rules run."""
    def fail(self, other):
        raise RuntimeError("disk on fire")
    kind = type(value)
    return type("Exploding", (kind,), {"__lt__": fail, "__le__": fail, "__gt__": fail, "__ge__": fail,
                                       "__eq__": fail, "__ne__": fail, "__hash__": kind.__hash__})(value)


def _fault(pack, rule: str, fact: str, facts: dict, monkeypatch) -> dict:
    """The facts with a fault that breaks `rule` as the engine runs it: durable's host runs each firing's writes in
    Python (engine.asserting.Derived.fire), so the fault is there; the python engine's one compiled function does
    nothing but compare and write, so the fault is a fact `rule` compares (`fact`, read by no rule before it)."""
    if pack.engine == "durable":
        real = asserting.Derived.fire

        def failing(self, firing):
            if firing.id == rule:
                raise RuntimeError("disk on fire")
            return real(self, firing)
        monkeypatch.setattr(asserting.Derived, "fire", failing)
        return facts
    return {**facts, fact: _exploding(facts[fact])}


@pytest.mark.parametrize("engine_name", ENGINES_HERE)
def test_a_failure_while_a_rule_fires_names_that_rule_on_each_engine(engine_name, monkeypatch):
    """The python engine runs one generated function for the whole pack: a failure in it still names the rule that
    was running, as durable's host does, and the next evaluation is whole."""
    pack = load_rule_pack(TESTS / "packs" / "garden", GARDEN_FACTS, engine=engine_name)
    facts = {"soil_moisture": 0.1, "temperature": 10.0, "plant": "rose", "litres_available": 80}
    expected = _summary(pack.evaluate(facts, on=JUNE_2024))
    # each rule that fires here, with a fact it is the first (in firing order) to compare
    for rule, fact in (("water.dry", "soil_moisture"), ("water.schedule", "litres_available")):
        broken = _fault(pack, rule, fact, facts, monkeypatch)
        with pytest.raises(EvaluationError, match=rf"while rule {rule} was firing: RuntimeError: disk on fire"):
            pack.evaluate(broken, on=JUNE_2024)
        monkeypatch.undo()
        assert _summary(pack.evaluate(facts, on=JUNE_2024)) == expected


def test_failures_of_every_kind_leave_the_engine_usable(tmp_path, garden, monkeypatch):
    facts = {"soil_moisture": 0.1, "temperature": 10.0, "plant": "rose", "litres_available": 80}
    expected = _summary(garden.evaluate(facts, on=JUNE_2024))
    with pytest.raises(FactError):  # refused before the engine is touched
        garden.evaluate({**facts, "month": "June"}, on=JUNE_2024)
    with pytest.raises(FactError, match="'plant': the text has a lone surrogate"):  # durable-rules could not take it
        garden.evaluate({**facts, "plant": "ros\ud800e"}, on=JUNE_2024)
    broken = _fault(garden, "water.dry", "soil_moisture", facts, monkeypatch)  # a rule that raises as it runs
    with pytest.raises(EvaluationError, match=r"while rule water.dry was firing: RuntimeError: disk on fire"):
        garden.evaluate(broken, on=JUNE_2024)
    monkeypatch.undo()
    _no_session_left(garden)
    for _ in range(2_000):
        assert _summary(garden.evaluate(facts, on=JUNE_2024)) == expected


# ---- threads ----------------------------------------------------------------------------------------------------

def _thread_profiles(count: int) -> list:
    generator = Generator(Oracle([default_rules_dir()]), 7)
    profiles: list = [generator.profile(i) for i in range(count // 2)]
    if SHARED.exists():
        lines = SHARED.read_text(encoding="utf-8").splitlines()
        profiles += [json.loads(line) for line in lines[:count - len(profiles)]]
    profiles += [EXAMPLE] * (count - len(profiles))
    return profiles


def _everything(profile) -> tuple[str, str, str]:
    try:
        plan = advise(profile)
    except ProfileRefusedError as error:  # a creator under 13 gets no plan: the same refusal in every thread
        return str(error), "", ""
    return render(plan, "md"), render(plan, "html"), render(plan, "json")


def test_the_public_api_from_8_threads_gives_exactly_the_serial_results():
    profiles = _thread_profiles(200)
    serial = [_everything(profile) for profile in profiles]
    start = threading.Barrier(8)

    def worker(offset: int) -> list[tuple[int, tuple[str, str, str]]]:
        start.wait()  # all eight run at once, each on every eighth profile
        return [(index, _everything(profiles[index])) for index in range(offset, len(profiles), 8)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [item for thread in pool.map(worker, range(8)) for item in thread]
    assert sorted(index for index, _ in results) == list(range(len(profiles)))
    for index, outputs in results:
        assert outputs == serial[index], f"thread result differs for profile {index}"


@pytest.mark.parametrize("engine", ENGINES_HERE)
def test_threads_sharing_one_advisor_while_compiled_variants_are_evicted(monkeypatch, engine):
    """With room for two compiled variants only, threads judging many countries and dates force the pack to free
    variants while others run: none may run a freed one (it used to be freed between being chosen and run), on
    either engine (the python engine's threads run at once)."""
    monkeypatch.setattr(pack_module, "MAX_COMPILED_VARIANTS", 2)
    advisor = Advisor(engine=engine)
    days = ["2021-06-01", "2023-06-01", "2024-03-05", "2024-03-06", "2024-06-01", "2025-01-01", "2026-11-20"]
    countries = ["US", "KR", "DE", "ID", "CA", None]
    profiles = [{"handle": f"t{i}", "followers": 10_000 + i, "views_30d": 120_000, "age": 19, "posts_30d": 9,
                 "as_of": days[i % len(days)], **({"country": countries[i % 6]} if countries[i % 6] else {})}
                for i in range(42)]
    serial = [render(advisor.advise(p), "json") for p in profiles]
    errors: list[BaseException] = []

    def worker(offset: int) -> list[str]:
        try:
            return [render(advisor.advise(profiles[(i + offset) % len(profiles)]), "json")
                    for i in range(len(profiles))]
        except BaseException as error:  # reported below
            errors.append(error)
            raise

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(0, 80, 10)))
    assert not errors
    for offset, outputs in zip(range(0, 80, 10), results, strict=True):
        assert outputs == [serial[(i + offset) % len(profiles)] for i in range(len(profiles))]
    assert len(advisor.pack._variants) <= 2


def test_changing_one_plans_data_leaves_the_next_plan_of_the_same_numbers_alone():
    # Plans of equal numbers share what their requirements' data is made from: each plan must get its own.
    advisor = Advisor()
    first = advisor.advise(EXAMPLE).to_dict()
    expected = copy.deepcopy(first)
    for plan in (first, advisor.advise(EXAMPLE).to_dict()):
        for programme in plan["eligibility"]:
            for requirement in programme["requirements"]:
                for value in requirement.values():
                    if isinstance(value, list):  # the countries of a country requirement, say
                        value.append("changed")
                requirement.update(met="changed", text="changed", actual="changed")
    assert any(isinstance(value, list) for programme in expected["eligibility"]
               for requirement in programme["requirements"] for value in requirement.values())
    assert advisor.advise(EXAMPLE).to_dict() == expected


def test_thread_safety_is_documented():
    assert "## Threads" in (ROOT / "docs" / "plan-json.md").read_text(encoding="utf-8")


# ---- faults -----------------------------------------------------------------------------------------------------

def _run_cli(*args) -> tuple[int, str]:
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters \
        else CliRunner()
    result = runner.invoke(main, [str(arg) for arg in args], prog_name="creator-advisor")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


def test_a_rule_text_that_raises_is_named_and_no_report_is_written(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "broken.yaml").write_text(
        "rules:\n  - id: content.divides_by_zero\n    category: content\n    when: {fact: followers, op: exists}\n"
        "    then:\n      advice:\n        title: Broken\n        text: \"{{ facts.followers / 0 }}\"\n",
        encoding="utf-8")
    with pytest.raises(RuleTextError, match=r"^rule content.divides_by_zero: then.advice.text: cannot render the "
                                            r"text: ZeroDivisionError"):
        advise(EXAMPLE, rules=[default_rules_dir(), overlay])
    out = tmp_path / "out"
    out.mkdir()
    code, stderr = _run_cli("plan", EXAMPLE, "-o", out / "plan.md", "--rules", default_rules_dir(),
                            "--rules", overlay)
    assert code == 1 and "rule content.divides_by_zero" in stderr
    assert list(out.iterdir()) == []


def test_a_template_that_raises_is_a_render_error_naming_it(tmp_path, monkeypatch):
    report_module._template.cache_clear()

    def broken(*args, **kwargs):
        raise RuntimeError("the filter broke")

    monkeypatch.setitem(report_words.REPORT_FILTERS, "missing", broken)
    try:
        plan = advise(EXAMPLE)
        for fmt, template in (("md", "plan.md.j2"), ("html", "plan.html.j2")):
            with pytest.raises(RenderError, match=rf"cannot render the {fmt} report \({template}\): RuntimeError: "
                                                  "the filter broke"):
                render(plan, fmt)
        out = tmp_path / "out"
        out.mkdir()
        code, stderr = _run_cli("plan", EXAMPLE, "-o", out / "plan.md")
        assert code == 1 and "plan.md.j2" in stderr and "the filter broke" in stderr
        assert list(out.iterdir()) == []
    finally:
        monkeypatch.undo()
        report_module._template.cache_clear()


def _full_disk(monkeypatch, where: str) -> None:
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "write":
        real_fdopen = os.fdopen

        class Stream:
            def __init__(self, stream):
                self.stream = stream

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.stream.close()

            def write(self, text):
                self.stream.write(text[: len(text) // 2])  # half the report reaches the disk, then it is full
                self.stream.flush()
                no_space()

            def __getattr__(self, name):
                return getattr(self.stream, name)

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: Stream(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(os, where, no_space)


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_a_full_disk_leaves_no_partial_report_and_the_old_one_intact(tmp_path, monkeypatch, where):
    target = tmp_path / "plan.md"
    target.write_text("the previous report\n", encoding="utf-8")
    report = render(advise(EXAMPLE), "md")
    _full_disk(monkeypatch, where)
    with pytest.raises(OutputError, match=rf"^{target}: cannot write the report: No space left on device$"):
        write_whole(target, report)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]
    assert target.read_text(encoding="utf-8") == "the previous report\n"


def test_a_full_disk_through_the_command_leaves_no_file(tmp_path, monkeypatch):
    _full_disk(monkeypatch, "fsync")
    code, stderr = _run_cli("plan", EXAMPLE, "-o", tmp_path / "plan.html", "--format", "html")
    monkeypatch.undo()
    assert code == 1 and f"{tmp_path / 'plan.html'}: cannot write the report: No space left on device" in stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code, words", [(errno.EROFS, "Read-only file system"),
                                         (errno.EACCES, "Permission denied")])
def test_a_read_only_folder_is_an_output_error_naming_the_file(tmp_path, monkeypatch, code, words):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(OutputError, match=rf"^{tmp_path / 'plan.md'}: cannot write the report: {words}$"):
        write_whole(tmp_path / "plan.md", "text")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_folder_is_an_output_error(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match=r"plan.md: cannot write the report: Permission denied"):
            write_whole(folder / "plan.md", "text")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
