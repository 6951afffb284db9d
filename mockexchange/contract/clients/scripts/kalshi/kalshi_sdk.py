"""kalshi-sdk (PyPI `kalshi-sdk`, import name `kalshi`), run inside that client's own venv: positions, FCM positions
and the portfolio reads beside them (balance, fills, settlements, deposits, withdrawals, total resting order value),
the account (limits, API keys, subaccounts, transfers, the historical reads) and the FCM desk.

The plan, its ops and the outcomes are client_harness.py's (beside this script, which explains how it is found); this
script says only how kalshi-sdk is driven. It imports the client library, httpx (which the client is built on, for
its public `transport=` hook), the standard library and the harness.

`method` is a dotted path on `KalshiClient`: `portfolio.positions`, `portfolio.positions_all`, `fcm.positions`,
`portfolio.fills`, `portfolio.fills_all`, `portfolio.balance`, `portfolio.total_resting_order_value`,
`subaccounts.transfer`, `historical.fills`, ... `perps.` leads to the SDK's other client, `PerpsClient`, on the same key
and base URL: the SDK sends IntraExchangeInstanceTransfer from there only (`perps.transfers.transfer_instance`). A list
method answers a `Page` (its list is `items`, the harness's default) or, for positions, a `PositionsResponse` (lists
`market_positions` and `event_positions`); both have the `has_next` that ends a `pages` walk. The `*_all` iterators
are the `iterate` op; they keep the market positions only. The client parses money and counts into Decimals, which
are reported as strings; its errors are `KalshiError`s with the HTTP status in `status_code`. Every request the client
sends is logged by a recording transport and reported as `requests`.
The order writes (`orders.create_v2`, `amend_v2`, `decrease_v2`, `batch_create_v2`, `batch_cancel_v2`) take their
body only as the SDK's request model: the plan gives it as a dict under `request`, made into that model here.

Usage: python -I kalshi_sdk.py plan.json (with the MOCKEXCHANGE_* variables the harness reads).
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
from kalshi import KalshiClient

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness


class RecordingTransport(httpx.BaseTransport):
    """Notes every request the client sends (path and query) in `log`, then sends it unchanged."""

    def __init__(self, log: list[dict]) -> None:
        self.inner = httpx.HTTPTransport()
        self.log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        entry: dict[str, typing.Any] = {
            "path": request.url.path,
            "query": dict(parse_qsl(request.url.query.decode(), keep_blank_values=True)),
        }
        self.log.append(entry)
        response = self.inner.handle_request(request)
        entry["status"] = response.status_code
        return response

    def close(self) -> None:
        self.inner.close()


class Clients:
    """The SDK's `KalshiClient` (every method path but `perps.`) beside its `PerpsClient` (`perps`, made when a call
    first needs it: importing it costs a third of a second), one key and one log of requests for both."""

    def __init__(self, base_url: str, key_id: str, pem_path: str) -> None:
        self.log: list[dict] = []
        self._common = {"key_id": key_id, "private_key_path": pem_path, "base_url": base_url, "max_retries": 0}
        self.main = KalshiClient(**self._common, transport=RecordingTransport(self.log))
        self._perps = None

    @property
    def perps(self):
        if self._perps is None:
            from kalshi.perps import PerpsClient

            self._perps = PerpsClient(**self._common, transport=RecordingTransport(self.log))
        return self._perps

    def __getattr__(self, name: str):
        return getattr(self.main, name)

    def close(self) -> None:
        self.main.close()
        if self._perps is not None:
            self._perps.close()


def arguments(method, args: dict) -> dict:
    """The SDK takes an order write's body only as its request model (`request=CreateOrderV2Request(...)`): the plan's
    body (a dict under `request`) is made into the model the method names, as a user builds it."""
    if not isinstance(args.get("request"), dict):
        return args
    model = typing.get_type_hints(method)["request"]
    return {**args, "request": model(**args["request"])}


def connect(base_url: str, key_id: str, pem_path: str) -> tuple[Clients, list[dict]]:
    clients = Clients(base_url, key_id, pem_path)
    return clients, clients.log


if __name__ == "__main__":
    client_harness.run(client_harness.Family("kalshi-sdk", connect, arguments=arguments))
