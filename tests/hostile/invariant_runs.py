"""How the random invariant sequences run (the Kalshi orders', the perps exchange's): what every sequence of a test
shares (a signed client per user on a kept-alive connection, what the run met), each sequence's mock on a state file of
its own and its restarts (the same state must come back), and the run itself. CI's
draws are repeatable and must meet each outcome the test names, or they prove little; the long profile draws ten times
the sequences from a new seed. `MOCKEXCHANGE_INVARIANT_SHRINK=0` reports a failure as drawn, without the minutes
Hypothesis may spend shrinking a long sequence (for a hunt; CI shrinks)."""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from json import dumps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hostile_wire import Answer
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test
from state_sql import sql

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem, public_key_pem
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.state import snapshot
from mockexchange.testing.signing import KalshiSigner

PREFIX = "/trade-api/v2"
STEPS = int(os.environ.get("MOCKEXCHANGE_INVARIANT_STEPS", "30"))
SHRINK = os.environ.get("MOCKEXCHANGE_INVARIANT_SHRINK", "1") != "0"


class Wire:
    """A signed client of one user on one kept-alive connection (http.client: half what an httpx request costs), to the
    mock it was last `connect`ed to."""

    def __init__(self, key_id: str, private_pem: str) -> None:
        self.signer = KalshiSigner.from_pem(key_id, private_pem)
        self.connection: http.client.HTTPConnection | None = None

    def connect(self, mock: MockServer) -> None:
        self.close()
        self.connection = http.client.HTTPConnection(mock.host, mock.port, timeout=10)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None) -> Answer:
        full = f"{PREFIX}{path}"
        headers = self.signer.headers(method, full)
        body = None if json is None else dumps(json).encode()
        if body is not None:
            headers["Content-Type"] = "application/json"
        target = f"{full}?{urlencode(params)}" if params else full
        assert self.connection is not None, "connect first"
        try:
            self.connection.request(method, target, body, headers)
            answer = self.connection.getresponse()
        except (ConnectionError, http.client.HTTPException):  # the server closed the idle connection: send it anew
            self.connection.close()
            self.connection.request(method, target, body, headers)
            answer = self.connection.getresponse()
        return Answer(answer.status, answer.headers, answer.read())

    def get(self, path: str, params: dict[str, Any]) -> Answer:
        return self.request("GET", path, params)


class World:
    """What every sequence shares: a key pair per user made once (Ed25519: each request signs in microseconds; the
    sequence registers its public half, as `{prefix}-{user}`) and a signed client of it, what the run met, which must
    include each kind of outcome, and each refusal's operation, status and code.

    Each sequence has a mock of its own (`fresh`), which keeps its state in a file of the folder `kept`, and is stopped
    and started again from it on the way (`restart_the_same`): the same state must come back."""

    def __init__(self, users: Iterable[str], prefix: str, kept: Path) -> None:
        self.prefix, self.kept, self.files = prefix, kept, 0
        self.mock: MockServer | None = None
        self.keys = {}
        for user in users:
            private = generate_private_key("ed25519")
            self.keys[user] = (private_key_pem(private), public_key_pem(private.public_key()))
        self.clients = {user: Wire(f"{prefix}-{user}", private) for user, (private, _) in self.keys.items()}
        self.met: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()

    def fresh(self, start: datetime) -> MockServer:
        """The last mock stopped, and a new one started on a manual clock at `start` and a new state file."""
        self.stop()
        self.files += 1
        return self._serve(start)

    def restart_the_same(self, commands_only: bool, reads: Callable[[], dict[str, Any]]) -> MockServer:
        """The mock stopped (it keeps a snapshot) and started again from its state file: from the snapshot, or by
        running every command again (`commands_only`, as after a kill, the snapshot taken away). It must hold the
        same state (what its snapshot keeps, `kept_state`), and `reads` must answer the same."""
        assert self.mock is not None
        before, answers = kept_state(self.mock), reads()
        self.stop()
        if commands_only:
            sql(self.kept / f"{self.files}.db", "DELETE FROM snapshots")
        mock = self._serve(datetime(2000, 1, 1, tzinfo=UTC))  # (the clock comes back where the commands left it)
        after = kept_state(mock)
        if after != before:
            raise AssertionError("the state after the restart differs:\n" + "\n".join(differences(before, after)))
        again = reads()
        assert again == answers, [(read, was, again[read]) for read, was in answers.items() if again[read] != was]
        self.met[f"a restart from {'its commands' if commands_only else 'its snapshot'}"] += 1
        return mock

    def answers(self, reads: Iterable[tuple[str, str]]) -> dict[str, tuple[int, bytes]]:
        """Each read's status and bytes, by "user path", each `(user, path)` read with the user's client."""
        answers = {}
        for user, path in reads:
            answer = self.clients[user].request("GET", path)
            answers[f"{user} {path}"] = answer.status, answer.body
        return answers

    def _serve(self, start: datetime) -> MockServer:
        mock = self.mock = MockServer(clock=ManualClock(start), state=str(self.kept / f"{self.files}.db")).start()
        for client in self.clients.values():
            client.connect(mock)
        return mock

    def stop(self) -> None:
        for client in self.clients.values():
            client.close()
        if self.mock is not None:
            self.mock.stop()


