"""The report's words: the filters both packaged templates (and a user's template) write a plan with.

Logic a template would express badly is done here, once, so Markdown, HTML and the terminal say the same thing:
which requirement is furthest from met, what is still missing, how to write a value of any type, a status or a
fact in plain words, and Markdown escaping for text that came from a profile or a rule file (a handle may be
`<script>` or `a|b`). The HTML charts (advisor/reports/charts.py) use the same words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from advisor.terminal import report_text
from engine.templating import FILTERS, UNKNOWN, percent, words

# Runs of whitespace, each looked at once: a run holding a line break becomes one space (linear in the text; a
# pattern such as `\s*[\r\n]+\s*` would rescan a long run of spaces from every position in it).
_WHITESPACE_RUN = re.compile(r"\s+")
_LINE_BREAK_CHARACTERS = frozenset("\r\n\v\f\x85\u2028\u2029")
_MD_SPECIAL = "`*_[]<>|&~"  # each escaped with a backslash, after the backslash itself
# At the start of a line these would open a list item, a heading, a thematic break or a setext underline.
_MD_LEADING = re.compile(r"^(-+|=+|\++|#{1,6}|\d{1,9}[.)])(?=\s|$)")
_LEADING_CHARACTERS = frozenset("-=+#0123456789")

_STATUS = {"eligible": "You qualify", "not_eligible": "Not yet", "unknown": "Cannot tell yet",
           "not_offered": "Not offered to you", "closed": "No longer open"}
# Programmes a creator can act on come first, those closed on the plan's date last (statuses not listed: between).
_STATUS_ORDER = {"eligible": 0, "not_eligible": 1, "unknown": 2, "not_offered": 3, "closed": 4}
_FACT_LABELS = {"age": "years of age", "account_age_days": "days since joining"}
# Statuses left out of "N of M programmes": nothing the creator can do opens them.
_NOT_COUNTED = frozenset({"closed", "not_offered"})


def md(value: Any) -> str:
    """Escape text for a Markdown line or table cell: one line, no markup, no raw HTML, no cell breaks."""
    try:
        return _ESCAPED[value]
    except TypeError:  # a list or a mapping: not something to remember
        return _md_text(str(value))


class _EscapedTexts(dict):
    """What `md` gave for each text, so a text is escaped once. A report escapes about 300 texts, most of them the
    pack's own (sources, notes, requirement sentences) and the same in every report of a batch. Looking one up
    is a single C call (`_ESCAPED[text]`), which the packaged templates use as their `md` filter; only a text not
    seen yet runs Python, here. Only str keys are kept: 1, 1.0 and True are equal keys that print differently."""

    def __missing__(self, value: Any) -> str:
        if value is None:
            return UNKNOWN
        if type(value) is not str:
            return _md_text(str(value))
        if len(self) >= _MAX_ESCAPED:
            self.clear()
        escaped = self[value] = _md_text(value)
        return escaped


_MAX_ESCAPED = 8192
_ESCAPED = _EscapedTexts()
# The md filter for the packaged templates, whose values are all hashable (text, numbers, None): a C-level lookup.
md_lookup = _ESCAPED.__getitem__


def _md_text(text: str) -> str:
    if not text.isprintable():  # line breaks, controls and bidi controls are unprintable: printable text skips this
        text = report_text(_WHITESPACE_RUN.sub(_one_line, text))
    text = text.strip()
    if "\\" in text:  # str.replace per character: a C scan each, several times faster than translate's dict
        text = text.replace("\\", "\\\\")
    for char in _MD_SPECIAL:
        if char in text:
            text = text.replace(char, "\\" + char)
    if not text or text[0] not in _LEADING_CHARACTERS:
        return text
    return _MD_LEADING.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1] if m.group(1)[0].isdigit()
                           else "\\" + m.group(1), text)


def _one_line(run: re.Match[str]) -> str:
    """A run of whitespace as it stays on one line: one space if it breaks the line, else as it was."""
    found = run.group()
    return found if _LINE_BREAK_CHARACTERS.isdisjoint(found) else " "


value = words  # any fact or threshold value as a person reads it (engine.templating.filters.words)


def fact_label(fact: Any) -> str:
    """A fact's name in short words, where space is tight (chart rows) or the plan gives no label: 'views_30d' ->
    'views (30 days)' ('' for a composite requirement, which has none). Requirements carry the pack's own label
    (`label`, 'views in the last 30 days'), which the reports' sentences use first."""
    if not isinstance(fact, str):
        return ""
    if fact in _FACT_LABELS:
        return _FACT_LABELS[fact]
    text = fact[:-4] + " (30 days)" if fact.endswith("_30d") else fact
    return text.replace("_", " ")


def _label(req: Mapping[str, Any]) -> str:
    label = req.get("label")
    return label if isinstance(label, str) else fact_label(req["fact"])


def _actual(req: Mapping[str, Any]) -> str:
    text = req.get("actual_text")
    return text if isinstance(text, str) else value(req["actual"])


