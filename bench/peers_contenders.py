"""The contenders of the peer benchmark, each evaluating the same facts with the same 30 rules (bench/peers_pack,
translated by peers_translate) and answering the rules that fired, in order.

A contender is built by a function that returns it, or a sentence saying why it cannot run here (a library not
installed, `node` absent, our Python engine not on this branch yet). In-process contenders are timed by the
harness around `evaluate`; json-rules-engine runs in Node, which times its own rounds on the same facts and hands
back its firings and figures.

Adding a contender is one entry in CONTENDERS.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from peers_translate import PACK_FOLDER, LAYER_FACT, PeerPack, clips_program, durable_lang_ruleset, json_rules, \
    plain_python

JS_FOLDER = Path(__file__).resolve().parent / "peers_js"


@dataclass
class Contender:
    """One way of running the pack. `evaluate(facts)` -> fired rule ids in firing order (in-process), or `rounds`
    for an out-of-process contender (it times itself)."""

    name: str
    evaluate: Callable[[dict[str, Any]], list[str]] | None = None
    rounds: Callable[[list[dict[str, Any]], int], tuple[list[list[str]], list[float]]] | None = None
    note: str = ""


Built = Contender | str  # a contender, or why it is not here


def build_plain(pack, peer: PeerPack, facts) -> Built:
    return Contender("plain Python (the limit)", plain_python(peer), note="one generated function, an if per rule")


def _ours(pack) -> Callable[[dict[str, Any]], list[str]]:
    evaluate = pack.evaluate

    def run(facts: dict[str, Any]) -> list[str]:
        return [firing.rule for firing in evaluate(facts, country=facts.get("country"), on=facts.get("as_of")).fired]
    return run


def build_ours_python(pack, peer: PeerPack, facts) -> Built:
    """Our pure-Python engine on the same pack, once the engine-selection API is on this branch."""
    from engine import load_rule_pack

    if "engine" not in inspect.signature(load_rule_pack).parameters:
        return "our Python engine is not on this branch yet (load_rule_pack has no engine= parameter)"
    python_pack = load_rule_pack(PACK_FOLDER, facts, engine="python")
    return Contender("our engine, Python", _ours(python_pack), note="RulePack.evaluate, engine='python'")


def build_ours_durable(pack, peer: PeerPack, facts) -> Built:
    from engine import load_rule_pack

    if "engine" in inspect.signature(load_rule_pack).parameters:
        pack = load_rule_pack(PACK_FOLDER, facts, engine="durable")
    return Contender("our engine, durable-rules", _ours(pack), note="RulePack.evaluate: checks, thresholds, Outcome")


def build_durable_lang(pack, peer: PeerPack, facts) -> Built:
    """durable-rules as its documentation shows: a `durable.lang` ruleset, Python actions, `assert_fact` and
    `delete_state` on its host. The working memory is asserted once per layer with the layer's number."""
    try:
        from durable.engine import MessageNotHandledException
        from durable.lang import assert_fact, delete_state
    except ImportError as error:
        return f"durable-rules does not import here ({error})"
    fired: list[int] = []
    derived: dict[str, Any] = {}
    asserted = [peer.asserts(rule) for rule in peer.rules]

    def on_fire(rank: int) -> None:
        fired.append(rank)
        derived.update(asserted[rank])

    name = "peers_pack"
    layers = durable_lang_ruleset(peer, name, on_fire)
    reads = peer.base_facts
    ids = [rule.id for rule in peer.rules]

    def evaluate(facts: dict[str, Any]) -> list[str]:
        fired.clear()
        derived.clear()
        memory = {key: _durable_number(facts[key]) for key in reads if facts.get(key) is not None}
        try:
            for layer in layers:
                try:
                    assert_fact(name, {**memory, **derived, LAYER_FACT: layer, "sid": "0"})
                except MessageNotHandledException:
                    pass  # nothing of this layer matched
            if not fired:
                assert_fact(name, {"sid": "0", "peers_flush": 1})
        finally:
            delete_state(name, "0")
        return [ids[rank] for rank in dict.fromkeys(fired)]  # an `any` whose branches both hold fires twice
    return Contender("durable-rules, own Python API", evaluate,
                     note="durable.lang ruleset, a Python action per rule, assert_fact per layer, delete_state")


def _durable_number(value: Any) -> Any:
    # durable-rules' host writes facts with json.dumps, whose exponent notation (1e-05) its C parser refuses; its
    # users write such small rates as 0. No threshold of the peer pack lies below 1e-4, so no verdict changes.
    if type(value) is float and value != 0 and abs(value) < 1e-4:
        return 0.0
    return value


