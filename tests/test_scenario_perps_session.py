"""The shipped scenario `perps-session`, stepped over real HTTP and a real websocket on the exchange clock: SOL-PERP's
marks and index along a path, funding paid at each hour, alice's stop-loss firing through the book, bob liquidated on
the gap down (the backstop taking what the book cannot, the insurance fund covering his deficit). Every answer and
frame is checked against the spec's schemas; the money is the file's comments' figures worked out here; and
`contract check-perps` (with its order writes) passes against the mock the session leaves."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import httpx
from perps_http import signed
from perps_ws import session, signer_of

from mockexchange.cli import main
from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import load_file
from mockexchange.server import MockServer

SOL = "SOL-PERP"
DAY = {"start_date": "2026-11-02", "end_date": "2026-11-02"}
SETUP = 10  # the steps before the first wait


def premium(bid: str, ask: str, index: str) -> Decimal:
    """A bar's premium: how far the book's best bid sits over the index, less how far its best ask sits under it."""
    b, a, i = Decimal(bid), Decimal(ask), Decimal(index)
    return (max(Decimal(0), b - i) - max(Decimal(0), i - a)) / i


def rate(*halves: Decimal) -> Decimal:
    """An hour's rate: its half hours' premiums averaged, to 12 places."""
    return (sum(halves) / len(halves)).quantize(Decimal("1e-12"), ROUND_HALF_EVEN)


def paid(size: int, mark: str, rate_: Decimal) -> Decimal:
    return (-size * Decimal(mark) * rate_).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)


def open_positions(client: httpx.Client) -> list[str]:
    return [p["position"] for p in client.get("/margin/positions").json()["positions"] if Decimal(p["position"])]


def reasons(client: httpx.Client) -> list[str]:
    """The reasons of the user's orders the exchange placed (REST's order_reason; a user's own have none)."""
    orders = client.get("/margin/orders").json()["orders"]
    return [o["order_reason"] for o in orders if o["order_source"] == "system"] + [
        o["order_reason"] for o in orders if o["order_source"] == "user" and "order_reason" in o
    ]


def test_the_session_funds_fires_a_stop_and_liquidates_on_the_clock(tmp_path: Path, capsys) -> None:
    scenario = load_file("perps-session", grammar=GRAMMAR)
    with MockServer(clock=ManualClock(scenario.start), profile=scenario.profile) as mock:
        loaded = mock.load_scenario(path="perps-session", run=False)
        key = next(k for k in loaded["keys"] if k["key_id"] == "alice-key")
        mock.step(SETUP)
        alice, bob = signed(mock, "alice"), signed(mock, "bob")
        assert (open_positions(alice), open_positions(bob)) == (["20.00"], ["40.00"])
        (bracket,) = alice.get(f"/margin/cross/positions/{SOL}/exit_trigger").json()["exit_triggers"]
        assert (bracket["status"], bracket["stop_loss_price"], bracket["take_profit_price"]) == (
            "active", "146.0000", "158.0000"
        )  # fmt: skip
        with session(mock, signer_of(mock, "alice")) as ws:
            ws.subscribe(channels=["fill"])  # (user_orders: its user_id is no uuid here)
            # 15:30 the index 152: the book (149.5 bid, 150.5 ask) under it; 16:00 funding
            hour_one = rate(Decimal(0), premium("149.5", "150.5", "152"))
            mock.step()
            (first,) = alice.get("/margin/funding_history", params=DAY).json()["funding_history"]
            assert (Decimal(str(first["funding_rate"])), Decimal(first["funding_amount"])) == (
                hour_one, paid(20, "152", hour_one)
            )  # fmt: skip
            assert first["funding_amount"] == "15.000000"  # the shorts pay the longs
            # 16:30 the index 148: the book over it; 17:00 funding
            hour_two = rate(premium("149.5", "150.5", "152"), premium("149.5", "150.5", "148"))
            mock.step()
            second = alice.get("/margin/funding_history", params=DAY).json()["funding_history"][1]
            assert Decimal(second["funding_amount"]) == paid(20, "148", hour_two) < 0
            # 17:30 the mark 145.5: alice's stop-loss fires, 20 sold to the maker's 149.5 bid; 18:00 funding
            mock.step()
            frames = ws.settled()
            (fill,) = [f["msg"] for f in frames if f["type"] == "fill"]
            assert (fill["side"], fill["count"], fill["price"], fill["order_source"]) == ("ask", "20.00", "149.5000",
                                                                                          "system")  # fmt: skip
            assert fill["ts_ms"] == int(scenario.start.timestamp() * 1000) + 9000 * 1000  # at 17:30, not 18:00
            assert open_positions(alice) == []
            assert alice.get(f"/margin/cross/positions/{SOL}/exit_trigger").json()["exit_triggers"] == []
            assert reasons(alice) == ["take_profit_stop_loss"]
        # 18:15 the mark 130: bob liquidated (the book's 10 left at 149.5, then the backstop's 30 at 130)
        mock.step()
        fills = bob.get("/margin/fills", params={"ticker": SOL}).json()["fills"]
        system = sorted((f["count"], f["price"]) for f in fills if f["order_source"] == "system")
        assert system == [("10.00", "149.5000"), ("30.00", "130.0000")]
        assert open_positions(bob) == []
        assert reasons(bob) == ["liquidation", "liquidation"]  # (the book's close, the backstop's)
        (balance,) = bob.get("/margin/balance").json()["subaccount_balances"]
        assert Decimal(balance["account_equity"]) == 0
        (record,) = mock.perps_liquidations("bob")["liquidations"]
        assert (record["created"], record["covered_by"]) == ("2026-11-02T18:15:00+00:00", "perps-insurance-fund")
        assert Decimal(mock.perps_account("perps-insurance-fund")["cash"]) == -Decimal(record["deficit_covered"]) < 0
        assert mock.perps_account("perps-backstop")["positions"][0]["position"] == "30.00"
        rates = alice.get("/margin/funding_rates/historical", params={"ticker": SOL}).json()["funding_rates"]
        assert [Decimal(str(r["funding_rate"])) for r in rates][:2] == [hour_one, hour_two] and len(rates) == 3
        for client in (alice, bob):
            client.close()

        pem = tmp_path / "alice.pem"
        pem.write_text(key["private_key_pem"])
        command = ["contract", "check-perps", "--base-url", mock.kalshi_url, "--key-id", key["key_id"],
                   "--private-key", str(pem), "--orders"]  # fmt: skip
        assert main(command) == 0, capsys.readouterr().out
        verdicts = capsys.readouterr().out
        states = {line.split()[1]: line.split()[0] for line in verdicts.splitlines() if line.strip()}
        assert set(states.values()) == {"PASS"}, verdicts
        for operation in ("GetMarginFundingHistory", "GetMarginFundingRateEstimate", "SetCrossMarginExitTrigger"):
            assert states[operation] == "PASS", verdicts
