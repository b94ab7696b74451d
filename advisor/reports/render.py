"""Turn a plan mapping (`plan.to_dict()`, see docs/plan-json.md) into Markdown, HTML or JSON.

The plan is data; wording and layout live in `templates/plan.md.j2` and `templates/plan.html.j2`, so a report can
be reworded without touching the engine. Profile and rule text is untrusted (a handle may be `<script>` or
`a|b`), so the templates run in Jinja's sandbox, HTML is autoescaped and Markdown text passes through the `md`
filter. StrictUndefined makes a plan that lacks a documented key fail loudly instead of printing a blank, and
None (an unknown value) prints as the filters' em dash, never as "None".

The filters both formats share are the report's words (advisor/reports/words.py) and the HTML charts
(advisor/reports/charts.py); a user's own template (`--template`) runs in an environment built here too, with
the bounds of advisor/reports/user_template.py.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any, Callable

import jinja2
from jinja2 import FileSystemLoader, StrictUndefined

from advisor.errors import RenderError
from advisor.reports.charts import CHART_FILTERS
from advisor.reports.words import REPORT_FILTERS, TEXT_FILTERS, md_lookup
from advisor.resources import data_dir
from advisor.terminal import neutralised
from engine.templating import FILTERS, UNKNOWN, DataSandbox

FORMATS = ("md", "html", "json")
_TEMPLATES = {"md": "plan.md.j2", "html": "plan.html.j2"}


def _finalize(item: Any) -> Any:
    return UNKNOWN if item is None else item


def build_environment(kind: str, *, search_path: str | os.PathLike[str] | None = None,
                      sandbox: type[DataSandbox] = DataSandbox,
                      loader: type[FileSystemLoader] = FileSystemLoader) -> jinja2.Environment:
    """The only place a report environment is built. `kind` is "md" or "html": only HTML autoescapes, because
    Markdown has its own escaping (the `md` filter) and HTML entities would show literally in a .md file.
    `search_path` is the folder templates are loaded from: the packaged templates unless a user's template's own
    folder is given, with that template's `sandbox` and `loader` (advisor/reports/user_template.py). Compiled
    templates are kept in the user's cache folder (advisor/cache.py), keyed by this environment's options and
    filters and checked against the template's source."""
    from advisor.cache import code_cache  # compiled templates kept between runs (advisor/cache.py)

    if kind not in _TEMPLATES:
        raise ValueError(f"no report template for {kind!r}; expected one of: {', '.join(_TEMPLATES)}")
    folder = data_dir("templates") if search_path is None else search_path
    environment = sandbox(
        loader=loader(str(folder)),
        bytecode_cache=code_cache(),
        undefined=StrictUndefined,
        autoescape=(kind == "html"),
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    environment.filters.update(REPORT_FILTERS)
    environment.filters.update(CHART_FILTERS)
    if search_path is None:
        # The packaged templates give md only text, None and numbers (the plan's types): the memo's lookup, a C
        # call, serves them. A user's template may give it anything, so it keeps the md function.
        environment.filters["md"] = md_lookup
    environment.text_filters = TEXT_FILTERS
    return environment


@lru_cache(maxsize=None)
def _template(kind: str) -> jinja2.Template:
    return build_environment(kind).get_template(_TEMPLATES[kind])


def render_markdown(plan: dict, explain: bool = False) -> str:
    """The plan as GitHub/CommonMark Markdown, for a terminal, a README or a chat message. `explain` adds the
    appendix: every requirement with its source, and the rules that fired with the facts they matched."""
    return _template("md").render(plan=plan, explain=explain)


def render_html(plan: dict, explain: bool = False) -> str:
    """The plan as one self-contained, offline HTML page (inline CSS, nothing fetched); `explain` as for
    render_markdown."""
    return _template("html").render(plan=plan, explain=explain)


def render_json(plan: dict, *, compact: bool = False) -> str:
    """The plan as JSON in the dict's own key order (the documented contract). NaN and infinity are refused
    rather than written as invalid JSON. `compact` writes it on one line, as a JSONL record or an HTTP answer is
    (json's C encoder: three times faster than the indented text, which Python's encoder writes)."""
    if compact:
        return json.dumps(plan, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    return json.dumps(plan, indent=2, ensure_ascii=False, sort_keys=False, allow_nan=False) + "\n"


_RENDERERS: dict[str, Callable[..., str]] = {"md": render_markdown, "html": render_html, "json": render_json}


def render(plan: dict, fmt: str, explain: bool = False) -> str:
    """Render `plan` in format `fmt` ("md", "html" or "json"); any failure is a RenderError naming the format
    and template. `explain` adds the reports' appendix (requirements with sources, the rule trace); JSON always
    holds everything."""
    try:
        renderer = _RENDERERS[fmt]
    except (KeyError, TypeError):
        raise RenderError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}") from None
    try:
        # Markdown text is made safe by the md filter every text goes through; HTML escaping leaves bidi controls.
        return renderer(plan) if fmt == "json" else renderer(neutralised(plan) if fmt == "html" else plan, explain)
    except Exception as error:  # noqa: BLE001 - whatever a template or filter raises is named, never escapes
        where = _TEMPLATES.get(fmt, "the JSON encoder")
        raise RenderError(f"cannot render the {fmt} report ({where}): {type(error).__name__}: {error}") from error
