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
- a file is read only when its keyed digest (HMAC-SHA256 with this user's random key, kept 0600 in the folder and
  read once per process) matches, so a truncated, damaged or half-written file is a miss, and so is a file
  someone else planted: without the key no one can write a file this cache will run;
- the folder is opened at every read and write by a walk of its whole chain of parents that follows no symlink
  and refuses any folder another user could change (engine/templating/private_folder.py); the files are read and written
  through that open folder, so renaming folders after the check redirects nothing;
- a file is written to a temporary name (created new, never through a symlink) and moved into place
  (`os.replace`), so processes running at once (batch workers) never read half a file;
- nothing fails: a folder that cannot be created or written, a full disk, a folder another user could change
  (code from it would run here) just mean templates are compiled as if there were no cache.

The compiled code still runs in the environment that loads it: a sandboxed environment stays sandboxed.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import marshal
import os
import secrets
import stat
import sys
from pathlib import Path
from types import CodeType
from typing import Any
from weakref import WeakKeyDictionary

import jinja2
from jinja2 import nodes
from jinja2.bccache import Bucket, BytecodeCache

from .private_folder import open_private_folder

_HEADER = b"jinja-code-2\n"
_DIGEST_SIZE = 32  # HMAC-SHA256
_SUFFIX = ".jinja-code"


class CodeCache(BytecodeCache):
    """Compiled templates in one folder, one file per template. The folder is created (private to the user) on the
    first write. Safe to delete at any time; files of templates that changed are simply no longer read."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self._writable = True  # until a write fails
        self._key_bytes: bytes | None = None  # this user's key for the folder, once read
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
        """The payload of the file `key`, if it is whole, was written by this user's key for a source with this
        checksum, and sits in a folder only this user can change (checked now, not remembered)."""
        folder = open_private_folder(self.directory)
        if folder is None:
            return None
        try:
            secret = self._secret(folder, create=False)
            if secret is None:
                return None
            data = _read_regular(key + _SUFFIX, folder)
        finally:
            os.close(folder)
        if data is None:
            return None
        expected = checksum.encode("ascii")
        start = len(_HEADER) + _DIGEST_SIZE
        if not data.startswith(_HEADER) or data[start:start + len(expected)] != expected:
            return None  # another format, or the source changed since
        if not hmac.compare_digest(_seal(secret, key, data[start:]), data[len(_HEADER):start]):
            return None  # damaged, cut short, or not written with this user's key
        return data[start + len(expected):]

    def _write(self, key: str, checksum: str, payload: bytes) -> None:
        """Write the file `key` whole or not at all; any failure turns writing off for this process."""
        if not self._writable:
            return
        body = checksum.encode("ascii") + payload
        folder = open_private_folder(self.directory, create=True)
        if folder is None:
            self._writable = False  # not a folder only this user can change: nothing is written there
            return
        temporary = None
        try:
            secret = self._secret(folder, create=True)
            if secret is None:
                self._writable = False
                return
            temporary = f".{secrets.token_hex(8)}.tmp"
            handle = os.open(temporary, _NEW_FILE, 0o600, dir_fd=folder)
            with os.fdopen(handle, "wb") as file:
                file.write(_HEADER + _seal(secret, key, body) + body)
            os.replace(temporary, key + _SUFFIX, src_dir_fd=folder, dst_dir_fd=folder)
            temporary = None
        except (OSError, ValueError):
            self._writable = False  # read-only, full, gone: stop trying for this process
        finally:
            if temporary is not None:
                try:
                    os.unlink(temporary, dir_fd=folder)
                except OSError:
                    pass
            os.close(folder)

    def _secret(self, folder: int, *, create: bool) -> bytes | None:
        """This user's key for the cache folder (open as `folder`): read from its 0600 file once per process, made
        (32 random bytes) when `create` and there is none. A file planted by someone else without the key is
        never run, whatever the folder allowed when it was written."""
        if self._key_bytes is not None:
            return self._key_bytes
        found = _read_regular(_KEY_FILE, folder, private=True)
        if found is None and create:
            try:
                handle = os.open(_KEY_FILE, _NEW_FILE, 0o600, dir_fd=folder)
            except FileExistsError:
                pass  # another process made it just now
            else:
                with os.fdopen(handle, "wb") as file:
                    file.write(secrets.token_bytes(_KEY_SIZE))
                    file.flush()
                    os.fsync(file.fileno())
            found = _read_regular(_KEY_FILE, folder, private=True)
        if found is None or len(found) != _KEY_SIZE:
            return None
        self._key_bytes = found
        return found


_KEY_FILE = "key"
_KEY_SIZE = 32
_MAX_FILE_BYTES = 64 * 1024 * 1024  # far above any compiled template; a bigger file is not ours
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_READ_FILE = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


def _seal(secret: bytes, key: str, body: bytes) -> bytes:
    """The keyed digest of a file: its name is covered too, so a file moved to another name is refused."""
    seal = hmac.new(secret, key.encode("ascii"), hashlib.sha256)
    seal.update(b"\0")
    seal.update(body)
    return seal.digest()


def _read_regular(name: str, folder: int, *, private: bool = False) -> bytes | None:
    """The bytes of a regular file of this user's in `folder` (no symlink followed), or None. `private`: readable
    by no one else either (the key)."""
    try:
        handle = os.open(name, _READ_FILE, dir_fd=folder)
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.geteuid() or \
                status.st_mode & (0o077 if private else 0o022) or status.st_size > _MAX_FILE_BYTES:
            return None
        with os.fdopen(handle, "rb") as file:
            handle = -1
            return file.read(_MAX_FILE_BYTES + 1)
    except OSError:
        return None
    finally:
        if handle >= 0:
            os.close(handle)


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
