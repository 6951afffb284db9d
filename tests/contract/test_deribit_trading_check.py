"""`contract check-deribit` on the trading methods: the reads always, the writes (which place orders) only with
`--order-writes`, leaving no order of their own behind; each method's defect on a broken server named; nothing sent to
a write without the flag."""

from __future__ import annotations

import pytest
from broken_deribit import TRADING_DEFECTS, broken_deribit
from kit_commands import verdicts
from test_deribit_account_check import rpc, token_of
from test_deribit_check import check_deribit, seed

from mockexchange.contract.deribit import trading
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
TRADING_METHODS = sorted(TRADING_DEFECTS)
WRITING = ("--order-writes", "--instrument", PERP)


def seed_trading(server: MockServer) -> None:
    """alice long the perpetual, an order of hers filled (in her history) and one open with a fill (its trades)."""
    seed(server)
    server.create_deribit_account("bob", balances={"BTC": "10"})
    server.deribit_order("bob", PERP, "buy", "100", "49000")
    server.deribit_order("alice", PERP, "sell", "100", "49000")
    server.deribit_order("alice", PERP, "sell", "200", "52000")
    server.deribit_order("bob", PERP, "buy", "100", "52000")


def only_trading_methods() -> list[str]:
    return [arg for method in TRADING_METHODS for arg in ("--method", method)]


@pytest.mark.slow
def test_the_mock_passes_every_trading_method_with_the_writes() -> None:
    with MockServer() as server:
        seed_trading(server)
        token = token_of(server)
        open_before = rpc(server, "private/get_open_orders", {}, token)["result"]
        market_maker = (
            "private/enable_cancel_on_disconnect",
            "private/set_mmp_config",
            "private/mass_quote",
            "private/reset_mmp",
            "private/get_mmp_status",
        )  # (a mass quote over the websocket)
        asked = [arg for method in market_maker for arg in ("--method", method)]
        result = check_deribit(server, "--listen", "0", *only_trading_methods(), *asked, *WRITING)
        assert result.returncode == 0, result.stdout + result.stderr
        found = verdicts(result.stdout)
        for method in (*TRADING_METHODS, *market_maker):
            assert found[method].startswith("PASS"), (method, found[method])
        placed = server.requests(venue="deribit", operation="private/buy")
        assert placed and all(entry["problems"] == [] for entry in placed)
        # The check's own orders are gone (the cancel_all* calls took alice's resting sell with them).
        assert rpc(server, "private/get_open_orders", {}, token)["result"] == []
        assert len(open_before) == 1
        closed = rpc(server, "private/get_order_history_by_currency", {"currency": "BTC", "include_unfilled": True},
                     token)["result"]  # fmt: skip
        assert {row["label"] for row in closed} >= {trading.LABEL}


def test_each_trading_method_fails_on_a_broken_server() -> None:
    with broken_deribit() as server:
        seed_trading(server)
        result = check_deribit(server, "--listen", "0", "--no-websocket", *only_trading_methods(), *WRITING)
    assert result.returncode == 1, result.stdout + result.stderr
    found = verdicts(result.stdout)
    for method, (_, said) in TRADING_DEFECTS.items():
        assert found[method].startswith("FAIL"), (method, found[method])
        assert said in found[method], (method, found[method])


def test_without_the_flag_no_order_is_placed() -> None:
    with MockServer() as server:
        seed_trading(server)
        result = check_deribit(server, "--listen", "0", "--no-websocket", "--instrument", PERP)
        assert result.returncode == 0, result.stdout + result.stderr
        found = verdicts(result.stdout)
        for method in trading.WRITES:
            assert found[method].startswith("skipped"), (method, found[method])
            assert "--order-writes" in found[method]
            assert server.requests(venue="deribit", operation=method) == []
        for method in ("private/get_order_history_by_currency", "private/get_margins"):
            assert found[method].startswith("PASS") and server.requests(venue="deribit", operation=method)
        token = token_of(server)
        assert len(rpc(server, "private/get_open_orders", {}, token)["result"]) == 1
