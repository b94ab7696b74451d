"""Charts for the HTML report, drawn as inline SVG from the plan mapping (docs/plan-json.md).

Why Python and not Jinja macros: a chart is arithmetic (scales, nice ticks, date axes, where a label may go
without running off the edge), which is awkward to write and impossible to unit-test in a template. Each function
here takes plan data and returns a `markupsafe.Markup` string, so the autoescaping template inserts it as markup;
every piece of text that goes into it (names, labels, numbers, ids) passes through `escape` first, so a handle or
programme name like `<script>` ends up as text. They are registered as filters by `advisor.reports.render`, so custom
templates (`--template`) can use them too.

Layout: no viewBox. Horizontal positions are percentages of the chart's width and vertical ones are pixels, so a
chart stretches from a 390 px phone to a desktop while its text keeps the page's size (a scaled viewBox would
shrink the labels to unreadable on a phone). The page's stylesheet colours the classes (`c-bar`, `c-met`, ...)
for light, dark and print; the presentation attributes are the light-scheme fallback for a page without it.

Every chart is `role="img"`, named by its `<title>` and described by its `<desc>`: the desc says in words what the
chart shows, value by value, for screen readers and for anyone who cannot see the colours. A chart with nothing
to draw returns an empty string.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Mapping, TypeGuard

from markupsafe import Markup, escape

from advisor.profile.model import WINDOW_DAYS
from advisor.reports.words import comparison, fact_label  # the one wording of facts and of where a rate stands
from engine.templating import compact, number, percent

FONT_SIZE = 13
_ROW = 44  # one labelled bar: a text line, then the bar
_BAR = 10
_COLOURS = {  # light-scheme fallbacks; the page's CSS overrides them per scheme
    "c-track": "#dde2e8", "c-bar": "#0a58ca", "c-met": "#1d7a43", "c-old": "#6b7480", "c-window": "#eef3fb",
    "c-grid": "#c9d0d8", "c-text": "#1a1d21", "c-sub": "#4a5360", "c-mark": "#8a1c1c",
}


# ---- small helpers ---------------------------------------------------------------------------------------------

def _is_number(item: Any) -> TypeGuard[float]:
    return isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)


def _pct(share: float) -> str:
    """A 0..1 share as an SVG percentage coordinate, clamped, with at most 2 decimals."""
    share = max(0.0, min(1.0, share))
    return f"{round(share * 100, 2):g}%"


def _date(item: Any) -> dt.date | None:
    if isinstance(item, dt.date):
        return item
    try:
        return dt.date.fromisoformat(str(item))
    except ValueError:
        return None


def nice_step(span: float, intervals: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that cuts `span` into at most `intervals` parts."""
    if span <= 0:
        return 1.0
    raw = span / intervals
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw - 1e-12:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def nice_ticks(top: float, intervals: int = 4) -> list[float]:
    """0, step, 2*step ... up to the first multiple of a nice step at or above `top`."""
    step = nice_step(top, intervals)
    count = max(1, math.ceil(top / step - 1e-9))
    return [step * i for i in range(count + 1)]


def _text(x: str, y: float, content: Any, *, anchor: str = "start", cls: str = "c-text", bold: bool = False) -> str:
    weight = ' font-weight="600"' if bold else ""
    return (f'<text x="{x}" y="{y:g}" text-anchor="{anchor}" class="{cls}" fill="{_COLOURS[cls]}"{weight}>'
            f"{escape(content)}</text>")


def _rect(x: str, y: float, width: str, height: float, cls: str, *, rx: float = 0, extra: str = "") -> str:
    radius = f' rx="{rx:g}"' if rx else ""
    return (f'<rect x="{x}" y="{y:g}" width="{width}" height="{height:g}"{radius} class="{cls}" '
            f'fill="{_COLOURS[cls]}"{extra}/>')


def _line(x1: str, y1: float, x2: str, y2: float, cls: str, *, dashed: bool = False, width: float = 1) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (f'<line x1="{x1}" y1="{y1:g}" x2="{x2}" y2="{y2:g}" class="{cls}" stroke="{_COLOURS[cls]}" '
            f'stroke-width="{width:g}"{dash}/>')


