"""What the tests of the perps websocket share: a signed session at /trade-api/ws/v2/margin whose every frame is
checked against the payload schemas of perps_asyncapi.yaml (the package's slice of it, schema/perps/), and a local
book built from a subscription's snapshot and deltas, as a client keeps one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from websockets.sync.client import connect

from mockexchange.contract.kalshi.slicing import parsed_once
from mockexchange.schema.frames import message_payloads, payload_validator
from mockexchange.schema.specs import perps_slice_path
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

WS_PATH = "/trade-api/ws/v2/margin"
SLICE = parsed_once(perps_slice_path("asyncapi.yaml"))
# frame type -> the validators of the messages of that type (`ok` is an update's or a list's)
VALIDATORS: dict[str, list[Any]] = {}
for _name, _payload in message_payloads(SLICE, "send"):
    if "$ref" not in _payload:
        continue  # (the control frames' ping and pong: not JSON messages)
    _schema = SLICE["components"]["schemas"][_payload["$ref"].rsplit("/", 1)[-1]]
    VALIDATORS.setdefault(_schema["properties"]["type"]["const"], []).append(payload_validator(SLICE, _payload))


def checked(frame: dict[str, Any]) -> dict[str, Any]:
    """The frame, if some message of its type in the spec matches it."""
    validators = VALIDATORS.get(frame.get("type"), [])
    problems = [[e.message for e in v.iter_errors(frame)] for v in validators]
    assert validators and not all(problems), f"{frame} does not match the spec: {problems}"
    return frame


def signer_of(mock: MockServer, user_id: str) -> KalshiSigner:
    key = mock.create_key(user_id)
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


class Session:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.pending: list[dict[str, Any]] = []

    def send(self, cmd: str, **params: Any) -> int:
        self.next_id += 1
        command: dict[str, Any] = {"id": self.next_id, "cmd": cmd}
        if params:
            command["params"] = params
        self.ws.send(json.dumps(command))
        return self.next_id

    def recv(self, timeout: float = 5) -> dict[str, Any]:
        if self.pending:
            return self.pending.pop(0)
        raw = self.ws.recv(timeout=timeout)
        assert raw.endswith("\n")
        return checked(json.loads(raw))

    def subscribe(self, **params: Any) -> list[int]:
        """Subscribe; the sids, in the channels' order (the first messages that come between the replies wait for
        `recv`)."""
        self.send("subscribe", **params)
        sids: list[int] = []
        firsts = []
        while len(sids) < len(params["channels"]):
            reply = self.recv()
            if reply["type"] != "subscribed":
                firsts.append(reply)
                continue
            assert reply["msg"]["channel"] == params["channels"][len(sids)], reply
            sids.append(reply["msg"]["sid"])
        self.pending += firsts
        return sids

    def settled(self) -> list[dict[str, Any]]:
        """Every frame sent before the reply to a `list_subscriptions` sent now: the connection's frames keep the
        order the exchange made them in, and what a REST call changed was handed over before its answer came."""
        asked = self.send("list_subscriptions")
        frames = []
        while (frame := self.recv()).get("id") != asked or frame["type"] != "ok":
            frames.append(frame)
        return frames


@contextmanager
def session(mock: MockServer, signer: KalshiSigner) -> Iterator[Session]:
    url = mock.kalshi_ws_url.removesuffix("/trade-api/ws/v2") + WS_PATH
    with connect(url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=5) as ws:
        yield Session(ws)


class LocalBook:
    """A client's book of one market from its snapshot and deltas (each side price -> size), checking `seq`."""

    def __init__(self) -> None:
        self.sides: dict[str, dict[Decimal, Decimal]] = {"bid": {}, "ask": {}}
        self.seq: dict[int, int] = {}

    def take(self, frame: dict[str, Any]) -> None:
        sid, seq = frame["sid"], frame["seq"]
        assert seq == self.seq.get(sid, 0) + 1, f"a gap on sid {sid}: {seq} after {self.seq.get(sid)}"
        self.seq[sid] = seq
        msg = frame["msg"]
        if frame["type"] == "orderbook_snapshot":
            self.sides = {side: {Decimal(p): Decimal(c) for p, c in msg.get(side, [])} for side in ("bid", "ask")}
            return
        levels = self.sides[msg["side"]]
        size = levels.get(Decimal(msg["price"]), Decimal(0)) + Decimal(msg["delta"])
        assert size >= 0, msg
        if size:
            levels[Decimal(msg["price"])] = size
        else:
            levels.pop(Decimal(msg["price"]), None)

    def as_rest(self) -> dict[str, list[list[str]]]:
        """As GET /margin/markets/{ticker}/orderbook shows it: bids best (highest) first, asks lowest first."""
        return {
            "bids": [[f"{p:.4f}", f"{c:.2f}"] for p, c in sorted(self.sides["bid"].items(), reverse=True)],
            "asks": [[f"{p:.4f}", f"{c:.2f}"] for p, c in sorted(self.sides["ask"].items())],
        }
