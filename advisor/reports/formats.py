"""Which report format a command writes: the one asked for with --format, else the one the output file's name
says (`-o plan.html` writes HTML, `-o plan.json` JSON), else Markdown. A --format that contradicts the file's
extension is an error rather than a file whose name lies about its content."""

from __future__ import annotations

from pathlib import PurePath

from advisor.errors import FormatError

# File name endings and the format each one means.
EXTENSIONS = {".md": "md", ".markdown": "md", ".txt": "md", ".html": "html", ".htm": "html", ".json": "json"}


def format_for(fmt: str | None, output: str | None) -> str:
    """The report format for `--format fmt` and `-o output` (either may be None)."""
    implied = EXTENSIONS.get(PurePath(output).suffix.lower()) if output else None
    if fmt is None:
        return implied or "md"
    if implied is not None and implied != fmt:
        raise FormatError(f"--format {fmt} contradicts the output file {output!r}, whose name says {implied}; "
                          f"drop --format, or name the file with {_suffix(fmt)}")
    return fmt


def _suffix(fmt: str) -> str:
    return next(suffix for suffix, name in EXTENSIONS.items() if name == fmt)
