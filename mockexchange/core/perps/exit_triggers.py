"""The perps exchange's exit triggers: stop-loss / take-profit brackets and trailing stops on a position, one engine
for a position's two slots (cross, per subaccount; isolated, the primary's: exit_trigger_commands.py).

A slot holds one trailing stop and up to `MAX_BRACKETS` brackets: one over the whole position (set again, it is
replaced), or brackets added beside one another, each of `count` whole contracts (their counts fit the position) or
following the fills of an anchor order (pending until it first fills). Each move of a market's marks (`marks_moved`)
evaluates the active triggers against its liquidation mark: a long's stop-loss fires at mark <= stop, its take-profit
at mark >= take, a short's the reverse; a trailing stop's watermark follows the best mark and it fires when the mark
reaches the watermark less the trail (a short's: plus). A trigger set when the mark is past it fires at once.

Firing places the exchange's own reduce-only immediate-or-cancel order (its reason `take_profit_stop_loss`) at the
worst price allowed (a sell at one tick, a buy at the highest multiple of the tick), so it takes the book at the
resting orders' prices. The trigger is `filled` once what it covers is closed; what the book could not take leaves it
active, to fire again at the next move; a refused order leaves it `failed` (`order_rejected`). A fill of other trading
that closes the position ends its armed triggers (`position_closed`), one that flips it those of the other side
(`position_flipped`); an anchored trigger's count follows its order's fills, and ends (`entry_not_filled`) if the
order ends unfilled."""

from __future__ import annotations

from collections.abc import Iterator

from mockexchange.core.perps.errors import PerpsError, not_enabled, not_found
from mockexchange.core.perps.exit_trigger_commands import (
    BRACKET,
    CROSS,
    ISOLATED,
    TRAILING,
    CancelPerpExitTrigger,
    CancelPerpExitTriggers,
    OnPerpExitTrigger,
    SetPerpExitTrigger,
    UpdatePerpExitTrigger,
)
from mockexchange.core.perps.exit_trigger_records import (
    ACTIVE,
    CANCELED,
    ENTRY_NOT_FILLED,
    FAILED,
    FILLED,
    ORDER_REJECTED,
    PENDING,
    POSITION_CLOSED,
    POSITION_FLIPPED,
    STOP_LOSS,
    TAKE_PROFIT,
    USER_CANCELED,
    PerpExitTrigger,
)
from mockexchange.core.perps.listing import PerpListing
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.order_commands import PlacePerpOrder
from mockexchange.core.perps.orders import TAKE_PROFIT_STOP_LOSS, PerpOrder
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.trading import PerpTrading
from mockexchange.core.perps.units import DOLLAR, MAX_PRICE_UNITS, PRICE

MAX_BRACKETS = 20  # a slot's brackets (and one trailing stop)
MAX_TRIGGER_KEYS = 1_000  # a user's client_trigger_id keys kept: the oldest is forgotten past it
BPS = 10_000
Slot = tuple[str, int, str]  # (user, subaccount, cross or isolated)


