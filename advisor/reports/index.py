"""`index.html` and `index.md` for `batch --out DIR`: every report linked with its verdicts, sortable without
script.

Sorting without script means the sorted orders are written out: each order (input order, handle, followers,
engagement, programmes qualified for) is its own set of pages, and every page links to the others. Pages hold
PAGE_ROWS creators each, so a run of a million reports gives pages a browser opens, not one page of a gigabyte.

The rows wait in an SQLite file in the system's temporary folder (not in memory: memory stays flat however many
reports the run writes), which also does the sorting; it is removed when the index is written or the run fails.
The pages are written whole (temporary file, then rename) at the end of the run, after the reports.
"""

from __future__ import annotations

import html
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from advisor.errors import OutputError
from advisor.reports.summary_table import Digest, status_word
from advisor.reports.words import md, value

PAGE_ROWS = 1000

# name, label, ORDER BY (every order ends on the input order, so ties are stable)
ORDERS = [
    ("", "input order", "seq"),
    ("handle", "handle", "handle COLLATE NOCASE, seq"),
    ("followers", "followers (most first)", "followers IS NULL, followers DESC, seq"),
    ("engagement", "engagement (highest first)", "rate IS NULL, rate DESC, seq"),
    ("eligible", "programmes qualified for (most first)", "eligible DESC, seq"),
]
_MARKS = {"eligible": "✓", "not_eligible": "✗", "unknown": "?", "not_offered": "–", "closed": "○"}


def page_name(order: str, page: int, extension: str) -> str:
    stem = "index" + (f"-by-{order}" if order else "") + (f"-{page}" if page > 1 else "")
    return f"{stem}.{extension}"


