"""Deribit's orders, edits, reduce-only orders and triggers under a hypothesis sequence, against a small model
written apart from the engine: one perpetual, three accounts, amounts in units of its minimum trade amount (10 USD),
prices in ticks. The model matches price then time, stops a taker at its own wallet's order (`reject_taker`), lets a
reduce-only order take only what reduces and rest only what is then left to reduce, edits as docs/deribit.md says
(made smaller at its price it keeps its place; else it enters again behind the others), and fires stop and take
orders on the index, oldest first; a wallet's resting reduce-only orders are held together to what its position
leaves to reduce as it moves (the oldest placed kept first). After each step: the trades, every fill's price and size,
the book's levels, the open orders and the positions are the model's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import ManualClock
from mockexchange.registry import control_plane

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

PERP = "BTC-PERPETUAL"
USERS = ("alice", "bob", "carol")
UNIT = 10  # USD: the perpetual's minimum trade amount
TICK = Decimal("0.5")
TICKS = st.integers(min_value=119_996, max_value=120_004)  # 59,998 to 60,002 in half dollars
TRIGGERS = st.sampled_from([119_998, 120_002])  # few, so that a move of the index fires several at once


@dataclass
class Resting:
    order_id: str
    user: str
    side: str  # bid, ask
    ticks: int
    amount: int  # units, what it filled included
    filled: int
    reduce_only: bool
    seq: int  # its place in time at its price (resting); when it was placed (waiting on its trigger)
    trigger: tuple[str, int] | None = None  # a stop or take order's kind and trigger price in ticks
    placed: int = 0  # when it was placed: a wallet's reduce-only orders are held to its position oldest first

    @property
    def left(self) -> int:
        return self.amount - self.filled


class OrderModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()  # moved on at each step: triggers fire oldest first
        self.control = control_plane(self.clock)
        self.control.set_index_price("btc_usd", "60000")
        for user in USERS:
            self.control.create_deribit_account(user, balances={"BTC": "1000"})  # funds never bind here
        self.resting: list[Resting] = []
        self.waiting: list[Resting] = []  # stop and take orders, untriggered
        self.index = 120_000
        self.positions = dict.fromkeys(USERS, 0)  # units, + long
        self.fills: Counter[tuple[str, str, int, int]] = Counter()  # (user, direction, ticks, units), both sides
        self.seq = 0

    # -- the model ---------------------------------------------------------------------------------------------------

    def _queue(self, side: str) -> list[Resting]:
        mine = [o for o in self.resting if o.side == side]
        return sorted(mine, key=lambda o: (-o.ticks if side == BID else o.ticks, o.seq))

    def _reducible(self, user: str, side: str) -> int:
        against = -self.positions[user] if side == BID else self.positions[user]
        return max(against, 0)

    def _enter(self, order: Resting, resting: bool) -> list[tuple[int, int]]:
        """The order crossing the model's book: its fills (ticks, units); what is left rested or not."""
        side, other = order.side, ASK if order.side == BID else BID
        taking = min(order.left, self._reducible(order.user, side)) if order.reduce_only else order.left
        fills, stopped, makers = [], False, set()
        for maker in self._queue(other):
            if not taking or (maker.ticks > order.ticks if side == BID else maker.ticks < order.ticks):
                break
            if maker.user == order.user:
                stopped = True
                break
            size = min(taking, maker.left)
            makers.add(maker.user)
            fills.append((maker.ticks, size))
            taking -= size
            maker.filled += size
            order.filled += size
            sign = 1 if side == BID else -1
            self.fills[(order.user, "buy" if side == BID else "sell", maker.ticks, size)] += 1
            self.fills[(maker.user, "sell" if side == BID else "buy", maker.ticks, size)] += 1
            self.positions[order.user] += sign * size
            self.positions[maker.user] -= sign * size
            if not maker.left:
                self.resting.remove(maker)
        for user in makers:
            self._hold(user)
        room = self._hold(order.user)
        left = order.left
        if left and resting and not stopped:
            if order.reduce_only:
                cut = min(left, room[side])
                if cut and cut < left:
                    order.amount = order.filled + cut
                left = cut
            crosses = any(o.ticks <= order.ticks if side == BID else o.ticks >= order.ticks for o in self._queue(other))
            if left and not crosses:
                self.seq += 1
                order.seq = self.seq
                self.resting.append(order)
        return fills

    def _hold(self, user: str) -> dict[str, int]:
        """The user's resting reduce-only orders held to what its position leaves to reduce, the oldest placed kept
        first (the newest cut, or cancelled); what each side leaves beside them."""
        room = {side: self._reducible(user, side) for side in (BID, ASK)}
        for order in sorted((o for o in self.resting if o.user == user and o.reduce_only), key=lambda o: o.placed):
            held = min(order.left, room[order.side])
            room[order.side] -= held
            if held and held < order.left:
                order.amount = order.filled + held
            elif not held:
                self.resting.remove(order)
        return room

    def _fire(self) -> None:
        """Every waiting order whose trigger the index reached enters the book, the oldest first (a stop buy and a
        take sell at or above its trigger price, a stop sell and a take buy at or below)."""
        while due := [o for o in self.waiting if self._reached(o)]:
            order = min(due, key=lambda o: o.seq)
            self.waiting.remove(order)
            order.trigger = None
            self._enter(order, True)

    def _reached(self, order: Resting) -> bool:
        assert order.trigger is not None
        kind, at = order.trigger
        rising = (kind == "stop") == (order.side == BID)
        return self.index >= at if rising else self.index <= at

    # -- the steps ---------------------------------------------------------------------------------------------------

    @rule(
        user=st.sampled_from(USERS), side=st.sampled_from([BID, ASK]), units=st.integers(1, 4), ticks=TICKS,
        reduce_only=st.booleans(), resting=st.sampled_from([True, True, False]),
    )  # fmt: skip
    def place(self, user: str, side: str, units: int, ticks: int, reduce_only: bool, resting: bool) -> None:
        self.clock.advance(delta=timedelta(milliseconds=1))
        placed = self.control.deribit_place_order(
            user, PERP, "buy" if side == BID else "sell", str(units * UNIT), str(ticks * TICK),
            time_in_force="good_til_cancelled" if resting else "immediate_or_cancel", reduce_only=reduce_only,
        )  # fmt: skip
        self.seq += 1
        order = Resting(placed["order"]["order_id"], user, side, ticks, units, 0, reduce_only, 0, placed=self.seq)
        expected = self._enter(order, resting)
        assert [(Decimal(t["price"]) / TICK, Decimal(t["amount"]) / UNIT) for t in placed["trades"]] == expected

    @rule(
        user=st.sampled_from(USERS), side=st.sampled_from([BID, ASK]), units=st.integers(1, 4), ticks=TICKS,
        reduce_only=st.booleans(), kind=st.sampled_from(["stop", "take"]), trigger=TRIGGERS,
    )  # fmt: skip
    def place_trigger(
        self, user: str, side: str, units: int, ticks: int, reduce_only: bool, kind: str, trigger: int
    ) -> None:
        self.clock.advance(delta=timedelta(milliseconds=1))
        placed = self.control.deribit_place_order(
            user, PERP, "buy" if side == BID else "sell", str(units * UNIT), str(ticks * TICK),
            order_type=f"{kind}_limit", trigger="index_price", trigger_price=str(trigger * TICK),
            reduce_only=reduce_only,
        )  # fmt: skip
        self.seq += 1
        self.waiting.append(Resting(placed["order"]["order_id"], user, side, ticks, units, 0, reduce_only, self.seq,
                                    (kind, trigger), self.seq))  # fmt: skip
        self._fire()

    @rule(ticks=st.sampled_from([119_996, 120_000, 120_004]))
    def move_index(self, ticks: int) -> None:
        self.control.set_index_price("btc_usd", str(ticks * TICK))
        self.index = ticks
        self._fire()

    @precondition(lambda self: self.waiting)
    @rule(data=st.data(), units=st.integers(1, 4), ticks=TICKS)
    def edit_waiting(self, data: st.DataObject, units: int, ticks: int) -> None:
        order = data.draw(st.sampled_from(self.waiting))
        edited = self.control.deribit_edit_order(order.order_id, str(units * UNIT), str(ticks * TICK))
        assert edited["trades"] == [] and edited["order"]["order_state"] == "untriggered"
        order.amount, order.ticks = units, ticks  # its terms change in place: it keeps its time

    @precondition(lambda self: self.resting)
    @rule(data=st.data(), more=st.integers(1, 4), ticks=TICKS)
    def edit(self, data: st.DataObject, more: int, ticks: int) -> None:
        order = data.draw(st.sampled_from(self.resting))
        amount = order.filled + more
        edited = self.control.deribit_edit_order(order.order_id, str(amount * UNIT), str(ticks * TICK))
        if ticks == order.ticks and amount <= order.amount:  # smaller at its price: it keeps its place
            order.amount, expected = amount, []
        else:
            self.resting.remove(order)
            order.amount, order.ticks = amount, ticks
            expected = self._enter(order, True)
        assert [(Decimal(t["price"]) / TICK, Decimal(t["amount"]) / UNIT) for t in edited["trades"]] == expected

    @precondition(lambda self: self.resting or self.waiting)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.resting + self.waiting))
        self.control.deribit_cancel_order(order.order_id)
        (self.resting if order in self.resting else self.waiting).remove(order)

    # -- what must hold ----------------------------------------------------------------------------------------------

    @invariant()
    def the_engine_is_the_model(self) -> None:
        exchange = self.control.exchange
        kept = exchange.state.orders
        ticks = kept.books.get(PERP) if kept is not None else None
        for side in (BID, ASK):
            levels: dict[int, int] = {}
            for order in self._queue(side):
                levels[order.ticks] = levels.get(order.ticks, 0) + order.left
            assert (ticks.levels(side) if ticks is not None else []) == list(levels.items())
        open_orders = {} if kept is None else {i: kept.orders[i] for ids in kept.open.values() for i in ids}
        assert sorted(open_orders) == sorted(o.order_id for o in self.resting + self.waiting)
        untriggered = {i for i, o in open_orders.items() if o.order_state == "untriggered"}
        assert untriggered == {o.order_id for o in self.waiting}
        for order in self.resting + self.waiting:
            engine = open_orders[order.order_id]
            assert (engine.amount, engine.filled_amount) == (order.amount * UNIT, order.filled * UNIT)
        assert {u: exchange.valuation.position(u, PERP).size for u in USERS} == {
            u: n * UNIT for u, n in self.positions.items()
        }
        fills = Counter(
            (t.user_id, t.direction, int(t.price / TICK), int(t.amount / UNIT)) for t in exchange.state.trades
        )
        assert fills == self.fills


# 100 sequences: fewer miss two triggers firing at once in the wrong order (the costliest slip to find).
TestOrderModel = OrderModel.TestCase
TestOrderModel.settings = settings(max_examples=100, stateful_step_count=25, deadline=None)
