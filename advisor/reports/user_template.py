"""The bounds a user's own report template (`plan --template`, docs/templates.md) runs within.

A template file may come from someone else (an agency's shared folder), so besides Jinja's sandbox:

- no globals: `range`, `lipsum`, `cycler`, `joiner`, `namespace` and `dict` are not there (a template loops over
  the plan's own lists);
- `{% include %}`, `{% import %}` and `{% extends %}` read plain files under the template's folder only: no name
  starting with a dot, no symlink on the way (a link to ~/.ssh/id_rsa beside the template is refused);
- no method that changes a list or mapping (`append`, `update`, `pop`...), and the template renders a copy of
  the plan, so it cannot change the plan its caller holds;
- size: every value it builds with `*`, `+` or `sum`, and what the filters that grow text (`center`, `indent`,
  `replace`, `format`, `batch`, `slice`) make, is held to MAX_VALUE_CHARS written out (engine/templating/budget.py), and the
  whole output to MAX_OUTPUT_CHARS, counted as it is produced;
- time: the render stops after MAX_SECONDS (a timer signal; in the main thread, where the commands run).
"""

from __future__ import annotations

import os
import re
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Iterator

import jinja2
from jinja2 import FileSystemLoader, TemplateNotFound
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.loaders import split_template_path
from jinja2.sandbox import modifies_known_mutable

from advisor.errors import RenderError
from advisor.reports.render import build_environment
from advisor.terminal import neutralised
from engine.templating import DataSandbox, bounded_binop, cost

MAX_VALUE_CHARS = 1_000_000  # any one value a template builds, written out
MAX_OUTPUT_CHARS = 20_000_000  # the rendered report
MAX_SECONDS = 30.0
_WHAT = "a report template"


class UserTemplateSandbox(DataSandbox):
    """DataSandbox for a user's template: growth bounded, nothing mutable changed, no globals."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.globals = {}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        bounded_binop(operator, left, right, MAX_VALUE_CHARS, _WHAT)
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if modifies_known_mutable(obj, attr):
            return False  # `plan.eligibility.append(...)`: a report only reads
        return super().is_safe_attribute(obj, attr, value)


class PlainFileLoader(FileSystemLoader):
    """Templates from plain files under one folder: no dotfile, no symlink anywhere below the folder."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses '..' itself
        if any(piece.startswith(".") for piece in pieces):
            raise TemplateNotFound(template, "names starting with a dot are not read")
        for folder in self.searchpath:
            path = folder
            try:
                for piece in pieces:
                    path = os.path.join(path, piece)
                    status = os.lstat(path)
                    if stat.S_ISLNK(status.st_mode):
                        raise TemplateNotFound(template, "a symbolic link is not followed")
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(status.st_mode):
                raise TemplateNotFound(template)
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
            with os.fdopen(handle, "rb") as file:
                source = file.read().decode(self.encoding)
            mtime = os.path.getmtime(path)
            return source, os.path.normpath(path), lambda: _unchanged(path, mtime)
        raise TemplateNotFound(template)


def _unchanged(path: str, mtime: float) -> bool:
    try:
        return os.path.getmtime(path) == mtime
    except OSError:
        return False


