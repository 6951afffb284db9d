"""How the random invariant sequences run (the Kalshi orders', the perps exchange's): what every sequence of a test
shares (one mock, a signed client per user on a kept-alive connection, what the run met), and the run itself. CI's
draws are repeatable and must meet each outcome the test names, or they prove little; the long profile draws ten times
the sequences from a new seed. `MOCKEXCHANGE_INVARIANT_SHRINK=0` reports a failure as drawn, without the minutes
Hypothesis may spend shrinking a long sequence (for a hunt; CI shrinks)."""

from __future__ import annotations

import http.client
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from json import dumps
from typing import Any
from urllib.parse import urlencode

import pytest
from hostile_wire import Answer
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem, public_key_pem
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

PREFIX = "/trade-api/v2"
STEPS = int(os.environ.get("MOCKEXCHANGE_INVARIANT_STEPS", "30"))
SHRINK = os.environ.get("MOCKEXCHANGE_INVARIANT_SHRINK", "1") != "0"


class Wire:
    """A signed client of one user on one kept-alive connection (http.client: half what an httpx request costs)."""

    def __init__(self, mock: MockServer, key_id: str, private_pem: str) -> None:
        self.signer = KalshiSigner.from_pem(key_id, private_pem)
        self.connection = http.client.HTTPConnection(mock.host, mock.port, timeout=10)

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None) -> Answer:
        full = f"{PREFIX}{path}"
        headers = self.signer.headers(method, full)
        body = None if json is None else dumps(json).encode()
        if body is not None:
            headers["Content-Type"] = "application/json"
        target = f"{full}?{urlencode(params)}" if params else full
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
    """What every sequence shares: one mock, a key pair per user made once (Ed25519: each request signs in
    microseconds; the sequence registers its public half, as `{prefix}-{user}`, after each reset) and a signed client
    of it, what the run met, which must include each kind of outcome, and each refusal's operation, status and code."""

    def __init__(self, mock: MockServer, users: Iterable[str], prefix: str) -> None:
        self.mock = mock
        self.keys = {}
        for user in users:
            private = generate_private_key("ed25519")
            self.keys[user] = (private_key_pem(private), public_key_pem(private.public_key()))
        self.clients = {user: Wire(mock, f"{prefix}-{user}", private) for user, (private, _) in self.keys.items()}
        self.met: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()

    def close(self) -> None:
        for client in self.clients.values():
            client.connection.close()


def world_fixture(users: Iterable[str], prefix: str, start: datetime) -> Any:
    """A module's `World` fixture, on a mock of a manual clock at `start`."""

    @pytest.fixture(scope="module", name="world")
    def world() -> Iterator[World]:
        with MockServer(clock=ManualClock(start)) as mock:
            made = World(mock, users, prefix)
            yield made
            made.close()

    return world


def run_sequences(
    machine: Callable[[], RuleBasedStateMachine], examples: int, met: Counter[str], must_meet: Iterable[str],
    seen: Callable[[], str] = str,
) -> None:  # fmt: skip
    """Run `examples` sequences of `machine` (`MOCKEXCHANGE_INVARIANT_EXAMPLES` instead, where set); on CI's
    repeatable draws, each outcome of `must_meet` must be in `met` (a miss shows `met` and what `seen` tells)."""
    examples = int(os.environ.get("MOCKEXCHANGE_INVARIANT_EXAMPLES", str(examples)))
    phases = {} if SHRINK else {"phases": [Phase.explicit, Phase.reuse, Phase.generate]}
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