class BatchIndex:
    """Collects (report file, digest) as the run writes reports; `commit` writes the index pages."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        handle, self.database = tempfile.mkstemp(prefix="creator-advisor-index-", suffix=".sqlite")
        os.close(handle)
        self.db = sqlite3.connect(self.database)
        self.db.execute("CREATE TABLE rows (seq INTEGER PRIMARY KEY, file TEXT, handle TEXT, followers INTEGER, "
                        "rate REAL, eligible INTEGER, digest TEXT)")
        self.programmes: list[tuple[str, str]] | None = None
        self.count = 0

    def add(self, file: str, digest: Digest) -> None:
        if self.programmes is None:
            self.programmes = [(program, name) for program, name, _status, _gap in digest["programmes"]]
        eligible = sum(1 for _program, _name, status, _gap in digest["programmes"] if status == "eligible")
        followers = digest["followers"] if isinstance(digest["followers"], int) else None
        rate = digest["engagement_rate"] if isinstance(digest["engagement_rate"], (int, float)) else None
        self.db.execute("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (self.count, file, str(digest["handle"]), followers, rate, eligible, json.dumps(digest)))
        self.count += 1

    def _rows(self, order_by: str, page: int) -> Iterator[tuple[str, Digest]]:
        cursor = self.db.execute(f"SELECT file, digest FROM rows ORDER BY {order_by} LIMIT ? OFFSET ?",
                                 (PAGE_ROWS, (page - 1) * PAGE_ROWS))
        for file, digest in cursor:
            yield file, json.loads(digest)

    def commit(self) -> None:
        from advisor.output import existing_mode, write_temporary

        pages = max(1, -(-self.count // PAGE_ROWS))
        try:
            for extension, build in (("html", self._html), ("md", self._markdown)):
                for order, label, order_by in ORDERS:
                    for page in range(1, pages + 1):
                        text = build(order, label, page, pages, self._rows(order_by, page))
                        target = self.folder / page_name(order, page, extension)
                        temporary = write_temporary(self.folder, target.name, text, durable=False,
                                                    mode=existing_mode(target))
                        os.replace(temporary, target)
        except OSError as error:
            raise OutputError(f"{self.folder}: cannot write the index: {error.strerror or error}") from None
        finally:
            self.discard()

    def discard(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass
        try:
            os.unlink(self.database)
        except OSError:
            pass

    # --- the pages -----------------------------------------------------------------------------------------------

    def _cells(self, digest: Digest) -> tuple[str, str, list[tuple[str, str]], str, str]:
        """followers, engagement, [(status, verdict words)] per programme, next milestone, top action: as text."""
        rate, verdict = digest["engagement_rate"], digest["engagement_verdict"]
        engagement = "" if rate is None else f"{rate * 100:.1f}%" + (f" ({verdict} benchmark)" if verdict else "")
        by_program = {program: (status, gap) for program, _name, status, gap in digest["programmes"]}
        verdicts = []
        for program, _name in self.programmes or ():
            status, gap = by_program.get(program, ("", ""))
            words = status_word(status) + (f": {gap}" if gap and status != "eligible" else "") if status else ""
            verdicts.append((status, f"{_MARKS.get(status, '')} {words}".strip()))
        milestone = ""
        if digest["next_milestone"] is not None:
            milestone = f"{value(digest['next_milestone'])} followers"
            if digest["projected_date"]:
                milestone += f" by {digest['projected_date']}"
        return (value(digest["followers"]) if digest["followers"] is not None else "", engagement, verdicts,
                milestone, digest["top_action"] or "")

    def _navigation(self, order: str, page: int, pages: int, extension: str) -> tuple[list[tuple[str, str, bool]],
                                                                                  list[tuple[str, str, bool]]]:
        sorts = [(label, page_name(name, 1, extension), name == order) for name, label, _ in ORDERS]
        numbers = [(str(number), page_name(order, number, extension), number == page)
                   for number in range(1, pages + 1)] if pages > 1 else []
        return sorts, numbers

    def _html(self, order: str, label: str, page: int, pages: int, rows: Iterator[tuple[str, Digest]]) -> str:
        esc = html.escape
        sorts, numbers = self._navigation(order, page, pages, "html")

        def links(items: list[tuple[str, str, bool]]) -> str:
            return " · ".join(f"<strong>{esc(text)}</strong>" if current else
                              f'<a href="{esc(quote(target))}">{esc(text)}</a>' for text, target, current in items)

        head = "".join(f"<th scope=\"col\">{esc(name)}</th>" for _program, name in self.programmes or ())
        parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                 '<meta name="viewport" content="width=device-width, initial-scale=1">',
                 f"<title>Creator plans: {self.count:,} reports, by {esc(label)}</title>",
                 "<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;"
                 "font-size:.85rem}th,td{border:1px solid #ccc;padding:.25rem .4rem;vertical-align:top;"
                 "text-align:left}td.n{text-align:right;white-space:nowrap}.eligible{background:#e6f4ea}"
                 ".not_eligible{background:#fdecea}.unknown{background:#fff8e1}nav{margin:.5rem 0}</style>",
                 "</head><body>",
                 f"<h1>Creator plans: {self.count:,} report{'s' if self.count != 1 else ''}</h1>",
                 f"<nav>Sort by: {links(sorts)}</nav>"]
        if numbers:
            parts.append(f"<nav>Page: {links(numbers)}</nav>")
        parts.append(f'<table><thead><tr><th scope="col">Creator</th><th scope="col">Followers</th>'
                     f'<th scope="col">Engagement</th>{head}<th scope="col">Next milestone</th>'
                     f'<th scope="col">Top action</th></tr></thead><tbody>')
        for file, digest in rows:
            followers, engagement, verdicts, milestone, action = self._cells(digest)
            programmes = "".join(f'<td class="{esc(status)}">{esc(words)}</td>' for status, words in verdicts)
            parts.append(f'<tr><th scope="row"><a href="{esc(quote(file))}">@{esc(str(digest["handle"]))}</a></th>'
                         f'<td class="n">{esc(followers)}</td><td class="n">{esc(engagement)}</td>{programmes}'
                         f"<td>{esc(milestone)}</td><td>{esc(action)}</td></tr>")
        parts.append("</tbody></table>")
        if numbers:
            parts.append(f"<nav>Page: {links(numbers)}</nav>")
        parts.append("</body></html>\n")
        return "\n".join(parts)

    def _markdown(self, order: str, label: str, page: int, pages: int, rows: Iterator[tuple[str, Digest]]) -> str:
        sorts, numbers = self._navigation(order, page, pages, "md")

        def links(items: list[tuple[str, str, bool]]) -> str:
            return " · ".join(f"**{text}**" if current else f"[{text}](<{quote(target)}>)"
                              for text, target, current in items)

        names = [md(name) for _program, name in self.programmes or ()]
        lines = [f"# Creator plans: {self.count:,} report{'s' if self.count != 1 else ''}", "",
                 f"Sort by: {links(sorts)}", ""]
        if numbers:
            lines += [f"Page: {links(numbers)}", ""]
        lines += ["| " + " | ".join(["Creator", "Followers", "Engagement", *names, "Next milestone", "Top action"])
                  + " |",
                  "|" + "---|" * (len(names) + 5)]
        for file, digest in rows:
            followers, engagement, verdicts, milestone, action = self._cells(digest)
            cells = [f"[@{md(digest['handle'])}](<{quote(file)}>)", followers, md(engagement),
                     *(md(words) for _status, words in verdicts), md(milestone), md(action)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
