"""Rule authors' text (titles, advice, reasons): Jinja templates rendered in a sandbox.

Rule files come from experts and agencies, so their text must never reach Python objects: templates run in
Jinja2's SandboxedEnvironment, see only plain data (`facts`, `thresholds`, `rule`), and are compiled and checked
when the pack loads, so a typo such as `facts.folowers` fails at load time with the file and line, not halfway
through a user's report.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from .errors import RuleTextError
from .filters import FILTERS, UNKNOWN

TEXT_VARIABLES = ("facts", "thresholds", "rule")


def _finalize(value: Any) -> Any:
    return UNKNOWN if value is None else value


@lru_cache(maxsize=1)
def text_environment() -> SandboxedEnvironment:
    """The one sandbox every rule text renders in: strict about names, no autoescape (output is escaped by the
    report that embeds it), unknown values shown as an em dash."""
    environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_finalize)
    environment.filters.update(FILTERS)
    return environment


def parse_problems(source: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Check a template without rendering it.

    Returns (syntax error message or None, [(kind, name)] of referenced facts and thresholds), where kind is
    'fact', 'threshold' or 'variable' (an unknown top-level name).
    """
    if is_plain(source):
        return None, []  # nothing for Jinja to parse: no syntax to get wrong, no names
    environment = text_environment()
    try:
        tree = environment.parse(source)
    except TemplateSyntaxError as error:
        return f"template syntax error on line {error.lineno} of the text: {error.message}", []
    references: list[tuple[str, str]] = []
    assigned = {target.name for target in tree.find_all(nodes.Name) if target.ctx in ("store", "param")}
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in TEXT_VARIABLES and name.name not in assigned:
            references.append(("variable", name.name))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in ("facts", "thresholds"):
            continue
        key = node.attr if isinstance(node, nodes.Getattr) else (
            node.arg.value if isinstance(node.arg, nodes.Const) else None)
        if isinstance(key, str):
            references.append(("fact" if target.name == "facts" else "threshold", key))
    return None, references


@lru_cache(maxsize=4096)
def _compiled(source: str) -> Any:
    return text_environment().from_string(source)


def is_plain(source: str) -> bool:
    """True when a text has no template syntax (no `{{`, `{%` or `{#`; a lone brace is text): Jinja would give it
    back as written, less the whitespace `render_text` strips. A carriage return is left to Jinja, which
    normalises line endings."""
    return "{" not in source and "\r" not in source


def render_text(source: str, *, facts: Mapping[str, Any], thresholds: Mapping[str, Any], rule: str,
                field: str) -> str:
    """Render one rule text; any failure becomes RuleTextError naming the rule and field."""
    if is_plain(source):
        return source.strip()  # about a third of the default pack's texts: no Jinja context, no render
    try:
        return _compiled(source).render(facts=facts, thresholds=thresholds, rule=rule).strip()
    except Exception as error:  # the sandbox raises SecurityError, UndefinedError, TypeError...
        raise RuleTextError(f"rule {rule}: {field}: cannot render the text: {type(error).__name__}: {error}") \
            from None
