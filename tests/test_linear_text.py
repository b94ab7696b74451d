"""Every transform of untrusted text is linear in its length: one record must not stall a report or a batch.

A line-break pattern that rescanned a run of spaces from each position in it took 35 s on a 60 KB niche (hours on
a megabyte). Timing a transform against a fixed bound would be flaky on a busy machine, so each is measured
against a linear reference on the same text in the same process (Python's own `split`/`join`, `encode` and
`translate` passes): a linear transform costs a small multiple of it, a quadratic one a multiple that grows with
the length (about 10^5 at a megabyte). The child process also has a hard deadline, so a regression fails the
test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MEGABYTE = 1_000_000
MAX_RATIO = 5000  # linear transforms measure 1-600 here; the quadratic pattern was over 10**6 at this length

# (name, expression building the text from n): runs of whitespace in text that is not printable (what made the
# old pattern slow), with and without line breaks, mixed, and control and bidi characters.
INPUTS = {
    "spaces after a NUL": "'\\x00' + ' ' * n + 'x'",
    "tabs and spaces, no line break": "'\\x01' + ' \\t' * (n // 2) + 'x'",
    "one break in a long run": "'\\x02' + ' ' * (n // 2) + '\\n' + ' ' * (n // 2) + 'x'",
    "short runs ending in breaks": "'\\x03' + (' ' * 7 + '\\r\\n') * (n // 9)",
    "controls and bidi": "('\\x1b[2J\\u202e ' * (n // 5))",
    "non-Latin letters": "'\\u0431\\u05d0\\u4e2d\\U0001f600 ' * (n // 5)",
}
TRANSFORMS = {
    "Markdown escaping (md)": "advisor.reports.words:md",
    "terminal text": "advisor.terminal:safe_text",
    "report text": "advisor.terminal:neutralised",
    "file name from a handle": "advisor.batch.outputs:safe_name",
}

CHILD = """
import importlib, json, sys, time
module, name = sys.argv[1].split(":")
transform = getattr(importlib.import_module(module), name)
n = int(sys.argv[2])
text = eval(sys.argv[3], {"n": n})
table = {i: "?" for i in range(32)}

def reference(text):
    return " ".join(text.split()).encode("utf-8", "surrogatepass").decode("utf-8").translate(table)

def best(function):
    times = []
    for _ in range(3):
        start = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - start)
    return min(times)

print(json.dumps({"transform": best(transform), "reference": best(reference)}))
"""


@pytest.mark.parametrize("text", sorted(INPUTS), ids=str)
@pytest.mark.parametrize("transform", sorted(TRANSFORMS), ids=str)
def test_a_megabyte_of_adversarial_text_costs_a_small_multiple_of_a_linear_pass(transform, text):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    try:
        completed = subprocess.run([sys.executable, "-c", CHILD, TRANSFORMS[transform], str(MEGABYTE),
                                    INPUTS[text]], env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{transform} did not finish a megabyte of {text!r} in 120 s: it is not linear")
    assert completed.returncode == 0, completed.stderr
    figures = json.loads(completed.stdout)
    ratio = figures["transform"] / max(figures["reference"], 1e-6)
    assert ratio < MAX_RATIO, f"{transform} took {ratio:.0f} times a linear pass over a megabyte of {text!r}"
