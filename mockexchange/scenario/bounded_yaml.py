"""YAML composed within bounds, as `bounded_json` reads JSON: a scenario document nests at most `MAX_DEPTH` levels, its
aliases stand for at most `MAX_ALIASED_NODES` nodes in all (each alias counts the nodes it names, its own aliases
included: a "billion laughs" is refused while it is composed, in the time its text takes), and no alias sits inside
the node it names (a recursive document). Past a bound `compose` raises `TooLarge`, marked where it was found.
Imports nothing of the package but `bounded_json`'s depth."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, SequenceNode

from mockexchange.core.bounded_json import MAX_JSON_DEPTH

MAX_DEPTH = MAX_JSON_DEPTH  # levels of nesting: a scenario uses five
# The nodes a document's aliases may stand for, in all: room to repeat a step or a block of keys a few hundred times,
# as an anchor is used; not an amplifier (go-yaml refuses a document whose aliases expand past about 400,000 nodes; a
# scenario has no use for as many, each a step or an account to run).
MAX_ALIASED_NODES = 10_000


class TooLarge(ComposerError):
    """A document that would expand past what the mock reads."""

    def __init__(self, problem: str, mark: Any) -> None:  # (a Mark of yaml's pure or C reader)
        super().__init__(None, None, problem, mark)


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader's composer, bounded as it composes: nesting to `MAX_DEPTH` levels, aliases standing for
    `MAX_ALIASED_NODES` nodes in all, and no alias inside the node it names (a recursive document). An alias is one
    reference whatever it names, so the composed document stays the size of its text; the count is what a reader of
    it would walk."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliased = 0
        self._open: set[str] = set()  # the anchors of the nodes being composed
        self._sizes: dict[int, int] = {}  # id(node) -> the nodes it stands for (kept: the nodes live as long)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self._count_alias(event)
            return super().compose_node(parent, index)
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise TooLarge(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        anchor = event.anchor
        self._depth += 1
        if anchor is not None:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)

    def _count_alias(self, event: AliasEvent) -> None:
        node = self.anchors.get(event.anchor)
        if node is None:
            return  # the composer says it is undefined
        if event.anchor in self._open:
            raise TooLarge(f"the alias *{event.anchor} is inside the node it names", event.start_mark)
        self._aliased += self._size(node)
        if self._aliased > MAX_ALIASED_NODES:
            raise TooLarge(
                f"its aliases stand for more than {MAX_ALIASED_NODES:,} nodes (each alias counts the nodes it names); "
                "write the repeated part out, or generate the scenario",
                event.start_mark,
            )

    def _size(self, node: Node) -> int:
        """The nodes `node` stands for, itself included, capped past the bound; walked without recursion."""
        sizes, stack = self._sizes, [node]
        while stack:
            top = stack[-1]
            if id(top) in sizes:
                stack.pop()
                continue
            children = _children(top)
            waiting = [child for child in children if id(child) not in sizes]
            if waiting:
                stack.extend(waiting)
                continue
            sizes[id(top)] = min(1 + sum(sizes[id(child)] for child in children), MAX_ALIASED_NODES + 1)
            stack.pop()
        return sizes[id(node)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, SequenceNode) else []


def compose(text: str) -> Node | None:
    """The document's node graph (None: an empty document); yaml's errors, TooLarge among them, as yaml raises them."""
    return yaml.compose(text, Loader=BoundedLoader)
