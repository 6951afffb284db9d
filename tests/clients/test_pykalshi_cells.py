"""pykalshi's cells can fail: a server answering its reads with one value wrong (well formed, so the client parses it)
fails each read cell and each check of the markets and historical scenes it plays, naming the field. The client
walks the pages itself (`fetch_all`), so a walk the server ends early must show in the pages its requests counted.
Its feed's cells fail on a fill or trade message with a wrong price and on a position or ticker message its model
cannot validate (the feed hands that over as a raw dict, without raising)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from broken_answers import (
    BreakingAnswers,
    ByMethod,
    breaking_reads,
    each_fails,
    failed_checks,
    read_cells_fail,
    serving_through,
)

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.contract.clients import history, matrix
from mockexchange.contract.clients.pykalshi_feed import book_verdict, feed_verdict, market_verdict
from mockexchange.contract.clients.scenes import (
    account,
    exchange_data,
    historical,
    markets,
    orders,
    rfqs,
    subaccounts,
)
from mockexchange.venues.kalshi import render
from mockexchange.venues.kalshi.profiles import PROFILES

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


WRONG_PRICE = "0.9876"


def _first(rows: list[dict[str, Any]], **changed: Any) -> None:
    if rows:
        rows[0].update(changed)


def _wrong(tail: str, data: Any) -> None:
    """One value of each answer made wrong, by the path's tail after /trade-api/v2."""
    if tail == "/portfolio/positions":
        _first(data["market_positions"], realized_pnl_dollars="-123.456700")
    elif tail == "/portfolio/fills":
        _first(data["fills"], yes_price_dollars=WRONG_PRICE)
    elif tail == "/portfolio/settlements":
        _first(data["settlements"], market_result="void")
    elif tail == "/portfolio/balance":
        data["portfolio_value"] += 1
    elif tail == "/portfolio/summary/total_resting_order_value":  # (the name its misread reads: it reads it now)
        data["total_resting_order_value_dollars"] = "12.34"
    elif tail == "/markets":
        _first(data["markets"], yes_bid_dollars=WRONG_PRICE)
    elif tail == "/markets/trades":
        _first(data["trades"], count_fp="99.00")
    elif tail.startswith("/markets/") and tail.endswith("/orderbook"):
        data["orderbook_fp"]["yes_dollars"].insert(0, ["0.0100", "1.00"])
    elif tail.startswith("/markets/"):
        data["market"]["floor_strike"] = 99.5
    elif tail == "/events":  # each page says none follows: the walk ends a page early
        _first(data["events"], title="broken")
        data["cursor"] = ""
    elif tail.startswith("/events/"):
        data["event"]["sub_title"] = "broken"
    elif tail == "/series":
        _first(data["series"], title="broken")
    elif tail.startswith("/series/"):
        data["series"]["frequency"] = "broken"
    elif tail == "/exchange/status":
        data["trading_active"] = True
    elif tail == "/historical/cutoff":
        data["orders_updated_ts"] = "2020-01-01T00:00:00Z"
    elif tail == "/historical/fills":
        _first(data["fills"], count_fp="99.00")
    elif tail == "/historical/orders":
        _first(data["orders"], status="executed")


_broken_mock = serving_through(breaking_reads(_wrong))


def test_a_wrong_value_fails_each_read_cell_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (matrix, history):
        monkeypatch.setattr(module, "MockServer", _broken_mock)
    named = {
        "positions-pages": "realized_pnl_dollars",
        "fills": "yes_price_dollars",
        "settlements": "market_result",
        "balance": "portfolio_value",
        "resting-value": "it answered 12.34, where it answered '0'",
    }
    read_cells_fail("pykalshi", named, tmp_path)


def test_a_wrong_value_fails_each_market_data_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markets, "MockServer", _broken_mock)
    failed = failed_checks("pykalshi", markets.MARKETS_SCENE, tmp_path)
    named = {
        "markets by event": "yes_bid_dollars", "a market": "floor_strike", "its book": "levels",
        "its trades": "count_fp", "a series' events": "title", "an event": "sub_title", "a series": "frequency",
        "the series list": "title", "the exchange's status": "trading_active",
    }  # fmt: skip
    each_fails(failed, named)
    # the events' walk ended after its first page: the pages counted from the requests pykalshi sent say so
    assert any(problem.startswith("events: pages") for problem in failed["a series' events"]), failed


