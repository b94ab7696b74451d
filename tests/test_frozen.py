"""engine.frozen: an instance built from its field values is the one the constructor would make."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from advisor.profile.model import Video
from engine.frozen import from_fields
from engine.outcome import RequirementCheck


@pytest.mark.parametrize("cls, values", [
    (Video, {"posted": dt.date(2024, 3, 6), "duration_s": 61.0, "views": 1200, "likes": None, "comments": None,
             "shares": None, "saves": None, "sound": "original", "title": None, "id": "7", "annotations": {}}),
    (RequirementCheck, {"fact": "followers", "operator": ">=", "required": 10000, "actual": 8200, "met": False,
                        "gap": 1800, "text": "followers at least 10,000", "threshold": "t", "in_force": True,
                        "source": "s", "as_of": None, "note": None, "url": None}),
])
def test_equal_to_the_constructors_instance_and_still_frozen(cls, values):
    made = from_fields(cls, dict(values))
    built = cls(**values)
    assert made == built and repr(made) == repr(built)
    assert dataclasses.asdict(made) == dataclasses.asdict(built)
    if cls is RequirementCheck:  # hashable (a Video holds a dict of annotations, so neither instance is)
        assert hash(made) == hash(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.text = "changed"
