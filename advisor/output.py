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


def write_temporary(folder: Path, name: str, text: str, *, durable: bool = True) -> Path:
    """A new temporary file for `name` in `folder` holding `text`, fsynced when `durable`. If writing fails it is
    removed again and the OSError raised. A batch passes durable=False: a sync per report costs more than planning
    it, so the batch syncs once at the end of its run."""
    temporary = None
    try:
        handle, temporary = _create_temporary(folder, name)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        return temporary
    except BaseException:
        if temporary is not None:
            _remove(temporary)
        raise


def replace_keeping_mode(temporary: Path, target: Path) -> None:
    """Move a finished temporary file over `target` in one step, with the permissions of the file it replaces."""
    try:
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
    except FileNotFoundError:
        pass
    os.replace(temporary, target)


def write_whole(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` to `path` whole or not at all (synced to disk before it takes the name)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"{target}: cannot write the report: folder {folder} {problem}")
    temporary = None
    try:
        temporary = write_temporary(folder, target.name, text)
        replace_keeping_mode(temporary, target)
        temporary = None
    except OSError as error:
        raise OutputError(f"{target}: cannot write the report: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            _remove(temporary)
    return target


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
