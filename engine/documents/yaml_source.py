"""Safe, bounded YAML (and JSON) loading that remembers where every value stood in the file.

Rule files and profiles are written by people, so an error must point at the line and column of the offending
node, not at a Python traceback. PyYAML's composer gives every node a mark; this module builds plain Python data
from the node graph itself, recording the mark of each value and each mapping key by its path, and enforcing the
limits that keep hostile input harmless: file size, nesting depth, total nodes (alias bombs), safe tags only,
no duplicate keys. Booleans follow YAML 1.2 (`true`/`false` only) so a country code such as `NO` stays a string.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from .problems import Problem, SourceError

PathKey = tuple[Any, ...]

_PLAIN_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null",
                                                                        "timestamp"))


@dataclass(frozen=True)
class Limits:
    """Bounds on one input file. Defaults fit any honest rule file or profile by a wide margin."""

    max_bytes: int = 10 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 500_000


DEFAULT_LIMITS = Limits()


# libyaml's parser when PyYAML was built with it (about ten times faster than the pure-Python one; rule packs are
# parsed at every start of the command), else the pure-Python parser. Both give the same nodes and marks.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Yaml12Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader whose booleans are YAML 1.2's: `yes`, `no`, `on`, `off` stay strings."""


_REPLACED_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float")}
_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# YAML 1.2 numbers: `0123` is not octal and `1:30` is not 90; JSON's `1e5` is a number.
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
_MAX_NUMBER_DIGITS = 40


class _RoundTripDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """SafeDumper that quotes any text this module's loader, or YAML 1.1's, would read as something else (`1e5`,
    `0123`, `yes`, `2024-01-01`...), so what it writes reads back as it was."""


_RoundTripDumper.yaml_implicit_resolvers = {
    first: [*yaml.SafeDumper.yaml_implicit_resolvers.get(first, []),
            *_Yaml12Loader.yaml_implicit_resolvers.get(first, [])]
    for first in {*yaml.SafeDumper.yaml_implicit_resolvers, *_Yaml12Loader.yaml_implicit_resolvers}
}


def dump_yaml(data: Any, **options: Any) -> str:
    """`data` (plain data) as YAML that `parse_yaml_text` reads back equal: no text turned into a number, a truth
    value or a date. `options` are yaml.dump's (sort_keys, width...)."""
    return yaml.dump(data, Dumper=_RoundTripDumper, allow_unicode=True, **options)


