"""A fast yes/no check of a document against a JSON Schema, so that jsonschema runs only when there is an error.

Profiles are read by the thousand in a batch and rule packs at every start of the command; jsonschema's general
machinery (reference resolution, error objects) costs milliseconds per profile and its import alone tens of
milliseconds. Valid documents are the common case, and for them only the verdict matters. This module compiles a
schema once into plain Python closures that answer "valid?" with jsonschema's Draft 2020-12 semantics for the
keywords it knows; `engine.schema` asks it first and calls jsonschema, for the located messages, only when the
answer is no.

It is deliberately conservative: a schema using any keyword it does not implement (or an `unevaluatedProperties`
it cannot resolve statically) compiles to None, and the caller uses jsonschema for everything. The differential
tests in tests/test_fastschema.py hold it to jsonschema's verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Callable

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples",
                         "deprecated", "readOnly", "writeOnly"})
_APPLICATORS_WITH_PROPERTIES = frozenset({"allOf", "anyOf", "oneOf", "not", "if", "then", "else",
                                          "dependentSchemas", "additionalProperties", "unevaluatedProperties"})


class Unsupported(Exception):
    """The schema uses something this checker does not implement: leave it to jsonschema."""


def compile_schema(root: Mapping[str, Any], formats: Mapping[str, Callable[[Any], bool]]) -> Check | None:
    """A function telling whether a document is valid against `root`, or None when the schema needs jsonschema.
    `formats` maps each `format` the schema uses to its check (as the jsonschema FormatChecker would apply it)."""
    try:
        return _Compiler(root, formats).compile(root)
    except Unsupported:
        return None


_MAX_REMEMBERED_KEYS = 256


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def is_json_number(value: Any) -> bool:
    """A number as JSON Schema counts one: an int or a float, never a truth value."""
    kind = type(value)
    return kind is int or kind is float or (isinstance(value, (int, float)) and not isinstance(value, bool))


_TYPES: dict[str, Check] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": lambda value: type(value) is int or (isinstance(value, int) and not isinstance(value, bool))
    or (isinstance(value, float) and value.is_integer()),
    "number": is_json_number,
    "string": lambda value: isinstance(value, str),
    "array": lambda value: isinstance(value, list),
    "object": _is_object,
}


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's equality: true and 1 differ; containers compare item by item."""
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[key], two[key]) for key in one)
    if isinstance(one, (list, dict)) or isinstance(two, (list, dict)):
        return False
    return one == two


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    if len(checks) == 3:
        first, second, third = checks
        return lambda value: first(value) and second(value) and third(value)

    def every(value: Any) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True
    return every


def _bounded_number(schema: Mapping[str, Any], check: Check) -> Check:
    """For a schema that is only a numeric type with bounds (a count, a share), a first test of the common case,
    an int within the bounds, in one call; anything else gets the full check."""
    if set(schema) - ANNOTATIONS != {"type", "minimum", "maximum"} or schema["type"] not in ("integer", "number"):
        return check
    low, high = schema["minimum"], schema["maximum"]
    if not all(type(bound) in (int, float) for bound in (low, high)):
        return check
    return lambda value: (type(value) is int and low <= value <= high) or check(value)


def _each(item: Check) -> Check:
    def every(value: Any) -> bool:
        if isinstance(value, list):
            for one in value:
                if not item(one):
                    return False
        return True
    return every


