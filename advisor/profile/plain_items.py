"""One pass over a list of flat mappings that are plainly valid: a profile's videos, most of its values.

The full check of a profile value takes three passes: the walk (advisor/profile/reading.py) checks and copies it, the
schema check (engine.documents.schema) visits the copy, and the build reads it again. For a profile's videos that was
some 11 us a video, 160 us for the usual fifteen, a sixth of a whole plan. A video is nearly always plain: known
keys, counts that are whole numbers within bounds, a date written YYYY-MM-DD, text. This module turns the item
schema into one rule per key, once, and checks a whole list in a single loop; the walk then gives the schema
check an empty list in its place, and the build reads the items as before.

It never decides otherwise than the full path. Anything not plainly valid (an unknown key, an annotation, a float
for a count, a bound crossed, text that is not valid Unicode, a nesting or value limit reached) gives None, and
the list takes the full path, which finds and words the problem. tests/test_plain_items.py holds the two paths to
the same result, edit by edit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from advisor.values import LONE_SURROGATE
from engine.documents import ANNOTATIONS

_NUMBER, _DATE, _ENUM, _TEXT = "number", "date", "enum", "text"


@dataclass(frozen=True)
class ItemRules:
    """What each key of an item may plainly hold: (kind, low, high, floats allowed) for a number, (kind, options)
    for an enum of text, (kind,) for a date or text; and the keys an item must have."""

    keys: dict[str, tuple[Any, ...]]
    required: frozenset[str]
    date_text: Any  # the walk's test of a date's text (a compiled pattern's fullmatch)


def item_rules(array: dict[str, Any], definitions: dict[str, Any], huge: int, date_text: re.Pattern[str]
               ) -> ItemRules | None:
    """The rules of `array`'s items (a schema `{"type": "array", "items": ...}`), or None when the schema says
    something these rules cannot (then every list takes the full path). `huge` bounds a number the schema leaves
    unbounded, as the walk does; `date_text` is the walk's pattern of a date."""
    if set(array) - ANNOTATIONS != {"type", "items"} or array["type"] != "array":
        return None
    item = _target(array["items"], definitions)
    if item is None or set(item) - ANNOTATIONS - {"required", "properties", "patternProperties"} != \
            {"type", "additionalProperties"} or item["type"] != "object" or item["additionalProperties"] is not False:
        return None
    keys = {}
    for key, schema in item.get("properties", {}).items():
        rule = _rule(_target(schema, definitions), huge)
        if rule is None or key.startswith("x-"):
            return None
        keys[key] = rule
    required = frozenset(item.get("required", ()))
    if not required <= set(keys):
        return None
    return ItemRules(keys, required, date_text.fullmatch)


def _target(schema: Any, definitions: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        reference = schema["$ref"]
        if set(schema) - ANNOTATIONS != {"$ref"} or not reference.startswith("#/$defs/"):
            return None
        return _target(definitions.get(reference[len("#/$defs/"):]), definitions)
    return schema


def _rule(schema: dict[str, Any] | None, huge: int) -> tuple[Any, ...] | None:
    if schema is None:
        return None
    words = set(schema) - ANNOTATIONS
    if words == {"type", "format"} and schema["type"] == "string" and schema["format"] == "date":
        return (_DATE,)
    if words <= {"type", "maxLength"} and schema.get("type") == "string":
        longest = schema.get("maxLength", huge)
        return (_TEXT, longest) if type(longest) is int else None
    if words == {"enum"} and all(type(option) is str for option in schema["enum"]):
        return (_ENUM, frozenset(schema["enum"]))
    if words <= {"type", "minimum", "maximum"} and schema.get("type") in ("integer", "number"):
        low, high = schema.get("minimum", -huge), schema.get("maximum", huge)
        if type(low) not in (int, float) or type(high) not in (int, float) or not -huge <= low <= high <= huge:
            return None
        return (_NUMBER, low, high, schema["type"] == "number")
    return None


def check_plain(items: list[Any], rules: ItemRules, path: tuple[Any, ...], values: int, max_values: int,
                dates: dict[tuple[Any, ...], dt.date]) -> int | None:
    """The walk's count of values after `items` (a list at `path`, already counted) when every item is plainly
    valid, its dates added to `dates`; None, with `dates` unchanged, when anything is not (or the count would
    pass `max_values`). The caller checks that the items' values lie within the nesting limit."""
    keys, required, date_text = rules.keys, rules.required, rules.date_text
    found: list[tuple[tuple[Any, ...], dt.date]] = []
    for index, item in enumerate(items):
        if type(item) is not dict or not item.keys() >= required:
            return None
        values += 1 + len(item)
        for key, value in item.items():
            rule = keys.get(key) if type(key) is str else None
            if rule is None:
                return None
            kind, code = type(value), rule[0]
            if code is _NUMBER:  # NaN and infinities fail the bounds
                if not ((kind is int or (kind is float and rule[3]))
                        and rule[1] <= value <= rule[2]):
                    return None
            elif code is _DATE:
                if kind is dt.date:  # read from YAML
                    found.append((path + (index, key), value))
                    continue
                if kind is not str or date_text(value) is None:
                    return None
                try:
                    found.append((path + (index, key), dt.date.fromisoformat(value)))
                except ValueError:
                    return None
            elif kind is not str or not (value.isascii() or LONE_SURROGATE.search(value) is None):
                return None
            elif code is _ENUM and value not in rule[1]:
                return None
            elif code is _TEXT and len(value) > rule[1]:
                return None
    if values > max_values:
        return None
    dates.update(found)
    return values
