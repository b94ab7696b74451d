"""What a batch tells an agency about its creators as a whole: one small digest per plan, the `--summary FILE.csv`
table built from the digests, and the closing summary on standard error.

A digest is made where the plan is made (a worker process, a Dask worker) and is all that travels back besides
the report itself: a few hundred bytes, so the table and the summary cost the client nothing per plan but a row.
Statuses are counted for every programme (eligible, not yet, cannot tell, not offered, closed), never only
"qualify": a run of profiles without ages reads "cannot tell", not "0 qualify".

Profile text is untrusted and the table is meant for spreadsheets: a cell that starts like a formula (=, +, -, @,
a tab or a carriage return) gets a leading apostrophe, so a spreadsheet shows it as text instead of running it
(OWASP's advice against CSV injection), and control characters become spaces.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import IO, Any, Mapping

from advisor.errors import OutputError
from advisor.reports.words import furthest, missing

# The words of the table and the summary for each status, in the order they are shown; a status a future pack adds
# is shown after them under its own name.
STATUS_WORDS = {"eligible": "eligible", "not_eligible": "not yet", "unknown": "cannot tell",
                "not_offered": "not offered", "closed": "closed"}

Digest = dict[str, Any]


def main_gap(entry: Mapping[str, Any]) -> str:
    """The one thing between the creator and a programme: the furthest unmet (or unknown) requirement in a few
    words; for a programme not offered or closed, why; nothing when eligible."""
    status = entry.get("status")
    if status in ("not_eligible", "unknown"):
        requirement = furthest(entry.get("requirements") or [])
        phrases = missing([requirement]) if requirement is not None else []
        return phrases[0] if phrases else str(entry.get("summary") or "")
    if status == "eligible":
        return ""
    return str(entry.get("why") or entry.get("summary") or "")


def plan_digest(plan: Mapping[str, Any]) -> Digest:
    """What the table, the index and the closing summary need of one plan (the plan mapping, docs/plan-json.md)."""
    engagement = plan.get("engagement") or {}
    growth = plan.get("growth") or {}
    actions = plan.get("recommendations") or []
    return {
        "handle": plan["profile"].get("handle"),
        "followers": growth.get("followers", plan["profile"].get("followers")),
        "engagement_rate": engagement.get("rate"),
        "engagement_benchmark": engagement.get("benchmark"),
        "engagement_verdict": engagement.get("verdict"),
        "programmes": [(entry["program"], entry["name"], entry["status"], main_gap(entry))
                       for entry in plan["eligibility"]],
        "next_milestone": growth.get("next_milestone"),
        "projected_date": growth.get("projected_date"),
        "top_action": actions[0]["title"] if actions else None,
    }


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, str(status).replace("_", " "))


class StatusCounts:
    """How many plans have each status, for each programme, in the order the programmes first appear."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.counts: dict[str, dict[str, int]] = {}

    def add(self, digest: Digest) -> None:
        for program, name, status, _gap in digest["programmes"]:
            self.names.setdefault(program, name)
            counts = self.counts.setdefault(program, {})
            counts[status] = counts.get(status, 0) + 1

    def lines(self, plans: int) -> list[str]:
        """The table for standard error: a row per programme (by name), a column per status seen."""
        if not self.counts:
            return []
        seen = {status for counts in self.counts.values() for status in counts}
        statuses = [s for s in STATUS_WORDS if s in seen] + sorted(seen - set(STATUS_WORDS))
        width = max(len(name) for name in self.names.values())
        columns = [max(len(status_word(s)), len(f"{plans:,}")) for s in statuses]
        head = "  ".join(f"{status_word(s):>{w}}" for s, w in zip(statuses, columns))
        lines = [f"Programmes, of {plans:,} plan{'s' if plans != 1 else ''}:",
                 f"  {'':<{width}}  {head}"]
        for program, counts in self.counts.items():
            cells = "  ".join(f"{counts.get(s, 0):>{w},}" for s, w in zip(statuses, columns))
            lines.append(f"  {self.names[program]:<{width}}  {cells}")
        return lines


# --- the agency's table -----------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: Any) -> Any:
    """A value as a spreadsheet cell: numbers as they are, None as empty, text without control characters and
    never starting like a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    text = _CONTROL.sub(" ", str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


class SummaryTable:
    """`--summary FILE.csv`: one row per creator, in input order, written to a temporary file beside FILE and
    renamed over it by `commit` (whole or nothing: an interrupted or failed run leaves FILE as it was).

    The columns for programmes follow the first plan (every plan of a pack lists the same programmes, in the
    pack's order); the header is written with it."""

    FIRST = ["handle", "followers", "engagement_rate", "engagement_benchmark", "engagement_verdict"]
    LAST = ["next_milestone_followers", "next_milestone_projected_date", "top_action"]

    def __init__(self, path: str | os.PathLike[str], inputs: tuple[str, ...] = ()):
        from advisor.output import STREAM, create_temporary, existing_mode, folder_of, output_kind

        self.path = Path(path)
        if self.path.suffix.lower() != ".csv":
            raise OutputError(f"{self.path}: the summary table is written as CSV: name it .csv")
        what = "the summary"
        if output_kind(self.path, inputs, what) == STREAM:
            raise OutputError(f"{self.path}: cannot write the summary: it is a device or FIFO, not a file")
        folder = folder_of(self.path, what)
        try:
            handle, self.temporary = create_temporary(folder, self.path.name, existing_mode(self.path))
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write the summary: {error.strerror or error}") from None
        self.stream: IO[str] = os.fdopen(handle, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.stream)
        self.programmes: list[str] | None = None

    def _header(self, digest: Digest | None) -> None:
        pairs = [(program, name) for program, name, _status, _gap in digest["programmes"]] if digest else []
        self.programmes = [program for program, _name in pairs]
        columns = list(self.FIRST)
        for _program, name in pairs:
            columns += [f"{name}: status", f"{name}: main gap"]
        self.writer.writerow([cell(column) for column in columns + self.LAST])

    def add(self, digest: Digest) -> None:
        if self.programmes is None:
            self._header(digest)
        by_program = {program: (status, gap) for program, _name, status, gap in digest["programmes"]}
        row = [digest[column] for column in ("handle", "followers", "engagement_rate", "engagement_benchmark",
                                              "engagement_verdict")]
        for program in self.programmes or ():
            status, gap = by_program.get(program, (None, None))
            row += [status_word(status) if status is not None else "", gap]
        row += [digest["next_milestone"], digest["projected_date"], digest["top_action"]]
        try:
            self.writer.writerow([cell(value) for value in row])
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write the summary: {error.strerror or error}") from None

    def commit(self) -> str:
        try:
            if self.programmes is None:
                self._header(None)
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self.temporary, self.path)
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write the summary: {error.strerror or error}") from None
        return str(self.path)

    def discard(self) -> None:
        try:
            self.stream.close()
        except OSError:
            pass
        try:
            os.unlink(self.temporary)
        except OSError:
            pass
