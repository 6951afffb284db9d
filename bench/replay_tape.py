"""What replaying a tape at its bound costs (docs/replay.md, "Bounds"): a tape of distinct Kalshi position reads
written up to `replay.reel.MAX_TAPE_BYTES`, then its load (time, peak RSS growth), a recorded request's look-up, and a
404's search for the nearest recorded request. Reported, never asserted. ~15 s.

    .venv/bin/python bench/replay_tape.py [--megabytes N]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from mockexchange.recording.records import encode_body
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import TAPE_VENUES, VENUES, proxied
from mockexchange.replay.matching import nearest
from mockexchange.replay.reel import MAX_TAPE_BYTES, load

ROW = {"ticker": "KXFED-26DEC-T4.00", "position_fp": "10.00", "market_exposure_dollars": "4.567000",
       "fees_paid_dollars": "0.173700"}  # fmt: skip
PATH = "/trade-api/v2/portfolio/positions"


def write(path: Path, size: int) -> int:
    writer = TapeWriter(path, {"kalshi": "https://demo-api.kalshi.co/trade-api/v2"}, TAPE_VENUES)
    body = encode_body(json.dumps({"market_positions": [ROW] * 3, "cursor": ""}).encode())
    count = 0
    while path.stat().st_size < size - 4096:
        count += 1
        request = {"method": "GET", "path": PATH, "query": f"limit={count}", "headers": {}, "body": None}
        response = {"status": 200, "headers": {"content-type": "application/json"}, "body": body}
        writer.write("http", "kalshi", "2026-11-24T10:00:00.000Z", request=request, response=response, elapsed_ms=1.0)
    writer.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=MAX_TAPE_BYTES // 2**20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.tape"
        count = write(path, args.megabytes * 2**20)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        reel = load(path, proxied(VENUES))
        took = time.perf_counter() - started
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        size = path.stat().st_size / 2**20
        print(f"tape {size:.1f} MiB, {count:,} records: load {took:.2f} s, peak RSS +{grown:.0f} MiB")
    live = reel.matcher.shape("GET", PATH, f"limit={count // 2}", None)
    started = time.perf_counter()
    for _ in range(10_000):
        reel.answer(live)
    print(f"a recorded request's look-up: {(time.perf_counter() - started) / 10_000 * 1e6:.1f} us")
    missed = reel.matcher.shape("GET", PATH, "limit=x", None)
    started = time.perf_counter()
    nearest(missed, reel.candidates(missed))
    print(f"a 404's nearest among {count:,} recorded requests: {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
