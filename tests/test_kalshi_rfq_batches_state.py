"""RFQ batches kept by a state file (`serve --state`): a mock restarted with one batch accepted and half confirmed (its
confirmation window running), another confirmed by every winner (its execution timer running) and a third open with
batch quotes counting (their eligibility running) reaches, once the clock moves past every timer, the same batches,
batch quotes, cash and positions as the mock that never stopped, whether the snapshot or the commands alone bring the
state back; a retry of the accept by its client_order_id answers the first accept there too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from state_sql import sql

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
MARKETS = ("KXRFQ-26NOV-A", "KXRFQ-26NOV-B", "KXRFQ-26NOV-C", "KXRFQ-26NOV-D")
USERS = ("req", "mk1", "mk2")


def _quote(mock: MockServer, maker: str, made: dict, *bids: str) -> str:
    children = zip(made["rfqs"], bids, strict=True)
    quotes = [{"rfq_id": child["rfq_id"], "yes_bid": bid, "no_bid": "0"} for child, bid in children]
    return mock.create_batch_quote(maker, made["rfq_batch_id"], quotes, False)["batch_quote_id"]


def _accept(mock: MockServer, made: dict, *bids: str, key: str | None = None) -> list:
    least = [{"rfq_id": child["rfq_id"], "bid": bid} for child, bid in zip(made["rfqs"], bids, strict=True)]
    return mock.accept_rfq_batch("req", made["rfq_batch_id"], "yes", least, client_order_id=key)


def _populate(mock: MockServer) -> tuple[dict, list]:
    """The batch executing and its accept's answer (its client_order_id "take-1")."""
    for user in USERS:
        mock.create_account(user, balance_cents=100_000)
    for ticker in MARKETS:
        mock.create_market(ticker)
    a, b, c, d = ({"market_ticker": ticker} for ticker in MARKETS)
    missed = mock.create_rfq_batch("req", [a, b], contracts="10")
    executes = mock.create_rfq_batch("req", [c, d], target_cost="5")
    one = _quote(mock, "mk1", missed, "0.40", "0.30")
    _quote(mock, "mk2", missed, "0.39", "0.31")
    two = _quote(mock, "mk1", executes, "0.50", "0.20")
    _accept(mock, missed, "0.40", "0.31")
    still = mock.create_rfq_batch("req", [a, d], contracts="3", client_batch_id="open-one")  # (2 open at most)
    _quote(mock, "mk1", still, "0.10", "0.10")
    mock.confirm_batch_quote("mk1", missed["rfq_batch_id"], one)
    mock.advance_clock(seconds=5)
    accepted = _accept(mock, executes, "0.50", "0.20", key="take-1")
    mock.confirm_batch_quote("mk1", executes["rfq_batch_id"], two)
    mock.advance_clock(seconds=3)
    return executes, accepted


def _state(mock: MockServer) -> dict:
    ledger = mock.ledger
    with ledger.reading():
        cash = {user: dict(ledger.state.accounts[user].cash) for user in USERS}
        positions = sorted((row.user_id, row.ticker, ledger.state.positions.cells(row)[0])
                           for ticker in MARKETS for row in ledger.state.positions.of_market(ticker))  # fmt: skip
    batches = mock.rfq_batches()["rfq_batches"]
    quotes = [mock.batch_quotes(batch["rfq_batch_id"], user)["batch_quotes"] for batch in batches for user in USERS]
    return {"batches": batches, "quotes": quotes, "cash": cash, "positions": positions}


def _end(mock: MockServer) -> dict:
    """Past every timer: the state, but for the ids a mock draws (each named by its place instead)."""
    mock.advance_clock(seconds=40)
    named: dict[str, int] = {}

    def plain(value):
        if isinstance(value, dict):
            return {key: plain(item) if key in ("user_id", "rfq_user_id") or not str(key).endswith("_id")
                    else named.setdefault(item, len(named)) for key, item in value.items()}  # fmt: skip
        if isinstance(value, list):
            return [plain(item) if isinstance(item, dict | list) else named.setdefault(item, len(named))
                    if isinstance(item, str) and len(item) == 36 else item for item in value]  # fmt: skip
        return value

    return plain(_state(mock))


@pytest.mark.parametrize("snapshot", [True, False], ids=["snapshot", "commands"])
def test_a_restarted_mock_reaches_the_same_end_of_its_rfq_batches(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(clock=ManualClock(T0)) as straight:
        _populate(straight)
        expected = _end(straight)
    reasons = sorted(batch["close_reason"] for batch in expected["batches"])
    assert reasons == ["", "confirmation window expired", "executed"]  # (the third still open)
    with MockServer(state=str(path), clock=ManualClock(T0)) as mock:
        executes, accepted = _populate(mock)
        mid = _state(mock)
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        assert _state(again) == mid
        assert _accept(again, executes, "0.50", "0.20", key="take-1") == accepted  # the accept's key kept
        assert _end(again) == expected
