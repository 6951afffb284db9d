"""A fill made: the one road every fill takes once it is checked, whether alone (`Ledger.apply_fill`), in a batch
(`Ledger.apply_fills`) or as a side of a match (matching.py: `_fill_of_order`). The caller has worked out what the
fill does to its row (positions.fill) and checked it; this writes it: the row, its account's contracts, the cash, the
market's last price, the ids, the fill log and its index, the trade it prints on the market's tape (figures.py); and
hands its changes to the subscribers that take them (`EventBus.takers`: none is made that nobody takes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from mockexchange.core.events import Change
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.checks import Terms
from mockexchange.core.kalshi.fcm import premium
from mockexchange.core.kalshi.figures import hold, roll_day
from mockexchange.core.kalshi.fill_log import FillLog
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.positions import Cells, fill
from mockexchange.core.kalshi.rows import MarketPosition
from mockexchange.core.kalshi.units import price


class Filling:
    """The writing of a checked fill: a part of `Ledger`, whose state it changes."""

    def _make_fill(
        self,
        account: Account,
        market: Market,
        handle: int | None,
        after: Cells,
        cash: int,
        terms: Terms,
        subaccount: int,
        is_taker: bool,
        order_id: str | None,
        client_order_id: str | None,
        now: datetime,
        snapshot: bool,
        fill_id: str | int | None = None,
        prints: bool = True,
    ) -> tuple[int, MarketPosition | None]:
        """Write a checked fill whose row (its `handle`, as `PositionStore.held` answers it; None: the owner has none
        in `market` yet) becomes `after` and whose cash moves by `cash` (micro-dollars, its fee included). Answers the
        fill's index in the log and, if `snapshot`, the row's snapshot after it. `fill_id`: the trade's id (a match's
        two fills share it; None: a new one); `prints`: the fill prints its trade on the tape (a match's maker fill does
        not: the taker's prints it)."""
        state = self.state  # type: ignore[attr-defined]
        store = state.positions
        if handle is None:
            handle = store.open_handle(account.user_id, subaccount, market, now, after)
            changed = store.snapshot_of(handle) if snapshot else None
        else:
            changed = store.update_held(handle, now, after, snapshot)
        account.filled += terms.count
        if state.history.keeping:
            self.state.remember_cash(account, now)  # type: ignore[attr-defined]
            state.history.record("prices", market.ticker, market.last_yes_price, now)
        account.move_cash(subaccount, market.exchange_index, cash, now)
        if now >= market.day_ends:
            roll_day(market, now)  # (before the last price moves: the previous day's is the one before)
        market.last_yes_price = price(terms.yes)
        hold(market, after[0] - (terms.count if terms.buys else -terms.count), after[0])
        if fill_id is None:
            fill_id, order_id = self._fill_ids(order_id)
        log = state.fills
        at = log.add(
            fill_id, order_id, account.user_id, subaccount, market, terms.side, terms.action, terms.count, terms.price,
            is_taker, terms.fee, now, after[0], client_order_id,
        )  # fmt: skip
        state.fill_index.add_position(account.user_id, now, at)
        if account.subtrader_of is not None:  # (its daily cap counts the fill: fcm.py)
            self.fcm.executed_moved(account.user_id, now, premium(terms))  # type: ignore[attr-defined]
        if prints:  # the trade's taker: the fill's owner if it took, else the other side (buying YES faces a NO taker)
            self.feed.print_trade(market, at, terms.count, terms.yes, terms.buys == bool(is_taker), now)  # type: ignore[attr-defined]
        return at, changed

    def _fill_of_order(
        self,
        account: Account,
        market: Market,
        subaccount: int,
        terms: Terms,
        is_taker: bool,
        order_id: str | int,
        client_order_id: str | None,
        now: datetime,
        fill_id: str | int,
        takers: tuple[Sequence[Callable[[Change], None]], Sequence[Callable[[Change], None]]],
        checked: dict[tuple[str, str, int], tuple[int | None, Cells]],
    ) -> None:
        """One side of a match, checked already, down the same road: its row (as the check read it, `checked`, if its
        place has not filled since; else read now) moves (positions.fill), it is written (`_make_fill`; the taker's
        side prints the trade) and handed to those who take fills and rows (`takers`)."""
        held = checked.pop((account.user_id, market.ticker, subaccount), None)
        state = self.state  # type: ignore[attr-defined]
        handle, cells = held or state.positions.held(account.user_id, subaccount, market.ticker)
        after, cash = fill(cells, terms.buys, terms.count, terms.paid, terms.fee)
        at, changed = self._make_fill(
            account, market, handle, after, cash, terms, subaccount, is_taker, order_id, client_order_id, now,
            bool(takers[1]), fill_id, is_taker,
        )  # fmt: skip
        hand_over(takers[0], takers[1], account.user_id, state.fills, at, changed)

    def _drawn_id(self) -> str | int:
        """A new id (a trade's, a fill's, an order's) as the fill log keeps it: its UUID integer where the ids come
        from an `IdFactory`, else the text the ledger's `new_id` makes (the same draw either way)."""
        new_id = self.state.new_id  # type: ignore[attr-defined]
        return new_id.uuid_int() if type(new_id) is IdFactory else new_id()

    def _fill_ids(self, order_id: str | None) -> tuple[str | int, str | int]:
        """A new fill's id, and its order's (`order_id` if given, else a new one), as `_drawn_id` draws them."""
        fill_id = self._drawn_id()
        return fill_id, order_id or self._drawn_id()


def hand_over(
    to_fill: Sequence[Callable[[Change], None]],
    to_position: Sequence[Callable[[Change], None]],
    user_id: str,
    log: FillLog,
    at: int,
    changed: MarketPosition | None,
) -> None:
    """A fill's two changes (the fill `at` in the log, as a view of it), to the subscribers that take each (the fill
    first, then its row)."""
    if to_fill:
        change = Change("fill", user_id, log.view(at))
        for take in to_fill:
            take(change)
    if to_position:
        change = Change("position", user_id, changed)
        for take in to_position:
            take(change)
