"""Kalshi's official generated SDK, `kalshi_python_sync` or `kalshi_python_async` (any version: 3.34.0 and the old
3.2.0 alike), run inside that client's own venv: positions, FCM positions and the portfolio reads beside them.

The plan, its ops and the outcomes are client_harness.py's (beside this script, which explains how it is found); this
script says only how the generated SDK is driven. It imports the client library, the standard library and the harness.
Reads, beside what the harness reads:
  MOCKEXCHANGE_CLIENT_PACKAGE  kalshi_python_sync | kalshi_python_async (default: whichever is installed)

`method` is a method of the SDK's `KalshiClient`: `get_positions`, `get_fcm_positions`, `get_fills`, `get_balance`,
`get_portfolio_resting_order_total_value`, ... The sync package answers values, the async one awaitables; the harness
awaits whichever it gets. The SDK has no iterator of its own, so lists are read with `page` or `pages` (following the
cursor until it is empty, as the SDK's users write it), naming the page's lists in `items` (`fills`, or
`market_positions` and `event_positions`). Models are dumped under their wire names (`by_alias`); they hold ints,
strings, bools and floats as the wire has them. Errors are the SDK's `ApiException`s (`ForbiddenException`, ...) with
the HTTP status in `status` and the answer in `body`, or pydantic's `ValidationError`, unwrapped, for an answer the
models cannot parse.

Usage: python -I official.py plan.json (with the MOCKEXCHANGE_* variables the harness reads).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness

PACKAGES = ("kalshi_python_sync", "kalshi_python_async")


def load_package():
    name = os.environ.get("MOCKEXCHANGE_CLIENT_PACKAGE")
    for candidate in (name,) if name else PACKAGES:
        try:
            return importlib.import_module(candidate)
        except ImportError:
            if name:
                raise
    raise ImportError(f"none of {', '.join(PACKAGES)} is installed")


def family() -> client_harness.Family:
    package = load_package()

    def connect(base_url: str, key_id: str, pem_path: str) -> tuple[object, None]:
        config = package.Configuration(host=base_url)
        config.api_key_id = key_id
        with open(pem_path) as handle:
            config.private_key_pem = handle.read()
        return package.KalshiClient(config), None

    return client_harness.Family(package.__name__, connect, wire_names=True)


if __name__ == "__main__":
    client_harness.run(family())
