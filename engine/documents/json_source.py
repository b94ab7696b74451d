"""A `.json` file read as JSON, with the same located errors and marks as a YAML file (engine/documents/yaml_source.py).

JSON is nearly a subset of YAML, but not quite: YAML refuses the surrogate pairs `json.dump` writes for an emoji
(`"\\ud83d\\ude00"`) and keys over 1,024 characters, and accepts what JSON does not (a trailing comma, a comment).
So a `.json` profile is parsed by Python's json module, strictly: a key given twice, NaN or Infinity, a number
of more than MAX_NUMBER_DIGITS digits, nesting deeper or values more than the Limits allow are refused, each at
its line and column. The marks a LocatedDocument carries (the line and column of every key and value, for the
messages about a valid JSON document that is not a valid profile) are found by a second, pure-Python pass over
the text, made only when a message needs one: the common, valid file costs json's C parser alone.
"""

from __future__ import annotations

import bisect
import json
import os
from json import decoder as _decoder
from json.scanner import NUMBER_RE
from typing import Any, Callable, Iterator

from .problems import Problem, SourceError
from .yaml_source import _MAX_NUMBER_DIGITS as MAX_NUMBER_DIGITS
from .yaml_source import (
    DEFAULT_LIMITS,
    Limits,
    LocatedDocument,
    PathKey,
    decode_limited,
    parse_yaml_bytes,
    read_limited,
)

_WHITESPACE = " \t\n\r"


scanstring = _decoder.scanstring  # type: ignore[attr-defined]  # json's own string scanner (C when available)


class _Refused(Exception):
    """json.loads met what this module refuses (the locating pass finds where)."""


class DuplicateKey(Exception):
    """A JSON object names one key twice (raised by `unique_keys`): the caller words it with its place."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`object_pairs_hook` for json.loads that refuses a key given twice, as the YAML reader does."""
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise DuplicateKey
    return mapping


def no_json_constant(name: str) -> Any:
    """`parse_constant` for json.loads: NaN and Infinity are not JSON numbers, so they are refused."""
    raise ValueError(f"{name} is not a number JSON allows")


def _number(text: str, convert: Callable[[str], Any]) -> Any:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _Refused
    return convert(text)


def is_json_name(name: str | os.PathLike[str]) -> bool:
    """A file read as JSON (by its name), not as YAML."""
    return str(name).lower().endswith(".json")


def load_data_file(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS,
                   display_name: str | None = None) -> LocatedDocument:
    """Read one data file under `limits`: a .json file as JSON, any other as YAML; SourceError at its place."""
    name = display_name or str(path)
    return parse_data_bytes(read_limited(path, limits, name), name, limits)


