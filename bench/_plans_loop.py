"""The library loop a batch worker runs, for bench/end_to_end.py, run by the INSTALLED package's Python (this
folder holds no `advisor`, so the import finds the installed one): parse each JSON line, check the profile,
evaluate, assemble, render. Prints JSON: where the package was imported from and the plans per CPU second of each
pass (CPU time, not wall time: on a shared machine the wall clock also counts a neighbour's turn on the core).

    VENV/bin/python bench/_plans_loop.py FILE.jsonl FORMAT PASSES
"""

import json
import os
import sys
import time

from advisor.api import Advisor
from advisor.profile.importers import profile_from_record
from advisor.reports.render import render


def main() -> None:
    path, fmt, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, encoding="utf-8") as stream:
        lines = [line for line in stream.read().splitlines() if line.strip()]
    advisor = Advisor()
    for line in lines[:50]:  # warm-up: templates compiled, rule variants compiled
        render(advisor.advise(profile_from_record(json.loads(line), source="x")).to_dict(), fmt)
    rates = []
    for _ in range(passes):
        started = time.process_time()
        for number, line in enumerate(lines, 1):
            plan = advisor.advise(profile_from_record(json.loads(line), source=f"line {number}")).to_dict()
            if fmt == "json":
                json.dumps(plan, ensure_ascii=False, separators=(",", ":"))
            else:
                render(plan, fmt)
        rates.append(len(lines) / (time.process_time() - started))
    import advisor as package

    print(json.dumps({"package": os.path.dirname(os.path.realpath(package.__file__)), "rates": rates}))


if __name__ == "__main__":
    main()
