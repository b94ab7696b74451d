"""The short summary `creator-advisor plan PROFILE` prints on a terminal: the verdict for every programme, the three
most important actions, and how to write the full report. Piped or redirected, the command prints the Markdown
report instead (see `advisor.cli.main.plan`); the summary is for a person looking at a terminal.

Colour is ANSI escape codes, left out when NO_COLOR is set (https://no-color.org: any non-empty value) or
when the caller asks for none. Profile and rule text is untrusted: control characters (an escape sequence in a
niche could restyle or retitle a terminal) are removed before anything is printed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import textwrap
from typing import Any, Mapping, Sequence

from advisor.reports.words import comparison, counted, missing, ordered, status_label
from advisor.terminal import safe_text
from engine.templating import number, percent

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MARKS = {"eligible": ("✓", "green"), "unknown": ("?", "yellow"), "not_eligible": ("✗", "red"),
          "not_offered": ("–", None), "closed": ("○", None)}
TOP_ACTIONS = 3


def stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (the check the CLI uses; tests replace it to simulate one)."""
    stream = sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def colour_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """False when NO_COLOR is set to anything but the empty string."""
    return not (environ if environ is not None else os.environ).get("NO_COLOR")


_COLOURS = {"red": 31, "green": 32, "yellow": 33}


def _styled(text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    """`text` in a terminal's colour and weight (ANSI SGR codes, reset after), as click.style writes them."""
    codes = ([_COLOURS[fg]] if fg else []) + ([1] if bold else []) + ([2] if dim else [])
    return "".join(f"\x1b[{code}m" for code in codes) + text + "\x1b[0m"


def _plain(text: Any) -> str:
    return safe_text(_CONTROL.sub(" ", str(text)).strip())


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(1, width - 1)].rstrip() + "…"


def terminal_summary(plan: Mapping[str, Any], *, command: Sequence[str] = ("PROFILE",), colour: bool = True,
                     width: int | None = None) -> str:
    """The summary of `plan` (the plan mapping, docs/plan-json.md) as lines of text ending in a newline.
    `command` is the profile argument and options that reproduce this plan, for the hint of how to write the
    full report; `width` is the terminal's width (long lines are cut to it)."""
    width = max(40, width or shutil.get_terminal_size((100, 24)).columns)

    def style(text: str, **kwargs: Any) -> str:
        return _styled(text, **kwargs) if colour else text

    profile, growth, eng = plan["profile"], plan["growth"], plan["engagement"]
    handle = profile.get("handle")
    who = f"@{_plain(handle)}" if handle is not None else "your account"
    lines = [style(_clip(f"Your plan, {who}, {_plain(plan['as_of'])}", width), bold=True)]
    facts = []
    if growth.get("followers") is not None:
        facts.append(f"{number(growth['followers'])} followers")
    if eng.get("tier") is not None:
        facts.append(f"{_plain(eng['tier'])} tier")
    if eng.get("rate") is not None:
        rate = f"engagement {percent(eng['rate'])} of views"
        compared = comparison(eng)
        if compared is not None:
            rate += f" ({compared} the {percent(eng['benchmark'])} average for your size)"
        facts.append(rate)
    if facts:
        lines += textwrap.wrap(" · ".join(facts), width)

    programmes = ordered(plan["eligibility"])
    qualified = sum(p["status"] == "eligible" for p in programmes)
    lines += textwrap.wrap(f"You can earn now from {qualified} of {len(counted(programmes))} programmes.", width)
    if growth.get("next_milestone") is not None and growth.get("followers_to_go") is not None:
        names = {p["program"]: _plain(p["name"]) for p in programmes}
        opens = [names.get(item, _plain(item)) for item in growth.get("milestone_unlocks") or ()]
        step = f"Next: {number(growth['followers_to_go'])} more followers " + (
            f"open {', '.join(opens)}" if opens else f"reach {number(growth['next_milestone'])}")
        if growth.get("projected_date") is not None:
            step += f", about {_plain(growth['projected_date'])} at your pace"
        lines += textwrap.wrap(step + ".", width)

    actions = plan["recommendations"][:TOP_ACTIONS]
    if actions:
        lines += ["", style(f"Next {len(actions)} action{'s' if len(actions) != 1 else ''}", bold=True)]
        for index, action in enumerate(actions, 1):
            lines += textwrap.wrap(f"{index}. {_plain(action['title'])}", width, initial_indent="  ",
                                   subsequent_indent="     ")
            because = "; ".join(_plain(reason).rstrip(".") for reason in action.get("because") or ())
            if because:
                lines += [style(part, dim=True) for part in textwrap.wrap(
                    f"why: {because}", width, initial_indent="     ", subsequent_indent="     ")]

    lines += ["", style("Programmes", bold=True)]
    name_width = min(34, max((len(_plain(p["name"])) for p in programmes), default=0))
    for programme in programmes:
        status = programme["status"]
        mark, colour_name = _MARKS.get(status, ("?", "yellow"))
        gaps = missing(programme["requirements"]) if status in ("not_eligible", "unknown") else []
        verdict = status_label(status) + (f": {'; '.join(gaps)}" if gaps else "")
        if status == "not_offered" and programme.get("reason"):
            verdict = f"{status_label(status)}: {programme['reason']}"
        name = _clip(_plain(programme["name"]), name_width).ljust(name_width)
        indent = name_width + 6  # "  ✓ " + name + "  "
        if width - indent < 24:  # too narrow for two columns: the verdict goes under the name
            head, parts = f"  {style(mark, fg=colour_name, bold=True)} {name.rstrip()}", \
                textwrap.wrap(_plain(verdict), width - 4)
            lines.append(head)
            lines += [f"    {part}" for part in parts]
            continue
        parts = textwrap.wrap(_plain(verdict), width - indent) or [""]
        first = style(parts[0], fg=colour_name) if status == "eligible" else parts[0]
        lines.append(f"  {style(mark, fg=colour_name, bold=True)} {name}  {first}")
        lines += [" " * indent + part for part in parts[1:]]
    warnings = plan.get("warnings") or []
    if warnings:
        count = len(warnings)
        lines += ["", style(f"{count} warning{'s' if count != 1 else ''}:", fg="yellow")]
        for warning in warnings:  # each in full: a warning says the plan may rest on a wrong number
            lines += textwrap.wrap(_plain(warning), width, initial_indent="  ! ", subsequent_indent="    ")

    base = "creator-advisor plan " + " ".join(safe_text(shlex.quote(part)) for part in command)
    lines.append("")
    lines += [style(part, bold=True) for part in
              textwrap.wrap("Write the full report (every action, programme and source):", width)]
    lines += [f"  {base} -o plan.md",
              f"  {base} -o plan.html",
              f"  {base} --explain -o plan.md    # with every requirement and the rules behind each action"]
    return "\n".join(lines) + "\n"
