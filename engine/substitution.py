"""Rule texts that only substitute values, rendered by a loop instead of a template's machinery.

Most rule text is a sentence with a few values in it: `{{ facts.followers | number }} followers, {{
thresholds['engagement.tier.mega.min_followers'] | number }} or more`. As a sandboxed Jinja template each such
text costs some 6.5 us (a context, a generator, the sandbox's lookups), and a plan renders a dozen. This module
recognises such a text from its parse tree (literal text, and `facts.name` or `thresholds['name']` shown as it
is or through one filter with constant arguments) and renders it as a list of pieces, doing what Jinja's code
for it does, call for call: the value looked up by key, the filter called on it, or `str(finalize(value))`.

It decides nothing Jinja would decide differently. A text with anything else in it is not recognised; a name
the mapping lacks, a filter that raises or a text over the limit gives None, and engine.text renders that text
with Jinja, which words the failure. tests/test_rule_text.py holds both renderings to the same text.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from jinja2 import nodes

VARIABLES = ("facts", "thresholds")  # the mappings a piece may read, by position
_DICT_ATTRIBUTES = frozenset(dir(dict))  # `facts.items` is the method in Jinja, not a key

def substitutions(tree: nodes.Template, filters: Mapping[str, Callable[..., Any]],
                  text_filters: frozenset[str]) -> tuple[Any, ...] | None:
    """The pieces of a text that only substitutes values: literal text, or (mapping, key, filter, arguments) with
    filter None for a value shown as it is; None for any other text. `text_filters` are the filters that return
    text for any input (Jinja's code calls them without str() or finalize)."""
    if len(tree.body) != 1 or type(tree.body[0]) is not nodes.Output:
        return None
    pieces: list[Any] = []
    for node in tree.body[0].nodes:
        if type(node) is nodes.TemplateData:
            pieces.append(node.data)
            continue
        function, arguments = None, ()
        if type(node) is nodes.Filter:
            function = filters.get(node.name)
            if node.name not in text_filters or function is None or hasattr(function, "jinja_pass_arg") or \
                    node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None or \
                    any(type(argument) is not nodes.Const for argument in node.args):
                return None
            arguments = tuple(argument.value for argument in node.args)
            node = node.node
        lookup = _lookup(node)
        if lookup is None:
            return None
        pieces.append((*lookup, function, arguments))
    return tuple(pieces)


def _lookup(node: nodes.Node | None) -> tuple[int, str] | None:
    if type(node) is nodes.Getattr and node.attr not in _DICT_ATTRIBUTES:
        target, key = node.node, node.attr
    elif type(node) is nodes.Getitem and type(node.arg) is nodes.Const and type(node.arg.value) is str:
        target, key = node.node, node.arg.value
    else:
        return None
    if type(target) is not nodes.Name or target.ctx != "load" or target.name not in VARIABLES:
        return None
    return VARIABLES.index(target.name), key


def render_substitutions(pieces: tuple[Any, ...], mappings: tuple[Mapping[str, Any], ...],
                         finalize: Callable[[Any], Any], limit: int) -> str | None:
    """The text, or None when Jinja must render it (a key the mapping lacks, a result over `limit` characters)."""
    out = []
    for piece in pieces:
        if type(piece) is str:
            out.append(piece)
            continue
        index, key, function, arguments = piece
        mapping = mappings[index]
        if type(mapping) is not dict or key not in mapping:
            return None
        value = mapping[key]
        out.append(str(finalize(value)) if function is None else function(value, *arguments))
    text = "".join(out)
    return text if len(text) <= limit else None
