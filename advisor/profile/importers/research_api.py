"""TikTok Research API data: user info and video query responses, and the records researchers keep of them.

    user info     {"data": {"follower_count", "following_count", "likes_count", "video_count", "display_name",
                            "is_verified", ...}, "error": {"code": "ok", ...}}
    video query   {"data": {"videos": [{"id", "username", "create_time" (Unix seconds), "view_count",
                                        "like_count", "comment_count", "share_count", "favorites_count",
                                        "video_duration", ...}], "cursor", "has_more", "search_id"}, "error": {...}}
    record        {"username", "follower_count", "likes_count", "video_count", "videos": [...]}  (one account:
                  the user info's fields and its videos, one JSON object; JSONL holds one per line)

The user info does not repeat the username it was asked for: the handle comes from --handle, the record's
`username` or the videos' `username`. `favorites_count` is the videos' saves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.profile.importers._common import WHERE, Part, Reader, api_payload
from advisor.profile.importers.display_api import video_id
from engine.documents import format_path

USER_INFO = "tiktok-research-api/user-info"
VIDEOS = "tiktok-research-api/video-query"
RECORD = "tiktok-research-api/record"
LABELS = {USER_INFO: "TikTok Research API user info", VIDEOS: "TikTok Research API video query",
          RECORD: "TikTok Research API record"}

_ACCOUNT_KEYS = ("follower_count", "likes_count", "video_count", "following_count")
_VIDEO_KEYS = frozenset({"video_duration", "favorites_count", "region_code", "music_id", "hashtag_names",
                         "voice_to_text", "username"})


def is_user_info(data: Mapping[str, Any]) -> bool:
    inner = data.get("data")
    return isinstance(inner, Mapping) and "user" not in inner and any(key in inner for key in _ACCOUNT_KEYS)


def is_video_query(data: Mapping[str, Any]) -> bool:
    inner = data.get("data")
    if not isinstance(inner, Mapping):
        return False
    if "search_id" in inner:
        return True
    videos = inner.get("videos")
    return isinstance(videos, list) and any(isinstance(v, Mapping) and _VIDEO_KEYS & v.keys() for v in videos)


def is_record(data: Mapping[str, Any]) -> bool:
    if "data" in data or "handle" in data or "followers" in data:
        return False
    if any(key in data for key in _ACCOUNT_KEYS):
        return True
    videos = data.get("videos")
    return isinstance(videos, list) and any(isinstance(v, Mapping) and _VIDEO_KEYS & v.keys() for v in videos)


def _account(reader: Reader, fields: Mapping[str, Any], path: tuple[Any, ...], required: bool) -> dict[str, Any]:
    account: dict[str, Any] = {
        "followers": reader.count(fields, "follower_count", path, required=required),
        "total_likes": reader.count(fields, "likes_count", path),
        "x-display-name": reader.text(fields, "display_name", path),
        "x-verified": reader.flag(fields, "is_verified", path),
        "x-following": reader.count(fields, "following_count", path),
        "x-video-count": reader.count(fields, "video_count", path),
    }
    return {key: value for key, value in account.items() if value is not None}


def _videos(reader: Reader, part: Part, videos: Any, path: tuple[Any, ...]) -> None:
    if not isinstance(videos, list):
        reader.fail(path, "expected a list of videos")
        return
    for index, item in enumerate(videos):
        where = path + (index,)
        video = reader.mapping(item, where, "a video")
        if video is None:
            continue
        entry: dict[str, Any] = {
            "posted": reader.epoch_date(video, "create_time", where),
            "duration_s": reader.number(video, "video_duration", where),
            "views": reader.count(video, "view_count", where),
            "likes": reader.count(video, "like_count", where),
            "comments": reader.count(video, "comment_count", where),
            "shares": reader.count(video, "share_count", where),
            "saves": reader.count(video, "favorites_count", where),
            "id": video_id(reader, video, where),
            WHERE: format_path(where + ("create_time",)),
        }
        part.videos.append({key: value for key, value in entry.items() if value is not None})
        part.usernames.append(reader.text(video, "username", where))


def read_user_info(data: Mapping[str, Any], file: str) -> Part:
    reader, inner = api_payload(data, file)
    account = _account(reader, inner, ("data",), required=True)
    handle = reader.text(inner, "username", ("data",))
    reader.check()
    return Part(USER_INFO, file, LABELS[USER_INFO], handle=handle, account=account)


def read_video_query(data: Mapping[str, Any], file: str) -> Part:
    reader, inner = api_payload(data, file)
    part = Part(VIDEOS, file, LABELS[VIDEOS], has_more=bool(reader.flag(inner, "has_more", ("data",))),
                listed=True)
    if "videos" not in inner or inner["videos"] is None:
        reader.fail(("data", "videos"), "missing: expected the list of videos (an empty page has [])")
    else:
        _videos(reader, part, inner["videos"], ("data", "videos"))
    reader.check()
    return part


def read_record(data: Mapping[str, Any], file: str) -> Part:
    reader = Reader(file)
    # A record of videos alone is one part of a profile (the user info may come from another file).
    account = _account(reader, data, (), required=not data.get("videos"))
    part = Part(RECORD, file, LABELS[RECORD], handle=reader.text(data, "username", ()),
                account=account if "followers" in account else None)
    if data.get("videos") is not None:
        part.listed = True
        _videos(reader, part, data["videos"], ("videos",))
    reader.check()
    return part