class PerpExitTriggers:
    """Under the exchange's lock; `trading` places a trigger's order and tells of fills and ended orders (`filled`,
    `ended`)."""

    def __init__(self, state: PerpsState, listing: PerpListing, trading: PerpTrading) -> None:
        self.state, self.listing, self.trading = state, listing, trading
        self._firing: PerpExitTrigger | None = None  # (its own order's fills leave it to `_fire`)

    # -- commands ------------------------------------------------------------------------------------------------

    def set(self, set_: SetPerpExitTrigger) -> PerpExitTrigger:
        state = self.state
        with state.lock:
            market = self._market(set_.user_id, set_.ticker, set_.subaccount)
            if set_.client_trigger_id is not None:
                kept = state.trigger_keys.get(set_.user_id, {}).get(set_.client_trigger_id)
                if kept is not None:
                    if (kept.subaccount, kept.ticker, kept.slot) != (set_.subaccount, set_.ticker, set_.slot):
                        raise PerpsError(f"client_trigger_id {set_.client_trigger_id!r} was used on another "
                                         "position", 409, "idempotency_key_already_used")  # fmt: skip
                    return kept
            slot: Slot = (set_.user_id, set_.subaccount, set_.slot)
            held = state.exit_triggers.get(set_.ticker, {}).get(slot, {})
            size = self._size(slot, set_.ticker)
            long = self._side(set_, size)
            brackets = [each for each in held.values() if each.kind == BRACKET]
            if set_.kind == BRACKET:
                self._fits(set_, brackets, size)
            now = state.clock.now()
            trigger = next((each for each in held.values() if each.kind == set_.kind and not each.appended), None)
            if trigger is None or set_.appends:
                trigger = PerpExitTrigger(state.new_id(), set_.user_id, set_.subaccount, set_.ticker, set_.slot,
                                          set_.kind, long, set_.appends, now, now)  # fmt: skip
            trigger.long, trigger.updated = long, now
            trigger.stop_loss, trigger.take_profit = set_.stop_loss_price, set_.take_profit_price
            trigger.trail_amount, trigger.trail_bps = set_.trail_amount, set_.trail_bps
            trigger.watermark = market.mark if set_.kind == TRAILING else None
            trigger.count = set_.count or 0
            if set_.anchor_order_id is not None:
                anchor = state.orders[set_.anchor_order_id]
                trigger.anchor_order_id, trigger.count = anchor.order_id, anchor.filled
                trigger.status = ACTIVE if anchor.filled else PENDING
            state.exit_triggers.setdefault(set_.ticker, {}).setdefault(slot, {})[trigger.trigger_id] = trigger
            if set_.client_trigger_id is not None:
                self._keep_key(trigger, set_.client_trigger_id)
            if trigger.status == ACTIVE:
                self._evaluate(trigger, market)
            return trigger

    def update(self, update: UpdatePerpExitTrigger) -> PerpExitTrigger:
        state = self.state
        with state.lock:
            market = self._market(update.user_id, update.ticker, update.subaccount)
            trigger = self._bracket(update)
            trigger.stop_loss, trigger.take_profit = update.stop_loss_price, update.take_profit_price
            trigger.updated = state.clock.now()
            if trigger.status == ACTIVE:
                self._evaluate(trigger, market)
            return trigger

    def cancel(self, cancel: CancelPerpExitTrigger) -> PerpExitTrigger:
        with self.state.lock:
            self._market(cancel.user_id, cancel.ticker, cancel.subaccount, trades=False)
            trigger = self._bracket(cancel)
            self._end(trigger, CANCELED, USER_CANCELED)
            return trigger

    def cancel_all(self, cancel: CancelPerpExitTriggers) -> list[PerpExitTrigger]:
        with self.state.lock:
            self._market(cancel.user_id, cancel.ticker, cancel.subaccount, trades=False)
            slot = (cancel.user_id, cancel.subaccount, cancel.slot)
            ended = self.live(slot, cancel.ticker, cancel.kind)
            for trigger in ended:
                self._end(trigger, CANCELED, USER_CANCELED)
            return ended

    # -- reads ---------------------------------------------------------------------------------------------------

    def live(self, slot: Slot, ticker: str, kind: str | None = None) -> list[PerpExitTrigger]:
        """A slot's live triggers in a market (of one kind, if given), as set."""
        held = self.state.exit_triggers.get(ticker, {}).get(slot, {})
        return [trigger for trigger in held.values() if kind in (None, trigger.kind)]

    # -- what trading tells (trading.py, filling.py) --------------------------------------------------------------

    def filled(self, order: PerpOrder, before: int) -> None:
        """A fill of `order` moved its account's position from `before`: an anchored trigger follows its order; the
        position closed or flipped ends the triggers armed on it."""
        size = self._size((order.user_id, order.subaccount, CROSS), order.ticker)
        for trigger in self._of_position(order):
            if trigger is self._firing:
                continue
            if trigger.anchor_order_id == order.order_id:
                trigger.count = order.filled
                if trigger.status == PENDING and trigger.count > trigger.filled:
                    trigger.status, trigger.updated = ACTIVE, order.updated
                if not order.remaining:
                    self.ended(order)
            if trigger.status == ACTIVE and size != before:
                if not size:
                    self._end(trigger, CANCELED, POSITION_CLOSED)
                elif (size > 0) != trigger.long:
                    self._end(trigger, CANCELED, POSITION_FLIPPED)

    def ended(self, order: PerpOrder) -> None:
        """`order` rests no more: a trigger anchored to it keeps the count it filled (none: it ends)."""
        for trigger in self._of_position(order):
            if trigger.anchor_order_id != order.order_id:
                continue
            trigger.anchor_order_id, trigger.count = None, order.filled
            if not order.filled:
                self._end(trigger, CANCELED, ENTRY_NOT_FILLED)
            elif trigger.filled >= trigger.count:
                self._end(trigger, FILLED, None)

    # -- firing --------------------------------------------------------------------------------------------------

    def marks_moved(self, tickers: tuple[str, ...]) -> None:
        """Evaluate the active triggers of `tickers` at their marks now, as set, firing those reached."""
        state = self.state
        for ticker in tickers:
            for held in list(state.exit_triggers.get(ticker, {}).values()):
                for trigger in list(held.values()):
                    if trigger.status == ACTIVE:  # (not ended by another's firing)
                        self._evaluate(trigger, state.markets[ticker])

    def _evaluate(self, trigger: PerpExitTrigger, market: PerpMarket) -> None:
        leg = _reached(trigger, market.mark)
        if leg is not None:
            self._fire(trigger, leg, market)

    def _fire(self, trigger: PerpExitTrigger, leg: str, market: PerpMarket) -> None:
        held = abs(self._size((trigger.user_id, trigger.subaccount, trigger.slot), trigger.ticker))
        closing = min(trigger.count - trigger.filled if trigger.appended else held, held)
        if closing <= 0:
            return
        highest = MAX_PRICE_UNITS - MAX_PRICE_UNITS % market.tick
        placed = PlacePerpOrder(
            user_id=trigger.user_id, ticker=trigger.ticker, side="ask" if trigger.long else "bid", count=closing,
            price=market.tick if trigger.long else highest, client_order_id=f"exit-{trigger.trigger_id}",
            time_in_force="immediate_or_cancel", reduce_only=True, subaccount=trigger.subaccount,
        )  # fmt: skip
        self._firing = trigger
        try:
            outcome = self.trading.place(placed, TAKE_PROFIT_STOP_LOSS)
        except PerpsError:
            self._end(trigger, FAILED, ORDER_REJECTED)
            return
        finally:
            self._firing = None
        trigger.triggered_leg, trigger.triggered_order_id = leg, outcome.order.order_id
        trigger.filled += outcome.filled
        trigger.updated = self.state.clock.now()
        if outcome.filled < closing:
            return  # (the book took less: it fires again at the next move)
        if trigger.anchor_order_id is not None:
            trigger.status = PENDING  # (until its order fills further)
        elif trigger.appended or closing == held:
            self._end(trigger, FILLED, None)

    # -- steps ---------------------------------------------------------------------------------------------------

    def _market(self, user_id: str, ticker: str, subaccount: int, trades: bool = True) -> PerpMarket:
        self.trading.run_due()
        if trades and user_id in self.state.disabled:
            raise not_enabled()
        market = self.listing.market(ticker)
        self.trading.known(user_id, subaccount)
        return market

    def _size(self, slot: Slot, ticker: str) -> int:
        """The position a slot's triggers protect (an isolated slot's: the primary's)."""
        held = self.state.positions.get((slot[0], 0 if slot[2] == ISOLATED else slot[1]), {}).get(ticker)
        return held.size if held is not None else 0

    def _side(self, set_: SetPerpExitTrigger, size: int) -> bool:
        """The side a new trigger protects: the open position's, or its anchor order's (a resting order of the
        position's market that does not reduce it)."""
        if set_.anchor_order_id is None:
            if not size:
                raise PerpsError(f"no open position in {set_.ticker!r} to protect")
            return size > 0
        anchor = self.state.orders.get(set_.anchor_order_id)
        if (
            anchor is None or anchor.status != "resting" or anchor.user_id != set_.user_id
            or anchor.subaccount != set_.subaccount or anchor.ticker != set_.ticker
            or (size and (size > 0) != anchor.buys)
        ):  # fmt: skip
            raise PerpsError(f"order {set_.anchor_order_id!r} is not a resting order of this position's side",
                             409, "anchor_order_unavailable")  # fmt: skip
        return anchor.buys

    def _fits(self, set_: SetPerpExitTrigger, brackets: list[PerpExitTrigger], size: int) -> None:
        """A bracket over the whole position excludes the others; added ones are at most MAX_BRACKETS, their
        counts (what each has left to close) within the position."""
        if any(bracket.appended for bracket in brackets) != set_.appends and brackets:
            raise PerpsError("a bracket over the whole position and brackets of a count or an anchor exclude each "
                             "other: cancel the others first", 409, "conflict")  # fmt: skip
        if not set_.appends:
            return
        if len(brackets) >= MAX_BRACKETS:
            raise PerpsError(f"a position holds at most {MAX_BRACKETS} brackets")
        if set_.count is not None and set_.count + sum(b.count - b.filled for b in brackets) > abs(size):
            raise PerpsError("the brackets' counts would not fit the position")

    def _bracket(self, on: OnPerpExitTrigger) -> PerpExitTrigger:
        """A live cross bracket of the user's position, by id (a trailing stop is not addressed by id)."""
        trigger = self.state.exit_triggers.get(on.ticker, {}).get((on.user_id, on.subaccount, CROSS), {}).get(
            on.trigger_id
        )  # fmt: skip
        if trigger is None or trigger.kind != BRACKET:
            raise not_found(f"exit trigger {on.trigger_id!r}")
        return trigger

    def _of_position(self, order: PerpOrder) -> Iterator[PerpExitTrigger]:
        """The live triggers on the position of `order`'s account in its market (the primary's: both slots)."""
        slots = self.state.exit_triggers.get(order.ticker)
        if not slots:
            return
        for slot in (CROSS, ISOLATED) if order.subaccount == 0 else (CROSS,):
            yield from list(slots.get((order.user_id, order.subaccount, slot), {}).values())

    def _end(self, trigger: PerpExitTrigger, status: str, reason: str | None) -> None:
        state = self.state
        trigger.status, trigger.reason, trigger.updated = status, reason, state.clock.now()
        trigger.anchor_order_id = None
        slots = state.exit_triggers[trigger.ticker]
        slot = (trigger.user_id, trigger.subaccount, trigger.slot)
        del slots[slot][trigger.trigger_id]
        if not slots[slot]:
            del slots[slot]
            if not slots:
                del state.exit_triggers[trigger.ticker]

    def _keep_key(self, trigger: PerpExitTrigger, key: str) -> None:
        trigger.client_trigger_id = key
        keys = self.state.trigger_keys.setdefault(trigger.user_id, {})
        if len(keys) >= MAX_TRIGGER_KEYS:
            del keys[next(iter(keys))]
        keys[key] = trigger


