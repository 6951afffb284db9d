"""Every field Deribit's documented examples carry, with its documented JSON type, in each reply the mock serves over
HTTP JSON-RPC (`POST /api/v2`) and in the user notifications.

The examples: each method's 200 response example in Deribit's OpenAPI 2.1.1 (docs.deribit.com's specification, copied
in `api-evangelist/deribit` at 6cdd8258e175, `openapi/_original/deribit-openapi.json`), Deribit's example of a deposit
(`components.responses.deposit`, which carries `source_address` where `private/get_deposits`' own example does not),
and the `user.portfolio`, `user.trades` and `user.orders` notifications as Deribit sent them (quoted in ccxt's
`python/ccxt/pro/deribit.py`: `handle_balance`, `handle_my_trades`, `handle_orders`).
Field names and types only: an example's number may be an integer on the wire (the type is the schema's), a null in
an example means the field may be null. What the mock leaves out on purpose is named with its reason below and in
docs/known-differences.md."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import plain_http
import pytest
import websockets

from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer

pytestmark = pytest.mark.mockexchange(clock=ManualClock())

NUMBER, INTEGER, STRING, BOOLEAN, OBJECT, ARRAY = "number", "integer", "string", "boolean", "object", "array"


def fields(kind: str, *names: str) -> dict[str, str | tuple[str, ...]]:
    return dict.fromkeys(names, kind)


def nullable(kind: str, *names: str) -> dict[str, str | tuple[str, ...]]:
    return dict.fromkeys(names, (kind, "null"))


Fields = dict[str, str | tuple[str, ...]]
AUTH: Fields = {
    **fields(STRING, "access_token", "refresh_token", "scope", "token_type"),
    **fields(INTEGER, "expires_in"),
    **fields(ARRAY, "enabled_features"),
}
CURRENCY: Fields = {
    **fields(STRING, "coin_type", "currency", "currency_long", "network_currency"),
    **fields(INTEGER, "decimals", "min_confirmations"),
    **fields(NUMBER, "min_withdrawal_fee", "network_fee", "withdrawal_fee"),
    **fields(ARRAY, "withdrawal_priorities"),
}
INSTRUMENT: Fields = {
    **fields(STRING, "base_currency", "counter_currency", "instrument_name", "instrument_type", "kind", "price_index"),
    **fields(STRING, "quote_currency", "settlement_currency", "settlement_period", "state"),
    **fields(NUMBER, "block_trade_commission", "block_trade_min_trade_amount", "block_trade_tick_size"),
    **fields(NUMBER, "contract_size", "maker_commission", "max_liquidation_commission", "min_trade_amount"),
    **fields(NUMBER, "taker_commission", "tick_size"),
    **fields(INTEGER, "creation_timestamp", "expiration_timestamp", "instrument_id", "max_leverage"),
    **fields(BOOLEAN, "is_active"),
    **fields(ARRAY, "tick_size_steps"),
}  # the example lists two futures
PERPETUAL: Fields = {
    **fields(NUMBER, "average_price", "delta", "estimated_liquidation_price", "floating_profit_loss", "index_price"),
    **fields(NUMBER, "initial_margin", "interest_value", "maintenance_margin", "mark_price", "open_orders_margin"),
    **fields(NUMBER, "realized_funding", "realized_profit_loss", "settlement_price", "size", "size_currency"),
    **fields(NUMBER, "total_profit_loss"),
    **fields(INTEGER, "leverage"),
    **fields(STRING, "direction", "instrument_name", "kind"),
}
FIGURES: Fields = {  # an account summary's figures: the portfolio notification carries them too
    **fields(NUMBER, "available_funds", "available_withdrawal_funds", "balance", "delta_total", "equity"),
    **fields(NUMBER, "estimated_liquidation_ratio", "fee_balance", "futures_pl", "futures_session_rpl"),
    **fields(NUMBER, "futures_session_upl", "initial_margin", "maintenance_margin", "margin_balance"),
    **fields(NUMBER, "options_delta", "options_gamma", "options_pl", "options_session_rpl", "options_session_upl"),
    **fields(NUMBER, "options_theta", "options_vega", "projected_delta_total", "session_rpl", "session_upl"),
    **fields(NUMBER, "total_pl"),
    **fields(OBJECT, "delta_total_map", "estimated_liquidation_ratio_map"),
    **fields(STRING, "currency"),
    **fields(BOOLEAN, "portfolio_margining_enabled"),
}  # the portfolio notification's own example
SUMMARY: Fields = {
    **FIGURES,
    **fields(NUMBER, "additional_reserve", "options_value", "projected_initial_margin"),
    **fields(NUMBER, "projected_maintenance_margin", "spot_reserve"),
    **fields(OBJECT, "options_gamma_map", "options_theta_map", "options_vega_map", "limits"),
    **fields(STRING, "margin_model"),
    **fields(BOOLEAN, "cross_collateral_enabled"),
}  # each summary of get_account_summaries' example; `fees` is sent only to users with discounts (none in the mock)
ACCOUNT: Fields = {
    **fields(BOOLEAN, "block_rfq_self_match_prevention", "interuser_transfers_enabled", "login_enabled"),
    **fields(BOOLEAN, "mmp_enabled", "security_keys_enabled", "self_trading_extended_to_subaccounts"),
    **fields(INTEGER, "creation_timestamp", "id"),
    **fields(STRING, "email", "self_trading_reject_mode", "system_name", "type", "username"),
    **nullable(STRING, "referrer_id"),
}  # the top of get_account_summaries' example; get_account_summary's carries these and a summary's
TRADE: Fields = {
    **fields(NUMBER, "amount", "fee", "index_price", "mark_price", "price"),
    **fields(INTEGER, "tick_direction", "timestamp", "trade_seq"),
    **fields(STRING, "direction", "fee_currency", "instrument_name", "liquidity", "order_id", "order_type"),
    **fields(STRING, "state", "trade_id"),
    **nullable(STRING, "matching_id"),
    **fields(BOOLEAN, "post_only", "reduce_only"),
}  # the example's future trade
OPTION_TRADE: Fields = {**TRADE, **fields(NUMBER, "iv", "underlying_price")}  # and its option trade
DEPOSIT: Fields = {
    **fields(STRING, "address", "currency", "state", "source_address", "clearance_state"),
    **nullable(STRING, "transaction_id"),
    **fields(NUMBER, "amount"),
    **fields(INTEGER, "received_timestamp", "updated_timestamp"),
}  # Deribit's deposit example; its `note` and `user_id` are not sent (docs/known-differences.md)
WITHDRAWAL: Fields = {
    **fields(STRING, "address", "currency", "state"),
    **fields(NUMBER, "amount", "fee", "priority"),
    **fields(INTEGER, "created_timestamp", "id", "updated_timestamp"),
    **nullable(INTEGER, "confirmed_timestamp"),
    **nullable(STRING, "transaction_id"),
}
TRANSFER: Fields = {
    **fields(NUMBER, "amount"),
    **fields(INTEGER, "created_timestamp", "id", "updated_timestamp"),
    **fields(STRING, "currency", "direction", "other_side", "state", "type"),
}
SETTLEMENT: Fields = {
    **fields(NUMBER, "index_price", "mark_price", "position", "profit_loss", "session_profit_loss"),
    **fields(INTEGER, "timestamp"),
    **fields(STRING, "instrument_name", "type"),
}
ORDER: Fields = {
    **fields(NUMBER, "amount", "average_price", "filled_amount", "max_show", "price"),
    **fields(NUMBER, "commission", "profit_loss"),  # in Deribit's user.orders notification (ccxt's handle_orders)
    **fields(INTEGER, "creation_timestamp", "last_update_timestamp"),
    **fields(BOOLEAN, "api", "is_liquidation", "is_rebalance", "post_only", "reduce_only"),
    **fields(STRING, "direction", "instrument_name", "label", "order_id", "order_state", "order_type"),
    **fields(STRING, "time_in_force"),
}
# As Deribit sent them (ccxt's `handle_my_trades` and `handle_orders`): a trade and an order on the user channels.
NOTIFIED_TRADE: Fields = {**TRADE, **fields(BOOLEAN, "self_trade"), **fields(NUMBER, "profit_loss")}
NOTIFIED_ORDER: Fields = {**ORDER, **fields(BOOLEAN, "web", "replaced")}


def is_type(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind in (NUMBER, INTEGER):
        whole = isinstance(value, int) and not isinstance(value, bool)
        return whole or (kind == NUMBER and isinstance(value, float))
    return isinstance(value, {STRING: str, BOOLEAN: bool, OBJECT: dict, ARRAY: list}[kind])


def assert_carries(row: dict[str, Any], documented: Fields, where: str) -> None:
    missing = sorted(set(documented) - set(row))
    assert not missing, f"{where} lacks {missing}"
    kinds = {name: (kind,) if isinstance(kind, str) else kind for name, kind in documented.items()}
    wrong = {name: row[name] for name, accepted in kinds.items() if not any(is_type(row[name], k) for k in accepted)}
    assert not wrong, f"{where}: not of the documented types {[kinds[name] for name in wrong]}: {wrong}"


class JsonRpc:
    """Calls over HTTP as JSON-RPC bodies on `POST /api/v2`, with the key's bearer token."""

    def __init__(self, mock: MockServer, key: dict[str, str]) -> None:
        self.url = mock.deribit_url + "/api/v2"
        self.key = {name: key[name] for name in ("client_id", "client_secret")}
        self.auth = self.call("public/auth", grant_type="client_credentials", **self.key)
        self.headers = {"Authorization": f"Bearer {self.auth['access_token']}"}

    def call(self, method: str, **params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        reply = plain_http.post(self.url, json=body, headers=getattr(self, "headers", {}), timeout=10)
        assert reply.status_code == 200, reply.text
        return reply.json()["result"]


@pytest.fixture
def alice(mockexchange: MockServer) -> JsonRpc:
    """A main account with a perpetual, a dated future, a call (delivered later), a resting order, a deposit, a
    withdrawal and a transfer to a subaccount."""
    mock = mockexchange
    mock.create_deribit_account("alice", balances={"BTC": "10", "ETH": "5"})
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "1"})
    key = mock.create_deribit_key("alice")
    listed = JsonRpc(mock, key).call("public/get_instruments", currency="BTC")
    option = next(i["instrument_name"] for i in listed if i["kind"] == "option")
    mock.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "60000", fee="0.0001")
    mock.deribit_fill("alice", option, "buy", "1", "0.02", fee="0.0003")
    mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "10", "50000", order_id="resting-1")
    mock.deribit_deposit("alice", "BTC", "1", source_address="bc1qsender")
    mock.deribit_withdraw("alice", "BTC", "0.5", fee="0.0001")
    mock.deribit_transfer("alice", "BTC", "0.1", to_subaccount_id=sub["id"])
    return JsonRpc(mock, key)


