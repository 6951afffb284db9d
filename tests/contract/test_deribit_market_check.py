"""`contract check-deribit` on the market data: public/get_order_book, public/ticker and the book.* and ticker.*
channels pass against the mock; a server answering the wrong shape fails, named by method and field; a notification
of the wrong shape breaks the slice."""

from __future__ import annotations

import kit_commands
import pytest
from broken_deribit import MARKET_DEFECTS, broken_deribit
from kit_commands import verdicts

from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.server import MockServer

SECRET = "alice-secret"
PERP = "BTC-PERPETUAL"
MARKET = ("--method", "public/get_order_book", "--method", "public/ticker", "--instrument", PERP)


def seed(server: MockServer) -> None:
    server.create_deribit_account("alice", balances={"BTC": "10"})
    server.create_deribit_key("alice", client_id="AliceKey", client_secret=SECRET)
    server.set_index_price("btc_usd", "50000")
    server.deribit_order("alice", PERP, "buy", "100", "49990")
    server.deribit_order("alice", PERP, "sell", "100", "50010")


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
    with broken_deribit() as server:
        seed(server)
        result = kit_commands.check_deribit(server.deribit_url, "AliceKey", SECRET, "--no-websocket", *MARKET)
    assert result.returncode == 1, result.stdout + result.stderr
    found = verdicts(result.stdout)
    for method, (_, said) in MARKET_DEFECTS.items():
        assert found[method].startswith("FAIL") and said in found[method], (method, found[method])


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
