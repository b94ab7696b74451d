"""The creator's profile as typed data: `Profile` with its videos, history snapshots and audience, in the order of
the profile contract (docs/profile.md), and its JSON form. advisor.profile.reading builds one from a file or a
mapping, checking everything first; code that holds a `Profile` can trust every field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from engine import JSON_SCALARS

TIKTOK_LAUNCH = dt.date(2016, 9, 1)
WINDOW_DAYS = 30
TOTAL_FROM_VIDEO = {"views_30d": "views", "likes_30d": "likes", "comments_30d": "comments",
                    "shares_30d": "shares", "saves_30d": "saves"}


@dataclass(frozen=True, kw_only=True)
class Video:
    """One listed video. Counts are lifetime counts of that video as read on as_of."""

    posted: dt.date
    duration_s: float | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    sound: str | None = None
    title: str | None = None
    id: str | None = None
    annotations: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """Followers (and optionally 30-day views) as read on one earlier day."""

    date: dt.date
    followers: int
    views_30d: int | None = None
    annotations: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Audience:
    """Shares (0-1) of the audience by country code and by age bracket."""

    top_countries: Mapping[str, float] | None = None
    age_brackets: Mapping[str, float] | None = None
    annotations: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Profile:
    """A checked profile. Fields are in contract order; `None` means the profile did not say (and nothing could be
    derived). `derived` names the 30-day totals computed from `videos`; `source` names where it was read from."""

    handle: str
    as_of: dt.date
    age: int | None = None
    country: str | None = None
    account_type: str | None = None
    followers: int
    views_30d: int | None = None
    likes_30d: int | None = None
    comments_30d: int | None = None
    shares_30d: int | None = None
    saves_30d: int | None = None
    posts_30d: int | None = None
    total_likes: int | None = None
    niche: str | None = None
    joined: dt.date | None = None
    videos: tuple[Video, ...] | None = None
    history: tuple[Snapshot, ...] | None = None
    audience: Audience | None = None
    annotations: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<profile>"
    derived: frozenset[str] = frozenset()
    as_of_assumed: bool = False  # the profile gave no as_of and none was passed: today was taken

    def recent_videos(self) -> tuple[Video, ...]:
        """The listed videos posted in the 30 days before as_of: after as_of - 30 days, up to as_of itself."""
        return in_window(self.videos or (), self.as_of)

    def to_dict(self, *, include_derived: bool = True) -> dict[str, Any]:
        """The normalised profile as JSON-safe data: contract order, absent keys omitted, annotations kept.
        `include_derived=False` leaves out the totals derived from videos, so that re-parsing the result on another
        as_of derives them afresh instead of taking the old window's totals as given."""
        data = json_form(self)
        return data if include_derived else {k: v for k, v in data.items() if k not in self.derived}


_NOT_DATA = ("annotations", "source", "derived", "as_of_assumed")
_DATA_FIELDS: dict[type, tuple[str, ...]] = {}


def in_window(videos: tuple[Video, ...], as_of: dt.date) -> tuple[Video, ...]:
    """The videos posted in the 30 days before as_of: after as_of - 30 days, up to as_of itself."""
    start = as_of - dt.timedelta(days=WINDOW_DAYS)
    return tuple(video for video in videos if start < video.posted <= as_of)


def json_form(value: Any) -> Any:
    """A profile, or any part of one, as JSON-safe data: contract order, absent keys left out, annotations kept."""
    kind = type(value)
    if kind in JSON_SCALARS:
        return value
    if kind is dict:
        return {key: json_form(item) for key, item in value.items()}
    if kind is dt.date:  # a video's day: before the dataclass lookup, which is slow for a class it does not know
        return value.isoformat()
    if kind is tuple:  # the videos, the history
        return [json_form(item) for item in value]
    names = _DATA_FIELDS.get(kind)
    if names is None and is_dataclass(value):  # field names looked up once per class: fields() is slow
        names = _DATA_FIELDS.setdefault(kind, tuple(f.name for f in fields(value) if f.name not in _NOT_DATA))
    if names is not None:
        out = {}
        for name in names:
            item = getattr(value, name)
            if item is not None:
                out[name] = item if type(item) in JSON_SCALARS else json_form(item)
        out.update(value.annotations)
        return out
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: json_form(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_form(item) for item in value]
    return value
