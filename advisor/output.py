"""Writing a report file whole or not at all, without touching anything but the file named.

The text is written to a temporary file in the target's folder and moved over the target in one step, so a
reader never sees half a report, and a failure (full disk, read-only folder) leaves the previous file untouched
and no temporary file behind. The folder is synced after the move, so the new name survives a power cut.

A shared folder may hold names planted by someone else, so every step works on what this process opened, never
on a path looked up again: the temporary file is created new (`O_EXCL`) without following a symlink
(`O_NOFOLLOW`), and its permissions are set on the open descriptor (`fchmod`), so no link can turn a chmod onto
another file. What already stands at the target decides how it is written (`output_kind`):

- nothing, or a regular file: the atomic replace above; the report gets the permissions any new file would (0666
  less the umask), or keeps those of the file it replaces;
- a character device or a FIFO (`/dev/null`, `/dev/stdout` on a terminal or pipe, a named pipe): written
  through, as a shell's `>` would; no atomic replace is possible there, and replacing `/dev/null` with a file
  (run as root) would break the machine;
- anything else (a folder, a symlink to a file, a socket, a block device) is refused with an OutputError saying
  what it is; so is a target that is one of the command's own input files (`plan p.yaml -o p.yaml` would destroy
  the profile).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Iterable

from advisor.errors import OutputError

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_STREAM = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)

NEW, FILE, STREAM = "new", "file", "stream"
TEMPORARY_TAG = "creator-advisor"  # in every temporary file's name, with the writing process's id after it
_TEMPORARY = re.compile(rf"^\..*?{TEMPORARY_TAG}-(\d+)-[0-9a-f]{{8}}.*\.tmp$")


def _what(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def output_kind(target: Path, inputs: Iterable[str | os.PathLike[str]] = (), what: str = "the report") -> str:
    """How to write `target`: NEW (nothing there), FILE (a regular file, replaced whole) or STREAM (a character
    device or FIFO, written through). Raises OutputError for anything else, or when `target` is one of `inputs`."""
    try:
        status = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        return NEW  # (a folder on the way that is not one: `folder_of` says so)
    except OSError as error:
        raise OutputError(f"{target}: cannot write {what}: {error.strerror or error}") from None
    for source in inputs:
        try:
            same = os.path.samefile(source, target)
        except (OSError, ValueError):
            same = False
        if same:
            raise OutputError(f"{target}: cannot write {what} over the input "
                              f"{source}: give another output path")
    if stat.S_ISREG(status.st_mode):
        return FILE
    if stat.S_ISCHR(status.st_mode) or stat.S_ISFIFO(status.st_mode):
        return STREAM
    if stat.S_ISLNK(status.st_mode):
        try:
            followed = os.stat(target)
        except OSError:
            followed = None
        if followed is not None and (stat.S_ISCHR(followed.st_mode) or stat.S_ISFIFO(followed.st_mode)):
            return STREAM  # /dev/stdout and the like
        raise OutputError(f"{target}: cannot write {what}: it is a symbolic link "
                          f"(to {os.readlink(target)}); give the path of the file itself")
    raise OutputError(f"{target}: cannot write {what}: it is {_what(status.st_mode)}")


def open_stream(target: Path) -> int:
    """A descriptor for writing through to the character device or FIFO at `target` (never creating or truncating
    a file: if a regular file took its place since `output_kind` looked, it is refused)."""
    handle = os.open(target, _STREAM)
    status = os.fstat(handle)
    if not (stat.S_ISCHR(status.st_mode) or stat.S_ISFIFO(status.st_mode)):
        os.close(handle)
        raise OSError(errno.EEXIST, "it changed into a file while being opened")
    return handle


def create_temporary(folder: Path, name: str, mode: int | None = None) -> tuple[int, Path]:
    """Create a new, empty temporary file next to the target, never through a symlink; mode 0666 less the umask
    (the kernel applies it), or `mode`, set on the descriptor."""
    for _ in range(100):
        candidate = folder / f".{name}.{TEMPORARY_TAG}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        try:
            handle = os.open(candidate, _NEW_FILE, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            try:
                os.fchmod(handle, mode)
            except BaseException:
                os.close(handle)
                remove(candidate)
                raise
        return handle, candidate
    raise FileExistsError(f"no free temporary name for {name} in {folder}")


def existing_mode(target: Path) -> int | None:
    """The permissions of the regular file at `target` (not following a link), which a replacement keeps."""
    try:
        status = os.lstat(target)
    except OSError:
        return None
    return stat.S_IMODE(status.st_mode) if stat.S_ISREG(status.st_mode) else None


def write_temporary(folder: Path, name: str, text: str, *, durable: bool = True, mode: int | None = None) -> Path:
    """A new temporary file for `name` in `folder` holding `text`, fsynced when `durable`. If writing fails it is
    removed again and the OSError raised. A batch passes durable=False: a sync per report costs more than planning
    it, so the batch syncs once at the end of its run."""
    temporary = None
    try:
        handle, temporary = create_temporary(folder, name, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        return temporary
    except BaseException:
        if temporary is not None:
            remove(temporary)
        raise


def keep_mode(temporary: Path, target: Path) -> None:
    """Give a finished temporary file the permissions of the regular file it will replace, through a descriptor
    (a symlink put in its place is not followed)."""
    mode = existing_mode(target)
    if mode is None:
        return
    handle = os.open(temporary, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if stat.S_ISREG(os.fstat(handle).st_mode):
            os.fchmod(handle, mode)
    finally:
        os.close(handle)


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; elsewhere there is no folder to open)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        os.fsync(handle)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):  # some filesystems cannot sync a folder
            raise
    finally:
        os.close(handle)


def folder_of(target: Path, what: str) -> Path:
    """The folder `target` goes to, which must exist."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"{target}: cannot write {what}: folder {folder} "
                          f"{problem}")
    return folder


def write_whole(path: str | os.PathLike[str], text: str, *,
                inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Write `text` to `path` whole or not at all (synced to disk before it takes the name, and the name synced
    after), or through to a device or FIFO. `inputs` are the command's input files, which are never overwritten."""
    target = Path(path)
    what = "the report"
    kind = output_kind(target, inputs, what)
    temporary = None
    try:
        if kind == STREAM:
            with os.fdopen(open_stream(target), "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            return target
        folder = folder_of(target, what)
        remove_stale_temporaries(folder)
        temporary = write_temporary(folder, target.name, text, mode=existing_mode(target))
        os.replace(temporary, target)
        temporary = None
        sync_folder(folder)
    except OSError as error:
        raise OutputError(f"{target}: cannot write {what}: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            remove(temporary)
    return target


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files in `folder` that a process of ours, killed before it could (SIGKILL, a power
    cut), left behind: files of this user named by `create_temporary` or a batch run whose process is gone. A
    process that is still running (or whose id was taken by another process) keeps its files."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        found = _TEMPORARY.match(entry.name)
        if found is None or _running(int(found.group(1))):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_uid == os.geteuid():
                os.unlink(entry.path)
        except OSError:
            pass


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