def test_a_wrong_or_untyped_message_fails_the_feed_cell(
    client_venvs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong_fill(fill: Any) -> dict[str, Any]:
        return render.ws_fill(fill) | {"yes_price_dollars": WRONG_PRICE}

    def untyped_position(row: Any) -> dict[str, Any]:
        message = render.ws_market_position(row)
        return message | {"position_fp": float(message["position_fp"])}  # a number where its model takes a string

    broken = dataclasses.replace(PROFILES["3.34"], ws_fill=wrong_fill, ws_market_position=untyped_position)
    monkeypatch.setitem(PROFILES, "3.34", broken)
    judged = feed_verdict(client_venvs["pykalshi-2.0.0"], tmp_path)
    assert not judged.passed, judged
    assert "yes_price_dollars" in judged.reason, judged
    assert "could not validate (handed over as dict)" in judged.reason, judged


def test_a_wrong_value_fails_each_historical_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "MockServer", _broken_mock)
    failed = failed_checks("pykalshi", historical.HISTORICAL, tmp_path)
    named = {
        "the cutoff": "cutoff", "fills before the cutoff": "count_fp", "the live fills keep the rest": "yes_price",
        "orders ended before the cutoff": "status",
    }  # fmt: skip
    each_fails(failed, named)


def _wrong_order_answer(method: str, tail: str, data: Any) -> None:
    """One value of each answer the orders scene reads made wrong: the writes' acknowledgements (from which pykalshi
    builds its `Order`), the order reads, the queue positions, the balance."""
    if method == "POST" and tail == "/portfolio/events/orders/batched":
        _first(data["orders"], fill_count="9.00")
    elif method == "DELETE" and tail == "/portfolio/events/orders/batched":
        data["orders"].reverse()
    elif method == "POST" and tail.startswith("/portfolio/events/orders"):  # a create, an amend, a decrease
        data["remaining_count"] = "99.00"
    elif tail == "/portfolio/orders":
        _first(data["orders"], status="executed", fill_count_fp="99.00")
    elif tail == "/portfolio/orders/queue_positions":
        _first(data["queue_positions"], queue_position_fp="99.00")
    elif tail.endswith("/queue_position"):
        data["queue_position_fp"] = "99.00"
    elif tail.startswith("/portfolio/orders/"):
        data["order"]["status"] = "executed"
    elif tail == "/portfolio/balance":
        data["balance"] += 100


class WrongOrders(ByMethod):
    """The orders scene's answers broken by `_wrong_order_answer`; a cancel of an order that ended answered as done."""

    paths = ("/portfolio/",)

    def wrong(self, method: str, tail: str, data: Any) -> None:
        _wrong_order_answer(method, tail, data)

    def done(self, tail: str) -> tuple[int, bytes]:
        return 200, orjson.dumps({"order_id": tail.rsplit("/", 1)[-1], "reduced_by": "0.00", "ts_ms": 1})


def test_a_wrong_value_fails_each_orders_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders, "MockServer", serving_through(WrongOrders))
    failed = failed_checks("pykalshi", orders.ORDERS, tmp_path)
    named = {
        "a crossing order": "cross: remaining_count", "a resting order": "queue: remaining_count",
        "an order with no client_order_id": "unnamed: remaining_count", "a batch": "batch: B-1: fill_count",
        "an amend": "amend: remaining_count", "a decrease": "decrease: remaining_count",
        "a cancel": "cancel_again", "a batch cancel": "batch_cancel: order_id", "the balance after": "balance",
        "orders listed": "status", "an order": "status", "queue positions": "queue_positions",
        "a queue position": "queue_position",
    }  # fmt: skip
    each_fails(failed, named)


def _wrong_subaccount_answer(tail: str, data: Any) -> None:
    if tail == "/portfolio/subaccounts":
        data["subaccount_number"] = 9
    elif tail == "/portfolio/subaccounts/balances":
        _first(data["subaccount_balances"], balance="1.0000")
    elif tail == "/portfolio/subaccounts/netting":
        for row in data["netting_configs"]:
            row["enabled"] = not row["enabled"]
    elif tail == "/portfolio/subaccounts/transfers":
        _first(data["transfers"], amount_cents=1)


class WrongSubaccounts(ByMethod):
    """The subaccounts scene's answers broken by `_wrong_subaccount_answer`; a transfer's reused id said done."""

    paths = ("/portfolio/subaccounts",)
    said_done = ("POST", 409)

    def wrong(self, method: str, tail: str, data: Any) -> None:
        if method == "GET" or tail == "/portfolio/subaccounts":  # the reads, and a subaccount made: another number
            _wrong_subaccount_answer(tail, data)

    def done(self, tail: str) -> tuple[int, bytes]:
        return 200, b"{}"


def test_a_wrong_value_fails_each_subaccounts_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subaccounts, "MockServer", serving_through(WrongSubaccounts))
    failed = failed_checks("pykalshi", subaccounts.SUBACCOUNTS, tmp_path)
    named = {
        "balances as seeded": "balances_seeded: balances", "netting as seeded": "netting_seeded: netting",
        "a new subaccount": "create: subaccount_number", "refusals": "reused",
        "netting set": "netting: netting", "balances after": "balances: balances",
        "transfers listed": "transfers, newest first",
    }  # fmt: skip
    each_fails(failed, named)


