"""Reading a creator's profile (YAML, JSON or a mapping) into a typed, checked `Profile`.

The profile is typed by hand, so a mistake must surface as a located message, never as a silently wrong number:
a typo like `folowers` would otherwise read as "no followers" and the plan would be confidently wrong. The
contract lives as data in schemas/profile.schema.json and `engine.documents.schema` reports its violations; this module adds
what a schema cannot say well (handles, country codes, strict dates, dates after as_of, integral floats, numbers too
large to print) and what the engine's schema messages would get wrong, and reports every problem at once.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Callable

from advisor.errors import ProfileError
from advisor.profile.model import (
    TIKTOK_LAUNCH,
    TOTAL_FROM_VIDEO,
    Audience,
    Profile,
    Snapshot,
    Video,
    in_window,
    json_form,
)
from advisor.profile.plain_items import check_plain, item_rules
from advisor.values import bracket_problem, country_problem, handle_problem, text_problem
from engine import Problem, SourceError, from_fields
from engine.documents import (
    DEFAULT_LIMITS,
    Limits,
    LocatedDocument,
    closest,
    format_path,
    load_data_file,
    load_schema,
    parse_data_bytes,
    schema_problems,
)

_HUGE = 10**30  # beyond this an integer is reported here: jsonschema's messages would print (or fail on) it whole
_SCHEMA = load_schema("advisor", "profile.schema.json")
_MAX_COUNT = _SCHEMA["$defs"]["count"]["maximum"]
_MAX_SUGGESTIONS = 100  # unknown keys given a did-you-mean in one profile; the rest are named without one
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_profile(path: str | os.PathLike[str], *, as_of: dt.date | None = None,
                 limits: Limits = DEFAULT_LIMITS) -> Profile:
    """Read a YAML or JSON profile file; `as_of` overrides the file's. Raises ProfileError naming file and place."""
    try:
        document = load_data_file(path, limits)  # a .json file as JSON, others as YAML
    except SourceError as error:
        raise ProfileError([error.problem]) from None
    return _check(document, as_of, located=True, limits=limits)


def load_profile_bytes(raw: bytes, name: str, *, as_of: dt.date | None = None,
                       limits: Limits = DEFAULT_LIMITS) -> Profile:
    """Check the bytes of a YAML or JSON profile received otherwise than as a file (an HTTP body, an upload), so
    problems name `name` and the line and column, exactly as `load_profile` names a file's. Raises ProfileError."""
    try:
        document = parse_data_bytes(raw, name, limits)
    except SourceError as error:
        raise ProfileError([error.problem]) from None
    return _check(document, as_of, located=True, limits=limits)


def parse_profile(data: Mapping[str, Any], *, source: str = "<profile>", as_of: dt.date | None = None,
                  limits: Limits = DEFAULT_LIMITS) -> Profile:
    """Check a profile given as a mapping; problems name `source` and the key path (there are no lines). `limits`
    bounds its nesting and its number of values, as for a file (a mapping may even contain itself)."""
    return _check(LocatedDocument(source, data, {}, {}), as_of, located=False, limits=limits)


def profile_from_document(document: LocatedDocument, *, as_of: dt.date | None = None,
                          limits: Limits = DEFAULT_LIMITS) -> Profile:
    """Check a profile already read with its marks (say, a mapping inside a rule-test file), so problems name that
    file's lines; `as_of` overrides the profile's. Raises ProfileError."""
    return _check(document, as_of, located=True, limits=limits)


