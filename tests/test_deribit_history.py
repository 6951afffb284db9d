"""A Deribit user's history over real HTTP: private/get_user_trades_by_* (and _and_time) with Deribit's paging,
private/get_deposits, get_withdrawals and get_transfers from what the admin API moved, and their refusals of bad
input (JSON-RPC errors, never a 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import plain_http
import pytest
from deribit_rpc import Deribit

from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer
from mockexchange.venues.deribit.render import SUMMARY, rounded

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPTION = "BTC-24APR26-60000-C"
FUTURE = "BTC-13MAR26"


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(START)) as server:
        yield server


@pytest.fixture
def alice(mock: MockServer) -> Deribit:
    mock.create_deribit_account("alice", balances={"BTC": "10", "ETH": "50", "USDC": "100000"})
    mock.create_deribit_subaccount("alice", subaccount_id=4242, username="alice_sub")
    return Deribit(mock, mock.create_deribit_key("alice"))


def fills(mock: MockServer) -> list[dict[str, Any]]:
    """Five trades of alice's main account a minute apart (perpetual, future, option, ETH), one of her subaccount
    and one of another user."""
    mock.create_deribit_account("bob", balances={"BTC": "10"})
    made = []
    for name, direction, amount, price in [
        ("BTC-PERPETUAL", "buy", "1000", "60000"),
        (FUTURE, "sell", "2000", "61000.5"),
        (OPTION, "buy", "0.5", "0.0425"),
        ("BTC-PERPETUAL", "sell", "300", "60500"),
        ("ETH-PERPETUAL", "buy", "100", "3000"),
    ]:
        made.append(mock.deribit_fill("alice", name, direction, amount, price, fee="0.00001"))
        mock.advance_clock(seconds=60)
    mock.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10", "60000", subaccount_id=4242)
    mock.deribit_fill("bob", "BTC-PERPETUAL", "sell", "10", "60000")
    return made


# -- trades -----------------------------------------------------------------------------------------------------------


def test_trades_by_currency_carry_every_field_newest_first(mock: MockServer, alice: Deribit) -> None:
    made = fills(mock)
    result = alice.decimal("private/get_user_trades_by_currency", currency="BTC")
    assert result["has_more"] is False
    ids = [t["trade_id"] for t in result["trades"]]
    assert ids == [made[3]["trade_id"], made[2]["trade_id"], made[1]["trade_id"], made[0]["trade_id"]]
    future = next(t for t in result["trades"] if t["instrument_name"] == FUTURE)
    kept = next(t for t in mock.exchange.state.trades if t.trade_id == made[1]["trade_id"])
    assert future == {
        "trade_id": kept.trade_id, "trade_seq": kept.trade_seq, "instrument_name": FUTURE,
        "timestamp": unix_ms(START + timedelta(minutes=1)), "order_id": kept.order_id, "order_type": "limit",
        "direction": "sell", "price": Decimal("61000.5"), "amount": 2000, "contracts": 200,
        "fee": Decimal("0.00001"), "fee_currency": "BTC", "liquidity": "T", "state": "filled", "tick_direction": 0,
        "profit_loss": 0, "matching_id": None, "post_only": False, "reduce_only": False, "self_trade": False,
        "mmp": False, "api": True, "risk_reducing": False, "index_price": 60000, "mark_price": 60000,
    }  # fmt: skip
    option = next(t for t in result["trades"] if t["instrument_name"] == OPTION)
    assert option["iv"] == 50 and option["underlying_price"] == 60000 and option["contracts"] == Decimal("0.5")
    # the perpetual's sell realized a profit: the wire carries the book's Decimal
    sell = next(t for t in mock.exchange.state.trades if t.trade_id == made[3]["trade_id"])
    assert result["trades"][0]["profit_loss"] == rounded(sell.profit_loss, SUMMARY) != 0
    eth = alice.result("private/get_user_trades_by_currency", currency="ETH")
    assert [t["trade_id"] for t in eth["trades"]] == [made[4]["trade_id"]]


def test_trades_page_by_count_and_ids(mock: MockServer, alice: Deribit) -> None:
    made = fills(mock)
    btc = [m["trade_id"] for m in made[:4]]
    page = alice.result("private/get_user_trades_by_currency", currency="BTC", count=2)
    assert [t["trade_id"] for t in page["trades"]] == [btc[3], btc[2]] and page["has_more"] is True
    older = alice.result("private/get_user_trades_by_currency", currency="BTC", count=2, end_id=int(btc[2]) - 1)
    assert [t["trade_id"] for t in older["trades"]] == [btc[1], btc[0]] and older["has_more"] is False
    onwards = alice.result("private/get_user_trades_by_currency", currency="BTC", start_id=f"BTC-{btc[1]}", count=2)
    assert [t["trade_id"] for t in onwards["trades"]] == [btc[1], btc[2]] and onwards["has_more"] is True
    desc = alice.result("private/get_user_trades_by_currency", currency="BTC", start_id=btc[1], sorting="desc")
    assert [t["trade_id"] for t in desc["trades"]] == [btc[3], btc[2], btc[1]]
    asc = alice.result("private/get_user_trades_by_currency", currency="BTC", sorting="asc")
    assert [t["trade_id"] for t in asc["trades"]] == btc
    options = alice.result("private/get_user_trades_by_currency", currency="BTC", kind="option")
    assert [t["trade_id"] for t in options["trades"]] == [btc[2]]
    assert alice.result("private/get_user_trades_by_currency", currency="BTC", kind="combo")["trades"] == []
    # the subaccount's own trade, read by the main key naming it
    sub = alice.result("private/get_user_trades_by_currency", currency="BTC", subaccount_id=4242)
    assert len(sub["trades"]) == 1 and sub["trades"][0]["amount"] == 10


def test_trades_by_instrument_and_by_time(mock: MockServer, alice: Deribit) -> None:
    made = fills(mock)
    perp = alice.result("private/get_user_trades_by_instrument", instrument_name="BTC-PERPETUAL")
    assert [t["trade_id"] for t in perp["trades"]] == [made[3]["trade_id"], made[0]["trade_id"]]
    seqs = [t["trade_seq"] for t in perp["trades"]]
    first = alice.result(
        "private/get_user_trades_by_instrument", instrument_name="BTC-PERPETUAL", start_seq=seqs[1], end_seq=seqs[1]
    )
    assert [t["trade_id"] for t in first["trades"]] == [made[0]["trade_id"]]
    minute = unix_ms(START + timedelta(minutes=1))
    since = alice.result("private/get_user_trades_by_currency_and_time", currency="BTC", start_timestamp=minute)
    assert [t["trade_id"] for t in since["trades"]] == [m["trade_id"] for m in made[1:4]]  # from the start onwards
    window = alice.result(
        "private/get_user_trades_by_currency_and_time", currency="BTC", start_timestamp=minute,
        end_timestamp=minute + 60_000, sorting="desc",
    )  # fmt: skip
    assert [t["trade_id"] for t in window["trades"]] == [made[2]["trade_id"], made[1]["trade_id"]]
    until = alice.result(
        "private/get_user_trades_by_instrument_and_time", instrument_name="BTC-PERPETUAL", end_timestamp=minute, count=1
    )
    assert [t["trade_id"] for t in until["trades"]] == [made[0]["trade_id"]] and until["has_more"] is False
    # over a GET with a query string, as ccxt sends it (include_old is ignored)
    r = alice.query("private/get_user_trades_by_instrument", "instrument_name=BTC-PERPETUAL&count=1&include_old=true")
    assert r.status_code == 200 and r.json()["result"]["has_more"] is True


@pytest.mark.parametrize(
    ("method", "params", "param"),
    [
        ("private/get_user_trades_by_currency", {"currency": "BTC", "count": 0}, "count"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "count": 1001}, "count"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "count": "5"}, "count"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "count": True}, "count"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "count": 2**70}, "count"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "sorting": "up"}, "sorting"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "kind": "swap"}, "kind"),
        ("private/get_user_trades_by_currency", {"currency": "XYZ"}, "currency"),
        ("private/get_user_trades_by_currency", {}, "currency"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "start_id": "ETH-x"}, "start_id"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "end_id": 1.5}, "end_id"),
        ("private/get_user_trades_by_currency", {"currency": "BTC", "historical": "yes"}, "historical"),
        ("private/get_user_trades_by_currency_and_time", {"currency": "BTC"}, "end_timestamp"),
        ("private/get_user_trades_by_instrument", {"instrument_name": "BTC-NOPE"}, "instrument_name"),
        ("private/get_user_trades_by_instrument", {"instrument_name": "BTC-PERPETUAL", "start_seq": "1"}, "start_seq"),
        ("private/get_user_trades_by_instrument_and_time", {"instrument_name": "BTC-PERPETUAL"}, "end_timestamp"),
        ("private/get_deposits", {"currency": "BTC", "offset": -1}, "offset"),
        ("private/get_withdrawals", {"currency": "any"}, "currency"),
        ("private/get_transfers", {"currency": "BTC", "count": 5000}, "count"),
    ],
)
def test_bad_params_are_invalid_params(alice: Deribit, method: str, params: dict, param: str) -> None:
    answer = alice.rpc(method, **params)
    assert answer["_status"] == 400, answer
    assert answer["error"]["code"] == -32602 and answer["error"]["data"]["param"] == param, answer


@pytest.mark.parametrize("query", ["count=%D9%A3", "count=99999999999999999999999", "count=-1", "start_id=", "x=1"])
def test_bad_query_strings_are_refused_or_ignored_never_a_500(alice: Deribit, query: str) -> None:
    r = alice.query("private/get_user_trades_by_currency", f"currency=BTC&{query}")
    assert r.status_code in (200, 400), r.text
    if query == "x=1":  # unknown params are ignored, as Deribit does
        assert r.status_code == 200
    else:
        assert r.json()["error"]["code"] == -32602


def test_wallet_methods_need_wallet_read(mock: MockServer, alice: Deribit) -> None:
    trade_only = Deribit(mock, mock.create_deribit_key("alice", scope="trade:read account:read"))
    answer = trade_only.rpc("private/get_deposits", currency="BTC")
    assert answer["error"]["code"] == 13021
    assert trade_only.result("private/get_user_trades_by_currency", currency="BTC") == {"trades": [], "has_more": False}


# -- deposits, withdrawals, transfers ---------------------------------------------------------------------------------


def admin(mock: MockServer, path: str, body: dict[str, Any]) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)


def test_deposits_and_withdrawals_from_the_admin_api(mock: MockServer, alice: Deribit) -> None:
    sent = {"user_id": "alice", "currency": "BTC", "amount": "1.25", "source_address": "bc1qsender"}
    assert admin(mock, "deribit/deposits", sent).status_code == 200
    mock.advance_clock(seconds=10)
    r = admin(mock, "deribit/withdrawals", {"user_id": "alice", "currency": "BTC", "amount": "0.5", "fee": "0.0001",
                                            "address": "bc1qexample"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json() | {"id": None} == {
        "user_id": "alice", "currency": "BTC", "id": None, "amount": "0.5", "fee": "0.0001", "address": "bc1qexample",
        "state": "completed", "balance": "10.7499",
    }  # fmt: skip
    mock.advance_clock(seconds=10)
    mock.deribit_deposit("alice", "BTC", "-0.25")  # a negative deposit is a withdrawal too
    mock.deribit_deposit("alice", "ETH", "3")
    deposits = alice.decimal("private/get_deposits", currency="BTC")
    assert deposits["count"] == 1
    (row,) = deposits["data"]
    assert row == {
        "address": "mock-btc-1001", "amount": Decimal("1.25"), "currency": "BTC",
        "received_timestamp": unix_ms(START), "state": "completed", "transaction_id": row["transaction_id"],
        "updated_timestamp": unix_ms(START), "clearance_state": "success", "source_address": "bc1qsender",
    }  # fmt: skip
    assert len(row["transaction_id"]) == 64 and int(row["transaction_id"], 16) >= 0
    withdrawals = alice.decimal("private/get_withdrawals", currency="BTC")
    assert withdrawals["count"] == 2
    newest, oldest = withdrawals["data"]
    assert newest["amount"] == Decimal("0.25") and newest["fee"] == 0
    assert oldest == {
        "address": "bc1qexample", "amount": Decimal("0.5"), "confirmed_timestamp": unix_ms(START) + 10_000,
        "created_timestamp": unix_ms(START) + 10_000, "currency": "BTC", "fee": Decimal("0.0001"),
        "id": r.json()["id"], "priority": 1, "state": "completed", "transaction_id": oldest["transaction_id"],
        "updated_timestamp": unix_ms(START) + 10_000,
    }  # fmt: skip
    page = alice.result("private/get_withdrawals", currency="BTC", count=1, offset=1)
    assert page["count"] == 2 and [w["id"] for w in page["data"]] == [r.json()["id"]]
    refused = admin(mock, "deribit/deposits", {**sent, "amount": "-1"})  # a withdrawal has no source
    assert refused.status_code == 400 and "source_address" in refused.text
    (eth,) = alice.result("private/get_deposits", currency="ETH")["data"]
    assert eth["source_address"] == f"mock-eth-source-{newest['id'] + 1}"  # none named: a stand-in, per deposit
    assert alice.result("private/get_deposits", currency="USDC") == {"count": 0, "data": []}
    summary = alice.decimal("private/get_account_summary", currency="BTC")
    assert summary["balance"] == Decimal("10.4999")


def test_a_withdrawal_beyond_the_funds_is_refused_and_moves_nothing(mock: MockServer, alice: Deribit) -> None:
    r = admin(mock, "deribit/withdrawals", {"user_id": "alice", "currency": "BTC", "amount": "10", "fee": "0.0001"})
    assert r.status_code == 409 and "may withdraw 10" in r.json()["error"]
    for bad in ({"amount": "0"}, {"amount": "-1"}, {"amount": 0.5}, {"amount": "1", "fee": "-1"}, {"currency": "B-C"},
                {"amount": "1e400"}, {"subaccount_id": 999}):  # fmt: skip
        body = {"user_id": "alice", "currency": "BTC", "amount": "1"} | bad
        assert admin(mock, "deribit/withdrawals", body).status_code in (400, 404), bad
    doge = admin(mock, "deribit/withdrawals", {"user_id": "alice", "currency": "DOGE", "amount": "1"})
    assert doge.status_code == 409 and "may withdraw 0" in doge.json()["error"]
    assert alice.result("private/get_withdrawals", currency="BTC") == {"count": 0, "data": []}
    assert mock.exchange.accounts.wallet("alice").balance("BTC") == Decimal(10)


def test_transfers_between_wallets_are_listed_on_both_sides(mock: MockServer, alice: Deribit) -> None:
    r = admin(mock, "deribit/transfers", {"user_id": "alice", "currency": "BTC", "amount": "1.5",
                                          "to_subaccount_id": 4242})  # fmt: skip
    assert r.status_code == 200, r.text
    mock.advance_clock(seconds=5)
    mock.deribit_transfer("alice", "BTC", "0.5", from_subaccount_id=4242)
    main = alice.decimal("private/get_transfers", currency="BTC")
    assert main["count"] == 2
    assert [(t["direction"], t["amount"], t["other_side"], t["type"], t["state"]) for t in main["data"]] == [
        ("income", Decimal("0.5"), "alice_sub", "subaccount", "confirmed"),
        ("payment", Decimal("1.5"), "alice_sub", "subaccount", "confirmed"),
    ]
    assert main["data"][1]["created_timestamp"] == main["data"][1]["updated_timestamp"] == unix_ms(START)
    sub = alice.result("private/get_transfers", currency="BTC", subaccount_id=4242)
    assert [(t["direction"], t["other_side"]) for t in sub["data"]] == [("payment", "alice"), ("income", "alice")]
    assert mock.exchange.accounts.wallet("alice").balance("BTC") == Decimal(9)
    assert mock.exchange.accounts.wallet("alice", 4242).balance("BTC") == Decimal(1)
    assert admin(mock, "deribit/transfers", {"user_id": "alice", "currency": "BTC", "amount": "5",
                                             "from_subaccount_id": 4242}).status_code == 409  # fmt: skip
    assert admin(mock, "deribit/transfers", {"user_id": "alice", "currency": "BTC", "amount": "1"}).status_code == 400


def test_every_reply_is_valid_against_deribits_published_schema(mock: MockServer, alice: Deribit) -> None:
    """The committed slice of Deribit's OpenAPI (mockexchange/schema/deribit/rpc.json) judges each reply, with rows."""
    from mockexchange.schema.deribit import rpc as deribit_rpc

    fills(mock)
    mock.deribit_deposit("alice", "BTC", "1")
    mock.deribit_withdraw("alice", "BTC", "0.5", fee="0.0001")
    mock.deribit_transfer("alice", "BTC", "0.25", to_subaccount_id=4242)
    mock.advance_clock(to="2026-12-31T00:00:00Z")  # every dated instrument delivered
    calls = [
        ("private/get_user_trades_by_currency", {"currency": "BTC", "count": 2}),
        ("private/get_user_trades_by_currency_and_time", {"currency": "BTC", "start_timestamp": 0}),
        ("private/get_user_trades_by_instrument", {"instrument_name": OPTION}),
        (
            "private/get_user_trades_by_instrument_and_time",
            {"instrument_name": FUTURE, "start_timestamp": 0, "end_timestamp": 2**41},
        ),  # fmt: skip
        ("private/get_deposits", {"currency": "BTC"}),
        ("private/get_withdrawals", {"currency": "BTC"}),
        ("private/get_transfers", {"currency": "BTC"}),
        ("private/get_settlement_history_by_currency", {"currency": "BTC", "count": 1}),
        ("private/get_settlement_history_by_instrument", {"instrument_name": FUTURE}),
    ]
    for method, params in calls:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        r = plain_http.post(mock.deribit_url + "/api/v2", content=json.dumps(body), headers=alice.headers, timeout=10)
        assert r.status_code == 200 and r.json()["result"], (method, r.text)
        assert deribit_rpc.reply_text_problems(method, r.text) == [], (method, r.text)