def parse_data_bytes(raw: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> LocatedDocument:
    """`raw` as JSON when `name` is a .json file's, else as YAML (which reads JSON too)."""
    if is_json_name(name):
        return parse_json_text(decode_limited(raw, name, limits), name, limits)
    return parse_yaml_bytes(raw, name, limits)


def parse_json_text(text: str, name: str, limits: Limits = DEFAULT_LIMITS) -> LocatedDocument:
    """Parse one JSON document into plain data with (lazily found) marks; raise SourceError at its place."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = json.loads(text, object_pairs_hook=unique_keys, parse_constant=no_json_constant,
                          parse_int=lambda s: _number(s, int), parse_float=lambda s: _number(s, float))
    except json.JSONDecodeError as error:
        if not text.strip():
            raise SourceError(Problem(name, 1, 1, "the file is empty: expected a JSON object")) from None
        if error.pos >= len(text.rstrip()):
            message = f"the JSON stops before it is complete ({error.msg}): the file was cut short"
        else:
            message = f"not valid JSON: {error.msg}"
        raise SourceError(Problem(name, error.lineno, error.colno, message)) from None
    except (_Refused, DuplicateKey, RecursionError, ValueError):
        marks = _Marks(text, limits, name)
        marks.find()  # raises the located problem
        raise SourceError(Problem(name, None, None, "not valid JSON")) from None  # (not reached)
    marks = _Marks(text, limits, name)
    _check_limits(data, limits, name, marks)
    return LocatedDocument(name, data, _LazyMarks(marks, "values"), _LazyMarks(marks, "keys"))


def check_limits(document: LocatedDocument, limits: Limits) -> None:
    """Hold a document `parse_json_text` read under larger limits to `limits` (SourceError at its place)."""
    marks = document.value_marks
    text = marks._marks.text if isinstance(marks, _LazyMarks) else ""
    _check_limits(document.data, limits, document.file, _Marks(text, limits, document.file))


def _check_limits(data: Any, limits: Limits, name: str, marks: "_Marks") -> None:
    """Nesting and value count within `limits` (one iterative walk; the marks only if a limit is passed)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > limits.max_nodes or depth > limits.max_depth:
            marks.find()
            raise SourceError(Problem(name, None, None, "too many values" if count > limits.max_nodes
                                      else "nesting is too deep"))
        if type(value) is dict:
            stack.extend((item, depth + 1) for item in value.values())
        elif type(value) is list:
            stack.extend((item, depth + 1) for item in value)


class _Marks:
    """The pure-Python pass: the position of every key and value by path, and the place of what json refused."""

    def __init__(self, text: str, limits: Limits, name: str = ""):
        self.text, self.limits, self.name = text, limits, name
        self.values: dict[PathKey, tuple[int, int]] = {}
        self.keys: dict[PathKey, tuple[int, int]] = {}
        self.count = 0
        self.done = False
        self._lines: list[int] | None = None

    def where(self, position: int) -> tuple[int, int]:
        if self._lines is None:
            self._lines = [index for index, char in enumerate(self.text) if char == "\n"]
        line = bisect.bisect_left(self._lines, position)
        start = self._lines[line - 1] + 1 if line else 0
        return line + 1, position - start + 1

    def fail(self, position: int, message: str) -> SourceError:
        line, column = self.where(position)
        return SourceError(Problem(self.name, line, column, message))

    def find(self) -> None:
        if self.done:
            return
        self.done = True
        self.value(self.skip(0), (), 0)

    def skip(self, position: int) -> int:
        text = self.text
        while position < len(text) and text[position] in _WHITESPACE:
            position += 1
        return position

    def value(self, position: int, path: PathKey, depth: int) -> int:
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise self.fail(position, f"too many values (the limit is {self.limits.max_nodes:,})")
        if depth > self.limits.max_depth:
            raise self.fail(position, f"nesting is too deep (the limit is {self.limits.max_depth} levels)")
        self.values[path] = self.where(position)
        text = self.text
        char = text[position]
        if char == "{":
            return self.mapping(position, path, depth)
        if char == "[":
            position = self.skip(position + 1)
            index = 0
            if text[position] == "]":
                return position + 1
            while True:
                position = self.skip(self.value(self.skip(position), path + (index,), depth + 1))
                index += 1
                if text[position] == "]":
                    return position + 1
                position += 1  # ","
        if char == '"':
            return scanstring(text, position + 1)[1]
        for constant in ("NaN", "Infinity", "-Infinity"):
            if text.startswith(constant, position):
                raise self.fail(position, f"{constant} is not a number JSON allows")
        found = NUMBER_RE.match(text, position)
        if found is not None:
            if found.end() - position > MAX_NUMBER_DIGITS:
                raise self.fail(position, f"a number of {found.end() - position:,} characters is too long (the "
                                          f"limit is {MAX_NUMBER_DIGITS})")
            return found.end()
        for word in ("true", "false", "null"):
            if text.startswith(word, position):
                return position + len(word)
        raise self.fail(position, "not valid JSON")

    def mapping(self, position: int, path: PathKey, depth: int) -> int:
        text = self.text
        position = self.skip(position + 1)
        if text[position] == "}":
            return position + 1
        seen: dict[str, int] = {}
        while True:
            position = self.skip(position)
            key, end = scanstring(text, position + 1)
            if key in seen:
                first = self.where(seen[key])[0]
                raise self.fail(position, f"duplicate key {key!r} (first at line {first})")
            seen[key] = position
            self.keys[path + (key,)] = self.where(position)
            position = self.skip(self.skip(end) + 1)  # past ":"
            position = self.skip(self.value(position, path + (key,), depth + 1))
            if text[position] == "}":
                return position + 1
            position += 1  # ","


class _LazyMarks(dict[PathKey, tuple[int, int]]):
    """The marks of one kind, found by the pure-Python pass the first time a message asks for one."""

    def __init__(self, marks: _Marks, kind: str):
        super().__init__()
        self._marks, self._kind, self._filled = marks, kind, False

    def _fill(self) -> None:
        if not self._filled:
            self._filled = True
            try:
                self._marks.find()
            except SourceError:
                pass  # (json.loads accepted the text: nothing to refuse here)
            super().update(getattr(self._marks, self._kind))

    def __contains__(self, key: object) -> bool:
        self._fill()
        return super().__contains__(key)

    def __getitem__(self, key: Any) -> Any:
        self._fill()
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._fill()
        return super().get(key, default)

    def __iter__(self) -> Iterator[Any]:
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()
