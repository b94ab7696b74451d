"""A batch's input as records, streamed: the lines of a JSONL file, the rows of a CSV file
(advisor.profile.csv_input), or the profile files of a folder. A record is (kind, where, raw bytes): `where`
("input.jsonl:17", a file's path) is what every error about it names."""

from __future__ import annotations

import os
import stat
from typing import Any, Iterator

MAX_LINE_BYTES = 10 * 1024 * 1024  # a profile file's limit (engine.documents.Limits.max_bytes) applies to a line too
PROFILE_SUFFIXES = (".yaml", ".yml", ".json")

Record = tuple[str, str, Any]  # (kind "line" | "file", where "input.jsonl:17" | path, raw bytes | None)


def jsonl_records(path: str) -> Iterator[Record]:
    """(where, line bytes) of each non-blank line, a line at a time; a line over the limit is a record that
    fails (its bytes are skipped, never held)."""
    name = str(path)
    with open(path, "rb") as stream:
        number = 0
        while True:
            line = stream.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := stream.readline(1024 * 1024)) and not rest.endswith(b"\n"):
                    pass
                yield ("too-long", f"{name}:{number}", None)
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                yield ("line", f"{name}:{number}", line)


def folder_records(path: str) -> Iterator[Record]:
    """Each profile file of a folder (not its subfolders), in name order. The sorted listing is the one thing
    held for the whole run (a name per file)."""
    names = sorted(entry.name for entry in os.scandir(path)
                   if entry.name.lower().endswith(PROFILE_SUFFIXES) and not entry.name.startswith(".")
                   and entry.is_file())
    for name in names:
        yield ("file", os.path.join(path, name), None)


def records(path: str) -> Iterator[Record]:
    if os.path.isdir(path):
        return folder_records(path)
    from advisor.profile.csv_input import csv_records, is_csv

    return csv_records(path) if is_csv(path) else jsonl_records(path)


def count_records(path: str) -> int | None:
    """How many records the input holds (for the progress bar's length): non-blank lines, or profile files; None
    for a pipe or a device, which can be read only once (and is, by the run)."""
    if os.path.isdir(path):
        return sum(1 for _ in folder_records(path))
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
    except OSError:
        return None
    from advisor.profile.csv_input import is_csv

    if is_csv(path):
        return sum(1 for _ in records(path))
    with open(path, "rb") as stream:
        return sum(1 for line in stream if line.strip())
