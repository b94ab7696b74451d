"""Importers: TikTok's own data (API responses, Research API records, the "Download your data" export) as profiles.

Creators and agencies have TikTok's data, not YAML. Each source has a module that reads its shape into a `Part`
(what it says about the account, and its videos); `detect` recognises the shape of parsed JSON; `merge` joins the
parts of one account (say a /v2/user/info/ response and three /v2/video/list/ pages) into one mapping in the
profile contract, which `advisor.profile.reading.parse_profile` then checks like any profile.

Imported profiles say where they came from (`x-imported-from`) and what the import could not tell
(`x-import-warnings`, shown among the plan's warnings): the data export has no view counts, a video list that
stops with `has_more` true may leave the 30-day totals short. Errors are `ImportSourceError` (a ProfileError)
naming the file and the field in the source's own terms.

    creator-advisor import user_info.json videos_1.json videos_2.json -o profile.yaml
    creator-advisor plan user_data_tiktok.json          # plan and batch read these files directly
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Sequence

from advisor.errors import ImportSourceError, ProfileError
from advisor.profile.importers import data_export, display_api, research_api
from advisor.profile.importers._common import (
    DUPLICATE,
    WHERE,
    Part,
    Reader,
    api_error,
    json_or_none,
    parse_json_bytes,
    read_json,
    source_limits,
)
from advisor.profile.model import Profile
from advisor.profile.reading import load_profile, load_profile_bytes, parse_profile, profile_from_document
from engine import Problem, SourceError
from engine.documents import (
    DEFAULT_LIMITS,
    Limits,
    check_limits,
    decode_limited,
    is_json_name,
    parse_json_text,
    read_limited,
)

API_ERROR = "tiktok-api/error"

SHAPES: dict[str, str] = {
    display_api.USER_INFO: display_api.LABELS[display_api.USER_INFO],
    display_api.VIDEO_LIST: display_api.LABELS[display_api.VIDEO_LIST],
    research_api.USER_INFO: research_api.LABELS[research_api.USER_INFO],
    research_api.VIDEOS: research_api.LABELS[research_api.VIDEOS],
    research_api.RECORD: research_api.LABELS[research_api.RECORD],
    data_export.EXPORT: data_export.LABEL,
    API_ERROR: "TikTok API error response",
}
"""Every shape `detect` recognises, with the words used for it in messages."""

__all__ = ["SHAPES", "detect", "import_files", "import_sources", "merge", "profile_from_bytes", "profile_from_path",
           "profile_from_record", "read_part", "ImportResult"]


def detect(data: Any) -> str | None:
    """The shape of parsed JSON (a key of SHAPES), or None when it is none of them (a profile, or unknown).

    A mapping with the profile contract's `handle` or `followers` is a profile, never an import."""
    if not isinstance(data, Mapping) or "handle" in data or "followers" in data:
        return None
    envelope = data.get("error")
    if isinstance(envelope, Mapping) and envelope.get("code") not in (None, "ok", 0, "0"):
        return API_ERROR
    for shape, test in _TESTS:
        if test(data):
            return shape
    return None


_TESTS: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = (
    (display_api.USER_INFO, display_api.is_user_info),
    (research_api.VIDEOS, research_api.is_video_query),
    (display_api.VIDEO_LIST, display_api.is_video_page),
    (research_api.USER_INFO, research_api.is_user_info),
    (research_api.RECORD, research_api.is_record),
    (data_export.EXPORT, data_export.is_export),
)


def utc_today() -> dt.date:
    """The default as_of of an import: TikTok's dates are UTC, so 'today' is too (a video posted a minute ago is
    never 'after as_of')."""
    return dt.datetime.now(dt.timezone.utc).date()


def read_part(data: Any, file: str, *, as_of: dt.date) -> Part:
    """One source's contribution; ImportSourceError when its shape is not recognised or it is unusable."""
    shape = detect(data)
    if shape is None and isinstance(data, Mapping) and ("handle" in data or "followers" in data):
        raise ImportSourceError([Problem(file, None, None, "is already a profile (it has handle or followers): "
                                         "give it to plan or batch as it is")])
    if shape is None:
        what = "a JSON object" if isinstance(data, Mapping) else "not a JSON object"
        raise ImportSourceError([Problem(file, None, None, f"{what} of no shape the importers know: expected a "
                                         f"TikTok Display API /v2/user/info/ or /v2/video/list/ response, a "
                                         f"Research API response or record, or user_data_tiktok.json")])
    if shape == API_ERROR:
        reader = Reader(file)
        api_error(reader, data)
        reader.check()
    if shape == data_export.EXPORT:
        return data_export.read_export(data, file, as_of)
    return _READERS[shape](data, file)