class _Compiler:
    def __init__(self, root: Mapping[str, Any], formats: Mapping[str, Callable[[Any], bool]]):
        self.root = root
        self.formats = formats
        self.references: dict[str, list[Check]] = {}

    def resolve(self, reference: str) -> Mapping[str, Any]:
        if not reference.startswith("#/$defs/") or "/" in reference[len("#/$defs/"):]:
            raise Unsupported(reference)
        name = reference[len("#/$defs/"):]
        definitions = self.root.get("$defs", {})
        if name not in definitions:
            raise Unsupported(reference)
        return definitions[name]

    def reference(self, reference: str) -> Check:
        slot = self.references.get(reference)
        if slot is None:  # compiled once; a recursive reference reads the slot when it runs
            slot = self.references[reference] = []
            slot.append(self.compile(self.resolve(reference)))
        if slot:
            return slot[0]  # compiled already: no extra call per value
        return lambda value: slot[0](value)

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, Mapping):
            raise Unsupported(repr(schema))
        checks: list[Check] = []
        known = {"type", "properties", "required", "additionalProperties", "patternProperties", "items", "$ref",
                 "minimum", "maximum", "minLength", "maxLength", "pattern", "enum", "format", "minItems",
                 "maxItems", "minProperties", "maxProperties", "propertyNames", "anyOf", "unevaluatedProperties",
                 "if", "then", "else", "const"}
        for keyword in schema:
            if keyword not in known and keyword not in ANNOTATIONS:
                raise Unsupported(keyword)
        if "$ref" in schema:
            checks.append(self.reference(schema["$ref"]))
        typed = schema.get("type") == "object"  # tested by the object check, with the object keywords
        if "type" in schema and not typed:
            names = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
            if any(name not in _TYPES for name in names):
                raise Unsupported(str(names))
            tests = [_TYPES[name] for name in names]
            checks.append(tests[0] if len(tests) == 1 else (lambda value: any(test(value) for test in tests)))
        if "enum" in schema:
            options = list(schema["enum"])
            checks.append(lambda value: any(_equal(option, value) for option in options))
        checks.extend(self.numbers(schema))
        checks.extend(self.strings(schema))
        checks.extend(self.arrays(schema))
        checks.extend(self.objects(schema, typed))
        if "anyOf" in schema:
            branches = [self.compile(branch) for branch in schema["anyOf"]]
            checks.append(lambda value: any(branch(value) for branch in branches))
        if "const" in schema:
            constant = schema["const"]
            checks.append(lambda value: _equal(constant, value))
        if "if" in schema:  # then / else apply by the verdict of if; either may be absent (then it holds)
            condition = self.compile(schema["if"])
            then = self.compile(schema.get("then", True))
            otherwise = self.compile(schema.get("else", True))
            checks.append(lambda value: then(value) if condition(value) else otherwise(value))
        if "format" in schema:
            test = self.formats.get(schema["format"])
            if test is None:
                raise Unsupported(schema["format"])
            checks.append(test)
        return _bounded_number(schema, _all_of(checks))

    def numbers(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "minimum" in schema:
            low = schema["minimum"]
            checks.append(lambda value: not is_json_number(value) or not value < low)  # NaN passes, as in jsonschema
        if "maximum" in schema:
            high = schema["maximum"]
            checks.append(lambda value: not is_json_number(value) or not value > high)
        return checks

    def strings(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "minLength" in schema:
            shortest = schema["minLength"]
            checks.append(lambda value: not isinstance(value, str) or len(value) >= shortest)
        if "maxLength" in schema:
            longest = schema["maxLength"]
            checks.append(lambda value: not isinstance(value, str) or len(value) <= longest)
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            checks.append(lambda value: not isinstance(value, str) or search(value) is not None)
        return checks

    def arrays(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "items" in schema:
            checks.append(_each(self.compile(schema["items"])))
        if "minItems" in schema:
            fewest = schema["minItems"]
            checks.append(lambda value: not isinstance(value, list) or len(value) >= fewest)
        if "maxItems" in schema:
            most = schema["maxItems"]
            checks.append(lambda value: not isinstance(value, list) or len(value) <= most)
        return checks

    def objects(self, schema: Mapping[str, Any], typed: bool) -> list[Check]:
        """The object keywords as one check (a profile lists hundreds of videos, each an object): a value that is
        not an object passes them, or fails when `typed` (the schema's type is "object", tested here)."""
        required = frozenset(schema.get("required", ()))
        fewest, most = schema.get("minProperties"), schema.get("maxProperties")
        name = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        properties = {key: self.compile(sub) for key, sub in schema.get("properties", {}).items()}
        patterns = [(re.compile(pattern).search, self.compile(sub))
                    for pattern, sub in schema.get("patternProperties", {}).items()]
        extra = self.compile(schema["additionalProperties"]) if "additionalProperties" in schema else None
        members = bool(properties or patterns or extra is not None)
        unevaluated: tuple[frozenset[str], list[Callable[[str], Any]]] | None = None
        if "unevaluatedProperties" in schema:
            if schema["unevaluatedProperties"] is not False:
                raise Unsupported("unevaluatedProperties")
            unevaluated = self.evaluated(schema)
        if not (typed or required or fewest is not None or most is not None or name is not None or members
                or unevaluated is not None):
            return []
        # The check that applies to a member depends on its key alone: worked out once per key and remembered
        # (documents repeat the same few keys in every item of a list), up to a bound.
        plans: dict[str, Check] = {}

        def plan(key: str) -> Check:
            found = [properties[key]] if key in properties else []
            found += [sub for search, sub in patterns if search(key) is not None]
            if not found and extra is not None:
                found = [extra]
            check = _all_of(found)
            if len(plans) < _MAX_REMEMBERED_KEYS:
                plans[key] = check
            return check

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return not typed
            if required and not value.keys() >= required:
                return False
            if (fewest is not None and len(value) < fewest) or (most is not None and len(value) > most):
                return False
            if name is not None and not all(name(key) for key in value):
                return False
            if members:
                known = plans.get
                for key, item in value.items():
                    if not (known(key) or plan(key))(item):
                        return False
            if unevaluated is not None:
                names, searches = unevaluated
                return all(key in names or any(search(key) is not None for search in searches) for key in value)
            return True
        return [check]

    def evaluated(self, schema: Mapping[str, Any]) -> tuple[frozenset[str], list[Callable[[str], Any]]]:
        """The property names and patterns that count as evaluated for `unevaluatedProperties: false`, when they
        can be known without the document: this schema's and those of the `$ref` chain, none of which may use an
        applicator that evaluates properties conditionally (or additionalProperties, which evaluates them all)."""
        names: set[str] = set()
        searches: list[Callable[[str], Any]] = []
        current: Mapping[str, Any] | None = schema
        seen = set()
        while current is not None:
            if current is not schema and (_APPLICATORS_WITH_PROPERTIES & set(current)):
                raise Unsupported("unevaluatedProperties")
            if current is schema and (_APPLICATORS_WITH_PROPERTIES - {"unevaluatedProperties"}) & set(current):
                raise Unsupported("unevaluatedProperties")
            names.update(current.get("properties", {}))
            searches.extend(re.compile(pattern).search for pattern in current.get("patternProperties", {}))
            reference = current.get("$ref")
            if reference is None or reference in seen:
                break
            seen.add(reference)
            current = self.resolve(reference)
        return frozenset(names), searches
