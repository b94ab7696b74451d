"""Where creator-advisor keeps compiled templates between runs, so a new process starts fast.

The report templates and the rule pack's texts are Jinja templates; parsing, checking and compiling them took
over a quarter of a `creator-advisor plan` run. Their compiled code is kept in a per-user cache folder (see `engine.templating.codecache` for
what is stored, how it is keyed and why a damaged or stale file is never used):

- `$CREATOR_ADVISOR_CACHE_DIR` when it is set; set but empty turns the cache off;
- else `$XDG_CACHE_HOME/creator-advisor` (when it is an absolute path), else `~/.cache/creator-advisor`;

each with a sub-folder per Jinja version, so an upgrade starts afresh and the old folder can be deleted. A folder
that cannot be created or written, or that another user could write to, turns the cache off without a word: the
plan is the same, only slower. Deleting the folder at any time is safe.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2

from engine.templating import CodeCache

CACHE_DIR_VARIABLE = "CREATOR_ADVISOR_CACHE_DIR"
APP_FOLDER = "creator-advisor"


def cache_dir() -> Path | None:
    """The folder compiled templates go to, or None when caching is off (or no home folder is known)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured is not None:
        if not configured.strip():
            return None
        base = Path(configured).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        if os.path.isabs(xdg):  # the XDG spec: a relative path is invalid and ignored
            base = Path(xdg) / APP_FOLDER
        else:
            try:
                base = Path.home() / ".cache" / APP_FOLDER
            except (RuntimeError, KeyError):  # no HOME and no password entry
                return None
    return base / f"jinja-{jinja2.__version__}"


@lru_cache(maxsize=1)
def code_cache() -> CodeCache | None:
    """The process's one code cache (None when caching is off), shared by the report and rule-text environments."""
    folder = cache_dir()
    return CodeCache(folder) if folder is not None else None
