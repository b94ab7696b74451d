"""JSON text that durable-rules' C parser accepts, and the value conversions it needs.

Its parser rejects numbers written with an exponent (`1e-05`, `1e+16`: error 204), so floats are written out in
plain decimal; it compares numbers as doubles, so integers beyond 2**53 and non-finite floats are refused before
they reach it; dates become the integer YYYYMMDD so that order comparisons work on them. Both engines compare
these values, and refuse alike what durable-rules cannot take (text with a lone surrogate, say).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, Container, Mapping

from .errors import FactError

MAX_EXACT_INTEGER = 2**53
# The types JSON holds as they are: data of these types needs no conversion.
JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def json_data(value: Any) -> Any:
    """Facts, thresholds and checks as JSON data: dates in ISO form, tuples as lists, mappings as dicts. Most values
    are plain already: those inside a mapping or list are passed through without a call."""
    plain = JSON_SCALARS
    if type(value) in plain:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [item if type(item) in plain else json_data(item) for item in value]
    if isinstance(value, Mapping):
        return {key: item if type(item) in plain else json_data(item) for key, item in value.items()}
    return value


def engine_value(value: Any, what: str) -> Any:
    """A fact or constant as the engine compares it (dates as YYYYMMDD); refuses what it cannot compare."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if not (value.isascii() or _is_unicode_text(value)):
            raise FactError(f"{what}: the text has a lone surrogate (not Unicode text), so no rule can compare it")
        return value
    if isinstance(value, int):
        if abs(value) > MAX_EXACT_INTEGER:
            raise FactError(f"{what}: {str(value)[:20]}{'...' if len(str(value)) > 20 else ''} is too large "
                            f"(the limit is {MAX_EXACT_INTEGER:,})")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FactError(f"{what}: {value!r} is not a finite number")
        if abs(value) > MAX_EXACT_INTEGER:
            raise FactError(f"{what}: {value!r} is too large (the limit is {MAX_EXACT_INTEGER:,})")
        return value
    if isinstance(value, dt.date):
        return date_number(value)
    raise FactError(f"{what}: unsupported value {value!r} of type {type(value).__name__}")


def date_number(value: dt.date | None) -> int | None:
    """A date (or a datetime's date) as the engines compare it, the integer YYYYMMDD; None stays None."""
    if value is None:
        return None
    return value.year * 10000 + value.month * 100 + value.day


def engine_facts(facts: Mapping[str, Any], names: Container[str]) -> dict[str, Any]:
    """`engine_value` of each fact in `names`, errors naming the fact. Text, truth values and numbers within the
    engine's exact range (nearly every fact) are passed as they are, without building the error's wording."""
    out = {}
    for name, value in facts.items():
        if name not in names:
            continue
        kind = type(value)
        if (kind is str and value.isascii()) or kind is bool or (
                (kind is int or kind is float) and -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER):
            out[name] = value  # a NaN fails the comparison, and engine_value refuses it
        else:
            out[name] = engine_value(value, f"fact {name!r}")
    return out


def _is_unicode_text(value: str) -> bool:
    """No lone surrogate: durable-rules cannot take such text at all, so neither engine compares it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def float_text(value: float) -> str:
    """A float in plain decimal, as durable-rules' JSON parser accepts it (it rejects an exponent: `1e-05`)."""
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


def dumps(value: Any) -> str:
    """Serialise plain data for the C engine: like json.dumps, but never an exponent in a number."""
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(key), ensure_ascii=False) + ":" + dumps(item)
                              for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, float) and not isinstance(value, bool):
        return float_text(value)
    return json.dumps(value, ensure_ascii=False)


_KEYS: dict[str, str] = {}


def encode_items(mapping: dict[str, Any]) -> dict[str, str]:
    """Each entry of a flat mapping as its JSON text `"name":value`, by name: a working memory asserted once per
    layer is encoded once, and only the facts a layer adds are encoded for the next."""
    parts = {}
    for key, value in mapping.items():
        encoded_key = _KEYS.get(key)
        if encoded_key is None:
            encoded_key = _KEYS.setdefault(key, json.dumps(key, ensure_ascii=False))
        kind = type(value)
        if kind is int:
            text = str(value)
        elif kind is float:
            text = float_text(value)
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is str:
            text = encode_basestring(value)  # json.dumps(value, ensure_ascii=False) without its Python layers
        else:
            text = dumps(value)
        parts[key] = f"{encoded_key}:{text}"
    return parts
