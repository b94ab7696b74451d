"""Compiled Jinja templates kept on disk, so a new process neither parses nor compiles a template it has seen.

Parsing a template, generating its Python and compiling that is most of the cost of a small template's first use
(the Markdown report's template alone took ~30 ms at every start of the command). `CodeCache` is a Jinja `BytecodeCache`:
give it to an environment (`bytecode_cache=`) and Jinja consults it for every template its loader reads; rule
texts, which come from strings, use it through `compile_cached`.

It is Jinja's interface with its own files rather than `jinja2.FileSystemBytecodeCache`, which keys a file on the
template's name alone (two environments with other options or filters would share wrong code), fails when the
folder cannot be written, and crashes on some damaged files. Here:

- the key covers everything that changes the generated code: the environment's syntax and output options, the
  names of its filters and tests and how each is called, its classes (and the source of the module defining any
  that is not Jinja's own), Jinja's version and Python's bytecode magic number. The template's source is checked
  too, so an edited template is compiled again, never served stale;
- a file is read only when its digest matches, so a truncated, damaged or half-written file is a miss;
- a file is written to a temporary name and moved into place (`os.replace`), so processes running at once (batch
  workers) never read half a file;
- nothing fails: a folder that cannot be created or written, a full disk, a folder another user could write to
  (code from it would run here) just mean templates are compiled as if there were no cache.

The compiled code still runs in the environment that loads it: a sandboxed environment stays sandboxed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path
from types import CodeType
from typing import Any
from weakref import WeakKeyDictionary

import jinja2
from jinja2 import nodes
from jinja2.bccache import Bucket, BytecodeCache

_HEADER = b"jinja-code-1\n"
_DIGEST_SIZE = 32  # sha256
_SUFFIX = ".jinja-code"


class CodeCache(BytecodeCache):
    """Compiled templates in one folder, one file per template. The folder is created (private to the user) on the
    first write. Safe to delete at any time; files of templates that changed are simply no longer read."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self._readable: bool | None = None  # unknown until the folder is first looked at
        self._writable = True  # until a write fails
        self._folder_ready = False  # created and found safe by this process
        self._fingerprints: WeakKeyDictionary[jinja2.Environment, bytes] = WeakKeyDictionary()

    # -- what Jinja calls ---------------------------------------------------------------------------------
    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        bucket = Bucket(environment, self._key(environment, name, filename), self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def get_source_checksum(self, source: str) -> str:
        return _digest(source)

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.reset()
        payload = self._read(bucket.key, bucket.checksum)
        try:
            code = marshal.loads(payload) if payload is not None else None
        except (EOFError, ValueError, TypeError):
            return
        if isinstance(code, CodeType):
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._write(bucket.key, bucket.checksum, marshal.dumps(bucket.code))

    # -- results of work on a text (not code): JSON, keyed by the text's content ------------------------------
    def load_result(self, environment: jinja2.Environment, name: str, source: str) -> Any:
        """What `store_result` kept for this `source` under `name` in this environment, or None."""
        checksum = _digest(source)
        payload = self._read(self._key(environment, f"{name}:{checksum}", None), checksum)
        try:
            return json.loads(payload) if payload is not None else None
        except ValueError:
            return None

    def store_result(self, environment: jinja2.Environment, name: str, source: str, result: Any) -> None:
        """Keep `result` (JSON data) of work on `source` that depends only on it and the environment."""
        checksum = _digest(source)
        payload = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        self._write(self._key(environment, f"{name}:{checksum}", None), checksum, payload)

    def clear(self) -> None:
        """Remove every file of this cache (and any temporary file a killed process left)."""
        for path in [*self.directory.glob("*" + _SUFFIX), *self.directory.glob(".*.tmp")]:
            try:
                path.unlink()
            except OSError:
                pass

    # -- files --------------------------------------------------------------------------------------------
    def _key(self, environment: jinja2.Environment, name: str, filename: str | None) -> str:
        found = self._fingerprints.get(environment)
        if found is None:
            found = self._fingerprints[environment] = environment_fingerprint(environment)
        key = hashlib.sha256(found)
        key.update(f"\0{name}\0{filename}".encode("utf-8", "surrogatepass"))
        return key.hexdigest()

    def _read(self, key: str, checksum: str) -> bytes | None:
        """The payload of the file `key`, if it is whole and was written for a source with this checksum."""
        if not self._folder_is_safe():
            return None
        try:
            data = (self.directory / (key + _SUFFIX)).read_bytes()
        except (OSError, ValueError):
            return None
        expected = checksum.encode("ascii")
        start = len(_HEADER) + _DIGEST_SIZE
        if not data.startswith(_HEADER) or data[start:start + len(expected)] != expected:
            return None  # another format, or the source changed since
        if hashlib.sha256(data[start:]).digest() != data[len(_HEADER):start]:
            return None  # damaged or cut short
        return data[start + len(expected):]

    def _write(self, key: str, checksum: str, payload: bytes) -> None:
        """Write the file `key` whole or not at all; any failure turns writing off for this process."""
        if not self._writable:
            return
        body = checksum.encode("ascii") + payload
        temporary = None
        try:
            if not self._folder_ready:
                self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                if not self._folder_is_safe(recheck=True):
                    self._writable = False
                    return
                self._folder_ready = True
            handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
            with os.fdopen(handle, "wb") as file:
                file.write(_HEADER + hashlib.sha256(body).digest() + body)
            os.replace(temporary, self.directory / (key + _SUFFIX))
            temporary = None
        except (OSError, ValueError):
            self._writable = False  # read-only, full, gone: stop trying for this process
        finally:
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass

    def _folder_is_safe(self, recheck: bool = False) -> bool:
        """False when the folder could hold another user's files: owned by someone else, or writable by group or
        others. Its code would run in this process. A folder that does not exist yet is safe (nothing to read)."""
        if self._readable is not None and not recheck:
            return self._readable
        try:
            status = self.directory.stat()
        except OSError:
            return True  # not there (yet): nothing to read, and not remembered, so a later write can create it
        private = True
        if os.name == "posix":  # elsewhere (Windows) the mode bits say nothing: access is by ACL
            private = status.st_uid == os.getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        self._readable = stat.S_ISDIR(status.st_mode) and private
        return self._readable


def compile_cached(environment: jinja2.Environment, source: str, name: str,
                   tree: nodes.Template | None = None) -> jinja2.Template:
    """`environment.from_string(source)` through the environment's bytecode cache, if it has one. `name` says what
    the text is (it keys the cache file with the source's hash); `tree`, when given, is `source` already parsed,
    and is compiled instead of parsing again (the compiler may change it: pass a tree no one else holds)."""
    cache = environment.bytecode_cache
    bucket = cache.get_bucket(environment, f"{name}:{_digest(source)}", None, source) if cache is not None else None
    code = bucket.code if bucket is not None else None
    if code is None:
        code = environment.compile(source if tree is None else tree)
        if bucket is not None and cache is not None:
            bucket.code = code
            cache.set_bucket(bucket)
    return environment.template_class.from_code(environment, code, environment.make_globals(None), None)


def environment_fingerprint(environment: jinja2.Environment) -> bytes:
    """What, besides a template's own source, decides the code Jinja generates for it in `environment`."""
    parts: list[Any] = [
        jinja2.__version__, importlib.util.MAGIC_NUMBER, sys.implementation.cache_tag,
        environment.block_start_string, environment.block_end_string, environment.variable_start_string,
        environment.variable_end_string, environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix, environment.trim_blocks,
        environment.lstrip_blocks, environment.newline_sequence, environment.keep_trailing_newline,
        environment.optimized, environment.is_async, _callable_name(environment.autoescape),
        _callable_name(environment.finalize), _pass_arg(environment.finalize),
        sorted(environment.extensions), _functions(environment.filters), _functions(environment.tests),
        sorted(getattr(environment, "intercepted_binops", ())), sorted(getattr(environment, "intercepted_unops", ())),
        sorted(getattr(environment, "text_filters", ())),
    ]
    own = _own_classes(environment)
    parts.append([f"{cls.__module__}.{cls.__qualname__}" for cls in own])
    parts.append([module_source_digest(module) for module in sorted({cls.__module__ for cls in own})])
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).digest()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _callable_name(value: Any) -> str:
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return repr(value)


