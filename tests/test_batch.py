"""`creator-advisor batch`: many plans in one run, in input order, with failures reported by line and the run going
on; outputs whole or absent; worker processes giving the same plans as one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from advisor.batch import run as batch_module
from advisor.batch import work as batch_work
from advisor.batch.outputs import FolderOutput, NamesSeen, safe_name
from engine import available_engines
from test_cli import run

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def example_profiles() -> list[dict]:
    profiles = []
    for path in EXAMPLES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        profiles.append(json.loads(json.dumps(data, default=str)))  # dates as text, as JSONL holds them
    return profiles


def write_jsonl(path: Path, count: int, bad: dict[int, str] | None = None) -> list[str]:
    """`count` lines of profiles (the examples with numbered handles); `bad` replaces line numbers (1-based) with
    the given text. Returns the handles of the good lines, in order."""
    bases = example_profiles()
    lines, handles = [], []
    for number in range(1, count + 1):
        if bad and number in bad:
            lines.append(bad[number])
            continue
        profile = dict(bases[number % len(bases)])
        profile["handle"] = f"creator_{number:04d}"
        lines.append(json.dumps(profile))
        handles.append(profile["handle"])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return handles


def batch_process(folder: Path, *args: object) -> subprocess.CompletedProcess:
    """`creator-advisor batch ARGS...` as a real process (worker processes included), from `folder`."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "advisor.cli", "batch", *map(str, args)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def reports(folder: Path) -> list[Path]:
    """The reports of a batch's --out folder, without its index pages (index.html, index-by-followers.md...)."""
    return [path for path in folder.iterdir() if not path.name.startswith("index")]


def plan_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- JSONL in, JSONL out ---------------------------------------------------------------------------------------------

def test_jsonl_to_jsonl_in_order_with_a_bad_line_reported_and_the_run_going_on(tmp_path):
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 12, bad={3: '{"handle": "broken", "followers": -5}', 7: "{not json"})
    target = tmp_path / "plans.jsonl"
    result = run("batch", source, "-o", target, "--jobs", "1")
    assert result.exit_code == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(source))]
    assert errors == [f"{source}:3: followers: must be at least 0, got -5",
                      f"{source}:7: not valid JSON: Expecting property name enclosed in double quotes (column 2)"]
    plans = plan_lines(target)
    assert [plan["profile"]["handle"] for plan in plans] == handles
    assert all(plan["schema_version"] == 1 for plan in plans)
    raw = target.read_text(encoding="utf-8").splitlines()[0]
    assert ": " not in raw[:200] and "\n" not in raw  # compact, one line
    assert "10 plans written to" in result.stderr and "2 records failed" in result.stderr
    assert "Planning" not in result.stderr  # no progress bar when standard error is not a terminal


def test_summary_counts_every_status_of_every_programme_by_name(tmp_path):
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 4)
    result = run("batch", source, "-o", tmp_path / "out.jsonl", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    plans = plan_lines(tmp_path / "out.jsonl")
    summary = result.stderr.splitlines()
    assert summary[0].startswith("4 plans written to") and "0 records failed" in summary[0]
    assert summary[1] == "Programmes, of 4 plans:"
    statuses = summary[2].split("  ")
    words = [word.strip() for word in statuses if word.strip()]
    assert words[0] == "eligible" and "not yet" in words
    names = {item["name"]: item["program"] for item in plans[0]["eligibility"]}
    for line in summary[3:]:
        name = next(name for name in names if line.startswith(f"  {name} "))
        counts = [int(cell.replace(",", "")) for cell in line[2 + len(name):].split()]
        assert sum(counts) == 4  # every plan counted once for every programme
        expected = {word: sum(1 for plan in plans for item in plan["eligibility"] if item["program"] == names[name]
                              and _word(item["status"]) == word) for word in words}
        assert dict(zip(words, counts)) == expected
    assert len(summary) == 3 + len(names)


def _word(status: str) -> str:
    return {"eligible": "eligible", "not_eligible": "not yet", "unknown": "cannot tell",
            "not_offered": "not offered", "closed": "closed"}[status]


def test_jsonl_to_standard_output_and_blank_lines_skipped(tmp_path):
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 3)
    source.write_text(source.read_text(encoding="utf-8").replace("\n", "\n\n", 1), encoding="utf-8")
    result = run("batch", source, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["profile"]["handle"] for line in result.stdout.splitlines()] == handles


