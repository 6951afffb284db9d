"""A Deribit order crossing its instrument's book, and what the crossing does: fills at the resting prices, level by
level, each one trade with two sides down the one money road (`Trading.apply_trade`: positions, balances, fees, the
transaction log), then the taker's remainder rested, or cancelled.

The book is core/book.py's, one per instrument (`DerivativeOrders.books`): prices are integer ticks of the instrument's
`tick_size`, sizes integer units of its `min_trade_amount`, owners wallet ids (self-trade prevention compares them: an
order never trades with an order of its own wallet; the taker's remainder is cancelled there, Deribit's
`reject_taker`). Every order of every account rests there: the venue's and the control plane's (seeded orders match as
well, so the book is never crossed at rest).

Fees: Deribit's standard tier per kind (`FEES`), the taker's rate on a taker fill and the maker's on a maker fill;
futures pay the rate on the notional in the settlement currency (an inverse future's `amount / price` coins, a linear
one's `amount * price` USDC); options pay it on the underlying (the coin amount; a linear option's times the index),
capped at `OPTION_FEE_CAP` of the option's price times its amount. A fee is rounded half even to the 8th place.

Nothing happens before all of it is known to go through: the plan's fills are checked as trades, each as the ones
before it leave the positions and balances (`Trading.check_trades`: every bound `apply_trade` keeps, a fee's too),
and a venue order's taker must have the available funds for the fees and the initial margin the order holds
(`not_enough_funds` otherwise). What each side may trade was counted against its wallet's traded bound when its
order was placed (`Trading.check_traded`), so no fill passes it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from mockexchange.core.book import ASK, BID, Matched, SelfTrade, Side, opposite
from mockexchange.core.deribit.bounds import ZERO, ExchangeError
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.orders import CHANGE, DerivativeOrder, DerivativeOrders, instrument_margin
from mockexchange.core.deribit.records import DeribitFill, DeribitTrade
from mockexchange.core.events import Change
from mockexchange.core.money import plain
from mockexchange.core.stepping import DEEP, Footprint

if TYPE_CHECKING:
    from mockexchange.core.deribit.exchange import DeribitExchange

SELF_TRADE: SelfTrade = (
    "cancel_taker"  # Deribit's default `reject_taker`: the taker's remainder goes where it meets its own
)
# kind -> (taker rate, maker rate): Deribit's standard tier (render.py shows the same on every instrument).
FEES = {"future": (Decimal("0.0005"), ZERO), "option": (Decimal("0.0003"), Decimal("0.0003"))}
OPTION_FEE_CAP = Decimal("0.125")  # an option's fee is at most 12.5% of its price times its amount
FEE_PLACE = Decimal("1e-8")
RESTING = ("good_til_cancelled", "good_til_day")  # what may rest once it has taken what crosses


def price_ticks(instrument: Instrument, price: Decimal, what: str = "price") -> int:
    """The price in ticks of the instrument; refused (`price_wrong_tick`) off the tick."""
    ticks = price / instrument.tick_size
    if ticks != ticks.to_integral_value() or ticks <= 0:
        raise ExchangeError(
            f"{what} {price:f} is not a multiple of {instrument.instrument_name}'s tick size {instrument.tick_size:f}",
            reason="price_wrong_tick",
        )
    return int(ticks)


def amount_units(instrument: Instrument, amount: Decimal) -> int:
    """The amount in units of the instrument's minimum trade amount; refused (`invalid_amount`) off a unit."""
    units = amount / instrument.min_trade_amount
    if units != units.to_integral_value() or units <= 0:
        raise ExchangeError(
            f"amount {amount:f} is not a multiple of {instrument.instrument_name}'s minimum trade amount "
            f"{instrument.min_trade_amount:f}",
            reason="invalid_amount",
        )
    return int(units)


