"""Deribit's public channels beyond the book and the ticker, over a real websocket: trades.* (by instrument, by kind
and currency), chart.trades.*, quote.*, incremental_ticker.*, instrument.state.*, deribit_price_index.*,
markprice.options.*, perpetual.*, platform_state and announcements; each channel's first notification and the next
after a trade, a move of the book or a price, a listing or an expiry, a funding rate, a lock, an announcement,
compared with what REST reads at the same moment (the exchange clock stands still); bad channel names; raw needs an
authorized connection; unsubscribing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import plain_http
import pytest
import websockets
from deribit_rpc import DeribitWs

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

START = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
PERP = "BTC-PERPETUAL"
FUTURE = "BTC-25JAN30"  # expires 25 Jan 2030 08:00 UTC
CALL = "BTC-27DEC30-60000-C"
PUT = "BTC-27DEC30-40000-P"
ETH_PERP = "ETH-PERPETUAL"


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock(START)) as server:
        for user in ("alice", "bob"):
            server.create_deribit_account(user, balances={"BTC": "10", "ETH": "100", "USDC": "100000"})
        server.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
        server.set_index_price("btc_usd", "50000")
        server.set_index_price("eth_usd", "3000")
        for name in (PERP, FUTURE, CALL, ETH_PERP):
            server.list_instrument(name)
        yield server


def result(mock: MockServer, method: str, **params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    reply = json.loads(plain_http.post(f"{mock.deribit_url}/api/v2", json=body, timeout=10).text, parse_float=Decimal)
    assert "result" in reply, reply
    return reply["result"]


def run(mock: MockServer, body: Callable[[DeribitWs], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            return await body(DeribitWs(ws))

    return asyncio.run(go())


async def subscribe(client: DeribitWs, *channels: str) -> None:
    reply = await client.call("public/subscribe", {"channels": list(channels)})
    assert reply.get("result") == list(channels), reply


async def data(client: DeribitWs, channel: str) -> Any:
    """The next notification's data, which must be of `channel`."""
    message = await client.notification()
    assert message["params"]["channel"] == channel, message
    return message["params"]["data"]


async def act(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(call, *args, **kwargs)


# -- trades ------------------------------------------------------------------------------------------------------------


def test_trades_channels_send_each_trade_once_as_the_last_trades_list_it(mock):
    channels = (f"trades.{PERP}.100ms", "trades.future.BTC.agg2", "trades.any.any.100ms", "trades.option.btc.100ms")

    async def body(client: DeribitWs) -> None:
        await subscribe(client, *channels)
        assert await client.quiet()  # no first notification: a trade is news once
        await act(mock.deribit_order, "bob", PERP, "sell", "30", "50010")
        await act(mock.deribit_order, "bob", PERP, "sell", "20", "50020")
        await act(mock.deribit_place_order, "alice", PERP, "buy", "50", "50020")  # two trades, each both sides
        seen = [await client.notification() for _ in range(6)]
        assert await client.quiet()  # the makers' sides are the same trades
        read = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, sorting="asc")["trades"]
        assert len(read) == 2 and [t["direction"] for t in read] == ["buy", "buy"]
        by_channel: dict[str, list[Any]] = {}
        for message in seen:
            by_channel.setdefault(message["params"]["channel"], []).extend(message["params"]["data"])
        assert by_channel == {channels[0]: read, channels[1]: read, channels[2]: read}
        await act(mock.deribit_fill, "alice", CALL, "buy", "1", "0.05")  # a seeded fill: an option
        await act(mock.deribit_fill, "alice", ETH_PERP, "sell", "10", "3000")
        option = (await data(client, channels[2]))[0]
        assert (await data(client, channels[3]))[0] == option
        assert option["iv"] == 50 and option["instrument_name"] == CALL and option["contracts"] == 1
        eth = (await data(client, channels[2]))[0]
        assert eth == result(mock, "public/get_last_trades_by_currency", currency="ETH")["trades"][0]
        assert await client.quiet()

    run(mock, body)