def test_public_replies_carry_every_field_of_deribits_examples(alice: JsonRpc) -> None:
    assert_carries(alice.auth, AUTH, "public/auth")
    assert isinstance(alice.call("public/get_time"), int)
    assert_carries(alice.call("public/test"), {"version": STRING}, "public/test")
    for row in alice.call("public/get_currencies"):
        assert_carries(row, CURRENCY, f"currency {row['currency']}")
    btc = next(row for row in alice.call("public/get_currencies") if row["currency"] == "BTC")
    assert (btc["decimals"], btc["network_currency"], btc["network_fee"]) == (8, "BTC", btc["withdrawal_fee"])
    futures = alice.call("public/get_instruments", currency="BTC", kind="future")
    assert futures
    for row in futures:
        assert_carries(row, INSTRUMENT, row["instrument_name"])
        assert row["state"] == "open"


def test_account_replies_carry_every_field_of_deribits_examples(alice: JsonRpc) -> None:
    [perpetual] = [row for row in alice.call("private/get_positions", currency="BTC") if row["kind"] == "future"]
    assert_carries(perpetual, PERPETUAL, "private/get_positions")
    assert_carries(alice.call("private/get_position", instrument_name="BTC-PERPETUAL"), PERPETUAL, "get_position")
    summary = alice.call("private/get_account_summary", currency="BTC")
    assert_carries(summary, {**SUMMARY, **ACCOUNT}, "private/get_account_summary")
    assert "fees" not in summary  # only for users with discounts
    assert summary["limits"] == {
        "limits_per_currency": False,
        "non_matching_engine": {"burst": 100, "rate": 20},
        "matching_engine": {"trading": {"total": {"burst": 20, "rate": 5}}},
    }  # docs/rate-limits.md: 500 credits a request from 50,000 refilled at 10,000 a second; 5 orders a second
    summaries = alice.call("private/get_account_summaries")
    assert_carries(summaries, ACCOUNT, "private/get_account_summaries")
    for row in summaries["summaries"]:
        assert_carries(row, SUMMARY, f"get_account_summaries {row['currency']}")
    account = {name: summaries[name] for name in ACCOUNT}
    assert {name: summary[name] for name in ACCOUNT} == account
    assert account["type"] == "main" and account["referrer_id"] is None


