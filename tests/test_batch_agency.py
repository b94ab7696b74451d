"""What an agency gets from `creator-advisor batch`: the summary table (--summary FILE.csv), CSV input with located
errors, the index pages of --out DIR, --template and --compact plans, and the library's per-partition function."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from test_batch import EXAMPLES, example_profiles, plan_lines, write_jsonl
from test_cli import run

WORDS = {"eligible": "eligible", "not_eligible": "not yet", "unknown": "cannot tell", "not_offered": "not offered",
         "closed": "closed"}


def read_table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# --- the summary table -------------------------------------------------------------------------------------------------

def test_summary_table_has_a_row_per_creator_with_every_programme_status_and_gap(tmp_path):
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 6, bad={4: "{not json"})
    result = run("batch", source, "-o", tmp_path / "plans.jsonl", "--summary", tmp_path / "table.csv", "--jobs", "1")
    assert result.exit_code == 1
    plans = plan_lines(tmp_path / "plans.jsonl")
    rows = read_table(tmp_path / "table.csv")
    assert [row["handle"] for row in rows] == handles  # input order, failed records left out
    for plan, row in zip(plans, rows):
        assert int(row["followers"]) == plan["profile"]["followers"]
        assert row["engagement_verdict"] == (plan["engagement"]["verdict"] or "")
        for entry in plan["eligibility"]:
            assert row[f"{entry['name']}: status"] == WORDS[entry["status"]]
            gap = row[f"{entry['name']}: main gap"]
            assert (gap == "") == (entry["status"] == "eligible")
        assert row["top_action"] == plan["recommendations"][0]["title"]
        assert row["next_milestone_projected_date"] == (plan["growth"].get("projected_date") or "")
    baker = next(row for row, plan in zip(rows, plans) if plan["profile"]["followers"] == 6840)
    assert baker["Creator Rewards Program: main gap"] == "3,160 more followers"
    assert f"Summary table: {tmp_path / 'table.csv'}" in result.stderr


def test_summary_table_says_cannot_tell_when_the_age_is_missing(tmp_path):
    source = tmp_path / "input.jsonl"
    profile = {"handle": "ageless", "followers": 25000, "views_30d": 400000, "country": "US"}
    source.write_text(json.dumps(profile) + "\n", encoding="utf-8")
    result = run("batch", source, "--summary", tmp_path / "table.csv", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    row = read_table(tmp_path / "table.csv")[0]
    assert row["Creator Rewards Program: status"] == "cannot tell"
    assert "age" in row["Creator Rewards Program: main gap"]  # the requirement nobody can judge yet
    line = next(line for line in result.stderr.splitlines() if line.startswith("  Creator Rewards Program "))
    header = next(line for line in result.stderr.splitlines() if "cannot tell" in line)
    assert line[header.index("cannot tell"):header.index("cannot tell") + len("cannot tell")].strip() == "1"


def test_summary_table_neutralises_formulas_and_is_whole_or_absent(tmp_path):
    source = tmp_path / "input.jsonl"
    profile = {"handle": "=cmd|' /C calc'!A0", "followers": 100, "niche": "x"}
    source.write_text(json.dumps(profile) + "\n", encoding="utf-8")
    result = run("batch", source, "--summary", tmp_path / "table.csv", "--jobs", "1")
    table = tmp_path / "table.csv"
    if result.exit_code == 0:  # the handle may be refused by the profile checks; if it is planned, it is text
        assert read_table(table)[0]["handle"].startswith("'=")
    unwritable = run("batch", source, "--summary", tmp_path / "missing" / "table.csv", "--jobs", "1")
    assert unwritable.exit_code == 1 and "Error:" in unwritable.stderr and "Traceback" not in unwritable.stderr
    assert not (tmp_path / "missing").exists()
    not_csv = run("batch", source, "--summary", tmp_path / "table.xlsx", "--jobs", "1")
    assert not_csv.exit_code == 1 and "name it .csv" in not_csv.stderr
    assert not (tmp_path / "table.xlsx").exists()


# --- CSV input ---------------------------------------------------------------------------------------------------------

def _csv(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_csv_rows_give_the_plans_their_jsonl_lines_give(tmp_path):
    fields = ["handle", "followers", "age", "country", "views_30d", "likes_30d", "posts_30d", "as_of", "niche"]
    profiles = [{key: profile[key] for key in fields if key in profile} for profile in example_profiles()]
    jsonl = tmp_path / "input.jsonl"
    jsonl.write_text("".join(json.dumps(profile) + "\n" for profile in profiles), encoding="utf-8")
    lines = [",".join(fields)] + [",".join(str(profile.get(key, "")) for key in fields) for profile in profiles]
    source = _csv(tmp_path / "input.csv", "\r\n".join(lines) + "\r\n", bom=True)  # Excel's "CSV UTF-8"
    from_csv = run("batch", source, "--jobs", "1")
    from_jsonl = run("batch", jsonl, "--jobs", "1")
    assert from_csv.exit_code == 0, from_csv.stderr
    assert from_csv.stdout == from_jsonl.stdout and from_csv.stdout.count("\n") == len(profiles)


def test_csv_bad_cells_are_located_by_row_and_column_and_the_run_goes_on(tmp_path):
    source = _csv(tmp_path / "agency.csv",
                  "handle,country,followers,niche,videos\n"
                  "good_one,US,12000,baking,\n"
                  "typo,US,12k,baking,\n"
                  '"multi",GB,5000,"cakes\nand bread",\n'
                  "negative,US,-4,baking,\n"
                  'vids,US,300,x,"[{""posted"": ""2026-11-01"", ""views"": 10}]"\n'
                  "badjson,US,300,x,[oops\n"
                  "late,US,77,baking,\n")
    result = run("batch", source, "--jobs", "1", "--as-of", "2026-11-20")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(source))]
    assert errors[0] == f"{source}:3: column C (followers): expected a whole number, got '12k'"
    # rows as a spreadsheet numbers them: the row after a cell holding a newline is still the next row
    assert errors[1].startswith(f"{source}:5: followers: must be at least 0")
    assert errors[2].startswith(f"{source}:7: column E (videos): expected JSON text")
    assert len(errors) == 3
    handles = [json.loads(line)["profile"]["handle"] for line in result.stdout.splitlines()]
    assert handles == ["good_one", "multi", "vids", "late"]


def test_csv_without_a_header_stops_before_any_output_with_a_did_you_mean(tmp_path):
    source = _csv(tmp_path / "agency.csv", "crumb,6840,27,US\n")
    target = tmp_path / "plans.jsonl"
    result = run("batch", source, "-o", target, "--summary", tmp_path / "t.csv", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {source}:1: the first row must be a header of profile fields")
    assert "column A: 'crumb' is not a profile field" in result.stderr
    assert "no handle and no followers column" in result.stderr
    assert not target.exists() and not (tmp_path / "t.csv").exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]
    typo = _csv(tmp_path / "typo.csv", "handle,folowers\nx,3\n")
    result = run("batch", typo, "--jobs", "1")
    assert result.exit_code == 1 and "did you mean 'followers'?" in result.stderr


def test_csv_a_quote_left_open_or_bytes_not_utf8_are_located(tmp_path):
    source = tmp_path / "agency.csv"
    source.write_bytes(b"handle,followers,niche\nok,10,x\nbad,20,caf\xe9\n")
    result = run("batch", source, "--jobs", "1")
    assert result.exit_code == 1
    assert f"{source}:3: column C (niche): not valid UTF-8 text" in result.stderr
    assert result.stdout.count("\n") == 1
    open_quote = _csv(tmp_path / "open.csv", 'handle,followers,niche\nok,10,x\nbad,20,"never closed\nmore,30,y\n')
    result = run("batch", open_quote, "--jobs", "1")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert re.search(rf"{re.escape(str(open_quote))}:3: not a CSV row: .*quote", result.stderr)
    assert result.stdout.count("\n") == 1


# --- the index of --out DIR -------------------------------------------------------------------------------------------

def test_out_folder_gets_index_pages_linking_every_report_with_verdicts_and_sorted_copies(tmp_path):
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 9)
    out = tmp_path / "reports"
    result = run("batch", source, "--out", out, "-f", "html", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page
    linked = re.findall(r'<a href="([^"]+\.html)">@([^<]+)</a>', page)
    assert [handle for _file, handle in linked] == handles
    assert all((out / file).is_file() for file, _handle in linked)
    assert "not yet" in page and "eligible" in page
    by_followers = (out / "index-by-followers.html").read_text(encoding="utf-8")
    ordered = re.findall(r'<td class="n">([\d,]+)</td>', by_followers)
    counts = [int(text.replace(",", "")) for text in ordered]
    assert counts == sorted(counts, reverse=True) and len(counts) == 9
    assert 'href="index-by-followers.html"' in page and 'href="index.html"' in by_followers
    markdown = (out / "index.md").read_text(encoding="utf-8")
    assert [m for m in re.findall(r"\[@([^\]]+)\]", markdown)] == [h.replace("_", "\\_") for h in handles]


def test_a_creator_named_index_does_not_overwrite_the_index(tmp_path):
    source = tmp_path / "input.jsonl"
    profile = example_profiles()[0]
    source.write_text(json.dumps(dict(profile, handle="index")) + "\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = run("batch", source, "--out", out, "-f", "md", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert "@index" in (out / "_index.md").read_text(encoding="utf-8").splitlines()[0]
    assert (out / "index.md").read_text(encoding="utf-8").startswith("# Creator plans: 1 report")


# --- --template and --compact -------------------------------------------------------------------------------------------

def test_batch_renders_every_report_through_a_template(tmp_path):
    template = tmp_path / "card.html.j2"
    template.write_text("<p>{{ plan.profile.handle }}: {{ plan.eligibility | count_status('eligible') }}</p>\n",
                        encoding="utf-8")
    source = tmp_path / "input.jsonl"
    handles = write_jsonl(source, 3)
    out = tmp_path / "cards"
    result = run("batch", source, "--out", out, "--template", template, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    for handle in handles:
        assert re.fullmatch(rf"<p>{handle}: \d+</p>\n", (out / f"{handle}.html").read_text(encoding="utf-8"))
    broken = tmp_path / "broken.md.j2"
    broken.write_text("{% if %}\n", encoding="utf-8")
    result = run("batch", source, "--out", tmp_path / "none", "--template", broken, "--jobs", "1")
    assert result.exit_code == 1 and f"{broken}:1: template syntax error" in result.stderr
    assert not (tmp_path / "none").exists() or not list((tmp_path / "none").iterdir())


def test_compact_plans_are_small_and_every_id_resolves_in_the_json_catalogue(tmp_path):
    source = tmp_path / "input.jsonl"
    source.write_text("".join(json.dumps(profile) + "\n" for profile in example_profiles()), encoding="utf-8")
    result = run("batch", source, "--compact", "--jobs", "1", "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.encode("utf-8").splitlines()
    assert len(lines) == len(EXAMPLES)
    assert max(len(line) for line in lines) <= 5 * 1024
    catalogue = run("rules", "docs", "--json")
    assert catalogue.exit_code == 0, catalogue.stderr
    catalogue_data = json.loads(catalogue.stdout)
    data = {"gates": {gate["id"]: gate for gate in catalogue_data["gates"]},
            "rules": {rule["id"]: rule for rule in catalogue_data["rules"]},
            "thresholds": {threshold["name"]: threshold for threshold in catalogue_data["thresholds"]}}
    full = plan_lines_from(run("batch", source, "--jobs", "1", "--as-of", "2026-11-20").stdout)
    for line, plan in zip(lines, full):
        compact = json.loads(line)
        assert compact["compact"] == 1 and "trace" not in compact
        assert len(line) < len(json.dumps(plan, separators=(",", ":"))) / 4
        for entry, whole in zip(compact["eligibility"], plan["eligibility"]):
            assert entry["program"] in data["gates"] and entry["status"] == whole["status"]
            for requirement in whole["requirements"]:
                if requirement["threshold"] is None:
                    continue
                assert requirement["threshold"] in data["thresholds"]  # its value, source and URL are there
                if requirement["met"] is False and requirement["in_force"]:
                    assert entry["unmet"][requirement["threshold"]] == requirement["gap"]
        for item in compact["recommendations"]:
            assert item["rule"] in data["rules"]


def plan_lines_from(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_compact_is_refused_for_reports():
    result = run("batch", str(EXAMPLES[0].parent), "--compact", "-f", "md", "--out", "x")
    assert result.exit_code == 2 and "--compact is for JSON plans" in result.stderr


# --- the library's per-partition function -------------------------------------------------------------------------------

def test_plan_partition_gives_the_batch_lines_and_reports_bad_profiles(tmp_path):
    from advisor.distributed import plan_partition

    source = tmp_path / "input.jsonl"
    write_jsonl(source, 5)
    batch = run("batch", source, "--jobs", "1").stdout.splitlines()
    profiles = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    results = plan_partition(profiles + [{"handle": "x", "followers": -1}])
    assert [result["plan"] for result in results[:5]] == batch
    assert results[5] == {"handle": "x", "plan": None,
                          "error": "profile 6 of the partition: followers: must be at least 0, got -1"}


def test_plan_bag_and_plan_frame_on_dask(tmp_path):
    dask = pytest.importorskip("dask", reason="needs dask (the test extra brings it)")
    bag = pytest.importorskip("dask.bag")
    from advisor.distributed import plan_bag, plan_frame, plans_of_frames

    source = tmp_path / "input.jsonl"
    write_jsonl(source, 7)
    batch = run("batch", source, "--jobs", "1").stdout.splitlines()
    profiles = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    with dask.config.set(scheduler="synchronous"):
        results = plan_bag(bag.from_sequence(profiles, npartitions=3)).compute()
    assert [result["plan"] for result in results] == batch
    pandas = pytest.importorskip("pandas")
    dataframe = pytest.importorskip("dask.dataframe", reason="needs dask[dataframe]")
    flat = [{"handle": "a", "followers": 12000, "age": 30, "country": "US", "views_30d": 200000},
            {"handle": "b", "followers": 900, "age": None, "country": "GB", "views_30d": None}]
    frame = pandas.DataFrame(flat)
    with dask.config.set(scheduler="synchronous"):
        out = plan_frame(dataframe.from_pandas(frame, npartitions=2)).compute()
    expected = [json.dumps({k: v for k, v in row.items() if v is not None}) for row in flat]
    (tmp_path / "flat.jsonl").write_text("\n".join(expected) + "\n", encoding="utf-8")
    assert out["plan"].tolist() == run("batch", tmp_path / "flat.jsonl", "--jobs", "1").stdout.splitlines()
    spark_shape = list(plans_of_frames(iter([frame])))
    assert spark_shape[0]["plan"].tolist() == out["plan"].tolist()


def test_csv_a_cell_over_the_one_profile_limit_is_located_and_the_file_streams_on(tmp_path):
    source = tmp_path / "agency.csv"
    with open(source, "w", encoding="utf-8") as stream:
        stream.write("handle,followers,niche\nfirst,10,x\n")
        stream.write("huge,20," + "y" * (11 * 1024 * 1024) + "\n")
        stream.write("last,30,z\n")
    result = run("batch", source, "--jobs", "1")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert re.search(rf"{re.escape(str(source))}:3: not a CSV row: field larger than field limit", result.stderr)
    assert [json.loads(line)["profile"]["handle"] for line in result.stdout.splitlines()] == ["first", "last"]
