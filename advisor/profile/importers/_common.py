"""What every importer shares: reading a JSON file, checking fields with messages that name the file and the field
in the source's own terms, and the `Part` each source becomes before the parts are merged into one profile."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from advisor.errors import ImportSourceError
from engine import Problem, SourceError
from engine.documents import DEFAULT_LIMITS, DuplicateKey, Limits, format_path, no_json_constant, unique_keys

MAX_IMPORT_BYTES = 256 * 1024 * 1024  # a data export with years of history is tens of MB; a page is kilobytes
# What one of TikTok's files may hold: a data export is far larger than a profile (engine.Limits' defaults).
IMPORT_LIMITS = Limits(max_bytes=MAX_IMPORT_BYTES, max_depth=64, max_nodes=50_000_000)


def source_limits(limits: Limits) -> Limits:
    """The bounds on one of TikTok's files read for a caller who set `limits` for profiles: the import bounds,
    unless the caller asked for less (then the caller's hold for these files too)."""
    if limits.max_bytes < DEFAULT_LIMITS.max_bytes or limits.max_depth < DEFAULT_LIMITS.max_depth or \
            limits.max_nodes < DEFAULT_LIMITS.max_nodes:
        return Limits(max_bytes=min(limits.max_bytes, MAX_IMPORT_BYTES), max_depth=min(limits.max_depth, 64),
                      max_nodes=min(limits.max_nodes, IMPORT_LIMITS.max_nodes))
    return Limits(max_bytes=max(limits.max_bytes, MAX_IMPORT_BYTES), max_depth=limits.max_depth,
                  max_nodes=max(limits.max_nodes, IMPORT_LIMITS.max_nodes))
# Values TikTok's data export writes where it has no number.
_EMPTY_TEXT = frozenset({"", "none", "null", "n/a", "na", "-"})
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_EXPORT_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s*(?:UTC|Z))?")
_MONTH_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
WHERE = "__where"  # a video's own field path in its source, kept until the parts are merged
LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


@dataclass
class Part:
    """What one source file (or one record) contributes to a profile.

    `account` holds profile keys (followers, total_likes, age, country, x- annotations) when the source describes
    the account; `videos` holds videos in the profile contract, with `usernames` beside them (the Research API
    names the author of each video). `has_more` is set for one page of a paged list; `listed` says the source
    lists videos at all (so that an empty list reads as "no videos", not "unknown")."""

    kind: str
    file: str
    label: str
    handle: str | None = None
    account: dict[str, Any] | None = None
    videos: list[dict[str, Any]] = field(default_factory=list)
    usernames: list[str | None] = field(default_factory=list)
    has_more: bool | None = None
    listed: bool = False  # the source lists the account's videos (an empty list means none)
    warnings: list[str] = field(default_factory=list)


class Reader:
    """Collects every problem of one file, each naming the file and the field path, then raises them together."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.file, None, None, message, path=format_path(path)))

    def check(self) -> None:
        if self.problems:
            raise ImportSourceError(self.problems)

    def mapping(self, value: Any, path: tuple[Any, ...], what: str) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.fail(path, f"missing: expected {what}" if value is None else
                  f"expected {what} (a JSON object), got {word(value)}")
        return None

    def count(self, mapping: Mapping[str, Any], key: str, path: tuple[Any, ...], *, required: bool = False,
              hint: str = "", lenient: bool = False) -> int | None:
        """A whole number >= 0 at mapping[key]; None when absent (an error when required). `lenient` also takes
        the export's text numbers ("1,204") and its words for nothing ("None", "")."""
        where = path + (key,)
        if key not in mapping or mapping[key] is None:
            if required:
                self.fail(where, f"missing{hint}")
            return None
        value = mapping[key]
        if lenient and isinstance(value, str):
            text = value.strip()
            if text.lower() in _EMPTY_TEXT:
                if required:
                    self.fail(where, f"has no number ({value!r}){hint}")
                return None
            if _DIGITS.fullmatch(text):
                return int(text.replace(",", ""))
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and value >= 0:
                return int(value)
            self.fail(where, f"expected a whole number, got {short(value)}")
            return None
        if value < 0:
            self.fail(where, f"expected a whole number of 0 or more, got {value}")
            return None
        return value

    def number(self, mapping: Mapping[str, Any], key: str, path: tuple[Any, ...]) -> float | None:
        """A finite number >= 0 (a duration), or None when absent."""
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0 \
                or value > 1e6:
            self.fail(path + (key,), f"expected a number of seconds, got {short(value)}")
            return None
        return value

    def text(self, mapping: Mapping[str, Any], key: str, path: tuple[Any, ...], *, required: bool = False,
             hint: str = "") -> str | None:
        value = mapping.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path + (key,), f"missing{hint}")
            return None
        if not isinstance(value, str):
            self.fail(path + (key,), f"expected text, got {short(value)}")
            return None
        return value

    def flag(self, mapping: Mapping[str, Any], key: str, path: tuple[Any, ...]) -> bool | None:
        value = mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(path + (key,), f"expected true or false, got {short(value)}")
            return None
        return value

    def epoch_date(self, mapping: Mapping[str, Any], key: str, path: tuple[Any, ...]) -> dt.date | None:
        """A required Unix time in seconds (UTC) as the day it falls on."""
        value = mapping.get(key)
        if value is None:
            self.fail(path + (key,), "missing: every video needs the time it was posted")
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LATEST_EPOCH:
            self.fail(path + (key,), f"expected a Unix time in seconds, got {short(value)}")
            return None
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).date()

    def export_date(self, mapping: Mapping[str, Any], key: str, path: tuple[Any, ...], *,
                    required: bool = False) -> dt.date | None:
        """The export's 'YYYY-MM-DD HH:MM:SS' (sometimes with ' UTC'), or 'DD-Mon-YYYY', as a day."""
        value = mapping.get(key)
        if value is None or (isinstance(value, str) and value.strip().lower() in _EMPTY_TEXT):
            if required:
                self.fail(path + (key,), "missing")
            return None
        day = parse_export_date(value)
        if day is None:
            self.fail(path + (key,), f"expected a date like '2024-05-01 18:02:11', got {short(value)}")
        return day


