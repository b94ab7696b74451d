"""The peer benchmark: the same 30-rule pack, the same profiles, every contender side by side in one sitting (a
benchmark, not a test).

The pack is bench/peers_pack/, written once in our YAML and translated for each contender from the validated rule
model (peers_translate.py). Contenders (peers_contenders.py): plain Python (one generated function: the limit),
our engine on its Python implementation and on durable-rules, durable-rules through its own Python API
(durable.lang), CLIPS through clipspy, and json-rules-engine in Node when `node` is on PATH.

Profiles: the bundled examples, generated ones (seeded: every tier, rate and cadence edge, absent facts, countries
in and out of the pack's markets) and the shared data set (../shared/data/creators-2020.jsonl) when it is beside
the project. Their facts are computed once, untimed; each contender's time is its evaluation of those facts.

Every contender must fire the same rules in the same order as the plain-Python limit on every profile before its
time counts; one that disagrees is reported as such, with an example, and gets no figure. Times are CPU seconds
of the evaluating thread for one pass over all profiles, rounds interleaved (a neighbour's load on a shared
machine hits every contender alike); the figure is the median of the rounds with the lowest and highest.

`--before REV` also times our durable-rules path as it was at git revision REV (its engine/ and advisor/ exported
into a temporary folder) against this checkout's, each in its own subprocess on the same profiles, alternated three
times: the "no slower than before" check, with both sides measured alike.

    python bench/peers.py [--rounds 7] [--generated 3000] [--before REV] [--only plain,clips] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _data import ROOT, SHARED, verdict  # noqa: E402

if os.environ.get("PEERS_ROOT"):  # --before: import engine/ and advisor/ from an exported older revision
    sys.path.insert(0, os.environ["PEERS_ROOT"])

from advisor.plan.facts import CREATOR_FACTS  # noqa: E402
from advisor.plan.metrics import creator_facts  # noqa: E402
from advisor.profile.reading import load_profile, parse_profile  # noqa: E402
from peers_contenders import CONTENDERS, Contender, cpu_seconds  # noqa: E402
from peers_translate import load_peer_pack  # noqa: E402

PYTHON_VS_CLIPS = 3.0       # our Python engine at least this many times CLIPS' rate
PYTHON_VS_LIMIT = 10.0      # and within this factor of the plain-Python limit
SHIPPED_PYTHON_RATE = 50_000  # evaluations/s of the shipped pack with our Python engine
MARKETS = ["US", "GB", "DE", "FR", "IT", "ES", "BR", "JP", "KR", "NG", "IN", "MX"]
FOLLOWER_EDGES = [0, 999, 1000, 9999, 10000, 49999, 50000, 499999, 500000, 999999, 1000000]


def generated_profiles(count: int, seed: int = 12) -> list[dict]:
    """Profiles that reach every rule of the pack and its edges: followers on each tier edge, rates and cadences
    on their bounds, facts absent at random (age, country, account type, niche, saves, videos)."""
    rng = random.Random(seed)
    as_of = dt.date(2026, 11, 20)
    profiles = []
    for number in range(count):
        followers = rng.choice(FOLLOWER_EDGES) if rng.random() < 0.2 else int(10 ** rng.uniform(1, 7.5))
        profile: dict = {"handle": f"peer-{number:05d}", "as_of": as_of.isoformat(), "followers": followers}
        for key, value in (("age", rng.choice([13, 17, 18, 19, 35])), ("country", rng.choice(MARKETS)),
                           ("account_type", rng.choice(["personal", "business"])),
                           ("niche", rng.choice(["dance", "baking", "fitness"]))):
            if rng.random() < 0.7:
                profile[key] = value
        if rng.random() < 0.15:
            profiles.append(profile)  # no numbers beyond followers: every rate absent
            continue
        videos = []
        for _ in range(rng.choice([0, 1, 3, 4, 6, 12, 31, 40])):
            views = int(max(followers, 100) * 10 ** rng.uniform(-1.5, 0.8))
            likes = int(views * rng.choice([0.01, 0.02, 0.025, 0.05, 0.07, 0.1, rng.uniform(0, 0.2)]))
            video = {"posted": (as_of - dt.timedelta(days=rng.choice([0, 3, 14, 15, 20, 29, 40]))).isoformat(),
                     "duration_s": rng.choice([8, 30, 61, 120]), "views": views, "likes": likes,
                     "comments": int(likes * rng.uniform(0, 0.06)), "shares": int(likes * rng.uniform(0, 0.06))}
            if rng.random() < 0.5:
                video["saves"] = int(likes * rng.uniform(0, 0.04))
            videos.append(video)
        if videos:
            profile["videos"] = videos
        profiles.append(profile)
    return profiles


def load_facts(generated: int, shared: bool) -> tuple[list[dict], str]:
    """(the facts of every profile, where they came from)."""
    profiles = [load_profile(path) for path in sorted((ROOT / "examples").glob("*.yaml"))]
    origin = [f"{len(profiles)} bundled examples"]
    profiles += [parse_profile(data, source=data["handle"]) for data in generated_profiles(generated)]
    origin.append(f"{generated:,} generated")
    if shared and SHARED.exists():
        lines = [line for line in SHARED.read_text(encoding="utf-8").splitlines() if line.strip()]
        profiles += [parse_profile(json.loads(line), source=f"line {n}") for n, line in enumerate(lines, 1)]
        origin.append(f"{len(lines):,} from {SHARED.name}")
    elif shared:
        origin.append(f"({SHARED} not present)")
    return [creator_facts(profile) for profile in profiles], ", ".join(origin)


def agreement(contender: Contender, facts: list[dict], expected: list[list[str]], got: list[list[str]] | None
              ) -> tuple[int, str]:
    """(profiles where the contender's firings differ from the limit's, an example of the first)."""
    if got is None:
        got = []
        for item in facts:
            try:
                got.append(contender.evaluate(item))
            except Exception as error:  # a contender refusing a profile disagrees on it
                got.append([f"<{type(error).__name__}: {str(error)[:60]}>"])
    wrong = [index for index, (a, b) in enumerate(zip(expected, got)) if a != b] + \
        list(range(min(len(got), len(expected)), max(len(got), len(expected))))
    if not wrong:
        return 0, ""
    first = wrong[0]
    return len(wrong), (f"profile {first}: limit {expected[first]} but "
                        f"{got[first] if first < len(got) else 'nothing'}")


def measure(names: list[str] | None, facts: list[dict], rounds: int, before: str | None,
            shipped: bool) -> dict:
    pack, peer = load_peer_pack(CREATOR_FACTS)
    results: dict[str, dict] = {}
    built: list[tuple[str, Contender]] = []
    for key, build in CONTENDERS:
        if names and key not in names and key != "plain":
            continue
        try:
            made = build(pack, peer, CREATOR_FACTS)
        except Exception as error:  # an engine that cannot run here (durable-rules on a newer Python, say)
            made = f"{type(error).__name__}: {str(error)[:200]}"
        results[key] = {}  # keeps the table in CONTENDERS' order
        if isinstance(made, str):
            results[key] = {"name": key, "absent": made}
        else:
            built.append((key, made))
    limit = dict(built)["plain"]
    expected = [limit.evaluate(item) for item in facts]
    timed: list[tuple[str, Contender]] = []
    for key, contender in built:
        entry = results[key]
        entry.update(name=contender.name, note=contender.note, seconds=[])
        if contender.rounds is not None:
            try:
                got, seconds = contender.rounds(facts, rounds)
            except RuntimeError as error:
                entry["absent"] = str(error)
                continue
            entry["wrong"], entry["example"] = agreement(contender, facts, expected, got)
            entry["seconds"] = seconds
        else:
            entry["wrong"], entry["example"] = agreement(contender, facts, expected, None)
            if not entry["wrong"]:
                timed.append((key, contender))
    for _ in range(rounds):  # interleaved, so the machine's load falls on every contender alike
        for key, contender in timed:
            results[key]["seconds"].append(cpu_seconds(contender.evaluate, facts))
    for entry in results.values():
        if entry.get("seconds") and not entry.get("wrong"):
            rates = sorted(len(facts) / seconds for seconds in entry["seconds"])
            entry.update(rate=statistics.median(rates), low=rates[0], high=rates[-1])
    import engine

    summary = {"profiles": len(facts), "rules": len(peer.rules), "results": results, "engine": engine.__file__,
               "firings": sum(map(len, expected)) / max(1, len(expected))}
    if before:
        summary["before"] = before_figure(before, rounds, len(facts))
    if shipped:
        summary["shipped"] = shipped_pack(facts, rounds)
    return summary


def shipped_pack(facts: list[dict], rounds: int) -> dict:
    """Our shipped pack (rules/) on the same facts, on each of our engines: evaluations/s, median of the rounds."""
    import inspect

    from advisor.api import load_rules
    from engine import load_rule_pack

    engines = ["durable", "python"] if "engine" in inspect.signature(load_rule_pack).parameters else [None]
    figures = {}
    packs = {}
    for engine in engines:
        pack = load_rules() if engine is None else load_rule_pack(_rule_folders(), CREATOR_FACTS, engine=engine)
        packs[engine or "durable"] = pack
    rule_count = len(next(iter(packs.values())).rules)
    for item in facts:  # warm: every (country, date) variant compiled
        for pack in packs.values():
            pack.evaluate(item, country=item.get("country"), on=item.get("as_of"))
    seconds: dict[str, list[float]] = {name: [] for name in packs}
    for _ in range(rounds):
        for name, pack in packs.items():
            seconds[name].append(cpu_seconds(lambda item: pack.evaluate(item, country=item.get("country"),
                                                                         on=item.get("as_of")), facts))
    for name, values in seconds.items():
        rates = sorted(len(facts) / value for value in values)
        figures[name] = {"rate": statistics.median(rates), "low": rates[0], "high": rates[-1]}
    return {"rules": rule_count, "figures": figures}


def _rule_folders():
    from advisor.api import rule_folders

    return rule_folders()


def before_figure(revision: str, rounds: int, expected_profiles: int) -> dict:
    """Our durable-rules path at `revision` and at this checkout, each in its own subprocess on the same profiles
    with the same pack, alternated BEFORE_ALTERNATIONS times so both see the machine alike: {revision, rate, low,
    high, now: {rate, low, high}} over all their rounds."""
    with tempfile.TemporaryDirectory(prefix="peers-before-") as folder:
        archive = Path(folder) / "before.tar"
        completed = subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), revision, "engine",
                                    "advisor", "rules", "templates"], capture_output=True, text=True)
        if completed.returncode != 0:
            return {"revision": revision, "absent": f"git archive failed: {completed.stderr.strip()[:200]}"}
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        # The package's data folders as an installed copy has them (rules/ and templates/ inside advisor/).
        for data in ("rules", "templates"):
            if not (Path(folder) / "advisor" / data).exists():
                os.symlink(Path(folder) / data, Path(folder) / "advisor" / data)
        arguments = [sys.executable, str(Path(__file__).resolve()), "--only", "ours-durable", "--json",
                     "--rounds", str(rounds), *ARGUMENT_PASSTHROUGH]
        seconds: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(BEFORE_ALTERNATIONS):
            for side, root in (("before", folder), ("now", str(ROOT))):
                completed = subprocess.run(arguments, env=dict(os.environ, PEERS_ROOT=root), capture_output=True,
                                           text=True)
                if completed.returncode != 0:
                    return {"revision": revision, "absent": f"{side}: {completed.stderr.strip()[-300:]}"}
                answer = json.loads(completed.stdout)
                entry = answer["results"]["ours-durable"]
                if not answer["engine"].startswith(root):
                    return {"revision": revision, "absent": f"{side} imported {answer['engine']}, not {root}"}
                if answer["profiles"] != expected_profiles or entry.get("wrong") or entry.get("absent"):
                    return {"revision": revision, "absent": f"{side}: a different set of profiles, or it "
                                                            f"disagreed: {entry.get('example') or entry.get('absent')}"}
                seconds[side] += entry["seconds"]
    figures = {}
    for side, values in seconds.items():
        rates = sorted(expected_profiles / value for value in values)
        figures[side] = {"rate": statistics.median(rates), "low": rates[0], "high": rates[-1]}
    return {"revision": revision, **figures["before"], "now": figures["now"]}


BEFORE_ALTERNATIONS = 3
ARGUMENT_PASSTHROUGH: list[str] = []


def print_table(summary: dict, origin: str, rounds: int) -> None:
    results = summary["results"]
    limit = results["plain"].get("rate")
    clips = results.get("clips", {}).get("rate")
    print(f"profiles: {summary['profiles']:,} ({origin}); rules: {summary['rules']}; "
          f"{summary['firings']:.1f} firings per profile")
    print(f"CPU time of one pass over every profile, median of {rounds} rounds (lowest-highest rate); "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(f"{'contender':<44}{'agrees':>8}{'profiles/s':>12}  {'range':>19}{'limit/it':>10}{'it/CLIPS':>10}")
    for entry in results.values():
        if entry.get("absent"):
            print(f"{entry['name']:<44}  not run: {entry['absent']}")
            continue
        if entry.get("wrong"):
            print(f"{entry['name']:<44}{'NO':>8}  disagrees on {entry['wrong']:,} profiles, not timed; "
                  f"{entry['example']}")
            continue
        rate = entry["rate"]
        print(f"{entry['name']:<44}{'yes':>8}{rate:>12,.0f}  {entry['low']:>8,.0f}-{entry['high']:<10,.0f}"
              f"{limit / rate:>9.1f}x{(f'{rate / clips:.2f}x' if clips else '-'):>10}")
    notes = [(entry["name"], entry["note"]) for entry in results.values() if entry.get("note")]
    if notes:
        print()
        for name, note in notes:
            print(f"  {name}: {note}")
    before = summary.get("before")
    if before:
        print()
        if before.get("absent") or before.get("wrong"):
            print(f"our durable-rules path at {before['revision']}: not measured: "
                  f"{before.get('absent') or before.get('example')}")
        else:
            now = before["now"]
            print(f"our durable-rules path, each side in its own process, {BEFORE_ALTERNATIONS} alternations of "
                  f"{rounds} rounds: at {before['revision']} {before['rate']:,.0f} profiles/s ({before['low']:,.0f}-"
                  f"{before['high']:,.0f}); this checkout {now['rate']:,.0f} ({now['low']:,.0f}-{now['high']:,.0f})")
    shipped = summary.get("shipped")
    if shipped:
        print()
        print(f"our shipped pack ({shipped['rules']} rules), same profiles, evaluations/s, median of {rounds} rounds:")
        for name, figure in shipped["figures"].items():
            print(f"  {name:<10}{figure['rate']:>10,.0f}  ({figure['low']:,.0f}-{figure['high']:,.0f})")
    print()
    print("targets")
    python = results.get("ours-python", {}).get("rate")
    if python and clips:
        print(f"  our Python engine >= {PYTHON_VS_CLIPS:g}x CLIPS: {python / clips:.2f}x: "
              f"{verdict(python >= PYTHON_VS_CLIPS * clips)}")
    else:
        print("  our Python engine >= 3x CLIPS: not measured (a contender did not run or disagreed)")
    if python and limit:
        print(f"  our Python engine within {PYTHON_VS_LIMIT:g}x of plain Python: {limit / python:.1f}x: "
              f"{verdict(limit <= PYTHON_VS_LIMIT * python)}")
    else:
        print("  our Python engine within 10x of plain Python: not measured")
    if before and before.get("rate"):
        # "No slower": this checkout's median at least the older revision's lowest round (within the noise).
        now = before["now"]["rate"]
        print(f"  durable path no slower than at {before['revision']}: {now:,.0f} against {before['rate']:,.0f} "
              f"profiles/s ({now / before['rate'] - 1:+.0%}): {verdict(now >= before['low'])}")
    else:
        print("  durable path no slower than before: not measured (give --before REV)")
    figure = (shipped or {}).get("figures", {}).get("python")
    if figure:
        print(f"  shipped pack with our Python engine >= {SHIPPED_PYTHON_RATE:,}/s: {figure['rate']:,.0f}/s: "
              f"{verdict(figure['rate'] >= SHIPPED_PYTHON_RATE)}")
    elif shipped:
        print(f"  shipped pack with our Python engine >= {SHIPPED_PYTHON_RATE:,}/s: not measured (no Python engine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed passes per contender; the median is the figure")
    parser.add_argument("--generated", type=int, default=3000, help="generated profiles beside the others")
    parser.add_argument("--no-shared", action="store_true", help="leave the shared data set out")
    parser.add_argument("--only", help="comma-separated contenders (plain always runs): "
                        + ",".join(key for key, _ in CONTENDERS))
    parser.add_argument("--before", metavar="REV", help="also time our durable path at this git revision")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped pack's figures")
    parser.add_argument("--quick", action="store_true", help="2 rounds over 200 generated profiles (a smoke run)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of the table")
    parser.add_argument("--show", choices=["python", "clips", "json-rules-engine"],
                        help="print one translation of the pack and stop")
    args = parser.parse_args()
    if args.show:
        from peers_translate import clips_program, json_rules, plain_python_source

        peer = load_peer_pack(CREATOR_FACTS)[1]
        print({"python": plain_python_source, "clips": clips_program,
               "json-rules-engine": lambda p: json.dumps(json_rules(p), indent=1)}[args.show](peer))
        return
    if args.quick:
        args.rounds, args.generated, args.no_shared = 2, 200, True
    ARGUMENT_PASSTHROUGH.extend(["--generated", str(args.generated)] + (["--no-shared"] if args.no_shared else []))
    facts, origin = load_facts(args.generated, not args.no_shared)
    names = args.only.split(",") if args.only else None
    summary = measure(names, facts, args.rounds, args.before, shipped=not args.no_shipped and not args.json)
    if args.json:
        print(json.dumps(summary))
    else:
        print_table(summary, origin, args.rounds)


if __name__ == "__main__":
    main()
