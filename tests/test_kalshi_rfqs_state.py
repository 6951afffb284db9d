"""RFQs and quotes kept by a state file (`serve --state`): a mock restarted with a quote accepted (its confirmation
window running) and another RFQ's quote confirmed (its execution timer running) reaches, once the clock moves past both
timers, the same RFQs, quotes, cash and positions as the mock that never stopped, whether the snapshot or the commands
alone bring the state back; the communications ids are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from state_sql import sql

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M, N = "KXRFQ-26NOV-A", "KXRFQ-26NOV-B"
USERS = ("req", "mk1", "mk2")


def _populate(mock: MockServer) -> None:
    """req's RFQ on M with mk1's quote accepted (not confirmed), its RFQ on N with mk2's quote confirmed, mk1's quote
    on N replaced, and a refused accept (kept as refused)."""
    for user in USERS:
        mock.create_account(user, balance_cents=100_000)
    mock.create_market(M)
    mock.create_market(N)
    on_m = mock.create_rfq("req", M, rest_remainder=False, contracts="10")["rfq_id"]
    on_n = mock.create_rfq("req", N, rest_remainder=True, target_cost="5", obscure_creator_id=True)["rfq_id"]
    accepted = mock.create_quote("mk1", on_m, yes_bid="0.40", no_bid="0.55", rest_remainder=False)["quote_id"]
    mock.create_quote("mk1", on_n, yes_bid="0.30", no_bid="0.60", rest_remainder=False)
    mock.create_quote("mk1", on_n, yes_bid="0.31", no_bid="0.60", rest_remainder=False)  # replaces it
    confirmed = mock.create_quote("mk2", on_n, yes_bid="0.35", no_bid="0", rest_remainder=True)["quote_id"]
    mock.accept_quote("req", accepted, "yes")
    mock.advance_clock(seconds=5)
    mock.accept_quote("req", confirmed, "yes")
    mock.confirm_quote("mk2", confirmed)
    mock.advance_clock(seconds=3)


def _state(mock: MockServer) -> dict:
    ledger = mock.ledger
    with ledger.reading():
        cash = {user: dict(ledger.state.accounts[user].cash) for user in USERS}
        positions = sorted((row.user_id, row.ticker, ledger.state.positions.cells(row)[0])
                           for ticker in (M, N) for row in ledger.state.positions.of_market(ticker))  # fmt: skip
    ids = {user: mock.communications_id(user) for user in USERS}
    return {"rfqs": mock.rfqs()["rfqs"], "quotes": [mock.quotes(user)["quotes"] for user in USERS], "cash": cash,
            "positions": positions, "ids": ids}  # fmt: skip


def _end(mock: MockServer) -> dict:
    """Past both timers (M's quote voided, N's executed): the state but for the ids a mock draws (each mock its
    own), each named by its place instead."""
    mock.advance_clock(seconds=40)
    named: dict[str, int] = {}

    def plain(value):
        if isinstance(value, dict):
            return {key: plain(item) if key in _USERS_NAMED or not str(key).endswith("_id") else named.setdefault(
                item, len(named)) for key, item in value.items()}  # fmt: skip
        return [plain(item) for item in value] if isinstance(value, list) else value

    return plain({key: value for key, value in _state(mock).items() if key != "ids"})


_USERS_NAMED = ("user_id", "rfq_user_id", "rfq_batch_id")


@pytest.mark.parametrize("snapshot", [True, False], ids=["snapshot", "commands"])
def test_a_restarted_mock_reaches_the_same_end_of_its_rfqs(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(clock=ManualClock(T0)) as straight:
        _populate(straight)
        expected = _end(straight)
    statuses = sorted(quote["status"] for quotes in expected["quotes"][:1] for quote in quotes)
    assert statuses == ["cancelled"] * 3 + ["executed"]  # (voided; replaced; its RFQ closed; executed)
    assert [rfq["status"] for rfq in expected["rfqs"]] == ["closed", "open"]
    with MockServer(state=str(path), clock=ManualClock(T0)) as mock:
        _populate(mock)
        mid = _state(mock)
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        assert _state(again) == mid
        assert _end(again) == expected
