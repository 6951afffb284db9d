"""A venue is a unit through the proxy too: the toy venue (test_venue_registration.py's), given a `proxied` part here
alone, is forwarded to by the proxy beside Kalshi, judged and journaled by its own judge with the key its own header
names, recorded on a tape, answered from that tape by a replay (leaving out of a match the fields its registration
names), and refused in its own shape where the proxy or the replay answers itself."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx
import pytest
from held_port import held_port
from test_venue_registration import TOY

from mockexchange import MockServer
from mockexchange.control.registration import Proxied
from mockexchange.proxy.runner import ProxyServer
from mockexchange.recording.reader import read_tape
from mockexchange.recording.records import TapeError, encode_body
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import VENUES, proxied
from mockexchange.venues.proxied import Exchange, ProxyVerdict

TOY_KEY = b"toy-key"


def judge(exchange: Exchange) -> ProxyVerdict:
    """The toy's schema: a bell's answer holds its rings as a whole number."""
    verdict = ProxyVerdict("read_bell" if exchange.path.startswith("/toy/bells/") else None)
    rings = exchange.answered.get("rings") if isinstance(exchange.answered, dict) else None
    if exchange.status == 200 and verdict.operation is not None and not isinstance(rings, int):
        verdict.add("reply.schema", [f"rings: {rings!r} is no whole number"])
    return verdict


def refuse(status: int, why: str, request_id: Any, now_us: int, testnet: bool) -> tuple[int, dict[str, Any]]:
    return status, {"toy_error": status, "why": why}


PROXIED = Proxied(
    serves=lambda path: path.startswith("/toy/"),
    key_id=lambda headers, exchange: dict(headers).get(TOY_KEY, b"").decode() or None,
    judge=judge,
    frames=lambda: lambda direction, value, text: ProxyVerdict(None, [], ["the toy has no websocket"]),
    refuse=refuse,
    refuse_frame=lambda request_id, why, now_us, testnet: {"toy_error": 404, "why": why},
    ignored=frozenset({"toy_nonce"}),  # made afresh by its clients each run
)
VENUES_AND_TOY = (*VENUES, dataclasses.replace(TOY, proxied=PROXIED))


def test_the_proxy_forwards_records_and_judges_a_venue_registered_in_a_test(tmp_path: Path) -> None:
    tape = tmp_path / "toy.tape"
    with MockServer(venues=VENUES_AND_TOY) as mock:
        mock.ring_bell("alice", 2)
        kalshi, toy = f"{mock.base_url}/trade-api/v2", {"toy": mock.base_url}
        with ProxyServer(kalshi, upstreams=toy, record=str(tape), venues=VENUES_AND_TOY) as proxy:
            rang = httpx.get(f"{proxy.base_url}/toy/bells/alice", headers={"toy-key": "k-alice"}, timeout=10)
            status = httpx.get(f"{proxy.base_url}/trade-api/v2/exchange/status", timeout=10)
            entries = proxy.requests()
    assert rang.status_code == 200 and rang.json() == {"user_id": "alice", "rings": 2}
    assert status.status_code == 200  # a path the toy does not serve goes on to Kalshi's upstream
    assert [(e["venue"], e["operation"], e.get("key_id"), e["problems"]) for e in entries] == [
        ("toy", "read_bell", "k-alice", []),
        ("kalshi", "GetExchangeStatus", None, []),
    ]
    recorded = read_tape(tape, tuple(proxied(VENUES_AND_TOY)))
    assert recorded.upstreams == {"kalshi": kalshi, "toy": mock.base_url}
    assert [(r.venue, r.request["path"], r.response["body"]) for r in recorded.records][:1] == [
        ("toy", "/toy/bells/alice", {"json": {"user_id": "alice", "rings": 2}})
    ]
    # a replay of the tape answers the toy's request as recorded (its own mock has rung no bell), and one not on the
    # tape with the toy's error
    with MockServer(venues=VENUES_AND_TOY, replay=str(tape)) as replay:
        again = httpx.get(f"{replay.base_url}/toy/bells/alice", timeout=10)
        missing = httpx.get(f"{replay.base_url}/toy/bells/bob", timeout=10)
    assert again.status_code == 200 and again.json() == {"user_id": "alice", "rings": 2}
    assert missing.status_code == 404 and missing.json()["toy_error"] == 404
    assert "/toy/bells/bob is not on the tape" in missing.json()["why"]


def test_a_replay_leaves_out_of_a_match_the_fields_its_registration_names(tmp_path: Path) -> None:
    tape = tmp_path / "toy.tape"
    writer = TapeWriter(tape, {"toy": "http://toy.test"}, tuple(proxied(VENUES_AND_TOY)))
    sent = {"ring": {"times": 1, "toy_nonce": "a"}}
    request = {"method": "POST", "path": "/toy/bells/alice", "query": "toy_nonce=1", "headers": {},
               "body": {"json": sent}}  # fmt: skip
    response = {"status": 200, "headers": {}, "body": encode_body(b'{"rings": 7}')}
    writer.write("http", "toy", "2026-11-24T10:00:00.000Z", request=request, response=response, elapsed_ms=1.0)
    writer.close()
    live = {"ring": {"times": 1, "toy_nonce": "b"}}
    with MockServer(venues=VENUES_AND_TOY, replay=str(tape)) as replay:
        again = httpx.post(f"{replay.base_url}/toy/bells/alice?toy_nonce=2", json=live, timeout=10)
        other = httpx.post(f"{replay.base_url}/toy/bells/alice", json={"ring": {"times": 2}}, timeout=10)
    assert again.status_code == 200 and again.json() == {"rings": 7}
    assert other.status_code == 404 and "body.ring.times: 2, recorded 1" in other.json()["why"]
    # without its registration naming it, the field is matched as any other
    plain = (*VENUES, dataclasses.replace(TOY, proxied=dataclasses.replace(PROXIED, ignored=frozenset())))
    with MockServer(venues=plain, replay=str(tape)) as replay:
        missed = httpx.post(f"{replay.base_url}/toy/bells/alice?toy_nonce=2", json=live, timeout=10)
    assert missed.status_code == 404 and "query toy_nonce: 2, recorded 1" in missed.json()["why"]


def test_an_upstream_of_the_venue_that_cannot_be_reached_is_refused_in_its_shape() -> None:
    with (
        held_port() as port,
        ProxyServer(upstreams={"toy": f"http://127.0.0.1:{port}"}, venues=VENUES_AND_TOY, timeout_s=5) as proxy,
    ):
        answer = httpx.get(f"{proxy.base_url}/toy/bells/alice", timeout=10)
        (entry,) = proxy.requests()
    assert answer.status_code == 502
    assert answer.json()["toy_error"] == 502 and "cannot reach" in answer.json()["why"]
    assert (entry["venue"], entry["status"]) == ("toy", 502)


def test_a_tape_of_a_venue_not_registered_is_refused(tmp_path: Path) -> None:
    tape = tmp_path / "toy.tape"
    with (
        MockServer(venues=VENUES_AND_TOY) as mock,
        ProxyServer(upstreams={"toy": mock.base_url}, record=str(tape), venues=VENUES_AND_TOY) as proxy,
    ):
        httpx.get(f"{proxy.base_url}/toy/bells/alice", timeout=10)
    with pytest.raises(TapeError, match="upstreams names 'toy'"):
        read_tape(tape, tuple(proxied(VENUES)))