def test_a_wrong_delta_fails_the_book_cell(
    client_venvs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `orderbook_delta` one contract more than the level moved: the book pykalshi keeps is not the ledger's."""
    honest = PROFILES["3.34"].ws_orderbook_delta

    def one_more(*args: Any) -> dict[str, Any]:
        message = honest(*args)
        return message | {"delta_fp": f"{Decimal(message['delta_fp']) + 1:.2f}"}

    monkeypatch.setitem(PROFILES, "3.34", dataclasses.replace(PROFILES["3.34"], ws_orderbook_delta=one_more))
    judged = book_verdict(client_venvs["pykalshi-2.0.0"], tmp_path)
    assert not judged.passed and "the book after move 1" in judged.reason, judged


def test_a_wrong_or_untyped_message_fails_the_market_cell(
    client_venvs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each trade a cent off its row of GET /markets/trades, each ticker's volume a number where its model takes a
    string."""
    honest = PROFILES["3.34"]

    def wrong_trade(*args: Any) -> dict[str, Any]:
        return honest.ws_trade(*args) | {"yes_price_dollars": WRONG_PRICE}

    def untyped_ticker(*args: Any) -> dict[str, Any]:
        message = honest.ws_ticker(*args)
        return message | {"volume_fp": float(message["volume_fp"])}

    monkeypatch.setitem(PROFILES, "3.34", dataclasses.replace(honest, ws_trade=wrong_trade, ws_ticker=untyped_ticker))
    judged = market_verdict(client_venvs["pykalshi-2.0.0"], tmp_path)
    assert not judged.passed, judged
    assert "TradeMessage" in judged.reason and "yes_price_dollars" in judged.reason, judged
    assert "a dict, not a TickerMessage" in judged.reason, judged


class WrongAccount(ByMethod):
    """The account scene's answers with one value wrong each: the usage tier, a generated key's private half (another
    key's), a key's name in the list; a key deleted twice said deleted the second time."""

    paths = ("/account/", "/api_keys")

    def wrong(self, method: str, tail: str, data: Any) -> None:
        if tail == "/account/limits":
            data["usage_tier"] = "basic"
        elif tail == "/api_keys/generate":
            data["private_key"] = private_key_pem(generate_private_key("rsa"))
        elif tail == "/api_keys" and method == "GET":
            data["api_keys"][-1]["name"] = "broken"

    def done(self, tail: str) -> tuple[int, bytes]:
        return 204, b""


def test_a_wrong_value_fails_each_account_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account, "MockServer", serving_through(WrongAccount))
    failed = failed_checks("pykalshi", account.ACCOUNT, tmp_path)
    named = {
        "limits": "limits: usage_tier", "keys made": "generate_rsa: the private key's public half",
        "a key deleted": "delete_again", "keys listed": "api_keys",
    }  # fmt: skip
    each_fails(failed, named)


def _wrong_exchange_data(tail: str, data: Any) -> None:
    if tail == "/exchange/schedule":
        data["schedule"]["maintenance_windows"][0]["end_datetime"] = "2026-04-01T03:00:00Z"
    elif tail == "/historical/markets":
        _first(data["markets"], yes_bid_dollars=WRONG_PRICE)
    elif tail.startswith("/historical/markets/") and tail.endswith("/candlesticks"):
        for candle in data["candlesticks"]:
            candle["volume"] = "99.00"
    elif tail.startswith("/historical/markets/"):
        data["market"]["floor_strike"] = 99.5
    elif tail == "/historical/trades":
        _first(data["trades"], count_fp="99.00")
    elif tail == "/multivariate_event_collections":
        _first(data["multivariate_contracts"], title="broken")
    elif tail == "/events/multivariate":
        _first(data["events"], title="broken")
    elif tail == "/exchange/user_data_timestamp":  # (the name its misread reads: it no longer answers 0)
        data["user_data_timestamp"] = 1_700_000_000


def test_a_wrong_value_fails_each_exchange_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange_data, "MockServer", serving_through(breaking_reads(_wrong_exchange_data)))
    failed = failed_checks("pykalshi", exchange_data.EXCHANGE_DATA, tmp_path)
    named = {
        "the schedule": "maintenance windows", "historical markets": "floor_strike",
        "historical candlesticks": "volume", "historical trades": "count_fp", "collections": "title",
        "a combo made": "combo_events", "GetUserDataTimestamp misread": "it answered 1700000000, where it answered 0",
    }  # fmt: skip
    each_fails(failed, named)


class WrongRfqs(BreakingAnswers):  # type: ignore[misc]
    """An RFQ read with its size wrong."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return scope["method"] == "GET" and "/communications/rfqs/" in scope["path"]

    def broken(self, path: str, data: Any) -> None:
        data["rfq"]["contracts_fp"] = "99.00"


def test_a_wrong_value_fails_the_rfqs_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rfqs, "MockServer", serving_through(WrongRfqs))
    each_fails(failed_checks("pykalshi", rfqs.RFQS, tmp_path), {"RFQs": "rfq: contracts"})
