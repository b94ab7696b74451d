"""What durable-rules 2.0.28 can hold, checked before a compiled ruleset reaches it.

durable-rules builds its alpha network in fixed-size tables and does not always check them: a node whose children
fill its 512-slot hash table makes `create_ruleset` loop forever (the probe in `findAlpha` never ends), a node
with more than 32 "absent" links writes past its list (seen as error 303 on a later assert), and a fact with more
than about 250 properties is refused (error 302). None of these can be caught once the C code is running, so this
module replays the way durable-rules builds its network from our ruleset definition (sharing equal comparisons
under one parent, chaining `$and`, joining `$or` branches at a forward node that sits in each branch's "absent"
list) and reports, by rule, the first table that would overflow. The margins below are kept under the C sizes.

This mirrors rete.c of durable-rules 2.0.28 (createAlpha, findAlpha, linkAlpha, createForwardAlpha).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Iterable

# rete.c sizes (NEXT_BUCKET_LENGTH 512, NEXT_LIST_LENGTH 32, MAX_OBJECT_PROPERTIES 255, MAX_ACTIONS 4096), less a
# margin.
MAX_RULES = 4000  # one action per rule of a ruleset (and one for the engine's own flush rule): error 106 past 4,096
MAX_CHILDREN = 500
MAX_ABSENT_LINKS = 30
MAX_FACTS = 250  # per evaluation: input and derived facts together (the engine adds two of its own)

_OPERATORS = {"$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex"}


class _Node:
    __slots__ = ("children", "table", "absent")

    def __init__(self) -> None:
        self.children: dict[tuple[str, str, str], _Node] = {}  # every comparison under this node, shared
        self.table = 0  # how many of them sit in the node's hash table (all but `$nex`)
        self.absent = 0  # entries of its fixed list: `$nex` comparisons and forward nodes


class CapacityError(Exception):
    """A compiled ruleset would overflow one of durable-rules' tables. `rule` is the durable name (`r<rank>`)."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


class _Network:
    def __init__(self) -> None:
        self.root = _Node()
        self.rule = ""

    def add(self, pattern: Any, parent: _Node) -> _Node:
        """The node a pattern ends at, creating (or sharing) the nodes on its way."""
        if not isinstance(pattern, Mapping) or len(pattern) != 1:
            # Not a shape our compiler emits: count it as one distinct comparison.
            return self.comparison(parent, "$eq", "?", json.dumps(pattern, sort_keys=True, default=str))
        (key, value), = pattern.items()
        if key == "$and":
            node = parent
            for item in value:
                node = self.add(item, node)
            return node
        if key == "$or":
            forward = _Node()
            for item in value:
                end = self.add(item, parent)
                self.link_absent(end, forward)
            return forward
        if key in _OPERATORS and isinstance(value, Mapping) and len(value) == 1:
            (fact, operand), = value.items()
            return self.comparison(parent, key, fact, json.dumps(operand, sort_keys=True, default=str))
        return self.comparison(parent, "$eq", key, json.dumps(value, sort_keys=True, default=str))

    def comparison(self, parent: _Node, operator: str, fact: str, operand: str) -> _Node:
        key = (operator, fact, operand)
        found = parent.children.get(key)
        if found is not None:
            return found
        node = _Node()
        parent.children[key] = node
        if operator == "$nex":
            self.link_absent(parent, node)
            return node
        parent.table += 1
        if parent.table > MAX_CHILDREN:
            raise CapacityError(self.rule, f"more than {MAX_CHILDREN} different comparisons follow one point of the "
                                           "rule network (durable-rules would hang)")
        return node

    def link_absent(self, parent: _Node, node: _Node) -> None:
        parent.absent += 1
        if parent.absent > MAX_ABSENT_LINKS:
            raise CapacityError(self.rule, f"more than {MAX_ABSENT_LINKS} 'absent or' branches (from `not` and "
                                           "`!=`) meet at one point of the rule network (durable-rules would "
                                           "corrupt its memory)")


def check_definition(definition: Mapping[str, Any]) -> None:
    """Raise CapacityError when durable-rules could not build this ruleset definition safely."""
    if len(definition) > MAX_RULES:
        raise CapacityError(list(definition)[MAX_RULES], f"more than {MAX_RULES:,} rules would be evaluated "
                                                         "together (durable-rules holds at most 4,096)")
    network = _Network()
    for name, rule in definition.items():
        network.rule = name
        for pattern in rule.get("all", ()) if isinstance(rule, Mapping) else ():
            if isinstance(pattern, Mapping):
                for value in pattern.values():
                    network.add(value, network.root)


def fact_count_problem(names: Iterable[str]) -> str | None:
    """A sentence when one evaluation could hold more facts than durable-rules accepts in one fact."""
    count = len(set(names))
    if count > MAX_FACTS:
        return (f"the caller's facts and the facts the rules derive are {count:,} names; durable-rules holds at most "
                f"{MAX_FACTS} in one evaluation")
    return None