def _check(document: LocatedDocument, as_of: dt.date | None, located: bool,
           limits: Limits = DEFAULT_LIMITS) -> Profile:
    data = document.data
    if not isinstance(data, Mapping):
        what = "the profile is empty" if data is None else f"the profile is {_word(data)}"
        line, column = document.mark(()) if data is not None or not located else (1, 1)
        raise ProfileError([Problem(document.file, line, column,
                                    f"{what}: expected a mapping with at least 'handle' and 'followers'")])
    checker = _Checker(document, limits)
    copy = checker.walk(data, _SCHEMA, ())
    effective = checker.semantics(data, as_of)  # before the filter below: it adds to checker.own
    found = [p for p in schema_problems(LocatedDocument(document.file, copy, document.value_marks,
                                                        document.key_marks), "advisor", "profile.schema.json",
                                        json_ready=True)
             if p.path not in checker.own and (p.path, p.message) not in checker.misspelt]
    problems = sorted(checker.problems + found, key=lambda p: (p.line or 0, p.column or 0))
    if problems:
        raise ProfileError(problems)
    profile = _build(data, checker.dates, effective, document.file)
    if as_of is None and ("as_of",) not in checker.dates:
        profile = replace(profile, as_of_assumed=True)
    over = [name for name in sorted(profile.derived) if getattr(profile, name) > _MAX_COUNT]
    if over:  # the normalised profile must itself be a valid profile, so a derived total obeys the count limit
        raise ProfileError([document.problem(("videos",), f"the videos of the 30 days before as_of add up to "
                                                          f"{getattr(profile, name):,} for {name}, over the limit "
                                                          f"of {_MAX_COUNT:,}") for name in over])
    return profile


def _word(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true or false",
            int: "a whole number", float: "a number"}.get(type(value), f"a {type(value).__name__}")


_EMPTY: dict[str, Any] = {}


@dataclass(frozen=True)
class _SchemaNode:
    """What the walk needs of one schema node, its `$ref` followed: worked out once per node, not per value."""

    is_date: bool
    type: Any
    properties: dict[str, Any]
    additional: Any
    items: dict[str, Any]
    children: dict[str, tuple[dict[str, Any], _SchemaNode]]  # the named properties: (schema, its node)


_NODES: dict[int, _SchemaNode] = {}
# The lists whose plainly valid items are checked in one pass (the videos, the history), by their schema's id.
_PLAIN_LISTS = {id(schema): rules for schema in _SCHEMA["properties"].values()
                if (rules := item_rules(schema, _SCHEMA["$defs"], _HUGE, _DATE_TEXT)) is not None}


def _node(schema: dict[str, Any]) -> _SchemaNode:
    found = _NODES.get(id(schema))
    if found is None:  # the profile schema is loaded once and lives as long as the process: ids are stable
        target = _SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
        properties = target.get("properties", {})
        found = _NODES[id(schema)] = _SchemaNode(target.get("format") == "date", target.get("type"), properties,
                                                 target.get("additionalProperties"), target.get("items", _EMPTY), {})
        # Filled after the node is remembered: a schema may refer to itself.
        additional = found.additional
        for key, sub in properties.items():
            if key.isascii() and not key.startswith("x-"):
                child = sub or additional or _EMPTY  # as mapping() picks it for any other key
                found.children[key] = (child, _node(child))
    return found


