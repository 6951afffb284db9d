"""Position transfers in the ledger (core/kalshi/fcm.py): whatever fills and transfers come, every row, its event's
running totals and both accounts' cash agree, and a transfer conserves contracts and cash between the two accounts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fcm_commands import (
    CreateFCMPositionTransfer,
    CreateFCMSubtrader,
    SetFCMErrorAccount,
    UpdateFCMEventContractDailyCap,
    UpdateFCMSubtraderBlockedCategories,
)
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.units import DOLLAR, dollar_units

TICKERS = ("E1-A", "E1-B", "E2-A")
OWNERS = ("fcm_S", "err_T")

fill = st.tuples(
    st.just("fill"), st.sampled_from(OWNERS), st.sampled_from(TICKERS), st.sampled_from(("yes", "no")),
    st.sampled_from(("buy", "sell")), st.integers(1, 900), st.integers(1, 99),
)  # fmt: skip
move = st.tuples(
    st.just("move"), st.sampled_from(TICKERS), st.integers(-9, 9).filter(bool), st.integers(0, 100)
)  # fmt: skip


def desk() -> Ledger:
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("fcm", fcm_member=True)
    ledger.open_account("err", fcm_member=True)
    ledger.fcm.create_subtrader(CreateFCMSubtrader("fcm", "S"))
    ledger.open_account("err_T", subtrader_of="err", balance=D(10_000))
    ledger.fcm.set_error_account(SetFCMErrorAccount("fcm", "err"))
    for ticker in TICKERS:
        ledger.catalogue.list_market(ticker)
    return ledger


def check(ledger: Ledger) -> None:
    for owner in OWNERS:
        rows = [r for r in ledger.state.positions.all_rows() if r.user_id == owner]
        for event in ("E1", "E2"):
            mine = [ledger.state.positions.cells(r) for r in rows if r.event_ticker == event]
            rollup = ledger.state.positions.event_rollup(owner, 0, "unsettled", event)
            assert dollar_units(rollup.event_exposure) == sum(c[1] for c in mine)
            assert dollar_units(rollup.total_cost) == sum(c[2] for c in mine)
            assert dollar_units(rollup.realized_pnl) == sum(c[3] for c in mine)
            assert int(rollup.total_cost_shares * 100) == sum(c[5] for c in mine)
        # What trading moved (fees apart) is realized P&L less exposure, over every row of the account.
        cells = [ledger.state.positions.cells(r) for r in rows]
        opening = 10_000 * DOLLAR if owner == "err_T" else 0
        cash = dollar_units(ledger.state.accounts[owner].balance())
        assert cash - opening == sum(c[3] - c[1] - c[4] for c in cells)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(fill, move), max_size=25))
def test_rows_event_totals_and_cash_agree_after_any_fills_and_transfers(steps):
    ledger = desk()
    for step in steps:
        if step[0] == "fill":
            _, owner, ticker, side, action, count, cents = step
            ledger.filling.apply_fill(owner, ticker, side, action, D(count) / 100, D(cents) / 100)
        else:
            _, ticker, contracts, cents = step
            held = {o: ledger.state.positions.get(o, 0, ticker) for o in OWNERS}
            before = {o: (ledger.state.positions.cells(r)[0] if r else 0) for o, r in held.items()}
            total_cash = sum(ledger.state.accounts[o].balance() for o in OWNERS)
            try:
                ledger.fcm.transfer_position(
                    CreateFCMPositionTransfer("fcm", "fcm_S", "err_T", ticker, contracts * 100, cents * 100)
                )
            except LedgerError as exc:
                assert exc.status == 409  # only the payer's cash may refuse it
                continue
            after = {o: ledger.state.positions.cells(ledger.state.positions.get(o, 0, ticker))[0] for o in OWNERS}
            assert after["fcm_S"] == before["fcm_S"] - contracts * 100
            assert after["err_T"] == before["err_T"] + contracts * 100
            moved = contracts * 100
            if before["fcm_S"] * moved > 0 and abs(before["fcm_S"]) >= abs(moved) and before["err_T"] * moved >= 0:
                # The source holds what moves and the target nothing against it: the cash only changes hands (else
                # the rows net like a trade's, as Kalshi says, and contracts are opened or closed against the house).
                assert sum(ledger.state.accounts[o].balance() for o in OWNERS) == total_cash
        check(ledger)


def test_a_transfer_is_refused_whole_when_the_payer_cannot_pay():
    ledger = desk()
    ledger.open_account("err_P", subtrader_of="err", balance=D("1.00"))
    ledger.filling.apply_fill("fcm_S", "E1-A", "yes", "buy", D(5), D("0.50"), fee=D(0))
    with pytest.raises(LedgerError) as refused:
        ledger.fcm.transfer_position(CreateFCMPositionTransfer("fcm", "fcm_S", "err_P", "E1-A", 500, 5000))
    assert refused.value.status == 409
    assert ledger.state.positions.get("err_P", 0, "E1-A") is None
    assert ledger.state.positions.cells(ledger.state.positions.get("fcm_S", 0, "E1-A"))[0] == 500
    assert ledger.state.accounts["err_P"].balance() == D("1.00")
    assert ledger.fcm.transfers == {}


def test_a_reset_forgets_the_desk():
    ledger = desk()
    ledger.fcm.set_cap(UpdateFCMEventContractDailyCap("fcm", "fcm_S", 5 * DOLLAR))
    ledger.fcm.block_category(UpdateFCMSubtraderBlockedCategories("fcm", "fcm_S", "Sports", True))
    ledger.reset()
    assert (ledger.fcm.caps, ledger.fcm.blocked, ledger.fcm.error_accounts) == ({}, {}, {})
