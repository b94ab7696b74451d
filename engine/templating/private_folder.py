"""A folder only this user (or root) can change, opened by a walk that no other user can redirect.

The code cache (engine/templating/codecache.py) runs what it reads: a file there must have been written by this user. Looking
at the last folder's owner and mode is not enough: whoever can write to a parent can rename the folder away after
the look and put their own in its place, and a verdict remembered for the life of a process (an API server, a
batch worker) is then about a folder that is gone. So `open_private_folder` walks the whole chain at every use,
from `/`, one folder at a time, each opened relative to the one before it (`dir_fd`) and without following a
symlink (`O_NOFOLLOW`), and checks each as it holds it open:

- every folder on the way is owned by this user or root, and no one else can rename what is in it: not writable by
  group or others, unless it is sticky (`/tmp`: others may add entries, never move ours) and its child on the
  way is ours or root's;
- the folder itself is owned by this user and writable by no one else.

Symlinks in the path as given are resolved first (`os.path.realpath`; macOS's `/var` is one): what is walked is
the real chain, and whatever the link pointed to, the folder opened passes the checks. The caller reads and
writes through the descriptor it gets (`dir_fd=`), so a rename after the walk changes nothing it touches.

POSIX only: elsewhere (Windows) the mode bits say nothing and `dir_fd` is not there; `open_private_folder`
returns None and the caller does without.
"""

from __future__ import annotations

import os
import stat

SUPPORTED = os.name == "posix" and os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW") \
    and hasattr(os, "O_DIRECTORY")
_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | \
    getattr(os, "O_CLOEXEC", 0)


def _owned_by_us_or_root(status: os.stat_result) -> bool:
    return status.st_uid in (os.geteuid(), 0)


def _others_can_move_entries(status: os.stat_result) -> bool:
    """True when someone besides the owner can rename or remove what is in the folder."""
    return bool(status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)) and not status.st_mode & stat.S_ISVTX


def is_private(status: os.stat_result) -> bool:
    """The last folder's own test: a folder of this user's that no one else can write to."""
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.geteuid() and \
        not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def open_private_folder(path: str | os.PathLike[str], *, create: bool = False) -> int | None:
    """A descriptor of the folder `path` when the whole chain up to it is safe (see the module docstring), else
    None. With `create`, missing folders at the end of the chain are made (mode 0700) on the way. The caller closes
    the descriptor."""
    if not SUPPORTED:
        return None
    real = os.path.realpath(os.fspath(path))
    parts = [part for part in real.split(os.sep) if part]
    try:
        current = os.open(os.sep, _DIRECTORY_FLAGS)
    except OSError:
        return None
    try:
        for number, name in enumerate(parts):
            parent = os.fstat(current)
            if not stat.S_ISDIR(parent.st_mode) or not _owned_by_us_or_root(parent) or \
                    _others_can_move_entries(parent):
                return None
            try:
                child = os.open(name, _DIRECTORY_FLAGS, dir_fd=current)
            except FileNotFoundError:
                if not create:
                    return None
                try:
                    os.mkdir(name, 0o700, dir_fd=current)
                except FileExistsError:
                    pass  # another process made it just now: it is checked below like any other
                child = os.open(name, _DIRECTORY_FLAGS, dir_fd=current)
            os.close(current)
            current = child
            status = os.fstat(current)
            last = number == len(parts) - 1
            if not (is_private(status) if last else stat.S_ISDIR(status.st_mode) and _owned_by_us_or_root(status)):
                return None
        if not parts and not is_private(os.fstat(current)):
            return None  # the folder is `/` itself: private only to root
        found, current = current, -1
        return found
    except OSError:  # a symlink (ELOOP), not a folder (ENOTDIR), no access...: not a folder we can trust
        return None
    finally:
        if current >= 0:
            os.close(current)
