"""Shared fixtures: the garden pack (another domain, to keep the engine honest) and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import FactSpec, load_rule_pack

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


@pytest.fixture(scope="session")
def garden():
    return load_rule_pack(TESTS / "packs" / "garden", GARDEN_FACTS)