def test_raw_trades_need_an_authorized_connection(mock):
    async def body(client: DeribitWs) -> None:
        refused = await client.call("public/subscribe", {"channels": [f"trades.{PERP}.raw"]})
        assert refused["error"]["code"] == 13778
        assert "result" in await client.auth("AliceKey", "alice-secret")
        await subscribe(client, f"trades.{PERP}.raw", "trades.any.BTC.raw")
        await act(mock.deribit_fill, "bob", PERP, "buy", "10", "50000")
        first, second = await client.notification(), await client.notification()
        assert first["params"]["data"] == second["params"]["data"]

    run(mock, body)


# -- chart.trades ------------------------------------------------------------------------------------------------------


def chart_candle(mock: MockServer, resolution: str) -> dict[str, Any]:
    """The newest candle the chart reads, as the channel writes one."""
    now_ms = int(mock.exchange.state.clock.now().timestamp() * 1000)
    chart = result(mock, "public/get_tradingview_chart_data", instrument_name=PERP, resolution=resolution,
                   start_timestamp=now_ms - 86_400_000, end_timestamp=now_ms)  # fmt: skip
    columns = ("volume", "ticks", "open", "low", "high", "cost", "close")
    return {("tick" if column == "ticks" else column): chart[column][-1] for column in columns}


def test_chart_trades_sends_the_candle_each_trade_changed_as_the_chart_reads_it(mock):
    async def body(client: DeribitWs) -> None:
        await subscribe(client, f"chart.trades.{PERP}.1")
        assert await client.quiet()  # no trade yet: no candle
        await act(mock.deribit_fill, "alice", PERP, "buy", "100", "50000")
        assert await data(client, f"chart.trades.{PERP}.1") == chart_candle(mock, "1")
        await act(mock.deribit_fill, "bob", PERP, "sell", "50", "49000")
        candle = await data(client, f"chart.trades.{PERP}.1")
        assert candle == chart_candle(mock, "1")
        assert (candle["open"], candle["low"], candle["close"]) == (50000, 49000, 49000)
        assert candle["cost"] == 150 and candle["volume"] == Decimal("0.00302041")  # 100/50000 + 50/49000, 8 places
        await act(mock.advance_clock, seconds=120)  # the next 3 minutes' period, with no trade
        await subscribe(client, f"chart.trades.{PERP}.3", f"chart.trades.{PERP}.1D")
        filled = await data(client, f"chart.trades.{PERP}.3")
        assert filled == chart_candle(mock, "3") and filled["volume"] == 0 and filled["close"] == 49000
        day = await data(client, f"chart.trades.{PERP}.1D")
        midnight_ms = int(datetime(2030, 1, 2, tzinfo=UTC).timestamp() * 1000)
        assert day == chart_candle(mock, "1D") and day["tick"] == midnight_ms

    run(mock, body)


# -- quote and incremental_ticker --------------------------------------------------------------------------------------


def ticker_top(mock: MockServer, name: str = PERP) -> dict[str, Any]:
    ticker = result(mock, "public/ticker", instrument_name=name)
    return {key: ticker[key] for key in ("timestamp", "instrument_name", "best_bid_price", "best_bid_amount",
                                         "best_ask_price", "best_ask_amount")}  # fmt: skip


def test_quote_sends_the_top_of_the_book_at_once_and_on_each_change_of_it(mock):
    bid = mock.deribit_order("alice", PERP, "buy", "100", "49990")["order_id"]
    mock.deribit_order("bob", PERP, "sell", "70", "50010.5")

    async def body(client: DeribitWs) -> None:
        await subscribe(client, f"quote.{PERP}")
        assert await data(client, f"quote.{PERP}") == ticker_top(mock)
        await act(mock.deribit_order, "bob", PERP, "buy", "10", "49000")  # below the top: no news
        assert await client.quiet()
        await act(mock.deribit_order, "bob", PERP, "buy", "50", "49990")  # more at the best bid
        moved = await data(client, f"quote.{PERP}")
        assert moved == ticker_top(mock) and moved["best_bid_amount"] == 150
        await act(mock.deribit_cancel_order, bid)
        assert (await data(client, f"quote.{PERP}"))["best_bid_amount"] == 50
        await act(mock.deribit_place_order, "alice", PERP, "buy", "70", "50010.5")  # takes the only ask
        gone = await data(client, f"quote.{PERP}")
        assert gone == ticker_top(mock) and gone["best_ask_price"] == 0 and gone["best_ask_amount"] == 0

    run(mock, body)


