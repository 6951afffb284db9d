"""Scenario files: parse YAML (or JSON) keeping each node's line, check it against the schema, build a `Scenario`.

The document is composed, not loaded (`yaml.compose`), so every value still knows its line and its original text:
errors name the file, the line and the field (`fixtures/fed.yaml:14: steps[3].fill.price: ...`), unknown fields are
errors, and `side: no` means the string "no" (YAML 1.1 would read a boolean). Money is never a float: an unquoted
`price: 0.56` is refused with the quoted spelling to use, as the admin API refuses a JSON number there. The schema is
documented in docs/scenarios.md.

What a document may expand to is bounded before it is read (`bounded_yaml`: nesting, aliases), and its bursts make at
most `MAX_BURST_FILLS` fills in all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mockexchange.control import ControlError
from mockexchange.core.commands import Command
from mockexchange.core.faults import ClearFaults
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.money import MAX_COUNT
from mockexchange.core.values import Refused
from mockexchange.scenario import bounded_yaml, library
from mockexchange.scenario.grammar import ScenarioGrammar
from mockexchange.scenario.model import Op, Origin, Scenario
from mockexchange.scenario.scalars import (
    Field,
    Invalid,
    boolean,
    integer,
    one_of,
    positive_seconds,
    price,
    seconds,
    tag_of,
    text,
    timestamp,
)

INLINE_SOURCE = "<document>"
MAX_BURST_FILLS = 1_000_000  # one burst's fills, and all the bursts' of one document
_MAX_ERRORS = 50
Commands = Mapping[str, Callable[..., Command]]  # the op kinds that are a command of the core's, and its type
# Reads a `public_key_file` (Path.read_text); raises OSError when it cannot or may not.
KeyFileReader = Callable[[Path], str]


class ScenarioError(ControlError):
    """A scenario that cannot be loaded; `errors` lists every problem found, each `file:line: field: message`."""

    def __init__(self, errors: list[str], status: int = 400) -> None:
        super().__init__("\n".join(errors), status)
        self.errors = errors


SUBACCOUNT = integer(0, MAX_SUBACCOUNT)
SIDE = one_of("yes", "no")
ACTION = one_of("buy", "sell")


# -- the schema ------------------------------------------------------------------------------------------------------


WALKED = Field(lambda node: node)  # a mapping or list walked on its own (balances: `Reader.balances`)
SETTINGS = {"profile": Field(text), "start": Field(timestamp)}


def top_fields(grammar: ScenarioGrammar) -> dict[str, Field]:
    """A document's top: its name, description, settings and timeline, and each venue's set-up sections."""
    sections = [name for setup in grammar.setups for name in setup.sections]
    return {
        "scenario": Field(text),
        "description": Field(text),
        **dict.fromkeys(("settings", *sections, "steps"), WALKED),
    }


# -- the walk --------------------------------------------------------------------------------------------------------


class Reader:
    """Walks one document, collecting every problem (up to a limit) rather than stopping at the first; `grammar`: the
    step kinds its timeline may take and the set-up sections it may hold (each venue's and the mock's own,
    grammar.py); each venue's set-up reads its sections through it (scenario/kalshi/setup.py,
    scenario/deribit/setup.py)."""

    def __init__(
        self, source: str, base_dir: Path, grammar: ScenarioGrammar, read_key_file: KeyFileReader = Path.read_text
    ) -> None:
        self.source = source
        self.grammar = grammar
        self.base_dir = base_dir
        self.read_key_file = read_key_file
        self.errors: list[str] = []

    def origin(self, node: Node | None, path: str) -> Origin:
        mark = getattr(node, "start_mark", None)
        return Origin(self.source, None if mark is None else mark.line + 1, path)

    def error(self, node: Node | None, path: str, message: str) -> None:
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append(f"{self.origin(node, path)}: {message}")

    def fields(self, node: Node, path: str, schema: Mapping[str, Field], hint: str = "") -> dict[str, Any] | None:
        """The mapping's fields, checked; None if any is wrong. Absent optional fields are left out (or take their
        default) so the `Control` method's own defaults apply."""
        values, ok = self.partial_fields(node, path, schema, hint)
        return values if ok else None

    def partial_fields(
        self, node: Node, path: str, schema: Mapping[str, Field], hint: str = ""
    ) -> tuple[dict[str, Any], bool]:
        """The fields that are right, and whether all were: callers keep checking what depends on the good ones."""
        if not isinstance(node, MappingNode):
            self.error(node, path, f"must be a mapping with fields {', '.join(schema)}")
            return {}, False
        seen: dict[str, Any] = {}
        present: set[str] = set()
        ok = True
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            where = f"{path}.{key}" if path else str(key)
            if key is None or key not in schema:
                extra = hint if key == "at" and hint else ""
                self.error(key_node, where, f"unknown field (accepted: {', '.join(schema)}){extra}")
                ok = False
                continue
            if key in present:
                self.error(key_node, where, "given twice")
                ok = False
                continue
            present.add(key)
            if tag_of(value_node) == "null":
                seen[key] = schema[key].default
                continue
            try:
                seen[key] = schema[key].check(value_node)
            except Invalid as exc:
                self.error(value_node, where, str(exc))
                ok = False
        for key, spec in schema.items():
            if key not in present:
                if spec.required:
                    self.error(node, f"{path}.{key}" if path else key, "required")
                    ok = False
                elif spec.default is not None:
                    seen[key] = spec.default
        return {k: v for k, v in seen.items() if v is not None}, ok

    def value(self, check: Callable[[Node], Any], node: Node, path: str) -> Any:
        """What `check` reads of the node; None if it refuses it (the refusal noted at the node and `path`)."""
        try:
            return check(node)
        except Invalid as exc:
            self.error(node, path, str(exc))
            return None

    def items(self, node: Node | None, path: str) -> list[tuple[Node, str]]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.error(node, path, "must be a list")
            return []
        return [(item, f"{path}[{i}]") for i, item in enumerate(node.value)]

    # -- sections ----------------------------------------------------------------------------------------------------

    def read(self, root: Node) -> Scenario:
        scenario = Scenario(self.source, self.base_dir)
        top = self.fields(root, "", top_fields(self.grammar))
        if top is None:
            return scenario
        scenario.name = top.get("scenario")
        scenario.description = top.get("description")
        if "settings" in top:
            settings = self.fields(top["settings"], "settings", SETTINGS) or {}
            scenario.profile = settings.get("profile")
            scenario.start = settings.get("start")
        for setup in self.grammar.setups:
            scenario.setup += setup.read(self, top)
        for node, path in self.items(top.get("steps"), "steps"):
            scenario.steps += self.step(node, path)
        fills = sum(step.args["fills"] for step in scenario.steps if step.kind == "burst")
        if fills > MAX_BURST_FILLS:
            why = f"the bursts make {fills:,} fills in all; at most {MAX_BURST_FILLS:,} (seed more with fills/batch)"
            self.error(top.get("steps"), "steps", why)
        return scenario

    def step(self, node: Node, path: str) -> list[Op]:
        hint = " (steps run in order; use a `wait: SECONDS` step between them)"
        if not isinstance(node, MappingNode) or len(node.value) != 1:
            if isinstance(node, MappingNode) and any(k.value == "at" for k, _ in node.value):
                self.error(node, f"{path}.at", f"unknown field{hint}")
                return []
            found = (
                f" (found: {', '.join(str(k.value) for k, _ in node.value)})" if isinstance(node, MappingNode) else ""
            )
            self.error(node, path, f"a step is a mapping with exactly one of: {', '.join(self.grammar.kinds)}{found}")
            return []
        [(key_node, value_node)] = node.value
        kind = key_node.value if isinstance(key_node, ScalarNode) else None
        where = f"{path}.{kind}"
        if kind == "at":
            self.error(key_node, where, f"unknown field{hint}")
            return []
        if kind not in self.grammar.kinds:
            self.error(key_node, path, f"unknown step {kind!r} (one of: {', '.join(self.grammar.kinds)})")
            return []
        origin = self.origin(node, path)
        if kind == "wait":
            seconds = self.value(positive_seconds, value_node, where)
            return [] if seconds is None else [Op("wait", {"seconds": seconds}, origin)]
        if kind == "burst":
            burst = self.burst(value_node, where)
            return [] if burst is None else [Op("burst", burst, origin)]
        if kind == "clear_faults" and tag_of(value_node) == "null":
            return [Op(kind, {}, origin, ClearFaults())]  # `- clear_faults:` takes nothing
        return self.entry(kind, value_node, where, self.grammar.specs[kind], self.grammar.commands, origin)

    def entry(
        self,
        kind: str,
        node: Node,
        path: str,
        schema: Mapping[str, Field],
        commands: Commands,
        origin: Origin | None = None,
    ) -> list[Op]:
        """The op of a mapping of `kind` (a list of one; none if anything is wrong): its fields checked each, then its
        command made if its kind is one of `commands` (which checks the whole). `origin`: where the op was written,
        if not the mapping (a step's kind holds it)."""
        args = self.fields(node, path, schema)
        if args is None:
            return []
        return self.made(kind, args, origin or self.origin(node, path), (node, path), commands)

    def made(
        self, kind: str, args: dict[str, Any], origin: Origin, at: tuple[Node, str], commands: Commands
    ) -> list[Op]:
        """The op of `kind` (a list of one), holding its command made of `args` if its kind is one of `commands`;
        none if the command refuses them (the refusal noted `at` its node and path)."""
        cls = commands.get(kind)
        if cls is None:
            return [Op(kind, args, origin)]
        try:
            return [Op(kind, args, origin, cls(**args))]
        except Refused as exc:
            self.error(*at, str(exc))
            return []

    def entries(self, node: Node | None, path: str) -> dict[str, tuple[Node, str]]:
        """A mapping written in the file (`{BTC: "10"}`, `{btc_usd: "60000"}`): each key's value node and path."""
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            self.error(node, path, "must be a mapping")
            return {}
        found: dict[str, tuple[Node, str]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not key:
                self.error(key_node, path, "keys must be names")
            elif key in found:
                self.error(key_node, f"{path}.{key}", "given twice")
            else:
                found[key] = (value_node, f"{path}.{key}")
        return found

    def burst(self, node: Node, path: str) -> dict[str, Any] | None:
        schema = {
            "ticker": Field(text, required=True),
            "users": Field(lambda n: n, required=True),
            "fills": Field(integer(1, MAX_BURST_FILLS), required=True),
            "seed": Field(integer(), default=0),
            "sides": Field(lambda n: n),
            "actions": Field(lambda n: n),
            "price": Field(lambda n: n),
            "count": Field(lambda n: n),
            "interval": Field(seconds, default=0.0),
            "is_taker": Field(boolean, default=True),
            "event_ticker": Field(text),
            "subaccount": Field(SUBACCOUNT),
        }
        burst, ok = self.partial_fields(node, path, schema)

        def word_list(name: str, check: Callable[[Node], str], default: list[str]) -> list[str]:
            nonlocal ok
            if name not in burst:
                return default
            words = []
            for item, item_path in self.items(burst[name], f"{path}.{name}"):
                word = self.value(check, item, item_path)
                ok = ok and word is not None
                words += [] if word is None else [word]
            if not words and isinstance(burst[name], SequenceNode):
                self.error(burst[name], f"{path}.{name}", "must be a non-empty list")
                ok = False
            return words

        burst["users"] = word_list("users", text, [])
        burst["sides"] = word_list("sides", SIDE, ["yes", "no"])
        burst["actions"] = word_list("actions", ACTION, ["buy", "sell"])
        price_range: dict[str, Any] | None = {}
        count_range: dict[str, Any] | None = {}
        if "price" in burst:
            price_range = self.fields(burst["price"], f"{path}.price", {"min": Field(price), "max": Field(price)})
        if "count" in burst:
            bounds = {"min": Field(integer(1, int(MAX_COUNT))), "max": Field(integer(1, int(MAX_COUNT)))}
            count_range = self.fields(burst["count"], f"{path}.count", bounds)
        if price_range is None or count_range is None or not ok:
            return None
        low, high = Decimal((price_range or {}).get("min", "0.01")), Decimal((price_range or {}).get("max", "0.99"))
        if low > high or not (_whole_cents(low) and _whole_cents(high)):
            self.error(burst.get("price"), f"{path}.price", "min and max must be whole cents with min <= max")
            ok = False
        burst["price"] = (int(low * 100), int(high * 100))
        smallest, largest = (count_range or {}).get("min", 1), (count_range or {}).get("max", 10)
        burst["count"] = (smallest, largest)
        if smallest > largest:
            self.error(burst.get("count"), f"{path}.count", "min must be <= max")
            ok = False
        return burst if ok else None


def _whole_cents(amount: Decimal) -> bool:
    exponent = amount.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -2


def _parse(text_: str, source: str) -> Node:
    try:
        root = bounded_yaml.compose(text_)
    except bounded_yaml.TooLarge as exc:
        line = f":{exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        raise ScenarioError([f"{source}{line}: refused: {exc.problem}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioError([f"{source}{line}: not valid YAML: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{source}: not valid YAML: {exc}"]) from None
    if root is None:
        raise ScenarioError([f"{source}: the document is empty"])
    return root


def _build(root: Node, source: str, base_dir: Path, grammar: ScenarioGrammar, read_key_file: KeyFileReader) -> Scenario:
    reader = Reader(source, base_dir, grammar, read_key_file)
    scenario = reader.read(root)
    if reader.errors:
        raise ScenarioError(reader.errors)
    return scenario


def load_file(path: str | Path, read_key_file: KeyFileReader = Path.read_text, *, grammar: ScenarioGrammar) -> Scenario:
    """A scenario from a YAML (or JSON) file, or a shipped scenario by name (`fed-decision`); errors name the file
    as given, or the shipped file. `grammar`: the steps and set-up sections it may hold (the registry's `GRAMMAR`).
    `read_key_file` reads each `public_key_file` (an OSError is a problem of the scenario's: the admin API confines
    them)."""
    path = library.find(path)
    try:
        content = path.read_text()
    except OSError as exc:
        names = ", ".join(library.shipped())
        raise ScenarioError(
            [f"{path}: cannot read the scenario file: {exc.strerror or exc} (shipped scenarios, by name: {names})"], 404
        ) from None
    return _build(_parse(content, str(path)), str(path), path.resolve().parent, grammar, read_key_file)


def load_document(
    document: str | Mapping[str, Any],
    base_dir: str | Path = ".",
    read_key_file: KeyFileReader = Path.read_text,
    *,
    grammar: ScenarioGrammar,
) -> Scenario:
    """A scenario from YAML or JSON text, or from an already parsed mapping (lines are then unknown)."""
    if isinstance(document, str):
        root = _parse(document, INLINE_SOURCE)
    elif isinstance(document, Mapping):
        try:
            root = yaml.representer.SafeRepresenter(sort_keys=False).represent_data(dict(document))
        except yaml.representer.RepresenterError as exc:
            message = f"{INLINE_SOURCE}: values must be strings, numbers, booleans, lists or mappings: {exc}"
            raise ScenarioError([message]) from None
    else:
        raise ScenarioError([f"{INLINE_SOURCE}: a scenario document is YAML or JSON text, or a mapping"])
    return _build(root, INLINE_SOURCE, Path(base_dir).resolve(), grammar, read_key_file)
