"""The facts a rule pack sees for one creator: the profile's own values and the metrics computed from them.

Each definition is the one stated in advisor/plan/facts.py, so a rule author can read what a number means there. A
fact that cannot be computed (a missing input, a zero denominator) is left out rather than set to None, zero or NaN:
the engine then treats it as unknown, and a rule never fires on a made-up value. Floats are rounded to 6
significant digits so that plans and their JSON stay byte-stable across platforms and summation orders.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from advisor.profile.model import Profile, Video
from advisor.values import country_name

LONG_VIDEO_S = 60  # Creator Rewards pays on videos longer than one minute
GROWTH_MIN_DAYS, GROWTH_MAX_DAYS = 20, 45  # a snapshot this far back can stand for "30 days ago"
PROJECTION_MIN_SPAN_DAYS = 7
_PROFILE_FIELDS = ("handle", "as_of", "age", "country", "account_type", "followers", "views_30d", "likes_30d",
                   "comments_30d", "shares_30d", "saves_30d", "posts_30d", "total_likes", "niche")


def creator_facts(profile: Profile) -> dict[str, Any]:
    """Every fact of CREATOR_FACTS that this profile supports; the absent ones are omitted."""
    facts: dict[str, Any] = {name: getattr(profile, name) for name in _PROFILE_FIELDS
                             if getattr(profile, name) is not None}
    if profile.country is not None:
        facts["country_name"] = country_name(profile.country)
    if profile.joined is not None:
        facts["account_age_days"] = (profile.as_of - profile.joined).days
    views, likes, comments = profile.views_30d, profile.likes_30d, profile.comments_30d
    shares, saves, posts, followers = profile.shares_30d, profile.saves_30d, profile.posts_30d, profile.followers
    interactions = None if likes is None or comments is None or shares is None else likes + comments + shares
    rates = {
        "engagement_rate": _ratio(interactions, views),
        "engagement_rate_followers": _ratio(_ratio(interactions, posts, rounded=False), followers),
        "likes_per_view": _ratio(likes, views),
        "comments_per_1k_views": _ratio(comments, views, per=1000),
        "shares_per_1k_views": _ratio(shares, views, per=1000),
        "saves_per_1k_views": _ratio(saves, views, per=1000),
        "views_per_follower": _ratio(views, followers),
        "avg_views_per_post": _ratio(views, posts),
        "posts_per_week": _ratio(posts, 30, per=7),
    }
    facts.update((name, value) for name, value in rates.items() if value is not None)
    if profile.videos is not None:
        facts.update(_video_facts(profile, profile.videos, profile.recent_videos()))
    facts.update(_growth_facts(profile))
    return facts


def _video_facts(profile: Profile, videos: tuple[Video, ...], recent: tuple[Video, ...]) -> dict[str, Any]:
    """Facts from the listed videos. A mean or share is taken over the videos that state the field; a sum (or the
    best video) needs every recent video to state it, since a partial sum would understate it."""
    facts: dict[str, Any] = {"video_count": len(videos)}
    if videos:
        facts["days_since_last_post"] = (profile.as_of - max(video.posted for video in videos)).days
    durations = [video.duration_s for video in recent if video.duration_s is not None]
    if durations:
        facts["avg_duration_s"] = _round(math.fsum(durations) / len(durations))
        facts["long_video_share"] = _round(sum(d > LONG_VIDEO_S for d in durations) / len(durations))
    timed = [(video.duration_s, video.views) for video in recent
             if video.duration_s is not None and video.views is not None]
    if len(timed) == len(recent):
        facts["qualified_views_30d"] = sum(views for duration, views in timed if duration > LONG_VIDEO_S)
    sounds = [video.sound for video in videos if video.sound is not None]
    if sounds:
        facts["trending_sound_share"] = _round(sounds.count("trending") / len(sounds))
        facts["original_sound_share"] = _round(sounds.count("original") / len(sounds))
    views = [video.views for video in recent if video.views is not None]
    if recent and len(views) == len(recent) and profile.views_30d:
        best = max(views)
        facts["top_video_view_share"] = _round(min(1.0, best / profile.views_30d))
    return facts


def _growth_facts(profile: Profile) -> dict[str, Any]:
    """Followers gained over about 30 days: now minus the snapshot nearest to 30 days back, scaled to 30 days when
    that snapshot is 20-45 days back; the rate divides by the followers 30 days back on the same straight line."""
    candidates = [((profile.as_of - s.date).days, s.followers) for s in profile.history or ()
                  if GROWTH_MIN_DAYS <= (profile.as_of - s.date).days <= GROWTH_MAX_DAYS]
    if not candidates:
        return {}
    days, before = min(candidates, key=lambda item: (abs(item[0] - 30), item[0]))
    gained = (profile.followers - before) * 30 / days
    facts: dict[str, Any] = {"follower_growth_30d": round(gained)}
    base = profile.followers - gained
    if base > 0:
        facts["follower_growth_rate_30d"] = _round(gained / base)
    return facts


def growth_projection(profile: Profile, target: int) -> tuple[float | None, dt.date | None]:
    """(followers gained per day, the day the trend reaches `target`), from a least-squares line through the
    history snapshots and today's (as_of, followers). Needs 2+ points spanning 7+ days, else (None, None). The day
    is None when the line is not rising, when followers already reach `target`, or past the year 9999; it is never
    before the day after as_of, since the target is not reached yet."""
    points = {s.date: s.followers for s in profile.history or ()}
    points[profile.as_of] = profile.followers  # the profile's own count wins over a snapshot of the same day
    if len(points) < 2 or (max(points) - min(points)).days < PROJECTION_MIN_SPAN_DAYS:
        return None, None
    origin = min(points)
    xs = [(day - origin).days for day in points]
    ys = list(points.values())
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    slope = (math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
             / math.fsum((x - mean_x) ** 2 for x in xs))
    daily = _round(slope)
    if slope <= 0 or profile.followers >= target:
        return daily, None
    reach = mean_x + (target - mean_y) / slope  # days after origin
    days_ahead = max(1, math.ceil(reach - (profile.as_of - origin).days - 1e-9))
    if days_ahead > (dt.date.max - profile.as_of).days:
        return daily, None
    return daily, profile.as_of + dt.timedelta(days=days_ahead)


def recent_pace(as_of: dt.date, followers: int, gained_30d: int,
                target: int | None) -> tuple[float, dt.date | None]:
    """(followers gained per day, the day `target` is reached) at the pace of the last 30 days: the same count of
    days the growth advice gives ("about N days away": the gap divided by the 30-day gain, times 30, rounded up).
    The day is None without a target, when the pace is not rising, or past the year 9999."""
    daily = _round(gained_30d / 30)
    if target is None or gained_30d <= 0 or followers >= target:
        return daily, None
    days_ahead = math.ceil((target - followers) / gained_30d * 30)
    if days_ahead > (dt.date.max - as_of).days:
        return daily, None
    return daily, as_of + dt.timedelta(days=days_ahead)


def _ratio(numerator: float | None, denominator: float | None, *, per: float = 1,
           rounded: bool = True) -> float | None:
    """numerator * per / denominator, or None when either is unknown or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    value = numerator * per / denominator
    return _round(value) if rounded else value


def _round(value: float) -> float:
    """A plain float with 6 significant digits (0.0 for zero)."""
    return float(f"{float(value):.6g}")