def test_incremental_ticker_sends_the_ticker_then_only_what_moved(mock):
    mock.deribit_order("alice", PERP, "buy", "100", "49990")

    async def body(client: DeribitWs) -> None:
        channel = f"incremental_ticker.{PERP}"
        await subscribe(client, channel)
        snapshot = await data(client, channel)
        assert snapshot.pop("type") == "snapshot" and snapshot == result(mock, "public/ticker", instrument_name=PERP)
        await act(mock.set_index_price, "btc_usd", "51000")
        change = await data(client, channel)
        assert change == {
            "type": "change", "timestamp": snapshot["timestamp"], "instrument_name": PERP, "index_price": 51000,
            "estimated_delivery_price": 51000, "mark_price": 51000, "min_price": 48450, "max_price": 53550,
        }  # fmt: skip
        await act(mock.deribit_order, "bob", PERP, "buy", "10", "40000")  # below the top: the ticker is the same
        await act(mock.deribit_fill, "alice", PERP, "buy", "10", "50500")
        traded = await data(client, channel)
        assert set(traded) == {"type", "timestamp", "instrument_name", "last_price", "stats", "open_interest"}
        merged = {**snapshot, **{k: v for k, v in change.items() if k != "type"}}
        merged.update({k: v for k, v in traded.items() if k != "type"})
        assert merged == result(mock, "public/ticker", instrument_name=PERP)
        await act(mock.set_index_price, "eth_usd", "3100")  # another index
        assert await client.quiet()

    run(mock, body)


def test_an_options_incremental_ticker_follows_its_volatility(mock):
    async def body(client: DeribitWs) -> None:
        await subscribe(client, f"incremental_ticker.{CALL}", f"ticker.{CALL}.100ms")
        snapshot = await data(client, f"incremental_ticker.{CALL}")
        await data(client, f"ticker.{CALL}.100ms")
        await act(mock.set_volatility, "0.8", currency="BTC")
        change = await data(client, f"incremental_ticker.{CALL}")
        ticker = await data(client, f"ticker.{CALL}.100ms")
        assert change["mark_iv"] == 80 == ticker["mark_iv"] and change["mark_price"] > snapshot["mark_price"]
        assert change["greeks"] == ticker["greeks"] == result(mock, "public/ticker", instrument_name=CALL)["greeks"]

    run(mock, body)


# -- instrument.state --------------------------------------------------------------------------------------------------


def test_instrument_state_follows_listings_and_expiries(mock):
    async def body(client: DeribitWs) -> None:
        await subscribe(client, "instrument.state.future.BTC", "instrument.state.any.any")
        assert await client.quiet()
        listed_ms = int(START.timestamp() * 1000)
        await act(mock.list_instrument, "BTC-1FEB30")
        await act(mock.list_instrument, PUT)
        seen = [(m["params"]["channel"], m["params"]["data"]) for m in [await client.notification() for _ in range(6)]]
        assert [(channel.split(".")[2], row["instrument_name"], row["state"]) for channel, row in seen] == [
            ("future", "BTC-1FEB30", "created"), ("future", "BTC-1FEB30", "started"),
            ("any", "BTC-1FEB30", "created"), ("any", "BTC-1FEB30", "started"),
            ("any", PUT, "created"), ("any", PUT, "started"),
        ]  # fmt: skip
        assert {row["timestamp"] for _, row in seen} == {listed_ms}
        await act(mock.advance_clock, to="2030-01-25T09:00:00Z")  # past BTC-25JAN30's expiry (and the default weekly's)
        gone = result(mock, "public/get_instruments", currency="BTC", kind="future", expired=True)
        assert FUTURE in [row["instrument_name"] for row in gone] and not any(row["is_active"] for row in gone)
        seen = [await client.notification() for _ in range(6 * len(gone))]
        assert await client.quiet()
        states = {(m["params"]["channel"], row["instrument_name"], row["timestamp"], row["state"])
                  for m in seen for row in [m["params"]["data"]]}  # fmt: skip
        assert states == {
            (channel, row["instrument_name"], row["expiration_timestamp"], state)
            for channel in ("instrument.state.future.BTC", "instrument.state.any.any") for row in gone
            for state in ("settled", "closed", "terminated")
        }  # fmt: skip
        ours = [m["params"]["data"]["state"] for m in seen if m["params"]["data"]["instrument_name"] == FUTURE]
        assert ours == ["settled", "closed", "terminated"] * 2

    run(mock, body)


