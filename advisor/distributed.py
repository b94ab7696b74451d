"""Plans from a data platform: map a `dask.bag` or a `dask.dataframe` of profiles to plans, or use the same
per-partition function from Spark's `mapInPandas`.

    import dask.bag as db
    from advisor.distributed import plan_bag
    plans = plan_bag(db.read_text("creators-*.jsonl").map(json.loads))     # a bag of result mappings
    plans.filter(lambda r: r["plan"] is not None).pluck("plan").to_textfiles("plans-*.jsonl")

    import dask.dataframe as dd
    from advisor.distributed import plan_frame
    plans = plan_frame(dd.read_csv("creators.csv"))                         # columns handle, plan, error

    # Spark: the same per-partition function, on each pandas chunk of a partition
    from advisor.distributed import RESULT_SCHEMA, plans_of_frames
    spark_df.mapInPandas(plans_of_frames, schema=RESULT_SCHEMA)   # or functools.partial(..., rules=..., as_of=...)

Every result is a mapping (a row) `{"handle", "plan", "error"}`: `plan` is the plan as one compact JSON line,
the very text `creator-advisor batch -o FILE.jsonl` writes for that profile (without its newline), or None; `error`
says why a profile could not be planned (its index in the partition and the located problems), or None. A profile
that fails never stops the others.

Each worker process loads the rule pack once (advisor.batch.work.load_advisor keeps it), then plans each profile
exactly as the batch does (advisor.batch.work.plan_record): the same checks, the same bytes. A mapping is a profile in
the contract (docs/profile.md) or a TikTok Research API record; a dataframe row's missing values (NaN, None) are
fields not given, and numpy numbers become Python numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any, Iterable, Iterator, Mapping, Sequence

RESULT_COLUMNS = ("handle", "plan", "error")
RESULT_SCHEMA = "handle string, plan string, error string"  # for Spark's mapInPandas


def _plain(value: Any) -> Any:
    """A dataframe cell as JSON: numpy scalars as Python numbers, a whole float as an int, dates as text."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if not _missing(item)}
    return value


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas

        return value is pandas.NA or value is pandas.NaT
    except ImportError:
        return False


def plan_partition(profiles: Iterable[Mapping[str, Any]], *, rules: Sequence[str] | None = None,
                   as_of: dt.date | None = None, compact: bool = False,
                   source: str = "profile") -> list[dict[str, Any]]:
    """The per-partition function: a result row per profile, in order. `rules` are pack folders (default: the
    shipped pack), `as_of` judges every profile on that date, `compact` gives compact plans (advisor.plan.compact)."""
    from advisor.batch.work import load_advisor, plan_record

    load_advisor(list(rules) if rules else None, "jsonl", as_of, compact=compact)
    results = []
    for index, profile in enumerate(profiles, 1):
        where = f"{source} {index} of the partition"
        try:
            data = {key: _plain(value) for key, value in dict(profile).items() if not _missing(value)}
            line = json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as error:
            results.append({"handle": None, "plan": None, "error": f"{where}: not JSON data: {error}"})
            continue
        ok, _where, handle, payload, _digest = plan_record(("line", where, line))
        if ok:
            results.append({"handle": handle, "plan": payload.decode("utf-8").rstrip("\n"), "error": None})
        else:
            results.append({"handle": data.get("handle") if isinstance(data.get("handle"), str) else None,
                            "plan": None, "error": "\n".join(payload)})
    return results


def plans_frame(frame: Any, **options: Any) -> Any:
    """One pandas DataFrame of profiles (a column per profile field) to a DataFrame of results (handle, plan,
    error), row for row."""
    import pandas

    rows = plan_partition(frame.to_dict("records"), **options)
    return pandas.DataFrame(rows, columns=list(RESULT_COLUMNS), index=frame.index)


def plans_of_frames(frames: Iterator[Any], **options: Any) -> Iterator[Any]:
    """Spark's mapInPandas shape: an iterator of pandas DataFrames in, one of result DataFrames out."""
    for frame in frames:
        yield plans_frame(frame, **options).reset_index(drop=True)


def plan_bag(bag: Any, **options: Any) -> Any:
    """A dask.bag of profile mappings to a bag of result mappings (handle, plan, error), partition for
    partition."""
    return bag.map_partitions(lambda profiles: plan_partition(list(profiles), **options))


def plan_frame(frame: Any, **options: Any) -> Any:
    """A dask.dataframe of profiles to a dask.dataframe of results (handle, plan, error)."""
    import pandas

    meta = pandas.DataFrame({column: pandas.Series(dtype="object") for column in RESULT_COLUMNS})
    return frame.map_partitions(plans_frame, meta=meta, **options)
