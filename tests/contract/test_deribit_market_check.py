"""`contract check-deribit` on the market data: public/get_order_book, public/ticker and the book.* and ticker.*
channels pass against the mock, and so does every public market data read (book summaries, last trades, the chart,
volumes, an instrument, the expirations, delivery prices, settlements) with trades, candles and a delivery behind it;
a server answering the wrong shape fails, each method named with its field; a notification of the wrong shape breaks
the slice."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import deribit_public
import kit_commands
import pytest
from broken_deribit import MARKET_DEFECTS, NOTIFICATION_DEFECTS, broken_deribit
from kit_commands import verdicts

from mockexchange.core.clock import ManualClock
from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.server import MockServer

SECRET = "alice-secret"
PERP = "BTC-PERPETUAL"
FUTURE = "BTC-25JAN30"  # expires 25 Jan 2030 08:00 UTC
START = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
MARKET = ("--method", "public/get_order_book", "--method", "public/ticker", "--instrument", PERP)
EVERY_READ = tuple(arg for method in MARKET_DEFECTS for arg in ("--method", method))  # every market data read
CALL = "BTC-27DEC30-60000-C"
PUT = "BTC-27DEC30-40000-P"  # listed while the check listens
OPTION_READS = ("--method", "public/get_mark_price_history", "--method", "public/get_book_summary_by_instrument")
HOUR_MS = 3_600_000
NOW_MS = int(datetime(2030, 1, 25, 9, tzinfo=UTC).timestamp() * 1000)  # the clock once the future is delivered
LAST_HOUR = {"start_timestamp": NOW_MS - HOUR_MS, "end_timestamp": NOW_MS}
ANSWERED = {  # reads whose answers must hold rows for the check to judge
    "public/get_last_settlements_by_currency": {"currency": "BTC"},
    "public/get_last_trades_by_instrument": {"instrument_name": PERP},
    "public/get_funding_rate_history": {"instrument_name": PERP, "start_timestamp": NOW_MS - 8 * HOUR_MS,
                                        "end_timestamp": NOW_MS},
    "public/get_historical_volatility": {"currency": "BTC"},
    "public/get_mark_price_history": {"instrument_name": CALL, **LAST_HOUR},
    "public/get_announcements": {},
    "public/get_volatility_index_data": {"currency": "BTC", "resolution": "3600",
                                         "start_timestamp": NOW_MS - 24 * HOUR_MS, "end_timestamp": NOW_MS},
    "public/get_apr_history": {"currency": "usde"},
}  # fmt: skip


def seed(server: MockServer) -> None:
    server.create_deribit_account("alice", balances={"BTC": "10"})
    server.create_deribit_key("alice", client_id="AliceKey", client_secret=SECRET)
    server.set_index_price("btc_usd", "50000")
    server.deribit_order("alice", PERP, "buy", "100", "49990")
    server.deribit_order("alice", PERP, "sell", "100", "50010")


def seed_history(server: MockServer) -> None:
    """`seed`, with a future bought of bob and delivered, then the perpetual traded, and the feeds set: trades,
    candles, volumes, a delivery price, a settlement, funding, volatility, APR and an announcement for every read to
    answer."""
    seed(server)
    server.create_deribit_account("bob", balances={"BTC": "10"})
    for name in (FUTURE, CALL):
        server.list_instrument(name)
    trade(server, FUTURE, "100", "50000")
    server.set_settlement_price(FUTURE, "51000")
    server.advance_clock(to="2030-01-25T09:00:00Z")  # past the future's expiry: delivered
    trade(server, PERP, "20", "50005")
    # what the mock has no source for, set along paths on the exchange clock
    server.set_deribit_funding_rate(
        PERP, [{"seconds": -28_800, "rate": "0.0001"}, {"seconds": -7_200, "rate": "-0.0002"}]
    )
    server.set_deribit_historical_volatility("btc", [{"seconds": -7_200, "volatility": "50"}, {"volatility": "55"}])
    server.set_deribit_apr("usde", [{"seconds": -5 * 86_400, "apr": "4.5"}, {"seconds": -2 * 86_400, "apr": "5"}])
    server.set_index_path("btcdvol_usdc", [{"seconds": -6_000, "price": "51"}, {"seconds": -600, "price": "52"}])
    server.add_deribit_announcement("Maintenance", "the platform pauses", important=True)


def while_listening(server: MockServer) -> threading.Thread:
    """Once the check has subscribed (on the websocket), what the channels that send nothing at once tell: a trade of
    the perpetual, an option listed, an announcement, an index locked."""

    def act() -> None:
        deadline = time.monotonic() + 60
        while not server.requests(venue="deribit", operation="private/subscribe") and time.monotonic() < deadline:
            time.sleep(0.05)
        trade(server, PERP, "10", "50005")
        server.list_instrument(PUT)
        server.add_deribit_announcement("Listing", "a new put")
        server.set_deribit_platform_status(["btc_usd"])

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def trade(server: MockServer, name: str, amount: str, price: str) -> None:
    server.deribit_order("bob", name, "sell", amount, price)
    server.deribit_order("alice", name, "buy", amount, price)


@pytest.mark.slow
def test_the_mock_passes_the_market_data_and_its_channels() -> None:
    with MockServer() as server:
        seed(server)
        result = kit_commands.check_deribit(server.deribit_url, "AliceKey", SECRET, "--listen", "1", *MARKET)
    assert result.returncode == 0, result.stdout + result.stderr
    found = verdicts(result.stdout)
    assert found["public/get_order_book"].startswith("PASS"), found
    assert found["public/ticker"].startswith("PASS"), found
    for template in (
        "book.{instrument_name}.{interval}", "book.{instrument_name}.{group}.{depth}.{interval}",
        "ticker.{instrument_name}.{interval}",
    ):  # fmt: skip
        assert found[f"notification {template}"].startswith("PASS"), result.stdout


def test_a_server_answering_the_wrong_shape_fails() -> None:
    with broken_deribit(clock=ManualClock(START)) as server:
        seed_history(server)
        events = while_listening(server)
        result = kit_commands.check_deribit_here(server.deribit_url, "AliceKey", SECRET, "--listen", "1",
                                                 "--instrument", PERP, *EVERY_READ)  # fmt: skip
        events.join(timeout=10)
    assert result.returncode == 1, result.stdout + result.stderr
    found = verdicts(result.stdout)
    for method, (_, said) in MARKET_DEFECTS.items():
        assert found[method].startswith("FAIL") and said in found[method], (method, found[method])
    # each public channel's notifications, broken on the websocket, fail by field
    for template, (_, said) in NOTIFICATION_DEFECTS.items():
        heard = found[f"notification {template}"]
        assert heard.startswith("FAIL") and said in heard, (template, heard)


def test_a_book_notification_of_the_wrong_shape_breaks_the_slice() -> None:
    def frame(channel: str, data: object) -> dict:
        return {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": data}}

    good = {"type": "change", "timestamp": 1, "instrument_name": PERP, "change_id": 3, "prev_change_id": 2,
            "bids": [["new", 49990, 10]], "asks": [["delete", 50010, 0]]}  # fmt: skip
    assert deribit_rpc.notification_problems(frame(f"book.{PERP}.100ms", good)) == (
        "book.{instrument_name}.{interval}",
        [],
    )
    for broken, said in (
        ({**good, "bids": [["add", 49990, 10]]}, "data.bids[0][0]"),
        ({**good, "asks": [[50010, 0]]}, "data.asks[0]"),
        ({k: v for k, v in good.items() if k != "change_id"}, '"change_id" is a required property'),
    ):
        template, problems = deribit_rpc.notification_problems(frame(f"book.{PERP}.100ms", broken))
        assert template == "book.{instrument_name}.{interval}" and any(said in p for p in problems), problems
    grouped = {"timestamp": 1, "instrument_name": PERP, "change_id": 3, "bids": [["new", 1, 2]], "asks": []}
    _, problems = deribit_rpc.notification_problems(frame(f"book.{PERP}.none.10.100ms", grouped))
    assert problems, "a grouped book's levels are [price, amount]"


def test_the_public_channels_shapes_the_mock_does_not_send_are_judged_too() -> None:
    """What the slice allows and refuses beyond the mock's own frames: an incremental ticker's change carries only what
    moved; the platform's state is either field; trades and marks come as arrays."""

    def judged(channel: str, data: object) -> tuple[str | None, list[str]]:
        frame = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": data}}
        return deribit_rpc.notification_problems(frame)

    change = {"type": "change", "timestamp": 1, "instrument_name": PERP, "last_price": 50005}
    assert judged(f"incremental_ticker.{PERP}", change) == ("incremental_ticker.{instrument_name}", [])
    _, problems = judged(f"incremental_ticker.{PERP}", {k: v for k, v in change.items() if k != "type"})
    assert problems == ['data: "type" is a required property']
    assert judged("platform_state", {"allow_unauthenticated_public_requests": True}) == ("platform_state", [])
    _, problems = judged("platform_state", {"allow_unauthenticated_public_requests": "yes"})
    assert problems == ['data.allow_unauthenticated_public_requests: "yes" is not of type "boolean"']
    mark = {"instrument_name": CALL, "iv": 0.5, "mark_price": 0.03, "timestamp": 1}
    assert judged("markprice.options.btc_usd", [mark]) == ("markprice.options.{index_name}", [])
    _, problems = judged("markprice.options.btc_usd", mark)
    assert problems and problems[0].startswith("data: ") and 'is not of type "array"' in problems[0]
    template, problems = judged("trades.option.BTC.raw", [{"trade_id": "1"}])
    assert template == "trades.{kind}.{currency}.{interval}"
    assert any('"trade_seq" is a required property' in line for line in problems), problems


