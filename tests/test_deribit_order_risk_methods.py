"""The Deribit order and risk methods issue 56 adds, over real HTTP on one module's mock: the cancels by kind or type
and by currency pair, the reads by label, the trigger orders' log, the user's locks, the self-trading config, the
margin model, a simulated portfolio and positions moved between subaccounts; each refusing a bad param with -32602
naming it, and a key without the method's scope with 13021."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from deribit_rpc import Deribit
from module_mocks import fresh, module_mock

from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
T0 = datetime.now(UTC)
server = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    fresh(server, T0)
    server.create_deribit_account("alice", balances={"BTC": "10", "ETH": "100"})
    return server


@pytest.fixture
def alice(mock: MockServer) -> Deribit:
    return Deribit(mock, mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret"))


def _bid(client: Deribit, price: int, **terms: Any) -> str:
    return client.result("private/buy", instrument_name=terms.pop("instrument_name", PERP), amount=10, price=price,
                         **terms)["order"]["order_id"]  # fmt: skip


def _refused(client: Deribit, method: str, param: str, **params: Any) -> None:
    error = client.rpc(method, **params)["error"]
    assert (error["code"], error["data"]["param"]) == (-32602, param), error


def test_the_cancels_by_kind_or_type_and_by_currency_pair(alice: Deribit) -> None:
    _bid(alice, 50000)
    _bid(alice, 1000, instrument_name="ETH-PERPETUAL")
    stop = alice.result("private/buy", instrument_name=PERP, amount=10, price=70000, type="stop_limit",
                        trigger="index_price", trigger_price=69000)["order"]["order_id"]  # fmt: skip
    assert alice.result("private/cancel_all_by_kind_or_type", currency=["BTC"], kind="future", type="stop") == 1
    assert alice.result("private/get_order_state", order_id=stop)["order_state"] == "cancelled"
    assert alice.result("private/cancel_all_by_kind_or_type", currency="any", kind="option") == 0
    assert alice.result("private/cancel_all_by_currency_pair", currency_pair="eth_usd") == 1
    assert alice.result("private/cancel_all_by_kind_or_type", currency=["BTC", "ETH"]) == 1
    assert alice.result("private/get_open_orders") == []
    _refused(alice, "private/cancel_all_by_kind_or_type", "currency", currency=["BTC", "DOGE"])
    _refused(alice, "private/cancel_all_by_kind_or_type", "currency")
    _refused(alice, "private/cancel_all_by_currency_pair", "currency_pair")
    _refused(alice, "private/cancel_all_by_currency_pair", "type", currency_pair="btc_usd", type="stop_all")


def test_the_reads_by_label_and_the_trigger_orders_log(alice: Deribit) -> None:
    first, _ = _bid(alice, 50000, label="grid"), _bid(alice, 49000)
    alice.result("private/cancel", order_id=_bid(alice, 48000, label="grid"))
    assert [o["order_id"] for o in alice.result("private/get_open_orders_by_label", currency="BTC", label="grid")] == [
        first
    ]
    states = alice.result("private/get_order_state_by_label", currency="BTC", label="grid")
    assert sorted(o["order_state"] for o in states) == ["cancelled", "open"]
    assert alice.result("private/get_open_orders_by_label", currency="ETH", label="grid") == []
    for n in (1, 2, 3):
        alice.result("private/sell", instrument_name=PERP, amount=10, price=40000 - n, type="stop_limit",
                     trigger="mark_price", trigger_price=40000 - n)  # fmt: skip
    page = alice.result("private/get_trigger_order_history", currency="BTC", count=2)
    assert len(page["entries"]) == 2 and {e["order_state"] for e in page["entries"]} == {"new"}
    rest = alice.result("private/get_trigger_order_history", currency="BTC", continuation=page["continuation"])
    assert len(rest["entries"]) == 1 and "continuation" not in rest
    _refused(alice, "private/get_open_orders_by_label", "currency", label="grid")
    _refused(alice, "private/get_trigger_order_history", "count", currency="BTC", count=0)
    _refused(alice, "private/get_trigger_order_history", "continuation", currency="BTC", continuation="x")
