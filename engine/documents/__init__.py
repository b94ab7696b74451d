"""The files people write: YAML and JSON read within limits, with every value's line and column kept; JSON Schema
verdicts worded as located problems; did-you-mean suggestions.

This room knows nothing of rules: the rule engine reads its rule files through it, and the advisor reads profiles,
rule tests and imported exports through it, so a typo in any of them is reported the same way, at its place.
"""

from .json_source import (DuplicateKey, check_limits, is_json_name, load_data_file, no_json_constant, parse_data_bytes,
                          parse_json_text, unique_keys)
from .problems import EngineError, Problem, SourceError
from .schema import ANNOTATIONS, as_json_data, is_json_number, load_schema, schema_errors, schema_problems
from .suggest import closest, did_you_mean
from .yaml_source import (
                          DEFAULT_LIMITS,
                          Limits,
                          LocatedDocument,
                          decode_limited,
                          dump_yaml,
                          format_path,
                          legacy_encoding_hint,
                          load_yaml_file,
                          parse_yaml_bytes,
                          parse_yaml_text,
                          read_limited,
                          wide_encoding_problem,
)

__all__ = [
    "ANNOTATIONS", "DEFAULT_LIMITS", "DuplicateKey", "EngineError", "Limits", "LocatedDocument", "Problem", "SourceError",
    "as_json_data", "check_limits", "closest", "decode_limited", "did_you_mean", "dump_yaml", "format_path",
    "is_json_name", "is_json_number", "legacy_encoding_hint", "load_data_file", "no_json_constant", "load_schema", "load_yaml_file",
    "parse_data_bytes", "parse_json_text", "parse_yaml_bytes", "parse_yaml_text", "read_limited", "schema_errors",
    "schema_problems", "unique_keys", "wide_encoding_problem",
]
