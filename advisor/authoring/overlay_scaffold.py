"""`creator-advisor rules new-overlay DIR`: a working overlay to start from, so nobody begins from a blank folder.

The folder it writes is accepted at once by `rules validate`, `rules test` and `plan --overlay`: a pack.yaml naming
the overlay, one example threshold change with its source (Creator Rewards at 5,000 followers, copied from the
default pack with everything else it holds, such as country values and dates, so nothing is lost), and a tests/
folder with one test that passes because of that change. The files are checked against the default pack before
the folder appears, and the folder appears whole (written beside it, then renamed) or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import OverlayError
from engine import threshold_data

EXAMPLE_THRESHOLD = "creator_rewards.min_followers"
EXAMPLE_VALUE = 5000
EXAMPLE_FILE = "thresholds.yaml"
TEST_FILE = "tests/example.yaml"


def overlay_name(folder: Path) -> str:
    """A pack name (lower-case letters, digits, `-` and `_`, starting with a letter) from the folder's name."""
    name = re.sub(r"[^a-z0-9_-]+", "-", folder.resolve().name.lower()).strip("-")
    return name if re.match(r"^[a-z]", name) else f"overlay-{name}".rstrip("-")


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def overlay_files(folder: Path, *, today: dt.date) -> dict[str, str]:
    """The files of a new overlay: relative path -> text."""
    from advisor.api import load_rules

    name = overlay_name(folder)
    default = load_rules().thresholds[EXAMPLE_THRESHOLD]
    example = threshold_data(default)
    example.update(value=EXAMPLE_VALUE, source="EXAMPLE ONLY: replace with who said so, where and when",
                   as_of=today)
    example.pop("url", None)
    example.pop("note", None)
    usage = (f"#   creator-advisor plan PROFILE --overlay {folder}\n"
             f"#   creator-advisor rules validate --overlay {folder}\n"
             f"#   creator-advisor rules test --overlay {folder}\n")
    pack = (f"# The overlay {name!r}: your changes on top of creator-advisor's default rule pack, kept in your own\n"
            "# folder so an upgrade never overwrites them. Every .yaml file directly in this folder is read; a\n"
            "# threshold or rule with the same name as a default one replaces it, new names are added. Use it:\n"
            + usage
            + dump({"pack": {"name": name, "version": "1",
                             "description": "Our agency's changes to the default TikTok pack."}}))
    thresholds = ("# An example threshold change: Creator Rewards from 5,000 followers instead of the default's "
                  "number.\n"
                  "# It replaces the default definition WHOLE, so it keeps everything else the default has "
                  "(country\n"
                  "# values, dates). Edit or delete it; `creator-advisor rules path` shows the default pack's "
                  "files.\n"
                  + dump({"thresholds": {EXAMPLE_THRESHOLD: example}}))
    test = {"name": "a 6,000-follower US creator joins Creator Rewards under this overlay's 5,000 bar",
            "profile": {"handle": "example_creator", "as_of": today, "age": 25, "country": "US",
                        "account_type": "personal", "followers": 6000, "views_30d": 120000},
            "expect": {"eligible": ["creator_rewards"]}}
    tests = ("# Rule tests of this overlay: a profile and the verdict you expect (docs/rule-tests.md). They run\n"
             "# with the default pack's tests against the combined pack; default tests your changes overrule are\n"
             "# reported as superseded. Run only these with:\n"
             f"#   creator-advisor rules test --overlay {folder} --only {folder}\n"
             + dump({"tests": [test]}))
    return {"pack.yaml": pack, EXAMPLE_FILE: thresholds, TEST_FILE: tests}


def new_overlay(folder: str | os.PathLike[str], *, today: dt.date | None = None) -> list[Path]:
    """Write a working overlay into `folder` (which must not exist, or be empty) and return the files written.
    Raises OverlayError when the folder is in use or cannot be written."""
    from advisor.api import load_rules

    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OverlayError(f"{target}: already exists and is not an empty folder; choose a new folder name")
    parent = target.absolute().parent
    if not parent.is_dir():
        raise OverlayError(f"{target}: the folder {parent} does not exist")
    files = overlay_files(target, today=today or dt.date.today())
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=parent))
    except OSError as error:
        raise OverlayError(f"{target}: cannot write in {parent}: {error.strerror or error}") from error
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        load_rules(overlays=[staging])  # the overlay must load with the default pack before anyone sees it
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OverlayError(f"{target}: cannot write the overlay: {error.strerror or error}") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / relative for relative in files]
