"""The facts a creator's evaluation provides to the rules: profile fields and computed metrics.

This catalogue is what makes rule files checkable when they load: a rule that names a fact outside it (and not
asserted by another rule) is rejected with a did-you-mean, and a comparison of the wrong type is caught before any
profile runs. Every fact the advisor hands to the engine must be declared here, with its type and meaning.
"""

from __future__ import annotations

from engine import FactSpec

PROFILE_FACTS: tuple[FactSpec, ...] = (
    FactSpec("handle", "string", "Account name, without @."),
    FactSpec("as_of", "date", "The day the numbers were read; dated thresholds are judged against it."),
    FactSpec("age", "integer", "The creator's age in years."),
    FactSpec("country", "string", "ISO 3166-1 alpha-2 code of the country the account is registered in."),
    FactSpec("country_name", "string", "The country's name in English, from `country` (ISO 3166-1)."),
    FactSpec("account_type", "string", "`personal` or `business`."),
    FactSpec("followers", "integer", "Current followers."),
    FactSpec("views_30d", "integer", "Video views in the 30 days before as_of."),
    FactSpec("likes_30d", "integer", "Likes received in the 30 days before as_of."),
    FactSpec("comments_30d", "integer", "Comments received in the 30 days before as_of."),
    FactSpec("shares_30d", "integer", "Shares in the 30 days before as_of."),
    FactSpec("saves_30d", "integer", "Saves (favourites) in the 30 days before as_of."),
    FactSpec("posts_30d", "integer", "Public posts in the 30 days before as_of."),
    FactSpec("total_likes", "integer", "Lifetime likes received."),
    FactSpec("niche", "string", "The creator's topic, compared without regard to case or spacing.", folded=True),
    FactSpec("account_age_days", "integer", "Days since the account was created (from `joined`)."),
)

METRIC_FACTS: tuple[FactSpec, ...] = (
    FactSpec("engagement_rate", "number", "(likes + comments + shares) / views over the last 30 days."),
    FactSpec("engagement_rate_followers", "number",
             "(likes + comments + shares) per post, divided by followers, over the last 30 days."),
    FactSpec("likes_per_view", "number", "Likes divided by views over the last 30 days."),
    FactSpec("comments_per_1k_views", "number", "Comments per 1,000 views over the last 30 days."),
    FactSpec("shares_per_1k_views", "number", "Shares per 1,000 views over the last 30 days."),
    FactSpec("saves_per_1k_views", "number", "Saves per 1,000 views over the last 30 days."),
    FactSpec("views_per_follower", "number", "Views in the last 30 days divided by followers."),
    FactSpec("avg_views_per_post", "number", "Views in the last 30 days divided by posts in the last 30 days."),
    FactSpec("posts_per_week", "number", "Posts in the last 30 days, per week."),
    FactSpec("days_since_last_post", "integer", "Days between the newest listed video and as_of."),
    FactSpec("video_count", "integer", "How many recent videos the profile lists."),
    FactSpec("avg_duration_s", "number", "Mean duration of the listed videos of the last 30 days, in seconds."),
    FactSpec("long_video_share", "number",
             "Share (0-1) of the last 30 days' listed videos longer than 60 seconds."),
    FactSpec("qualified_views_30d", "integer",
             "Views in the last 30 days on videos longer than 60 seconds (what Creator Rewards pays on)."),
    FactSpec("trending_sound_share", "number", "Share (0-1) of listed videos that use a trending sound."),
    FactSpec("original_sound_share", "number", "Share (0-1) of listed videos that use an original sound."),
    FactSpec("top_video_view_share", "number",
             "Share (0-1) of the last 30 days' views that came from the single best video."),
    FactSpec("follower_growth_30d", "integer", "Followers gained over about the last 30 days (from history)."),
    FactSpec("follower_growth_rate_30d", "number",
             "Followers gained over about the last 30 days, as a share of the followers before."),
)

CREATOR_FACTS: tuple[FactSpec, ...] = PROFILE_FACTS + METRIC_FACTS