_READERS: dict[str, Callable[[Mapping[str, Any], str], Part]] = {
    display_api.USER_INFO: display_api.read_user_info,
    display_api.VIDEO_LIST: display_api.read_video_page,
    research_api.USER_INFO: research_api.read_user_info,
    research_api.VIDEOS: research_api.read_video_query,
    research_api.RECORD: research_api.read_record,
}

_ORDER = ("handle", "as_of", "age", "country", "followers", "total_likes", "videos")


def merge(parts: Sequence[Part], *, as_of: dt.date, handle: str | None = None,
          as_of_given: bool = True, notes: Sequence[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """(profile mapping, warnings) of the parts of one account: exactly one part gives the account; every part's
    videos are joined (a video listed twice, by id, once: where its counts differ, the larger, which is the later
    reading, is kept and a warning says so), newest first. `notes` are warnings of the caller's."""
    files = ", ".join(dict.fromkeys(part.file for part in parts)) or "<no sources>"
    accounts = [part for part in parts if part.account is not None]
    if len(accounts) > 1:
        first, second = accounts[0], accounts[1]
        raise ImportSourceError([Problem(second.file, None, None,
                                         f"gives the account a second time ({first.file} already does, as "
                                         f"{first.label}): import one account at a time")])
    if not accounts:
        raise ImportSourceError([Problem(files, None, None, "no source gives the account's followers: add the "
                                         "/v2/user/info/ response, a Research API user info or record, or "
                                         "user_data_tiktok.json", path="follower_count")])
    account = accounts[0]
    given: dict[str, Any] = account.account or {}
    warnings = [*notes, *(warning for part in parts for warning in part.warnings)]
    authors = list(dict.fromkeys(name for part in parts for name in part.usernames if name))
    name = handle or account.handle
    if name is None and len(authors) == 1:
        name = authors[0]
    if name is None:
        problem = (f"the videos are by {len(authors)} accounts ({', '.join(authors[:5])}): give --handle to "
                   "choose one" if authors else "no source names the account (the username field): give --handle")
        raise ImportSourceError([Problem(files, None, None, problem, path="username")])

    videos: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    first_file: dict[str, str] = {}
    dropped = 0
    problems = []
    for part in parts:
        for video, author in zip(part.videos, part.usernames):
            if author and author.lower() != name.lower():
                dropped += 1
                continue
            posted = video.get("posted")
            if isinstance(posted, dt.date) and posted > as_of:
                problems.append(Problem(part.file, None, None, f"posted on {posted.isoformat()}, after as_of "
                                        f"({as_of.isoformat()}): give --as-of the day the data was fetched",
                                        path=video[WHERE]))
            entry = {key: value for key, value in video.items() if key != WHERE}
            known = by_id.get(entry["id"]) if "id" in entry else None
            if known is not None:
                warnings.extend(_join_counts(known, entry, first_file[entry["id"]], part.file))
                for key, value in entry.items():
                    known.setdefault(key, value)
                continue
            videos.append(entry)
            if "id" in entry:
                by_id[entry["id"]] = entry
                first_file[entry["id"]] = part.file
    if problems:
        raise ImportSourceError(problems)
    if dropped:
        warnings.append(f"{dropped} video{'s' if dropped != 1 else ''} by other accounts than {name} "
                        f"{'were' if dropped != 1 else 'was'} left out.")
    warnings.extend(_paging_warnings(parts, videos, as_of))
    exported = any(part.kind == data_export.EXPORT for part in parts)
    if exported and not any("views" in video for video in videos):
        # Said by the import; the plan says it in its own words (advisor.plan.assembly: videos without views).
        told = [data_export.NO_VIEWS_WARNING]
    else:
        told = []
    if not as_of_given and exported:
        warnings.append(f"TikTok's data export carries no date: it was judged as of {as_of.isoformat()}; give "
                        "--as-of the day the export was requested.")
    videos.sort(key=lambda video: video.get("posted") or dt.date.min, reverse=True)

    data: dict[str, Any] = {"handle": name, "as_of": as_of}
    data.update((key, value) for key, value in given.items() if not key.startswith("x-"))
    if any(part.listed for part in parts):
        data["videos"] = videos
    profile = {key: data[key] for key in _ORDER if key in data}
    profile.update((key, value) for key, value in given.items() if key.startswith("x-"))
    profile["x-imported-from"] = [{"file": part.file, "source": part.kind} for part in parts]
    if warnings:
        profile["x-import-warnings"] = list(dict.fromkeys(warnings))
    return profile, list(dict.fromkeys(told + warnings))


_COUNTS = ("views", "likes", "comments", "shares", "saves")


def _join_counts(known: dict[str, Any], entry: Mapping[str, Any], first: str, second: str) -> list[str]:
    """Keep the larger of each count a video listed twice has twice (counts only grow: the larger is the later
    reading), and say where they differed."""
    warnings = []
    for key in _COUNTS:
        old, new = known.get(key), entry.get(key)
        if isinstance(old, int) and isinstance(new, int) and old != new:
            known[key] = max(old, new)
            warnings.append(f"video {known['id']} has {old:,} {key} in {first} and {new:,} in {second}: the larger "
                            "was kept.")
    return warnings


def _paging_warnings(parts: Sequence[Part], videos: list[dict[str, Any]], as_of: dt.date) -> list[str]:
    """A paged list whose pages all say `has_more`: the next page was not given."""
    warnings = []
    for kind in dict.fromkeys(part.kind for part in parts if part.has_more is not None):
        pages = [part for part in parts if part.kind == kind]
        if any(page.has_more is False for page in pages):
            continue
        dates = [video["posted"] for video in videos if isinstance(video.get("posted"), dt.date)]
        oldest = min(dates) if dates else None
        last = pages[-1]
        text = (f"{last.file}: has_more is true but no further page was given, so the videos before "
                f"{oldest.isoformat() if oldest else 'these'} are missing")
        window = as_of - dt.timedelta(days=30)
        if oldest is None or oldest > window:
            text += ": the 30-day totals and posting frequency may be too low; add the next page"
        else:
            text += " (the last 30 days are covered, so the 30-day totals are complete)"
        warnings.append(text + ".")
    return warnings


class ImportResult:
    """An import: the profile mapping (to write as YAML), its checked Profile, and the warnings."""

    def __init__(self, data: dict[str, Any], profile: Profile, warnings: list[str]):
        self.data = data
        self.profile = profile
        self.warnings = warnings


def import_sources(sources: Iterable[tuple[str, Any]], *, as_of: dt.date | None = None,
                   handle: str | None = None) -> ImportResult:
    """Import already parsed sources, each (name, data): the parts of one account."""
    day = as_of or utc_today()
    parts: list[Part] = []
    seen: dict[bytes, str] = {}
    notes: list[str] = []
    for name, data in sources:
        text = json.dumps(data, sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        if digest in seen:  # the same page given twice would count its videos twice
            notes.append(f"{name} holds the same data as {seen[digest]}: it was read once.")
            continue
        seen[digest] = name
        parts.append(read_part(data, name, as_of=day))
    mapping, warnings = merge(parts, as_of=day, handle=handle, as_of_given=as_of is not None, notes=notes)
    source = ", ".join(dict.fromkeys(part.file for part in parts))
    return ImportResult(mapping, parse_profile(mapping, source=source), warnings)


def import_files(paths: Sequence[str | os.PathLike[str]], *, as_of: dt.date | None = None,
                 handle: str | None = None) -> ImportResult:
    """Read and import files (JSON) that together describe one account."""
    return import_sources(((str(path), read_json(path)) for path in paths), as_of=as_of, handle=handle)


_ENVELOPE_START = re.compile(rb'^\s*(?:\xef\xbb\xbf)?\s*\{\s*"(?:data|error)"\s*:')
_SNIFF_LIMIT = 10 * 1024 * 1024


def profile_from_path(path: str | os.PathLike[str], *, as_of: dt.date | None = None,
                      limits: Limits = DEFAULT_LIMITS) -> Profile:
    """A profile file (YAML or JSON), or a .json file of a shape the importers know, as a checked Profile.

    A .json file is parsed as JSON (engine/documents/json_source.py: located errors from the JSON parser, a key given twice
    refused), once, under `limits`; only TikTok's own files may be larger (a data export, up to what `import`
    reads, unless the caller set smaller limits). A JSON file that is not valid JSON is reported as a profile
    would be, unless it starts like an API response (a truncated page): then it is the importer's error."""
    if not is_json_name(path):
        return load_profile(path, as_of=as_of, limits=limits)
    bound = source_limits(limits)
    name = str(path)
    try:
        size = os.stat(path).st_size
        if size > limits.max_bytes and (size > bound.max_bytes or not _big_export_allowed(path)):
            shown = limits.max_bytes if size <= bound.max_bytes else bound.max_bytes
            raise ProfileError([Problem(name, None, None, f"file is {size:,} bytes; the limit is {shown:,} bytes")])
        document = parse_json_text(decode_limited(read_limited(path, bound, name), name, bound), name, bound)
    except SourceError as error:
        envelope = error.problem.line is not None and _starts_like_a_response(path)
        raise (ImportSourceError if envelope else ProfileError)([error.problem]) from None
    if detect(document.data) is not None:
        return import_sources([(name, document.data)], as_of=as_of).profile
    if size > limits.max_bytes:
        raise ProfileError([Problem(name, None, None, f"file is {size:,} bytes; the limit is "
                                                      f"{limits.max_bytes:,} bytes")])
    try:
        check_limits(document, limits)  # parsed under the import bounds: a profile is held to the caller's
    except SourceError as error:
        raise ProfileError([error.problem]) from None
    return profile_from_document(document, as_of=as_of, limits=limits)


def _starts_like_a_response(path: str | os.PathLike[str]) -> bool:
    try:
        with open(path, "rb") as stream:
            return bool(_ENVELOPE_START.match(stream.read(200)))
    except OSError:
        return False


def profile_from_bytes(raw: bytes, name: str, *, as_of: dt.date | None = None,
                       limits: Limits = DEFAULT_LIMITS) -> Profile:
    """A profile (YAML or JSON) or a JSON source the importers know, received as bytes (an HTTP body, an upload),
    as a checked Profile: what `plan FILE.json` does with a file, with `name` in the messages.

    A profile in JSON is first checked as `batch` checks a JSONL record (parsed by json, no marks: the common,
    valid case costs a tenth of the YAML parser's); only when that fails, or the JSON has a key twice, is it read
    again with line and column marks, so the messages are exactly those `plan` gives for the same file."""
    data = json_or_none(raw, unique=True)
    unique = data is not DUPLICATE
    if not unique:
        data = json_or_none(raw, unique=False)
    if data is None and _ENVELOPE_START.match(raw[:200]):
        parse_json_bytes(raw, name)  # raises the importer's message: a response cut short
    if detect(data) is not None:
        return import_sources([(name, data)], as_of=as_of).profile
    if unique and isinstance(data, Mapping) and len(raw) <= limits.max_bytes:
        try:
            return parse_profile(data, source=name, as_of=as_of, limits=limits)
        except ImportSourceError:
            raise
        except ProfileError:
            pass  # said again below, located
    return load_profile_bytes(raw, name, as_of=as_of, limits=limits)


def _big_export_allowed(path: str | os.PathLike[str]) -> bool:
    """A .json file over the profile size limit is read whole only if it looks like a data export (its first
    kilobytes name an export section); anything else is left to load_profile, which refuses it by size."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    return any(f'"{section}"'.encode() in head for section in data_export.MARKERS)


def profile_from_record(data: Any, *, source: str, as_of: dt.date | None = None) -> Profile:
    """One parsed record (a JSONL line): a profile mapping, or a source the importers know (a Research API record,
    say) as the whole account."""
    if detect(data) is not None:
        return import_sources([(source, data)], as_of=as_of).profile
    return parse_profile(data, source=source, as_of=as_of)


def profile_yaml(result: ImportResult) -> str:
    """The imported profile as a YAML file `plan` reads: a comment naming the sources, then the profile in contract
    order (dates unquoted, so they read back as dates)."""
    from engine.documents import dump_yaml

    sources = ", ".join(f"{item['file']} ({SHAPES.get(item['source'], item['source'])})"
                        for item in result.data.get("x-imported-from", ()))
    header = f"# Imported by creator-advisor from {sources}.\n"
    body = dump_yaml(result.data, sort_keys=False, default_flow_style=False, width=100)
    return header + body