# -- deribit_price_index and markprice.options ------------------------------------------------------------------------


def test_price_index_sends_the_index_at_once_and_as_it_moves(mock):
    async def body(client: DeribitWs) -> None:
        await subscribe(client, "deribit_price_index.btc_usd", "deribit_price_index.sol_usdc")
        at_ms = int(START.timestamp() * 1000)
        assert await data(client, "deribit_price_index.btc_usd") == {
            "timestamp": at_ms,
            "price": 50000,
            "index_name": "btc_usd",
        }
        assert await client.quiet()  # an index with no price yet: nothing
        await act(mock.advance_clock, seconds=5)
        await act(mock.set_index_price, "btc_usd", "50100.12345678")
        moved = await data(client, "deribit_price_index.btc_usd")
        assert moved == {"timestamp": at_ms + 5000, "price": Decimal("50100.12345678"), "index_name": "btc_usd"}
        assert moved["price"] == result(mock, "public/ticker", instrument_name=PERP)["index_price"]
        await act(mock.set_index_price, "sol_usdc", "150")
        assert (await data(client, "deribit_price_index.sol_usdc"))["price"] == 150

    run(mock, body)


def marks(mock: MockServer, *names: str) -> list[dict[str, Any]]:
    """The options' marks as their tickers read them."""
    rows = []
    for name in names:
        ticker = result(mock, "public/ticker", instrument_name=name)
        rows.append({"timestamp": ticker["timestamp"], "mark_price": ticker["mark_price"],
                     "iv": Decimal(ticker["mark_iv"]) / 100, "instrument_name": name})  # fmt: skip
    return rows