class _Checker:
    """Walks the data beside the schema: reports what the schema cannot, and makes the copy jsonschema sees (no
    annotations or unknown keys, dates as ISO text, no integers too large to print). `own` holds the paths whose
    schema messages are replaced by the ones made here."""

    def __init__(self, document: LocatedDocument, limits: Limits = DEFAULT_LIMITS):
        self.document = document
        self.limits = limits
        self.values = 0
        self.problems: list[Problem] = []
        self.own: set[str] = set()
        self.misspelt: set[tuple[str, str]] = set()
        self.dates: dict[tuple[Any, ...], dt.date] = {}
        self.suggested = 0

    def report(self, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        self.problems.append(self.document.problem(path, message, key=key))
        self.own.add(format_path(path))

    def walk(self, value: Any, schema: dict[str, Any], path: tuple[Any, ...]) -> Any:
        self.values += 1
        if self.values > self.limits.max_nodes:
            if self.values == self.limits.max_nodes + 1:
                self.report(path, f"too many values (the limit is {self.limits.max_nodes:,})")
            return None
        if len(path) > self.limits.max_depth:  # as for a file: the top is level 0
            self.report(path, f"nesting is too deep (the limit is {self.limits.max_depth} levels)")
            return None  # a mapping from a caller may nest without end, or contain itself
        node = _node(schema)
        kind = type(value)
        if node.is_date:
            self.date(value, path)
            return value.isoformat() if isinstance(value, dt.date) else value
        if kind is int and -_HUGE <= value <= _HUGE:  # the common case first: a count
            return value
        if kind is str and value.isascii():  # ASCII text has no lone surrogate
            return value
        if kind is dict or isinstance(value, Mapping):
            return self.mapping(value, node, path)
        if kind is list or isinstance(value, (list, tuple)):
            plain = _PLAIN_LISTS.get(id(schema)) if kind is list else None
            if plain is not None and len(path) + 2 <= self.limits.max_depth:  # its items' values within the limit
                counted = check_plain(value, plain, path, self.values, self.limits.max_nodes, self.dates)
                if counted is not None:  # every item plainly valid (advisor/profile/plain_items.py)
                    self.values = counted
                    return []  # what the schema check is given in its place: nothing in it to check again
            items = node.items
            return [self.walk(item, items, path + (index,)) for index, item in enumerate(value)]
        return self.scalar(value, node.type, path)

    def mapping(self, value: Mapping[Any, Any], node: _SchemaNode, path: tuple[Any, ...]) -> dict[str, Any]:
        properties, additional, named = node.properties, node.additional, node.children
        copy = {}
        for key, item in value.items():
            child = named.get(key) if type(key) is str else None
            if child is not None:  # a key the schema names: plain ASCII, not an annotation (the common case)
                copy[key] = self.walk(item, child[0], path + (key,))
                continue
            if type(key) is not str:
                self.report(path, f"key {key!r} is not text")
            elif not key.isascii() and (problem := text_problem(key)) is not None:
                self.report(path, f"key {ascii(key)} {problem}")
            elif key.startswith("x-"):
                self.walk(item, _EMPTY, path + (key,))  # free, but still finite, printable data
            elif key in properties or type(additional) is dict:
                copy[key] = self.walk(item, properties.get(key) or additional or _EMPTY, path + (key,))
            elif additional is False:
                known = list(properties)
                # A suggestion costs ~0.3 ms: a body of 80,000 unknown keys must not cost half a minute.
                self.suggested += 1
                suggestion = closest(key, known) if self.suggested <= _MAX_SUGGESTIONS else None
                hint = f"; did you mean {suggestion!r}?" if suggestion else f" (known keys: {', '.join(known)})"
                if suggestion is not None and suggestion not in value:
                    # `folowers: 8200` is one mistake: the "missing 'followers'" it causes is not reported again.
                    self.misspelt.add((format_path(path), f"missing required key {suggestion!r}"))
                self.report(path + (key,), f"unknown key {key!r}{hint}", key=True)
            else:
                copy[key] = self.walk(item, _EMPTY, path + (key,))
        return copy

    def scalar(self, value: Any, kind: Any, path: tuple[Any, ...]) -> Any:
        if isinstance(value, str) and (problem := text_problem(value)) is not None:
            self.report(path, problem)
            return ""
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, int):
            if abs(value) > _HUGE:
                digits = len(str(value)) if value.bit_length() < 14_000 else "more than 4,000"
                self.report(path, f"a number with {digits} digits is too large")
                return 0
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self.report(path, f"expected a finite number, got {value!r}")
            elif kind == "integer" and value.is_integer():
                self.report(path, f"expected a whole number, got a number ({value!r})")
            return value if math.isfinite(value) else 0
        if isinstance(value, dt.date):
            if kind == "string":
                self.report(path, f"expected text, got a date ({value.isoformat()}): put it in quotes")
            return value.isoformat()
        self.report(path, f"unsupported value of type {type(value).__name__}")
        return None

    def date(self, value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            self.dates[path] = value
            return
        if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
            try:
                self.dates[path] = dt.date.fromisoformat(value)
                return
            except ValueError:
                pass
        shown = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else repr(value)
        self.report(path, f"expected a date written YYYY-MM-DD, got {shown}")

    def semantics(self, data: Mapping[str, Any], as_of: dt.date | None) -> dt.date:
        """The checks of single values the schema words badly, and of dates against as_of; returns as_of."""
        checks: tuple[tuple[str, Callable[[str], str | None]], ...] = (("handle", handle_problem),
                                                                       ("country", country_problem))
        for key, message in checks:
            if isinstance(data.get(key), str) and (text := message(data[key])):
                self.report((key,), text)
        audience = data.get("audience")
        if isinstance(audience, Mapping):
            for name, message in (("top_countries", country_problem), ("age_brackets", bracket_problem)):
                shares = audience.get(name)
                if isinstance(shares, Mapping):
                    self.own.add(format_path(("audience", name)))  # schema's propertyNames message is replaced
                    for key in shares:
                        if isinstance(key, str) and (text := message(key)):
                            self.report(("audience", name, key), text, key=True)
                    numbers = [v for v in shares.values() if isinstance(v, (int, float)) and math.isfinite(v)]
                    if sum(numbers) > 1.000001:
                        self.report(("audience", name),
                                    f"the shares add up to {sum(numbers):g}; they can add up to 1 at most")
        if as_of is not None:
            as_of = as_of.date() if isinstance(as_of, dt.datetime) else as_of
            where = "given by the caller"
        else:
            as_of, where = self.dates.get(("as_of",), dt.date.today()), "as_of"
        if as_of < TIKTOK_LAUNCH:
            problem = f"{as_of.isoformat()} is before TikTok's launch ({TIKTOK_LAUNCH.isoformat()})"
            if where == "as_of" and ("as_of",) in self.dates:
                self.report(("as_of",), problem)
            else:
                self.problems.append(Problem(self.document.file, None, None, f"{problem} ({where})", path="as_of"))
        for path, day in self.dates.items():
            if path != ("as_of",) and day > as_of:
                self.report(path, f"{day.isoformat()} is after as_of ({as_of.isoformat()})")
        return as_of


def _build(data: Mapping[str, Any], dates: dict[tuple[Any, ...], dt.date], as_of: dt.date, source: str) -> Profile:
    """The Profile of checked data, with 30-day totals derived from the videos where the profile gave none."""
    notes = _annotations
    videos = None if "videos" not in data else tuple(
        _video(item, dates[("videos", i, "posted")]) for i, item in enumerate(data["videos"]))
    history = None if "history" not in data else tuple(
        Snapshot(date=dates[("history", i, "date")], annotations=notes(item),
                 **{k: v for k, v in item.items() if k in ("followers", "views_30d")})
        for i, item in enumerate(data["history"]))
    audience = None
    if "audience" in data:
        given = data["audience"]
        audience = Audience(annotations=notes(given), **{
            k: {key: float(share) for key, share in v.items()} for k, v in given.items() if not k.startswith("x-")})
    plain = {k: v for k, v in data.items()
             if not k.startswith("x-") and k not in ("videos", "history", "audience", "as_of", "joined")}
    totals: dict[str, int] = {}
    if videos is not None:  # 30-day totals the profile did not give, from the videos of the window
        recent = in_window(videos, as_of)
        for total, name in TOTAL_FROM_VIDEO.items():
            counts = [getattr(video, name) for video in recent]
            if plain.get(total) is None and None not in counts:
                totals[total] = sum(counts)
        if plain.get("posts_30d") is None:
            totals["posts_30d"] = len(recent)
    return Profile(as_of=as_of, joined=dates.get(("joined",)), videos=videos, history=history, audience=audience,
                   annotations=notes(data), source=source, derived=frozenset(totals), **{**plain, **totals})


_VIDEO_DEFAULTS = {f.name: f.default for f in fields(Video) if f.name not in ("posted", "annotations")}


def _video(item: Mapping[str, Any], posted: dt.date) -> Video:
    """A Video of a checked item, built from its field values at once (engine.frozen): a profile may list hundreds
    of videos. Equal to Video(**...)."""
    values = {"posted": posted, **_VIDEO_DEFAULTS}
    values.update(item)  # the fields keep their order; annotations (x-..., the only other keys) come after them
    annotations = {}
    if len(values) > _VIDEO_DATA_FIELDS:
        annotations = {key: json_form(values.pop(key)) for key in list(values)[_VIDEO_DATA_FIELDS:]}
    values["posted"] = posted
    if "duration_s" in item:
        values["duration_s"] = float(item["duration_s"])
    values["annotations"] = annotations
    return from_fields(Video, values)


_VIDEO_DATA_FIELDS = 1 + len(_VIDEO_DEFAULTS)  # posted and the fields with defaults: all but annotations


def _annotations(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: json_form(value) for key, value in mapping.items() if key.startswith("x-")}