def test_as_of_applies_to_every_record(tmp_path):
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 2)
    result = run("batch", source, "--as-of", "2027-01-05", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert {json.loads(line)["as_of"] for line in result.stdout.splitlines()} == {"2027-01-05"}


def test_research_records_are_read_as_profiles(tmp_path):
    record = json.loads((TESTS / "fixtures" / "importers" / "research_record.json").read_text(encoding="utf-8"))
    source = tmp_path / "input.jsonl"
    source.write_text(json.dumps(record) + "\n" + json.dumps({"follower_count": "x"}) + "\n", encoding="utf-8")
    result = run("batch", source, "--as-of", "2026-11-20", "--jobs", "1")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["profile"]["handle"] == "synthetic_runner"
    assert f"{source}:2: follower_count: expected a whole number, got 'x'" in result.stderr


# --- whole or nothing ------------------------------------------------------------------------------------------------

def test_an_interrupted_run_leaves_the_old_output_no_hidden_file_and_resumes_without_redoing_records(
        tmp_path, monkeypatch, capsys):
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 20, bad={3: "{not json"})
    target = tmp_path / "plans.jsonl"
    target.write_text("old\n", encoding="utf-8")
    original = batch_work.plan_record
    calls = []

    def failing(record):
        calls.append(record)
        if len(calls) == 15:
            raise KeyboardInterrupt
        return original(record)

    monkeypatch.setattr(batch_work, "plan_record", failing)
    with pytest.raises(KeyboardInterrupt):
        batch_module.run_batch(batch_module.BatchOptions(input_path=str(source), output=str(target), jobs=1))
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.jsonl", "plans.jsonl", "plans.jsonl.partial",
                                                          "plans.jsonl.resume"]
    assert "Give the same command with --resume" in capsys.readouterr().err
    calls.clear()
    monkeypatch.setattr(batch_work, "plan_record", lambda record: calls.append(record) or original(record))
    failed = batch_module.run_batch(batch_module.BatchOptions(input_path=str(source), output=str(target), jobs=1,
                                                              resume=True))
    assert failed == 0  # the bad line 3 failed in the interrupted run, and is not read again
    assert [record[1] for record in calls] == [f"{source}:{n}" for n in range(15, 21)], "finished records redone"
    assert [plan["profile"]["handle"] for plan in plan_lines(target)] == handles
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.jsonl", "plans.jsonl"]


def _interrupt_after(monkeypatch, count: int) -> None:
    """The run stops (Ctrl-C) when it starts planning its `count`-th record."""
    original = batch_work.plan_record
    calls = []

    def failing(record):
        calls.append(record)
        if len(calls) == count:
            raise KeyboardInterrupt
        return original(record)
    monkeypatch.setattr(batch_work, "plan_record", failing)


def test_a_resumed_run_keeps_the_engine_of_the_interrupted_run(tmp_path, monkeypatch):
    """Every plan of one file comes from one engine: resuming without --engine takes the interrupted run's engine
    (not the default, not $CREATOR_ADVISOR_ENGINE's absence), and the journal names it."""
    from engine import default_engine

    monkeypatch.delenv("CREATOR_ADVISOR_ENGINE", raising=False)
    other = "python" if default_engine() == "durable" else "durable"
    if other == "durable" and "durable" not in available_engines():
        other = "python"  # durable cannot run here: the default is python, and the run below still proves it
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 12)
    target = tmp_path / "plans.jsonl"
    _interrupt_after(monkeypatch, 7)
    with pytest.raises(KeyboardInterrupt):
        batch_module.run_batch(batch_module.BatchOptions(input_path=str(source), output=str(target), jobs=1,
                                                         engine=other))
    header = json.loads((tmp_path / "plans.jsonl.resume").read_text(encoding="utf-8").splitlines()[0])
    assert header["options"]["engine"] == other
    monkeypatch.undo()
    result = run("batch", source, "-o", target, "--jobs", "1", "--resume")
    assert result.exit_code == 0, result.stderr
    assert "Resumed: the first 6 records" in result.stderr
    plans = plan_lines(target)
    assert [plan["profile"]["handle"] for plan in plans] == handles
    assert {plan["generator"]["engine"] for plan in plans} == {other}


@pytest.mark.skipif("durable" not in available_engines(), reason="needs both engines: durable-rules is not "
                    "installed or cannot import here")
@pytest.mark.parametrize("interrupted, asked, how", [("python", ["--engine", "durable"], "--engine"),
                                                    ("durable", ["--engine", "python"], "--engine"),
                                                    ("durable", [], "CREATOR_ADVISOR_ENGINE")])