def at_tick(instrument: Instrument, ticks: int) -> Decimal:
    """The price `ticks` ticks make, written with no trailing zeros (60000, not 60000.0)."""
    price = ticks * instrument.tick_size
    return price.quantize(Decimal(1)) if price == price.to_integral_value() else price.normalize()


def fee(instrument: Instrument, taker: bool, amount: Decimal, price: Decimal, index: Decimal | None) -> Decimal:
    """One fill's fee in the settlement currency (module docstring)."""
    rate = FEES[instrument.kind][0 if taker else 1]
    if instrument.kind == "future":
        charged = rate * (amount / price if instrument.is_inverse else amount * price)
    else:
        underlying = amount if instrument.is_inverse or index is None else amount * index
        charged = min(rate * underlying, OPTION_FEE_CAP * price * amount)
    return charged.quantize(FEE_PLACE, rounding=ROUND_HALF_EVEN)


def side_of(order: DerivativeOrder) -> Side:
    return BID if order.direction == "buy" else ASK


def crossing(
    exchange: DeribitExchange, instrument: Instrument, user_id: str, direction: str, amount: Decimal,
    price: Decimal | None, fresh: bool = True,
) -> AbstractContextManager[None]:  # fmt: skip
    """Where an order's cross runs: long (core/stepping.py; `fresh`: nothing changed yet) if it may reach more than
    `DEEP` resting orders, else as the command runs. Its footprint: the instrument, the order's owner, and every
    account resting an order or holding a position there (a position's value follows the instrument's prices)."""
    kept = exchange.state.orders
    ticks = kept.books.get(instrument.instrument_name) if kept is not None else None
    if kept is None or ticks is None:
        return nullcontext()
    side = BID if direction == "buy" else ASK
    limit = None if price is None else price_ticks(instrument, price)
    if ticks.reach(side, amount_units(instrument, amount), limit, SELF_TRADE, DEEP) <= DEEP:
        return nullcontext()
    users = {user_id, *exchange.holders(instrument.instrument_name)}
    users.update(kept.orders[resting.order_id].user_id for resting in ticks.orders())
    return exchange.lock.long(Footprint.of(users, (instrument.instrument_name,)), fresh)


def _stepper(exchange: DeribitExchange) -> Callable[[], None] | None:
    """What a long command calls as each of its steps ends; None if the command runs as usual."""
    return exchange.lock.step if exchange.lock.running_long else None


