"""The rule-file schema (data, in schemas/rule_file.schema.json) and its translation into located problems.

The schema is the one statement of what a rule file may contain: it drives validation here, the authors' docs and
editor completion. jsonschema's raw messages are written for programmers; this module rewrites the common ones
into what an author needs: the unknown key and the closest known one, the expected form, the offending value.

Valid documents are the common case (profiles are read by the thousand in a batch), and for them only the verdict
matters: jsonschema-rs (a compiled validator, same Draft 2020-12 semantics) answers "valid?" first, and
jsonschema, whose import and error machinery cost milliseconds, runs only for a document with errors, to word
them. tests/test_schema_verdicts.py holds the two to the same verdicts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

from .problems import Problem
from .suggest import did_you_mean
from .yaml_source import LocatedDocument


def _is_date(value: object) -> bool:
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
    return True


def as_json_data(value: Any) -> Any:
    """YAML reads 2024-03-06 as a date; the schema speaks JSON, where a date is a string in ISO form."""
    if isinstance(value, dict):
        return {key: as_json_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json_data(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# Keywords that only annotate a schema: they never change a verdict.
ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples",
                         "deprecated", "readOnly", "writeOnly"})


def is_json_number(value: Any) -> bool:
    """A number as JSON Schema counts one: an int or a float, never a truth value."""
    kind = type(value)
    return kind is int or kind is float or (isinstance(value, (int, float)) and not isinstance(value, bool))


def load_schema(package: str, name: str) -> dict[str, Any]:
    """A JSON Schema shipped inside `package`'s schemas folder."""
    return json.loads((resources.files(package) / "schemas" / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(package: str, name: str) -> Any:
    # Imported here: jsonschema is needed only for a document with errors (see _fast_check), and importing it
    # costs the command tens of milliseconds at every start.
    from jsonschema import Draft202012Validator, FormatChecker

    formats = FormatChecker()
    formats.checks("date")(_is_date)
    return Draft202012Validator(load_schema(package, name), format_checker=formats)


@lru_cache(maxsize=None)
def _fast_check(package: str, name: str) -> Callable[[Any], bool]:
    """The yes/no check for this schema (jsonschema-rs); a document it cannot take (a Python value that is not
    JSON data) is answered no, and jsonschema words the problem."""
    import jsonschema_rs

    is_valid = jsonschema_rs.validator_for(load_schema(package, name), formats={"date": _is_date},
                                           validate_formats=True).is_valid

    def check(data: Any) -> bool:
        try:
            return bool(is_valid(data))
        except (ValueError, TypeError, OverflowError):
            return False

    return check


def schema_problems(document: LocatedDocument, package: str, schema_name: str,
                    rule_of: Any = None, *, json_ready: bool = False) -> list[Problem]:
    """Every schema violation in `document`, as located problems, in file order. `json_ready` says the data is
    JSON data already (no dates to turn into text), which spares a copy of it."""
    return [problem for _, problem in schema_errors(document, package, schema_name, rule_of, json_ready=json_ready)]


def schema_errors(document: LocatedDocument, package: str, schema_name: str,
                  rule_of: Any = None, *, json_ready: bool = False) -> list[tuple[tuple[Any, ...], Problem]]:
    """Every schema violation as (path of the offending node, located problem), in file order, without repeats.

    `rule_of(path)` may name the rule a path belongs to (for the breadcrumb) and return the path shown relative to
    it; by default the whole path is shown.
    """
    data = document.data if json_ready else as_json_data(document.data)
    if _fast_check(package, schema_name)(data):
        return []  # valid: nothing to report, and no need for jsonschema's error machinery
    validator = _validator(package, schema_name)
    found: dict[tuple[Any, ...], tuple[tuple[Any, ...], Problem]] = {}
    for error in validator.iter_errors(data):
        path = tuple(error.absolute_path)
        for key_path, message in _describe(validator.schema, error):
            full = path + key_path
            rule, shown = rule_of(full) if rule_of else (None, full)
            problem = document.problem(full, message, rule=rule, key=bool(key_path), shown_path=shown)
            found.setdefault((problem.line, problem.column, problem.path, problem.message), (full, problem))
    return sorted(found.values(), key=lambda item: (item[1].line or 0, item[1].column or 0, item[1].message))


def _allowed_keys(root: dict[str, Any], fragment: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(named keys, patterns of keys) a mapping may hold, following `$ref`s within the schema."""
    keys = list(fragment.get("properties", {}))
    patterns = list(fragment.get("patternProperties", {}))
    reference = fragment.get("$ref")
    if reference and reference.startswith("#/$defs/"):
        more_keys, more_patterns = _allowed_keys(root, root["$defs"][reference.split("/")[-1]])
        keys += more_keys
        patterns += more_patterns
    return keys, patterns


_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "nothing"}


def _type_word(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if value is None:
        return "nothing"
    return "text"


def _describe(root: dict[str, Any], error: Any) -> list[tuple[tuple[Any, ...], str]]:
    """[(extra path to the offending key, message)] for one jsonschema error: one entry per unknown key."""
    kind = error.validator
    instance = error.instance
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        allowed, patterns = _allowed_keys(root, error.schema)
        extra = [key for key in instance
                 if key not in allowed and not any(re.search(pattern, key) for pattern in patterns)]
        if extra:
            known = ", ".join(sorted(allowed))
            return [((key,), f"unknown key {key!r}{did_you_mean(key, allowed)} (known keys: {known})")
                    for key in extra]
    return [((), _message(root, error))]


def _message(root: dict[str, Any], error: Any) -> str:
    """The author-facing message for one jsonschema error other than unknown keys."""
    kind = error.validator
    instance = error.instance
    if kind == "required":
        missing = [key for key in error.validator_value if key not in instance]
        return f"missing required key {missing[0]!r}" if missing else error.message
    if kind == "enum":
        options = ", ".join(repr(option) for option in error.validator_value)
        suggestion = did_you_mean(str(instance), [str(o) for o in error.validator_value])
        return f"expected one of {options}, got {instance!r}{suggestion}"
    if kind == "type" and not error.absolute_path:
        keys = ", ".join(repr(key) for key in root.get("properties", {}))
        return f"expected a mapping (keys such as {keys}) at the top of the file, got {_type_word(instance)}"
    if kind == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        words = " or ".join(_TYPE_WORDS.get(word, word) for word in wanted)
        return f"expected {words}, got {_type_word(instance)} ({_short(instance)})"
    if kind == "pattern":
        if error.validator_value == "^[A-Z]{2}$":
            return (f"expected a two-letter upper-case ISO 3166-1 country code, got {instance!r}"
                        + (f"; did you mean {instance.upper()!r}?" if len(str(instance)) == 2 else ""))
        if error.validator_value.startswith("^https?"):
            return f"expected a web address starting with https:// or http://, got {instance!r}"
        if error.schema.get("description"):
            return f"{_short(instance)} is not valid here: {error.schema['description']}"
        if error.validator_value.startswith("^[a-z]"):
            return f"{_short(instance)} is not a valid name here: use lower-case letters, digits and underscores" \
                + (", joined by dots" if "\\." in error.validator_value else "")
        return f"{_short(instance)} does not have the expected form ({error.validator_value})"
    if kind == "propertyNames":
        return f"invalid name {instance!r}"
    if kind == "format":
        return f"expected a date written YYYY-MM-DD, got {_short(instance)}"
    if kind in ("anyOf", "oneOf"):
        return f"expected {_alternatives(error)}, got {_type_word(instance)} ({_short(instance)})"
    if kind in ("minItems", "maxItems", "minProperties", "minLength", "maxLength", "minimum", "maximum"):
        return _bounds_message(kind, error.validator_value, _short(instance))
    return error.message


def _alternatives(error: Any) -> str:
    words = []
    for sub in error.context:
        if sub.validator == "type":
            wanted = sub.validator_value
            for word in [wanted] if isinstance(wanted, str) else wanted:
                text = _TYPE_WORDS.get(word, word)
                if text not in words:
                    words.append(text)
    if not words:
        return "a different value"
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]


def _bounds_message(kind: str, bound: Any, instance: Any) -> str:
    return {
        "minItems": f"expected at least {bound} item{'s' if bound != 1 else ''}",
        "maxItems": f"expected at most {bound} items",
        "minProperties": "must not be empty",
        "minLength": "must not be empty",
        "maxLength": f"is longer than {bound:,} characters",
        "minimum": f"must be at least {bound}, got {instance}",
        "maximum": f"must be at most {bound}, got {instance}",
    }[kind]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
