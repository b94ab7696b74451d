"""Where the packaged data folders (`rules/`, `templates/`) are, installed or in a checkout.

An installed wheel carries them inside the package as `advisor/rules` and `advisor/templates` (see pyproject's
package-dir mapping); a source checkout has them at the repository root. Every caller asks here, so the two
layouts are resolved in one place and a broken install fails with one clear message, not a Jinja or YAML error.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from advisor.errors import ResourceMissingError


def data_dir(name: str) -> Path:
    """The folder holding the packaged data `name` ("rules", "templates" or "examples")."""
    try:
        packaged = importlib.resources.files("advisor") / name
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, TypeError, ValueError, FileNotFoundError):
        # A namespace package (no __init__.py yet) or an unusual loader: fall back to the checkout layout.
        pass
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise ResourceMissingError(
        f"the {name!r} folder is missing: looked inside the installed 'advisor' package and at {checkout}; "
        "reinstall creator-advisor or run from a complete checkout")