def _svg(chart_id: Any, kind: str, height: float, title: str, desc: str, body: Iterable[str]) -> Markup:
    ident = escape(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" width="100%" height="{height:g}" '
        f'font-size="{FONT_SIZE}" role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _bar_row(y: float, left: str, right: str, share: float | None, cls: str, *, sub: str | None = None) -> list[str]:
    """A row of a horizontal bar chart: label left, value right, then a full-width track filled to `share`."""
    parts = [_text("0", y + 15, left, bold=True), _text("100%", y + 15, right, anchor="end")]
    if sub:
        parts.append(_text("0", y + 15, sub, cls="c-sub"))
    parts.append(_rect("0", y + 23, "100%", _BAR, "c-track", rx=_BAR / 2))
    if share is not None and share > 0:
        parts.append(_rect("0", y + 23, _pct(share), _BAR, cls, rx=_BAR / 2))
    return parts


# ---- programme thresholds --------------------------------------------------------------------------------------

_SHORT_LABELS = {"age": "Age", "account_age_days": "Account age (days)"}


def _label(fact: Any) -> str:
    if fact in _SHORT_LABELS:
        return _SHORT_LABELS[fact]
    words = fact_label(fact)
    return words[:1].upper() + words[1:]


def threshold_rows(programme: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The requirements of a programme that are numeric minimums in force: the ones progress can be shown for. Not
    a scope requirement (an age): it is not progress anyone can make."""
    return [r for r in programme.get("requirements") or ()
            if r.get("fact") is not None and r.get("operator") in (">=", ">") and r.get("in_force")
            and not r.get("scope") and _is_number(r.get("required"))]


def threshold_chart(programme: Mapping[str, Any], chart_id: str = "chart-programme") -> Markup:
    """Progress toward every numeric threshold of one programme: a bar per requirement, full at the threshold."""
    rows = threshold_rows(programme)
    if not rows:
        return Markup("")
    body, words = [], []
    for index, req in enumerate(rows):
        actual, required, met = req.get("actual"), req["required"], req.get("met")
        progress = req.get("progress")
        if not _is_number(actual):
            right, share, state = f"unknown / {number(required)}", None, "unknown"
        elif met:
            share, state = 1.0, "met"
            right = f"✓ {number(actual)} (needs {number(required)})"
        else:
            share = progress if _is_number(progress) else 0.0
            shown = f"{math.floor(min(share, 1) * 100)}%"  # never "100%" while unmet
            right, state = f"{number(actual)} / {number(required)} ({shown})", "not met"
        body += _bar_row(index * _ROW, _label(req["fact"]), right, share, "c-met" if met else "c-bar")
        words.append(f"{_label(req['fact'])}: {right.removeprefix('✓ ')}, {state}")
    name = programme.get("name") or programme.get("program") or "the programme"
    return _svg(chart_id, "thresholds", len(rows) * _ROW, f"Progress toward the thresholds of {name}",
                "; ".join(words) + ".", body)


# ---- engagement against the benchmark --------------------------------------------------------------------------

def engagement_chart(engagement: Mapping[str, Any], chart_id: str = "chart-engagement") -> Markup:
    """The creator's engagement rate by views against the benchmark of their follower band, on one scale, with
    the benchmark drawn as a dashed line through both bars."""
    rate, benchmark = engagement.get("rate"), engagement.get("benchmark")
    if not _is_number(rate) or not _is_number(benchmark) or max(rate, benchmark) <= 0:
        return Markup("")
    ticks = nice_ticks(max(rate, benchmark) * 1.1, 4)
    top = ticks[-1]
    band = engagement.get("benchmark_band")
    bench_label = f"Benchmark ({band})" if band else "Benchmark"
    body = _bar_row(0, "You", percent(rate), rate / top, "c-bar")
    body += _bar_row(_ROW, bench_label, percent(benchmark), benchmark / top, "c-old")
    axis_y = 2 * _ROW + 8
    body.append(_line("0", axis_y, "100%", axis_y, "c-grid"))
    for i, tick in enumerate(ticks):
        x = _pct(tick / top)
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        body.append(_line(x, axis_y, x, axis_y + 4, "c-grid"))
        body.append(_text(x, axis_y + 18, percent(tick, 0 if abs(tick * 100 - round(tick * 100)) < 1e-9 else 1),
                          anchor=anchor, cls="c-sub"))
    marker = _pct(benchmark / top)  # the benchmark across both bars, clear of the labels above them
    for row in (0, _ROW):
        body.append(_line(marker, row + 20, marker, row + 23 + _BAR + 3, "c-text", width=2))
    verdict = comparison(engagement) or "compared with"
    desc = (f"Your engagement rate is {percent(rate)} of views, {verdict} the {percent(benchmark)} benchmark"
            + (f" for creators with {band}" if band else "") + ".")
    return _svg(chart_id, "engagement", axis_y + 24, "Engagement rate against the benchmark", desc, body)


# ---- views per recent video -----------------------------------------------------------------------------------

MAX_VIDEOS = 30
_VIDEO_ROW = 40
_HEADING = 26
_INSET, _INNER = "3%", "94%"


def views_chart(plan: Mapping[str, Any], chart_id: str = "chart-views") -> Markup:
    """Views of each listed video, newest first, with the 30-day window the plan judges marked as a band (the
    videos in it) and the older ones below it in a muted colour. At most MAX_VIDEOS rows."""
    profile: Mapping[str, Any] = plan.get("profile") or {}
    as_of = _date(plan.get("as_of") or profile.get("as_of"))
    dated = [(day, video) for video in profile.get("videos") or ()
             if (day := _date(video.get("posted"))) is not None]
    counts = [video["views"] for _, video in dated if _is_number(video.get("views"))]
    if as_of is None or not counts:
        return Markup("")
    start = as_of - dt.timedelta(days=WINDOW_DAYS)
    dated.sort(key=lambda pair: pair[0], reverse=True)
    recent = [(day, video) for day, video in dated if start < day <= as_of]
    older = [(day, video) for day, video in dated if day <= start]
    shown_recent = recent[:MAX_VIDEOS]
    shown_older = older[:max(0, MAX_VIDEOS - len(shown_recent))]
    top = nice_ticks(max(counts), 4)[-1]
    body: list[str] = []
    words: list[str] = []
    y = 0.0

    def rows(items: list[tuple[dt.date, Mapping[str, Any]]], cls: str) -> None:
        nonlocal y
        for day, video in items:
            views = video.get("views")
            when = day.isoformat()
            seconds = video.get("duration_s")
            detail = f" · {number(seconds)} s" if _is_number(seconds) else ""
            right = f"{number(views)} views" if _is_number(views) else "views unknown"
            body.extend(_bar_row(y, when + detail, right, views / top if _is_number(views) else None, cls))
            words.append(f"{when}{detail.replace(' · ', ', ')}: {right}")
            y += _VIDEO_ROW

    window_total = sum(video["views"] for _, video in recent if _is_number(video.get("views")))
    first_day = (start + dt.timedelta(days=1)).isoformat()
    heading = (f"Last {WINDOW_DAYS} days: {len(recent)} video{'s' if len(recent) != 1 else ''}, "
               f"{compact(window_total)} views" if recent else f"No listed video in the last {WINDOW_DAYS} days")
    dates = f"{first_day} to {as_of.isoformat()}"
    words.append(f"{heading} ({dates})")
    y = _HEADING + 16
    if shown_recent:  # the window: a tinted band with an accent edge behind its heading and rows
        band_height = y + len(shown_recent) * _VIDEO_ROW + 6
        body.append(_rect("0", 0, "100%", band_height, "c-window", rx=6))
        body.append(_rect("0", 0, "4", band_height, "c-bar"))
    body.append(_text(_INSET, 18, heading, bold=True))
    body.append(_text(_INSET, 35, dates, cls="c-sub"))
    # Rows sit in a nested coordinate system inset from both edges, so they clear the band's edges.
    body.append(f'<svg x="{_INSET}" y="0" width="{_INNER}" overflow="visible">')
    rows(shown_recent, "c-bar")
    if shown_recent:
        y += 6
    if shown_older:
        y += 10
        body.append(_text("0", y + 14, f"Earlier (before {first_day})", bold=True))
        words.append("earlier videos")
        y += _HEADING - 4
        rows(shown_older, "c-old")
    left_out = len(dated) - len(shown_recent) - len(shown_older)
    if left_out:
        body.append(_text("0", y + 16, f"{left_out} older video{'s' if left_out != 1 else ''} not shown",
                          cls="c-sub"))
        words.append(f"{left_out} older video{'s' if left_out != 1 else ''} not shown")
        y += _HEADING
    body.append("</svg>")
    return _svg(chart_id, "views", y, f"Views per video, with the last {WINDOW_DAYS} days marked",
                "; ".join(words) + ".", body)


# ---- follower history and the projected milestone --------------------------------------------------------------

_PLOT_TOP, _PLOT_BOTTOM = 28.0, 188.0
_PLOT_LEFT, _PLOT_RIGHT = 0.02, 0.88


def growth_chart(plan: Mapping[str, Any], chart_id: str = "chart-growth") -> Markup:
    """Followers over time from the profile's history and today's count; where the plan projects a date for the
    next milestone, a dashed projection to it and the milestone as a dashed level. Needs two dated points."""
    profile: Mapping[str, Any] = plan.get("profile") or {}
    growth: Mapping[str, Any] = plan.get("growth") or {}
    as_of = _date(plan.get("as_of") or profile.get("as_of"))
    points: dict[dt.date, float] = {}
    for snap in profile.get("history") or ():
        day = _date(snap.get("date"))
        if day is not None and _is_number(snap.get("followers")):
            points[day] = snap["followers"]
    count = growth.get("followers", profile.get("followers"))
    followers = float(count) if _is_number(count) else None
    if as_of is None or followers is None:
        return Markup("")
    points[as_of] = followers  # today's count wins over a snapshot of the same day, as in the projection
    if len(points) < 2:
        return Markup("")
    days = sorted(points)
    first = days[0]
    milestone, projected = growth.get("next_milestone"), _date(growth.get("projected_date"))
    target = (float(milestone), projected) if _is_number(milestone) and projected is not None \
        and projected > as_of else None
    projecting = target is not None
    span = max((as_of - first).days, 1)
    end = as_of
    if target is not None:
        end = min(target[1], as_of + dt.timedelta(days=max(3 * span, 365)))  # keep the history readable
    total_days = max((end - first).days, 1)
    top = nice_ticks(max([*points.values(), target[0] if target else 0]) * 1.08, 4)
    y_max = top[-1]

    def x(day: dt.date) -> str:  # the plot runs from 2% to 88%: room for point markers and the tick labels
        return _pct(_PLOT_LEFT + (day - first).days / total_days * (_PLOT_RIGHT - _PLOT_LEFT))

    def y(count: float) -> float:
        return round(_PLOT_BOTTOM - (count / y_max) * (_PLOT_BOTTOM - _PLOT_TOP), 1)

    body: list[str] = []
    tip_text: str | None = None
    for tick in top:
        body.append(_line("0", y(tick), "100%", y(tick), "c-grid"))
        body.append(_text("100%", y(tick) - 4, compact(tick), anchor="end", cls="c-sub"))
    if target is not None:
        milestone, projected = target
        level = y(milestone)
        body.append(_line("0", level, _pct(_PLOT_RIGHT), level, "c-mark", dashed=True, width=1.5))
        body.append(_text("0", level - 6, f"Next milestone: {number(milestone)}", cls="c-text", bold=True))
        if projected <= end:
            tip_x, tip_y, tip_text = x(projected), level, None
        else:  # clipped: draw toward the milestone up to the edge
            share = (end - as_of).days / (projected - as_of).days
            tip_x, tip_y = _pct(_PLOT_RIGHT), y(followers + (milestone - followers) * share)
            tip_text = f"reaches it about {projected.isoformat()}"
        body.append(_line(x(as_of), y(followers), tip_x, tip_y, "c-mark", dashed=True, width=2))
        body.append(f'<circle cx="{tip_x}" cy="{tip_y:g}" r="5" class="c-mark" fill="{_COLOURS["c-window"]}" '
                    f'stroke="{_COLOURS["c-mark"]}" stroke-width="2"/>')
    for a, b in zip(days, days[1:], strict=False):
        body.append(_line(x(a), y(points[a]), x(b), y(points[b]), "c-bar", width=2.5))
    for day in days:
        body.append(f'<circle cx="{x(day)}" cy="{y(points[day]):g}" r="3.5" class="c-bar" '
                    f'fill="{_COLOURS["c-bar"]}"/>')
    # Today's count beside its point, on whichever side has room.
    today_share = (as_of - first).days / total_days
    anchor = "end" if today_share > 0.5 else "start"
    body.append(_text(x(as_of), y(followers) + (18 if projecting else -10), f"{number(followers)} now",
                      anchor=anchor, bold=True))
    # The date axis: the first day and the last (today is marked by its "now" label, not the axis: a third date
    # would collide with the others on a phone).
    axis = _PLOT_BOTTOM + 20
    body.append(_text(x(first), axis, first.isoformat(), cls="c-sub"))
    if projecting:
        if tip_text:
            body.append(_text(x(end), axis + 16, tip_text, anchor="end", cls="c-text", bold=True))
            body.append(_text(x(end), axis, end.isoformat(), anchor="end", cls="c-sub"))
        else:
            body.append(_text(x(end), axis, f"about {end.isoformat()}", anchor="end", cls="c-text", bold=True))
    else:
        body.append(_text(x(end), axis, end.isoformat(), anchor="end", cls="c-sub"))
    history = ", ".join(f"{number(points[d])} on {d.isoformat()}" for d in days)
    desc = f"Followers: {history}."
    daily = growth.get("daily_growth")
    if target is not None:
        desc += (f" At about {number(daily, 1)} a day" if _is_number(daily) else " At this pace") + \
                f" you reach the next milestone, {number(target[0])}, about {target[1].isoformat()}."
    title = "Followers over time" + (" and the projected next milestone" if projecting else "")
    return _svg(chart_id, "growth", axis + (22 if projecting and tip_text else 8), title, desc, body)


CHART_FILTERS = {
    "threshold_chart": threshold_chart,
    "engagement_chart": engagement_chart,
    "views_chart": views_chart,
    "growth_chart": growth_chart,
    "threshold_rows": threshold_rows,
}
