"""A batch of fills against the bounds a fill alone is checked against (core/kalshi/batch_checks.py), with the bounds
set low: a batch that crosses one only together, or only with what its accounts held before, is refused at the fill
that crosses it, as one fill at a time would be, and nothing of it is applied; refusals keep their status."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_bulk_fills import new_app, state_of

from mockexchange.app import MockApp
from mockexchange.core.kalshi import checks
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.new_fill import NewFill

LISTED = "KXFED-26DEC-T4.00"  # listed by new_app (alice's resting order)


def fill(user: str, ticker: str, count: int, price: str = "0.50", fee: str = "0") -> NewFill:
    return NewFill(user, ticker, "yes", "buy", Decimal(count), Decimal(price), fee=Decimal(fee))


def refused(app: MockApp, batch: list[NewFill]) -> LedgerError:
    """The batch's refusal, which applied nothing."""
    before = state_of(app)
    with pytest.raises(LedgerError) as caught:
        app.ledger.filling.apply_fills(batch)
    assert state_of(app) == before
    return caught.value


def test_a_positions_volume_crossed_only_by_the_batch_together_refuses_it(monkeypatch):
    monkeypatch.setattr(checks, "MAX_POSITION_CONTRACTS", Decimal(100))
    app = new_app()
    app.ledger.filling.apply_fills([fill("bob", "KXB-1", 40)])
    error = refused(app, [fill("bob", "KXB-1", 60), fill("bob", "KXB-1", 1)])  # 100 fits; 101 does not
    assert str(error) == (
        "fill 1 of the batch of 2 (none applied): count 1.00 would take this market position's volume to 101.00 "
        "contracts; it may reach 100 (the legacy profile's int32 contract fields)"
    )
    assert len(app.ledger.filling.apply_fills([fill("bob", "KXB-1", 60)])) == 1


def test_an_accounts_contracts_filled_before_and_in_the_batch_count_together(monkeypatch):
    monkeypatch.setattr(checks, "MAX_ACCOUNT_CONTRACTS", Decimal(100))
    app = new_app()
    app.ledger.filling.apply_fills([fill("bob", "KXB-1", 30)])
    error = refused(app, [fill("bob", "KXB-2", 40), fill("bob", "KXB-3", 30), fill("bob", "KXB-4", 1)])
    assert str(error) == (
        "fill 2 of the batch of 3 (none applied): count 1.00 would take this account's contracts filled to 101.00; an "
        "account may reach 100 (reset to start again)"
    )


def test_cash_crossed_by_fees_refuses_the_batch(monkeypatch):
    """Carol starts at 0 dollars, the bound 100: 40 contracts at 0.99 with a dollar's fee each (79.60), then 30 and 20
    at 0.50 cross it at her third fill."""
    monkeypatch.setattr(checks, "MAX_BALANCE", Decimal(100))
    app = new_app()
    app.ledger.open_account("carol")
    error = refused(
        app, [fill("carol", "KXB-1", 40, "0.99", "40"), fill("carol", "KXB-2", 30), fill("carol", "KXB-3", 20)]
    )
    assert str(error) == (
        "fill 2 of the batch of 3 (none applied): this would take the cash of 'carol' (subaccount 0) to 104.600000 "
        "dollars in all; a subaccount's cash stays within -100 to 100 dollars"
    )


def test_a_later_owners_cash_is_checked_after_an_earlier_owners_place_repeats(monkeypatch):
    """Dave (0 dollars) fills twice in one place, then carol (at -95, the bound 100) crosses it at her second fill."""
    monkeypatch.setattr(checks, "MAX_BALANCE", Decimal(100))
    app = new_app()
    app.ledger.open_account("dave")
    app.ledger.open_account("carol", balance=Decimal(-95))
    batch = [fill("dave", LISTED, 1), fill("dave", LISTED, 1), fill("carol", "KXB-1", 10), fill("carol", "KXB-2", 1)]
    error = refused(app, batch)
    assert str(error) == (
        "fill 3 of the batch of 4 (none applied): this would take the cash of 'carol' (subaccount 0) to 100.500000 "
        "dollars in all; a subaccount's cash stays within -100 to 100 dollars"
    )


@pytest.mark.parametrize(
    ("batch", "says", "status"),
    [
        ([fill("alice", "KXB-1", 1), fill(5, "KXB-1", 1)], "fill 1 of the batch of 2 (none applied): user_id must be a "  # type: ignore[arg-type]
         "non-empty string", 400),
        ([NewFill("alice", "KXB-1", "yes", "buy", Decimal(1), Decimal("0.5"), event_ticker=7)],  # type: ignore[arg-type]
         "fill 0 of the batch of 1 (none applied): event_ticker must be a string", 400),
        ([NewFill("alice", "KXN-1", "yes", "buy", Decimal(1), Decimal("0.5"), event_ticker="EVA"),
          NewFill("alice", "KXN-1", "no", "buy", Decimal(1), Decimal("0.5"), event_ticker="EVB")],
         "fill 1 of the batch of 2 (none applied): market 'KXN-1' belongs to event 'EVA'", 409),
        ([NewFill("alice", LISTED, "yes", "buy", Decimal(1), Decimal("0.5"), event_ticker="EVB")],
         "fill 0 of the batch of 1 (none applied): market 'KXFED-26DEC-T4.00' belongs to event 'KXFED-26DEC'", 409),
        ([fill("alice", "KXSETTLED", 1)], "fill 0 of the batch of 1 (none applied): market 'KXSETTLED' is settled",
         409),
    ],
)  # fmt: skip
def test_a_refused_batch_says_which_fill_and_keeps_its_status(batch: list[NewFill], says: str, status: int) -> None:
    app = new_app()
    app.control.fill("bob", "KXSETTLED", "yes", "buy", "1", "0.5")
    app.control.settle("KXSETTLED", "yes")
    error = refused(app, batch)
    assert (str(error), error.status) == (says, status)


def test_cash_moved_back_toward_zero_fits_where_the_whole_batch_could_not(monkeypatch):
    """Carol holds 90 dollars, the bound 100: a batch that could move 60 is run fill by fill, and buying 60 contracts
    at 0.50 in a market it lists (and then 20 more in one listed) leaves 50, within the bound."""
    monkeypatch.setattr(checks, "MAX_BALANCE", Decimal(100))
    app = new_app()
    app.ledger.open_account("carol", balance=Decimal(90))
    assert len(app.ledger.filling.apply_fills([fill("carol", "KXNEW-1", 60), fill("carol", LISTED, 20)])) == 2
    assert app.ledger.state.accounts["carol"].breakdown() == {0: Decimal(50)}
