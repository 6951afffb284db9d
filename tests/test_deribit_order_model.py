"""Deribit's orders, edits and reduce-only orders under a hypothesis sequence, against a small model written apart
from the engine: one perpetual, three accounts, amounts in units of its minimum trade amount (10 USD), prices in ticks.
The model matches price then time, stops a taker at its own wallet's order (`reject_taker`), lets a reduce-only order
take only what reduces and rest only what is then left to reduce, and edits as docs/deribit.md says (made smaller at
its price it keeps its place; else it enters again behind the others); a resting reduce-only order fills as a maker
as any other does (it is not cut again as the position moves: docs/known-differences.md). After each step: the
trades, the book's levels, the open orders and the positions are the model's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mockexchange.auth.kalshi.keys import KeyRegistry
from mockexchange.control import Control
from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.ledger import Ledger

PERP = "BTC-PERPETUAL"
USERS = ("alice", "bob", "carol")
UNIT = 10  # USD: the perpetual's minimum trade amount
TICK = Decimal("0.5")
TICKS = st.integers(min_value=119_996, max_value=120_004)  # 59,998 to 60,002 in half dollars


@dataclass
class Resting:
    order_id: str
    user: str
    side: str  # bid, ask
    ticks: int
    amount: int  # units, what it filled included
    filled: int
    reduce_only: bool
    seq: int

    @property
    def left(self) -> int:
        return self.amount - self.filled


class OrderModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.control = Control(Ledger(clock=ManualClock()), KeyRegistry())
        self.control.set_index_price("btc_usd", "60000")
        for user in USERS:
            self.control.create_deribit_account(user, balances={"BTC": "1000"})  # funds never bind here
        self.resting: list[Resting] = []
        self.positions = dict.fromkeys(USERS, 0)  # units, + long
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
        fills, stopped = [], False
        for maker in self._queue(other):
            if not taking or (maker.ticks > order.ticks if side == BID else maker.ticks < order.ticks):
                break
            if maker.user == order.user:
                stopped = True
                break
            size = min(taking, maker.left)
            fills.append((maker.ticks, size))
            taking -= size
            maker.filled += size
            order.filled += size
            sign = 1 if side == BID else -1
            self.positions[order.user] += sign * size
            self.positions[maker.user] -= sign * size
            if not maker.left:
                self.resting.remove(maker)
        left = order.left
        if left and resting and not stopped:
            if order.reduce_only:
                cut = min(left, self._reducible(order.user, side))
                if cut and cut < left:
                    order.amount = order.filled + cut
                left = cut
            crosses = any(o.ticks <= order.ticks if side == BID else o.ticks >= order.ticks for o in self._queue(other))
            if left and not crosses:
                self.seq += 1
                order.seq = self.seq
                self.resting.append(order)
        return fills

    # -- the steps ---------------------------------------------------------------------------------------------------

    @rule(
        user=st.sampled_from(USERS), side=st.sampled_from([BID, ASK]), units=st.integers(1, 4), ticks=TICKS,
        reduce_only=st.booleans(), resting=st.sampled_from([True, True, False]),
    )  # fmt: skip
    def place(self, user: str, side: str, units: int, ticks: int, reduce_only: bool, resting: bool) -> None:
        placed = self.control.deribit_place_order(
            user, PERP, "buy" if side == BID else "sell", str(units * UNIT), str(ticks * TICK),
            time_in_force="good_til_cancelled" if resting else "immediate_or_cancel", reduce_only=reduce_only,
        )  # fmt: skip
        order = Resting(placed["order"]["order_id"], user, side, ticks, units, 0, reduce_only, 0)
        expected = self._enter(order, resting)
        assert [(Decimal(t["price"]) / TICK, Decimal(t["amount"]) / UNIT) for t in placed["trades"]] == expected

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

    @precondition(lambda self: self.resting)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(self.resting))
        self.control.deribit_cancel_order(order.order_id)
        self.resting.remove(order)

    # -- what must hold ----------------------------------------------------------------------------------------------

    @invariant()
    def the_engine_is_the_model(self) -> None:
        book = self.control.book
        ticks = book.orders.books.get(PERP) if book.orders is not None else None
        for side in (BID, ASK):
            levels: dict[int, int] = {}
            for order in self._queue(side):
                levels[order.ticks] = levels.get(order.ticks, 0) + order.left
            assert (ticks.levels(side) if ticks is not None else []) == list(levels.items())
        open_orders = {i: book.orders.orders[i] for ids in book.orders.open.values() for i in ids} if ticks else {}
        assert sorted(open_orders) == sorted(o.order_id for o in self.resting)
        for order in self.resting:
            kept = open_orders[order.order_id]
            assert (kept.amount, kept.filled_amount) == (order.amount * UNIT, order.filled * UNIT)
        assert {u: book.position(u, PERP).size for u in USERS} == {u: n * UNIT for u, n in self.positions.items()}


TestOrderModel = OrderModel.TestCase
TestOrderModel.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
