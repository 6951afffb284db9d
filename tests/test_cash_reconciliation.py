"""The ledger's cash, property-tested: for any sequence of fills, settlements, deposits and withdrawals,
balance = deposits - withdrawals - costs - fees + proceeds + settlement revenue."""

from __future__ import annotations

import contextlib
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger

TICKERS = ["EV-A", "EV-B", "FX-C"]

fill = st.tuples(
    st.just("fill"),
    st.sampled_from(TICKERS),
    st.sampled_from(["yes", "no"]),
    st.sampled_from(["buy", "sell"]),
    st.integers(1, 20_000).map(lambda n: D(n) / 100),
    st.integers(1, 9999).map(lambda n: D(n) / 10_000),
    st.booleans(),
)
settle = st.tuples(st.just("settle"), st.sampled_from(TICKERS), st.sampled_from(["yes", "no"]))
transfer = st.tuples(
    st.just("transfer"),
    st.sampled_from(["deposit", "withdrawal"]),
    st.integers(1, 1_000_000),
    st.integers(0, 500),
    st.sampled_from(["pending", "applied", "failed"]),
)
status_change = st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from(["applied", "failed", "returned"]))
steps = st.lists(st.one_of(fill, fill, settle, transfer, status_change), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(steps, st.integers(0, 10_000_000))
def test_balance_reconciles_with_every_cash_flow(sequence, opening_cents):
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u", balance=D(opening_cents) / 100)
    deposits = withdrawals = costs = fees = proceeds = revenue = D(0)
    transfer_ids: list[str] = []
    for step in sequence:
        if step[0] == "fill":
            _, ticker, side, action, count, price, taker = step
            if ledger.state.markets.get(ticker) and ledger.state.markets[ticker].result:
                continue
            row = ledger.state.positions.get("u", 0, ticker)
            held = row.position if row else D(0)
            # In YES terms, worked out here (not the package's): buying NO at q sells YES at 1 - q.
            yes_price = price if side == "yes" else 1 - price
            delta = count if (side == "yes") == (action == "buy") else -count
            f = ledger.filling.apply_fill("u", ticker, side, action, count, price, is_taker=taker)
            fees += f.fee
            # Split the fill into the part that closes the held side (proceeds) and the part that opens (cost).
            closing = min(abs(held), count) if held and (held > 0) != (delta > 0) else D(0)
            held_price = yes_price if held > 0 else 1 - yes_price
            proceeds += closing * held_price
            opening = count - closing
            new_side_price = yes_price if delta > 0 else 1 - yes_price
            costs += opening * new_side_price
        elif step[0] == "settle":
            _, ticker, result = step
            market = ledger.state.markets.get(ticker)
            if market is None or market.result is not None:
                continue
            for row in [r for r in ledger.state.positions.all_rows() if r.ticker == ticker]:
                if (row.position > 0 and result == "yes") or (row.position < 0 and result == "no"):
                    revenue += abs(row.position)
            ledger.lifecycle.settle_market(ticker, result)
        elif step[0] == "transfer":
            _, kind, amount, fee, status = step
            t = ledger.transfer(SeedTransfer(kind, "u", amount, fee_cents=fee, status=status))
            transfer_ids.append(t.id)
        else:
            _, which, status = step
            if not transfer_ids:
                continue
            chosen = ledger.state.transfers[transfer_ids[which % len(transfer_ids)]]
            with contextlib.suppress(LedgerError):  # a transition that is not allowed changes nothing
                ledger.transfer(SeedTransfer(chosen.kind, "u", 1, status=status, id=chosen.id))
    for t in ledger.state.transfers.values():
        if t.status == "applied":
            if t.kind == "deposit":
                deposits += D(t.amount_cents - t.fee_cents) / 100
            else:
                withdrawals += D(t.amount_cents + t.fee_cents) / 100
    expected = D(opening_cents) / 100 + deposits - withdrawals - costs - fees + proceeds + revenue
    assert ledger.state.accounts["u"].balance(0) == expected
