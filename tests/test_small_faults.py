"""Small but real: a long niche, a full disk on standard output (issue 13, item 11; the 10,000-rule pack and the
non-Latin file names are in test_hostile_inputs.py and test_batch.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.api import advise
from advisor.errors import ProfileError

ROOT = Path(__file__).resolve().parent.parent
BAKER = ROOT / "examples" / "rising-baker-6k.yaml"
SLOW_GROWER = {"handle": "slow", "followers": 5000, "views_30d": 20000, "posts_30d": 10, "country": "US", "age": 30,
               "as_of": "2024-06-01", "history": [{"date": "2024-03-01", "followers": 4990}]}


def test_a_long_niche_is_the_profiles_error_not_the_rule_packs():
    advise({**SLOW_GROWER, "niche": "b" * 200})
    with pytest.raises(ProfileError) as caught:
        advise({**SLOW_GROWER, "niche": "b" * 30_000})
    assert str(caught.value) == "<profile>: niche: is longer than 200 characters"


def test_a_caption_longer_than_tiktok_allows_is_refused_by_its_place():
    video = {"posted": "2024-05-20", "duration_s": 20, "views": 100, "title": "t" * 4001}
    with pytest.raises(ProfileError) as caught:
        advise({**SLOW_GROWER, "videos": [video]})
    assert str(caught.value) == "<profile>: videos[0].title: is longer than 4,000 characters"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["plan", BAKER, "-f", "md"], ["plan", BAKER, "-f", "json"],
                                  ["rules", "docs"], ["batch", "ONE"]], ids=["plan md", "plan json", "docs", "batch"])
def test_a_full_disk_on_standard_output_is_one_error_line(tmp_path, args):
    one = tmp_path / "one.jsonl"
    one.write_text('{"handle": "a", "followers": 5}\n', encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    with open("/dev/full", "wb") as full:
        completed = subprocess.run([sys.executable, "-m", "advisor.cli", *[str(one) if a == "ONE" else str(a)
                                                                          for a in args]],
                                   stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    assert completed.returncode == 1
    assert completed.stderr == "Error: cannot write the output: No space left on device\n"
