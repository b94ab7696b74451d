"""Jinja's sandbox with a short path for what our templates read most: keys of plain dicts.

Rule text and report templates read `facts.followers` or `plan.profile.handle`. Jinja's sandbox answers
`obj.name` by trying the Python attribute first, and on a dict that raises and catches an AttributeError before
it looks the key up: about a microsecond each, hundreds of times a report. A plain dict (not a subclass) has no
instance attributes, only the methods `dir(dict)` lists, so for any other name the attribute lookup must fail and
the key lookup is the whole answer. Both classes here take that answer directly:

- `DataSandbox.getattr` for code that calls the environment;
- `DataCodeGenerator`, which compiles `obj.name` (for a name that is not a dict method) to an inline test, so a
  dict key costs no Python call at all: `(t['name'] if type(t := obj) is dict and 'name' in t else
  environment.getattr(t, 'name'))`.

`x is none` is written as Python's `(x is None)` and `x is defined` as `(not isinstance(x, Undefined))`, rather
than calls of Jinja's tests (which are exactly that).

A report has some seven hundred `{{ ... }}`, nearly all ending in a filter that returns text (`md`, `number`...);
Jinja writes each as `str(environment.finalize(...))`, two calls that change nothing for text. An environment
lists such filters in `text_filters` and the generator leaves the two calls out for them, and for text constants,
`~` joins and `a if c else b` choices between such.

Everything else (methods, other types, missing keys, the sandbox's safety checks) goes through Jinja's own code
unchanged, so templates behave exactly as in Jinja's SandboxedEnvironment, only faster.
"""

from __future__ import annotations

from typing import Any, Mapping

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import SandboxedEnvironment
from jinja2.tests import test_defined, test_none

DICT_ATTRIBUTES = frozenset(dir(dict))
_LOOP_ATTRIBUTES = frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length", "depth",
                              "depth0", "previtem", "nextitem"})
_TEMPORARY = "_key_owner"  # not a name Jinja generates (its locals are l_*, t_*, _loop_vars...)


_INLINE_TESTS = {"none": test_none, "defined": test_defined}


def jinjas_own_test(node: nodes.Test, tests: Mapping[str, Any], name: str) -> bool:
    """`x is none` or `x is defined` (`name`), without arguments, and the environment's test of that name is
    Jinja's own: what this module writes inline."""
    return node.name == name and tests.get(name) is _INLINE_TESTS[name] and not node.args and not node.kwargs \
        and node.dyn_args is None and node.dyn_kwargs is None


class DataCodeGenerator(CodeGenerator):
    """Compiles `obj.name` on a plain dict to a key lookup without a call, and `{{ x | f }}` with a text filter
    last without `str(finalize(...))` around it; see the module docstring."""

    @optimizeconst
    def visit_Test(self, node: nodes.Test, frame: Frame) -> None:
        if jinjas_own_test(node, self.environment.tests, "none"):
            self.write("(")  # `x is none`, written as Python's own `is None`: no call of Jinja's test
            self.visit(node.node, frame)
            self.write(" is None)")
            return
        if jinjas_own_test(node, self.environment.tests, "defined"):
            self.write("(not isinstance(")  # `x is defined`: Jinja's test is exactly this
            self.visit(node.node, frame)
            self.write(", Undefined))")
            return
        super().visit_Test.__wrapped__(self, node, frame)  # type: ignore[attr-defined]

    def _gives_text(self, node: nodes.Expr, frame: Frame) -> bool:
        """True when `node` always gives text: a text filter's result, a text constant, a `~` join, or a choice
        (`a if c else b`) of two such."""
        if frame.eval_ctx.volatile:
            return False
        if isinstance(node, nodes.Filter):
            return node.name in getattr(self.environment, "text_filters", ())
        if isinstance(node, nodes.Const):
            return type(node.value) is str
        if isinstance(node, nodes.Concat):
            return True
        if isinstance(node, nodes.CondExpr):
            return node.expr2 is not None and self._gives_text(node.expr1, frame) and \
                self._gives_text(node.expr2, frame)
        return False

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if not self._gives_text(node, frame):
            super()._output_child_pre(node, frame, finalize)
        elif frame.eval_ctx.autoescape:
            self.write("escape(")  # still escaped: a text filter's result is untrusted text like any other

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if not self._gives_text(node, frame):
            super()._output_child_post(node, frame, finalize)
        elif frame.eval_ctx.autoescape:
            self.write(")")

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if node.attr in DICT_ATTRIBUTES or self.environment.is_async or not node.attr.isidentifier():
            super().visit_Getattr.__wrapped__(self, node, frame)  # type: ignore[attr-defined]
            return
        key = repr(node.attr)
        self.write(f"({_TEMPORARY}[{key}] if type({_TEMPORARY} := ")
        self.visit(node.node, frame)
        self.write(f") is dict and {key} in {_TEMPORARY} else environment.getattr({_TEMPORARY}, {key}))")


class DataSandbox(SandboxedEnvironment):
    """SandboxedEnvironment whose `obj.name` on a plain dict is the key lookup Jinja would end with anyway.

    `text_filters` names filters that return text (str) for any input: `{{ x | f }}` with one of them last needs
    neither `finalize` nor `str()` around it, and DataCodeGenerator writes it without them."""

    code_generator_class = DataCodeGenerator
    text_filters: frozenset[str] = frozenset()

    def getattr(self, obj: Any, attribute: str) -> Any | Undefined:
        if type(obj) is dict and attribute not in DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        if type(obj) is LoopContext and attribute in _LOOP_ATTRIBUTES:
            return getattr(obj, attribute)  # `loop.index`: a public property of Jinja's own loop object
        return super().getattr(obj, attribute)
