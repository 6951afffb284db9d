"""The public order books (core/deribit/public_levels.py) under any sequence of orders placed and cancelled by several
accounts, with hostile amounts and prices: after every step each instrument's levels are the sum of the resting orders'
shown parts, and the moves published so far, replayed from empty books, give the same levels, each move chaining from
the instrument's previous one with a larger change id."""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal

from deribit_orders import submit_order
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.order_entry import cancel_order
from mockexchange.core.deribit.orders import CHANGE
from mockexchange.core.deribit.public_levels import LevelsMoved, PublicLevels

USERS = ("alice", "bob", "carol")
INSTRUMENTS = ("BTC-PERPETUAL", "ETH-PERPETUAL")
PRICES = st.sampled_from([Decimal(p) for p in ("0.00000001", "1", "49990", "49990.5", "50000", "9999999.99999999")])
AMOUNTS = st.sampled_from([Decimal(a) for a in ("10", "20", "1000", "1000000000", "15", "0", "-10")])


class Books(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.exchange = DeribitExchange(clock=ManualClock())
        for user in USERS:
            self.exchange.accounts.open_account(user, balances={"BTC": Decimal(10)})
        self.levels = PublicLevels(self.exchange)
        self.moves: list[LevelsMoved] = []
        self.exchange.state.bus.subscribe(self._record, (CHANGE,))

    def _record(self, change) -> None:
        moved = self.levels.moved_by(change)
        if moved is not None:
            self.moves.append(moved)

    @rule(
        user=st.sampled_from(USERS), name=st.sampled_from(INSTRUMENTS), direction=st.sampled_from(("buy", "sell")),
        amount=AMOUNTS, price=PRICES, show=st.none() | AMOUNTS, stop=st.booleans(),
    )  # fmt: skip
    def place(self, user, name, direction, amount, price, show, stop) -> None:
        terms = {"order_type": "stop_limit", "trigger": "mark_price", "trigger_price": price} if stop else {}
        with suppress(ExchangeError):  # refused: nothing changed
            submit_order(self.exchange, user, name, direction, amount, price, max_show=show, **terms)

    @precondition(lambda self: self.exchange.state.orders is not None and self.exchange.state.orders.open)
    @rule(pick=st.integers(min_value=0, max_value=10**6))
    def cancel(self, pick) -> None:
        open_ids = [i for ids in self.exchange.state.orders.open.values() for i in ids]  # type: ignore[union-attr]
        cancel_order(self.exchange, open_ids[pick % len(open_ids)])

    @rule()
    def reset(self) -> None:
        self.exchange.reset()
        for user in USERS:
            self.exchange.accounts.open_account(user, balances={"BTC": Decimal(10)})
        self.moves.clear()  # a reset publishes no move: the replay starts again from empty books

    @invariant()
    def levels_are_the_resting_orders(self) -> None:
        expected: dict[tuple[str, str], dict[Decimal, Decimal]] = {}
        orders = self.exchange.state.orders
        for ids in orders.open.values() if orders is not None else ():
            for order_id in ids:
                order = orders.orders[order_id]  # type: ignore[union-attr]
                visible = min(order.amount - order.filled_amount, order.max_show)
                if order.order_state == "open" and order.price is not None and visible > 0:
                    side = expected.setdefault((order.instrument_name, order.direction), {})
                    side[order.price] = side.get(order.price, Decimal(0)) + visible
        replayed: dict[tuple[str, str], dict[Decimal, Decimal]] = {}
        last: dict[str, int] = {}
        for moved in self.moves:
            assert moved.prev_change_id == last.get(moved.instrument_name, moved.prev_change_id)
            assert moved.change_id > moved.prev_change_id
            last[moved.instrument_name] = moved.change_id
            for direction, entries in (("buy", moved.bids), ("sell", moved.asks)):
                side = replayed.setdefault((moved.instrument_name, direction), {})
                for action, price, amount in entries:
                    assert (action == "new") == (price not in side) and (action == "delete") == (amount == 0)
                    if action == "delete":
                        del side[price]
                    else:
                        side[price] = amount
        with self.exchange.lock:
            for name in INSTRUMENTS:
                view = self.levels.view(name, 10_000)
                for direction, levels in (("buy", view.bids), ("sell", view.asks)):
                    want = expected.get((name, direction), {})
                    assert dict(levels) == want
                    assert dict(levels) == {p: a for p, a in replayed.get((name, direction), {}).items()}
                    assert [p for p, _ in levels] == sorted(want, reverse=direction == "buy")


TestBooks = Books.TestCase
TestBooks.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
