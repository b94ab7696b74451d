"""Jinja2 in a sandbox, shared by rule text and report templates: the sandbox that shows only plain data, the code
generator that compiles templates to plain-data code, the code cache in a private folder, the filters that write
numbers in words, and the budget that bounds what a template can build.

This room knows nothing of rules; the rule engine renders rule text through it, and the advisor renders reports.
"""

from .budget import MAX_NUMBER_BITS, bounded_binop, cost
from .codecache import CodeCache, compile_cached, environment_fingerprint, module_source_digest
from .filters import FILTERS, UNKNOWN, compact, isodate, money, number, percent, signed, words
from .private_folder import is_private, open_private_folder
from .sandbox import DataCodeGenerator, DataSandbox

__all__ = [
    "CodeCache", "DataCodeGenerator", "DataSandbox", "FILTERS", "MAX_NUMBER_BITS", "UNKNOWN", "bounded_binop",
    "compact", "compile_cached", "cost", "environment_fingerprint", "is_private", "isodate", "module_source_digest",
    "money", "number", "open_private_folder", "percent", "signed", "words",
]
