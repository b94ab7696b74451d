"""The library entry points: `advise(profile) -> Plan`, `render(plan, fmt) -> str`, and the `Advisor` class.

This is the API other tools embed; the CLI is a thin layer over it. A profile may be a path to a YAML/JSON file
(or to a .json file of TikTok's own data, which `advisor.profile.importers` reads), a mapping in the profile contract, or a
loaded `Profile`. Errors are `AdvisorError` or `EngineError` subclasses
with messages naming the file and place; nothing else is raised for bad input.

Thread safety: an `Advisor` may be shared between threads; the durable engine serialises its calls into
durable-rules, the python engine runs them at once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence, Union

from advisor import __version__
from advisor.cache import code_cache
from advisor.errors import ProfileError, ProfileRefusedError
from advisor.plan.assembly import assemble_plan, refusal
from advisor.plan.facts import CREATOR_FACTS
from advisor.plan.metrics import creator_facts
from advisor.plan.model import Plan
from advisor.profile.model import Profile
from advisor.profile.reading import load_profile, parse_profile
from advisor.reports.render import render as _render_dict
from advisor.reports.user_template import render_template as _render_template_dict
from advisor.resources import data_dir
from engine import EngineChoiceError, Problem, RulePack, choose_engine, load_rule_pack, use_code_cache
from engine.documents import DEFAULT_LIMITS, Limits

ProfileInput = Union[Profile, Mapping[str, Any], str, os.PathLike]
RulesInput = Union[str, os.PathLike, Sequence[Union[str, os.PathLike]], None]


def default_rules_dir() -> Path:
    """The folder of the default TikTok rule pack shipped with the package."""
    return data_dir("rules")


def _paths(folders: RulesInput) -> list[Path]:
    if folders is None:
        return []
    if isinstance(folders, (str, os.PathLike)):
        return [Path(folders)]
    return [Path(folder) for folder in folders]


def rule_folders(rules: RulesInput = None, overlays: RulesInput = None) -> list[Path]:
    """The pack folders to load, in order: `rules` (the folder(s) given, which REPLACE the default pack; the
    default pack when None or empty), then each of `overlays`, which ADD to it (a later folder replaces rules and
    thresholds with the same id or name). An agency's usual call is `rule_folders(overlays=["my-agency"])`."""
    return (_paths(rules) or [default_rules_dir()]) + _paths(overlays)


def load_rules(rules: RulesInput = None, *, overlays: RulesInput = None,
               limits: Limits = DEFAULT_LIMITS, engine: str | None = None) -> RulePack:
    """Load and check a rule pack for creator profiles: `rules` (default: the shipped pack) with `overlays` on top
    (see `rule_folders`); `limits` bounds each file. `engine` ("durable" or "python") evaluates it; None:
    $CREATOR_ADVISOR_ENGINE, else the default (durable where durable-rules imports, python on Python 3.13 and
    later). Its texts, once compiled, are kept in the user's cache folder for later runs (advisor/cache.py)."""
    use_code_cache(code_cache())
    return load_rule_pack(rule_folders(rules, overlays), CREATOR_FACTS, limits, engine=engine)