def test_the_mock_passes_every_market_data_read_with_history_behind_it() -> None:
    with MockServer(clock=ManualClock(START)) as server:
        seed_history(server)
        events = while_listening(server)
        result = kit_commands.check_deribit_here(server.deribit_url, "AliceKey", SECRET, "--instrument", PERP,
                                                 "--listen", "1", *EVERY_READ)  # fmt: skip
        events.join(timeout=10)
        # and an option's own reads (its mark history; the perpetual has none)
        option = kit_commands.check_deribit_here(server.deribit_url, "AliceKey", SECRET, "--instrument", CALL,
                                                 "--no-websocket", *OPTION_READS)  # fmt: skip
        journaled = server.requests(venue="deribit", invalid=True)  # (the invalid calls' refusals among them)
        answered = {method: deribit_public.result(server, method, **params) for method, params in ANSWERED.items()}
    assert result.returncode == 0, result.stdout + result.stderr
    found = verdicts(result.stdout)
    for method in MARKET_DEFECTS:
        assert found[method].startswith("PASS") and "note:" not in found[method], (method, found[method])
    for template in NOTIFICATION_DEFECTS:  # every public channel's notifications arrived and matched the slice
        assert found[f"notification {template}"].startswith("PASS"), (template, result.stdout)
    # the journal judged every reply by the same slice as it went out: none broke it
    assert [p for entry in journaled for p in entry["problems"] if p["rule"] == "reply.schema"] == []
    assert option.returncode == 0, option.stdout + option.stderr
    # what was judged had rows: a delivery, the perpetual's trade, the feeds set, the option's marks
    assert FUTURE in [
        row["instrument_name"] for row in answered["public/get_last_settlements_by_currency"]["settlements"]
    ]
    # (newest first: the trade made while the check listened, then the history's)
    assert [row["amount"] for row in answered["public/get_last_trades_by_instrument"]["trades"]] == [10, 20]
    for method in ("_funding_rate_history", "_historical_volatility", "_mark_price_history", "_announcements"):
        assert answered[f"public/get{method}"], method
    assert answered["public/get_volatility_index_data"]["data"] and answered["public/get_apr_history"]["data"]