@pytest.mark.slow
def test_history_replies_carry_every_field_of_deribits_examples(alice: JsonRpc, mockexchange: MockServer) -> None:
    trades = alice.call("private/get_user_trades_by_currency", currency="BTC")["trades"]
    assert {row["instrument_name"].count("-") for row in trades} == {1, 3}  # the perpetual and the option
    for row in trades:
        assert_carries(row, OPTION_TRADE if row["instrument_name"].count("-") == 3 else TRADE, row["instrument_name"])
    window = {"start_timestamp": 0, "end_timestamp": 2**42}
    for method, params in (
        ("private/get_user_trades_by_currency_and_time", {"currency": "BTC", **window}),
        ("private/get_user_trades_by_instrument", {"instrument_name": "BTC-PERPETUAL"}),
        ("private/get_user_trades_by_instrument_and_time", {"instrument_name": "BTC-PERPETUAL", **window}),
    ):
        for row in alice.call(method, **params)["trades"]:
            assert_carries(row, OPTION_TRADE if row["instrument_name"].count("-") == 3 else TRADE, method)
    [deposit] = alice.call("private/get_deposits", currency="BTC")["data"]
    assert_carries(deposit, DEPOSIT, "private/get_deposits")
    assert deposit["source_address"] == "bc1qsender"
    [withdrawal] = alice.call("private/get_withdrawals", currency="BTC")["data"]
    assert_carries(withdrawal, WITHDRAWAL, "private/get_withdrawals")
    [transfer] = alice.call("private/get_transfers", currency="BTC")["data"]
    assert_carries(transfer, TRANSFER, "private/get_transfers")
    for method in ("private/get_open_orders_by_currency", "private/get_open_orders_by_instrument"):
        [order] = alice.call(method, currency="BTC", instrument_name="BTC-PERPETUAL")
        assert_carries(order, ORDER, method)
    assert_carries(alice.call("private/get_order_state", order_id="resting-1"), ORDER, "private/get_order_state")
    [option] = [row["instrument_name"] for row in trades if row["instrument_name"].count("-") == 3]
    listed = next(i for i in alice.call("public/get_instruments", currency="BTC") if i["instrument_name"] == option)
    now_ms = unix_ms(
        mockexchange.exchange.state.clock.now()
    )  # the exchange clock (public/get_time answers the wall clock)
    mockexchange.advance_clock(seconds=(listed["expiration_timestamp"] - now_ms) // 1000 + 1)  # delivered at expiry
    for method, params in (
        ("private/get_settlement_history_by_currency", {"currency": "BTC"}),
        ("private/get_settlement_history_by_instrument", {"instrument_name": option}),
    ):
        [settlement] = alice.call(method, **params)["settlements"]
        assert_carries(settlement, SETTLEMENT, method)
    expired = alice.call("public/get_instruments", currency="BTC", kind="option", expired=True)
    [delivered] = [row for row in expired if row["instrument_name"] == option]
    assert (delivered["state"], delivered["is_active"]) == ("delivered", False)


def test_notifications_carry_every_field_of_deribits(alice: JsonRpc, mockexchange: MockServer) -> None:
    channels = ["user.portfolio.btc", "user.trades.any.any.raw", "user.orders.any.any.raw"]

    async def notified() -> dict[str, Any]:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            auth = {"grant_type": "client_credentials", **alice.key}
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": auth}))
            assert "result" in json.loads(await ws.recv())
            subscribe = {"channels": channels}
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/subscribe", "params": subscribe}))
            assert json.loads(await ws.recv())["result"] == channels
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "BTC-PERPETUAL", "sell", "10", "60000")
            await asyncio.to_thread(mockexchange.deribit_order, "alice", "BTC-PERPETUAL", "sell", "10", "70000")
            got: dict[str, Any] = {}
            while len(got) < len(channels):
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                got.setdefault(message["params"]["channel"], message["params"]["data"])
            return got

    got = asyncio.run(notified())
    assert_carries(got["user.portfolio.btc"], FIGURES, "user.portfolio.btc")
    assert not {"limits", "id", "username"} & set(got["user.portfolio.btc"])  # get_account_summary's, not these
    [trade] = got["user.trades.any.any.raw"]
    assert_carries(trade, NOTIFIED_TRADE, "user.trades.any.any.raw")
    assert_carries(got["user.orders.any.any.raw"], NOTIFIED_ORDER, "user.orders.any.any.raw")
