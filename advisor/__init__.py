"""creator-advisor: where a short-video creator stands and what to do next to earn from their content.

The library entry points are in `advisor.api`: `advise(profile) -> Plan` and `render(plan, "md"|"html"|"json")`,
or the `Advisor` class to hold a rule pack across many profiles.
"""

from advisor._version import __version__

__all__ = ["__version__"]
