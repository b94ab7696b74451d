"""Untrusted text made safe to show: on a terminal (no escape sequences) and in a report (no bidi overrides).

A handle, a niche, a key of a profile, a file name or a message from TikTok's API is written by someone else.
On a terminal an escape sequence in it can set the window title, clear the screen or hide the lines that follow;
in any viewer a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE...) can make the text
read differently from what it is. Both functions here are one `str.translate` pass (linear, in C) and show each
such character as its escape (`\\x1b`, `\\u202e`), so the reader sees that something was there:

- `safe_text`, for every line written to a terminal (errors included): C0 and C1 controls but the newline and
  tab, DEL, the Unicode line and paragraph separators, and the bidi controls;
- `neutralise_bidi`, for report text (Markdown, HTML, a user's template): the bidi controls only (the reports'
  own escaping handles the rest).

Letters of right-to-left scripts need none of these controls to show right: they are left alone.
"""

from __future__ import annotations

from typing import Any

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_BIDI_TABLE = {ord(char): _escape(ord(char)) for char in BIDI_CONTROLS}
_TERMINAL_TABLE = {
    **{code: _escape(code) for code in [*range(0x00, 0x20), *range(0x7f, 0xa0), 0x2028, 0x2029]
       if code not in (0x09, 0x0a)},
    **_BIDI_TABLE,
}


def safe_text(text: Any) -> str:
    """`text` as it may be written to a terminal: controls (but newline and tab) and bidi controls escaped."""
    return str(text).translate(_TERMINAL_TABLE)


def safe_line(text: Any) -> str:
    """`safe_text` for one line: a newline or tab in it is escaped too, so it cannot start a line of its own."""
    return safe_text(text).replace("\n", "\\n").replace("\t", "\\t")


def neutralise_bidi(text: str) -> str:
    """`text` for a report: its bidi controls escaped, so it reads in the order it is written."""
    return text.translate(_BIDI_TABLE)


def neutralised(data: Any) -> Any:
    """A copy of JSON-shaped `data` (a plan mapping) with `neutralise_bidi` applied to every text in it, keys
    included. What a report template renders: a template also cannot change the caller's plan through it."""
    kind = type(data)
    if kind is str:
        return data.translate(_BIDI_TABLE)
    if kind is dict or isinstance(data, dict):
        return {(key.translate(_BIDI_TABLE) if type(key) is str else key): neutralised(item)
                for key, item in data.items()}
    if kind is list or isinstance(data, (list, tuple)):
        return [neutralised(item) for item in data]
    return data
