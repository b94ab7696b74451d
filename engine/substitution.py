"""Rule texts that only substitute values, rendered by a loop instead of a template's machinery.

Most rule text is a sentence with a few values in it: `{{ facts.followers | number }} followers, {{
thresholds['engagement.tier.mega.min_followers'] | number }} or more`, sometimes with a clause that depends on a
fact (`{% if facts.engagement_level == 'above' %}...{% endif %}`). As a sandboxed Jinja template each such text
costs a few microseconds (a context, a generator, the sandbox's lookups), and a plan renders a dozen. This module
recognises such a text from its parse tree and renders it from a small tuple form, doing what Jinja's code does
for it, call for call: the value looked up by key, the filter called on it, or `str(finalize(value))`; an `if`
decided by Python's truth of the same expression.

What it recognises: literal text; `facts.name` or `thresholds['name']`, shown as it is or through one filter
that returns text, with constant arguments; `{% if %}`/`{% elif %}`/`{% else %}` on such lookups, constants,
`is defined`, `is none`, `==` and `!=` with a constant, `and`, `or`, `not`. Anything else (`set`, arithmetic,
other filters or tests) leaves the text to Jinja.

It decides nothing Jinja would decide differently. A name the mapping lacks, a mapping that is not a plain dict,
a filter that raises or a text over the limit gives None (or an exception), and engine.text renders that text
with Jinja, which words any failure. tests/test_substitution.py holds both renderings to the same text.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Mapping

from jinja2 import nodes

from .sandbox import DICT_ATTRIBUTES, jinjas_own_test  # DICT_ATTRIBUTES: `facts.items` is dict's method

VARIABLES = ("facts", "thresholds")  # the mappings a lookup reads, by position

# The tuple form. A piece is text, (_SHOW, mapping, key, filter or None, arguments), or (_IF, ((condition,
# pieces), ...), else pieces). A condition is (_GET, mapping, key), (_CONST, value), (_IS_DEFINED, lookup),
# (_IS_NONE, lookup), (_COMPARE, function, lookup, constant), (_NOT, condition), (_AND | _OR, left, right).
_SHOW, _IF, _GET, _CONST, _IS_DEFINED, _IS_NONE, _COMPARE, _NOT, _AND, _OR = range(10)
_COMPARISONS = {"eq": operator.eq, "ne": operator.ne}


class _Unsupported(Exception):
    """The text uses something this module does not render."""


class _Missing(Exception):
    """A lookup this module cannot answer as Jinja would: Jinja renders the text."""


def substitutions(tree: nodes.Template, filters: Mapping[str, Callable[..., Any]], text_filters: frozenset[str],
                  tests: Mapping[str, Callable[..., Any]]) -> tuple[Any, ...] | None:
    """The tuple form of a text this module renders, None for any other. `text_filters` are the filters that
    return text for any input (Jinja's code calls them without str() or finalize); `tests` the environment's."""
    try:
        return _Reader(filters, text_filters, tests).block(tree.body)
    except _Unsupported:
        return None


class _Reader:
    def __init__(self, filters: Mapping[str, Callable[..., Any]], text_filters: frozenset[str],
                 tests: Mapping[str, Callable[..., Any]]):
        self.filters, self.text_filters, self.tests = filters, text_filters, tests

    def block(self, body: list[nodes.Node]) -> tuple[Any, ...]:
        pieces: list[Any] = []
        for node in body:
            if type(node) is nodes.Output:
                pieces.extend(self.output(child) for child in node.nodes)
            elif type(node) is nodes.If:
                branches = [(self.condition(node.test), self.block(node.body))]
                branches += [(self.condition(branch.test), self.block(branch.body)) for branch in node.elif_]
                pieces.append((_IF, tuple(branches), self.block(node.else_)))
            else:
                raise _Unsupported
        return tuple(pieces)

    def output(self, node: nodes.Node) -> Any:
        if type(node) is nodes.TemplateData:
            return node.data
        function, arguments = None, ()
        if type(node) is nodes.Filter:
            function = self.filters.get(node.name)
            if node.name not in self.text_filters or function is None or hasattr(function, "jinja_pass_arg") or \
                    node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None or \
                    any(type(argument) is not nodes.Const for argument in node.args):
                raise _Unsupported
            arguments = tuple(argument.value for argument in node.args)
            node = node.node
        index, key = self.lookup(node)
        return (_SHOW, index, key, function, arguments)

    def lookup(self, node: nodes.Node | None) -> tuple[int, str]:
        if type(node) is nodes.Getattr and node.attr not in DICT_ATTRIBUTES:
            target, key = node.node, node.attr
        elif type(node) is nodes.Getitem and type(node.arg) is nodes.Const and type(node.arg.value) is str:
            target, key = node.node, node.arg.value
        else:
            raise _Unsupported
        if type(target) is not nodes.Name or target.ctx != "load" or target.name not in VARIABLES:
            raise _Unsupported
        return VARIABLES.index(target.name), key

    def condition(self, node: nodes.Node) -> tuple[Any, ...]:
        kind = type(node)
        if kind is nodes.Const:
            return (_CONST, node.value)
        if kind is nodes.Not:
            return (_NOT, self.condition(node.node))
        if kind is nodes.And or kind is nodes.Or:
            return (_AND if kind is nodes.And else _OR, self.condition(node.left), self.condition(node.right))
        if kind is nodes.Test:
            if jinjas_own_test(node, self.tests, "defined"):
                return (_IS_DEFINED, self.lookup(node.node))
            if jinjas_own_test(node, self.tests, "none"):
                return (_IS_NONE, self.lookup(node.node))
            raise _Unsupported
        if kind is nodes.Compare and len(node.ops) == 1 and node.ops[0].op in _COMPARISONS and \
                type(node.ops[0].expr) is nodes.Const:
            return (_COMPARE, _COMPARISONS[node.ops[0].op], self.lookup(node.expr), node.ops[0].expr.value)
        return (_GET, *self.lookup(node))


def render_substitutions(pieces: tuple[Any, ...], mappings: tuple[Mapping[str, Any], ...],
                         finalize: Callable[[Any], Any], limit: int) -> str | None:
    """The text, or None when Jinja must render it (a key the mapping lacks, a result over `limit` characters).
    A filter's own exception passes through: the caller has Jinja render the text, which words it."""
    for mapping in mappings:
        if type(mapping) is not dict:
            return None  # Jinja's lookup on another mapping tries its attributes first
    out: list[str] = []
    try:
        _write(pieces, mappings, finalize, out)
    except _Missing:
        return None
    text = "".join(out)
    return text if len(text) <= limit else None


def _write(pieces: tuple[Any, ...], mappings: tuple[Mapping[str, Any], ...], finalize: Callable[[Any], Any],
           out: list[str]) -> None:
    for piece in pieces:
        if type(piece) is str:
            out.append(piece)
        elif piece[0] == _SHOW:
            _, index, key, function, arguments = piece
            mapping = mappings[index]
            if key not in mapping:
                raise _Missing
            value = mapping[key]
            out.append(str(finalize(value)) if function is None else function(value, *arguments))
        else:
            for condition, branch in piece[1]:
                if _true(condition, mappings):
                    _write(branch, mappings, finalize, out)
                    break
            else:
                _write(piece[2], mappings, finalize, out)


def _value(mappings: tuple[Mapping[str, Any], ...], index: int, key: str) -> Any:
    mapping = mappings[index]
    if key not in mapping:
        raise _Missing
    return mapping[key]


def _true(condition: tuple[Any, ...], mappings: tuple[Mapping[str, Any], ...]) -> Any:
    kind = condition[0]
    if kind == _GET:
        return _value(mappings, condition[1], condition[2])
    if kind == _CONST:
        return condition[1]
    if kind == _IS_DEFINED:
        _value(mappings, *condition[1])  # no such key: Jinja decides (`thresholds['items']` is dict's method)
        return True
    if kind == _IS_NONE:
        return _value(mappings, *condition[1]) is None
    if kind == _COMPARE:
        return condition[1](_value(mappings, *condition[2]), condition[3])
    if kind == _NOT:
        return not _true(condition[1], mappings)
    if kind == _AND:
        return _true(condition[1], mappings) and _true(condition[2], mappings)
    return _true(condition[1], mappings) or _true(condition[2], mappings)