def effective_stop(trigger: PerpExitTrigger) -> int:
    """A trailing stop's level (micro-dollars): its watermark less the trail for a long, plus for a short (a trail in
    basis points of the watermark rounded down to the micro-dollar)."""
    assert trigger.watermark is not None
    watermark = trigger.watermark * (DOLLAR // PRICE)
    if trigger.trail_amount is not None:
        trail = trigger.trail_amount * (DOLLAR // PRICE)
    else:
        trail = watermark * (trigger.trail_bps or 0) // BPS
    return watermark - trail if trigger.long else watermark + trail


def _reached(trigger: PerpExitTrigger, mark: int) -> str | None:
    """The leg the mark reaches (a trailing stop's watermark moved to it first), if any."""
    if trigger.kind == TRAILING:
        assert trigger.watermark is not None
        trigger.watermark = max(trigger.watermark, mark) if trigger.long else min(trigger.watermark, mark)
        at, stop = mark * (DOLLAR // PRICE), effective_stop(trigger)
        return STOP_LOSS if (at <= stop if trigger.long else at >= stop) else None
    loss, profit = trigger.stop_loss, trigger.take_profit
    if loss is not None and (mark <= loss if trigger.long else mark >= loss):
        return STOP_LOSS
    if profit is not None and (mark >= profit if trigger.long else mark <= profit):
        return TAKE_PROFIT
    return None
