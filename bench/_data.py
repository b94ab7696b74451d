"""The benchmarks' input: the shared data set of real public profiles when it is beside the project
(../shared/data/creators-2020.jsonl, 1,785 anonymised accounts; see its README), else a generated set of the same
size and shape (seeded, so figures are comparable between runs). Not part of the package."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "creators-2020.jsonl"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def generated_lines(count: int = 1785, seed: int = 2020) -> list[str]:
    """Profiles shaped like the shared set: followers from thousands to millions, up to 15 recent videos."""
    rng = random.Random(seed)
    as_of = dt.date(2020, 11, 8)
    lines = []
    for number in range(count):
        followers = int(10 ** rng.uniform(3, 7.5))
        videos = []
        for _ in range(rng.randint(0, 15)):
            views = int(followers * 10 ** rng.uniform(-1.5, 0.7))
            likes = int(views * rng.uniform(0.02, 0.25))
            videos.append({"posted": (as_of - dt.timedelta(days=rng.randint(0, 45))).isoformat(),
                           "duration_s": rng.randint(5, 180), "views": views, "likes": likes,
                           "comments": int(likes * rng.uniform(0.005, 0.05)),
                           "shares": int(likes * rng.uniform(0.002, 0.05))})
        profile = {"handle": f"generated-{number:05d}", "as_of": as_of.isoformat(), "followers": followers,
                   "total_likes": followers * rng.randint(5, 40), "videos": videos}
        if rng.random() < 0.15:
            profile.update(country=rng.choice(["US", "GB", "DE", "BR"]), account_type="personal", niche="dance")
        lines.append(json.dumps(profile))
    return lines


def profile_lines() -> tuple[list[str], str]:
    """(JSONL lines, where they came from)."""
    if SHARED.exists():
        return [line for line in SHARED.read_text(encoding="utf-8").splitlines() if line.strip()], str(SHARED)
    return generated_lines(), "a generated set (the shared data set is not beside the project)"


def write_jsonl(path: Path, lines: list[str], total: int) -> Path:
    """`total` records: the lines repeated (streamed, so a 100,000-line file costs no memory here)."""
    with open(path, "w", encoding="utf-8") as stream:
        for index in range(total):
            stream.write(lines[index % len(lines)] + "\n")
    return path


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; elsewhere the peak, which can only be higher)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"
