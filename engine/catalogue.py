"""A rule pack as a Markdown catalogue, for the domain experts who check it rather than the engine that runs it.

The catalogue lists the gates with every requirement and the provenance of each threshold, every rule in plain
words ("When `temperature` is at most 2 (threshold ...), then it asserts ... and advises: *...*"), grouped by
category in firing order, and every threshold with all its values, sources and dates. Output is CommonMark with
GitHub-style tables, and deterministic: the same pack gives byte-identical text (no clock, no absolute paths).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .explain import show
from .labels import OPERATOR_WORDS
from .model import AllOf, AnyOf, Condition, Leaf, NotOf, Rule, Threshold, ThresholdEntry, ThresholdRef, leaves
from .pack import RulePack

_WORDS = {"==": "is", "!=": "is not", "<": "is below", "<=": "is at most", ">": "is above", ">=": "is at least",
          "in": "is one of", "between": "is between", "exists": "is known"}
_NEGATED_WORDS = {"==": "is not", "!=": "is", "<": "is not below", "<=": "is not at most", ">": "is not above",
                  ">=": "is not at least", "in": "is not one of", "between": "is not between",
                  "exists": "is not known"}
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
NONE = "—"


# -- Markdown primitives ------------------------------------------------------------------------------------------
def _esc(text: Any) -> str:
    """Plain text as one line of inline Markdown: whitespace collapsed, markup characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _para(text: str) -> str:
    """Escaped text that is safe at the start of a block (no accidental heading, list or quote)."""
    line = _esc(text)
    if re.match(r"[#+\-=>]|\d+[.)]", line):
        line = re.sub(r"^(\d+)([.)])", r"\1\\\2", line) if line[0].isdigit() else "\\" + line
    return line


def _code(text: str) -> str:
    text = " ".join(str(text).split())
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _url(url: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in "<>| \\" or ord(c) < 33 else c for c in url)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        assert len(row) == len(headers)
        lines.append("| " + " | ".join(cell or NONE for cell in row) + " |")
    return lines + [""]


def _value(value: Any, quote: bool = False) -> str:
    """A value as the rule file writes it (`true`, not the reports' "yes": this catalogue is for rule authors);
    with `quote`, strings in quotes (so a sentence shows where they end)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"  # every digit the file gives: an author checks the exact threshold here
    if isinstance(value, tuple):
        return ", ".join(_value(item, quote) for item in value)
    if isinstance(value, str) and quote:
        return f'"{_esc(value)}"'
    return _esc(show(value))


def _window(entry: ThresholdEntry) -> str:
    parts = []
    if entry.valid_from is not None:
        parts.append(f"from {entry.valid_from.isoformat()}")
    if entry.valid_until is not None:
        parts.append(f"until {entry.valid_until.isoformat()}")
    return " ".join(parts)


def _source(entry: ThresholdEntry) -> str:
    return f"[{_esc(entry.source)}](<{_url(entry.url)}>)" if entry.url else _esc(entry.source)


def _threshold_link(name: str) -> str:
    return f"[{_code(name)}](#threshold-{name})"


def _rule_link(rule_id: str) -> str:
    return f"[{_code(rule_id)}](#rule-{rule_id})"


def _title(rule: Rule) -> str:
    """A rule's title as written, or its id when there is none or it is a template to fill in."""
    if not rule.title or "{{" in rule.title or "{%" in rule.title:
        return _code(rule.id)
    return _esc(rule.title)


def _where(rule: Rule) -> str:
    if rule.origin is None:
        return NONE
    file = Path(rule.origin.document.file)
    return _code(f"{file.parent.name}/{file.name}:{rule.origin.document.mark(rule.origin.path)[0]}")


# -- conditions in words -----------------------------------------------------------------------------------------
def _leaf_words(leaf: Leaf, pack: RulePack, negated: bool, notes: bool) -> str:
    verb = (_NEGATED_WORDS if negated else _WORDS)[leaf.op]
    if leaf.op == "exists":
        return f"{_code(leaf.fact)} {verb}"
    thresholds = [pack.thresholds[name] for name in leaf.threshold_names() if name in pack.thresholds]
    right: Any = leaf.value
    if leaf.threshold is not None:
        values = tuple(threshold.base.value for threshold in thresholds)
        right = values if isinstance(leaf.threshold, tuple) else values[0]
    if leaf.op == "between":
        text = f"{_code(leaf.fact)} {verb} {_value(right[0], True)} and {_value(right[1], True)}"
    else:
        text = f"{_code(leaf.fact)} {verb} {_value(right, True)}"
    if notes and thresholds:
        text += " (" + "; ".join(_threshold_note(threshold) for threshold in thresholds) + ")"
    return text


def _threshold_note(threshold: Threshold) -> str:
    base = threshold.base
    parts = [f"threshold {_threshold_link(threshold.name)}: {_esc(base.source)}, {base.as_of.isoformat()}"]
    if _window(base):
        parts[0] += f", {_window(base)}"
    parts += [f"{code}: {_value(entry.value)}" for code, entry in threshold.countries]
    parts += [f"earlier {_value(entry.value)} {_window(entry)}" for entry in base.earlier]
    return "; ".join(parts)


