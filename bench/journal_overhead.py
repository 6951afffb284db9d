"""What the request journal costs: the same signed positions request through the mock's ASGI app with and without
the journal middleware, in one process, rounds alternating so noise falls on both alike.

    .venv/bin/python bench/journal_overhead.py                 # 2,000 requests x 6 rounds (about a minute)
    .venv/bin/python bench/journal_overhead.py --requests 500 --rounds 4

The baseline is a Starlette app over the very same routes (same ledger, keys and handlers) without the middleware;
CPU time per request (process time) is compared. Also timed: the first read of the journal, which is when REST
entries are checked against the slice.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from starlette.applications import Starlette

from mockexchange.app import build_app
from mockexchange.testing.signing import KalshiSigner

PATH = "/trade-api/v2/portfolio/positions"


def _scope(signer: KalshiSigner) -> dict[str, Any]:
    headers = [(k.lower().encode(), v.encode()) for k, v in signer.headers("GET", PATH).items()]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": PATH, "raw_path": PATH.encode(), "query_string": b"limit=100", "root_path": "",
        "headers": [*headers, (b"host", b"bench")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _per_request_us(asgi: Any, scope: dict[str, Any], n: int) -> float:
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    start = time.process_time()
    for _ in range(n):
        await asgi(dict(scope), _receive, send)
    elapsed = time.process_time() - start
    assert set(statuses) == {200}, set(statuses)
    return elapsed / n * 1e6


async def main(requests: int, rounds: int) -> None:
    mock = build_app()
    mock.control.create_account("bench", balance_cents=10**8)
    for i in range(1000):
        mock.control.fill("bench", f"KXBENCH-E{i // 10}-M{i}", "yes", "buy", "1", "0.50")
    key = mock.control.create_key("bench")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    bare = Starlette(routes=mock.asgi.routes, exception_handlers=mock.asgi.exception_handlers)
    await _per_request_us(mock.asgi, _scope(signer), 50)  # warm both
    await _per_request_us(bare, _scope(signer), 50)
    with_journal: list[float] = []
    without: list[float] = []
    for r in range(rounds):
        pair = [(mock.asgi, with_journal), (bare, without)]
        for asgi, out in pair if r % 2 == 0 else reversed(pair):
            out.append(await _per_request_us(asgi, _scope(signer), requests))
    a, b = statistics.median(without), statistics.median(with_journal)
    print(f"without journal: median {a:,.1f} us CPU per request  rounds {[round(x) for x in without]}")
    print(f"with journal:    median {b:,.1f} us CPU per request  rounds {[round(x) for x in with_journal]}")
    print(f"overhead {b - a:+,.1f} us per request; throughput ratio with/without {a / b:.3f}")
    count = len(mock.journal.entries())
    start = time.process_time()
    mock.journal.entries(invalid=True)
    print(f"first read (and schema check) of {count:,} entries: {(time.process_time() - start) * 1e3:,.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round and app")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
