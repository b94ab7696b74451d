"""Thresholds as a decision table: a CSV that experts who live in spreadsheets can read, edit and give back.

`export_thresholds` writes every threshold of a pack, one row per value: the default value, each country's value
and each dated earlier value, with its source, URL, as_of, valid_from/until and note. `import_thresholds`
(advisor.authoring.threshold_import) reads such a table back and writes, into an overlay folder, the thresholds whose definition differs from the pack it
is imported against, so exporting the combined pack again gives the same table, byte for byte.

Cells are typed the way a spreadsheet shows them: `10000`, `0.05`, `true`, `2026-11-02`, plain text; a list, or a
text that would read as a number, is JSON (`["US", "GB"]`, `"10000"`). A bad cell is reported with its row and
column as the spreadsheet numbers them (row 1 is the header), every problem at once, and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
from pathlib import Path
from typing import Any

from advisor.output import write_whole
from engine import RulePack, Threshold

COLUMNS = ("name", "country", "earlier", "value", "unit", "description", "source", "url", "as_of", "valid_from",
           "valid_until", "note")
_INTEGER = re.compile(r"^-?[0-9]+$")
_DECIMAL = re.compile(r"^-?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^-?[0-9]+[eE][-+]?[0-9]+$")
DATE_CELL = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


# -- cells ------------------------------------------------------------------------------------------------------
def _plain_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # Text that would read back as something else is written as JSON.
    if text != text.strip() or _reads_as_other(text) or text.startswith(_FORMULA_START):
        return json.dumps(text, ensure_ascii=False)
    return text


def _reads_as_other(text: str) -> bool:
    return (text == "" or text in ("true", "false") or bool(_INTEGER.match(text) or _DECIMAL.match(text))
            or text[:1] in ("[", '"') or text.lower() in ("nan", "inf", "-inf", "infinity"))


# A cell a spreadsheet would run as a formula (CSV injection: a rule pack is written by someone else); text cells
# starting so are written as JSON text, which the spreadsheet shows as text and the import reads back exactly.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", '"')


def text_cell(text: str | None) -> str:
    """A text column's cell (source, note...): as it is, or JSON text when it starts like a formula or a quote."""
    if text is None:
        return ""
    return json.dumps(text, ensure_ascii=False) if text.startswith(_FORMULA_START) else text


def parse_text(cell: str) -> str:
    """A text column's cell as the text it holds; raises ValueError for a `"` cell that is not JSON text."""
    if not cell.startswith('"'):
        return cell
    try:
        text = json.loads(cell)
    except json.JSONDecodeError as error:
        raise ValueError(f"{cell!r} starts with a quote but is not JSON text ({error.msg})") from None
    if not isinstance(text, str):
        raise ValueError(f"{cell!r} is not text")
    return text


def value_cell(value: Any) -> str:
    """A threshold value as one cell (see the module docstring)."""
    if isinstance(value, tuple):
        return json.dumps([item.isoformat() if isinstance(item, dt.date) else item for item in value],
                          ensure_ascii=False)
    return _plain_cell(value)


def parse_value(text: str) -> Any:
    """The value a cell holds; raises ValueError with what is wrong."""
    if text.startswith("[") or text.startswith('"'):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{text!r} starts like JSON but is not ({error.msg})") from None
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, (str, int, float, bool)) or (isinstance(item, float) and not math.isfinite(item)):
                raise ValueError(f"{text!r}: a list holds numbers, text or true/false, not {json.dumps(item)}")
        if isinstance(value, list):
            return tuple(_date_or(item) for item in value)
        return value
    if text in ("true", "false"):
        return text == "true"
    if _INTEGER.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    if text.strip() != text or not text:
        raise ValueError("a value is needed" if not text.strip() else
                         f"{text!r} has spaces at an end: write it as JSON text (\"...\") to keep them")
    return _date_or(text)


def _date_or(item: Any) -> Any:
    if isinstance(item, str) and DATE_CELL.match(item):
        try:
            return dt.date.fromisoformat(item)
        except ValueError:
            return item
    return item


# -- export -----------------------------------------------------------------------------------------------------
def _rows(threshold: Threshold) -> list[dict[str, str]]:
    rows = []
    tops = [("", threshold.base)] + list(threshold.countries)
    for country, entry in tops:
        for position, item in enumerate((entry, *entry.earlier)):
            row = {"name": threshold.name, "country": country, "earlier": str(position) if position else "",
                   "value": value_cell(item.value), "source": text_cell(item.source), "url": text_cell(item.url),
                   "as_of": item.as_of.isoformat(), "valid_from": _date_cell(item.valid_from),
                   "valid_until": _date_cell(item.valid_until), "note": text_cell(item.note),
                   "unit": "", "description": ""}
            if not country and not position:
                row["unit"] = text_cell(threshold.unit)
                row["description"] = text_cell(threshold.description)
            rows.append(row)
    return rows


def _date_cell(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def thresholds_csv(pack: RulePack) -> str:
    """Every threshold of `pack` as CSV text (header first; rows by name, default value, then its earlier values,
    then each country's value and its earlier values)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for threshold in pack.thresholds.values():
        if not threshold.members:  # a member list (each member dated and sourced) stays in YAML
            writer.writerows(_rows(threshold))
    return out.getvalue()


def export_thresholds(pack: RulePack, path: str | os.PathLike[str]) -> Path:
    """Write the CSV of `pack`'s thresholds to `path`, whole or not at all."""
    return write_whole(path, thresholds_csv(pack))
