"""`creator-advisor init`: a profile without writing YAML. It asks for the numbers a creator can read in the app
and TikTok Studio, saying where each one is, checks each answer as the profile reader would (the same checks,
advisor.profile.reading), and writes a profile file with those places as comments, ready for `plan`.

The questions are data (QUESTIONS); the asking is a function given `ask` and `say` callables, so the CLI passes
click's prompt and echo and a test passes a list of answers.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import ProfileError, ProfileExistsError
from advisor.profile.reading import parse_profile
from advisor.values import country_fix, handle_fix
from engine import Problem

STUDIO_HOW = "TikTok Studio is in the app under Profile > menu > TikTok Studio, and on the web at tiktok.com/tiktokstudio"
OVERVIEW = "TikTok Studio > Analytics > Overview, range 'Last 28 days' (or a custom 30 days)"


@dataclass(frozen=True)
class Question:
    """One profile key to ask for: the words of the question, where the creator finds the number (or a hint),
    its type ('text', 'count' or 'choice'), the choices, and whether it must be answered."""

    key: str
    ask: str
    where: str
    kind: str = "count"
    required: bool = False
    choices: tuple[str, ...] = ()


QUESTIONS: tuple[Question, ...] = (
    Question("handle", "Your TikTok username, without @", "Where: your profile, under your name", "text", True),
    Question("country", "Country of your account, two letters (US, GB, DE...)",
             "Where: Settings and privacy > Account > Account information", "text"),
    Question("age", "Your age in years", "Most programmes need 18 or more.", "count"),
    Question("account_type", "Account type", "Where: Settings and privacy > Account; a business account offers "
             "'Switch to Personal account'", "choice", choices=("personal", "business")),
    Question("followers", "Followers", "Where: TikTok Studio > Analytics > Followers, or on your profile",
             "count", True),
    Question("views_30d", "Post views in the last 30 days", f"Where: {OVERVIEW}: Post views"),
    Question("likes_30d", "Likes in the last 30 days", f"Where: {OVERVIEW}: Likes"),
    Question("comments_30d", "Comments in the last 30 days", f"Where: {OVERVIEW}: Comments"),
    Question("shares_30d", "Shares in the last 30 days", f"Where: {OVERVIEW}: Shares"),
    Question("posts_30d", "Videos you posted in the last 30 days", "Where: count them on your profile's grid"),
    Question("total_likes", "Likes ever received", "Where: your profile, next to Following and Followers"),
    Question("niche", "What your videos are about, in a word or two (baking, fitness...)",
             "Brands and shops look for creators by topic.", "text"),
)


def _value(question: Question, answer: str) -> tuple[Any, str | None]:
    """The profile value of an answer and a note on a certain correction made to it."""
    text = answer.strip()
    if question.kind == "count":
        cleaned = text.replace(",", "").replace("_", "").replace(" ", "")
        return (int(cleaned), None) if cleaned.isdigit() else (text, None)
    if question.kind == "choice":
        return text.lower(), None
    fixer = {"handle": handle_fix, "country": country_fix}.get(question.key)
    fixed = fixer(text) if fixer else None
    return (fixed, f"written as {fixed!r}") if fixed is not None else (text, None)


def _problem(key: str, value: Any, as_of: dt.date) -> str | None:
    """What the profile reader says of this one value (None when it takes it)."""
    trial: dict[str, Any] = {"handle": "x", "followers": 0, key: value}
    try:
        parse_profile(trial, source="your answer", as_of=as_of)
    except ProfileError as error:
        messages = [problem.message for problem in error.problems]
        return "; ".join(messages) or str(error)
    return None


def ask_profile(ask: Callable[[str], str], say: Callable[[str], None],
                as_of: dt.date | None = None) -> dict[str, Any]:
    """Ask every question (an empty answer skips an optional one; a wrong answer is explained and asked again,
    at most five times) and return the profile mapping, dated `as_of` (default today)."""
    as_of = as_of or dt.date.today()
    profile: dict[str, Any] = {"as_of": as_of}
    for question in QUESTIONS:
        say(f"\n{question.ask}" + (f" ({' or '.join(question.choices)})" if question.choices else "")
            + ("" if question.required else ", or Enter to skip") + f"\n  {question.where}")
        for _ in range(5):
            answer = ask(question.key)
            if not answer.strip():
                if question.required:
                    say("  this one is needed")
                    continue
                break
            value, note = _value(question, answer)
            problem = _problem(question.key, value, as_of)
            if problem is None:
                profile[question.key] = value
                if note:
                    say(f"  {note}")
                break
            say(f"  {problem}")
        else:
            if question.required:  # bounds a script's attempts; a person is asked five times
                raise ProfileError([Problem("your answers", None, None, f"{question.key}: no usable answer after "
                                                                        "5 tries")])
    parse_profile(profile, source="your answers", as_of=as_of)  # the whole, as `plan` will read it
    return profile


def profile_yaml(profile: Mapping[str, Any]) -> str:
    """The profile as YAML, each key under a comment saying where its number came from."""
    where = {question.key: question.where for question in QUESTIONS}
    lines = ["# A creator-advisor profile written by `creator-advisor init`. Edit any number and run",
             "# `creator-advisor plan` on this file again; docs/profile.md lists every key.",
             f"# {STUDIO_HOW}."]
    for key, value in profile.items():
        if key in where:
            lines.append(f"# {where[key].removeprefix('Where: ')}")
        lines.append(yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False).rstrip("\n"))
    return "\n".join(lines) + "\n"


def write_new_profile(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write a profile file whole; an existing file is kept unless `force`."""
    from advisor.output import write_whole

    target = Path(path)
    if target.exists() and not force:
        raise ProfileExistsError(f"{target} already exists; give another file name, or --force to replace it")
    return write_whole(target, text)
