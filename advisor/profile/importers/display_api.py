"""TikTok Display API v2 responses, saved as JSON: `/v2/user/info/` and pages of `/v2/video/list/`.

    /v2/user/info/   {"data": {"user": {"username", "display_name", "follower_count", "following_count",
                                        "likes_count", "video_count", "is_verified", ...}},
                      "error": {"code": "ok", "message": "", "log_id": "..."}}
    /v2/video/list/  {"data": {"videos": [{"id", "create_time" (Unix seconds), "duration", "view_count",
                                           "like_count", "comment_count", "share_count", "title"}, ...],
                               "cursor": ..., "has_more": true|false},
                      "error": {...}}

A response whose `error.code` is not "ok" is an error naming that code. The user info needs `follower_count` (the
user.info.stats scope); `username` (user.info.profile) gives the handle unless --handle does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.profile.importers._common import WHERE, Part, Reader, api_error, api_payload
from engine.documents import format_path

USER_INFO = "tiktok-display-api/user-info"
VIDEO_LIST = "tiktok-display-api/video-list"
LABELS = {USER_INFO: "TikTok Display API /v2/user/info/", VIDEO_LIST: "TikTok Display API /v2/video/list/"}

DISPLAY_VIDEO_KEYS = frozenset({"duration", "title", "embed_link", "embed_html", "cover_image_url", "share_url",
                                "video_description", "height", "width"})


def is_user_info(data: Mapping[str, Any]) -> bool:
    inner = data.get("data")
    return isinstance(inner, Mapping) and "user" in inner


def is_video_page(data: Mapping[str, Any]) -> bool:
    """A /v2/video/list/ page (and not a Research API video query, which names each video's author)."""
    inner = data.get("data")
    if not isinstance(inner, Mapping) or "search_id" in inner:
        return False
    if not ("videos" in inner or "has_more" in inner or "cursor" in inner):
        return False
    videos = inner.get("videos")
    if isinstance(videos, list):
        for video in videos:
            if isinstance(video, Mapping) and ("video_duration" in video or "username" in video
                                               or "favorites_count" in video):
                return False
    return True


def read_user_info(data: Mapping[str, Any], file: str) -> Part:
    reader = Reader(file)
    if api_error(reader, data):
        reader.check()
    inner = reader.mapping(data.get("data"), ("data",), "the response's data")
    user = reader.mapping(inner.get("user"), ("data", "user"), "the user") if inner is not None else None
    reader.check()
    assert user is not None
    path = ("data", "user")
    stats = " (request it with the user.info.stats scope)"
    account: dict[str, Any] = {
        "followers": reader.count(user, "follower_count", path, required=True, hint=stats),
        "total_likes": reader.count(user, "likes_count", path),
    }
    handle = reader.text(user, "username", path)
    notes = {"x-display-name": reader.text(user, "display_name", path),
             "x-verified": reader.flag(user, "is_verified", path),
             "x-following": reader.count(user, "following_count", path),
             "x-video-count": reader.count(user, "video_count", path)}
    reader.check()
    account.update((key, value) for key, value in notes.items() if value is not None)
    return Part(USER_INFO, file, LABELS[USER_INFO], handle=handle,
                account={key: value for key, value in account.items() if value is not None})


def read_video_page(data: Mapping[str, Any], file: str) -> Part:
    reader, inner = api_payload(data, file)
    videos = inner.get("videos")
    has_more = reader.flag(inner, "has_more", ("data",))
    if videos is None:
        reader.fail(("data", "videos"), "missing: expected the list of videos (an empty page has [])")
    elif not isinstance(videos, list):
        reader.fail(("data", "videos"), "expected a list of videos")
        videos = None
    part = Part(VIDEO_LIST, file, LABELS[VIDEO_LIST], has_more=bool(has_more), listed=videos is not None)
    for index, item in enumerate(videos or ()):
        path = ("data", "videos", index)
        video = reader.mapping(item, path, "a video")
        if video is None:
            continue
        posted = reader.epoch_date(video, "create_time", path)
        entry: dict[str, Any] = {
            "posted": posted,
            "duration_s": reader.number(video, "duration", path),
            "views": reader.count(video, "view_count", path),
            "likes": reader.count(video, "like_count", path),
            "comments": reader.count(video, "comment_count", path),
            "shares": reader.count(video, "share_count", path),
            "title": reader.text(video, "title", path),
            "id": video_id(reader, video, path),
            WHERE: format_path(path + ("create_time",)),
        }
        part.videos.append({key: value for key, value in entry.items() if value is not None})
        part.usernames.append(None)
    reader.check()
    return part


def video_id(reader: Reader, video: Mapping[str, Any], path: tuple[Any, ...]) -> str | None:
    value = video.get("id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        reader.fail(path + ("id",), f"expected the video's id as text, got {value!r}")
        return None
    return str(value)
