"""Kalshi's RFQs and quotes on the legacy wire profile (`--profile legacy`): the same rows as 3.34's, with the integer
twins kalshi_python_sync 3.2.0's `RFQ` and `Quote` models require (whole `contracts`, `yes_bid`/`no_bid` in cents, a
target cost in centi-cents), each truncated toward zero; the 3.34 profile shows none of them."""

from __future__ import annotations

from typing import Any

import pytest
from kalshi_orders import T0, M, N, fresh
from module_mocks import forget, module_mock, signed

from mockexchange.server import MockServer

modern_server = module_mock("modern_server", T0, profile="3.34")
legacy_server = module_mock("legacy_server", T0, profile="legacy")

RFQS, QUOTES = "/communications/rfqs", "/communications/quotes"
# kalshi_python_sync 3.2.0's models (models/rfq.py, models/quote.py): their required fields, and the integer ones.
RFQ_REQUIRED = ("id", "creator_id", "market_ticker", "contracts", "status", "created_ts")
QUOTE_REQUIRED = ("id", "rfq_id", "creator_id", "rfq_creator_id", "market_ticker", "contracts", "yes_bid", "no_bid",
                  "yes_bid_dollars", "no_bid_dollars", "created_ts", "updated_ts", "status")  # fmt: skip
TWINS = ("contracts", "yes_bid", "no_bid", "target_cost_centi_cents", "rfq_target_cost_centi_cents")


@pytest.fixture
def legacy(legacy_server: MockServer) -> MockServer:
    """The legacy profile's mock: alice and bob ($100 each), markets M and N (kalshi_orders.fresh)."""
    return _fresh(legacy_server)


@pytest.fixture
def modern(modern_server: MockServer) -> MockServer:
    return _fresh(modern_server)


def _fresh(server: MockServer) -> MockServer:
    fresh(server)
    forget(server)  # (the reset forgot every key)
    return server


def _made(c: Any, path: str, body: dict[str, Any]) -> str:
    r = c.post(path, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _read(c: Any, path: str, name: str) -> dict[str, Any]:
    r = c.get(path)
    assert r.status_code == 200, r.text
    return r.json()[name]


def _trade(mock: MockServer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """alice's RFQs (10.5 contracts on M; a $5.12345 target cost on N), each quoted by bob, as alice reads them
    and as bob reads his quotes (the first accepted)."""
    alice, bob = signed(mock, "alice"), signed(mock, "bob")
    by_count = _made(alice, RFQS, {"market_ticker": M, "contracts_fp": "10.50", "rest_remainder": False})
    by_cost = _made(alice, RFQS, {"market_ticker": N, "target_cost_dollars": "5.12345", "rest_remainder": False})
    bids = {"yes_bid": "0.40", "no_bid": "0.55", "rest_remainder": False}
    quotes = [_made(bob, QUOTES, {"rfq_id": rfq_id, **bids}) for rfq_id in (by_count, by_cost)]
    r = alice.put(f"{QUOTES}/{quotes[0]}/accept", json={"accepted_side": "yes"})
    assert r.status_code == 204, r.text
    rfqs = [_read(alice, f"{RFQS}/{rfq_id}", "rfq") for rfq_id in (by_count, by_cost)]
    return rfqs, [_read(bob, f"{QUOTES}/{quote_id}", "quote") for quote_id in quotes]


def test_the_legacy_profile_adds_the_integer_twins_3_2_0_requires(legacy) -> None:
    rfqs, quotes = _trade(legacy)
    for rfq in rfqs:
        assert [name for name in RFQ_REQUIRED if name not in rfq] == [], rfq
    for quote in quotes:
        assert [name for name in QUOTE_REQUIRED if name not in quote] == [], quote
    by_count, by_cost = rfqs
    assert (by_count["contracts"], by_count["contracts_fp"]) == (10, "10.50")  # truncated
    assert "target_cost_centi_cents" not in by_count
    assert (by_cost["contracts"], by_cost["target_cost_centi_cents"]) == (0, 51234)  # $5.12345: 51,234.5 truncated
    accepted, offered = quotes
    assert (accepted["yes_bid"], accepted["no_bid"], accepted["yes_bid_dollars"]) == (40, 55, "0.4000")
    assert (accepted["contracts"], accepted["accepted_side"]) == (10, "yes")
    assert offered["rfq_target_cost_centi_cents"] == 51234 and offered["contracts"] == 0  # no side accepted yet
    assert all(type(row[name]) is int for row in rfqs + quotes for name in TWINS if name in row)


def test_the_3_34_profile_shows_no_twin(modern) -> None:
    rfqs, quotes = _trade(modern)
    assert [name for row in rfqs + quotes for name in TWINS if name in row] == []
