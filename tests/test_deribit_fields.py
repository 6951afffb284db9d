"""Every field Deribit's documentation marks required, with Deribit's JSON types, in each result and notification the
mock serves (the required lists of Deribit's OpenAPI v2 component schemas, docs/known-differences.md, "Fields"); the
options' greeks per index; and `estimated_liquidation_price` under the mock's simple margin model, worked by hand.
Everything over real HTTP and a real websocket."""

from __future__ import annotations

import asyncio
import base64
import json
from decimal import Decimal
from typing import Any

import plain_http
import pytest
import websockets

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.server import MockServer

# A still clock: an option's mark (Black-76 on the time left), and so the equity and liquidation prices, hold still.
pytestmark = pytest.mark.mockexchange(clock=ManualClock())

NUMBER, INTEGER, STRING, BOOLEAN, OBJECT, ARRAY = "number", "integer", "string", "boolean", "object", "array"
NULL = None

# position_with_elp = position's required + estimated_liquidation_price, open_orders_margin.
POSITION = {
    **dict.fromkeys(("instrument_name", "kind", "direction"), STRING),
    **dict.fromkeys(("average_price", "mark_price", "delta", "index_price", "initial_margin"), NUMBER),
    **dict.fromkeys(("maintenance_margin", "settlement_price", "total_profit_loss", "floating_profit_loss"), NUMBER),
    **dict.fromkeys(("realized_profit_loss", "size", "open_orders_margin"), NUMBER),
}
FUTURE = {**POSITION, "estimated_liquidation_price": NUMBER, "size_currency": NUMBER, "leverage": INTEGER}
OPTION = {
    **POSITION,
    **dict.fromkeys(("gamma", "vega", "theta", "average_price_usd", "floating_profit_loss_usd"), NUMBER),
}
PERPETUAL = {**FUTURE, "realized_funding": NUMBER, "interest_value": NUMBER}
# Each summary of private/get_account_summaries, the data of user.portfolio.{currency}.
SUMMARY = {
    "currency": STRING,
    **dict.fromkeys(("equity", "maintenance_margin", "initial_margin", "available_funds"), NUMBER),
    **dict.fromkeys(("available_withdrawal_funds", "balance", "session_upl", "session_rpl", "total_pl"), NUMBER),
    **dict.fromkeys(("options_pl", "options_session_upl", "options_session_rpl", "options_delta"), NUMBER),
    **dict.fromkeys(("options_gamma", "options_vega", "options_value", "options_theta", "futures_pl"), NUMBER),
    **dict.fromkeys(("options_gamma_map", "options_theta_map", "options_vega_map", "delta_total_map"), OBJECT),
    **dict.fromkeys(("futures_session_upl", "futures_session_rpl", "projected_maintenance_margin"), NUMBER),
    **dict.fromkeys(("delta_total", "projected_delta_total"), NUMBER),
}
ACCOUNT = {
    "security_keys_enabled": BOOLEAN, "system_name": STRING, "username": STRING, "email": STRING, "type": STRING,
    "id": INTEGER,
}  # fmt: skip
ACCOUNT_SUMMARY = {**SUMMARY, **ACCOUNT}  # private/get_account_summary
INSTRUMENT = {
    **dict.fromkeys(("kind", "base_currency", "quote_currency", "instrument_name", "settlement_period"), STRING),
    **dict.fromkeys(("min_trade_amount", "tick_size", "contract_size"), NUMBER),
    **dict.fromkeys(("creation_timestamp", "expiration_timestamp"), INTEGER),
    "is_active": BOOLEAN,
    "price_index": STRING,
}
CURRENCY = {
    "currency": STRING, "currency_long": STRING, "min_confirmations": INTEGER, "withdrawal_fee": NUMBER,
    "coin_type": STRING, "in_cross_collateral_pool": BOOLEAN,
}  # fmt: skip
USER_TRADE = {
    **dict.fromkeys(("trade_id", "instrument_name", "order_id", "direction", "fee_currency", "state"), STRING),
    **dict.fromkeys(("trade_seq", "timestamp", "tick_direction"), INTEGER),
    **dict.fromkeys(("index_price", "price", "amount", "fee", "mark_price"), NUMBER),
    "matching_id": NULL,  # "Always null"
}


def is_type(value: Any, kind: str | None) -> bool:
    if kind is None:
        return value is None
    if kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, {STRING: str, BOOLEAN: bool, OBJECT: dict, ARRAY: list}[kind])


