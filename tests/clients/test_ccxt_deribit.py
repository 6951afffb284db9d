"""ccxt 4.5.90, unmodified from PyPI in its own venv, against the mock's Deribit venue: `fetch_positions`,
`fetch_position`, `fetch_balance` and a bad secret's `AuthenticationError` (ccxt.pro's `watch_my_trades` /
`watch_balance` receiving a fill of the same portfolio is checked on the client matrix's run of it:
tests/clients/ccxt_played.py).

The script (contracts/clients/deribit/ccxt_client.py) reports what ccxt parsed and the raw HTTP bodies it received.
Every value is checked against the Deribit exchange twice: the wire's JSON number, read as a Decimal, equals the
book's Decimal exactly; ccxt's parsed float equals that number as a float (ccxt parses JSON into floats, so that is
as exact as ccxt can be). The judging is mockexchange/contract/clients/ccxt_checks.py's, shared with the client
matrix; the numbers worked out by hand below keep it honest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockexchange.contract.clients.ccxt_checks import (
    HELD,
    POSITION_PATH,
    POSITIONS_PATH,
    TRADER,
    Seeded,
    at,
    balance_problems,
    book_view,
    deribit_mock,
    position_problems,
    positions_problems,
    seed,
    unified_symbol,
    wire_result,
)
from mockexchange.contract.clients.ccxt_run import run_rest

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


@pytest.fixture
def seeded(client_venvs: dict[str, Path]) -> Iterator[Seeded]:
    """The portfolio of mockexchange/contract/clients/ccxt_checks.py: a trader long BTC-PERPETUAL, short an ETH future,
    long a BTC call and long the USDC linear perpetual, the indexes moved after the fills."""
    with deribit_mock() as mock:
        yield seed(mock)


# -- REST -------------------------------------------------------------------------------------------------------------


def test_fetch_positions_and_fetch_position_equal_the_book(seeded: Seeded, tmp_path: Path) -> None:
    mock, names = seeded.mock, seeded.names
    calls = [
        {"id": "all", "method": "fetch_positions"},
        {"id": "btc-futures", "method": "fetch_positions", "kwargs": {"params": {"currency": "BTC", "kind": "future"}}},
        {"id": "eth-future", "method": "fetch_position", "args": [unified_symbol(mock, names["future"])]},
        {"id": "flat", "method": "fetch_position", "args": [unified_symbol(mock, names["flat"])]},
    ]
    outcomes = run_rest(seeded.plan(calls), tmp_path)
    assert all(outcome["ok"] for outcome in outcomes.values()), outcomes

    # Every position, each one equal to the mock's records; load_markets first, as ccxt does.
    everything = outcomes["all"]
    assert [r["path"] for r in everything["requests"]] == [
        "/api/v2/public/get_currencies",
        "/api/v2/public/get_instruments",
        "/api/v2/private/get_positions",
    ]
    assert everything["requests"][1]["query"] == {} and everything["requests"][2]["query"] == {}
    held = sorted(names[role] for role in HELD)
    problems = positions_problems(seeded, everything, held)
    assert not problems, "\n".join(problems)
    wire = {row["instrument_name"]: row for row in wire_result(everything, POSITIONS_PATH)}
    parsed = {p["info"]["instrument_name"]: p for p in everything["result"]}
    assert {name: parsed[name]["side"] for name in held} == {
        names["perpetual"]: "long",
        names["future"]: "short",
        names["option"]: "long",
        names["linear"]: "long",
    }
    # Worked by hand: 25000 bought, 5000 sold, USD contracts; the ETH future sold 12000 USD; the call bought 1.5 BTC.
    assert parsed[names["perpetual"]]["contracts"] == 20000.0
    assert parsed[names["future"]]["contracts"] == -12000.0
    assert parsed[names["option"]]["contracts"] == 1.5
    assert "size_currency" not in wire[names["option"]]  # options carry none; ccxt derives its notional
    assert book_view(mock, names["perpetual"]).realized_profit_loss > 0  # the sell at 59000 made a profit

    # ccxt passes currency and kind through; the mock keeps the BTC-settled futures only (not the USDC perpetual).
    btc = outcomes["btc-futures"]
    assert btc["requests"][-1]["query"] == {"currency": "BTC", "kind": "future"}
    assert [p["info"]["instrument_name"] for p in btc["result"]] == [names["perpetual"]]
    assert btc["result"][0] == parsed[names["perpetual"]]

    one = outcomes["eth-future"]
    assert one["requests"][-1]["path"] == POSITION_PATH
    assert one["requests"][-1]["query"] == {"instrument_name": names["future"]}
    assert not position_problems(mock, one["result"], wire_result(one, POSITION_PATH))
    assert one["result"] == parsed[names["future"]]

    # A flat instrument answers a zero position (Deribit's way), which ccxt calls 'short'.
    flat = outcomes["flat"]["result"]
    assert flat["contracts"] == 0.0 and flat["info"]["direction"] == "zero" and flat["side"] == "short"
    assert flat["symbol"] == unified_symbol(mock, names["flat"])


def test_fetch_balance_equals_the_account_summaries(seeded: Seeded, tmp_path: Path) -> None:
    mock = seeded.mock
    outcomes = run_rest(seeded.plan([{"id": "balance", "method": "fetch_balance"}]), tmp_path)
    outcome = outcomes["balance"]
    assert outcome["ok"], outcome
    assert outcome["requests"][-1]["path"] == "/api/v2/private/get_account_summaries"
    problems = balance_problems(mock, outcome, ["BTC", "ETH", "USDC"])
    assert not problems, "\n".join(problems)
    # By hand: ccxt's free = available_funds, used = maintenance_margin, total = equity.
    with mock.exchange.reading():
        eth = mock.exchange.valuation.account_summary(TRADER, "ETH")
    assert outcome["result"]["ETH"] == {  # at the 8 places Deribit sends a summary's amounts
        "free": float(at(eth.available_funds, 8)),
        "used": float(at(eth.maintenance_margin, 8)),
        "total": float(at(eth.equity, 8)),
    }
    with mock.exchange.reading():
        btc = mock.exchange.valuation.account_summary(TRADER, "BTC")
    assert btc.initial_margin > 0 and btc.equity != btc.balance  # positions moved it: not a bare deposit


def test_a_bad_secret_raises_authentication_error(seeded: Seeded, tmp_path: Path) -> None:
    calls = [
        {"id": "bad", "method": "fetch_positions", "secret": "not-the-secret"},
        {"id": "good", "method": "fetch_positions"},
    ]
    outcomes = run_rest(seeded.plan(calls), tmp_path)
    bad = outcomes["bad"]
    assert not bad["ok"] and bad["error"]["type"] == "AuthenticationError", bad
    assert "ExchangeError" in bad["error"]["mro"]
    request = bad["requests"][-1]
    assert request["path"] == "/api/v2/private/get_positions" and request["status"] == 401, request
    assert json.loads(request["body"])["error"]["code"] == 13009
    assert outcomes["good"]["ok"] and len(outcomes["good"]["result"]) == 4  # the same calls with the right secret
