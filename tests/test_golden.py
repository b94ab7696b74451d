"""Golden reports: the Markdown plan of every example profile, stored in tests/golden/ and compared byte for byte,
plus the JSON plan of one example. A change to a rule, a threshold or a template shows up here as a diff a person
reads before accepting it.

To accept a change on purpose, regenerate and review the diff:

    UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py && git diff tests/golden/

The tool's version is pinned to GOLDEN_VERSION while rendering (it is the only thing in a plan that changes with a
release), so the goldens do not change at every version bump.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import advisor.api
from advisor.api import Advisor, render

from conftest import ENGINES_HERE

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
GOLDEN = TESTS / "golden"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
JSON_EXAMPLE = ROOT / "examples" / "big-fitness-640k.yaml"
GOLDEN_VERSION = "0.0.0+golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


GOLDEN_ENGINE = "durable"  # the goldens name the engine of record; every engine must give them


@pytest.fixture(scope="module", params=ENGINES_HERE)
def pinned_advisor(request):
    """An Advisor with the default pack, on each engine that runs here, whose plans carry GOLDEN_VERSION as the
    generator version."""
    patch = pytest.MonkeyPatch()
    patch.setattr(advisor.api, "__version__", GOLDEN_VERSION)
    yield Advisor(engine=request.param)
    patch.undo()


def report(pinned: Advisor, example: Path, fmt: str) -> bytes:
    text = render(pinned.advise(example), fmt)
    assert GOLDEN_VERSION in text, "the plan's generator version no longer comes from advisor.api.__version__"
    if fmt == "json":  # the one place a plan names its engine
        named = f'"engine": "{pinned.pack.engine}"'
        assert text.count(named) == 1, "the JSON plan names the engine that made it, once"
        text = text.replace(named, f'"engine": "{GOLDEN_ENGINE}"')
    return text.encode("utf-8")


def check_golden(actual: bytes, golden: Path) -> None:
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
        return
    if not golden.exists():
        pytest.fail(f"{golden.relative_to(ROOT)} is missing: run UPDATE_GOLDEN=1 python -m pytest "
                    f"tests/test_golden.py, read the new file, and commit it")
    expected = golden.read_bytes()
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            actual.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"{golden.name} (golden)", tofile=f"{golden.name} (now)", n=2))
        pytest.fail(f"{golden.relative_to(ROOT)} differs from the report rendered now. If the change is intended, "
                    f"run UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py and review git diff.\n"
                    + (diff[:6000] or "(only line endings or bytes differ)"), pytrace=False)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_markdown_report_matches_golden(pinned_advisor, example):
    check_golden(report(pinned_advisor, example, "md"), GOLDEN / f"{example.stem}.md")


def test_json_plan_matches_golden(pinned_advisor):
    check_golden(report(pinned_advisor, JSON_EXAMPLE, "json"), GOLDEN / f"{JSON_EXAMPLE.stem}.json")


def test_every_golden_belongs_to_an_example():
    """A removed or renamed example must not leave a golden nobody checks."""
    if UPDATE:
        pytest.skip("goldens are being regenerated")
    expected = {f"{example.stem}.md" for example in EXAMPLES} | {f"{JSON_EXAMPLE.stem}.json"}
    assert sorted(path.name for path in GOLDEN.iterdir()) == sorted(expected)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_rendering_the_same_profile_twice_is_byte_identical(pinned_advisor, fmt):
    first = report(pinned_advisor, JSON_EXAMPLE, fmt)
    again = report(pinned_advisor, JSON_EXAMPLE, fmt)
    fresh = report(Advisor(engine=pinned_advisor.pack.engine), JSON_EXAMPLE, fmt)  # a pack loaded anew
    assert first == again == fresh


def test_reports_do_not_depend_on_the_hash_seed(tmp_path):
    """Two interpreters with different string hash seeds (so different set and dict-of-set orders) write the same
    three reports, byte for byte."""
    script = (
        "import sys, advisor.api as api\n"
        "api.__version__ = 'pinned'\n"
        "plan = api.Advisor().advise(sys.argv[1])\n"
        "for fmt in ('md', 'html', 'json'):\n"
        "    open(sys.argv[2] + '.' + fmt, 'w', encoding='utf-8', newline='').write(api.render(plan, fmt))\n")
    outputs = []
    for seed in ("1", "2"):
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env.update(PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        stem = tmp_path / f"seed{seed}"
        completed = subprocess.run([sys.executable, "-c", script, str(JSON_EXAMPLE), str(stem)], env=env,
                                   cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert completed.returncode == 0, completed.stderr
        outputs.append([Path(f"{stem}.{fmt}").read_bytes() for fmt in ("md", "html", "json")])
    assert outputs[0] == outputs[1]
