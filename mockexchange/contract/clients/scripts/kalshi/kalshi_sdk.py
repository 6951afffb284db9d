"""kalshi-sdk (PyPI `kalshi-sdk`, import name `kalshi`), run inside that client's own venv: positions, FCM positions
and the portfolio reads beside them (balance, fills, settlements, deposits, withdrawals, total resting order value).

The plan, its ops and the outcomes are client_harness.py's (beside this script, which explains how it is found); this
script says only how kalshi-sdk is driven. It imports the client library, httpx (which the client is built on, for
its public `transport=` hook), the standard library and the harness.

`method` is a dotted path on `KalshiClient`: `portfolio.positions`, `portfolio.positions_all`, `fcm.positions`,
`portfolio.fills`, `portfolio.fills_all`, `portfolio.balance`, `portfolio.total_resting_order_value`, ... A list
method answers a `Page` (its list is `items`, the harness's default) or, for positions, a `PositionsResponse` (lists
`market_positions` and `event_positions`); both have the `has_next` that ends a `pages` walk. The `*_all` iterators
are the `iterate` op; they keep the market positions only. The client parses money and counts into Decimals, which
are reported as strings; its errors are `KalshiError`s with the HTTP status in `status_code`. Every request the client
sends is logged by a recording transport and reported as `requests`.

Usage: python -I kalshi_sdk.py plan.json (with the MOCKEXCHANGE_* variables the harness reads).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
from kalshi import KalshiClient

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness


class RecordingTransport(httpx.BaseTransport):
    """Notes every request the client sends (path and query), then sends it unchanged."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.log: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        entry = {"path": request.url.path, "query": dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))}
        self.log.append(entry)
        response = self.inner.handle_request(request)
        entry["status"] = response.status_code
        return response

    def close(self) -> None:
        self.inner.close()


def connect(base_url: str, key_id: str, pem_path: str) -> tuple[KalshiClient, list[dict]]:
    transport = RecordingTransport()
    client = KalshiClient(
        key_id=key_id, private_key_path=pem_path, base_url=base_url, max_retries=0, transport=transport
    )
    return client, transport.log


if __name__ == "__main__":
    client_harness.run(client_harness.Family("kalshi-sdk", connect))
