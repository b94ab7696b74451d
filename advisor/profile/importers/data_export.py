"""TikTok's "Download your data" export, `user_data_tiktok.json` (the JSON format of the export).

    "Profile And Settings" -> "Profile Info" -> "ProfileMap":
        userName, followerCount, followingCount, likesReceived (sometimes the text "None"), birthDate, accountRegion
    "Post" -> "Posts" -> "VideoList": [{"Date": "2024-05-01 18:02:11", "Link": "https://...", "Likes": "152"}]

Older exports name the sections "Profile" -> "Profile Information", "Video" -> "Videos" and "Activity" (for "Your
Activity", where the follower list is); both layouts are read. Dates are UTC, written "YYYY-MM-DD HH:MM:SS",
sometimes followed by " UTC". An empty section may be null, [] or {}. Counts may be numbers or text.

The export has no view counts (nor comments or shares per video): the profile it gives leaves views out, so the
plan says what it could not judge instead of guessing (advisor.plan.assembly warns of videos without views), and the
import warns that the Display API's video list would fill them in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from advisor.profile.importers._common import WHERE, Part, Reader
from engine.documents import format_path

EXPORT = "tiktok-data-export"
LABEL = "TikTok data export (user_data_tiktok.json)"

PROFILE_SECTIONS = ("Profile And Settings", "Profile", "Activity", "Your Activity")
PROFILE_PARTS = ("Profile Info", "Profile Information")
POST_SECTIONS = ("Post", "Video", "Activity")
POST_PARTS = ("Posts", "Videos")
FOLLOWER_SECTIONS = ("Your Activity", "Activity", "Profile And Settings")
FOLLOWER_PARTS = ("Follower", "Follower List", "Followers")
MARKERS = frozenset(PROFILE_SECTIONS + POST_SECTIONS + ("Your Activity", "Comment", "Direct Messages",
                                                        "Ads and data", "App Settings", "Likes and Favorites",
                                                        "Tiktok Live", "Tiktok Shop"))
NO_VIEWS_WARNING = ("Imported from TikTok's data export, which has no view counts: views, engagement rate, "
                    "earnings estimates and the programmes that need views could not be judged. Import the "
                    "Display API's /v2/video/list/ pages as well for them.")
_VIDEO_ID = re.compile(r"/video/(\d+)")


def is_export(data: Mapping[str, Any]) -> bool:
    return "handle" not in data and "followers" not in data and any(key in MARKERS for key in data)


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def _find(data: Mapping[str, Any], sections: tuple[str, ...], parts: tuple[str, ...],
          leaf: str) -> tuple[tuple[str, ...], Any] | None:
    """(path, value) of the first `section -> part -> leaf` present, or None; empty sections count as absent."""
    for section in sections:
        outer = data.get(section)
        if not isinstance(outer, Mapping):
            continue
        for part in parts:
            inner = outer.get(part)
            if isinstance(inner, Mapping) and leaf in inner:
                return (section, part, leaf), inner[leaf]
    return None


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def read_export(data: Mapping[str, Any], file: str, as_of: dt.date) -> Part:
    reader = Reader(file)
    part = Part(EXPORT, file, LABEL)
    found = _find(data, PROFILE_SECTIONS, PROFILE_PARTS, "ProfileMap")
    if found is None or _empty(found[1]):
        where = found[0] if found else ("Profile And Settings", "Profile Info", "ProfileMap")
        reader.fail(where, "missing or empty: the export has no profile section, so followers are unknown "
                           "(was the export requested with 'Profile' ticked?)")
        reader.check()
    assert found is not None  # reader.check() raised otherwise
    path, profile = found
    profile = reader.mapping(profile, path, "the profile map")
    reader.check()
    assert profile is not None
    followers = reader.count(profile, "followerCount", path, lenient=True)
    account: dict[str, Any] = {}
    if followers is None and not any(p.path == format_path(path + ("followerCount",)) for p in reader.problems):
        fans = _find(data, FOLLOWER_SECTIONS, FOLLOWER_PARTS, "FansList")
        if fans is not None and isinstance(fans[1], list):
            followers = len(fans[1])
            part.warnings.append(f"The export gives no follower count: the {followers:,} followers are the "
                                 f"entries of its follower list ({format_path(fans[0])}).")
        else:
            reader.fail(path + ("followerCount",), "missing: the export does not say how many followers the "
                                                   "account has")
    account["followers"] = followers
    account["total_likes"] = reader.count(profile, "likesReceived", path, lenient=True)
    birth = reader.export_date(profile, "birthDate", path)
    if birth is not None and birth <= as_of:
        account["age"] = _age(birth, as_of)
    region = profile.get("accountRegion")
    if isinstance(region, str) and region.strip():
        code = region.strip().upper()
        if len(code) == 2 and code.isalpha():
            account["country"] = "GB" if code == "UK" else code
        else:
            part.warnings.append(f"The export's account region {region!r} is not a two-letter country code: the "
                                 f"country was left out.")
    account["x-following"] = reader.count(profile, "followingCount", path, lenient=True)
    part.handle = reader.text(profile, "userName", path)
    part.account = {key: value for key, value in account.items() if value is not None}

    posts = _find(data, POST_SECTIONS, POST_PARTS, "VideoList")
    # A post section that is there but empty (null, [] or {}) means no posts; no post section means unknown.
    part.listed = posts is not None or any(key in data and _empty(data[key]) for key in ("Post", "Video"))
    if posts is not None and not _empty(posts[1]):
        where, videos = posts
        if not isinstance(videos, list):
            reader.fail(where, "expected a list of posts")
        else:
            for index, item in enumerate(videos):
                video = reader.mapping(item, where + (index,), "a post")
                if video is None:
                    continue
                entry: dict[str, Any] = {
                    "posted": reader.export_date(video, "Date", where + (index,), required=True),
                    "likes": reader.count(video, "Likes", where + (index,), lenient=True),
                    WHERE: format_path(where + (index, "Date")),
                }
                link = video.get("Link")
                match = _VIDEO_ID.search(link) if isinstance(link, str) else None
                if match:
                    entry["id"] = match.group(1)
                part.videos.append({key: value for key, value in entry.items() if value is not None})
                part.usernames.append(None)
    reader.check()
    return part