def test_resume_refuses_another_engine_than_the_interrupted_runs(tmp_path, monkeypatch, interrupted, asked, how):
    monkeypatch.delenv("CREATOR_ADVISOR_ENGINE", raising=False)
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 10)
    target = tmp_path / "plans.jsonl"
    _interrupt_after(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        batch_module.run_batch(batch_module.BatchOptions(input_path=str(source), output=str(target), jobs=1,
                                                         engine=interrupted))
    monkeypatch.undo()
    kept = {name: (tmp_path / name).read_bytes() for name in ("plans.jsonl.partial", "plans.jsonl.resume")}
    if how == "CREATOR_ADVISOR_ENGINE":
        monkeypatch.setenv("CREATOR_ADVISOR_ENGINE", "python")
    result = run("batch", source, "-o", target, "--resume", *asked)
    assert result.exit_code == 1
    wanted = "durable" if interrupted == "python" else "python"
    assert (f"{target}: cannot resume with the {wanted} engine ({how}): the interrupted run used the "
            f"{interrupted} engine") in result.stderr
    assert f"Resume with --engine {interrupted}" in result.stderr
    assert {name: (tmp_path / name).read_bytes() for name in kept} == kept, "the interrupted run's files changed"
    assert not target.exists()
    monkeypatch.delenv("CREATOR_ADVISOR_ENGINE", raising=False)
    result = run("batch", source, "-o", target, "--resume", "--engine", interrupted)
    assert result.exit_code == 0, result.stderr
    assert {plan["generator"]["engine"] for plan in plan_lines(target)} == {interrupted}


def test_output_into_a_missing_folder_is_one_error(tmp_path):
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 2)
    result = run("batch", source, "-o", tmp_path / "nope" / "plans.jsonl")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "does not exist" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.jsonl"]


@pytest.mark.parametrize("args, words", [
    (["-f", "md"], "give --out DIR"),
    (["-f", "html", "-o", "x.jsonl"], "for html reports give --out DIR"),
    (["--out", "d", "-o", "x.jsonl"], "not both"),
])
def test_option_mistakes_are_usage_errors(tmp_path, args, words):
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 1)
    result = run("batch", source, *args)
    assert result.exit_code == 2
    assert words in result.stderr


def test_a_broken_rule_pack_stops_the_run_before_any_output(tmp_path):
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 2)
    result = run("batch", source, "--rules", tmp_path, "-o", tmp_path / "plans.jsonl")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert not (tmp_path / "plans.jsonl").exists()


# --- --out DIR -------------------------------------------------------------------------------------------------------

def test_out_folder_gets_one_report_per_plan_named_from_safe_unique_handles(tmp_path):
    base = example_profiles()[0]
    records = [dict(base, handle=handle) for handle in ("baker", "Baker", "../../etc/passwd", "baker", "ünï cafè")]
    source = tmp_path / "input.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    out = tmp_path / "reports"
    result = run("batch", source, "--out", out, "-f", "md", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in reports(out))
    assert names == sorted(["baker.md", "Baker-2.md", "etc_passwd.md", "baker-3.md", "uni_cafe.md"])
    assert (out / "etc_passwd.md").read_text(encoding="utf-8").startswith("# Your plan, @../../etc/passwd")


def test_reports_into_a_folder_are_synced_to_disk_once_before_success(tmp_path, monkeypatch):
    # A sync per report costs more than planning it; the run syncs once, before it says the reports are written.
    calls = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append("fsync"))
    monkeypatch.setattr(os, "sync", lambda: calls.append("sync"))
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 40)
    result = run("batch", source, "--out", tmp_path / "reports", "-f", "md", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert len(reports(tmp_path / "reports")) == 40
    assert calls == ["sync"]


def test_folder_of_profiles_in(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    for path in EXAMPLES:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "broken.yaml").write_text("handle: x\nfolowers: 3\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a profile", encoding="utf-8")
    (folder / "export.json").write_bytes((TESTS / "fixtures" / "importers" / "user_data_tiktok.json").read_bytes())
    out = tmp_path / "html"
    result = run("batch", folder, "--out", out, "-f", "html", "--jobs", "1", "--as-of", "2026-11-20")
    assert result.exit_code == 1
    assert f"{folder / 'broken.yaml'}:2:1: folowers: unknown key 'folowers'" in result.stderr
    assert len(reports(out)) == len(EXAMPLES) + 1
    assert (out / "synthetic_potter.html").exists()


def test_safe_name():
    assert safe_name("crumb_and_co") == "crumb_and_co"
    assert safe_name("a/b\\c:d*e?f") == "a_b_c_d_e_f"
    assert safe_name("...") == "creator"
    assert safe_name(".hidden") == "hidden"
    assert safe_name("CON") == "_CON"
    assert len(safe_name("x" * 200)) == 80
    assert safe_name("café") == "cafe"  # accents come off; nothing is lost


def test_non_latin_handles_get_distinct_stable_names():
    handles = ["Пекарь", "パン屋", "烘焙师", "خباز", "😀", "baker_Ж", "baker_Д"]
    names = [safe_name(handle) for handle in handles]
    assert len(set(names)) == len(handles), names
    assert names[0].startswith("creator-") and names[5].startswith("baker_-") is False
    assert names[5].startswith("baker-") and names[6].startswith("baker-")
    assert names == [safe_name(handle) for handle in handles]  # the same name in every run
    assert all(len(name) <= 80 and name.isascii() for name in names)


def test_names_seen_is_certain_about_new_names():
    seen = NamesSeen()
    assert seen.add_if_new("a.md") and not seen.add_if_new("A.md") and seen.add_if_new("b.md")
    assert all(seen.add_if_new(f"n{i}.md") for i in range(2000))


# --- worker processes ------------------------------------------------------------------------------------------------

def test_jobs_2_in_a_real_process_gives_the_same_plans_as_one_process(tmp_path):
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 60, bad={17: '{"handle": "x", "followers": "many"}'})
    outputs = {}
    for jobs in ("1", "2"):
        target = tmp_path / f"plans-{jobs}.jsonl"
        completed = batch_process(tmp_path, source, "-o", target, "--jobs", jobs)
        assert completed.returncode == 1, completed.stderr
        assert completed.stdout == ""
        assert f"{source}:17: followers: expected a whole number, got text ('many')" in completed.stderr
        assert "59 plans written" in completed.stderr and f"{jobs} job" in completed.stderr
        assert "Traceback" not in completed.stderr
        outputs[jobs] = target.read_text(encoding="utf-8")
    assert outputs["1"] == outputs["2"]
    assert [json.loads(line)["profile"]["handle"] for line in outputs["2"].splitlines()] == handles


