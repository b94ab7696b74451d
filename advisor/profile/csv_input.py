"""Profiles from a CSV file, the form agencies keep their creators in: a header row in the profile contract's names
(`handle,followers,age,country,views_30d,...`), then a creator a row.

Each cell is typed by the profile schema (advisor/schemas/profile.schema.json, the one definition of the
contract): whole numbers for counts and ages, text for the rest; an empty cell is a field not given; a list or
mapping field (`videos`, `history`, `audience`) holds JSON text. A row becomes a record the batch plans like a
JSONL line, so the profile's own checks (ranges, dates, unknown keys) apply unchanged.

Errors are located the way a spreadsheet numbers things: row 1 is the header, a cell is "column D (followers)".
A header that is not one (a file without it, a misspelt name) stops the run before any output is written, with a
did-you-mean; a bad cell fails only its row, and the run goes on. The file is read a row at a time, so a 2 GB
file streams; a field over the one-profile limit, a stray quote that would swallow the rest of the file, or bytes
that are not UTF-8 are reported at their row. A UTF-8 byte order mark (Excel's "CSV UTF-8") is skipped.
"""

from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from typing import Any, Iterator

from advisor.errors import AdvisorError
from engine.documents import did_you_mean

MAX_FIELD_BYTES = 10 * 1024 * 1024  # the one-profile limit (advisor.batch.records.MAX_LINE_BYTES) applies to a cell too
REQUIRED = ("handle", "followers")
_WHOLE = re.compile(r"[+-]?\d+(?:\.0*)?")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape


class CsvHeaderError(AdvisorError):
    """Raised when a CSV input's first row is not a header in the profile contract's names."""


@lru_cache(maxsize=1)
def field_kinds() -> dict[str, str]:
    """Top-level profile field -> "integer", "number", "json" (a list or mapping) or "text", read from the profile
    schema."""
    from engine.documents import load_schema

    schema = load_schema("advisor", "profile.schema.json")

    definitions = schema.get("$defs", {})
    kinds = {}
    for name, spec in schema["properties"].items():
        if "$ref" in spec:
            spec = definitions.get(spec["$ref"].rsplit("/", 1)[-1], {})
        kind = spec.get("type")
        kinds[name] = ("integer" if kind == "integer" else "number" if kind == "number"
                       else "json" if kind in ("array", "object") else "text")
    return kinds


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA': a column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def check_header(name: str, header: list[str]) -> list[str]:
    """The header's field names, or CsvHeaderError naming every problem (unknown names with a did-you-mean,
    duplicates, required fields missing)."""
    kinds = field_kinds()
    problems = []
    fields = [cell.strip() for cell in header]
    seen: set[str] = set()
    for index, field in enumerate(fields):
        where = f"column {column_letter(index)}"
        if not field:
            problems.append(f"{where} has no name")
        elif field in seen:
            problems.append(f"{where}: {field!r} is a second column of the same name")
        elif field not in kinds and not field.startswith("x-"):
            problems.append(f"{where}: {field!r} is not a profile field{did_you_mean(field, kinds)}")
        seen.add(field)
    absent = [field for field in REQUIRED if field not in seen]
    if absent:
        problems.append(f"no {' and no '.join(absent)} column")
    if problems:
        raise CsvHeaderError(f"{name}:1: the first row must be a header of profile fields (handle, followers, age, "
                             f"country, views_30d, ...): " + "; ".join(problems))
    return fields


def typed(kind: str, text: str) -> Any:
    """A cell's text as the field's type; ValueError saying what was expected."""
    if kind == "integer":
        compact = text.replace(",", "").replace("_", "").strip()
        if not _WHOLE.fullmatch(compact):
            raise ValueError("expected a whole number")
        return int(compact.split(".")[0])
    if kind == "number":
        try:
            return float(text.replace(",", "").strip())
        except ValueError:
            raise ValueError("expected a number") from None
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError as error:
            raise ValueError(f"expected JSON text ({error})") from None
    return text


def _preview(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")


def row_profile(fields: list[str], row: list[str]) -> tuple[dict[str, Any], list[str]]:
    """A row as a profile mapping, and the problems of its cells (each naming its column)."""
    kinds = field_kinds()
    profile: dict[str, Any] = {}
    problems = []
    if len(row) > len(fields):
        problems.append(f"{len(row)} cells where the header names {len(fields)} columns")
    for index, (field, text) in enumerate(zip(fields, row)):
        where = f"column {column_letter(index)} ({field})"
        if _NOT_UTF8.search(text):
            problems.append(f"{where}: not valid UTF-8 text")
            continue
        if not text.strip():
            continue
        try:
            profile[field] = typed(kinds.get(field, "text"), text)
        except ValueError as error:
            problems.append(f"{where}: {error}, got {_preview(text)}")
    return profile, problems


def _decoded_lines(stream: Any) -> Iterator[str]:
    """The file's lines as text, a line at a time; bytes that are not UTF-8 kept as surrogates for the row's
    check to report. A first-line BOM is dropped."""
    first = True
    for line in stream:
        if first:
            line = line.removeprefix(b"\xef\xbb\xbf")
            first = False
        yield line.decode("utf-8", "surrogateescape")


def csv_records(path: str) -> Iterator[tuple[str, str, Any]]:
    """Batch records of a CSV file: ("line", "FILE:ROW", JSON bytes) for each row, ("invalid", "FILE:ROW",
    message) for a row that cannot be a profile. The header is checked before the first record is yielded."""
    name = str(path)
    stream = open(path, "rb")
    try:
        reader = csv.reader(_decoded_lines(stream), strict=True)
        _limit_fields()
        try:
            header = next(reader, None)
        except csv.Error as error:
            raise CsvHeaderError(f"{name}:1: cannot read the header row: {error}") from None
        if header is None:
            raise CsvHeaderError(f"{name}: the file is empty: expected a header row of profile fields")
        fields = check_header(name, header)
    except BaseException:
        stream.close()
        raise
    return _rows(name, stream, reader, fields)


def _rows(name: str, stream: Any, reader: Any, fields: list[str]) -> Iterator[tuple[str, str, Any]]:
    with stream:
        row_number = 1
        while True:
            row_number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield ("invalid", f"{name}:{row_number}", f"not a CSV row: {error} (a quote left open swallows the "
                                                          "rows after it)")
                continue
            if not any(cell.strip() for cell in row):
                continue
            profile, problems = row_profile(fields, row)
            if problems:
                yield ("invalid", f"{name}:{row_number}", "; ".join(problems))
                continue
            yield ("line", f"{name}:{row_number}", json.dumps(profile, ensure_ascii=False).encode("utf-8"))


def _limit_fields() -> None:
    if csv.field_size_limit() != MAX_FIELD_BYTES:
        csv.field_size_limit(MAX_FIELD_BYTES)


def is_csv(path: str) -> bool:
    return str(path).lower().endswith(".csv")
