"""creator-advisor: where a short-video creator stands and what to do next to earn from their content.

The library entry points are in `advisor.api`: `advise(profile) -> Plan` and `render(plan, "md"|"html"|"json")`,
or the `Advisor` class to hold a rule pack across many profiles.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("creator-advisor")
except _metadata.PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0.0.0+checkout"