def status_label(status: Any) -> str:
    """'not_eligible' -> 'Not yet eligible': a programme status in words."""
    label = _STATUS.get(status) if isinstance(status, str) else None
    return value(status) if label is None else label


def mark(met: Any) -> str:
    """met True / False / None (unknown) as ✓ / ✗ / ?."""
    return "✓" if met is True else "✗" if met is False else "?"


def met_label(met: Any) -> str:
    """The words behind `mark`, for screen readers and plain text."""
    return "Met" if met is True else "Not met" if met is False else "Unknown"


def _share(progress: float, met: Any) -> str:
    # The one rounding rule (engine.templating.filters.percent), except that an unmet requirement is rounded down, so it
    # never reads as the bar it has not reached: 18 of 19 is "94.7%" of a 95% bar, 0.9999 unmet is "99.9%".
    return percent(progress) if met is not False else percent(math.floor(progress * 1000) / 1000)


def progress_text(req: Mapping[str, Any]) -> str:
    """'8,200 / 10,000 followers (82%)' for a numeric threshold; otherwise what the creator has."""
    if req["fact"] is None:  # a composite (all / any / not) requirement: its sentence is all there is
        return f"{req['text']}: {met_label(req['met']).lower()}"
    label = _label(req)
    if req["progress"] is not None:
        return f"{label}: {value(req['actual'])} of {value(req['required'])} ({_share(req['progress'], req['met'])})"
    if req["actual"] is None:
        return f"{label}: not given"
    needed = req.get("required_text")
    if req["met"] is False and isinstance(needed, str):  # a card shows what fails, whatever its type
        return f"{label}: {_actual(req)} (needs {needed})"
    return f"{label}: {_actual(req)}"


def progress_label(req: Mapping[str, Any]) -> str:
    """The words for a progress bar: '82% of 10,000 followers'."""
    share = _share(req["progress"], req["met"]) if req["progress"] is not None else UNKNOWN
    return f"{share} of {value(req['required'])} {_label(req)}".rstrip()


def gap_text(req: Mapping[str, Any]) -> str | None:
    """'1,800 to go' (or '2 over' for an upper limit) while a numeric requirement is unmet; None otherwise."""
    gap = req["gap"]
    if req["met"] is not False or not isinstance(gap, (int, float)) or isinstance(gap, bool) or gap <= 0:
        return None
    return f"{value(gap)} {'over' if req['operator'] in ('<', '<=') else 'to go'}"


def furthest(requirements: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The requirement furthest from met: the lowest progress among unmet ones, else the first unmet or unknown
    one, else (all met) the measurable one with the lowest progress. None when there is nothing to show."""
    unmet = [r for r in requirements if r["met"] is False]
    measured = [r for r in unmet if r["progress"] is not None]
    if measured:
        return min(measured, key=lambda r: r["progress"])
    if unmet:
        return unmet[0]
    unknown = [r for r in requirements if r["met"] is None]
    if unknown:
        return unknown[0]
    measured = [r for r in requirements if r["progress"] is not None]
    return min(measured, key=lambda r: r["progress"]) if measured else None


def missing(requirements: list[Mapping[str, Any]]) -> list[str]:
    """What still stands between the creator and a programme, one short phrase per requirement:
    '3,160 more followers', 'age not given', 'account: a personal account needed (you have a business account)'."""
    phrases = []
    for req in requirements:
        label = _label(req) or req["text"]
        if req["met"] is None:
            phrases.append(f"{label} not given" if req["fact"] is not None else f"cannot tell: {req['text']}")
        elif req["met"] is False:
            if gap_text(req) and req["fact"] is not None:
                direction = "fewer" if req["operator"] in ("<", "<=") else "more"
                phrase = f"{value(req['gap'])} {direction} {label}"
            elif req["fact"] is not None and req["actual"] is not None and isinstance(req.get("required_text"), str):
                phrase = f"{label}: {req['required_text']} needed (you have {_actual(req)})"
            elif req["fact"] is not None and req["actual"] is not None:
                phrase = f"needs {req['text']} (you have {_actual(req)})"
            else:
                phrase = f"needs {req['text']}"
            phrases.append(phrase if req["in_force"] else f"{phrase} (threshold not in force)")
    return phrases


def once(requirements: list[Mapping[str, Any]]) -> str:
    """How money for a programme not open yet is framed: 'once you have 3,160 more followers' when only numbers
    stand in the way, else 'not yet (what stands in the way); once you qualify'."""
    phrases = missing(requirements)
    if not phrases:
        return "once you qualify"
    numeric = all(gap_text(req) and req["fact"] is not None for req in requirements if req["met"] is False) and \
        not any(req["met"] is None for req in requirements)
    if numeric:
        return "once you have " + " and ".join(phrases)
    return f"not yet ({'; '.join(phrases)}); once you qualify"


def comparison(engagement: Mapping[str, Any]) -> str | None:
    """Where the engagement rate stands against the benchmark, in exact words: 'above', 'below', 'at', or, when
    the pack's tolerance counts a rate near the benchmark as level with it, 'just above' / 'just below' (a 6.9%
    rate is never said to be "at" a 7.5% average). None when either figure is unknown."""
    rate, benchmark, verdict = engagement.get("rate"), engagement.get("benchmark"), engagement.get("verdict")
    if not isinstance(rate, (int, float)) or not isinstance(benchmark, (int, float)) or verdict not in \
            ("above", "at", "below"):
        return None
    if verdict != "at":
        return verdict
    return "just above" if rate > benchmark else "just below" if rate < benchmark else "at"


def ordered(eligibility: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Programmes as a creator reads them: those they qualify for, then those they can work towards, those that
    cannot be judged yet, those not offered to them, and the closed ones last (each group in the pack's order)."""
    return sorted(eligibility, key=lambda entry: _STATUS_ORDER.get(entry["status"], 2))


