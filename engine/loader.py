"""Reading rule packs from folders: files -> schema check -> typed model, with every problem located.

A pack is a folder of YAML files (sub-folders are not read). Several folders may be given: each later one is an
overlay that adds rules and thresholds and replaces those with the same id or name, so an agency keeps its own
changes in its own folder across upgrades. Problems of every file are gathered before anything is raised.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from .documents.schema import schema_errors
from .documents.yaml_source import DEFAULT_LIMITS, Limits, LocatedDocument, load_yaml_file
from .errors import Problem, SourceError
from .labels import NO_LABELS, Labels
from .model import (
    Advice,
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    NotOf,
    Origin,
    PackInfo,
    Rule,
    Threshold,
    ThresholdEntry,
    ThresholdRef,
    member_span,
)

RULE_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadedPacks:
    """The merged content of one or more pack folders, before semantic checks."""

    infos: list[PackInfo] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    replaced: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, name, overlay folder)
    # (kind, name, overlay folder) -> the definition that overlay replaced, for lint and rule tests to compare.
    previous: dict[tuple[str, str, str], Rule | Threshold] = field(default_factory=dict)
    labels: Labels = NO_LABELS  # every folder's labels, a later folder's winning key by key
    # Where each fact label (facts or values) was written, for the check that it names a known fact.
    label_sites: list[tuple[str, LocatedDocument, tuple[Any, ...]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Names defined by parts that failed the schema: not reported again as unknown where they are used.
    broken_names: set[str] = field(default_factory=set)


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a pack folder, in name order (deterministic across machines)."""
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and path.suffix in RULE_FILE_SUFFIXES and not path.name.startswith("."))


def read_packs(folders: Sequence[str | os.PathLike[str]], limits: Limits = DEFAULT_LIMITS) -> LoadedPacks:
    """Read every folder in order, merging overlays; problems are collected, not raised."""
    loaded = LoadedPacks()
    for index, folder in enumerate(folders):
        folder = Path(folder)
        if not folder.is_dir():
            loaded.problems.append(Problem(str(folder), None, None, "rule pack folder not found"))
            continue
        files = rule_files(folder)
        if not files:
            loaded.problems.append(Problem(str(folder), None, None, "rule pack folder has no .yaml files"))
            continue
        _read_folder(folder, files, index > 0, loaded, limits)
    return loaded


def _read_folder(folder: Path, files: list[Path], is_overlay: bool, loaded: LoadedPacks, limits: Limits) -> None:
    info = PackInfo(name=folder.name, folder=str(folder))
    rules: dict[str, Rule] = {}
    thresholds: dict[str, Threshold] = {}
    for path in files:
        try:
            document = load_yaml_file(path, limits)
        except SourceError as error:
            loaded.problems.append(error.problem)
            continue
        builder = _FileReader(document, info.name)
        found = builder.read()
        loaded.problems.extend(builder.problems)
        loaded.broken_names |= builder.broken_names
        if found.labels is not None:
            loaded.labels = loaded.labels.merged(found.labels)
            loaded.label_sites.extend((name, document, ("labels", part, name))
                                      for part in ("facts", "values") for name in getattr(found.labels, part))
        if found.info is not None:
            info = PackInfo(found.info.name, found.info.version, found.info.description, str(folder),
                            found.info.host_reads)
        for rule in found.rules:
            if rule.id in rules:
                first = rules[rule.id].origin
                where = f"{first.document.file}:{first.document.mark(first.path)[0]}" if first else "?"
                assert rule.origin is not None  # every rule read from a file has one
                loaded.problems.append(document.problem(rule.origin.path + ("id",), f"duplicate rule id {rule.id!r}"
                                                        f" (first defined at {where})", rule=rule.id,
                                                        shown_path=("id",)))
            rules[rule.id] = rule
        for threshold in found.thresholds:
            if threshold.name in thresholds:
                assert threshold.origin is not None  # every threshold read from a file has one
                loaded.problems.append(document.problem(
                    threshold.origin.path, f"threshold {threshold.name!r} is defined in two files of this pack",
                    key=True))
            thresholds[threshold.name] = threshold
    loaded.infos.append(info)
    for rule_id, rule in rules.items():
        if is_overlay and rule_id in loaded.rules:
            loaded.replaced.append(("rule", rule_id, str(folder)))
            loaded.previous[("rule", rule_id, str(folder))] = loaded.rules[rule_id]
        loaded.rules[rule_id] = rule
    for name, threshold in thresholds.items():
        if is_overlay and name in loaded.thresholds:
            loaded.replaced.append(("threshold", name, str(folder)))
            loaded.previous[("threshold", name, str(folder))] = loaded.thresholds[name]
        loaded.thresholds[name] = threshold


