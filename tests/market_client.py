"""A client of Kalshi's market data channels for the websocket tests: a connection read by a thread of its own (so the
mock never waits on the test), every frame checked against the AsyncAPI slice, and the book a client builds from
`orderbook_snapshot` and `orderbook_delta` as the wire shows it, with the gaps in each subscription's `seq`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import Any

from market_standin import StandInMarkets
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from ws_raw_client import checked_frame

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

WS_PATH = "/trade-api/ws/v2"
Frame = dict[str, Any]
Levels = dict[Decimal, Decimal]  # shown price -> contracts


def signer_for(mock: MockServer, user: str, **binding: Any) -> KalshiSigner:
    key = mock.create_key(user, key_type="ed25519", **binding)
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


@contextmanager
def market_mock(profile: str = "3.34", **settings: Any) -> Iterator[tuple[MockServer, StandInMarkets]]:
    """A mock whose Kalshi websocket serves the stand-in's markets; accounts alice and bob."""
    with MockServer(profile=profile, **settings) as mock:
        for user in ("alice", "bob"):
            mock.create_account(user, balance_cents=10_000_000)
        yield mock, StandInMarkets(mock.app.ledger).attach(mock)


class Reader:
    """One connection, read as fast as frames come by a thread of its own; `frames` holds them in order."""

    def __init__(self, mock: MockServer, signer: KalshiSigner) -> None:
        self.profile = mock.app.settings.profile
        self._stack = ExitStack()
        headers = signer.headers("GET", WS_PATH)
        self.ws = self._stack.enter_context(connect(mock.kalshi_ws_url, additional_headers=headers, open_timeout=10))
        self.frames: list[Frame] = []
        self.closed: ConnectionClosed | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                assert isinstance(raw, str) and raw.endswith("\n")
                frame = checked_frame(raw, self.profile)
                with self._changed:
                    self.frames.append(frame)
                    self._changed.notify_all()
        except ConnectionClosed as closed:
            self.closed = closed
        with self._changed:
            self._changed.notify_all()

    def send(self, command: dict[str, Any]) -> None:
        self.ws.send(json.dumps(command))

    def wait(self, done: Callable[[list[Frame]], bool], timeout: float = 20) -> list[Frame]:
        """Every frame so far, once `done(frames)` holds (AssertionError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.frames):
                left = deadline - time.monotonic()
                if left <= 0 or (self.closed is not None and not self._thread.is_alive()):
                    raise AssertionError(f"not done within {timeout} s; {len(self.frames)} frames: {self.frames[-5:]}")
                self._changed.wait(left)
            return list(self.frames)

    def next(self, count: int = 1, timeout: float = 10) -> list[Frame]:
        """The next `count` frames after those taken so far."""
        start = getattr(self, "_taken", 0)
        frames = self.wait(lambda f: len(f) >= start + count, timeout)[start : start + count]
        self._taken = start + count
        return frames

    def ask(self, command: dict[str, Any], count: int = 1) -> list[Frame]:
        self.send(command)
        return self.next(count)

    def quiet(self, seconds: float = 0.3) -> None:
        time.sleep(seconds)
        extra = self.frames[getattr(self, "_taken", 0) :]
        assert not extra, f"unexpected frames {extra}"

    def close(self) -> None:
        self._stack.close()
        self._thread.join(10)


@contextmanager
def reading(mock: MockServer, signer: KalshiSigner) -> Iterator[Reader]:
    reader = Reader(mock, signer)
    try:
        yield reader
    finally:
        reader.close()


def subscribe(channels: list[str], command_id: int = 1, **params: Any) -> dict[str, Any]:
    return {"id": command_id, "cmd": "subscribe", "params": {"channels": channels, **params}}


def update(command_id: int, **params: Any) -> dict[str, Any]:
    return {"id": command_id, "cmd": "update_subscription", "params": params}


def bare(frame: Frame) -> Frame:
    """A frame without its `sending_ts_ms` (the wall clock's)."""
    return {k: v for k, v in frame.items() if k != "sending_ts_ms"}


class ClientBook:
    """What a client of `orderbook_delta` holds: per market the YES and NO levels as shown, replaced by a snapshot
    and moved by each delta; per subscription the gaps in `seq`, per market the book clocks seen."""

    def __init__(self) -> None:
        self.books: dict[str, dict[str, Levels]] = {}
        self.clocks: dict[str, int] = {}
        self.last_seq: dict[int, int] = {}
        self.gaps: list[tuple[int, int, int]] = []  # (sid, expected seq, received seq)

    def apply_all(self, frames: list[Frame]) -> ClientBook:
        for frame in frames:
            self.apply(frame)
        return self

    def apply(self, frame: Frame) -> None:
        if "seq" in frame and "sid" in frame:
            expected = self.last_seq.get(frame["sid"], 0) + 1
            if frame["seq"] != expected:
                self.gaps.append((frame["sid"], expected, frame["seq"]))
            self.last_seq[frame["sid"]] = frame["seq"]
        msg = frame.get("msg")
        if frame["type"] == "orderbook_snapshot":
            ticker = msg["market_ticker"]
            self.books[ticker] = {
                side: {Decimal(p): Decimal(c) for p, c in msg[f"{side}_dollars_fp"]} for side in ("yes", "no")
            }
            self.clocks[ticker] = msg["clock"]
        elif frame["type"] == "orderbook_delta":
            ticker = msg["market_ticker"]
            assert msg["clock"] > self.clocks[ticker] or msg["clock"] == self.clocks[ticker], (msg, self.clocks)
            self.clocks[ticker] = msg["clock"]
            levels = self.books[ticker][msg["side"]]
            size = levels.get(Decimal(msg["price_dollars"]), Decimal(0)) + Decimal(msg["delta_fp"])
            assert size >= 0, (msg, levels)
            if size:
                levels[Decimal(msg["price_dollars"])] = size
            else:
                del levels[Decimal(msg["price_dollars"])]


def feed_book(feed: StandInMarkets, ticker: str, yes_price: bool = False) -> dict[str, Levels]:
    """The feed's book of a market as a client of orderbook_delta shows it."""
    bids, asks = feed.book_levels(ticker)
    dollars = Decimal("0.0001")
    return {
        "yes": {p * dollars: s * Decimal("0.01") for p, s in bids},
        "no": {(p if yes_price else 10_000 - p) * dollars: s * Decimal("0.01") for p, s in asks},
    }