def test_option_marks_follow_the_index_the_volatility_and_a_pinned_mark(mock):
    mock.list_instrument(PUT)
    mock.list_instrument("ETH-27DEC30-4000-C")  # another index's

    listed = result(mock, "public/get_instruments", currency="BTC", kind="option")
    names = [row["instrument_name"] for row in listed if row["instrument_type"] == "reversed"]  # (btc_usdc's: linear)
    assert CALL in names and PUT in names

    def ours(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert [row["instrument_name"] for row in sent] == names
        return [row for row in sent if row["instrument_name"] in (CALL, PUT)]  # (by name: the put first)

    async def body(client: DeribitWs) -> None:
        channel = "markprice.options.btc_usd"
        await subscribe(client, channel)
        assert ours(await data(client, channel)) == marks(mock, PUT, CALL)
        await act(mock.set_index_price, "btc_usd", "52000")
        assert ours(await data(client, channel)) == marks(mock, PUT, CALL)
        await act(mock.set_volatility, "0.65", instrument_name=PUT)
        moved = ours(await data(client, channel))
        assert moved == marks(mock, PUT, CALL) and moved[0]["iv"] == Decimal("0.65")
        await act(mock.set_mark_price, CALL, "0.0123")
        assert ours(await data(client, channel))[1]["mark_price"] == Decimal("0.0123")
        await act(mock.set_index_price, "eth_usd", "3200")
        await act(mock.set_mark_price, PERP, "52100")  # a future's mark
        assert await client.quiet()

    run(mock, body)


# -- perpetual, platform_state, announcements --------------------------------------------------------------------------


def test_perpetual_sends_the_funding_rate_and_the_index_as_either_moves(mock):
    async def body(client: DeribitWs) -> None:
        await subscribe(client, f"perpetual.{PERP}.100ms", f"perpetual.{FUTURE}.100ms")
        at_ms = int(START.timestamp() * 1000)
        assert await data(client, f"perpetual.{PERP}.100ms") == {
            "timestamp": at_ms,
            "interest": 0,
            "index_price": 50000,
        }
        assert await client.quiet()  # a dated future has no funding: nothing
        await act(mock.set_deribit_funding_rate, PERP, [{"rate": "0.0001"}, {"seconds": 3600, "rate": "-0.0002"}])
        assert (await data(client, f"perpetual.{PERP}.100ms"))["interest"] == Decimal("0.0001")
        await act(mock.set_index_price, "btc_usd", "50500")
        indexed = await data(client, f"perpetual.{PERP}.100ms")
        assert indexed == {"timestamp": at_ms, "interest": Decimal("0.0001"), "index_price": 50500}
        await act(mock.advance_clock, seconds=60)  # no point of the path reached: the rate is not told again
        await act(mock.set_index_price, "btc_usd", "50600")
        assert (await data(client, f"perpetual.{PERP}.100ms"))["index_price"] == 50600
        await act(mock.advance_clock, seconds=3540)  # the path's next rate
        later = await data(client, f"perpetual.{PERP}.100ms")
        chart = result(mock, "public/get_funding_chart_data", instrument_name=PERP, length="8h")
        assert later["interest"] == chart["current_interest"] == Decimal("-0.0002")
        assert later["index_price"] == result(mock, "public/ticker", instrument_name=PERP)["index_price"]
        assert await client.quiet()

    run(mock, body)


def test_platform_state_tells_each_index_locked_and_unlocked(mock):
    async def body(client: DeribitWs) -> None:
        await subscribe(client, "platform_state")
        assert await client.quiet()
        await act(mock.set_deribit_platform_status, ["btc_usd", "eth_usd"])
        locked = [await data(client, "platform_state") for _ in range(2)]
        assert locked == [{"price_index": "btc_usd", "locked": True}, {"price_index": "eth_usd", "locked": True}]
        await act(mock.set_deribit_platform_status, ["eth_usd", "sol_usdc"])
        moved = [await data(client, "platform_state") for _ in range(2)]
        assert moved == [{"price_index": "sol_usdc", "locked": True}, {"price_index": "btc_usd", "locked": False}]
        assert result(mock, "public/status")["locked_indices"] == ["eth_usd", "sol_usdc"]
        assert await client.quiet()

    run(mock, body)


def test_an_announcement_reaches_subscribers_when_it_is_published(mock):
    later = datetime(2030, 1, 2, 4, tzinfo=UTC)

    async def body(client: DeribitWs) -> None:
        await subscribe(client, "announcements")
        await act(mock.add_deribit_announcement, "Maintenance", "<p>Soon</p>", important=True)
        now = await data(client, "announcements")
        assert now.pop("action") == "new" and [now] == result(mock, "public/get_announcements")
        await act(mock.add_deribit_announcement, "Later", "b", publication_time=later.isoformat())
        assert await client.quiet()  # not published yet: nor does the REST read show it
        await act(mock.advance_clock, to=later.isoformat())
        told = await data(client, "announcements")
        assert told["title"] == "Later" and told["publication_timestamp"] == int(later.timestamp() * 1000)
        assert told.pop("action") == "new" and told == result(mock, "public/get_announcements")[0]
        await act(mock.advance_clock, seconds=60)
        assert await client.quiet()  # each told once

    run(mock, body)


# -- names, unsubscribing ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channel",
    [
        "trades.NOT-LISTED.100ms", f"trades.{PERP}.1s", f"trades.{PERP}", "trades.future.BTC", "trades.future.BTC.1s",
        "trades.swap.BTC.100ms",
        "trades.future.B-C.100ms", "trades.future.BTC.100ms.x", f"chart.trades.{PERP}.2", "chart.trades.NOT-LISTED.1",
        f"chart.trades.{PERP}", f"quote.{PERP}.100ms", "quote.NOT-LISTED", "incremental_ticker.NOT-LISTED",
        f"incremental_ticker.{PERP}.raw", "instrument.state.any", "instrument.state.swap.BTC",
        "instrument.state.any.any.raw", "deribit_price_index.BTC_USD", "deribit_price_index.btcusd",
        "deribit_price_index.btc_usd.raw", "markprice.options.x", "markprice.options", "quote." + "x" * 5000,
        f"perpetual.{PERP}", "perpetual.NOT-LISTED.100ms", f"perpetual.{PERP}.1s",
    ],
)  # fmt: skip
def test_bad_channel_names_are_invalid_params(mock, channel):
    async def body(client: DeribitWs) -> None:
        reply = await client.call("public/subscribe", {"channels": [channel]})
        assert reply["error"]["code"] == -32602 and reply["error"]["data"]["param"] == "channels", reply
        assert reply["error"]["data"]["reason"] == "invalid channel"
        assert await client.quiet()

    run(mock, body)


