"""Writing a report file whole or not at all.

The text is written to a temporary file in the target's folder and moved over the target in one step, so a
reader never sees half a report, and a failure (full disk, read-only folder) leaves the previous file untouched
and no temporary file behind.

The report gets the permissions any new file would (0666 less the umask), or keeps those of the file it replaces:
a temporary file from `tempfile.mkstemp` would be private (0600) and make a report meant for others unreadable.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from .errors import OutputError


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """Create a new, empty temporary file next to the target; mode 0666 less the umask (the kernel applies it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        candidate = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(candidate, flags, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {folder}")


def write_whole(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> Path:
    """Write `text` to `path` whole or not at all. `durable` waits for the disk (fsync) before the file takes its
    name; a batch of thousands of reports passes False (a sync per file costs more than planning it) and syncs
    once at the end of its run instead: its files are still whole or absent if the run is interrupted."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"{target}: cannot write the report: folder {folder} {problem}")
    temporary = None
    try:
        handle, temporary = _create_temporary(folder, target.name)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            try:
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:
                pass
            stream.write(text)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temporary, target)
        temporary = None
    except OSError as error:
        raise OutputError(f"{target}: cannot write the report: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    return target
