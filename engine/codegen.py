"""Python functions built as syntax trees (`ast`), never from text: the engine's compiled rules and gate checks.

A tree is made of nodes this code chooses; a value from a rule file goes in only as a constant node or as an entry
of the function's globals, and every variable is named by number (`v0`, `c3`), never after a fact or a rule, so
nothing a rule file says can become code. The function gets no builtins: it calls only what it is given. Line
numbers are the caller's to choose (a failure's traceback then says which rule or requirement it was in).
"""

from __future__ import annotations

import ast
from typing import Any, Callable


def name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def constant(value: Any) -> ast.Constant:
    return ast.Constant(value=value)


def attribute(owner: str, attr: str) -> ast.Attribute:
    return ast.Attribute(value=name(owner), attr=attr, ctx=ast.Load())


def call(function: str | ast.expr, *arguments: ast.expr) -> ast.Call:
    return ast.Call(func=name(function) if isinstance(function, str) else function, args=list(arguments),
                    keywords=[])


def assign(target: str, value: ast.expr, line: int | None = None) -> ast.Assign:
    """`target = value`, on `line` (None: the line of the statement holding it)."""
    statement = ast.Assign(targets=[ast.Name(id=target, ctx=ast.Store())], value=value)
    return statement if line is None else place(statement, line)


def is_none(value: ast.expr, negate: bool = False) -> ast.Compare:
    return ast.Compare(left=value, ops=[ast.IsNot() if negate else ast.Is()], comparators=[constant(None)])


def place(node: Any, line: int) -> Any:
    """`node` on line `line` of the function; what it holds without a line of its own takes its line (`build`
    fills them in, ast.fix_missing_locations)."""
    setattr(node, "lineno", line)
    setattr(node, "end_lineno", line)
    setattr(node, "col_offset", 0)
    setattr(node, "end_col_offset", 0)
    return node


def function_def(function_name: str, arguments: list[str], body: list[ast.stmt], line: int = 1) -> ast.FunctionDef:
    function = ast.FunctionDef(name=function_name, args=ast.arguments(
        posonlyargs=[], args=[ast.arg(arg=argument) for argument in arguments], kwonlyargs=[], kw_defaults=[],
        defaults=[]), body=body, decorator_list=[], returns=None)
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12 and later
        setattr(function, "type_params", [])
    function.lineno = function.end_lineno = line
    function.col_offset = function.end_col_offset = 0
    return function


def build(function_name: str, arguments: list[str], body: list[ast.stmt], namespace: dict[str, Any],
          filename: str) -> Callable[..., Any]:
    """The function `function_name(*arguments)` with this body, its globals `namespace` (and no builtins)."""
    module = ast.Module(body=[function_def(function_name, arguments, body)], type_ignores=[])
    ast.fix_missing_locations(module)
    scope = {**namespace, "__builtins__": {}}
    exec(compile(module, filename, "exec"), scope)
    return scope[function_name]
