"""Untrusted text made safe to show: on a terminal (no escape sequences) and in a report (no bidi overrides).

A handle, a niche, a key of a profile, a file name or a message from TikTok's API is written by someone else.
On a terminal an escape sequence in it can set the window title, clear the screen or hide the lines that follow;
in any viewer a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE...) can make the text
read differently from what it is. Both functions here are one `str.translate` pass (linear, in C) and show each
such character as its escape (`\\x1b`, `\\u202e`), so the reader sees that something was there:

- `safe_text`, for every line written to a terminal (errors included): C0 and C1 controls but the newline and
  tab, DEL, the Unicode line and paragraph separators, and the bidi controls;
- `neutralised`, for the plan a report renders (Markdown, HTML, a user's template): the same, less the line
  breaks the reports already turn into spaces.

Letters of right-to-left scripts need none of these controls to show right: they are left alone.
"""

from __future__ import annotations

from typing import Any

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_LINE_BREAKS = (0x0a, 0x0b, 0x0c, 0x0d, 0x85)  # the reports turn these (and U+2028/9) into spaces themselves
_BIDI_TABLE = {ord(char): _escape(ord(char)) for char in BIDI_CONTROLS}
_CONTROLS = [*range(0x00, 0x20), *range(0x7f, 0xa0)]
_TERMINAL_TABLE = {
    **{code: _escape(code) for code in [*_CONTROLS, 0x2028, 0x2029] if code not in (0x09, 0x0a)},
    **_BIDI_TABLE,
}
_REPORT_TABLE = {**{code: _escape(code) for code in _CONTROLS if code != 0x09 and code not in _LINE_BREAKS},
                 **_BIDI_TABLE}


def safe_text(text: Any) -> str:
    """`text` as it may be written to a terminal: controls (but newline and tab) and bidi controls escaped."""
    return str(text).translate(_TERMINAL_TABLE)


def report_text(text: str) -> str:
    """One text made safe for a report (see `neutralised`)."""
    return text.translate(_REPORT_TABLE)


def neutralised(data: Any) -> Any:
    """A copy of JSON-shaped `data` (a plan mapping; a text is returned escaped) with every text in it, keys
    included, made safe for a report: controls (but tab and line breaks, which the reports turn into spaces) and
    bidi controls escaped. What a report template renders: a template also cannot change the caller's plan
    through it."""
    kind = type(data)
    if kind is str:  # most texts are printable, which no table entry is: nothing to copy (a C check)
        return data if data.isprintable() else data.translate(_REPORT_TABLE)
    if kind is dict:
        return {key if type(key) is not str or key.isprintable() else key.translate(_REPORT_TABLE):
                item if type(item) is not str and type(item) is not dict and type(item) is not list
                else neutralised(item) for key, item in data.items()}
    if kind is list:
        return [neutralised(item) for item in data]
    if isinstance(data, str):
        return neutralised(str(data))
    if isinstance(data, dict):
        return neutralised(dict(data))
    if isinstance(data, (list, tuple)):
        return neutralised(list(data))
    return data