def _checked(name: str, function: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        check(*args, **kwargs)
        result = function(*args, **kwargs)
        if isinstance(result, (str, list, tuple, dict)) and cost(result, MAX_VALUE_CHARS) > MAX_VALUE_CHARS:
            raise SecurityError(f"the filter {name!r} would make a value over {MAX_VALUE_CHARS:,} characters")
        return result
    bounded.__name__ = getattr(function, "__name__", name)
    if hasattr(function, "jinja_pass_arg"):
        bounded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


def _at_most(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_VALUE_CHARS:
        raise SecurityError(f"{what} {value:,} is over {MAX_VALUE_CHARS:,}")


def _text_args(*args: Any, **kwargs: Any) -> list[Any]:
    return [a for a in args if not isinstance(a, (jinja2.Environment, jinja2.runtime.Context))]


def _width(*args: Any, **kwargs: Any) -> None:  # center(value, width), indent(value, width, ...)
    values = _text_args(*args)
    width = kwargs.get("width", values[1] if len(values) > 1 else 0)
    size = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    lines = str(values[0]).count("\n") + 1 if values else 1
    if size * lines > MAX_VALUE_CHARS:
        raise SecurityError(f"the width would make a text over {MAX_VALUE_CHARS:,} characters")


def _replace(*args: Any, **kwargs: Any) -> None:  # replace(value, old, new, count)
    values = _text_args(*args)
    if len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
        text, old, new = (str(v) for v in values[:3])
        times = text.count(old) if old else len(text) + 1
        if len(text) + times * max(0, len(new) - len(old)) > MAX_VALUE_CHARS:
            raise SecurityError(f"'replace' would make a text over {MAX_VALUE_CHARS:,} characters")


_FORMAT_SPEC = re.compile(r"%[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")


def _format(*args: Any, **kwargs: Any) -> None:  # format(value, *args)
    values = _text_args(*args)
    if values and isinstance(values[0], str):
        for found in _FORMAT_SPEC.finditer(values[0]):
            for number in found.groups():
                if number == "*" or number and int(number) > 1000:
                    raise SecurityError("'format' widths and precisions are limited to 1,000")


def _count(*args: Any, **kwargs: Any) -> None:  # batch(value, linecount), slice(value, slices)
    values = _text_args(*args)
    for key in ("linecount", "slices"):
        _at_most(kwargs.get(key, values[1] if len(values) > 1 else 0), "the count")


def _bounded_sum(*args: Any, attribute: Any = None, start: Any = 0, **kwargs: Any) -> Any:
    environment, iterable = (args[0], args[1]) if len(args) > 1 else (None, args[0])
    total = start
    get = make_attrgetter(environment, attribute) if attribute is not None and environment is not None else None
    for item in iterable:
        if get is not None:
            item = get(item)
        bounded_binop("+", total, item, MAX_VALUE_CHARS, _WHAT)
        total = total + item
    return total


def restrict(environment: jinja2.Environment) -> None:
    """Give a user's template environment the bounded filters (see the module docstring)."""
    filters = environment.filters
    for name, check in (("center", _width), ("indent", _width), ("replace", _replace), ("format", _format),
                        ("batch", _count), ("slice", _count)):
        if name in filters:
            filters[name] = _checked(name, filters[name], check)
    bounded_sum = _checked("sum", _bounded_sum, lambda *a, **k: None)
    bounded_sum.jinja_pass_arg = getattr(filters.get("sum"), "jinja_pass_arg", None)  # type: ignore[attr-defined]
    if bounded_sum.jinja_pass_arg is None:  # type: ignore[attr-defined]
        del bounded_sum.jinja_pass_arg  # type: ignore[attr-defined]
    filters["sum"] = bounded_sum


def render_bounded(template: jinja2.Template, **context: Any) -> str:
    """Render `template`, refusing output over MAX_OUTPUT_CHARS and a render over MAX_SECONDS."""
    pieces, length = [], 0
    with _deadline(MAX_SECONDS):
        for piece in template.generate(**context):
            length += len(piece)
            if length > MAX_OUTPUT_CHARS:
                raise SecurityError(f"the report would be over {MAX_OUTPUT_CHARS:,} characters")
            pieces.append(piece)
    return "".join(pieces)


class TemplateTimeout(SecurityError):
    """A user's template rendered for longer than MAX_SECONDS."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    import signal

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TemplateTimeout(f"rendering took longer than {seconds:g} s")

    import time

    remaining = signal.getitimer(signal.ITIMER_REAL)[0]
    if remaining and remaining < seconds:  # an outer timer (batch's --record-timeout) comes first: leave it
        yield
        return
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:  # the outer timer goes on with what it had left
            signal.setitimer(signal.ITIMER_REAL, max(remaining - (time.monotonic() - started), 0.001))


# ---- running a user's template --------------------------------------------------------------------------------------

def user_environment(kind: str, folder: str | os.PathLike[str]) -> jinja2.Environment:
    """The report environment for a user's template in `folder`: the packaged reports' filters, with this
    module's sandbox, loader and bounded filters."""
    environment = build_environment(kind, search_path=folder, sandbox=UserTemplateSandbox, loader=PlainFileLoader)
    restrict(environment)
    return environment


_TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")
_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".xml", ".svg")


def template_kind(path: str | os.PathLike[str]) -> str:
    """"html" for a template whose name (less .j2/.jinja/.jinja2) ends in .html, .htm, .xhtml, .xml or .svg, so
    its output is autoescaped; "md" (no autoescape; use the `md` filter) for anything else."""
    name = Path(path).name.lower()
    for suffix in _TEMPLATE_SUFFIXES:
        name = name.removesuffix(suffix)
    return "html" if name.endswith(_HTML_SUFFIXES) else "md"


def _template_frame(traceback: TracebackType | None, folder: Path) -> tuple[str, int] | None:
    """The innermost frame of the traceback that ran a template file in `folder`: Jinja rewrites tracebacks so
    that template code shows as frames of the template file, at the template's own line."""
    found = None
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if not filename.endswith((".py", ".pyc")) and Path(filename).is_relative_to(folder):
            found = (filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


def render_template(plan: dict, path: str | os.PathLike[str]) -> str:
    """Render `plan` through a user's Jinja2 template file: the same sandbox, filters and StrictUndefined as the
    built-in reports, autoescaped when the file is HTML (`template_kind`). `{% include %}` and `{% extends %}` find
    files beside it. Any failure is a RenderError naming the template file and, where there is one, the line."""
    template_path = Path(path)
    if not template_path.is_file():
        problem = "is a folder" if template_path.is_dir() else "does not exist"
        raise RenderError(f"{template_path}: cannot use it as a template: the file {problem}")
    folder = template_path.resolve().parent
    environment = user_environment(template_kind(template_path), folder)
    try:
        return render_bounded(environment.get_template(template_path.name), plan=neutralised(plan), explain=False)
    except jinja2.TemplateSyntaxError as error:
        where = _display(error.filename, template_path, folder)
        raise RenderError(f"{where}:{error.lineno}: template syntax error: {error.message}") from error
    except jinja2.TemplateNotFound as error:
        frame = _template_frame(error.__traceback__, folder)
        where = f"{_display(frame[0], template_path, folder)}:{frame[1]}" if frame else str(template_path)
        raise RenderError(f"{where}: template {error.name!r} not found beside {template_path.name}") from error
    except UnicodeDecodeError as error:
        raise RenderError(f"{template_path}: the template is not UTF-8 text ({error.reason} at byte "
                          f"{error.start})") from error
    except OSError as error:
        raise RenderError(f"{template_path}: cannot read the template: {error.strerror or error}") from error
    except Exception as error:  # noqa: BLE001 - whatever a user's template raises, report it located
        frame = _template_frame(error.__traceback__, folder)
        where = f"{_display(frame[0], template_path, folder)}:{frame[1]}" if frame else str(template_path)
        raise RenderError(f"{where}: cannot render the template: {type(error).__name__}: {error}") from error


def _display(filename: str | None, template_path: Path, folder: Path) -> str:
    """A template file as the user named it: the path they gave for the main template, else the path beside it."""
    if filename is None:
        return str(template_path)
    resolved = Path(filename)
    if resolved == folder / template_path.name:
        return str(template_path)
    try:
        return str(template_path.parent / resolved.relative_to(folder))
    except ValueError:
        return filename
