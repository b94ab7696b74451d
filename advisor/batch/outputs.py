"""Where a batch's plans go, each whole or absent: JSON lines to a file (replaced whole at the end, resumable if
the run stops: advisor.batch.resume), to standard output or a device; or one report file per plan in a folder,
named from the handle (safe on any filesystem, never two plans under one name)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sys
import unicodedata
from pathlib import Path
from typing import IO, Any

from advisor.errors import AdvisorError, OutputError

EXTENSIONS = {"md": "md", "html": "html", "json": "json"}

class JsonlOutput:
    """Plans as JSON lines: to FILE, replaced whole at the end of the run and resumable if it stops
    (advisor/batch_resume.py); or straight to standard output, or through to a device or FIFO given as FILE
    (advisor/output.py)."""

    def __init__(self, path: str | None, input_path: str | None = None, resume_options: Any = None,
                 resume: bool = False):
        from advisor.output import STREAM, existing_mode, folder_of, open_stream, output_kind

        self.path = Path(path) if path else None
        self.file: Any = None  # the ResumableJsonl of a FILE output
        self.resumed = 0
        if self.path is None:
            if resume:
                raise AdvisorError("--resume continues a run that writes -o FILE.jsonl; give the same -o FILE")
            self.stream: IO[bytes] = sys.stdout.buffer  # UTF-8 bytes whatever the locale, as `plan` writes
            return
        what = "the plans"
        kind = output_kind(self.path, [input_path] if input_path else [], what)
        try:
            if kind == STREAM:
                if resume:
                    raise AdvisorError(f"{self.path}: --resume needs a file to continue, not a device or FIFO")
                self.stream = os.fdopen(open_stream(self.path), "wb")
                return
            from advisor.batch.resume import ResumableJsonl, input_identity

            folder_of(self.path, what)
            header = {"version": 1, **input_identity(input_path or "", resume), "options": resume_options}
            self.file = ResumableJsonl(self.path, header, existing_mode(self.path), resume)
            self.resumed = self.file.resumed
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write the plans: {error.strerror or error}") from None

    def write(self, handle: str, line: bytes) -> None:
        if self.file is not None:
            self.file.write(line)  # one plan, compact, UTF-8, with its newline (made by the worker)
        else:
            self.stream.write(line)

    def done(self, ok: bool) -> None:
        """A record finished (its plan written, or its failure reported): the point a resumed run starts after."""
        if self.file is not None:
            self.file.done(ok)

    def commit(self) -> str:
        try:
            if self.file is not None:
                self.file.commit()
                return str(self.path)
            self.stream.flush()
            if self.path is not None:
                self.stream.close()
        except OSError as error:
            where = self.path if self.path is not None else "standard output"
            raise OutputError(f"{where}: cannot write the plans: {error.strerror or error}") from None
        return "standard output" if self.path is None else str(self.path)

    def discard(self) -> None:
        """The run stopped: keep what --resume needs (and say so), close a stream."""
        if self.file is not None:
            hint = self.file.keep()
            self.file = None
            if hint:
                sys.stderr.write(hint + "\n")
        elif self.path is not None:
            try:
                self.stream.close()
            except OSError:
                pass


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})


def safe_name(handle: str) -> str:
    """A handle as a file name any filesystem takes: ASCII letters, digits, '.', '_' and '-', no leading dot, no
    Windows device name, at most 80 characters. A handle that loses letters on the way (non-Latin scripts, emoji)
    gets a short digest of itself after them, so two such handles never share a name ('creator-1a2b3c4d' when
    nothing Latin is left)."""
    decomposed = unicodedata.normalize("NFKD", handle)
    text = decomposed.encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", text).strip("._-")[:80].rstrip("._-")
    lost = any(ord(char) > 127 and not unicodedata.combining(char) for char in decomposed)
    if lost:
        digest = hashlib.blake2b(handle.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
        name = f"{name[:71] or 'creator'}-{digest}"
    elif not name:
        name = "creator"
    if name.split(".")[0].lower() in _RESERVED:
        name = "_" + name
    return name


class NamesSeen:
    """Which file names this run has used, in fixed memory: a Bloom filter (1 MiB) of the names in lower case
    (case-insensitive filesystems). "Not seen" is certain, so a plan never overwrites another of the same run; a
    false "seen" (about one in 20,000 names at 100,000 plans) only adds a suffix the name did not need."""

    BITS = 8 * 1024 * 1024

    def __init__(self) -> None:
        self.bits = bytearray(self.BITS // 8)

    def _positions(self, name: str) -> list[int]:
        digest = hashlib.blake2b(name.lower().encode("utf-8"), digest_size=16).digest()
        return [int.from_bytes(digest[i:i + 4], "little") % self.BITS for i in range(0, 16, 4)]

    def add_if_new(self, name: str) -> bool:
        positions = self._positions(name)
        if all(self.bits[p >> 3] & (1 << (p & 7)) for p in positions):
            return False
        for p in positions:
            self.bits[p >> 3] |= 1 << (p & 7)
        return True


class FolderOutput:
    """One file per plan in a folder, named from the handle, unique. The process that made a report wrote it to a
    temporary file of this run (`prefix`); `write` gives it its name with one rename, so the reports are written
    in parallel and each is whole or absent. `discard` removes the run's temporary files left by an interrupted
    run."""

    def __init__(self, folder: str, fmt: str, input_path: str | None = None, template: str | None = None):
        self.folder = Path(folder)
        if template:
            from advisor.reports.user_template import template_kind

            self.extension = template_kind(template)
        else:
            self.extension = EXTENSIONS[fmt]
        if input_path is not None and _same_file(input_path, folder):
            raise OutputError(f"{self.folder}: cannot write the reports into the input folder {input_path}: give "
                              "another folder")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{self.folder}: cannot create the folder: {error.strerror or error}") from None
        from advisor.output import TEMPORARY_TAG, remove_stale_temporaries

        remove_stale_temporaries(self.folder)  # of a run killed before it could remove them
        self.seen = NamesSeen()
        self.prefix = f"{TEMPORARY_TAG}-{os.getpid()}-{secrets.token_hex(4)}"

    def write(self, handle: str, temporary: str) -> str:
        """Name the report written to `temporary` from `handle`; the file name it got."""
        base = safe_name(handle)
        if base.lower() == "index" or base.lower().startswith("index-"):
            base = "_" + base  # the run's index pages (advisor.reports.index) take these names
        name, number = base, 1
        while not self.seen.add_if_new(f"{name}.{self.extension}"):
            number += 1
            name = f"{base}-{number}"
        from advisor.output import FILE, STREAM, keep_mode, output_kind

        target = self.folder / f"{name}.{self.extension}"
        try:
            kind = output_kind(target, (), "the report")
            if kind == STREAM:
                raise OutputError(f"{target}: cannot write the report: it is a device or FIFO, not a file")
            if kind == FILE:
                keep_mode(Path(temporary), target)
            os.replace(temporary, target)
        except OSError as error:
            raise OutputError(f"{target}: cannot write the report: {error.strerror or error}") from None
        return target.name

    def commit(self) -> str:
        """The reports were written without a sync each: one sync makes them all durable before the run reports
        success. A report a worker was writing when it was stopped (--record-timeout) is removed."""
        self.discard()
        if hasattr(os, "sync"):
            os.sync()
        return str(self.folder)

    def discard(self) -> None:
        for leftover in self.folder.glob(f".{self.prefix}.*.tmp"):
            try:
                leftover.unlink()
            except OSError:
                pass


def _same_file(first: str | os.PathLike[str], second: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):
        return False
