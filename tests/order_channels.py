"""What the tests of the order channels over real websockets share (test_kalshi_order_groups_websocket.py,
test_kalshi_order_update_reasons.py): two accounts whose ids are UUIDs, as Kalshi's are (the slice checks every
`user_order` frame, and its `user_id` is a `uuid`), two markets, a mock on a manual exchange clock, an order's body."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXGRP-26NOV-A"
N = "KXGRP-26NOV-B"
ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
GTC = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}


def channels_mock() -> Callable[..., Any]:
    """The fixture `mock`, a test module's as `mock = channels_mock()`: a mock at T0 on a manual clock, ALICE and BOB
    ($100 each), markets M and N."""

    @pytest.fixture(name="mock")
    def mock() -> Iterator[MockServer]:
        with MockServer(clock=ManualClock(T0)) as server:
            for user in (ALICE, BOB):
                server.create_account(user, balance_cents=10_000)
            server.create_market(M)
            server.create_market(N)
            yield server

    return mock


def order(**fields: Any) -> dict[str, Any]:
    """A CreateOrderV2Request: a good-till-canceled bid for 1 of M at 0.30, with `fields` over it."""
    return {"ticker": M, "side": "bid", "count": "1", "price": "0.30", **GTC, **fields}
