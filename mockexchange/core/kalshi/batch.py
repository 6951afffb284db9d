"""Many fills at once (`Ledger.apply_fills`, seeding a large sandbox): each as `apply_fill` makes it, under one hold of
the lock and at one instant; the rows a batch opens in the markets it lists wait and are written at once.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, getcontext
from typing import Any

from mockexchange.core.columns import decode, encode, shared
from mockexchange.core.events import Change
from mockexchange.core.ids import _UUID_CLEAR, _UUID_SET, IdFactory
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.batch_checks import _FEES_KEPT
from mockexchange.core.kalshi.cells import opening_cells, opening_terms, trade_cells
from mockexchange.core.kalshi.fill_log import Fill, Rows, fill_flags
from mockexchange.core.kalshi.markets import Event, Market
from mockexchange.core.kalshi.new_fill import _FIELDS, _WHOLE_TUPLES, NewFill, _new_fill
from mockexchange.core.kalshi.rows import MarketPosition
from mockexchange.core.money import ONE, ZERO, quantize_dollars

_FEE_CODES: dict[int, tuple[Decimal, int | None]] = {}  # id(fee) -> (that fee, its code), for `Ledger._apply_batch`


def _opening(
    side: str, action: str, count: Decimal, price: Decimal, fee: Decimal, exchange_index: int
) -> tuple[Any, ...]:
    """What a checked fill that opens a row makes (`Ledger._apply_batch`): the market's new last price, the cash it
    moves, the row's six amounts, `opening_terms` of them and the fill log's codes. From no position, the side bought
    is paid for and held and nothing is realized; each amount worked out as `positions.trade` and `apply_fill` do,
    `ZERO +` included (a sum takes the smaller exponent, and codes keep exponents)."""
    yes_price = price if side == "yes" else ONE - price
    buys_yes = (side == "yes") == (action == "buy")
    cost = count * (yes_price if buys_yes else ONE - yes_price)
    position = ZERO + (count if buys_yes else -count)
    amounts = (position, quantize_dollars(ZERO + cost), ZERO + cost, ZERO, ZERO + fee, ZERO + count)
    fill_codes = [encode(count), encode(price), encode(fee), encode(position)]
    return shared(yes_price), ZERO - cost - fee, amounts, opening_terms(amounts, exchange_index), fill_codes


class _Openings:
    """Rows a batch opens in the markets it lists, waiting to be written at once (`Ledger._open_rows`): one owner's,
    in order, each as its place, six cells (in `codes`) and share of its event's totals (`store.opening_cells`), and
    its version less the store's (`stamps`; `stamped`: the store's, so far). A later fill of the batch in a row that
    waits changes it where it waits (`store.trade_cells`), stamped again as `PositionStore.update` would."""

    __slots__ = ("owner", "places", "codes", "shares", "at", "stamps", "stamped")

    def __init__(self) -> None:
        self.owner: tuple[str, int] = ("", 0)
        self.clear()

    def clear(self) -> None:
        self.places: list[Market] = []
        self.codes: list[int] = []
        self.shares: list[tuple[int, ...]] = []
        self.at: dict[str, int] = {}  # ticker -> where its row waits
        self.stamps: list[int] = []
        self.stamped = 0

    def __bool__(self) -> bool:
        return bool(self.places)


# Rows that wait to be written at once, at most: enough to make the writing cheap, few enough that what waits (and
# the memory it leaves scattered between the rows that stay) stays small.
_ROWS_AT_ONCE = 1024


class _Run:
    """What the fills of one batch share while `Ledger._apply_batch` applies them, set up as it starts: the instant,
    the subscribers that take each kind of change, the rows waiting to be opened at once, the log rows gathered, and
    the price terms and codes worked out so far."""

    __slots__ = (
        "to_market", "to_fill", "to_position", "draw", "holding", "open_filled", "start", "now", "prices", "codes",
        "digits", "owners", "gathered", "gathering", "opening", "quiet", "folding",
    )  # fmt: skip

    def __init__(self, ledger: Any) -> None:
        store, bus, history = ledger.positions, ledger.bus, ledger.history
        self.to_market, self.to_fill = bus.takers("market"), bus.takers("fill")
        self.to_position = bus.takers("position")
        self.draw = ledger.new_id._random.getrandbits if type(ledger.new_id) is IdFactory else None  # type: ignore
        self.holding, self.open_filled = store.get, store.open_filled
        self.start = len(ledger.fills)
        self.now = now = ledger.clock.now()
        self.prices: dict[tuple[str, str, int], tuple[Any, ...]] = {}
        self.codes: dict[int, int | None] = {}
        self.digits = getcontext().prec
        self.owners: list[str] = []  # each fill's, for the time index: indexed as the batch ends, under the lock still
        # The fills' log rows, gathered and appended at once, where no change hands a fill over as it is made
        self.gathered = Rows()
        self.gathering = not self.to_fill and now.tzinfo is UTC
        # The rows the batch opens in the markets it lists, written at once (PositionStore.open_rows) where no change
        # is handed over as it is made
        self.opening, self.quiet = _Openings(), not (self.to_market or self.to_fill or self.to_position)
        # A fill in a row that waits changes it there, in integers (cells.trade_cells), where nothing else could see
        # the steps between: no taker, no history, rounding half even (x - x is +0), in UTC.
        self.folding = (
            self.quiet and not history.keeping and now.tzinfo is UTC and getcontext().rounding == ROUND_HALF_EVEN
        )


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
        batch = list(fills)
        if not (set(map(type, batch)) <= _WHOLE_TUPLES and set(map(len, batch)) == _FIELDS):  # (else: read each)
            batch = [_new_fill(item) for item in batch]
        with self.lock:
            fees = self._check_batch(batch)
            # The batch makes no reference cycle, only objects that live on: the cyclic collector, which would walk
            # every one of them again and again while a large state is seeded, waits until it is done.
            collecting = gc.isenabled()
            gc.disable()
            try:
                return self._apply_batch(batch, fees)
            finally:
                if collecting:
                    gc.enable()

    def _apply_batch(self, batch: list[NewFill], fees: list[Decimal]) -> Sequence[Fill]:
        """The fills of a checked batch, as `apply_fill` makes each (see there; the same steps, written out for a
        loop), under the lock. The batch is one instant: its changes go to the subscribers that take them as it
        starts (`EventBus.takers`), and none is made that nobody takes. What a fill does to its row is
        `_batch_change`'s; the rest (cash, last price, ids, log, changes) is here."""
        run = _Run(self)
        accounts, markets, log, index, history = self.accounts, self.markets, self.fills, self.fill_index, self.history
        now, opening, folding, holding, draw = run.now, run.opening, run.folding, run.holding, run.draw
        to_fill, to_position, gathered, gathering = run.to_fill, run.to_position, run.gathered, run.gathering
        gather, owners, start, filled = gathered.add, run.owners, run.start, self.contracts_filled
        for spec, fee in zip(batch, fees, strict=True):
            user_id, ticker, side, action, count, price, subaccount, is_taker, event_ticker, _, order_id, cl_id = spec
            account = accounts[user_id]
            market = markets.get(ticker)
            fresh = market is None
            waiting = None  # where this fill's row waits in `opening`, if it does
            if fresh:
                market = self._list_checked(ticker, event_ticker, run.to_market)
                row = None  # (a market listed just now: no row holds it yet)
            else:
                if opening:  # (the rows waiting go in before any other row is read or written)
                    if folding and opening.owner == (account.user_id, subaccount):
                        waiting = opening.at.get(market.ticker)
                    if waiting is None:
                        self._open_rows(opening, now)
                row = None if waiting is not None else holding(user_id, subaccount, ticker)
            moved, changed, position, fill_codes, last_price = self._batch_change(
                run, spec, fee, account, market, fresh, waiting, row
            )
            filled += count
            if history.keeping:
                self._remember_cash(account, now)
                history.record("prices", ticker, market.last_yes_price, now)
            key = (subaccount, market.exchange_index)
            account.cash[key] = account.cash.get(key, ZERO) + moved
            account.updated[subaccount] = now
            market.last_yes_price = last_price
            if draw is not None:  # IdFactory.uuid_int, written out
                fill_id: str | int = draw(128) & _UUID_CLEAR | _UUID_SET
                if not order_id:
                    order_id = draw(128) & _UUID_CLEAR | _UUID_SET
            else:
                fill_id = self.new_id()
                order_id = order_id or self.new_id()
            owners.append(account.user_id)
            if not (gathering and gather(  # type: ignore[arg-type]
                fill_id, order_id, account.user_id, market, fill_flags(side, action, is_taker, subaccount), fill_codes,
                cl_id,
            )):  # fmt: skip
                log.add_rows(gathered, now)  # (what was gathered before it goes first)
                at = log.add(
                    fill_id, order_id, account.user_id, subaccount, market, side, action, count, price, is_taker, fee,
                    now, position, cl_id, codes=fill_codes,
                )  # fmt: skip
                if to_fill:
                    change = Change("fill", user_id, log.view(at))
                    for take in to_fill:
                        take(change)
            self.contracts_filled = filled
            if to_position:
                change = Change("position", user_id, changed)
                for take in to_position:
                    take(change)
        if opening:
            self._open_rows(opening, now)
        if gathering:
            log.add_rows(gathered, now)
        index.add_run(owners, start)
        return log.span(start, len(log))

    def _batch_change(
        self,
        run: _Run,
        spec: NewFill,
        fee: Decimal,
        account: Account,
        market: Market,
        fresh: bool,
        waiting: int | None,
        row: MarketPosition | None,
    ) -> tuple[Decimal, MarketPosition | None, Decimal, list[int | None], Decimal]:
        """What a fill of `_apply_batch` does to its row (`row`; None: none yet, or it waits in `run.opening` at
        `waiting`), in a market listed just now if `fresh`: (the cash it moves, the row's snapshot if a change hands
        it over, the position after it, the fill log's codes, the market's new last price)."""
        user_id, ticker, side, action, count, price, subaccount = spec[:7]
        opening, now, prices, codes, fee_codes = run.opening, run.now, run.prices, run.codes, _FEE_CODES
        # A price's terms, once per side, action and price (the batch holds its prices: an id names one while it
        # runs): positions.yes_terms' YES price and its shared object (the market's last price), the price paid
        # for the side bought (its own price if bought, the other side's if sold), and their codes.
        terms = prices.get((side, action, id(price)))
        if terms is None:
            yes_price = price if side == "yes" else ONE - price
            pay = price if action == "buy" else ONE - price
            terms = prices[(side, action, id(price))] = (
                yes_price, shared(yes_price), (side == "yes") == (action == "buy"), pay, encode(pay), encode(price),
                encode(yes_price),
            )  # fmt: skip
        yes_price, last_price, buys_yes, pay, pay_code, price_code, yes_code = terms
        # The codes of the batch's counts and fees (for the log, and a new row's cells) recur: each is encoded once.
        count_code = codes.get(id(count))
        if count_code is None:
            count_code = codes[id(count)] = encode(count)
        kept = fee_codes.get(id(fee))  # (fees recur as the same objects across batches: `_check_batch`'s)
        if kept is not None and kept[0] is fee:
            fee_code = kept[1]
        else:
            fee_code = encode(fee)
            if len(fee_codes) >= _FEES_KEPT:
                fee_codes.clear()
            fee_codes[id(fee)] = (fee, fee_code)  # (the fee held with its code: its id names it while kept)
        if waiting is not None:
            cells = None
            if count_code is not None and yes_code is not None and fee_code is not None:
                k = 6 * waiting  # (six cells a row)
                cells = trade_cells(
                    opening.codes[k : k + 6], count_code, yes_code, buys_yes, fee_code, market.exchange_index,
                    run.digits,
                )  # fmt: skip
            if cells is None:  # the Decimal way: the rows waiting go in first
                self._open_rows(opening, now)
                row, waiting = run.holding(user_id, subaccount, ticker), None
        if waiting is not None:
            codes_after, share, cash_code = cells  # type: ignore[misc]
            opening.codes[k : k + 6] = codes_after
            opening.shares[waiting] = share
            opening.stamped += 1  # (`PositionStore.update` stamps the row)
            opening.stamps[waiting] = opening.stamped
            fill_codes = [count_code, price_code, fee_code, codes_after[0]]
            return decode(cash_code) - fee, None, decode(codes_after[0]), fill_codes, last_price
        if row is None:
            return self._batch_open(run, spec, fee, account, market, fresh, terms, count_code, fee_code)
        store = self.positions
        held, exposure, traded, realized, fees_paid, volume = store.amounts(row)
        result = positions.trade(held, exposure, count if buys_yes else -count, yes_price)
        position = result.position
        changed = store.update(
            row, now, position, quantize_dollars(result.exposure),
            traded + count * (yes_price if buys_yes else 1 - yes_price), realized + result.realized,
            fees_paid + fee, volume + count, bool(run.to_position),
        )  # fmt: skip
        fill_codes = [count_code, price_code, fee_code, encode(position)]
        return result.cash - fee, changed, position, fill_codes, last_price

    def _batch_open(
        self,
        run: _Run,
        spec: NewFill,
        fee: Decimal,
        account: Account,
        market: Market,
        fresh: bool,
        terms: tuple[Any, ...],
        count_code: int | None,
        fee_code: int | None,
    ) -> tuple[Decimal, MarketPosition | None, Decimal, list[int | None], Decimal]:
        """`_batch_change` for a fill in no row yet: from no position, the side bought is paid for and held; nothing is
        realized. `terms`: the fill's price terms as `_batch_change` works them out."""
        side, action, count, price, subaccount = spec[2:7]
        opening, now = run.opening, run.now
        _, last_price, buys_yes, pay, pay_code, price_code, _ = terms
        cells = None
        if not run.to_position and count_code is not None and pay_code is not None and fee_code is not None:
            cells = opening_cells(count_code, pay_code, fee_code, buys_yes, market.exchange_index, run.digits)
        if cells is not None:
            moved = ZERO - count * pay - fee
            if fresh and run.quiet:  # a row in a market listed just now: it waits, with the rows of its owner
                owner = (account.user_id, subaccount)
                if opening and (opening.owner != owner or len(opening.places) >= _ROWS_AT_ONCE):
                    self._open_rows(opening, now)
                opening.owner = owner
                opening.at[market.ticker] = len(opening.places)
                opening.places.append(market)
                opening.codes += cells[0]
                opening.shares.append(cells[1])
                opening.stamped += 2  # (`open` stamps a row, then `update` does)
                opening.stamps.append(opening.stamped)
            else:
                run.open_filled(account.user_id, subaccount, market, now, terms=cells, snapshot=False)
            position = count if buys_yes else -count  # (`ZERO +` it: the same, its exponent is not above 0)
            return moved, None, position, [count_code, price_code, fee_code, cells[0][0]], last_price
        # the Decimal way
        if opening:
            self._open_rows(opening, now)
        last_price, moved, amounts, cells, fill_codes = _opening(side, action, count, price, fee, market.exchange_index)
        changed = run.open_filled(account.user_id, subaccount, market, now, *amounts, terms=cells)
        return moved, changed, amounts[0], fill_codes, last_price

    def _open_rows(self, opening: _Openings, now: datetime) -> None:
        """Write the rows waiting in `opening` (all at once where the store can, else one by one), and empty it."""
        user_id, subaccount = opening.owner
        store = self.positions
        first, before = len(store), store.version
        places, codes, shares, stamps, stamped = (
            opening.places, opening.codes, opening.shares, opening.stamps, opening.stamped
        )  # fmt: skip
        if not store.open_rows(user_id, subaccount, now, places, codes, shares, stamps, stamped):
            for k, (place, share) in enumerate(zip(places, shares, strict=True)):
                cells = codes[6 * k : 6 * k + 6]  # (six cells a row)
                store.open_filled(user_id, subaccount, place, now, terms=(cells, share), snapshot=False)
            store.restamp(first, before, stamps, stamped)  # (rows changed again while they waited)
        opening.clear()

    def _list_checked(
        self, ticker: str, event_ticker: str | None, to_market: Sequence[Callable[[Change], None]]
    ) -> Market:
        """`list_market(ticker, event_ticker)` for a new market whose ticker and event were checked; its change goes
        to `to_market` (a batch's takers of market changes), if any."""
        event_ticker = event_ticker or (ticker.rsplit("-", 1)[0] if "-" in ticker else ticker)
        event = self.events.get(event_ticker)
        if event is None:
            event = self.events[event_ticker] = Event(event_ticker)
        market = Market(ticker, event.event_ticker)
        self.markets[ticker] = market
        event.markets.append(ticker)
        if to_market:
            change = Change("market", None, market)
            for take in to_market:
                take(change)
        return market