def _words(condition: Condition, pack: RulePack, notes: bool = True, nested: bool = False) -> str:
    if isinstance(condition, Leaf):
        return _leaf_words(condition, pack, False, notes)
    if isinstance(condition, NotOf):
        inner = condition.item
        if isinstance(inner, Leaf):
            return _leaf_words(inner, pack, True, notes)
        if isinstance(inner, NotOf):
            return _words(inner.item, pack, notes, nested)
        items = [_words(item, pack, notes, True) for item in inner.items]
        if isinstance(inner, AnyOf):
            return f"neither {items[0]} nor {items[1]}" if len(items) == 2 else f"none of ({' or '.join(items)})"
        return f"not both {items[0]} and {items[1]}" if len(items) == 2 else f"not all of ({' and '.join(items)})"
    items = [_words(item, pack, notes, True) for item in condition.items]
    if len(items) == 1:
        return items[0]
    if isinstance(condition, AllOf):
        text = " and ".join(items)
        return f"(both {text})" if nested and len(items) == 2 else f"({text})" if nested else text
    text = "either " + " or ".join(items)
    return f"({text})" if nested else text


def sentence(rule: Rule, pack: RulePack) -> str:
    """A rule in plain words: its conditions, what it asserts and the advice it gives."""
    effects = []
    if rule.asserts:
        said = [f"{_code(name)} is the value of threshold {_threshold_link(value.name)}"
                if isinstance(value, ThresholdRef) else f"{_code(name)} is {_value(value, True)}"
                for name, value in rule.asserts]
        effects.append("asserts " + (", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0]))
    if rule.advice is not None:
        effects.append(f"advises: *{_esc(rule.advice.title)}*")
    then = "it " + " and ".join(effects) if effects else "it does nothing"
    return f"When {_words(rule.when, pack)}, then {then}."


# -- sections -----------------------------------------------------------------------------------------------------
def _header(pack: RulePack) -> list[str]:
    title = f"# Rule pack {_esc(pack.name)}" + (f", version {_esc(pack.version)}" if pack.version else "")
    lines = [title, ""]
    if pack.infos and pack.infos[0].description:
        lines += [_para(pack.infos[0].description), ""]
    if len(pack.infos) > 1:
        overlays = ", ".join(f"{_esc(info.name)}" + (f" {_esc(info.version)}" if info.version else "")
                             for info in pack.infos[1:])
        lines += [f"Overlays, in order: {overlays}.", ""]
    if pack.replaced:
        replaced = ", ".join(f"{kind} {_code(name)} (by {_esc(Path(folder).name)})"
                             for kind, name, folder in sorted(pack.replaced))
        lines += [f"Replaced by overlays: {replaced}.", ""]
    gates = len(pack.gate_rules())
    counts = f"{len(pack.rules)} rules, {len(pack.thresholds)} thresholds, {gates} gate{'s' if gates != 1 else ''}"
    lines += [f"{counts}. Dates are YYYY-MM-DD; a value *until* a date no longer applies on that date.", ""]
    return lines


def _contents(pack: RulePack, categories: list[str]) -> list[str]:
    lines = ["## Contents", "", "- [Gates](#gates)"]
    lines += [f"  - [{_title(rule)}](#gate-{rule.gate})" for rule in pack.gate_rules()]
    lines += ["- [Rules](#rules)"] + [f"  - [{_esc(category)}](#category-{category})" for category in categories]
    words = pack.labels.facts or pack.labels.operators or pack.labels.values
    return lines + ["- [Thresholds](#thresholds)"] + (["- [Words a creator reads](#words)"] if words else []) + [""]


def _gates(pack: RulePack) -> list[str]:
    lines = ['## <a id="gates"></a>Gates', ""]
    if not pack.gate_rules():
        lines += ["This pack has no gates.", ""]
    for rule in pack.gate_rules():
        lines += [f'### <a id="gate-{rule.gate}"></a>{_title(rule)}', "",
                  f"Gate {_code(rule.gate or '')}, rule {_rule_link(rule.id)}. Every requirement must hold.", ""]
        if rule.note:
            lines += [f"Note: {_esc(rule.note)}", ""]
        rows = []
        for requirement in rule.requirements:
            words = _words(requirement, pack, notes=False)
            names = list(dict.fromkeys(name for leaf in leaves(requirement) for name in leaf.threshold_names()))
            thresholds = [pack.thresholds[name] for name in names if name in pack.thresholds]
            if not thresholds:
                rows.append([words, "", "", "", "", "", ""])
            for threshold in thresholds:
                rows.append([words] + _threshold_cells(threshold))
        lines += _table(["Requirement", "Threshold", "Value", "By country", "Earlier", "Source", "As of"], rows)
    return lines


def _entry_value(threshold: Threshold, entry: ThresholdEntry, window: bool = True) -> str:
    text = _value(entry.value) + (f" {_esc(threshold.unit)}" if threshold.unit else "")
    return text + (f" ({_window(entry)})" if window and _window(entry) else "")


def _threshold_cells(threshold: Threshold) -> list[str]:
    countries = "; ".join(f"{code}: {_entry_value(threshold, entry)}, {_source(entry)}, {entry.as_of.isoformat()}"
                          for code, entry in threshold.countries)
    earlier = "; ".join((f"{code}: " if code else "") + f"{_entry_value(threshold, entry)}, {_source(entry)}, "
                        f"{entry.as_of.isoformat()}"
                        for code, base in [("", threshold.base), *threshold.countries] for entry in base.earlier)
    return [_threshold_link(threshold.name), _entry_value(threshold, threshold.base), countries, earlier,
            _source(threshold.base), threshold.base.as_of.isoformat()]


def _rules(pack: RulePack, categories: list[str]) -> list[str]:
    lines = ['## <a id="rules"></a>Rules', "", "Rules are listed by category, in the order they fire.", ""]
    ordered = pack.firing_order
    for category in categories:
        lines += [f'### <a id="category-{category}"></a>{_esc(category)}', ""]
        for rule in (rule for rule in ordered if rule.category == category):
            facts = [f"priority {rule.priority}", f"layer {pack.layers.get(rule.id, 0)}"]
            if rule.gate:
                facts.append(f"gate [{_code(rule.gate)}](#gate-{rule.gate})")
            lines += [f'#### <a id="rule-{rule.id}"></a>{_title(rule)}', "",
                      f"{_code(rule.id)}: {', '.join(facts)}, {_where(rule)}.", ""]
            if rule.description:
                lines += [_para(rule.description), ""]
            lines += [sentence(rule, pack), ""]
            if rule.note:
                lines += [f"Note: {_esc(rule.note)}", ""]
    return lines


def _thresholds(pack: RulePack) -> list[str]:
    lines = ['## <a id="thresholds"></a>Thresholds', ""]
    users: dict[str, list[str]] = {}
    for rule in pack.rules.values():
        names = [n for leaf in leaves(rule.when) for n in leaf.threshold_names()]
        names += [value.name for _, value in rule.asserts if isinstance(value, ThresholdRef)]
        for name in dict.fromkeys(names):
            users.setdefault(name, []).append(rule.id)
    for name, threshold in pack.thresholds.items():
        lines += [f'### <a id="threshold-{name}"></a>{_code(name)}', ""]
        if threshold.description:
            lines += [_para(threshold.description), ""]
        if name in users:
            lines += ["Used by " + ", ".join(_rule_link(rule_id) for rule_id in users[name]) + ".", ""]
        rows = []
        if threshold.members:  # a member list: one row per member, with its own dates and source
            base = threshold.base
            rows.append(["the list", "its members in force on the date", _window(base) or "always", _source(base),
                         base.as_of.isoformat(), _esc(base.note or "")])
            for key, item in threshold.members:
                rows.append([_code(key), "member", _window(item) or "always", _source(item),
                             item.as_of.isoformat(), _esc(item.note or "")])
        for code, entry in [] if threshold.members else [("default", threshold.base), *threshold.countries]:
            for label, item in [(code, entry), *((f"{code}, earlier", e) for e in entry.earlier)]:
                rows.append([_esc(label), _entry_value(threshold, item, window=False), _window(item) or "always",
                             _source(item), item.as_of.isoformat(), _esc(item.note or "")])
        lines += _table(["Applies to", "Value", "In force", "Source", "As of", "Note"], rows)
    return lines


def _words_section(pack: RulePack) -> list[str]:
    """The pack's labels (engine.labels): the words reports use for each fact, operator and value."""
    labels = pack.labels
    if not (labels.facts or labels.operators or labels.values):
        return []
    lines = ['## <a id="words"></a>Words a creator reads', "",
             "Reports never show a fact's name: they say these words, and the values of the thresholds in force.", ""]
    facts = [*pack.facts, *(name for name in pack.derived_types if name not in pack.facts)]
    lines += _table(["Fact", "Said as"], [[_code(name), _esc(labels.fact(name))] for name in facts])
    lines += _table(["Operator", "Said as"], [[_code(op), _esc(labels.operator(op))] for op in OPERATOR_WORDS])
    rows = [[_code(fact), _code(value), _esc(word)] for fact, words in sorted(labels.values.items())
            for value, word in sorted(words.items())]
    if rows:
        lines += _table(["Fact", "Value", "Said as"], rows)
    return lines


def catalogue_markdown(pack: RulePack) -> str:
    """The whole pack as one Markdown document: header, contents, gates, rules by category, thresholds, and the
    words reports use for facts, operators and values."""
    categories = sorted({rule.category for rule in pack.rules.values()})
    lines = (_header(pack) + _contents(pack, categories) + _gates(pack) + _rules(pack, categories)
             + _thresholds(pack) + _words_section(pack))
    return "\n".join(lines).rstrip("\n") + "\n"