def world_fixture(users: Iterable[str], prefix: str) -> Any:
    """A module's `World` fixture, its state files in a temporary folder."""

    @pytest.fixture(scope="module", name="world")
    def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
        made = World(users, prefix, tmp_path_factory.mktemp(prefix))
        try:
            yield made
        finally:
            made.stop()

    return world


class Restarting(RuleBasedStateMachine):
    """A sequence on its world's mock, restarted from its state file at most `RESTARTS` times on the way and at its
    end, from its snapshot or its commands in turn: the same state and the same reads (`_every_read`) must come back,
    and the sequence goes on, on the mock restarted (`_serve`)."""

    RESTARTS = 1
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.restarts = 0

    @precondition(lambda self: self.restarts < self.RESTARTS)
    @rule(commands_only=st.booleans())
    def restart(self, commands_only: bool) -> None:
        self._serve(self.world.restart_the_same(commands_only, self._every_read))
        self.restarts += 1

    def teardown(self) -> None:
        self.world.restart_the_same(self.world.files % 2 == 0, self._every_read)

    def _serve(self, mock: MockServer) -> MockServer:
        raise NotImplementedError

    def _every_read(self) -> dict[str, Any]:
        raise NotImplementedError


def run_sequences(
    machine: Callable[[], RuleBasedStateMachine], examples: int, met: Counter[str], must_meet: Iterable[str],
    seen: Callable[[], str] = str,
) -> None:  # fmt: skip
    """Run `examples` sequences of `machine` (`MOCKEXCHANGE_INVARIANT_EXAMPLES` instead, where set); on CI's
    repeatable draws, each outcome of `must_meet` must be in `met` (a miss shows `met` and what `seen` tells)."""
    examples = int(os.environ.get("MOCKEXCHANGE_INVARIANT_EXAMPLES", str(examples)))
    phases = {} if SHRINK else {"phases": [Phase.explicit, Phase.reuse, Phase.generate]}
    with _no_local_constants():
        run_state_machine_as_test(
            machine,
            settings=settings(max_examples=examples * (10 if settings.get_current_profile_name() == "long" else 1),
                              stateful_step_count=STEPS, deadline=None, **phases,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
        )  # fmt: skip
    if not settings.default.derandomize:
        return  # a random run's draws need not meet each outcome; CI's repeatable ones do
    for outcome in must_meet:
        assert met[outcome], f"{outcome} never happened: {sorted(met.items())} {seen()}"


def kept_state(mock: MockServer) -> dict[str, Any]:
    """What a state file keeps of the mock (its snapshot), as plain values, venue by venue and part by part: a set as
    its sorted items (its order is its history's), an object as its fields (whichever objects share them)."""
    taken = snapshot.take(mock.app.control)  # (between steps: nothing else runs)
    assert taken is not None
    state = snapshot.read(taken)
    assert state is not None
    plain = Plain()
    kept = {name: plain(value) for name, value in state.items() if name != "venues"}
    for venue, parts in state["venues"].items():  # (each part's fields apart, for `differences` to name)
        for name, part in parts.items():
            held = part.items() if isinstance(part, dict) else [(None, part)]
            kept.update({f"{venue} {name} {field}": plain(value) for field, value in held})
    return kept


# What a restart need not bring back: a cache, and the counters a cache is checked against (each moves on with every
# change in the process that holds it, not with the state)
_CACHE = re.compile(r"(^_?version$|memo$|^fee_rule$)")


class Plain:
    """A value as plain values; an object's once however often it shows (each fill names its market)."""

    def __init__(self) -> None:
        self.made: dict[int, tuple[Any, object]] = {}  # id -> (its plain value, the object: its id is not reused)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, (set, frozenset)):
            return sorted((self(item) for item in value), key=repr)
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, (list, tuple, deque)):
            return [self(item) for item in value]
        if id(value) in self.made:
            return self.made[id(value)][0]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            named = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        else:
            slots = [name for kind in type(value).__mro__ for name in getattr(kind, "__slots__", ())]
            held = getattr(value, "__dict__", None)
            if held is None and not slots:
                return value
            named = {name: getattr(value, name, None) for name in slots} | (held or {})
        made = type(value).__name__, {name: self(part) for name, part in named.items() if not _CACHE.search(name)}
        self.made[id(value)] = made, value
        return made


def differences(before: Any, after: Any, at: str = "") -> list[str]:
    """Where two plain values differ: each path to a differing leaf (the first ten)."""
    if before == after:
        return []
    if isinstance(before, tuple) and isinstance(after, tuple) and before[0] == after[0]:
        return differences(before[1], after[1], f"{at}<{before[0]}>")
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[str] = []
        for key in [*before, *(key for key in after if key not in before)]:
            found += differences(before.get(key, "(none)"), after.get(key, "(none)"), f"{at}[{key!r}]")
        return found[:10]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        return [line for i, (a, b) in pairs for line in differences(a, b, f"{at}[{i}]")][:10]
    return [f"{at}: {before!r:.300} then {after!r:.300}"]


@contextmanager
def _no_local_constants() -> Iterator[None]:
    """Hypothesis now and then draws a constant found in the source of the modules the process has imported: which
    ones a pytest worker has imported depends on the tests it ran before, so even CI's derandomized draws differed
    between a test run alone and the same test in the whole suite. Here it draws only its own constants."""
    saved = getattr(providers, "_get_local_constants", None)
    if saved is None:  # (a Hypothesis without them)
        yield
        return
    providers._get_local_constants = providers.Constants
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()
