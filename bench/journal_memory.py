"""What the request journal holds under a flood of long requests: a mock server's RSS before and after N requests
with long query strings, after a read of the journal, and after clearing it; the journal bounded (today's defaults)
against the journal as it was before it was bounded (every text kept whole, no bound in bytes).

    .venv/bin/python bench/journal_memory.py                      # 5,000 requests with 60 KB queries, both journals
    .venv/bin/python bench/journal_memory.py --requests 1000 --variants bounded
    .venv/bin/python bench/journal_memory.py --query-bytes 2000 --journal-max-bytes 1048576

Processes, all started from this one file: for each variant a **mock server** (`MockServer` on 127.0.0.1, port 0, in
a child process that answers `stats` on its stdin with its RSS from /proc and its journal's entries and counted
bytes), and this process as the **client**: one keep-alive connection sending `GET /trade-api/v2/portfolio/positions?
n=<i>&pad=<x...>` unsigned (401, as the issue's reproduction; a signed request is journaled the same way). The
`unbounded` variant emulates the journal before it was bounded: `TEXT_CHARS` and `PROBLEMS_KEPT` patched to a
billion in the server process and `journal_max_bytes=None` (nothing else differs). Also printed, in this process:
CPython's bytes per entry (tracemalloc) against what the journal counts for it (`JournalEntry.measure`), for
ordinary and long entries. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

import benchlib

PATH = "/trade-api/v2/portfolio/positions"
VARIANTS = ("bounded", "unbounded")


# -- the server process -----------------------------------------------------------------------------------------------


def serve(variant: str, max_bytes: int | None) -> None:
    from mockexchange.journal import entries
    from mockexchange.server import MockServer

    settings: dict[str, Any] = {} if max_bytes is None else {"journal_max_bytes": max_bytes}
    if variant == "unbounded":
        entries.TEXT_CHARS = entries.PROBLEMS_KEPT = 10**9
        settings["journal_max_bytes"] = None
    with MockServer(**settings) as mock:
        print(json.dumps({"port": mock.port}), flush=True)
        for line in sys.stdin:
            if line.strip() != "stats":
                break
            held = mock.app.journal
            stats = {"rss_mib": benchlib.rss_mb()[0], "entries": len(held.entries()), "held_bytes": held.held_bytes}
            print(json.dumps(stats), flush=True)


# -- the client -------------------------------------------------------------------------------------------------------


class Server:
    def __init__(self, variant: str, max_bytes: int | None) -> None:
        command = [sys.executable, __file__, "--serve", variant]
        if max_bytes is not None:
            command += ["--journal-max-bytes", str(max_bytes)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = self._line()["port"]

    def _line(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the mock server process ended")
        return json.loads(line)

    def stats(self) -> dict[str, Any]:
        # `entries()` checks what was not yet checked: a read, as GET /_admin/requests makes one.
        assert self.process.stdin is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return self._line()

    def request(self, connection: http.client.HTTPConnection, method: str, target: str) -> int:
        connection.request(method, target)
        response = connection.getresponse()
        response.read()
        return response.status

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def flood(server: Server, requests: int, query_bytes: int, deadline_s: float) -> tuple[int, float]:
    """`requests` unsigned requests, each with a query of about `query_bytes`; (sent, seconds)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    pad = "x" * query_bytes
    started = time.perf_counter()
    sent = 0
    try:
        for n in range(requests):
            if time.perf_counter() - started > deadline_s:
                break
            status = server.request(connection, "GET", f"{PATH}?n={n}&pad={pad}")
            if status != 401:
                raise RuntimeError(f"request {n}: {status}, expected 401")
            sent += 1
    finally:
        connection.close()
    return sent, time.perf_counter() - started


def clear(server: Server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        status = server.request(connection, "POST", "/_admin/requests/clear")
        if status != 200:
            raise RuntimeError(f"clearing the journal: {status}")
    finally:
        connection.close()


def measure(variant: str, args: argparse.Namespace) -> dict[str, Any]:
    server = Server(variant, args.journal_max_bytes)
    try:
        # Warm up: the first requests and the first read load the schema slices, routes and the journal's code.
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for n in range(20):
            server.request(connection, "GET", f"{PATH}?n={n}")
        connection.close()
        server.stats()
        clear(server)
        before = server.stats()
        sent, seconds = flood(server, args.requests, args.query_bytes, args.max_seconds)
        after = server.stats()  # also the read: every entry checked
        clear(server)
        cleared = server.stats()
    finally:
        server.stop()
    return {"variant": variant, "sent": sent, "seconds": seconds, "before": before, "after": after, "cleared": cleared}


def report(result: dict[str, Any], query_bytes: int) -> None:
    before, after, cleared = result["before"], result["after"], result["cleared"]
    print(
        f"{result['variant']:>9}: {result['sent']:,} requests with {query_bytes:,}-byte queries in "
        f"{result['seconds']:.1f} s; RSS {before['rss_mib']:.0f} MiB -> {after['rss_mib']:.0f} MiB after them and "
        f"a read ({after['rss_mib'] - before['rss_mib']:+.0f}) -> {cleared['rss_mib']:.0f} MiB after clearing "
        f"({cleared['rss_mib'] - before['rss_mib']:+.0f}); journal {after['entries']:,} entries, "
        f"{after['held_bytes'] / 2**20:.1f} MiB counted"
    )


# -- what an entry costs, in this process -----------------------------------------------------------------------------


def entry_bytes(label: str, query: Callable[[int], str], n: int = 5000, status: int = 200) -> None:
    from mockexchange.core.clock import SystemClock
    from mockexchange.journal.entries import HttpExchange
    from mockexchange.journal.journal import Journal

    journal = Journal(SystemClock(), n, max_bytes=None)
    key = str(uuid.uuid4())
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        # Each entry's own strings, as the middleware makes them per request.
        path = "/trade-api/v2/portfolio/" + "positions"
        journal.record_http(HttpExchange("rest", "GET", path, query(i), key[:-6] + f"{i:06d}", status))
    journal.entries()  # checked: problems held too
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    print(f"  {label}: CPython {traced / n:,.0f} bytes per entry, the journal counts {journal.held_bytes / n:,.0f}")


def calibrate() -> None:
    print("bytes per entry (tracemalloc, 5,000 entries each, after a read):")
    entry_bytes("ordinary (limit, settlement_status)", lambda i: f"limit={i % 100 + 1}&settlement_status=all")
    entry_bytes("refused with 401 (auth.signature)", lambda i: f"limit={i % 100 + 1}", status=401)
    entry_bytes("30 unknown parameters (20 problems kept)", lambda i: "&".join(f"p{k}x{i}=1" for k in range(30)))
    entry_bytes("a 60 KB query (2,000 characters kept)", lambda i: f"n={i}&pad=" + "x" * 60_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000, help="requests per variant (default: %(default)s)")
    parser.add_argument("--query-bytes", type=int, default=60_000, help="length of each query (default: %(default)s)")
    parser.add_argument(
        "--journal-max-bytes", type=int, default=None, help="the bounded variant's budget (default: the setting's)"
    )
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop a flood after this long")
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.journal_max_bytes)
        return
    calibrate()
    for variant in args.variants:
        report(measure(variant, args), args.query_bytes)


if __name__ == "__main__":
    main()
