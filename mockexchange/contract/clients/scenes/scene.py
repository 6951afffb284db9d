"""A scene: one capability of the client matrix that writes as well as reads (the account and its keys, subaccounts
and transfers, the historical reads after a cutoff, the FCM desk, RFQs and quotes on two keys).

A `Scene` seeds a fresh mock (`seed`), lists the calls one client makes on it in order (`calls`: reads of what was
seeded, the client's own writes, reads of what they changed, the refusals it must raise) and holds the `checks` of
what the client parsed and of what the ledger holds after its writes. Calls name Kalshi's operations by operationId;
the client's `Dialect` gives the method, the list a page holds and the names it gives fields. A call the client cannot
make (an operation it does not have, a parameter it cannot send) is left out, and a check whose operations the client
does not have is not its to pass: what is left is the client's cell.

`plan` turns a scene into calls of the client-script plan format (client_harness.py), each naming its mock and key,
so a scene's calls can share one run of a client's script with other calls (the matrix runs a client's every read and
scene in one); `judge` runs the checks on the outcomes. A check notes what differs through its `Judge` and goes on;
a call that did not answer as the check needs ends that check with the reason (`Unmet`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mockexchange.contract.clients.checks import ClientVerdict, compact_error, compare_rows, walk
from mockexchange.contract.clients.dialects import Dialect, Field
from mockexchange.contract.clients.misreads import Misread
from mockexchange.contract.clients.portfolio import Key
from mockexchange.server import MockServer


@dataclass
class Stage:
    """Where a scene plays: its mock (started and seeded: the caller stops it), the keys its calls sign with (`trader`
    is the plan's default), and what the checks need to know of how it was seeded."""

    mock: MockServer
    keys: dict[str, Key]
    profile: str = "3.34"
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SceneCall:
    id: str
    operation: str  # Kalshi's operationId, or an endpoint of the matrix's reads (`fills`, `positions`)
    args: Mapping[str, Any] = field(default_factory=dict)
    op: str = "call"  # `call`, or `pages` (the cursor followed while the page says more follow)
    items: str | list[str] = "items"  # a page's list(s), by their wire names (the dialect may call them otherwise)
    key: str = "trader"
    body: Mapping[str, Any] | None = None  # the request body, passed as the client's dialect takes one (`Dialect.body`)
    # made only by a client without this operation: the older route of the same step (a quote by its id alone)
    instead_of: str = ""


@dataclass(frozen=True)
class Check:
    name: str
    operations: tuple[str, ...]  # what the client must have for the check to be its own ("A|B": either)
    run: Callable[[Judge], None]


def has(dialect: Dialect, operation: str) -> bool:
    """Whether the client has the operation, or one of its alternatives (`A|B`)."""
    return any(each in dialect.methods for each in operation.split("|"))


@dataclass(frozen=True)
class Scene:
    capability: str  # the matrix's column
    seed: Callable[[Path, str], Stage]  # (a folder for key files, the wire profile) -> a started, seeded mock
    calls: Callable[[Stage], list[SceneCall]]
    checks: tuple[Check, ...]

    def checks_for(self, dialect: Dialect) -> list[Check]:
        return [check for check in self.checks if all(has(dialect, op) for op in check.operations)]

    def operations(self) -> dict[str, None]:
        return dict.fromkeys(op for check in self.checks for op in check.operations)

    def lacked(self, dialect: Dialect) -> list[str]:
        """The operations of this scene the client does not have (one it misreads it has)."""
        return [op.split("|")[0] for op in self.operations() if not has(dialect, op) and op not in dialect.misreads]

    def misread(self, dialect: Dialect) -> dict[str, Misread]:
        """What the client's calls for this scene's operations cannot ask or read as the spec says (misreads.py)."""
        operations = self.operations()
        return {op: misread for op, misread in dialect.misreads.items() if op in operations}


def order_record(
    order_id: str, ticker: str, side: str, action: str, count: Decimal, price: Decimal, **state: Any
) -> SimpleNamespace:
    """An order as `Dialect.order`'s fields read it, from its terms (`price` is the price of `side`) and its `status`,
    `created`, `last_update` and `remaining_count`."""
    yes_price = price if side == "yes" else 1 - price
    terms = {"order_id": order_id, "ticker": ticker, "side": side, "action": action, "initial_count": count}
    return SimpleNamespace(**terms, yes_price=yes_price, **state)


class Unmet(Exception):
    """A call did not answer as a check needs; the message says how it answered."""


def makes(dialect: Dialect, call: SceneCall) -> bool:
    """Whether the client has the call's operation and can send its parameters."""
    lacked = dialect.lacks_params.get(call.operation, frozenset())
    instead = bool(call.instead_of) and call.instead_of in dialect.methods
    return call.operation in dialect.methods and not set(call.args) & lacked and not instead


def plan(scene: Scene, dialect: Dialect, stage: Stage, prefix: str = "") -> list[dict]:
    """The scene's calls the client can make, in the plan format, ids prefixed with `prefix`; and, for each operation
    the client misreads, its call made once as the scene's first call of that operation (`misread/<operationId>`)."""
    calls = []
    misread = scene.misread(dialect)
    for call in scene.calls(stage):
        probe = misread.pop(call.operation, None)
        if probe is not None:
            args = {probe.params.get(name, name): value for name, value in call.args.items()} | dict(probe.required)
            calls.append(_entry(stage, call, f"{prefix}misread/{call.operation}", "call", probe.method, args, prefix))
        if not makes(dialect, call):
            continue
        method = dialect.methods[call.operation]
        entry = _entry(stage, call, prefix + call.id, call.op, method, arguments(dialect, call), prefix)
        if call.op == "pages":
            entry |= walk(dialect, call.operation, entry["args"], call.items)
            if call.operation in dialect.cursors:
                entry["cursor"] = dialect.cursors[call.operation]
        calls.append(entry)
    return calls


def _entry(stage: Stage, call: SceneCall, call_id: str, op: str, method: str, args: dict, prefix: str) -> dict:
    """A call in the plan format, signed with the call's key at the stage's mock."""
    return {
        "id": call_id,
        "op": op,
        "method": method,
        "args": _prefixed(args, prefix),
        "base_url": stage.mock.kalshi_url,
        **stage.keys[call.key].plan_fields,
    }


def _prefixed(value: Any, prefix: str) -> Any:
    """The value with each earlier call it names (client_harness.py's `{"$answer": call id, ...}`) named as planned."""
    if isinstance(value, dict) and "$answer" in value:
        return {**value, "$answer": prefix + value["$answer"]}
    if isinstance(value, dict):
        return {name: _prefixed(item, prefix) for name, item in value.items()}
    if isinstance(value, list):
        return [_prefixed(item, prefix) for item in value]
    return value


def arguments(dialect: Dialect, call: SceneCall) -> dict[str, Any]:
    """The call's parameters, and its body as the client takes one: its fields as keyword arguments, or the whole under
    one argument (a model the client script builds)."""
    named = dialect.params.get(call.operation, {})
    args = {named.get(name, name): value for name, value in call.args.items()}
    if call.body is not None:
        args |= {dialect.body: dict(call.body)} if dialect.body else dict(call.body)
    return args


@dataclass
class Judge:
    """What one check sees: the client's dialect, the stage, the outcomes of the calls made (by call id, without
    the prefix); and the differences it has noted."""

    dialect: Dialect
    stage: Stage
    outcomes: Mapping[str, dict]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read, and findings about the client: the cell's reason

    @property
    def ledger(self) -> Any:
        return self.stage.mock.app.ledger

    @property
    def facts(self) -> dict[str, Any]:
        return self.stage.facts

    def made(self, call: str) -> bool:
        return call in self.outcomes

    def _outcome(self, call: str) -> dict:
        outcome = self.outcomes.get(call)
        if outcome is None:
            raise Unmet(f"{call}: not called")
        if not outcome["ok"]:
            error = outcome["error"]
            raise Unmet(
                f"{call}: the client raised {error['type']} ({error['status']}): {compact_error(error['message'])}"
            )
        return outcome

    def answer(self, call: str) -> Any:
        """The call's answer as the client parsed it (None for a call answered with no body)."""
        return self._outcome(call)["result"]

    def empty(self, call: str) -> None:
        """A write answered with nothing to tell: no body (the client's None) or `{}`."""
        answer = self.answer(call)
        if answer not in (None, {}):
            self.problems.append(f"{call}: answered {answer!r} where nothing was due")

    def listed(self, call: str, name: str | None = None) -> list[dict]:
        """The rows a `pages` call collected: its first list, or the one of that wire name."""
        outcome = self._outcome(call)
        return outcome["items"] if name is None else outcome["lists"][name]

    def walked(self, call: str, rows: int, limit: int) -> None:
        """A `pages` call took as many pages as `rows` at `limit` a page make, and no cursor came twice."""
        outcome = self._outcome(call)
        pages = max(1, -(-rows // limit))
        self.same(f"{call}: pages", outcome["pages"], pages)
        self.notes.append(f"{call}: {_n(rows, 'row')} in {_n(outcome['pages'], 'page')}")
        sent = [cursor for cursor in outcome["cursors"] if cursor]
        if len(sent) != len(set(sent)):
            self.problems.append(f"{call}: a cursor came twice")

    def refused(self, call: str, status: int, code: str | None = None) -> None:
        """The call raised the client's own exception for `status`, its text naming Kalshi's error `code`."""
        outcome = self.outcomes.get(call)
        if outcome is None or outcome["ok"]:
            raise Unmet(
                f"{call}: {'not called' if outcome is None else 'answered'} where the client must raise {status}"
            )
        error = outcome["error"]
        if not self.dialect.refused(error, status):
            due = f"{self.dialect.errors[status]} ({status})"
            self.problems.append(f"{call}: {error['type']} ({error['status']}) where {due} was due")
        if code is not None and code not in f"{error['message']} {error['body'] or ''}":
            self.problems.append(f"{call}: the error does not name {code!r}: {compact_error(error['message'])}")

    def raised(self, call: str, kind: str, finding: str) -> None:
        """The call raised `kind` inside the client (a known finding about it, noted in the cell's reason)."""
        outcome = self.outcomes.get(call)
        if outcome is None or outcome["ok"] or outcome["error"]["type"] != kind:
            found = "not called" if outcome is None else "answered" if outcome["ok"] else outcome["error"]["type"]
            self.problems.append(f"{call}: {found} where the client was known to raise {kind} ({finding})")
        else:
            self.notes.append(f"{call} raises {kind}: {finding}")

    def same(self, what: str, got: Any, want: Any) -> None:
        if got != want:
            self.problems.append(f"{what}: {got!r} (seeded or ledger: {want!r})")

    def amount(self, what: str, got: Any, want: Decimal | str) -> None:
        """A money or count value, equal as a Decimal (the wire's string and the SDK's Decimal alike)."""
        try:
            parsed: Any = Decimal(str(got))
        except (InvalidOperation, ValueError):
            parsed = got
        self.same(what, parsed, Decimal(want))

    def rows(self, what: str, got: list[dict], expected: list[Any], fields: tuple[Field, ...]) -> None:
        """The client's rows are the expected records, field by field in the client's units (checks.compare_rows)."""
        self.problems += [f"{what}: {problem}" for problem in compare_rows(got, expected, fields, self.stage.profile)]

    def get(self, row: Mapping[str, Any], wire: str) -> Any:
        """A field of a row the client parsed, by its wire name."""
        return row.get(self.dialect.name(wire))


def judge(
    scene: Scene, dialect: Dialect, stage: Stage, outcomes: Mapping[str, dict], prefix: str = ""
) -> dict[str, Judge]:
    """Each of the client's checks of the scene, run: its name -> its `Judge` (`problems` empty when it passed)."""
    mine = {call[len(prefix) :]: outcome for call, outcome in outcomes.items() if call.startswith(prefix)}
    found = {}
    for check in scene.checks_for(dialect):
        seen = found[check.name] = Judge(dialect, stage, mine)
        try:
            check.run(seen)
        except Unmet as unmet:
            seen.problems.append(str(unmet))
        except (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError) as exc:
            # an answer of another shape than the check reads fails the check, not the whole matrix
            seen.problems.append(f"the answers are not of the shape the check reads: {type(exc).__name__}: {exc}")
    for op, misread in scene.misread(dialect).items():
        seen = found[f"{op} misread"] = Judge(dialect, stage, mine)
        problem = misread.problem(mine.get(f"misread/{op}"))
        if problem is None:
            seen.notes.append(f"{op}: {misread.finding}")
        else:
            seen.problems.append(problem)
    return found


def problems(found: Mapping[str, Judge]) -> dict[str, list[str]]:
    """The checks that failed and what differs (what a test asserts empty)."""
    return {name: judged.problems for name, judged in found.items() if judged.problems}


def noted(found: Mapping[str, Judge]) -> list[str]:
    """What the checks noted (what was read, findings about the client), in order."""
    return [note for judged in found.values() for note in judged.notes]


def scene_verdict(scene: Scene, dialect: Dialect, found: Mapping[str, Judge]) -> ClientVerdict:
    """A matrix cell: every check passed and every misread showed again, or the first differences."""
    failed = [f"{name}: {problem}" for name, listed in problems(found).items() for problem in listed]
    misread = {f"{op} misread" for op in scene.misread(dialect)}
    checked = {name: judged for name, judged in found.items() if name not in misread}
    if not checked:
        return ClientVerdict(
            False, f"no check of {scene.capability} applies to the client (it has none of its operations)"
        )
    if failed:
        return ClientVerdict(False, f"{_n(len(failed), 'problem')}: " + "; ".join(failed[:3]))
    lacked = scene.lacked(dialect)
    return ClientVerdict(
        True,
        f"{_n(len(checked), 'check')} ({', '.join(checked)})"
        + "".join(f"; {note}" for note in noted(checked))
        + "; equal to what was seeded and to the ledger"
        + (f" (the client has no {', '.join(lacked)})" if lacked else "")
        + "".join(f"; {note}" for name, judged in found.items() if name in misread for note in judged.notes),
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