def test_unsubscribed_channels_send_nothing_more(mock):
    mock.deribit_order("bob", PERP, "sell", "70", "50010.5")
    names = [f"trades.{PERP}.100ms", f"chart.trades.{PERP}.5", f"quote.{PERP}", f"incremental_ticker.{PERP}",
             "instrument.state.any.any", "deribit_price_index.btc_usd", "markprice.options.btc_usd",
             f"perpetual.{PERP}.agg2", "platform_state", "announcements"]  # fmt: skip

    async def body(client: DeribitWs) -> None:
        await subscribe(client, *names)
        for _ in range(5):  # the quote, the ticker, the index, the marks and the perpetual at once
            await client.notification()
        assert (await client.call("public/unsubscribe", {"channels": names[:4]}))["result"] == names[:4]
        assert (await client.call("public/unsubscribe", {"channels": names[4:]}))["result"] == names[4:]
        await act(mock.deribit_place_order, "alice", PERP, "buy", "70", "50010.5")
        await act(mock.set_index_price, "btc_usd", "51000")
        await act(mock.list_instrument, PUT)
        await act(mock.set_deribit_platform_status, ["btc_usd"])
        await act(mock.add_deribit_announcement, "Gone", "b")
        assert await client.quiet()

    run(mock, body)


def test_a_move_of_an_index_a_mark_or_a_volatility_names_the_currencies_of_the_instruments_it_values():
    """The key a portfolio channel joins the fan-out under (`Routing.wide`): the settlement currencies a move values."""
    from types import SimpleNamespace

    from mockexchange.core.deribit.instruments import parse_instrument_name
    from mockexchange.core.events import Change
    from mockexchange.venues.deribit.public_channels import INDEX, MARK, SETTLEMENT, VOLATILITY, moved_currencies

    names = ("BTC-PERPETUAL", "ETH_USDC-PERPETUAL", "SOL_USDC-27DEC30-150-C")
    listings = {name: SimpleNamespace(instrument=parse_instrument_name(name)) for name in names}

    def moved(kind: str, *payload: Any) -> tuple[str, ...]:
        return moved_currencies(Change(kind, None, payload), listings)

    assert moved(INDEX, "btc_usd", 1) == ("BTC",) and moved(INDEX, "eth_usdc", 1) == ("USDC",)
    assert moved(MARK, "BTC-PERPETUAL", 1) == ("BTC",) and moved(MARK, "ETH_USDC-PERPETUAL", None) == ("USDC",)
    assert moved(MARK, "ETH-PERPETUAL", 1) == ()  # (not listed)
    assert moved(VOLATILITY, "SOL_USDC-27DEC30-150-C", 1) == ("USDC",)
    assert moved(VOLATILITY, "btc", 1) == ("BTC", "USDC") and moved(VOLATILITY, "SOL", 1) == ("USDC",)
    assert moved(SETTLEMENT, "BTC-PERPETUAL", 1) == ()


