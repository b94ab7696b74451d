"""Rule authors' text (titles, advice, reasons): Jinja templates rendered in a sandbox.

Rule files come from experts and agencies, so their text must never reach Python objects: templates run in
Jinja2's SandboxedEnvironment, see only plain data (`facts`, `thresholds`, `rule`), and are compiled and checked
when the pack loads, so a typo such as `facts.folowers` fails at load time with the file and line, not halfway
through a user's report.

Rule text is a small language on purpose: `{{ ... }}` with filters, tests and operators, `{% if %}` and
`{% set %}`. Loops, macros, calls of functions or methods, private attributes (`__class__`) and other templates
(`{% include %}`, `{% import %}`, `{% extends %}`) are refused when the pack loads, naming the rule, so no text can
reach Python's internals or the file system, and none can loop. What is left runs in bounded time; its size is
bounded at run time too (no value or text over MAX_TEXT_CHARS, numbers of at most MAX_NUMBER_BITS bits), so a
text such as `{{ 'a' * 10**9 }}` fails with RuleTextError instead of taking the memory of the process.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Mapping

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.compiler import Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.sandbox import SandboxedEnvironment

from .documents.suggest import did_you_mean
from .errors import RuleTextError
from .templating.budget import MAX_NUMBER_BITS, bounded_binop, cost
from .templating.codecache import CodeCache, compile_cached, module_source_digest
from .templating.filters import FILTERS, UNKNOWN
from .templating.sandbox import DataCodeGenerator, DataSandbox

TEXT_VARIABLES = ("facts", "thresholds", "rule")
MAX_TEXT_CHARS = 20_000  # any text, list or value a rule text builds, and the rendered text itself

# Jinja's own filters that rule text may use: each returns something no larger than its input (or bounded by
# MAX_TEXT_CHARS, like `join`). Left out: those that build large text from small input (`center`, `indent`,
# `wordwrap`, `replace`, `format`, `batch`...), reach attributes by name (`attr`, `map`, `selectattr`...) or are
# not deterministic (`random`).
SAFE_JINJA_FILTERS = ("abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "join",
                      "last", "length", "lower", "max", "min", "reverse", "round", "sort", "string", "sum", "title",
                      "trim", "truncate", "unique", "upper", "wordcount")

# The statements and expressions rule text is written in. Anything else is refused when the pack loads.
_ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Assign, nodes.Name, nodes.Const,
    nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Filter, nodes.Test, nodes.CondExpr, nodes.Compare,
    nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul,
    nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Concat, nodes.Tuple, nodes.List, nodes.Dict,
    nodes.Pair, nodes.Keyword,
)
_REFUSED_WORDS = {
    nodes.For: "a '{% for %}' loop", nodes.Macro: "a '{% macro %}'", nodes.CallBlock: "a '{% call %}' block",
    nodes.FilterBlock: "a '{% filter %}' block", nodes.Include: "'{% include %}' (rule text cannot read other "
    "templates or files)", nodes.Import: "'{% import %}' (rule text cannot read other templates or files)",
    nodes.FromImport: "'{% from ... import %}' (rule text cannot read other templates or files)",
    nodes.Extends: "'{% extends %}' (rule text cannot read other templates or files)",
    nodes.Block: "a '{% block %}'", nodes.With: "a '{% with %}' block", nodes.AssignBlock: "a '{% set %}' block",
    nodes.Call: "a call of a function or method (use a filter such as `| number`)",
}


def _too_long(value: Any, what: str) -> None:
    if isinstance(value, (str, list, tuple, dict)) and cost(value, MAX_TEXT_CHARS) > MAX_TEXT_CHARS:
        raise SecurityError(f"{what} would be over {MAX_TEXT_CHARS:,} long written out (counting what its lists "
                            f"hold); rule text is limited to {MAX_TEXT_CHARS:,}")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_NUMBER_BITS:
        raise SecurityError(f"{what} would be a number of more than {MAX_NUMBER_BITS} bits")




class _TextCodeGenerator(DataCodeGenerator):
    """Compiles `a ~ b` to a join that refuses results over MAX_TEXT_CHARS (Jinja's own is unbounded), and list,
    tuple and dict literals to values whose whole size is checked (`[a, a, a]` of a large `a` is larger still)."""

    def _bounded_literal(self, node: nodes.Expr, frame: Frame, visit: Any) -> None:
        if getattr(node, "ctx", "load") != "load":
            visit(node, frame)  # an assignment target (`{% set a, b = ... %}`), not a value
            return
        self.write("environment.bounded_value(")
        visit(node, frame)
        self.write(")")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._bounded_literal(node, frame, super().visit_List)

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        self._bounded_literal(node, frame, super().visit_Tuple)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._bounded_literal(node, frame, super().visit_Dict)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class TextSandbox(DataSandbox):
    """Jinja's sandbox, with the operators that can build large values checked and no calls at all."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _TextCodeGenerator

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        bounded_binop(operator, left, right, MAX_TEXT_CHARS, "rule text")
        return super().call_binop(context, operator, left, right)

    def bounded_value(self, value: Any) -> Any:
        _too_long(value, "a list or mapping")
        return value

    def bounded_join(self, parts: tuple[Any, ...]) -> str:
        pieces = [str(part) for part in parts]
        if sum(map(len, pieces)) > MAX_TEXT_CHARS:
            raise SecurityError(f"'~' would make a text of {sum(map(len, pieces)):,} characters; rule text is "
                                f"limited to {MAX_TEXT_CHARS:,}")
        return "".join(pieces)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        raise SecurityError("rule text may not call functions or methods")


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        _too_long(result, f"the filter {name!r}")
        return result
    bounded.__name__ = getattr(function, "__name__", name)
    for attribute in ("jinja_pass_arg",):
        if hasattr(function, attribute):
            setattr(bounded, attribute, getattr(function, attribute))
    return bounded


def _bounded_join(value: Any, d: str = "", attribute: Any = None) -> str:
    if attribute is not None:
        raise SecurityError("`join(attribute=...)` is not available in rule text")
    separator, items, length = str(d), [], 0
    for item in value:  # like Jinja's join (a text joins its characters), counting as it goes
        items.append(str(item))
        length += len(items[-1]) + (len(separator) if len(items) > 1 else 0)
        if length > MAX_TEXT_CHARS:
            raise SecurityError(f"'join' would make a text of over {MAX_TEXT_CHARS:,} characters; rule text is "
                                f"limited to {MAX_TEXT_CHARS:,}")
    return separator.join(items)


def _bounded_sum(iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """Jinja's `sum`, checking each addition as `+` is checked (a list `start` makes it join lists)."""
    if attribute is not None:
        raise SecurityError("`sum(attribute=...)` is not available in rule text")
    total = start
    for item in iterable:
        bounded_binop("+", total, item, MAX_TEXT_CHARS, "rule text")
        total = total + item
    return total


def _finalize(value: Any) -> Any:
    return UNKNOWN if value is None else value


@lru_cache(maxsize=1)
def text_environment() -> SandboxedEnvironment:
    """The one sandbox every rule text renders in: strict about names, no autoescape (output is escaped by the
    report that embeds it), unknown values shown as an em dash."""
    environment = TextSandbox(undefined=StrictUndefined, autoescape=False, finalize=_finalize)
    environment.filters = {name: _bounded_filter(name, JINJA_FILTERS[name]) for name in SAFE_JINJA_FILTERS}
    environment.filters["join"] = _bounded_join
    environment.filters["sum"] = _bounded_filter("sum", _bounded_sum)
    # engine.templating.filters' own filters need no wrapper: they write a number in at most MAX_DIGITS decimals (and rule
    # text numbers are bounded by MAX_NUMBER_BITS), or give back the text they were given; render_text bounds the
    # whole text.
    environment.filters.update(FILTERS)
    environment.text_filters = frozenset(FILTERS)  # they return text for any input (see engine.templating.sandbox)
    environment.globals = {}  # no range, lipsum, cycler, joiner, namespace, dict
    return environment


def use_code_cache(cache: CodeCache | None) -> None:
    """Keep compiled rule texts and the results of `check_texts` in `cache` for later processes, so a pack whose
    texts did not change loads without parsing them; None (the default) does the work in every process: the engine
    writes nothing to disk unless its caller asks. It applies process-wide, as the text sandbox is one."""
    text_environment().bytecode_cache = cache


# Trees `parse_problems` checked, waiting for `_compiled`: a text is parsed once per process, not once to check it
# and again to render it. Each tree is handed over once (compiling may change it), and the waiting room is bounded.
_checked_trees: dict[str, nodes.Template] = {}
_MAX_CHECKED_TREES = 4096


def parse_problems(source: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Check a template without rendering it.

    Returns (syntax error message or None, [(kind, name)] of referenced facts and thresholds), where kind is
    'fact', 'threshold', 'variable' (an unknown top-level name) or 'forbidden' (then `name` is the sentence: a
    construct rule text may not use, see the module's docstring).
    """
    if is_plain(source):
        return None, []  # nothing for Jinja to parse: no syntax to get wrong, no names
    return _check_text(source, text_environment())


CheckResults = dict[str, tuple[str | None, list[tuple[str, str]]]]

# The checks' own code is in this module, whose source is part of every cache key (engine.templating.codecache); the
# did-you-mean suggestions in their sentences come from engine.documents.suggest.
_CHECKS = f"rule-text-checks:{module_source_digest(did_you_mean.__module__)}"


def check_texts(sources: Iterable[str]) -> CheckResults:
    """`parse_problems` of many texts (a pack's), by text. With a code cache the results for the whole set are one
    cache entry: a pack whose texts did not change loads without parsing any of them, one whose texts changed is
    checked afresh. One entry, not one per text: creating a file costs more than reading one."""
    sources = list(sources)
    results: CheckResults = {source: (None, []) for source in sources if is_plain(source)}
    templates = sorted({source for source in sources if not is_plain(source)})
    if not templates:
        return results
    environment = text_environment()
    cache = environment.bytecode_cache if isinstance(environment.bytecode_cache, CodeCache) else None
    texts = json.dumps(templates, ensure_ascii=False)  # the set, written unambiguously
    found = cache.load_result(environment, _CHECKS, texts) if cache is not None else None
    if found is not None and _are_check_results(found, len(templates)):
        results.update((source, (error, [(kind, name) for kind, name in references]))
                       for source, (error, references) in zip(templates, found))
        return results
    checked = [_check_text(source, environment) for source in templates]
    if cache is not None:
        cache.store_result(environment, _CHECKS, texts, checked)
    results.update(zip(templates, checked))
    return results


def _are_check_results(found: Any, count: int) -> bool:
    return isinstance(found, list) and len(found) == count and all(
        isinstance(item, list) and len(item) == 2 and (item[0] is None or isinstance(item[0], str))
        and isinstance(item[1], list) and all(isinstance(pair, list) and len(pair) == 2
                                              and all(isinstance(part, str) for part in pair) for pair in item[1])
        for item in found)


def _check_text(source: str, environment: SandboxedEnvironment) -> tuple[str | None, list[tuple[str, str]]]:
    """`parse_problems` without the cache: parse the text (leaving the tree for `_compiled`) and walk it."""
    try:
        tree = environment.parse(source)
    except TemplateSyntaxError as error:
        return f"template syntax error on line {error.lineno} of the text: {error.message}", []
    except RecursionError:
        return "the text nests too deeply to read", []
    except (ValueError, OverflowError):  # a literal Python will not read (an integer of 5,000 digits)
        return "the text holds a number too long to read", []
    references: list[tuple[str, str]] = _forbidden(tree, environment)
    assigned = {target.name for target in tree.find_all(nodes.Name) if target.ctx in ("store", "param")}
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in TEXT_VARIABLES and name.name not in assigned:
            references.append(("variable", name.name))
    lookups: Iterator[nodes.Getattr | nodes.Getitem] = tree.find_all((nodes.Getattr, nodes.Getitem))
    for node in lookups:
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in ("facts", "thresholds"):
            continue
        key = node.attr if isinstance(node, nodes.Getattr) else (
            node.arg.value if isinstance(node.arg, nodes.Const) else None)
        if isinstance(key, str) and not key.startswith("_"):
            references.append(("fact" if target.name == "facts" else "threshold", key))
    if len(_checked_trees) >= _MAX_CHECKED_TREES:
        _checked_trees.clear()
    _checked_trees[source] = tree
    return None, references


def _forbidden(tree: nodes.Template, environment: SandboxedEnvironment) -> list[tuple[str, str]]:
    """('forbidden', sentence) for each construct of `tree` that rule text may not use, each kind once."""
    found: dict[str, None] = {}
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            word = next((text for kind, text in _REFUSED_WORDS.items() if isinstance(node, kind)),
                        f"'{type(node).__name__}'")
            found[f"the text uses {word}, which rule text does not allow"] = None
        elif isinstance(node, (nodes.Getattr, nodes.Getitem)):
            key = node.attr if isinstance(node, nodes.Getattr) else (
                node.arg.value if isinstance(node.arg, nodes.Const) else None)
            if isinstance(key, str) and key.startswith("_"):
                found[f"the text reads {key!r}: names starting with '_' are private and refused"] = None
        elif isinstance(node, nodes.Filter) and node.name not in environment.filters:
            found[f"the text uses unknown filter {node.name!r}{did_you_mean(node.name, environment.filters)}"] = None
        elif isinstance(node, nodes.Test) and node.name not in environment.tests:
            found[f"the text uses unknown test {node.name!r}{did_you_mean(node.name, environment.tests)}"] = None
    return [("forbidden", sentence) for sentence in found]


@lru_cache(maxsize=4096)
def _compiled(source: str) -> Any:
    """The text as a template: from the code cache when there is one and it holds the text, else compiled from the
    tree `parse_problems` left (or, for a text no pack checked, from the source)."""
    return compile_cached(text_environment(), source, "rule-text", tree=_checked_trees.pop(source, None))


def is_plain(source: str) -> bool:
    """True when a text has no template syntax (no `{{`, `{%` or `{#`; a lone brace is text): Jinja would give it
    back as written, less the whitespace `render_text` strips. A carriage return is left to Jinja, which
    normalises line endings."""
    return "{" not in source and "\r" not in source


def render_text(source: str, *, facts: Mapping[str, Any], thresholds: Mapping[str, Any], rule: str,
                field: str) -> str:
    """Render one rule text; any failure becomes RuleTextError naming the rule and field."""
    if is_plain(source):
        return source.strip()  # about a fifth of the default pack's texts: no Jinja context, no render
    try:
        pieces, length = [], 0
        template = _compiled(source)
        # The root function with a context made here: Template.generate adds a generator, and its new_context
        # copies the (empty: see text_environment) globals through a ChainMap twice.
        context = template.environment.context_class(
            template.environment, {"facts": facts, "thresholds": thresholds, "rule": rule}, template.name,
            template.blocks)
        for piece in template.root_render_func(context):
            length += len(piece)
            if length > MAX_TEXT_CHARS:
                raise SecurityError(f"the rendered text is over {MAX_TEXT_CHARS:,} characters")
            pieces.append(piece)
        return "".join(pieces).strip()
    except Exception as error:  # the sandbox raises SecurityError, UndefinedError, TypeError...
        raise RuleTextError(f"rule {rule}: {field}: cannot render the text: {type(error).__name__}: {error}") \
            from None