def test_reports_written_by_two_workers_match_one_process_and_leave_no_temporary_file(tmp_path):
    # With --out, each worker writes its reports itself (the parent only names them): same files, same bytes.
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 50, bad={9: "{"})
    folders = {}
    for jobs in ("1", "2"):
        folder = tmp_path / f"reports-{jobs}"
        completed = batch_process(tmp_path, source, "--out", folder, "-f", "md", "--jobs", jobs)
        assert completed.returncode == 1, completed.stderr
        assert "49 plans written" in completed.stderr
        folders[jobs] = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert len(folders["2"]) == 49 + 10 and not [name for name in folders["2"] if name.startswith(".")]
    assert folders["1"] == folders["2"]


def test_an_interrupted_run_into_a_folder_leaves_whole_reports_and_no_temporary_file(tmp_path, monkeypatch):
    source = tmp_path / "input.jsonl"
    write_jsonl(source, 40)
    out = tmp_path / "reports"
    original = FolderOutput.write
    named = []

    def interrupted(self, handle, temporary):
        if len(named) == 20:
            raise KeyboardInterrupt  # Ctrl-C between two reports, with more already made by then
        named.append(handle)
        return original(self, handle, temporary)

    monkeypatch.setattr(FolderOutput, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch_module.run_batch(batch_module.BatchOptions(input_path=str(source), out_dir=str(out), fmt="md",
                                                         jobs=1))
    files = sorted(out.iterdir())
    assert [path.name for path in files] == sorted(f"{handle}.md" for handle in named)
    assert all(path.read_text(encoding="utf-8").rstrip().endswith("before you rely on a threshold.*")
               for path in files)


def test_a_full_disk_in_a_worker_stops_the_run_with_one_error_and_no_temporary_file(tmp_path, monkeypatch):
    from advisor import output as output_module

    source = tmp_path / "input.jsonl"
    write_jsonl(source, 30)
    out = tmp_path / "reports"
    real = output_module.create_temporary
    made = []

    def filling(folder, name, mode=None):
        if len(made) == 12:
            raise OSError(28, "No space left on device")
        made.append(name)
        return real(folder, name, mode)

    monkeypatch.setattr(output_module, "create_temporary", filling)
    result = run("batch", source, "--out", out, "-f", "html", "--jobs", "1")
    assert result.exit_code == 1
    assert f"Error: {out}: cannot write the reports: No space left on device" in result.stderr
    assert not [path.name for path in out.iterdir() if path.name.startswith(".")]


def test_progress_bar_on_a_terminal_only(tmp_path):
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    source = tmp_path / "input.jsonl"
    write_jsonl(source, 3)
    from advisor.cli.batch import terminal_progress

    options = batch_module.BatchOptions(input_path=str(source), output=str(tmp_path / "o.jsonl"), jobs=1)
    err = Terminal()
    assert batch_module.run_batch(options, err=err, progress=terminal_progress) == 0
    assert "Planning" in err.getvalue() and "3/3" in err.getvalue()
    # The library shows no bar of its own: a caller embedding it passes one, or gets the summary only.
    err = Terminal()
    assert batch_module.run_batch(options, err=err) == 0
    assert "Planning" not in err.getvalue() and "3 plans written" in err.getvalue()


def test_json_reports_into_a_folder_are_indented_files(tmp_path):
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 2)
    result = run("batch", source, "--out", tmp_path / "json", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "json" / f"{handles[0]}.json").read_text(encoding="utf-8")
    assert text.startswith("{\n  \"schema_version\": 1") and json.loads(text)["profile"]["handle"] == handles[0]
