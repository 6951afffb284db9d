"""ccxt 4.5.90 (its own venv, unmodified) reading a Deribit user's history from the mock: `fetch_my_trades` through
each of private/get_user_trades_by_currency, _by_instrument and _by_currency_and_time, with a limit, and
`fetch_deposits` / `fetch_withdrawals`, every value equal to the Deribit exchange's through the wire (the judging is
mockexchange/contract/clients/ccxt_checks.py's, shared with the client matrix); a few values worked by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockexchange.contract.clients.ccxt_checks import (
    DEPOSITS_PATH,
    TRADER,
    TRADES_PATHS,
    WITHDRAWALS_PATH,
    Seeded,
    deribit_mock,
    my_trades_problems,
    seed,
    transactions_problems,
    unified_symbol,
)
from mockexchange.contract.clients.ccxt_run import run_rest
from mockexchange.core.clock import unix_ms

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


@pytest.fixture
def seeded(client_venvs: dict[str, Path]) -> Iterator[Seeded]:
    with deribit_mock() as mock:
        yield seed(mock)


def test_fetch_my_trades_reads_every_form_of_get_user_trades(seeded: Seeded, tmp_path: Path) -> None:
    mock, perpetual = seeded.mock, seeded.names["perpetual"]
    mock.advance_clock(seconds=60)
    late = mock.deribit_fill(TRADER, perpetual, "buy", "2000", "61500", fee="0.00002")
    since = unix_ms(mock.exchange.state.clock.now())
    symbol = unified_symbol(mock, perpetual)
    calls = [
        {"id": "btc", "method": "fetch_my_trades"},
        {"id": "symbol", "method": "fetch_my_trades", "args": [symbol]},
        {"id": "since", "method": "fetch_my_trades", "args": [None, since]},
        {"id": "symbol-since", "method": "fetch_my_trades", "args": [symbol, since]},
        {"id": "limit", "method": "fetch_my_trades", "args": [symbol, None, 2]},
    ]
    outcomes = run_rest(seeded.plan(calls), tmp_path)
    wallet = mock.exchange.accounts.wallet(TRADER).id
    mine = [t for t in mock.exchange.state.trades if t.user_id == TRADER and t.account_id == wallet]
    btc = [t for t in mine if mock.exchange.market.instrument(t.instrument_name).settlement_currency == "BTC"]
    perp = [t for t in mine if t.instrument_name == perpetual]
    newest = [t for t in mine if t.trade_id == late["trade_id"]]
    for call, path, want in [
        ("btc", TRADES_PATHS["currency"], btc),
        ("symbol", TRADES_PATHS["instrument"], perp),
        ("since", TRADES_PATHS["currency_and_time"], newest),
        ("symbol-since", "/api/v2/private/get_user_trades_by_instrument_and_time", newest),
        ("limit", TRADES_PATHS["instrument"], perp[-2:]),
    ]:
        problems = my_trades_problems(mock, outcomes[call], path, want)
        assert not problems, (call, problems)
    # what ccxt sent: its include_old flag, the currency ccxt defaults to, the time and the count
    assert outcomes["btc"]["requests"][-1]["query"] == {"include_old": "true", "currency": "BTC"}
    assert outcomes["since"]["requests"][-1]["query"]["start_timestamp"] == str(since)
    assert outcomes["limit"]["requests"][-1]["query"]["count"] == "2"
    # by hand: the late buy of 2000 USD at 61500, its fee in BTC, its cost in BTC (USD / price)
    (parsed,) = outcomes["since"]["result"]
    assert (parsed["side"], parsed["amount"], parsed["price"]) == ("buy", 2000.0, 61500.0)
    assert parsed["fee"] == {"cost": 0.00002, "currency": "BTC"} and abs(parsed["cost"] - 2000 / 61500) < 1e-15
    assert len(outcomes["btc"]["result"]) == 4  # the perpetual's three fills and the call; not the other user's


def test_fetch_deposits_and_withdrawals_list_the_admin_moves(seeded: Seeded, tmp_path: Path) -> None:
    mock = seeded.mock
    mock.deribit_deposit(TRADER, "BTC", "1.25")
    mock.deribit_withdraw(TRADER, "BTC", "0.3", fee="0.0001", address="bc1qmockwithdrawal")
    calls = [
        {"id": "deposits", "method": "fetch_deposits", "args": ["BTC"]},
        {"id": "withdrawals", "method": "fetch_withdrawals", "args": ["BTC"]},
        {"id": "none", "method": "fetch_withdrawals", "args": ["ETH"]},
    ]
    outcomes = run_rest(seeded.plan(calls), tmp_path)
    moves = [m for m in mock.exchange.state.cash_moves if m.user_id == TRADER]
    deposits = [m for m in moves if m.kind == "deposit"]
    withdrawals = [m for m in moves if m.kind == "withdrawal"]
    assert not transactions_problems(mock, outcomes["deposits"], DEPOSITS_PATH, deposits)
    assert not transactions_problems(mock, outcomes["withdrawals"], WITHDRAWALS_PATH, withdrawals)
    assert outcomes["none"]["ok"] and outcomes["none"]["result"] == []
    (withdrawal,) = outcomes["withdrawals"]["result"]
    assert withdrawal["type"] == "withdrawal" and withdrawal["status"] == "ok" and withdrawal["amount"] == 0.3
    assert withdrawal["fee"] == {"cost": 0.0001, "currency": "BTC"} and withdrawal["address"] == "bc1qmockwithdrawal"
    (deposit,) = outcomes["deposits"]["result"]
    assert (deposit["type"], deposit["amount"], deposit["fee"]) == ("deposit", 1.25, None)
