"""Shared fixtures: the garden pack (another domain, to keep the engine honest) and paths; and a cache folder of
the run's own for compiled templates."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from engine import FactSpec, available_engines, load_rule_pack
from engine.durable import unavailable as durable_unavailable

# The engines that can run in this Python (both on 3.11/3.12 with durable-rules; python alone on 3.13+).
ENGINES_HERE = available_engines()
needs_durable = pytest.mark.skipif(durable_unavailable() is not None,
                                   reason=f"needs durable-rules, which cannot run here: {durable_unavailable()}")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

GARDEN_FACTS = (
    FactSpec("soil_moisture", "number", "Share of water in the soil."),
    FactSpec("temperature", "number", "Air temperature, Celsius."),
    FactSpec("plant", "string", "What grows there."),
    FactSpec("month", "integer", "Month of the year."),
    FactSpec("litres_available", "integer", "Water in the butt."),
    FactSpec("sown_on", "date", "When the seeds went in."),
)


def pytest_configure(config):
    """Compiled templates (advisor/cache.py) go to an empty folder of this run, never the user's ~/.cache: no test
    depends on what an earlier run left, and none writes outside temporary folders. Commands the tests start in
    other processes inherit it."""
    config.advisor_cache_dir = tempfile.mkdtemp(prefix="creator-advisor-test-cache-")
    os.environ["CREATOR_ADVISOR_CACHE_DIR"] = config.advisor_cache_dir


def pytest_unconfigure(config):
    folder = getattr(config, "advisor_cache_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def garden():
    return load_rule_pack(TESTS / "packs" / "garden", GARDEN_FACTS)