@dataclass
class _FileContent:
    info: PackInfo | None = None
    rules: list[Rule] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    labels: Labels | None = None


class _FileReader:
    """Builds the model objects of one file; structural problems the schema cannot express are reported here."""

    def __init__(self, document: LocatedDocument, pack_name: str):
        self.document = document
        self.pack_name = pack_name
        self.problems: list[Problem] = []
        self.broken_names: set[str] = set()

    def rule_context(self, path: tuple[Any, ...]) -> tuple[str | None, tuple[Any, ...]]:
        data = self.document.data
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            try:
                rule_id = data["rules"][path[1]].get("id")
            except (AttributeError, IndexError, KeyError, TypeError):
                rule_id = None
            if isinstance(rule_id, str):
                return rule_id, path[2:]
        return None, path

    def read(self) -> _FileContent:
        content = _FileContent()
        data = self.document.data
        if data is None:
            self.problems.append(self.document.problem((), "the file is empty: expected a mapping with "
                                                           "'rules' and/or 'thresholds'"))
            return content
        broken: set[tuple[Any, ...]] = set()
        for path, problem in schema_errors(self.document, "engine", "rule_file.schema.json", self.rule_context):
            self.problems.append(problem)
            broken.add(path[:2])
        if any(len(part) < 2 or part[0] == "pack" for part in broken):
            return content  # the file's shape itself is wrong: nothing in it can be trusted
        if "pack" in data:
            pack = data["pack"]
            content.info = PackInfo(pack["name"], str(pack.get("version", "")), pack.get("description", ""),
                                    host_reads=tuple(pack.get("host_reads", ())))
            self.pack_name = pack["name"]
        if "labels" in data and not any(part[0] == "labels" for part in broken):
            raw_labels = data["labels"]
            content.labels = Labels(dict(raw_labels.get("facts", {})), dict(raw_labels.get("operators", {})),
                                    {fact: dict(words) for fact, words in raw_labels.get("values", {}).items()})
        for name, raw in data.get("thresholds", {}).items():
            if ("thresholds", name) in broken:
                self.broken_names.add(name)
                continue
            content.thresholds.append(self.threshold(name, raw, ("thresholds", name)))
        for index, raw in enumerate(data.get("rules", [])):
            if ("rules", index) in broken:
                then = raw.get("then") if isinstance(raw, dict) else None
                asserted = then.get("assert") if isinstance(then, dict) else None
                self.broken_names.update(asserted if isinstance(asserted, dict) else ())
                continue
            rule = self.rule(raw, ("rules", index))
            if rule is not None:
                content.rules.append(rule)
        return content

    def threshold(self, name: str, raw: dict[str, Any], path: tuple[Any, ...]) -> Threshold:
        if "members" in raw:
            return self.member_list(name, raw, path)
        countries = tuple((code, self.entry(entry, path + ("countries", code)))
                          for code, entry in sorted(raw.get("countries", {}).items()))
        return Threshold(name, self.entry(raw, path), countries, raw.get("description"), raw.get("unit"),
                         Origin(self.document, path), replace_whole=raw.get("replace") == "whole")

    def member_list(self, name: str, raw: dict[str, Any], path: tuple[Any, ...]) -> Threshold:
        """A list whose members have their own dates and sources: the list is in force from its first member's
        start to its last member's end (unbounded where some member is)."""
        members = tuple((str(key), self.entry(entry, path + ("members", key), value=str(key)))
                        for key, entry in raw["members"].items())
        first, last = member_span(members)
        base = ThresholdEntry(value=tuple(key for key, _ in members), source=str(raw["source"]),
                              as_of=_required_date(raw["as_of"]), valid_from=first, valid_until=last, note=raw.get("note"),
                              url=raw.get("url"))
        return Threshold(name, base, (), raw.get("description"), raw.get("unit"), Origin(self.document, path),
                         members)

    def entry(self, raw: dict[str, Any], path: tuple[Any, ...], value: Any = None) -> ThresholdEntry:
        entry = ThresholdEntry(
            value=_freeze(raw["value"]) if value is None else value, source=str(raw["source"]),
            as_of=_required_date(raw["as_of"]),
            valid_from=_date(raw.get("valid_from")), valid_until=_date(raw.get("valid_until")),
            note=raw.get("note"), url=raw.get("url"),
            earlier=tuple(self.entry(item, path + ("earlier", i)) for i, item in enumerate(raw.get("earlier", []))))
        if entry.valid_from and entry.valid_until and entry.valid_until <= entry.valid_from:
            self.problems.append(self.document.problem(path + ("valid_until",),
                                                       "valid_until must be after valid_from"))
        return entry

    def rule(self, raw: dict[str, Any], path: tuple[Any, ...]) -> Rule | None:
        rule_id = raw["id"]
        when = self.condition(raw["when"], path + ("when",), rule_id, path)
        then = raw.get("then", {})
        asserts = tuple((name, ThresholdRef(value["threshold"]) if isinstance(value, dict) else value)
                        for name, value in then.get("assert", {}).items())
        advice = None
        if "advice" in then:
            advice = Advice(then["advice"]["title"], then["advice"]["text"],
                            tuple(then["advice"].get("because", [])))
        if when is None:
            return None
        return Rule(id=rule_id, category=raw["category"], when=when, priority=raw.get("priority", 50),
                    gate=raw.get("gate"), title=raw.get("title"), description=raw.get("description"),
                    note=raw.get("note"), asserts=asserts, advice=advice, pack=self.pack_name,
                    origin=Origin(self.document, path), historical=bool(raw.get("historical", False)))

    def fail(self, path: tuple[Any, ...], rule_path: tuple[Any, ...], rule_id: str, message: str) -> None:
        self.problems.append(self.document.problem(path, message, rule=rule_id,
                                                   shown_path=path[len(rule_path):]))

    def condition(self, raw: dict[str, Any], path: tuple[Any, ...], rule_id: str,
                  rule_path: tuple[Any, ...]) -> Condition | None:
        groups: list[str] = [key for key in ("all", "any", "not") if key in raw]
        leaf_keys: list[str] = [key for key in ("fact", "op", "value", "threshold", "scope") if key in raw]
        if len(groups) + (1 if leaf_keys else 0) != 1:
            self.fail(path, rule_path, rule_id, "a condition is exactly one of {fact, op, value|threshold}, "
                      "{all: [...]}, {any: [...]} or {not: ...}; this one mixes "
                      + ", ".join(groups + leaf_keys))
            return None
        if groups:
            kind = groups[0]
            if kind == "not":
                inner = self.condition(raw["not"], path + ("not",), rule_id, rule_path)
                return NotOf(inner) if inner is not None else None
            items = [self.condition(item, path + (kind, i), rule_id, rule_path) for i, item in enumerate(raw[kind])]
            conditions = tuple(item for item in items if item is not None)
            if len(conditions) != len(items):
                return None
            return AllOf(conditions) if kind == "all" else AnyOf(conditions)
        return self.leaf(raw, path, rule_id, rule_path)

    def leaf(self, raw: dict[str, Any], path: tuple[Any, ...], rule_id: str,
             rule_path: tuple[Any, ...]) -> Leaf | None:
        for key in ("fact", "op"):
            if key not in raw:
                self.fail(path, rule_path, rule_id, f"a comparison needs {key!r}")
                return None
        op = raw["op"]
        has_value, has_threshold = "value" in raw, "threshold" in raw
        if op == "exists":
            if has_value or has_threshold:
                self.fail(path, rule_path, rule_id, "'exists' takes no value or threshold")
                return None
            return Leaf(raw["fact"], op, origin=Origin(self.document, path), scope=bool(raw.get("scope", False)))
        if has_value == has_threshold:
            self.fail(path, rule_path, rule_id, f"{op!r} needs exactly one of 'value' or 'threshold'")
            return None
        threshold = raw.get("threshold")
        value = raw.get("value")
        if isinstance(threshold, list):
            if op != "between":
                self.fail(path + ("threshold",), rule_path, rule_id,
                          f"a list of two thresholds is only for 'between', not {op!r}")
                return None
            threshold = tuple(threshold)
        elif op == "between" and has_threshold:
            self.fail(path + ("threshold",), rule_path, rule_id,
                      "'between' takes two thresholds: threshold: [low_name, high_name]")
            return None
        if has_value:
            if op in ("in", "between") and not isinstance(value, list):
                self.fail(path + ("value",), rule_path, rule_id,
                          f"{op!r} takes a list" + (" [low, high]" if op == "between" else ""))
                return None
            if op not in ("in", "between") and isinstance(value, list):
                self.fail(path + ("value",), rule_path, rule_id, f"{op!r} takes one value, not a list")
                return None
            if op == "between" and isinstance(value, list) and len(value) != 2:
                self.fail(path + ("value",), rule_path, rule_id, "'between' takes exactly two values [low, high]")
                return None
            value = _freeze(value)
        return Leaf(raw["fact"], op, value, threshold, Origin(self.document, path), bool(raw.get("scope", False)))


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, str):
        try:
            if len(value) == 10 and value[4] == "-" and value[7] == "-":
                return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _required_date(value: Any) -> dt.date:
    """A date the schema requires (so present): the loader reaches it only after the schema check passed."""
    found = _date(value)
    assert found is not None
    return found


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def iter_folders(folders: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[Path]:
    """Accept one folder or several."""
    if isinstance(folders, (str, os.PathLike)):
        return [Path(folders)]
    return [Path(folder) for folder in folders]