def counted(eligibility: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The programmes "N of M" counts: not the closed ones nor those not offered to this creator."""
    return [entry for entry in eligibility if entry["status"] not in _NOT_COUNTED]


def programme(eligibility: list[Mapping[str, Any]], program_id: Any) -> Mapping[str, Any] | None:
    """The eligibility entry of a programme id, or None."""
    return next((entry for entry in eligibility if entry["program"] == program_id), None)


def sources(eligibility: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every source behind the plan's requirements, once each, in the order the report first cites them (the
    programmes ordered as `ordered` lists them): {"source", "url", "as_of"}."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in ordered(eligibility):
        for req in entry["requirements"]:
            if req.get("source") is None:
                continue
            # One page is one source, however many requirements quote it: keyed by its address (and date read);
            # the quote a requirement gives in brackets is left to that requirement.
            url = req.get("url")
            key = (url, req.get("as_of")) if url else (req["source"], None, req.get("as_of"))
            if key not in seen:
                seen[key] = {"source": req["source"], "url": url, "as_of": req.get("as_of")}
            elif url and seen[key]["source"] != req["source"]:
                seen[key]["source"] = _QUOTED.sub("", seen[key]["source"])
    return list(seen.values())


# A closing bracket that quotes the page ('... Program" ("at least 18 years old")'): dropped when the page is listed
# once for several requirements that each quote it.
_QUOTED = re.compile(r' \([^()]*"[^()]*\)$')


def safe_url(url: Any) -> str | None:
    """A source address fit for an <a href> or a Markdown link: http(s) only, no spaces or brackets that would
    end the link early; anything else None (the source is then named without a link)."""
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    if any(char in url for char in ' <>()"\'\\`') or not url.isprintable():
        return None
    return url


def matched_text(matched: Any) -> str:
    """A trace row's matched facts as 'followers = 8,200; country = US'."""
    if isinstance(matched, Mapping):
        return "; ".join([f"{key} = {value(item)}" for key, item in matched.items()]) or UNKNOWN
    return value(matched)


def bar_width(progress: Any) -> str:
    """A progress share as a CSS percentage width, clamped to 0-100."""
    if not isinstance(progress, (int, float)) or isinstance(progress, bool) or not math.isfinite(progress):
        return "0%"
    return f"{max(0.0, min(1.0, float(progress))) * 100:.1f}%"


def progress_bar(progress: Any, width: int = 10) -> str:
    """A text bar for Markdown: 0.82 -> '████████░░'; empty when progress is unknown."""
    if not isinstance(progress, (int, float)) or isinstance(progress, bool) or not math.isfinite(progress):
        return ""
    filled = math.floor(max(0.0, min(1.0, float(progress))) * width)
    return "█" * filled + "░" * (width - filled)


class _Names(dict):
    """Programme id -> name; an id the plan does not list reads as itself (`names[id]`, as `names.get(id, id)`)."""

    def __missing__(self, key: Any) -> Any:
        return key


def programme_names(eligibility: list[Mapping[str, Any]]) -> dict[str, str]:
    """Programme id -> display name, to name programmes referred to by id (estimates, milestones)."""
    return _Names((entry["program"], entry["name"]) for entry in eligibility)


def count_status(eligibility: list[Mapping[str, Any]], status: str) -> int:
    """How many programmes have this status: `selectattr("status", "equalto", status)|list|length`, without
    Jinja's per-item test calls."""
    return sum(1 for entry in eligibility if entry["status"] == status)


REPORT_FILTERS = {
    "md": md, "value": value, "fact_label": fact_label, "status_label": status_label, "mark": mark,
    "met_label": met_label, "progress_text": progress_text, "progress_label": progress_label, "gap_text": gap_text,
    "furthest": furthest, "missing": missing, "matched_text": matched_text, "bar_width": bar_width,
    "progress_bar": progress_bar, "programme_names": programme_names, "count_status": count_status,
    "comparison": comparison, "once": once, "ordered": ordered, "counted": counted, "programme": programme, "sources": sources, "safe_url": safe_url,
}


# The filters that return text (str) whatever they are given: output ending in one needs no finalize (see
# engine.templating.sandbox). tests/test_render.py holds each to it.
TEXT_FILTERS = frozenset({*FILTERS, "md", "value", "fact_label", "status_label", "mark", "met_label",
                          "progress_text", "progress_label", "matched_text", "bar_width", "progress_bar"})
