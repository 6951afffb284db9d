"""The client matrix's `orderbook-ws` column: a client's websocket client keeps a market's order book from the
`orderbook_delta` channel while the house's levels move through the control plane; the book it rebuilt must be the
ledger's when subscribed and after each move's deltas, and (where the script sees the frames) the channel's `seq`
must count its frames with no gap. kalshi-sdk's is its `session.orderbook(ticker)` (the snapshot, then a delta per
level, applied by the SDK's own `OrderbookManager`); pykalshi's is its `Feed` and its `OrderbookManager`
(pykalshi_feed.py's `book_verdict`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.checks import ClientVerdict, start_mock
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.markets import Book, ledger_book, shown
from mockexchange.contract.clients.sdk_websocket import MESSAGE_TIMEOUT_S, SdkWebsocketRun
from mockexchange.server import MockServer

TRADER = "trader"
TICKER = "KXBOOK-26-T1"
Sides = Mapping[str, list[list[str]]]  # set_book's sides: [price, count] as the wire writes them
START: Sides = {"yes": [["0.40", "10"], ["0.41", "5.5"]], "no": [["0.55", "7"], ["0.52", "1.25"]]}
# The house's levels moved once subscribed: a side given replaces that side (set_book), a side not given stays.
MOVES: tuple[Sides, ...] = (
    {"yes": [["0.40", "10"], ["0.42", "4"]]},
    {"no": [["0.55", "2"]]},
    {"yes": []},
    {"yes": [["0.35", "3.33"]], "no": [["0.60", "1"], ["0.55", "2"]]},
)


def deltas(start: Sides, moves: tuple[Sides, ...]) -> list[int]:
    """How many levels each move changes, one `orderbook_delta` each: the frames the client waits for."""
    sides = {side: {Decimal(p): Decimal(c) for p, c in levels} for side, levels in start.items()}
    changed = []
    for move in moves:
        changed.append(0)
        for side, levels in move.items():
            after = {Decimal(p): Decimal(c) for p, c in levels}
            before = sides[side]
            changed[-1] += sum(before.get(p) != after.get(p) for p in before.keys() | after.keys())
            sides[side] = after
    return changed


def orderbook_ws_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    """kalshi-sdk's `session.orderbook(ticker)`."""
    return book_verdict_of(venv, work_dir, SdkWebsocketRun, f"session.orderbook({TICKER})")


def book_verdict_of(
    venv: Path, work_dir: Path, run: Callable[..., SdkWebsocketRun], keeper: str, seq: bool = True
) -> ClientVerdict:
    """The book `keeper` (a client's, run by `run(venv, mock, key, plan, work_dir)`: its script prints a `book` event
    after each frame) against the ledger's, when subscribed and after each move; `seq`: the script sees the frames,
    whose `seq` must count without a gap."""
    counts = deltas(START, MOVES)
    frames = 1 + sum(counts)  # the snapshot, then the deltas
    with start_mock(MockServer()) as mock:
        mock.create_account(TRADER, balance_cents=1_000_000)
        key = Key.create(mock, work_dir, "book-trader", TRADER)
        mock.create_market(TICKER)
        mock.set_book(TICKER, **START)
        ledger = mock.app.ledger
        plan = {"subscriptions": [], "books": [TICKER], "sentinel": TICKER, "expect": frames}
        problems = []
        with run(venv, mock, key, plan, work_dir) as client:
            client.subscribed()
            # The SDK yields the book it holds when its reader gets to it: each move waits for the books of the last
            # move's frames, so the last of them is the book after that move, whatever the reader's pace.
            for n, move in enumerate((None, *MOVES)):
                if move is not None:
                    mock.set_book(TICKER, **move)
                books = [client.wait_for("book", MESSAGE_TIMEOUT_S) for _ in range(counts[n - 1] if n else 1)]
                held, want = _book(books[-1]), ledger_book(ledger, TICKER)
                if shown(held) != shown(want):
                    when = "the snapshot" if n == 0 else f"move {n}"
                    problems.append(f"the book after {when}: {shown(held)} (ledger: {shown(want)})")
            report = client.finish()
    if seq:
        frames_seen = report.frames_received()
        seqs = [frame.get("seq") for frame in frames_seen if frame.get("type", "").startswith("orderbook")]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"orderbook_delta seq {seqs}: not 1, 2, ... without a gap")
    if problems:
        return ClientVerdict(False, "; ".join(problems[:3]))
    counted = f" (seq 1..{frames}, no gap)" if seq else ""
    return ClientVerdict(
        True,
        f"{keeper} rebuilt the book from the snapshot and {frames - 1} deltas{counted} while the house's levels moved "
        f"{len(MOVES)} times: equal to the ledger's book when subscribed and after each move",
    )


def _book(event: dict[str, Any]) -> Book:
    sides = [[(Decimal(p), Decimal(c)) for p, c in event[side]] for side in ("yes", "no")]
    return sides[0], sides[1]
