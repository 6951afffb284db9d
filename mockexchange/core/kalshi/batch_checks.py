"""A batch of fills checked before any of it is applied (`Ledger.apply_fills`: all or nothing, each fill against the
state the fills before it leave), with each fill's terms in units (checks.fill_terms).

Each fill's own values and the names it gives are checked one by one. The bounds (volume, contracts, cash) are first
checked for the whole batch at once, as if every fill moved the same row and the same cash the most it can; a batch
not found well within them is run through fill by fill on copies of what it changes, with positions.fill and the
ledger's own bound checks, so a refusal is found where `apply_fill` would find it and worded as it would word it.
"""

from __future__ import annotations

from collections.abc import Sequence

from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.accounts import HOUSE, Account
from mockexchange.core.kalshi.checks import (
    LedgerError,
    Terms,
    bounds,
    check_cash,
    check_contracts,
    fill_terms,
)
from mockexchange.core.kalshi.lifecycle import refusal
from mockexchange.core.kalshi.markets import event_of
from mockexchange.core.kalshi.new_fill import FillSpec
from mockexchange.core.kalshi.units import PAYOUT


def _numbered(i: int, size: int, exc: LedgerError) -> LedgerError:
    return LedgerError(f"fill {i} of the batch of {size} (none applied): {exc}", exc.status)


class BatchChecks:
    """The checks of `Ledger.apply_fills`: a part of `Ledger`, whose accounts, markets, positions, fee schedule and
    bounds they read."""

    def _check_batch(self, batch: list[FillSpec]) -> list[Terms]:
        """Refuse the batch if any fill of it would be refused, applied in order; answers each fill's terms."""
        terms = self._batch_terms(batch)
        places = [(spec[0], spec[1], spec[6]) for spec in batch]
        if not self._well_within(places, terms):
            self._run_bounds(places, terms)
        return terms

    def _well_within(
        self, places: Sequence[tuple[str, str, int]], terms: Sequence[Terms], rows: dict | None = None
    ) -> bool:
        """Whether fills, each (user, ticker, subaccount) and its terms, stay within every bound even if each moved
        the same row and the same cash the most it can: then none of them needs running through `_run_bounds`. The
        rows it reads go to `rows` (by place, as `PositionStore.held` answers them), if given."""
        contracts = moved = 0
        for t in terms:
            contracts += t.count
            moved += t.fee
        moved += contracts * PAYOUT  # no fill moves cash by more than its count and fee
        account_most, position_most, cash_most = bounds()
        accounts, volume_most = self.accounts, position_most - contracts  # type: ignore[attr-defined]
        filled_most = account_most - contracts
        held, read = self.positions.held, {} if rows is None else rows  # type: ignore[attr-defined]
        step = self.state.lock.stepper()  # type: ignore[attr-defined]
        for place in places:
            if step is not None:
                step()
            if place in read:
                continue
            user_id, ticker, subaccount = place
            row = read[place] = held(user_id, subaccount, ticker)
            account = accounts[user_id]
            if (row[1][5] > volume_most and user_id != HOUSE) or account.filled > filled_most:  # (its volume)
                return False
            if account.cash_spread(subaccount) + moved > cash_most:
                return False
        return True

    def _batch_terms(self, batch: list[FillSpec]) -> list[Terms]:
        """Each fill's own values and names checked, against the markets the fills before it list; its terms."""
        accounts, markets, rule_for = self.accounts, self.markets, self.catalogue.fee_rule_for  # type: ignore[attr-defined]
        listed: dict[str, str] = {}  # ticker -> event of the markets the batch lists
        made: list[Terms] = []
        step = self.state.lock.stepper()  # type: ignore[attr-defined]
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
                    self.account(user_id)  # type: ignore[attr-defined]
                if type(ticker) is not str:
                    raise LedgerError("ticker must be a non-empty string")
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
                        if not ticker.strip():
                            raise LedgerError("ticker must be a non-empty string")
                        listed[ticker] = event_ticker or event_of(ticker)
                    elif event_ticker is not None and event_ticker != event:
                        raise LedgerError(f"market {ticker!r} belongs to event {event!r}", status=409)
            except LedgerError as exc:
                raise _numbered(i, len(batch), exc) from None
            made.append(terms)
        return made

    def _run_bounds(
        self, places: Sequence[tuple[str, str, int]], terms: Sequence[Terms], numbered: bool = True
    ) -> dict[str, Account]:
        """Fills, each (user, ticker, subaccount) and its terms, run through copies of the rows and cash they change, in
        order, each checked against the bounds as `apply_fill` checks it (the same checks, the same words; numbered as
        the fills of a batch unless told); answers the copies of the accounts they move, their cash as the fills leave
        it."""
        store, markets = self.positions, self.markets  # type: ignore[attr-defined]
        rows: dict[tuple[str, int, str], positions.Cells] = {}
        funds: dict[str, Account] = {}
        step = self.state.lock.stepper()  # type: ignore[attr-defined]
        for i, ((user_id, ticker, subaccount), t) in enumerate(zip(places, terms, strict=True)):
            if step is not None:
                step()
            key = (user_id, subaccount, ticker)
            cells = rows.get(key)
            if cells is None:
                cells = store.held(user_id, subaccount, ticker)[1]
            after, cash = positions.fill(cells, t.buys, t.count, t.paid, t.fee)
            account = funds.get(user_id)
            if account is None:
                held = self.accounts[user_id]  # type: ignore[attr-defined]
                account = funds[user_id] = Account(user_id, cash=dict(held.cash), filled=held.filled)
            market = markets.get(ticker)
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
