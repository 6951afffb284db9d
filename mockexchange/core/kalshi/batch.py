"""Many fills at once (`Ledger.apply_fills`, seeding a large sandbox): the whole batch checked, then each fill made as
`apply_fill` makes it (positions.fill, then `Filling._make_fill`), under one hold of the lock and at one instant; a
large batch as a long command (core/stepping.py), which lets the reads of other accounts and markets in as it goes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.batch_checks import check_batch
from mockexchange.core.kalshi.checks import Terms
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.filling import hand_over
from mockexchange.core.kalshi.footprints import trading_footprint
from mockexchange.core.kalshi.new_fill import FillSpec, NewFill, new_fills
from mockexchange.core.stepping import DEEP


class Batches:
    """`Ledger.apply_fills`: a part of `Ledger`, whose state it changes as `apply_fill` does."""

    def apply_fills(self, fills: Iterable[NewFill | Sequence[Any] | Mapping[str, Any]]) -> Sequence[Fill]:
        """Many fills at once, for seeding a large sandbox: each as `apply_fill` would make it, in order, with the same
        ids, amounts, rows, roll-ups, records and published changes, under one hold of the lock and at one instant
        (the clock is read once). A fill is a `NewFill` (or a tuple in its order, or a mapping of its names).

        All or nothing: the whole batch is checked first, against the state as each fill would find it after the ones
        before it; if one would be refused, so is the batch (nothing applied), with that fill's refusal, numbered.
        Answers the fills as views of the fill log (they read as, and equal, the `Fill`s `apply_fill` answers), which
        are also what the fill changes carry."""
        batch = new_fills(fills)
        with self._batch_hold(batch):
            terms = check_batch(self.state, self.catalogue.fee_rule_for, batch)  # type: ignore[attr-defined]
            # The batch makes no reference cycle, only objects that live on: the cyclic collector, which would walk
            # every one of them again and again while a large state is seeded, waits until it is done.
            collecting = gc.isenabled()
            gc.disable()
            try:
                return self._apply_batch(batch, terms)
            finally:
                if collecting:
                    gc.enable()

    def _batch_hold(self, batch: list[FillSpec]) -> AbstractContextManager[object]:
        """The lock, held for the batch: a long command (core/stepping.py) over its accounts and markets if it has
        more than `DEEP` fills."""
        lock = self.state.lock  # type: ignore[attr-defined]
        if len(batch) <= DEEP:
            return lock
        users = {spec[0] for spec in batch if type(spec[0]) is str}
        tickers = {spec[1] for spec in batch if type(spec[1]) is str}
        return lock.holding_long(lambda: trading_footprint(self.state, tickers, *users))  # type: ignore[attr-defined]

    def _apply_batch(self, batch: list[FillSpec], terms: list[Terms]) -> Sequence[Fill]:
        """The fills of a checked batch, each as `apply_fill` makes it, under the lock. The batch is one instant: its
        changes go to the subscribers that take them as it starts (`EventBus.takers`), and none is made that nobody
        takes."""
        state = self.state  # type: ignore[attr-defined]
        bus, store, accounts, markets = state.bus, state.positions, state.accounts, state.markets
        to_market, to_fill, to_position = bus.takers("market"), bus.takers("fill"), bus.takers("position")
        now = state.clock.now()
        log = state.fills
        start = len(log)
        make, step, holding = self._make_fill, positions.fill, store.held  # type: ignore[attr-defined]  # Filling's
        pause = self.state.lock.stepper()  # type: ignore[attr-defined]
        for spec, fill_terms in zip(batch, terms, strict=True):
            if pause is not None:
                pause()
            user_id, ticker, _, _, _, _, subaccount, is_taker, event_ticker, _, order_id, client_order_id = spec
            market = markets.get(ticker)
            if market is None:
                market = self.catalogue.list_checked(ticker, event_ticker, to_market, now=now)  # type: ignore[attr-defined]
            handle, cells = holding(user_id, subaccount, ticker)  # (none yet in a market just listed)
            after, cash = step(cells, fill_terms.buys, fill_terms.count, fill_terms.paid, fill_terms.fee)
            at, changed = make(
                accounts[user_id], market, handle, after, cash, fill_terms, subaccount, is_taker, order_id,
                client_order_id, now, bool(to_position),
            )  # fmt: skip
            hand_over(to_fill, to_position, user_id, log, at, changed)
        return log.span(start, len(log))