class Advisor:
    """Holds a loaded rule pack and turns profiles into plans. Build once, call `advise` many times."""

    def __init__(self, rules: RulesInput = None, *, overlays: RulesInput = None, pack: RulePack | None = None,
                 limits: Limits = DEFAULT_LIMITS, rule_limits: Limits = DEFAULT_LIMITS, engine: str | None = None):
        """`rules` replaces the default pack with the folder(s) given; `overlays` adds folders on top of it (or of
        `rules`): `Advisor(overlays=["my-agency"])` is the default pack with an agency's changes. `limits`
        (engine.Limits: bytes, nesting depth and values of one file) bounds every profile this advisor reads, file
        or mapping; `rule_limits` bounds each file of the rule pack. `engine` chooses the engine that evaluates it,
        "durable" or "python" (see `load_rules`); both give the same plans, and the plan's JSON `generator.engine`
        names the one that ran. Raises EngineChoiceError for durable where it cannot run."""
        if pack is not None and engine is not None and choose_engine(engine) != pack.engine:
            raise EngineChoiceError(f"the pack given is evaluated by the {pack.engine} engine, not {engine}")
        self.limits = limits
        self.pack = pack if pack is not None else load_rules(rules, overlays=overlays, limits=rule_limits,
                                                            engine=engine)

    def advise(self, profile: ProfileInput, *, as_of: dt.date | None = None, limits: Limits | None = None) -> Plan:
        """The plan for one profile, judged on `as_of` (default: the profile's own as_of, else today). `limits`
        overrides the advisor's for this profile."""
        loaded = to_profile(profile, as_of=as_of, limits=self.limits if limits is None else limits)
        facts = creator_facts(loaded)
        outcome = self.pack.evaluate(facts, country=loaded.country, on=loaded.as_of)
        why = refusal(self.pack, outcome)
        if why is not None:
            raise ProfileRefusedError([Problem(loaded.source, None, None, why, path="age")], outcome.fired_ids)
        return assemble_plan(self.pack, loaded, facts, outcome, __version__)


def to_profile(profile: ProfileInput, *, as_of: dt.date | None = None, limits: Limits = DEFAULT_LIMITS) -> Profile:
    """Any accepted profile input (a Profile, a mapping in the profile contract, or a path to a YAML, JSON
    or TikTok data file) as a checked Profile; `as_of` judges it on another day. Bad input raises ProfileError
    (or SourceError) with located problems."""
    if isinstance(profile, Profile):
        if as_of is not None and as_of != profile.as_of:
            return parse_profile(profile.to_dict(include_derived=False), source=profile.source, as_of=as_of)
        return profile
    if isinstance(profile, Mapping):
        return parse_profile(profile, as_of=as_of, limits=limits)
    if not isinstance(profile, (str, os.PathLike)) or "\x00" in str(profile):
        what = "a file name with a NUL character" if isinstance(profile, (str, os.PathLike)) else \
            type(profile).__name__
        raise ProfileError([Problem("<profile>", None, None, "expected a profile: a mapping, a Profile or the path "
                                                            f"of a YAML or JSON file, got {what}")])
    if str(profile).lower().endswith(".json"):
        # A .json file may be TikTok's own data (an API response, a data export): the importers read it.
        from advisor.profile.importers import profile_from_path

        return profile_from_path(profile, as_of=as_of, limits=limits)
    return load_profile(profile, as_of=as_of, limits=limits)


@lru_cache(maxsize=1)
def _default_advisor() -> Advisor:
    return Advisor()


def advise(profile: ProfileInput, *, rules: RulesInput = None, overlays: RulesInput = None,
           as_of: dt.date | None = None, limits: Limits = DEFAULT_LIMITS) -> Plan:
    """The plan for one profile with the default rule pack (or the pack folder(s) in `rules`) and `overlays` on
    top. `limits` bounds the profile (engine.Limits: bytes, nesting depth, values; see docs/profile.md);
    `Advisor(rule_limits=...)` bounds the rule files.

    >>> plan = advise({"handle": "baker", "followers": 8200, "views_30d": 90000, "age": 24, "country": "US"})
    >>> plan.program("live_gifts").eligible
    True
    """
    advisor = _default_advisor() if rules is None and overlays is None else Advisor(rules, overlays=overlays)
    return advisor.advise(profile, as_of=as_of, limits=limits)


def render(plan: Plan, fmt: str = "md", *, explain: bool = False) -> str:
    """The plan as a Markdown ("md") or HTML ("html") report, or as JSON ("json", the stable contract). The
    reports lead with the verdict and the next actions; `explain` adds an appendix with every requirement, its
    source and the rules that fired."""
    return _render_dict(plan.to_dict(), fmt, explain)


def render_template(plan: Plan, template: str | os.PathLike) -> str:
    """The plan through a Jinja2 template file of your own (docs/templates.md): sandboxed, with the report filters
    and charts, autoescaped when the file is HTML. Errors are RenderError naming the template file and line."""
    return _render_template_dict(plan.to_dict(), template)