def build_clips(pack, peer: PeerPack, facts) -> Built:
    """CLIPS through clipspy: the generated program built once; per profile `reset`, one `profile` fact asserted
    with the template's API, `run`.

    clipspy leaves the values it makes for an assert in CLIPS' top-level garbage, which nothing collects between
    API calls: memory grows by about 260 bytes per evaluation and every evaluation gets slower (here from 8,000
    to 2,000 profiles/s within 20,000 evaluations, the same with no rule at all). The contender therefore starts a
    fresh environment every RECYCLE evaluations (7 ms to build, counted in its time), which holds it at its
    best; asserting the fact as text through `eval` avoids the growth too, but parsing makes it 3.5 times slower."""
    try:
        import clips
    except ImportError:
        return "clipspy is not installed (pip install -e '.[bench]')"
    fired: list[int] = []
    program = clips_program(peer).splitlines()
    state: dict[str, Any] = {}

    def fresh() -> None:
        environment = clips.Environment()
        environment.define_function(fired.append, name="fired")
        for construct in program:
            environment.build(construct)
        state.update(environment=environment, template=environment.find_template("profile"), left=RECYCLE)

    fresh()
    reads = peer.base_facts
    ids = [rule.id for rule in peer.rules]
    symbols = {True: clips.Symbol("TRUE"), False: clips.Symbol("FALSE")}

    def evaluate(facts: dict[str, Any]) -> list[str]:
        if not state["left"]:
            fresh()
        state["left"] -= 1
        fired.clear()
        environment = state["environment"]
        environment.reset()
        slots = {}
        for key in reads:
            value = facts.get(key)
            if value is not None:
                slots[key] = symbols[value] if isinstance(value, bool) else value
        state["template"].assert_fact(**slots)
        environment.run()
        return [ids[rank] for rank in fired]
    return Contender(f"CLIPS (clipspy {getattr(clips, '__version__', '?')})", evaluate,
                     note=f"generated defrules, salience from the rank; a fresh environment every {RECYCLE}")


RECYCLE = 500


def build_json_rules_engine(pack, peer: PeerPack, facts) -> Built:
    """json-rules-engine in Node: installed with npm into a cache folder at first use (bench/peers_js/package.json),
    driven by bench/peers_js/run.js over the same facts as JSON lines."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return "node and npm are not on PATH"
    modules = Path(os.environ.get("PEERS_NODE_MODULES", Path(tempfile.gettempdir()) / "creator-advisor-peers-js"))
    if not (modules / "node_modules" / "json-rules-engine").exists():
        modules.mkdir(parents=True, exist_ok=True)
        shutil.copy(JS_FOLDER / "package.json", modules / "package.json")
        completed = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=modules,
                                   capture_output=True, text=True)
        if completed.returncode != 0:
            return f"npm install json-rules-engine failed: {completed.stderr.strip()[:200]}"
    version = json.loads((modules / "node_modules" / "json-rules-engine" / "package.json").read_text())["version"]
    rules = json_rules(peer)
    reads = peer.base_facts

    def rounds(items: list[dict[str, Any]], count: int) -> tuple[list[list[str]], list[float]]:
        with tempfile.TemporaryDirectory(prefix="peers-js-") as folder:
            rules_file, facts_file = Path(folder) / "rules.json", Path(folder) / "facts.jsonl"
            rules_file.write_text(json.dumps(rules))
            with open(facts_file, "w", encoding="utf-8") as stream:
                for item in items:
                    stream.write(json.dumps({key: item[key] for key in reads if item.get(key) is not None}) + "\n")
            completed = subprocess.run([node, str(JS_FOLDER / "run.js"), str(rules_file), str(facts_file),
                                        str(count)], capture_output=True, text=True,
                                       env=dict(os.environ, NODE_PATH=str(modules / "node_modules")))
        if completed.returncode != 0:
            raise RuntimeError(f"the json-rules-engine script failed: {completed.stderr.strip()[:400]}")
        answer = json.loads(completed.stdout)
        return answer["fired"], answer["seconds"]
    return Contender(f"json-rules-engine {version} (Node {_node_version(node)})", rounds=rounds,
                     note="generated rules, runtime facts added on success; timed in Node (its process CPU time)")


def _node_version(node: str) -> str:
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip().lstrip("v")


CONTENDERS: list[tuple[str, Callable[..., Built]]] = [
    ("plain", build_plain),
    ("ours-python", build_ours_python),
    ("ours-durable", build_ours_durable),
    ("durable-lang", build_durable_lang),
    ("clips", build_clips),
    ("json-rules-engine", build_json_rules_engine),
]


def cpu_seconds(function: Callable[[dict[str, Any]], Any], items: list[dict[str, Any]]) -> float:
    """CPU seconds of this thread for one pass of `function` over the items. CPU time, since a neighbour's load on
    a shared machine stretches the wall clock; this thread's, since durable.lang's host keeps timer threads
    running in the process, whose time is nobody's evaluation."""
    started = time.thread_time()
    for item in items:
        function(item)
    return time.thread_time() - started
