"""What changed between two plans (`creator-advisor diff OLD NEW`): programmes newly open or lost, thresholds
crossed, gaps that closed or widened, the headline numbers, and actions new or gone.

Each side is a profile (YAML, JSON or TikTok data, as `plan` reads it), judged now with the given rule pack, or a
plan already written with `--format json` (judged as it was). The comparison is made on the plan mappings
(docs/plan-json.md), so two plans written months apart by different versions compare as long as they share the
contract; `diff_markdown` words it through templates/diff.md.j2 in the same sandbox as the reports.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advisor.errors import ProfileError

DIFF_SCHEMA_VERSION = 1
# The headline numbers compared: (where in the plan, the key, the words).
_NUMBERS = (("growth", "followers", "followers"), ("profile", "views_30d", "views in the last 30 days"),
            ("engagement", "rate", "engagement (share of views)"), ("metrics", "posts_per_week", "posts a week"))


def plan_for_diff(path: str | os.PathLike[str], advisor: Any) -> dict[str, Any]:
    """The plan mapping of one side: a plan JSON file as written, or the plan `advisor` makes of a profile."""
    source = Path(path)
    if source.suffix.lower() == ".json" and source.is_file():
        try:
            data = json.loads(source.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            data = None
        if isinstance(data, dict) and "schema_version" in data and "eligibility" in data:
            if not isinstance(data.get("eligibility"), list) or not isinstance(data.get("recommendations"), list):
                from engine import Problem

                raise ProfileError([Problem(str(source), 1, 1, "a plan JSON needs 'eligibility' and "
                                                               "'recommendations' lists (docs/plan-json.md)")])
            return data
    return advisor.advise(source).to_dict()


def _requirement_key(req: Mapping[str, Any]) -> tuple[Any, ...]:
    return (req.get("fact"), req.get("operator"), req.get("threshold") or req.get("text"))


def _label(req: Mapping[str, Any]) -> str:
    label = req.get("label")
    return label if isinstance(label, str) else str(req.get("fact") or req.get("text") or "")


def diff_plans(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The differences between two plan mappings, as JSON data (the `--format json` of `diff`)."""
    before = {entry["program"]: entry for entry in old.get("eligibility", [])}
    after = {entry["program"]: entry for entry in new.get("eligibility", [])}
    opened, lost, changed, crossed, gaps = [], [], [], [], []
    for program, entry in after.items():
        earlier = before.get(program)
        name = entry.get("name", program)
        if earlier is None:
            continue
        if entry["status"] == "eligible" and earlier["status"] != "eligible":
            opened.append({"program": program, "name": name, "was": earlier["status"]})
        elif earlier["status"] == "eligible" and entry["status"] != "eligible":
            lost.append({"program": program, "name": name, "now": entry["status"]})
        elif earlier["status"] != entry["status"]:
            changed.append({"program": program, "name": name, "was": earlier["status"], "now": entry["status"]})
        old_reqs = {_requirement_key(req): req for req in earlier.get("requirements", [])}
        for req in entry.get("requirements", []):
            was = old_reqs.get(_requirement_key(req))
            if was is None:
                continue
            if was.get("met") is not True and req.get("met") is True:
                crossed.append({"program": program, "name": name, "label": _label(req), "direction": "met",
                                "required": req.get("required"), "was": was.get("actual"), "now": req.get("actual")})
            elif was.get("met") is True and req.get("met") is False:
                crossed.append({"program": program, "name": name, "label": _label(req), "direction": "lost",
                                "required": req.get("required"), "was": was.get("actual"), "now": req.get("actual")})
            elif req.get("met") is False and _number(was.get("gap")) and _number(req.get("gap")) \
                    and was["gap"] != req["gap"]:
                gaps.append({"program": program, "name": name, "label": _label(req), "was": was["gap"],
                             "now": req["gap"], "closed_by": was["gap"] - req["gap"]})
    numbers = []
    for section, key, words in _NUMBERS:
        was, now = (old.get(section) or {}).get(key), (new.get(section) or {}).get(key)
        if _number(was) and _number(now) and was != now:
            numbers.append({"key": key, "label": words, "was": was, "now": now,
                            "change": now - was})  # type: ignore[operator]  # both numbers: _number above
    old_actions = {item["rule"]: item for item in old.get("recommendations", [])}
    new_actions = {item["rule"]: item for item in new.get("recommendations", [])}
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "old": _side(old), "new": _side(new),
        "programmes": {"opened": opened, "lost": lost, "changed": changed},
        "requirements": {"crossed": crossed, "gaps": gaps},
        "numbers": numbers,
        "actions": {"new": [{"rule": rule, "title": item["title"]} for rule, item in new_actions.items()
                            if rule not in old_actions],
                    "gone": [{"rule": rule, "title": item["title"]} for rule, item in old_actions.items()
                             if rule not in new_actions]},
    }


def _side(plan: Mapping[str, Any]) -> dict[str, Any]:
    profile = plan.get("profile") or {}
    return {"handle": profile.get("handle"), "as_of": plan.get("as_of"),
            "eligible": sum(1 for entry in plan.get("eligibility", []) if entry.get("status") == "eligible")}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def diff_markdown(diff: Mapping[str, Any]) -> str:
    """The differences in words, as Markdown (templates/diff.md.j2)."""
    from advisor.reports.render import build_environment

    return build_environment("md").get_template("diff.md.j2").render(diff=diff)


def diff_json(diff: Mapping[str, Any]) -> str:
    return json.dumps(diff, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