class Crossing:
    """One order entering its instrument's book (placed, or edited so that it must take its place again), under the
    exchange's lock: `run` answers the order as it is after, and its trades (the taker's side of each)."""

    def __init__(
        self, exchange: DeribitExchange, kept: DerivativeOrders, order: DerivativeOrder, instrument: Instrument
    ) -> None:
        self.exchange = exchange
        self.kept = kept
        self.order = order
        self.instrument = instrument
        self.ticks = kept.book_of(instrument.instrument_name)

    def run(self, *, check_funds: bool, reject_post_only: bool) -> tuple[DerivativeOrder, list[DeribitTrade]]:
        order = self.order
        # (Placed or edited: long already, if it is to be; triggered inside another command: long from here.)
        long = crossing(
            self.exchange, self.instrument, order.user_id, order.direction, order.remaining, order.price, False
        )
        with long:
            return self._run(check_funds, reject_post_only)

    def rest_clear(self) -> DerivativeOrder | None:
        """The order rested at once where it crosses nothing and reduces nothing (a mass quote moved: it takes no
        funds check); None: it must cross (`run`)."""
        order = self.order
        if order.price is None or order.reduce_only or order.time_in_force not in RESTING:
            return None
        side, limit = side_of(order), price_ticks(self.instrument, order.price)
        if self.ticks.crosses(side, limit):
            return None
        return self._rest(order, side, limit, amount_units(self.instrument, order.remaining))

    def _run(self, check_funds: bool, reject_post_only: bool) -> tuple[DerivativeOrder, list[DeribitTrade]]:
        order, instrument = self.order, self.instrument
        side = side_of(order)
        size = amount_units(instrument, order.remaining)
        if order.order_type == "market_limit":
            order = self._market_limit(side)
        limit = None if order.price is None else price_ticks(instrument, order.price)
        if order.post_only and limit is not None and self.ticks.crosses(side, limit):
            limit = self._post_only_price(side, reject_post_only)
            order = replace(order, price=at_tick(instrument, limit))
        # A reduce-only order takes no more than reduces the position; what is left of it may rest (holding no
        # margin), cut to what still reduces once it has taken (`_reduce_rest`, `_hold`).
        taking = min(size, self._reducible(order)) if order.reduce_only else size
        step = _stepper(self.exchange)
        plan = self.ticks.plan(side, taking, limit, order.account_id, SELF_TRADE, step=step) if taking else Matched()
        if order.time_in_force == "fill_or_kill" and plan.filled < size:
            return self._end(order, "cancelled", "fill_or_kill"), []
        fees = self._check(order, plan)
        if check_funds and not order.reduce_only:
            self._check_funds(order, plan, fees, limit)
        self.ticks.apply(plan, step)
        makers = {
            (maker.user_id, maker.account_id) for maker in (self.kept.orders[m.maker.order_id] for m in plan.matches)
        }
        order, trades = self._fill(order, plan, fees)
        for user_id, account_id in makers:
            self._hold(user_id, account_id)
        room = self._hold(order.user_id, order.account_id)
        left = size - plan.filled
        rests = limit is not None and order.time_in_force in RESTING and not plan.stopped
        if order.reduce_only and left and rests:
            order, left = self._reduce_rest(order, left, room[order.direction])
        # (`rests` has a limit) a reduce-only remainder may still cross
        if left and rests and limit is not None and not self.ticks.crosses(side, limit):
            return self._rest(order, side, limit, left), trades
        if order.remaining == ZERO:
            return self._end(order, "filled", None), trades
        return self._end(order, "cancelled", _why(order, plan.stopped)), trades

    # -- terms ------------------------------------------------------------------------------------------------------

    def _market_limit(self, side: Side) -> DerivativeOrder:
        """A market_limit order as the limit it is: at the best price of the other side, where its first fill is
        (what it does not fill there rests at that price). With the other side empty it is the market order it was
        sent as, which takes nothing and ends cancelled, as a market order does."""
        best = self.ticks.best(opposite(side))
        if best is None:
            return replace(self.order, order_type="market", original_order_type="market_limit")
        price = at_tick(self.instrument, best[0])
        return replace(self.order, order_type="limit", original_order_type="market_limit", price=price)

    def _post_only_price(self, side: Side, reject: bool) -> int:
        """A post-only order that would take: refused (`reject_post_only`), else moved a tick off the other side's
        best (Deribit's repricing), refused as well if no tick is left there."""
        best = self.ticks.best(opposite(side))
        assert best is not None
        limit = best[0] - 1 if side == BID else best[0] + 1
        if reject or limit <= 0:
            raise ExchangeError("a post_only order would take liquidity", status=409, reason="post_only_reject")
        return limit

    def _reducible(self, order: DerivativeOrder) -> int:
        """The units of a reduce-only order that reduce the wallet's position (0: none)."""
        return self._against(order.user_id, order.account_id, order.direction)

    def _against(self, user_id: str, account_id: int, direction: str) -> int:
        """The units of the wallet's position an order in `direction` would reduce (0: none)."""
        held = self.exchange.valuation.position_state(user_id, self.instrument.instrument_name, account_id)
        size = held.position.size
        against = -size if direction == "buy" else size
        return int(against / self.instrument.min_trade_amount) if against > ZERO else 0

    def _hold(self, user_id: str, account_id: int) -> dict[str, int]:
        """The wallet's resting reduce-only orders on the instrument held together to what its position leaves to
        reduce, the oldest kept first: past it, the newest are cut, or cancelled (filled as makers, they would open or
        add to a position). Answers what each direction leaves to reduce beside them."""
        instrument, kept, clock = self.instrument, self.kept, self.exchange.state.clock
        room = {direction: self._against(user_id, account_id, direction) for direction in ("buy", "sell")}
        for resting in kept.of_wallet(account_id, instrument.instrument_name):
            if not resting.reduce_only or resting.order_id not in self.ticks:
                continue
            units = amount_units(instrument, resting.remaining)
            held = min(units, room[resting.direction])
            room[resting.direction] -= held
            if held == units:
                continue
            if held:
                amount = resting.filled_amount + held * instrument.min_trade_amount
                resting = replace(resting, amount=amount, max_show=min(resting.max_show, amount), updated=clock.now())
                self.ticks.reduce(resting.order_id, held)
                kept.put(resting)
            else:
                resting = replace(resting, order_state="cancelled", cancel_reason="reduce_only", updated=clock.now())
                kept.close(resting, self.exchange.state.history_size)
            self.exchange.state.bus.publish(Change(CHANGE, resting.user_id, resting))
        return room

    def _reduce_rest(self, order: DerivativeOrder, left: int, room: int) -> tuple[DerivativeOrder, int]:
        """What of a reduce-only order's remainder may rest: no more than what is left of the position to reduce
        beside the wallet's other resting reduce-only orders (`room`; resting, it may fill as a maker: more would
        open or add to a position). Cut, its amount is what it filled and what rests; nothing left to reduce, the
        remainder ends cancelled."""
        units = min(left, room)
        if units and units < left:
            amount = order.filled_amount + units * self.instrument.min_trade_amount
            order = replace(order, amount=amount, max_show=min(order.max_show, amount))
        return order, units

    def _check(self, order: DerivativeOrder, plan: Matched) -> list[tuple[Decimal, Decimal]]:
        """Each match's fees (taker, maker), once its fills are known to keep every bound a trade is held to
        (`DeribitTrading.check_trades`), nothing changed."""
        instrument, exchange = self.instrument, self.exchange
        name, index_value = instrument.instrument_name, exchange.market.index_or_none(instrument.price_index)
        fees = []
        fills = []
        step = _stepper(exchange)
        for match in plan.matches:
            if step is not None:
                step()
            maker = self.kept.orders[match.maker.order_id]
            price, amount = at_tick(instrument, match.price), match.size * instrument.min_trade_amount
            taker_fee = fee(instrument, True, amount, price, index_value)
            maker_fee = fee(instrument, False, amount, price, index_value)
            fees.append((taker_fee, maker_fee))
            fills.append(DeribitFill(order.user_id, name, order.direction, amount, price, order.account_id, taker_fee))
            fills.append(DeribitFill(maker.user_id, name, maker.direction, amount, price, maker.account_id, maker_fee))
        exchange.trading.check_trades(fills, reserved=True, step=step)
        return fees

    def _check_funds(self, order: DerivativeOrder, plan: Matched, fees: list, limit: int | None) -> None:
        """The taker's available funds cover its fees and the initial margin the whole order holds (valued at its
        limit, a market order at its fills' prices): Deribit's `not_enough_funds` otherwise."""
        instrument, exchange = self.instrument, self.exchange
        prices = [m.price for m in plan.matches]
        at = (
            limit
            if limit is not None
            else (max(prices, default=0) if order.direction == "buy" else min(prices, default=0))
        )
        if not at:
            return  # a market order that takes nothing holds nothing
        held = replace(order, order_state="open", price=at_tick(instrument, at), reduce_only=False)
        size = exchange.valuation.position_state(order.user_id, order.instrument_name, order.account_id).position.size
        need = instrument_margin(exchange.market, instrument, size, [held]) + sum((t for t, _ in fees), ZERO)
        summary = exchange.valuation.account_summary(order.user_id, instrument.settlement_currency, order.account_id)
        if need > summary.available_funds:
            raise ExchangeError(
                f"the order needs {plain(need)} {instrument.settlement_currency} of margin and fees; "
                f"{plain(summary.available_funds)} is available",
                reason="not_enough_funds",
            )

    # -- changes ----------------------------------------------------------------------------------------------------

    def _fill(
        self, order: DerivativeOrder, plan: Matched, fees: list[tuple[Decimal, Decimal]]
    ) -> tuple[DerivativeOrder, list[DeribitTrade]]:
        """Each match as one trade: the taker's fill, then the maker's sharing its id; each maker order's change
        published once, as it is after the crossing. Answers the taker's order after its fills, and its trades."""
        instrument, exchange, kept = self.instrument, self.exchange, self.kept
        trades: list[DeribitTrade] = []
        makers: dict[str, DerivativeOrder] = {}
        step = _stepper(exchange)
        for match, (taker_fee, maker_fee) in zip(plan.matches, fees, strict=True):
            if step is not None:
                step()
            price, amount = at_tick(instrument, match.price), match.size * instrument.min_trade_amount
            maker = makers.get(match.maker.order_id) or kept.orders[match.maker.order_id]
            taken = exchange.trading.apply_trade(DeribitFill(
                order.user_id, instrument.instrument_name, order.direction, amount, price,
                subaccount_id=order.account_id, fee=taker_fee, order_id=order.order_id, order_type=order.order_type,
                label=order.label,
            ), reserved=True)  # fmt: skip
            made = exchange.trading.apply_trade(DeribitFill(
                maker.user_id, instrument.instrument_name, maker.direction, amount, price,
                subaccount_id=maker.account_id, fee=maker_fee, order_id=maker.order_id, liquidity="M",
                order_type=maker.order_type, label=maker.label,
            ), match=(taken.trade_id, taken.trade_seq), reserved=True)  # fmt: skip
            trades.append(taken)
            makers[maker.order_id] = _filled(maker, made)
            order = _filled(order, taken)
        for maker in makers.values():
            if step is not None:
                step()
            if maker.remaining == ZERO:
                maker = replace(maker, order_state="filled")
                kept.close(maker, exchange.state.history_size)
            else:
                kept.put(maker)
            exchange.state.bus.publish(Change(CHANGE, maker.user_id, maker))
        return order, trades

    def _rest(self, order: DerivativeOrder, side: Side, limit: int, left: int) -> DerivativeOrder:
        order = replace(order, order_state="open")
        self.ticks.add(order.order_id, order.account_id, side, limit, left)
        self.kept.put(order)
        self.exchange.state.bus.publish(Change(CHANGE, order.user_id, order))
        return order

    def _end(self, order: DerivativeOrder, state: str, reason: str | None) -> DerivativeOrder:
        order = replace(order, order_state=state, cancel_reason=reason, updated=self.exchange.state.clock.now())
        self.kept.close(order, self.exchange.state.history_size)
        self.exchange.state.bus.publish(Change(CHANGE, order.user_id, order))
        return order


def _filled(order: DerivativeOrder, trade: DeribitTrade) -> DerivativeOrder:
    """The order once `trade` (its fill) has traded."""
    filled = order.filled_amount + trade.amount
    average = ((order.average_price * order.filled_amount + trade.price * trade.amount) / filled).quantize(FEE_PLACE)
    return replace(
        order, filled_amount=filled, average_price=average, commission=order.commission + trade.fee,
        profit_loss=order.profit_loss + trade.profit_loss, updated=trade.timestamp,
    )  # fmt: skip


def _why(order: DerivativeOrder, stopped: bool) -> str:
    """Why an order that does not rest ends cancelled with something left."""
    if stopped:
        return "self_trade"  # the mock's word: Deribit's reject_taker
    if order.order_type == "market":
        return "market_order_unfilled"  # the mock's word
    return order.time_in_force if order.time_in_force in ("immediate_or_cancel", "fill_or_kill") else "user_request"
