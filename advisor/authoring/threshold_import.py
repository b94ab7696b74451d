"""Reading a thresholds table back (`creator-advisor rules thresholds import`): the CSV that
advisor.authoring.threshold_table exports, edited in a spreadsheet, becomes an overlay of the thresholds whose
definition differs from the pack it is imported against. Every bad cell is reported with its row and column as
the spreadsheet numbers them (row 1 is the header), every problem at once, and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from advisor.authoring.overlay_scaffold import dump
from advisor.authoring.threshold_table import COLUMNS, DATE_CELL, parse_text, parse_value, value_cell
from advisor.errors import OverlayError, ThresholdTableError
from advisor.output import write_whole
from engine import Problem, RulePack, RulePackError, Threshold, ThresholdEntry, threshold_data

IMPORT_FILE = "imported-thresholds.yaml"
IMPORT_MARK = "# Thresholds imported from "
MAX_ROWS = 100_000
MAX_CELL = 20_000
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


@dataclass
class _Reader:
    file: str
    header: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def fail(self, row: int, column: str | None, message: str) -> None:
        if column is None:
            self.problems.append(Problem(self.file, row, None, message, path=f"row {row}"))
            return
        number = self.header.index(column) + 1 if column in self.header else None
        where = f"row {row}, column {_letters(number)} ({column})" if number else f"row {row}"
        self.problems.append(Problem(self.file, row, number, message, path=where))


def _letters(number: int | None) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _kind(value: Any) -> str:
    if isinstance(value, tuple):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return "text"


def read_thresholds_csv(path: str | os.PathLike[str],
                        known: Mapping[str, Threshold] | None = None) -> dict[str, Threshold]:
    """The thresholds a CSV defines, by name. A value of a threshold in `known` must be of the same kind (number,
    text, list...) as the known one's. Raises ThresholdTableError with every bad cell located."""
    file = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a BOM
    except OSError as error:
        raise ThresholdTableError([Problem(file, None, None, f"cannot read the file: {error.strerror or error}")])
    except UnicodeDecodeError as error:
        raise ThresholdTableError([Problem(file, None, None, f"not UTF-8 text (byte {error.start}): save the "
                                                             "table as 'CSV UTF-8'")])
    reader = _Reader(file)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ThresholdTableError([Problem(file, None, None, f"not a CSV table: {error}")])
    if not records:
        raise ThresholdTableError([Problem(file, None, None, "the table is empty: expected the header row "
                                                             + ",".join(COLUMNS))])
    if len(records) > MAX_ROWS:
        raise ThresholdTableError([Problem(file, None, None, f"more than {MAX_ROWS:,} rows")])
    reader.header = [cell.strip() for cell in records[0]]
    for number, name in enumerate(reader.header, start=1):
        if name not in COLUMNS:
            from engine.documents import did_you_mean

            reader.problems.append(Problem(file, 1, number, f"unknown column {name!r}{did_you_mean(name, COLUMNS)} "
                                           f"(columns: {', '.join(COLUMNS)})", path=f"row 1, column "
                                           f"{_letters(number)}"))
    missing = [name for name in ("name", "value", "source", "as_of") if name not in reader.header]
    if missing:
        reader.fail(1, None, "missing column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
    if reader.problems:
        raise ThresholdTableError(reader.problems)
    built: dict[str, dict[str, Any]] = {}
    for row_number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line a spreadsheet left at the end
        if len(cells) > len(reader.header):
            reader.fail(row_number, None, f"{len(cells)} cells, but the header has {len(reader.header)} columns")
            continue
        row = dict(zip(reader.header, cells + [""] * (len(reader.header) - len(cells))))
        _read_row(reader, row_number, row, built, known or {})
    if reader.problems:
        raise ThresholdTableError(reader.problems)
    return {name: _threshold(name, parts) for name, parts in built.items()}


def _read_row(reader: _Reader, number: int, row: dict[str, str], built: dict[str, dict[str, Any]],
              known: Mapping[str, Threshold]) -> None:
    before = len(reader.problems)
    for column, cell in row.items():
        if len(cell) > MAX_CELL:
            reader.fail(number, column, f"the cell holds {len(cell):,} characters; at most {MAX_CELL:,}")
            return
    for column in ("unit", "description", "source", "url", "note"):
        try:
            row[column] = parse_text(row.get(column, ""))
        except ValueError as error:
            reader.fail(number, column, str(error))
    name = row.get("name", "")
    if not _NAME.match(name):
        reader.fail(number, "name", f"{name!r} is not a threshold name (dotted lower-case words, like "
                                    "creator_rewards.min_followers)")
    country = row.get("country", "")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        reader.fail(number, "country", f"{country!r} is not a two-letter country code in capitals (US, GB, KR) "
                                       "or empty for the default value")
    earlier = row.get("earlier", "")
    position = 0
    if earlier:
        if not re.fullmatch(r"[1-9][0-9]{0,3}", earlier):
            reader.fail(number, "earlier", f"{earlier!r} is not empty (the current value) or 1, 2, ... (its earlier "
                                           "values, in order)")
        else:
            position = int(earlier)
    value: Any = None
    try:
        value = parse_value(row.get("value", ""))
    except ValueError as error:
        reader.fail(number, "value", str(error))
    else:
        if name in known and known[name].members:
            reader.fail(number, "name", f"{name} is a member list (each member with its own dates and source): "
                                        "edit it in its YAML file, not in the table")
        elif name in known and _kind(value) != _kind(known[name].base.value):
            reader.fail(number, "value", f"{row.get('value', '')!r} is {_kind(value)}, but {name} is "
                                         f"{_kind(known[name].base.value)} ({value_cell(known[name].base.value)})")
    source = row.get("source", "")
    if not source.strip():
        reader.fail(number, "source", "every value needs its source (who said so, where)")
    url = row.get("url", "")
    if url and not re.match(r"^https?://", url):
        reader.fail(number, "url", f"{url!r} is not a web address starting with http:// or https://")
    dates: dict[str, dt.date | None] = {}
    for column in ("as_of", "valid_from", "valid_until"):
        cell = row.get(column, "")
        if not cell:
            if column == "as_of":
                reader.fail(number, column, "every value needs as_of, the day its source said it (YYYY-MM-DD)")
            dates[column] = None
            continue
        try:
            dates[column] = dt.date.fromisoformat(cell) if DATE_CELL.match(cell) else None
            if dates[column] is None:
                raise ValueError
        except ValueError:
            reader.fail(number, column, f"{cell!r} is not a date written YYYY-MM-DD")
    valid_from, valid_until, as_of = dates.get("valid_from"), dates.get("valid_until"), dates.get("as_of")
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        reader.fail(number, "valid_until", "valid_until must be after valid_from")
    if position and not dates.get("valid_until"):
        reader.fail(number, "valid_until", "an earlier value needs valid_until, the day it stopped applying")
    for column in ("unit", "description"):
        if row.get(column) and (country or position):
            reader.fail(number, column, f"{column} belongs on the threshold's first row (no country, not earlier)")
    if len(reader.problems) > before or as_of is None:
        return
    parts = built.setdefault(name, {"rows": {}, "unit": None, "description": None, "first": number})
    key = (country, position)
    if key in parts["rows"]:
        reader.fail(number, "earlier" if position else "country", f"{name} already has this value at row "
                                                                   f"{parts['rows'][key][1]}")
        return
    if not country and not position:
        parts["unit"], parts["description"] = row.get("unit") or None, row.get("description") or None
    entry = ThresholdEntry(value=value, source=source, as_of=as_of, valid_from=valid_from, valid_until=valid_until,
                           note=row.get("note") or None, url=url or None)
    parts["rows"][key] = (entry, number)
    expected = [(country, i) for i in range(position)]
    gaps = [str(i) for c, i in expected if (c, i) not in parts["rows"] and i]
    if gaps or (position and (country, 0) not in parts["rows"]):
        reader.fail(number, "earlier", f"{name}{' ' + country if country else ''}: earlier value {position} comes "
                                       "before its current value or earlier values " + ", ".join(gaps)
                    if gaps else f"{name}: an earlier value's row comes after the current value's row")
    if country and ("", 0) not in parts["rows"]:
        reader.fail(number, "country", f"{name}: the default value's row (country empty) must come first")


def _threshold(name: str, parts: dict[str, Any]) -> Threshold:
    rows = parts["rows"]

    def full(country: str) -> ThresholdEntry:
        entry = rows[(country, 0)][0]
        earlier = []
        position = 1
        while (country, position) in rows:
            earlier.append(rows[(country, position)][0])
            position += 1
        return ThresholdEntry(entry.value, entry.source, entry.as_of, entry.valid_from, entry.valid_until,
                              entry.note, entry.url, tuple(earlier))

    countries = tuple((code, full(code)) for code in sorted({c for c, p in rows if c}))
    return Threshold(name, full(""), countries, parts["description"], parts["unit"])


def import_thresholds(path: str | os.PathLike[str], into: str | os.PathLike[str],
                      folders: list[Path], *, file_name: str = IMPORT_FILE) -> list[str]:
    """Write into overlay folder `into` (created if missing) the thresholds of the CSV at `path` whose definition
    differs from the pack of `folders` with `into`'s other files on top, as `into/file_name` (replaced whole, and
    only if an earlier import wrote it);
    return their names (none: nothing is written). The result is loaded before it is written: any problem raises
    (ThresholdTableError, OverlayError, RulePackError) and leaves the folder as it was."""
    from advisor.api import load_rules

    target = Path(into)
    if target.exists() and not target.is_dir():
        raise OverlayError(f"{target}: not a folder")
    existing_file = target / file_name
    if existing_file.is_file() and not existing_file.read_text(encoding="utf-8", errors="replace").startswith(
            IMPORT_MARK):
        raise OverlayError(f"{existing_file}: exists and was not written by an import; the import replaces its file "
                           "whole, so move your own thresholds to another file of the folder first")
    base = [folder for folder in folders if not target.exists() or folder.resolve() != target.resolve()]
    staging = Path(tempfile.mkdtemp(prefix=".thresholds-import-"))
    try:
        overlay = staging / (target.resolve().name or "overlay")
        overlay.mkdir()
        others = []
        if target.is_dir():
            for existing in sorted(target.iterdir()):
                if existing.is_file() and existing.name != file_name and existing.suffix in (".yaml", ".yml"):
                    shutil.copyfile(existing, overlay / existing.name)
                    others.append(existing.name)
        current = _located(lambda: load_rules(base, overlays=[overlay] if others else None), overlay, target)
        table = read_thresholds_csv(path, current.thresholds)
        changed = {name: threshold for name, threshold in table.items() if current.thresholds.get(name) != threshold}
        if not changed:
            return []
        clashes = [Problem(str(target / Path(found.origin.document.file).name), *found.origin.document.mark(
                        found.origin.path, key=True)[:2], f"threshold {name!r} is defined here and changed in the table: edit "
                                                f"it here, or move it out of this file to let the import write it",
                           path=f"thresholds.{name}")
                   for name in changed for found in [current.thresholds.get(name)]
                   if found is not None and found.origin is not None
                   and Path(found.origin.document.file).parent == overlay]
        if clashes:
            raise ThresholdTableError(clashes)
        text = (f"{IMPORT_MARK}{Path(path).name} by `creator-advisor rules thresholds import`: the\n"
                "# ones that differ from the pack they were imported against. Edit the table and import again.\n"
                + dump({"thresholds": {name: threshold_data(threshold) for name, threshold in changed.items()}}))
        (overlay / file_name).write_text(text, encoding="utf-8")
        _located(lambda: load_rules(base, overlays=[overlay]), overlay, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    write_whole(target / file_name, text)
    return list(changed)


def _located(load: Any, staging: Path, target: Path) -> RulePack:
    """Run `load`; problems in the staging copy are reported at the target folder's path."""
    try:
        return load()
    except RulePackError as error:
        prefix = str(staging)
        raise RulePackError([replace(problem, file=str(target) + problem.file[len(prefix):])
                             if problem.file.startswith(prefix) else problem for problem in error.problems]) from None
