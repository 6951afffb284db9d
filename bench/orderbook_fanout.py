"""The Python an `orderbook_delta` fan-out costs per frame, in one process and without sockets: a book change's road
from `Control.set_book` to the frames of `--connections` subscribed connections, against the bare write of frames of
the same size to the same connections, as ratios of CPU time. What `orderbook_latency.py` measures over real sockets
with client processes on the same cores, this measures alone, so a change to the road shows in a few seconds even on a
loaded machine.

    .venv/bin/python bench/orderbook_fanout.py                   # 1,000 connections, 5 rounds of 300 changes a kind
    .venv/bin/python bench/orderbook_fanout.py --connections 100 --rounds 9
    .venv/bin/python bench/orderbook_fanout.py --profile /tmp/fanout.prof   # then cProfile of the book rounds

The connections are the venue's own (`venues/kalshi/websocket.py`'s `Connection`, its subscriptions made by a
`subscribe` command each, added to a fan-out built as the venue's route builds it), each with a frame writer that frames
every text as the server's does (`server.websocket_protocol.text_frame`) and keeps no bytes: what is left out of the
mock's road is the socket `send` and uvicorn's transport, which the bare write pays alike. Kinds, in turn, round after
round:
- **book**: `Control.set_book` moves the house's YES bid at 0.40 (one `BookMoved`, one `orderbook_delta` per
  connection); the loop then runs the hand-over;
- **set_book alone**: the same calls with no connection subscribed (what the hand-over is measured over);
- **bare**: a frame of an `orderbook_delta`'s size written to every connection's writer from the loop (the least a
  fan-out from the loop can do).
The figure is the process's CPU time (`time.process_time`) per frame, the least of the rounds: book less set_book
alone, against bare. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import benchlib

BOOK_MARKET = "KXOBF-26-T1"
BARE_FRAME = (
    b'{"type":"bare","sid":1,"seq":1,"msg":{"market_ticker":"KXOBF-26-T1","market_id":'
    b'"27a48778-a122-5588-88af-4179c50e2bda","clock":12,"price_dollars":"0.4000","delta_fp":"1.00","side":"yes",'
    b'"ts":"2026-11-23T14:43:52.835Z","ts_ms":1795445032835},"sending_ts_ms":1795445032836}\n'
)


class Writer:
    """A frame writer (web.FrameWriter) that frames each text as the server does and keeps nothing."""

    def __init__(self, frame: Callable[[bytes], bytes]) -> None:
        self.frame = frame
        self.frames = 0

    def can_write(self) -> bool:
        return True

    def write_texts(self, texts: Sequence[bytes]) -> None:
        b"".join(map(self.frame, texts))
        self.frames += len(texts)


class Socket:
    """What `Connection` reads of its websocket: the scope, with the frame writer in its extensions."""

    def __init__(self, writer: Writer) -> None:
        from mockexchange.web.extensions import FRAME_WRITER

        self.scope = {"extensions": {FRAME_WRITER: {"writer": writer}}}


async def build(connections: int) -> tuple[Any, list[Any], list[Writer]]:
    """An app with a listed market and its book, and `connections` connections subscribed to its orderbook_delta."""
    from mockexchange.app import build_app
    from mockexchange.auth.kalshi.keys import ApiKey
    from mockexchange.server.websocket_protocol import text_frame
    from mockexchange.settings import Settings
    from mockexchange.venues.fanout import Fanout
    from mockexchange.venues.kalshi.market_frames import CHANNEL_OF, MARKET_KINDS, TickerWatch
    from mockexchange.venues.kalshi.websocket import Connection, deliver, kalshi_socket, route_key, wide_key

    app = build_app(Settings(), seed=7)
    app.control.create_market(BOOK_MARKET)
    app.control.set_book(BOOK_MARKET, yes=[["0.40", "100"]], no=[["0.40", "1000"]])  # each change moves one level
    ctx = app.kalshi
    # The venue's fan-out, as websocket.route builds it (its byte bound where the tree has one).
    tickers = TickerWatch(lambda: ctx.markets, ctx.ledger.reading)
    bytes_bound: dict[str, Any] = {}
    if hasattr(ctx, "ws_queue_bytes"):
        from mockexchange.venues.kalshi.market_frames import change_bytes

        bytes_bound = {"limit_bytes": ctx.ws_queue_bytes, "weigh": change_bytes}
    fanout: Fanout[Any] = Fanout(
        benchlib.state_of(ctx.ledger).bus, (*CHANNEL_OF, *MARKET_KINDS), deliver(ctx), ctx.ws_queue_size,
        key=route_key, wide=wide_key, derive=tickers, **bytes_bound,
    )  # fmt: skip
    subscribe = b'{"id":1,"cmd":"subscribe","params":{"channels":["orderbook_delta"],"market_ticker":"%s"}}'
    found, writers = [], []
    for i in range(connections):
        writer = Writer(text_frame)
        key = ApiKey(f"k{i}", "u", None)  # type: ignore[arg-type]  # (no signature is checked here)
        connection = Connection(ctx, key, Socket(writer), kalshi_socket(ctx, fanout, tickers))  # type: ignore[arg-type]
        command = subscribe % BOOK_MARKET.encode()
        connection._note_interest(command)
        connection.subscriptions.handle(command)
        connection._idle = True  # its sender waits on an empty outbox: a change is written at once
        found.append(connection)
        writers.append(writer)
    return app, found, writers


def write_to_all(connections: list[Any], frame: bytes) -> None:
    """The bare write: the frame to each connection through its frame writer (orderbook_latency.py's bare step, for
    one frame a turn of the loop)."""
    for connection in connections:
        writer = connection._writer
        if writer is not None and writer.can_write():
            writer.write_texts([frame])


async def measure(opts: argparse.Namespace) -> dict[str, float]:
    app, connections, writers = await build(opts.connections)
    control = app.control
    profile = cProfile.Profile() if opts.profile else None
    best: dict[str, float] = {}
    count = young = 0

    async def book(n: int) -> None:
        nonlocal count
        for _ in range(n):
            count += 1
            control.set_book(BOOK_MARKET, yes=[["0.40", str(100 + count % 1000)]])
            await asyncio.sleep(0)  # the loop runs the hand-over

    async def bare(n: int) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(n):
            loop.call_soon(write_to_all, connections, BARE_FRAME)
            await asyncio.sleep(0)

    for round_ in range(opts.rounds + 1):  # the first is a warm-up
        for kind in ("book", "alone", "bare"):
            if kind == "alone":  # no connection subscribed: the change goes nowhere
                for connection in connections:
                    sids = ",".join(str(sub.sid) for sub in connection.subscriptions)
                    connection.subscriptions.handle(
                        b'{"id":2,"cmd":"unsubscribe","params":{"sids":[%s]}}' % sids.encode()
                    )
            frames = sum(w.frames for w in writers)
            if profile is not None and kind == "book" and round_:
                profile.enable()
            collections = gc.get_stats()[0]["collections"]
            started = time.process_time()
            await (bare if kind == "bare" else book)(opts.changes)
            spent = time.process_time() - started
            if kind == "book" and round_:  # a collection in a hand-over promotes what the connections hold then
                young = young + gc.get_stats()[0]["collections"] - collections
            if profile is not None:
                profile.disable()
            if kind == "alone":
                subscribe = b'{"id":3,"cmd":"subscribe","params":{"channels":["orderbook_delta"],"market_ticker":"%s"}}'
                for connection in connections:
                    connection.subscriptions.handle(subscribe % BOOK_MARKET.encode())
            else:
                made = sum(w.frames for w in writers) - frames
                assert made == opts.changes * len(connections), (kind, round_, made)
            if round_:
                best[kind] = min(best.get(kind, spent), spent)
    if profile is not None:
        profile.dump_stats(opts.profile)
    frames = opts.changes * opts.connections
    figures = {
        "book_us_per_frame": (best["book"] - best["alone"]) / frames * 1e6,
        "bare_us_per_frame": best["bare"] / frames * 1e6,
        "set_book_us": best["alone"] / opts.changes * 1e6,
    }
    figures["book_over_bare"] = figures["book_us_per_frame"] / figures["bare_us_per_frame"]
    figures["collections_per_100"] = young / (opts.rounds * opts.changes) * 100
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connections", type=int, default=1000, help="subscribed connections (default 1000)")
    p.add_argument("--changes", type=int, default=300, help="book changes per round and kind (default 300)")
    p.add_argument("--rounds", type=int, default=5, help="rounds after a warm-up (default 5); the least is kept")
    p.add_argument("--before", type=Path, help="another tree: both measured in turn, --trials times each")
    p.add_argument("--trials", type=int, default=5, help="with --before: processes per tree (default 5)")
    p.add_argument("--profile", metavar="PATH", help="cProfile the book rounds into PATH, then print it")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.child:
        print(json.dumps(asyncio.run(measure(opts))))
        return
    if opts.before is not None:
        return compare(opts)
    figures = asyncio.run(measure(opts))
    print(
        f"{opts.connections} connections, {opts.changes} changes a round, least of {opts.rounds} rounds:\n"
        f"  orderbook_delta fan-out  {figures['book_us_per_frame']:6.2f} us CPU per frame "
        f"(set_book itself {figures['set_book_us']:.0f} us a change, left out)\n"
        f"  bare write               {figures['bare_us_per_frame']:6.2f} us CPU per frame\n"
        f"  fan-out / bare           x{figures['book_over_bare']:.2f}\n"
        f"  young collections        {figures['collections_per_100']:.1f} per 100 changes (the book rounds)"
    )
    if opts.profile:
        print(f"\ncProfile of the book rounds ({opts.profile}), top 25 by internal time:")
        pstats.Stats(opts.profile).sort_stats("tottime").print_stats(25)


def compare(opts: argparse.Namespace) -> None:
    """This tree and `--before`, a process each in turn (each trial starting with the other), medians."""
    trees = {"before": opts.before.resolve(), "after": Path(__file__).resolve().parent.parent}
    argv = ["--child", "--connections", str(opts.connections), "--changes", str(opts.changes)]
    argv += ["--rounds", str(opts.rounds)]
    found: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for trial in range(opts.trials):
        for name, tree in list(trees.items())[:: 1 if trial % 2 == 0 else -1]:
            found[name].append(benchlib.run_in_tree(__file__, tree, argv))
            print(f"trial {trial + 1} {name:6} " + " ".join(f"{k}={v:.2f}" for k, v in found[name][-1].items()))
    print(f"\nmedians of {opts.trials} trials, {opts.connections} connections:")
    print(f"{'figure':36} {'before':>8} {'after':>8} {'after/before':>13}")
    for label, key in (
        ("fan-out, us CPU per frame", "book_us_per_frame"),
        ("bare write, us CPU per frame", "bare_us_per_frame"),
        ("fan-out / bare", "book_over_bare"),
        ("set_book alone, us a change", "set_book_us"),
        ("young collections per 100 changes", "collections_per_100"),
    ):
        before, after = (benchlib.median([m[key] for m in found[name]]) for name in trees)
        ratio = f"{after / before:13.2f}" if before else f"{'-':>13}"
        print(f"{label:36} {before:8.2f} {after:8.2f} {ratio}")


if __name__ == "__main__":
    main()