def assert_fields(row: dict[str, Any], required: dict[str, str | None], where: str) -> None:
    missing = sorted(set(required) - set(row))
    assert not missing, f"{where} lacks {missing}"
    wrong = {f: row[f] for f, kind in required.items() if not is_type(row[f], kind)}
    assert not wrong, f"{where}: not of their types {dict((f, required[f]) for f in wrong)}: {wrong}"


def basic(key: dict[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def call(mock: MockServer, method: str, key: dict[str, str] | None = None, **params: Any) -> Any:
    r = plain_http.get(
        f"{mock.deribit_url}/api/v2/{method}", params=params, headers=basic(key) if key else {}, timeout=10
    )
    assert r.status_code == 200, r.text
    return r.json()["result"]


def names(mock: MockServer) -> dict[str, str]:
    listed = call(mock, "public/get_instruments")
    future = next(i for i in listed if i["instrument_name"].startswith("BTC-") and i["kind"] == "future"
                  and i["settlement_period"] != "perpetual")  # fmt: skip
    option = next(i for i in listed if i["instrument_name"].startswith("BTC-") and i["kind"] == "option")
    linear = next(i for i in listed if i["kind"] == "option" and i["settlement_currency"] == "USDC")
    return {role: row["instrument_name"] for role, row in (("future", future), ("option", option), ("linear", linear))}


@pytest.fixture
def book(mockexchange: MockServer) -> tuple[dict[str, str], dict[str, str]]:
    """A main account holding a BTC perpetual, a dated BTC future (short), a BTC call (short) and a USDC perpetual."""
    mockexchange.create_deribit_account("alice", balances={"BTC": "10", "USDC": "100000", "ETH": "5"})
    key = mockexchange.create_deribit_key("alice")
    instruments = names(mockexchange)
    mockexchange.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "59000")
    mockexchange.deribit_fill("alice", instruments["future"], "sell", "3000", "61000")
    mockexchange.deribit_fill("alice", instruments["option"], "sell", "2", "0.03")
    mockexchange.deribit_fill("alice", instruments["linear"], "buy", "0.5", "1500")
    mockexchange.deribit_fill("alice", "BTC_USDC-PERPETUAL", "buy", "0.5", "60000")
    mockexchange.set_index_price("btc_usd", "62000")
    return key, instruments


# -- the required fields --------------------------------------------------------------------------------------------


def test_public_results_carry_every_required_field(mockexchange):
    for row in call(mockexchange, "public/get_currencies"):
        assert_fields(row, CURRENCY, f"currency {row.get('currency')}")
    rows = call(mockexchange, "public/get_instruments")
    assert {row["kind"] for row in rows} == {"future", "option"}
    for row in rows:
        assert_fields(row, INSTRUMENT, row["instrument_name"])


def test_positions_carry_every_required_field_by_kind(mockexchange, book):
    key, instruments = book
    rows = {row["instrument_name"]: row for row in call(mockexchange, "private/get_positions", key)}
    assert set(rows) == {"BTC-PERPETUAL", "BTC_USDC-PERPETUAL", *instruments.values()}
    for name, row in rows.items():
        kind = PERPETUAL if name.endswith("PERPETUAL") else FUTURE if row["kind"] == "future" else OPTION
        assert_fields(row, kind, name)
        one = call(mockexchange, "private/get_position", key, instrument_name=name)
        assert one == row
        if row["kind"] == "option":  # "added only for futures"; futures' fields are not sent for options
            assert not {"estimated_liquidation_price", "size_currency", "leverage"} & set(row), name
        else:
            assert not {"gamma", "vega", "theta", "average_price_usd"} & set(row), name
    flat = call(mockexchange, "private/get_position", key, instrument_name="ETH-PERPETUAL")
    assert_fields(flat, PERPETUAL, "a flat perpetual")
    assert (flat["size"], flat["estimated_liquidation_price"], flat["direction"]) == (0, 0, "zero")


def test_account_summaries_carry_every_required_field(mockexchange, book):
    key, _ = book
    for currency in ("BTC", "ETH", "USDC"):
        summary = call(mockexchange, "private/get_account_summary", key, currency=currency)
        assert_fields(summary, ACCOUNT_SUMMARY, f"{currency} summary")
        assert (summary["type"], summary["username"], summary["system_name"]) == ("main", "alice", "alice")
        assert summary["security_keys_enabled"] is False and summary["email"].endswith(".invalid")
    summaries = call(mockexchange, "private/get_account_summaries", key)
    assert [row["currency"] for row in summaries["summaries"]] == ["BTC", "ETH", "USDC"]
    for row in summaries["summaries"]:
        assert_fields(row, SUMMARY, f"{row['currency']} in get_account_summaries")
        assert not {"id", "username", "email", "type"} & set(row)  # the account's fields are at the top, once
    btc = call(mockexchange, "private/get_account_summary", key, currency="BTC")
    account = {name: btc[name] for name in ("id", "username", "system_name", "email", "type", "security_keys_enabled")}
    assert {name: summaries[name] for name in account} == account


def test_a_subaccount_summary_says_so(mockexchange, book):
    sub = mockexchange.create_deribit_subaccount("alice", balances={"BTC": "1"})
    key = mockexchange.create_deribit_key("alice", subaccount_id=sub["id"])
    summary = call(mockexchange, "private/get_account_summary", key, currency="BTC")
    assert (summary["id"], summary["type"], summary["balance"]) == (sub["id"], "subaccount", 1)


# -- the options' greeks per index ----------------------------------------------------------------------------------


def test_option_greek_maps_are_keyed_by_index_and_empty_without_options(mockexchange, book):
    key, instruments = book
    btc = call(mockexchange, "private/get_account_summary", key, currency="BTC")
    option = call(mockexchange, "private/get_position", key, instrument_name=instruments["option"])
    for greek in ("gamma", "vega", "theta"):  # one option on btc_usd: the map holds its greek, as the total does
        assert btc[f"options_{greek}_map"] == {"btc_usd": option[greek]} == {"btc_usd": btc[f"options_{greek}"]}
    assert option["vega"] < 0 and option["theta"] > 0  # short: it loses with volatility and earns with time
    usdc = call(mockexchange, "private/get_account_summary", key, currency="USDC")
    linear = call(mockexchange, "private/get_position", key, instrument_name=instruments["linear"])
    assert usdc["options_vega_map"] == {"btc_usdc": linear["vega"]}
    assert set(usdc["delta_total_map"]) == {"btc_usdc"}
    eth = call(mockexchange, "private/get_account_summary", key, currency="ETH")  # no position at all
    assert (eth["options_gamma_map"], eth["options_vega_map"], eth["options_theta_map"]) == ({}, {}, {})
    assert (eth["estimated_liquidation_ratio"], eth["estimated_liquidation_ratio_map"]) == (0, {})  # nothing to move


def test_places_follow_deribit(mockexchange, book):
    key, instruments = book
    raw = plain_http.get(
        mockexchange.deribit_url + "/api/v2/private/get_position", params={"instrument_name": instruments["future"]},
        headers=basic(key), timeout=10,
    ).text  # fmt: skip
    row = json.loads(raw, parse_float=Decimal)["result"]
    # short 3000 USD at 61000, mark 62000: -3000 * (1/61000 - 1/62000) = -3 / 3782 = -0.00079323109... BTC, 9 places
    assert row["floating_profit_loss"] == Decimal("-0.000793231")
    assert row["size_currency"] == row["delta"] == Decimal("-0.048387097")  # -3000/62000
    params = {"instrument_name": instruments["option"]}
    reply = plain_http.get(mockexchange.deribit_url + "/api/v2/private/get_position", params=params, headers=basic(key))
    option = json.loads(reply.text, parse_float=Decimal)["result"]
    for greek in ("delta", "gamma", "vega", "theta"):
        assert -option[greek].as_tuple().exponent <= 5, (greek, option[greek])


# -- estimated_liquidation_price ------------------------------------------------------------------------------------


def liquidation(mock: MockServer, balances: dict[str, str], name: str, direction: str, amount: str) -> Any:
    mock.create_deribit_account("bob", balances=balances)
    key = mock.create_deribit_key("bob")
    index = "btc_usdc" if name.startswith("BTC_USDC") else "btc_usd"
    price = "60000" if index == "btc_usdc" else "50000"
    mock.set_index_price(index, price)
    mock.deribit_fill("bob", name, direction, amount, price)
    return call(mock, "private/get_position", key, instrument_name=name)["estimated_liquidation_price"]


def test_liquidation_price_of_an_inverse_long(mockexchange):
    # 1 BTC, long 10,000 USD at 50,000 (0.2 BTC, maintenance rate 1% + 0.2 x 0.005% = 1.001%):
    # P = (S + r|S|) / (C + S/M) = 10000 x 1.01001 / (1 + 0.2) = 8416.75
    assert liquidation(mockexchange, {"BTC": "1"}, "BTC-PERPETUAL", "buy", "10000") == 8416.75


def test_liquidation_price_of_an_inverse_short(mockexchange):
    # 0.1 BTC, short 10,000 USD at 50,000: P = (-10000 + 100.1) / (0.1 - 0.2) = 98999
    assert liquidation(mockexchange, {"BTC": "0.1"}, "BTC-PERPETUAL", "sell", "10000") == 98999


def test_an_inverse_short_covered_at_any_price_has_none(mockexchange):
    # 1 BTC against a short worth 0.2 BTC: it loses at most 0.2 BTC however high the price goes
    assert liquidation(mockexchange, {"BTC": "1"}, "BTC-PERPETUAL", "sell", "10000") == 0


def test_liquidation_prices_of_linear_futures(mockexchange):
    # 10,000 USDC, long 1 BTC at 60,000 (rate 1.005%): P = (60000 - 10000) / (1 - 0.01005)
    long = liquidation(mockexchange, {"USDC": "10000"}, "BTC_USDC-PERPETUAL", "buy", "1")
    assert Decimal(str(long)) == (Decimal(50000) / Decimal("0.98995")).quantize(Decimal("1e-8"))
    mockexchange.deribit_fill("bob", "BTC_USDC-PERPETUAL", "sell", "2", "60000")  # now short 1 BTC
    key = mockexchange.create_deribit_key("bob")
    short = call(mockexchange, "private/get_position", key, instrument_name="BTC_USDC-PERPETUAL")
    # P = (-60000 - 10000) / (-1 - 0.01005)
    assert Decimal(str(short["estimated_liquidation_price"])) == (Decimal(70000) / Decimal("1.01005")).quantize(
        Decimal("1e-8")
    )


def test_the_liquidation_ratio_times_the_mark_is_the_liquidation_price(mockexchange):
    # 1 BTC, long 10,000 USD at 50,000: P = 8416.75 (above); the ratio P / M = 0.168335, for BTC and for btc_usd
    assert liquidation(mockexchange, {"BTC": "1"}, "BTC-PERPETUAL", "buy", "10000") == 8416.75
    summary = call(mockexchange, "private/get_account_summary", mockexchange.create_deribit_key("bob"), currency="BTC")
    assert summary["estimated_liquidation_ratio"] == 0.168335
    assert summary["estimated_liquidation_ratio_map"] == {"btc_usd": 0.168335}


def test_the_liquidation_ratio_moves_every_future_of_an_index_together(mockexchange):
    # 1 BTC, long 10,000 USD of the perpetual and of a dated future at 50,000 (0.2 BTC each, maintenance 1.001% each):
    # x = sum((S + r|S|) / M) / (C + sum(S / M)) = 2 x 10000 x 1.01001 / 50000 / (1 + 0.4) = 0.404004 / 1.4
    assert liquidation(mockexchange, {"BTC": "1"}, "BTC-PERPETUAL", "buy", "10000") == 8416.75
    mockexchange.deribit_fill("bob", names(mockexchange)["future"], "buy", "10000", "50000")
    key = mockexchange.create_deribit_key("bob")
    summary = call(mockexchange, "private/get_account_summary", key, currency="BTC")
    ratio = Decimal("0.404004") / Decimal("1.4")
    assert Decimal(str(summary["estimated_liquidation_ratio"])) == ratio.quantize(Decimal("1e-8"))
    assert summary["estimated_liquidation_ratio_map"] == {"btc_usd": float(ratio.quantize(Decimal("1e-16")))}
    # Each future's own estimate holds the other one still: not the index moving as a whole.
    perpetual = call(mockexchange, "private/get_position", key, instrument_name="BTC-PERPETUAL")
    assert perpetual["estimated_liquidation_price"] / 50000 != summary["estimated_liquidation_ratio"]


def test_the_liquidation_ratio_of_a_linear_future(mockexchange):
    # 10,000 USDC, long 1 BTC at 60,000: P = 50000 / 0.98995 (above), the ratio P / 60000
    liquidation(mockexchange, {"USDC": "10000"}, "BTC_USDC-PERPETUAL", "buy", "1")
    summary = call(mockexchange, "private/get_account_summary", mockexchange.create_deribit_key("bob"), currency="USDC")
    ratio = Decimal(50000) / Decimal("0.98995") / Decimal(60000)
    assert Decimal(str(summary["estimated_liquidation_ratio"])) == ratio.quantize(Decimal("1e-8"))
    assert list(summary["estimated_liquidation_ratio_map"]) == ["btc_usdc"]


def test_a_wallet_under_its_maintenance_margin_is_liquidated_at_the_mark(mockexchange):
    # 0.001 BTC against 2 BTC of perpetual (maintenance 0.0202 BTC)
    assert liquidation(mockexchange, {"BTC": "0.001"}, "BTC-PERPETUAL", "buy", "100000") == 50000


def test_the_liquidation_price_counts_the_wallets_other_positions(mockexchange, book):
    """At the estimated price the wallet's equity meets its maintenance margin, with the short future and the short
    call held at their current values and margins (worked from the book's exact figures)."""
    key, _ = book
    row = call(mockexchange, "private/get_position", key, instrument_name="BTC-PERPETUAL")
    with mockexchange.exchange.reading():
        view = mockexchange.exchange.valuation.position("alice", "BTC-PERPETUAL")
        summary = mockexchange.exchange.valuation.account_summary("alice", "BTC")
        instrument = mockexchange.exchange.market.instrument("BTC-PERPETUAL")
    price = Decimal(str(row["estimated_liquidation_price"]))
    size, mark = view.size, view.mark_price
    _, rate = d.future_margin_rates(size / mark)
    equity = summary.equity + size * (1 / mark - 1 / price)
    maintenance = summary.maintenance_margin - view.maintenance_margin + rate * size / price
    assert abs(equity - maintenance) < Decimal("1e-9") and 0 < price < mark
    assert view.estimated_liquidation_price is not None and instrument.is_inverse
    alone = d.estimated_liquidation_price(instrument, size, mark, view.maintenance_margin + 10, view.maintenance_margin)
    assert alone != price  # the others' margin and value move it


# -- notifications --------------------------------------------------------------------------------------------------


def test_notifications_carry_every_required_field(mockexchange, book):
    key, instruments = book

    async def go() -> dict[str, Any]:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            params = {"grant_type": "client_credentials", "client_id": key["client_id"],
                      "client_secret": key["client_secret"]}  # fmt: skip
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": params}))
            assert "result" in json.loads(await ws.recv())
            channels = ["user.changes.any.any.raw", "user.trades.any.any.raw", "user.portfolio.btc"]
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/subscribe",
                                      "params": {"channels": channels}}))  # fmt: skip
            assert json.loads(await ws.recv())["result"] == channels
            first = json.loads(await asyncio.wait_for(ws.recv(), 5))  # the portfolio's, once subscribed
            assert first["params"]["channel"] == "user.portfolio.btc"
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "BTC-PERPETUAL", "sell", "10000", "62000")
            got = {}
            while len(got) < 3:
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                got[message["params"]["channel"]] = message["params"]["data"]
            return got

    got = asyncio.run(go())
    change = got["user.changes.any.any.raw"]
    assert set(change) == {"instrument_name", "trades", "positions", "orders"}
    [position] = change["positions"]
    assert_fields(position, PERPETUAL, "user.changes position")
    assert position["size"] == 0 and position["estimated_liquidation_price"] == 0  # closed
    for trade in (*change["trades"], *got["user.trades.any.any.raw"]):
        assert_fields(trade, USER_TRADE, "user trade")
    portfolio = got["user.portfolio.btc"]
    assert_fields(portfolio, SUMMARY, "user.portfolio.btc")
    assert not set(ACCOUNT) & set(portfolio)  # the account's own fields are get_account_summary's
    assert set(portfolio["options_gamma_map"]) == {"btc_usd"}
    summary = call(mockexchange, "private/get_account_summary", key, currency="BTC")
    assert portfolio == {field: value for field, value in summary.items() if field in portfolio}  # its figures
    assert "limits" not in portfolio and "creation_timestamp" not in portfolio