def format_path(path: Sequence[Any]) -> str:
    """('rules', 3, 'when', 'all', 1) -> 'rules[3].when.all[1]'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


@dataclass
class LocatedDocument:
    """Data loaded from one file, with the line and column (1-based) of every value and key by path."""

    file: str
    data: Any
    value_marks: dict[PathKey, tuple[int, int]]
    key_marks: dict[PathKey, tuple[int, int]]

    def mark(self, path: Sequence[Any], key: bool = False) -> tuple[int | None, int | None]:
        """The position of the node at `path` (its key, when `key` and the node is a mapping entry), or of its
        nearest ancestor that has one."""
        current = tuple(path)
        while True:
            if key and current in self.key_marks:
                return self.key_marks[current]
            if current in self.value_marks:
                return self.value_marks[current]
            if not current:
                return (None, None)
            current = current[:-1]

    def problem(self, path: Sequence[Any], message: str, *, rule: str | None = None, key: bool = False,
                shown_path: Sequence[Any] | None = None, severity: str = "error") -> Problem:
        """A Problem located at `path` in this file; `shown_path` is the breadcrumb printed (default `path`)."""
        line, column = self.mark(path, key=key)
        return Problem(self.file, line, column, message, rule=rule,
                       path=format_path(path if shown_path is None else shown_path), severity=severity)


def load_yaml_file(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS,
                   display_name: str | None = None) -> LocatedDocument:
    """Read and parse one YAML or JSON file under `limits`; raise SourceError naming the file and place."""
    name = display_name or str(path)
    return parse_yaml_bytes(read_limited(path, limits, name), name, limits)


def read_limited(path: str | os.PathLike[str], limits: Limits, name: str) -> bytes:
    """The bytes of one file of at most `limits.max_bytes`; SourceError naming the file when it cannot be read."""
    try:
        size = os.stat(path).st_size
        if size > limits.max_bytes:
            raise SourceError(Problem(name, None, None,
                                      f"file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes"))
        raw = Path(path).read_bytes()
    except SourceError:
        raise
    except IsADirectoryError:
        raise SourceError(Problem(name, None, None, "is a folder, not a file")) from None
    except FileNotFoundError:
        raise SourceError(Problem(name, None, None, "file not found")) from None
    except OSError as error:
        raise SourceError(Problem(name, None, None, f"cannot read the file: {error.strerror or error}")) from None
    except (ValueError, TypeError) as error:  # a name with a NUL character, or not a name at all
        raise SourceError(Problem(name, None, None, f"cannot read the file: {error}")) from None
    return raw


def parse_yaml_bytes(raw: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> LocatedDocument:
    """Decode UTF-8 (a byte-order mark is allowed) and parse; see `parse_yaml_text`."""
    return parse_yaml_text(decode_limited(raw, name, limits), name, limits)


def decode_limited(raw: bytes, name: str, limits: Limits) -> str:
    """The text of at most `limits.max_bytes` of UTF-8 (a byte-order mark is allowed), or SourceError at the bad
    byte."""
    if len(raw) > limits.max_bytes:
        raise SourceError(Problem(name, None, None,
                                  f"input is {len(raw):,} bytes; the limit is {limits.max_bytes:,} bytes"))
    wide = wide_encoding_problem(raw)
    if wide is not None:
        raise SourceError(Problem(name, 1, 1, wide))  # the whole file; its first byte already says so
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"not valid UTF-8 text (byte 0x{raw[error.start]:02x}){legacy_encoding_hint(raw, error.start)}"
        raise SourceError(Problem(name, line, column, message)) from None


SAVE_AS_UTF8 = ("save it as UTF-8 (Notepad: File > Save as, Encoding: UTF-8; TextEdit: Format > Make Plain Text, "
                "then save as Unicode (UTF-8); Excel: Save as CSV UTF-8)")


def wide_encoding_problem(raw: bytes) -> str | None:
    """What to say when the bytes are UTF-16 or UTF-32 text (a byte-order mark, or the zero bytes every second
    character of Latin text has in UTF-16), else None. UTF-8 text of any language has no zero bytes."""
    encoding = _wide_encoding(raw)
    return None if encoding is None else f"the file is {encoding} text, not UTF-8; {SAVE_AS_UTF8}"


def _wide_encoding(raw: bytes) -> str | None:
    for mark, encoding in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                           (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if raw.startswith(mark):
            return encoding
    head = raw[:200]
    if len(head) >= 4 and (head[1::2].count(0) >= len(head) // 2 * 0.9 or head[0::2].count(0) >= len(head) // 2 * 0.9):
        return "UTF-16"
    return None


def legacy_encoding_hint(raw: bytes, position: int) -> str:
    """When bytes that are not UTF-8 read whole as Windows-1252 (what Excel and Notepad write in Western Europe):
    ': it looks like Windows-1252 ... text, where that byte is 'é'; save it as UTF-8 (...)'; else ''."""
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    character = bytes([raw[position]]).decode("cp1252")
    return f": it looks like Windows-1252 (Western European) text, where that byte is {character!r}; {SAVE_AS_UTF8}"


def parse_yaml_text(text: str, name: str, limits: Limits = DEFAULT_LIMITS) -> LocatedDocument:
    """Parse one YAML document (JSON is accepted too) into plain data with marks."""
    if "\x00" in text:
        position = text.index("\x00")
        line = text.count("\n", 0, position) + 1
        raise SourceError(Problem(name, line, position - text.rfind("\n", 0, position), "contains a NUL character"))
    try:
        node = yaml.compose(text, Loader=_Yaml12Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = error.problem or error.context or "malformed YAML"
        message = f"malformed YAML: {detail}"
        if "nesting depth" in detail:  # libyaml stops at 1,000 levels, before our own limit is reached
            message = f"nesting is too deep (the limit is {limits.max_depth} levels)"
        raise SourceError(Problem(name, mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                                  message)) from None
    except yaml.YAMLError as error:
        raise SourceError(Problem(name, None, None, f"malformed YAML: {error}")) from None
    except RecursionError:
        raise SourceError(Problem(name, None, None,
                                  f"nesting is too deep (the limit is {limits.max_depth} levels)")) from None
    document = LocatedDocument(name, None, {}, {})
    if node is None:
        return document
    builder = _Builder(document, limits)
    document.data = builder.build(node, (), 0)
    return document


class _Builder:
    """Turns a composed node graph into plain data, recording marks and enforcing the limits."""

    def __init__(self, document: LocatedDocument, limits: Limits):
        self.document = document
        self.limits = limits
        self.nodes = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, message: str) -> SourceError:
        mark = node.start_mark
        return SourceError(Problem(self.document.file, mark.line + 1, mark.column + 1, message))

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self.fail(node, f"too many values (the limit is {self.limits.max_nodes:,}); "
                                  "is this an alias bomb?")
        if depth > self.limits.max_depth:
            raise self.fail(node, f"nesting is too deep (the limit is {self.limits.max_depth} levels)")
        self.document.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            self.check_tag(node, "tag:yaml.org,2002:seq")
            return [self.build(child, path + (index,), depth + 1) for index, child in enumerate(node.value)]
        self.check_tag(node, "tag:yaml.org,2002:map")
        assert isinstance(node, yaml.MappingNode)  # the composer builds scalars, sequences and mappings only
        return self.mapping(node, path, depth)

    def check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            raise self.fail(node, f"unsupported YAML tag {node.tag!r}: only plain data is allowed")

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag.endswith((":int", ":float")) and len(node.value) > _MAX_NUMBER_DIGITS:
            raise self.fail(node, f"a number of {len(node.value):,} characters is too long "
                                  f"(the limit is {_MAX_NUMBER_DIGITS})")
        if node.tag not in _PLAIN_SCALAR_TAGS:
            raise self.fail(node, f"unsupported YAML tag {node.tag!r}: only plain data is allowed")
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            if node.tag.endswith(":timestamp"):
                raise self.fail(node, f"{node.value!r} is not a valid date ({error}): write YYYY-MM-DD") from None
            raise self.fail(node, f"cannot read the value {node.value!r}: {error}") from None
        if isinstance(value, bytes):
            raise self.fail(node, "binary values are not allowed")
        return value

    def mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "merge keys (<<) are not supported: write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be a plain name, not a list or mapping")
            # Keys are names: keep their text even when YAML would read `NO`, `1` or `2024-01-01` as another type.
            key = key_node.value if key_node.tag != "tag:yaml.org,2002:null" else ""
            if key in result:
                first = self.document.key_marks.get(path + (key,), (None, None))
                raise self.fail(key_node, f"duplicate key {key!r} (first at line {first[0]})")
            self.document.key_marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result
