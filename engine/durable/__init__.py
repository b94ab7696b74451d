"""The durable-rules engine (the engine of record where durable-rules installs: Python 3.12 and earlier).

durable-rules ships no wheels and its C extension does not import on Python 3.13 (PyEval_CallObject was removed),
so nothing here imports it until this engine is asked for: `unavailable()` says why it cannot run, `backend()`
builds the engine. Everything that knows durable-rules' ways (its process-wide host and lock, its JSON dialect,
its table sizes and the capacity refusals that follow) lives in this package.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backend import DurableBackend

NAME = "durable"


@lru_cache(maxsize=1)
def unavailable() -> str | None:
    """None when durable-rules imports here, else a sentence saying why it does not."""
    import sys

    version = ".".join(map(str, sys.version_info[:3]))
    try:
        import durable_rules_engine  # noqa: F401
    except ModuleNotFoundError:
        return (f"durable-rules is not installed in this Python {version} (creator-advisor installs it only on "
                "Python 3.12 and earlier, where it builds from source with a C compiler)")
    except ImportError as error:
        return (f"durable-rules is installed but does not import on Python {version} ({error}); durable-rules "
                "2.0.28 runs on Python 3.12 and earlier")
    return None


def create() -> "DurableBackend":
    """The durable-rules engine; call only when `unavailable()` is None."""
    from .backend import DurableBackend

    return DurableBackend()