def test_a_positions_read_estimates_each_liquidation_as_the_single_position_read_does(mockexchange):
    # get_positions works out a wallet's equity and maintenance once per currency for all its futures: each row's
    # estimate is still the one get_position gives for it alone (BTC futures of both kinds, USDC ones beside them).
    mockexchange.create_deribit_account("carol", balances={"BTC": "1", "USDC": "20000"})
    key = mockexchange.create_deribit_key("carol")
    mockexchange.set_index_price("btc_usdc", "60000")
    for name, direction, amount, price in [
        ("BTC-PERPETUAL", "buy", "10000", "50000"),
        (names(mockexchange)["future"], "sell", "20000", "61000"),
        ("BTC_USDC-PERPETUAL", "buy", "1", "60000"),
    ]:
        mockexchange.deribit_fill("carol", name, direction, amount, price)
    rows = call(mockexchange, "private/get_positions", key, currency="any", kind="future")
    assert len(rows) == 3
    estimates = {r["instrument_name"]: r["estimated_liquidation_price"] for r in rows}
    alone = {n: call(mockexchange, "private/get_position", key, instrument_name=n) for n in estimates}
    assert estimates == {n: row["estimated_liquidation_price"] for n, row in alone.items()}
    assert estimates["BTC-PERPETUAL"] != 0 and estimates["BTC_USDC-PERPETUAL"] != 0  # (the short is covered: 0)