def parse_export_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _EXPORT_DATE.fullmatch(text)
    try:
        if match:
            return dt.date.fromisoformat(match.group(1))
        match = _MONTH_DATE.fullmatch(text)
        if match and match.group(2).lower() in _MONTHS:
            return dt.date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
    except ValueError:
        return None
    return None


def word(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true or false", int: "a number",
            float: "a number"}.get(type(value), "nothing" if value is None else type(value).__name__)


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_json(path: str | os.PathLike[str], name: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse one JSON file; every failure is an ImportSourceError naming the file (and line and column)."""
    shown = name or str(path)
    bound = source_limits(limits).max_bytes
    try:
        size = os.stat(path).st_size
        if size > bound:
            raise ImportSourceError([Problem(shown, None, None, f"file is {size:,} bytes; the limit is "
                                                                 f"{bound:,} bytes")])
        raw = Path(path).read_bytes()
    except IsADirectoryError:
        raise ImportSourceError([Problem(shown, None, None, "is a folder, not a file")]) from None
    except FileNotFoundError:
        raise ImportSourceError([Problem(shown, None, None, "file not found")]) from None
    except OSError as error:
        raise ImportSourceError([Problem(shown, None, None,
                                         f"cannot read the file: {error.strerror or error}")]) from None
    return parse_json_bytes(raw, shown, source_limits(limits))


def parse_json_bytes(raw: bytes, name: str, limits: Limits | None = None) -> Any:
    from engine.documents import legacy_encoding_hint, wide_encoding_problem

    wide = wide_encoding_problem(raw)
    if wide is not None:
        raise ImportSourceError([Problem(name, 1, 1, wide)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = legacy_encoding_hint(raw, error.start)
        raise ImportSourceError([Problem(name, None, None, f"not UTF-8 text (byte 0x{raw[error.start]:02x} at "
                                                           f"offset {error.start:,}){hint}")]) from None
    return parse_json_text(text, name, limits)


def parse_json_text(text: str, name: str, limits: Limits | None = None) -> Any:
    """Parse TikTok's JSON strictly, as `plan` reads a .json profile (engine/documents/json_source.py: a key given twice,
    NaN, a number too long or nesting too deep refused at its line and column); ImportSourceError if not."""
    from engine.documents import parse_json_text as parse_strictly

    try:
        return parse_strictly(text, name, limits or IMPORT_LIMITS).data
    except SourceError as error:
        problem = error.problem
        if problem.message.endswith("the file was cut short"):
            problem = replace(problem, message=problem.message + ", as a truncated download or a partly written "
                                                                 "page is; fetch it again")
        raise ImportSourceError([problem]) from None


def api_error(reader: Reader, data: Mapping[str, Any]) -> bool:
    """Record the TikTok API error envelope `{"error": {"code": ..., "message": ...}}` (code other than "ok") as
    the file's problem; True when there was one."""
    envelope = data.get("error")
    if not isinstance(envelope, Mapping):
        return False
    code = envelope.get("code")
    if code in (None, "ok", 0, "0"):
        return False
    message = envelope.get("message") or "no message"
    log = f" (log_id {envelope['log_id']})" if envelope.get("log_id") else ""
    reader.fail(("error", "code"), f"the TikTok API answered with an error instead of data: {code}: {message}{log}"
                + _ERROR_HINTS.get(str(code), ""))
    return True


def api_payload(data: Mapping[str, Any], file: str) -> tuple[Reader, Mapping[str, Any]]:
    """A reader for `file` and the `data` mapping of a TikTok API response; raises (through `Reader.check`) on an
    error envelope or a response without data, before anything else of the file is read."""
    reader = Reader(file)
    if api_error(reader, data):
        reader.check()
    inner = reader.mapping(data.get("data"), ("data",), "the response's data")
    reader.check()
    assert inner is not None
    return reader, inner


_ERROR_HINTS = {
    "access_token_invalid": "; the access token expired or is wrong: authorise again and fetch the page again",
    "scope_not_authorized": "; the app was not granted the scope these fields need (user.info.stats for counts, "
                            "video.list for videos)",
    "rate_limit_exceeded": "; wait and fetch the page again",
}


DUPLICATE = object()  # what json_or_none gives for an object that names a key twice


def json_or_none(raw: bytes, *, unique: bool) -> Any:
    """Parsed JSON; None when it is not JSON (or too deep for json); DUPLICATE when `unique` and a key repeats."""
    try:
        text = raw.decode("utf-8-sig")
        if unique:
            return json.loads(text, object_pairs_hook=unique_keys, parse_constant=no_json_constant)
        return json.loads(text, parse_constant=no_json_constant)
    except DuplicateKey:
        return DUPLICATE
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
