"""A batch of fills checked before any of it is applied (`apply_fills`, filling.py: all or nothing, each fill against
the state the fills before it leave), with each fill's terms in units (checks.fill_terms); and the bounds a cross's
fills are run through (matching.py).

Each fill's own values and the names it gives are checked one by one. The bounds (volume, contracts, cash) are first
checked for the whole batch at once, as if every fill moved the same row and the same cash the most it can; a batch
not found well within them is run through fill by fill on copies of what it changes, with positions.fill and the
bound checks (checks.py), so a refusal is found where `apply_fill` would find it and worded as it would word it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.accounts import HOUSE, Account
from mockexchange.core.kalshi.checks import (
    LedgerError,
    Terms,
    bounds,
    check_cash,
    check_contracts,
    check_ticker,
    fill_terms,
)
from mockexchange.core.kalshi.fees import FeeRule
from mockexchange.core.kalshi.lifecycle import refusal
from mockexchange.core.kalshi.markets import event_of
from mockexchange.core.kalshi.new_fill import FillSpec
from mockexchange.core.kalshi.units import PAYOUT

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState

FeeRuleFor = Callable[[str, str | None], FeeRule]  # (a ticker, its event if given) -> the fee rule (catalogue.py)


def _numbered(i: int, size: int, exc: LedgerError) -> LedgerError:
    return LedgerError(f"fill {i} of the batch of {size} (none applied): {exc}", exc.status)


def check_batch(state: LedgerState, fee_rule_for: FeeRuleFor, batch: list[FillSpec]) -> list[Terms]:
    """Refuse the batch if any fill of it would be refused, applied in order; answers each fill's terms.
    `fee_rule_for`: the catalogue's (the schedule a fill pays when it states no fee)."""
    terms = _batch_terms(state, fee_rule_for, batch)
    places = [(spec[0], spec[1], spec[6]) for spec in batch]
    if not well_within(state, places, terms):
        run_bounds(state, places, terms)
    return terms


def well_within(
    state: LedgerState, places: Sequence[tuple[str, str, int]], terms: Sequence[Terms], rows: dict | None = None
) -> bool:
    """Whether fills, each (user, ticker, subaccount) and its terms, stay within every bound even if each moved
    the same row and the same cash the most it can: then none of them needs running through `run_bounds`. The
    rows it reads go to `rows` (by place, as `PositionStore.held` answers them), if given."""
    contracts = moved = 0
    for t in terms:
        contracts += t.count
        moved += t.fee
    moved += contracts * PAYOUT  # no fill moves cash by more than its count and fee
    account_most, position_most, cash_most = bounds()
    accounts, volume_most = state.accounts, position_most - contracts
    filled_most = account_most - contracts
    held, read, markets = state.positions.held, {} if rows is None else rows, state.markets
    owners: set[tuple[str, int]] = set()
    step = state.lock.stepper()
    for place in places:
        if step is not None:
            step()
        if place in read:
            continue
        user_id, ticker, subaccount = place
        if ticker in markets:  # (a market not listed yet holds no row)
            row = read[place] = held(user_id, subaccount, ticker)
            if row[1][5] > volume_most and user_id != HOUSE:  # (its volume)
                return False
        owner = (user_id, subaccount)
        if owner in owners:
            continue
        owners.add(owner)
        account = accounts[user_id]
        if account.filled > filled_most or account.cash_spread(subaccount) + moved > cash_most:
            return False
    return True


def _batch_terms(state: LedgerState, rule_for: FeeRuleFor, batch: list[FillSpec]) -> list[Terms]:
    """Each fill's own values and names checked, against the markets the fills before it list; its terms."""
    accounts, markets = state.accounts, state.markets
    listed: dict[str, str] = {}  # ticker -> event of the markets the batch lists
    made: list[Terms] = []
    step = state.lock.stepper()
    for i, spec in enumerate(batch):
        if step is not None:
            step()
        user_id, ticker, side, action, count, price, subaccount, is_taker, event_ticker, fee, _, _ = spec
        try:
            rule = rule_for(ticker, event_ticker) if fee is None else None
            terms = fill_terms(rule, side, action, count, price, subaccount, is_taker, fee)
            if type(user_id) is not str:
                raise LedgerError("user_id must be a non-empty string")
            if user_id not in accounts:
                state.account(user_id)
            check_ticker(ticker)
            if event_ticker is not None and type(event_ticker) is not str:
                raise LedgerError("event_ticker must be a string")
            market = markets.get(ticker)
            if market is not None:
                why = refusal(market)
                if why is not None:
                    raise LedgerError(why, status=409)
                if event_ticker is not None and event_ticker != market.event_ticker:
                    raise LedgerError(f"market {ticker!r} belongs to event {market.event_ticker!r}", status=409)
            else:
                event = listed.get(ticker)
                if event is None:
                    listed[ticker] = event_ticker or event_of(ticker)
                elif event_ticker is not None and event_ticker != event:
                    raise LedgerError(f"market {ticker!r} belongs to event {event!r}", status=409)
        except LedgerError as exc:
            raise _numbered(i, len(batch), exc) from None
        made.append(terms)
    return made


def run_bounds(
    state: LedgerState, places: Sequence[tuple[str, str, int]], terms: Sequence[Terms], numbered: bool = True
) -> dict[str, Account]:
    """Fills, each (user, ticker, subaccount) and its terms, run through copies of the rows and cash they change, in
    order, each checked against the bounds as a fill alone is checked (the same checks, the same words; numbered as
    the fills of a batch unless told); answers the copies of the accounts they move, their cash as the fills leave
    it."""
    store, markets = state.positions, state.markets
    rows: dict[tuple[str, int, str], positions.Cells] = {}
    funds: dict[str, Account] = {}
    step = state.lock.stepper()
    for i, ((user_id, ticker, subaccount), t) in enumerate(zip(places, terms, strict=True)):
        if step is not None:
            step()
        key = (user_id, subaccount, ticker)
        market = markets.get(ticker)
        cells = rows.get(key)
        if cells is None:  # (the ledger's rows are in listed markets: one not listed yet holds none)
            cells = store.held_in(user_id, subaccount, market)[1] if market is not None else positions.ZERO_CELLS
        after, cash = positions.fill(cells, t.buys, t.count, t.paid, t.fee)
        account = funds.get(user_id)
        if account is None:
            held = state.accounts[user_id]
            account = funds[user_id] = Account(user_id, cash=dict(held.cash), filled=held.filled)
        exchange_index = market.exchange_index if market is not None else 0
        volume = cells[5] if user_id != HOUSE else 0  # (the house's positions have no bound: no wire shows them)
        try:
            check_contracts(volume, t.count, "volume", account.filled, "filled")
            check_cash(account, subaccount, exchange_index, cash)
        except LedgerError as exc:
            raise (_numbered(i, len(places), exc) if numbered else exc) from None
        account.filled += t.count
        rows[key] = after
        account.cash[(subaccount, exchange_index)] = account.cash.get((subaccount, exchange_index), 0) + cash
    return funds