def test_a_connection_is_in_the_fan_out_under_exactly_the_currencies_of_its_portfolio_channels():
    """`PortfolioChannels`: a connection is added to the market fan-out under each listed currency it holds a portfolio
    channel of, once however many names say it, and leaves as its channels go and when it closes, so a move is never
    walked over connections that no longer hold such a channel, nor over closed ones."""
    from mockexchange.core.deribit.exchange import DeribitExchange
    from mockexchange.core.events import Change
    from mockexchange.venues.deribit.channels import parse_channel
    from mockexchange.venues.deribit.portfolio_channels import PortfolioChannels
    from mockexchange.venues.deribit.public_channels import INDEX, KINDS, MarketItem
    from mockexchange.venues.fanout import Fanout

    exchange = DeribitExchange(clock=ManualClock(START))
    fanout: Fanout[object] = Fanout(exchange.state.bus, KINDS, lambda handed: None, 10)
    held = PortfolioChannels(exchange, fanout, object())
    loop = asyncio.new_event_loop()
    try:

        def route(*names: str) -> dict[str, int]:
            held.route([c for c in map(parse_channel, names) if not isinstance(c, str)], loop)
            return {c: fanout.count(("portfolio", c)) for c in ("BTC", "USDC", "SOL") if fanout.count(("portfolio", c))}

        btc_moved = MarketItem(Change(INDEX, None, ("btc_usd", Decimal(61_000))))
        names = ("user.portfolio.btc", "user.portfolio.BTC", "user.portfolio.usdc", "user.portfolio.sol")
        # once for BTC however many names say it; SOL is not a currency the mock lists
        assert route(*names, "user.changes.any.any.raw") == {"BTC": 1, "USDC": 1}
        assert held.moved_by(btc_moved) == ("BTC",)
        assert route("user.portfolio.usdc") == {"USDC": 1} and fanout.count() == 1
        assert route("user.changes.any.any.raw") == {} and held.moved_by(btc_moved) == ()
        route("user.portfolio.btc")
        held.close()
        assert fanout.count() == 0 and held.moved_by(btc_moved) == ()
    finally:
        loop.close()


def test_a_connection_is_in_the_fan_out_under_exactly_the_keys_of_its_public_channels():
    """`MarketSubscriptions`: a connection is added to the market fan-out under the keys its public channels need,
    leaves those of a channel it drops and all of them when it closes; a channel's last notification goes with it, and
    what a render reads shrinks back to the change's instrument once no channel reading more is held."""
    from mockexchange.core.deribit.exchange import DeribitExchange
    from mockexchange.core.deribit.public_levels import PublicLevels
    from mockexchange.core.events import Change
    from mockexchange.venues.deribit.market_subscriptions import MarketSubscriptions, parse_market_channel
    from mockexchange.venues.deribit.public_channels import KINDS, MARK, MarketItem
    from mockexchange.venues.fanout import Fanout

    exchange = DeribitExchange(clock=ManualClock(START))
    for name in ("BTC-PERPETUAL", "ETH-PERPETUAL"):
        exchange.market.list_instrument(name)
    exchange.market.set_index_price("btc_usd", Decimal(60_000))
    fanout: Fanout[object] = Fanout(exchange.state.bus, KINDS, lambda handed: None, 10)
    held = MarketSubscriptions(exchange, PublicLevels(exchange), fanout, object())
    loop = asyncio.new_event_loop()
    try:

        def subscribe(name: str) -> int:
            channel = parse_market_channel(name, exchange)
            assert not isinstance(channel, str), channel
            held.first(held.subscribe(channel, loop))
            return fanout.count()

        marked = MarketItem(Change(MARK, None, ("ETH-PERPETUAL", Decimal(3_000))))
        assert subscribe("book.BTC-PERPETUAL.100ms") == 1 and held.reads(marked).markets == {"ETH-PERPETUAL"}
        assert subscribe("quote.ETH-PERPETUAL") == 2 and "quote.ETH-PERPETUAL" in held.held.last  # (the top it told)
        held.unsubscribe("quote.ETH-PERPETUAL")
        assert fanout.count() == 1 and "quote.ETH-PERPETUAL" not in held.held.last
        subscribe("markprice.options.btc_usd")  # (its render reads the marks of every option on the index)
        assert held.reads(marked).markets is None  # (everything)
        held.unsubscribe("markprice.options.btc_usd")
        assert fanout.count() == 1 and held.reads(marked).markets == {"ETH-PERPETUAL"}
        subscribe("ticker.ETH-PERPETUAL.100ms")
        held.clear()
        assert fanout.count() == 0 and not held.held.last
        subscribe("book.BTC-PERPETUAL.100ms")
        held.close()
        assert fanout.count() == 0
    finally:
        loop.close()
