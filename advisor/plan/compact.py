"""`--compact` plans: the plan JSON without what every plan of a pack repeats, for agencies storing millions.

A full plan carries, for every requirement of every programme, the threshold's source, date, note and URL, and
each programme's note: the same text in every plan, about two thirds of its bytes. A compact plan keeps what is
particular to the creator (their profile's figures, metrics, verdicts, values, gaps, the rules that fired and the
titles they gave) and refers to the rest by id, resolvable from the pack's catalogue, `creator-advisor rules docs
--json` (engine.catalogue_data): a programme lists its requirements by threshold id under `met`, `unmet` (id -> gap, null
where the gap is not a number), `unknown` and `not_in_force`; the threshold's entry in force for the plan's
country and `as_of` holds the required value, source, date, note and URL, and the gate's condition the fact and
comparison; the creator's value of each fact a requirement reads is given once, in `requirement_facts`; a programme's id names its gate rule and note; a
recommendation's `rule` names the rule whose text it is. The profile's `videos` and `history` lists are left out
(the input holds them; `metrics` summarise them), and so is the trace (the full plan has it).

A compact plan says so: `"compact": 1`, and its `schema_version` is the full plan's (the keys it keeps mean the
same). docs/plan-json.md describes both.
"""

from __future__ import annotations

from typing import Any, Mapping

COMPACT_VERSION = 1
_DROPPED_PROFILE = ("videos", "history")


def _requirement_id(requirement: Mapping[str, Any]) -> str:
    """A requirement's threshold id; for one that compares with no threshold, its sentence."""
    return requirement.get("threshold") or str(requirement.get("text"))


def compact_programme(entry: Mapping[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """A programme's verdict as lists of requirement ids by outcome (`unmet` maps each to its gap), its facts'
    values gathered once per plan into `facts`."""
    data: dict[str, Any] = {"program": entry["program"], "status": entry["status"]}
    for requirement in entry["requirements"]:
        if requirement.get("fact") is not None:
            facts.setdefault(requirement["fact"], requirement.get("actual"))
        key = _requirement_id(requirement)
        if requirement.get("in_force") is False:
            data.setdefault("not_in_force", []).append(key)
        elif requirement.get("met") is True:
            data.setdefault("met", []).append(key)
        elif requirement.get("met") is False:
            data.setdefault("unmet", {})[key] = requirement.get("gap")
        else:
            data.setdefault("unknown", []).append(key)
    return data


def compact_plan(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The compact form of a full plan mapping (Plan.to_dict())."""
    facts: dict[str, Any] = {}
    profile = {key: item for key, item in plan["profile"].items() if key not in _DROPPED_PROFILE}
    engagement = {key: item for key, item in (plan.get("engagement") or {}).items()
                  if key not in ("benchmark_source", "patterns")}
    engagement["patterns"] = [pattern.get("rule") for pattern in (plan.get("engagement") or {}).get("patterns", [])]
    earnings = plan.get("earnings") or {}
    compact = {
        "schema_version": plan["schema_version"], "compact": COMPACT_VERSION, "generator": plan["generator"],
        "as_of": plan["as_of"], "profile": profile, "metrics": plan["metrics"], "engagement": engagement,
        "eligibility": [compact_programme(entry, facts) for entry in plan["eligibility"]],
        "requirement_facts": facts,
        "earnings": {key: item for key, item in earnings.items() if key != "likes_note"},
        "growth": plan["growth"],
        "recommendations": [{"rule": item["rule"], "title": item["title"]} for item in plan["recommendations"]],
        "warnings": plan.get("warnings", []),
    }
    for key, item in plan.items():  # keys a later version adds are kept: compact leaves out only what it knows
        if key not in compact and key not in ("trace",):
            compact[key] = item
    return compact
