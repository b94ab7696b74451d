"""The example profiles installed with the package (`creator-advisor example NAME`, `init --example NAME`): four
creators at different stages, so a new user sees a plan before writing any YAML."""

from __future__ import annotations

from pathlib import Path

from advisor.errors import UnknownExampleError
from advisor.resources import data_dir


def example_names() -> list[str]:
    """The installed examples' names, sorted: 'big-fitness-640k', 'just-over-10k', ..."""
    return sorted(path.stem for path in data_dir("examples").glob("*.yaml"))


def example_path(name: str) -> Path:
    """The file of the example `name` (with or without '.yaml')."""
    stem = name.removesuffix(".yaml")
    if stem not in example_names():
        from engine.documents import did_you_mean

        raise UnknownExampleError(f"no example named {name!r}{did_you_mean(stem, example_names())}; the examples "
                                  f"are: {', '.join(example_names())}")
    return data_dir("examples") / f"{stem}.yaml"


def example_summary(name: str) -> str:
    """The example's first comment line, which says who the creator is."""
    first = example_path(name).read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("# ").strip() if first.startswith("#") else ""
