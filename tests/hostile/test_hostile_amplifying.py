"""Amplifying documents and long admin operations, over real sockets.

A scenario document is bounded in what it may expand to before anything runs: its aliases stand for at most 10,000
nodes in all (each counted as the nodes it names), it nests at most 64 levels, no alias sits inside the node it names,
and its bursts make at most 1,000,000 fills in all; each refusal is a 400 naming the line, never a 500 or a run. And an
admin operation runs off the server's loop: while an aliased burst of fills runs, the health check, a Deribit request
and the Kalshi websocket's heartbeat pings keep coming, each within a bound; the burst's fills are all made."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import httpx
import plain_http
import pytest
from hostile_sockets import RawClient
from hostile_wire import rpc
from websockets.frames import Frame, Opcode

from mockexchange.core.clock import ManualClock
from mockexchange.scenario.bounded_yaml import MAX_ALIASED_NODES
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

FILL_STEP = "&f {fill: {user_id: alice, ticker: KXA-1, side: yes, action: buy, count: '1', price: '0.50'}}"


def load(mock: MockServer, document: str, run: bool = False) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/scenario", json={"document": document, "run": run}, timeout=60)


@pytest.fixture(scope="module")
def mock():
    with MockServer(clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC))) as server:
        yield server


def test_aliases_standing_for_too_many_nodes_are_refused_before_anything_runs(mock):
    head = f"users: [{{user_id: alice, balance_cents: 100000000}}]\nsteps:\n  - {FILL_STEP}\n"
    nodes_per_step = 15  # the step's mapping, its key `fill`, the fill's mapping and its 6 pairs
    fits = MAX_ALIASED_NODES // nodes_per_step
    answer = load(mock, head + "  - *f\n" * fits)
    assert answer.status_code == 200, answer.text
    assert answer.json()["steps_total"] == fits + 1
    answer = load(mock, head + "  - *f\n" * (fits + 1))
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert error.startswith(f"<document>:{fits + 4}: refused: its aliases stand for more than 10,000 nodes")
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{last}'] * 10)}]\n" for last, name in zip("abcdefgh", "bcdefghi", strict=True)
    )  # 10^9 nodes in 400 bytes
    started = time.monotonic()
    answer = load(mock, laughs)
    assert answer.status_code == 400 and "refused: its aliases stand for more than" in answer.json()["error"]
    assert time.monotonic() - started < 2


def test_deep_recursive_and_overlong_documents_are_refused_with_400(mock):
    for document, why in (
        ("[" * 5_000, "<document>:1: refused: nested deeper than 64 levels"),
        ("steps: " + "[" * 70 + "]" * 70, "<document>:1: refused: nested deeper than 64 levels"),
        ("users: &u [{user_id: a, keys: *u}]", "<document>:1: refused: the alias *u is inside the node it names"),
        (
            "users: [{user_id: a}]\nsteps:\n"
            + "  - burst: {ticker: K-1, users: [a], fills: 600000}\n" * 2,  # each within its own bound
            "<document>:3: steps: the bursts make 1,200,000 fills in all; at most 1,000,000",
        ),
    ):
        answer = load(mock, document)
        assert answer.status_code == 400, (document[:40], answer.text)
        assert answer.json()["error"].startswith(why), answer.json()
    deep_json = '{"document": {"steps": ' + "[" * 900 + "]" * 900 + "}}"  # a JSON body, not YAML text
    answer = plain_http.post(
        f"{mock.base_url}/_admin/scenario", content=deep_json, headers={"Content-Type": "application/json"}, timeout=10
    )
    assert answer.status_code == 400 and "nested deeper than 64 levels" in answer.json()["error"]


@pytest.mark.slow
def test_a_long_burst_runs_off_the_loop_while_the_rest_keeps_answering():
    bound_s = 1.0
    settings = {"ws_ping_interval_s": 0.1, "ws_ping_timeout_s": 60.0}
    with MockServer(clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC)), **settings) as mock:
        mock.create_account("bob")
        key = mock.create_key("bob")
        ws = RawClient(mock, KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]))  # open before the reset
        one_contract = "sides: [yes], actions: [buy], count: {max: 1}"
        burst = f"&b {{burst: {{ticker: KXB-1, users: [alice], fills: 10000, {one_contract}}}}}"
        users = "users: [{user_id: alice, balance_cents: 1000000000000}]\n"
        document = f"{users}steps:\n  - {burst}\n" + "  - *b\n" * 4  # 50,000 fills, a few seconds of work
        answered: list[httpx.Response] = []
        loading = threading.Thread(target=lambda: answered.append(load(mock, document, run=True)))
        started = time.monotonic()
        loading.start()
        health, deribit, pings = [], [], [started]
        with httpx.Client(base_url=mock.base_url, timeout=30) as client:
            while loading.is_alive() and time.monotonic() - started < 60:
                asked = time.monotonic()
                assert client.get("/_admin/health").status_code == 200
                health.append(time.monotonic() - asked)
                asked = time.monotonic()
                assert rpc(mock, "public/test", {}).status == 200
                deribit.append(time.monotonic() - asked)
                try:
                    while True:
                        event = ws.next_event(0.01)
                        if isinstance(event, Frame) and event.opcode is Opcode.PING:
                            pings.append(time.monotonic())
                            ws.protocol.send_pong(event.data)  # the next ping comes once this one is answered
                            ws.flush()
                except TimeoutError:
                    pass
                time.sleep(0.05)
        loading.join()
        ws.close()
        assert answered[0].status_code == 200 and answered[0].json()["ran_steps"] == 5
        assert mock.app.ledger.state.positions.get("alice", 0, "KXB-1").position == 50_000
        # On the loop, the burst held every probe until it ended: one round at most would have come back. The bound is
        # a quarter of the burst (at least 1 s): a loaded machine stretches both, and a held probe waits all of it.
        bound_s = max(bound_s, (time.monotonic() - started) / 4)
        assert len(health) >= 3 and max(health) < bound_s, health
        assert max(deribit) < bound_s, deribit
        gaps = [b - a for a, b in zip(pings, pings[1:], strict=False)]
        assert len(pings) > 3 and max(gaps) < bound_s, gaps