def _pass_arg(function: Any) -> str:
    # What @pass_context, @pass_environment and @pass_eval_context set (Jinja's _PassArg.from_obj reads it too).
    found = getattr(function, "jinja_pass_arg", None)
    return str(getattr(found, "name", found or ""))


def _functions(table: dict[str, Any]) -> list[tuple[str, str]]:
    # The compiler checks that a filter or test exists and writes how it is called (with the context, the
    # environment...) into the code: both are part of the key.
    return [(name, _pass_arg(function)) for name, function in sorted(table.items())]


def _own_classes(environment: jinja2.Environment) -> list[type]:
    """The classes that generate or shape the code and are not Jinja's own (a custom code generator, say)."""
    found: dict[type, None] = {}
    for cls in (type(environment), environment.code_generator_class, environment.context_class):
        for klass in cls.__mro__:
            if klass.__module__ != "builtins" and klass.__module__.split(".")[0] != "jinja2":
                found[klass] = None
    return list(found)


def module_source_digest(module_name: str) -> str:
    """The digest of a module's source file: a change to a custom code generator changes the key."""
    module = sys.modules.get(module_name)
    filename = getattr(module, "__file__", None)
    if not filename:
        return ""
    try:
        return hashlib.sha256(Path(filename).read_bytes()).hexdigest()
    except OSError:
        return ""
