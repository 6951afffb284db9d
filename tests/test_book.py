"""The venue-neutral order book (core/book.py): price-time priority, matching at resting prices, self-trade
prevention, the levels each change reports, and a sequence test against a model written without the book's data
structures (a plain list of orders sorted on every question)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mockexchange.core.book import ASK, BID, Book, BookError, LevelChange, merged, opposite


def test_orders_rest_in_price_then_time_priority_and_match_at_resting_prices():
    book = Book()
    book.add("a1", "alice", ASK, 60, 5)
    book.add("b1", "bob", ASK, 55, 3)
    book.add("c1", "carol", ASK, 55, 4)
    assert book.levels(ASK) == [(55, 7), (60, 5)]
    done = book.match(BID, 9, 60, "dave")
    assert [(m.maker.order_id, m.price, m.size) for m in done.matches] == [("b1", 55, 3), ("c1", 55, 4), ("a1", 60, 2)]
    assert done.left == 0 and done.filled == 9
    assert done.changes == [LevelChange(ASK, 55, 7, 0), LevelChange(ASK, 60, 5, 3)]
    assert book.levels(ASK) == [(60, 3)] and "c1" not in book and book.get("a1").size == 3


def test_a_limit_stops_the_walk_and_the_rest_is_the_callers():
    book = Book()
    book.add("b1", "bob", BID, 40, 2)
    book.add("b2", "bob", BID, 38, 2)
    done = book.match(ASK, 5, 39, "alice")
    assert done.filled == 2 and done.left == 3 and book.levels(BID) == [(38, 2)]
    book.add("a1", "alice", ASK, 39, done.left)  # the remainder rests at its limit: no longer crossing
    assert book.best(BID) == (38, 2) and book.best(ASK) == (39, 3)


def test_a_market_order_takes_any_price():
    book = Book()
    book.add("a1", "x", ASK, 10, 1)
    book.add("a2", "x", ASK, 9990, 1)
    assert book.match(BID, 5, None, "y").filled == 2 and book.best(ASK) is None


def test_a_crossing_order_may_not_rest():
    book = Book()
    book.add("a1", "x", ASK, 50, 1)
    with pytest.raises(BookError, match="cross"):
        book.add("b1", "y", BID, 50, 1)
    assert book.crosses(BID, 50) and not book.crosses(BID, 49) and not book.crosses(ASK, 10)


def test_reducing_keeps_the_place_in_time_and_cancel_removes():
    book = Book()
    book.add("first", "x", BID, 30, 10)
    book.add("second", "y", BID, 30, 10)
    assert book.queue_ahead("second") == 10
    assert book.reduce("first", 4) == LevelChange(BID, 30, 20, 14)
    assert book.queue_ahead("second") == 4 and book.queue_ahead("first") == 0
    order, change = book.cancel("first")
    assert order.order_id == "first" and change == LevelChange(BID, 30, 14, 10)
    with pytest.raises(BookError):
        book.reduce("second", 11)
    with pytest.raises(BookError):
        book.cancel("first")
    with pytest.raises(BookError):
        book.add("second", "y", BID, 20, 1)


def test_self_trade_prevention():
    book = Book()
    book.add("own", "me", ASK, 50, 2)
    book.add("theirs", "you", ASK, 50, 2)
    allowed = Book()
    allowed.add("own", "me", ASK, 50, 2)
    assert allowed.match(BID, 1, 50, "me").filled == 1  # no rule: the owner trades with itself
    stopped = book.match(BID, 3, 50, "me", "cancel_taker")
    assert stopped.stopped and stopped.filled == 0 and stopped.left == 3 and "own" in book
    assert book.plan(BID, 3, 50, "me", "cancel_taker").filled == 0
    assert book.plan(BID, 3, 50, "me", "cancel_maker").filled == 2
    gone = book.match(BID, 3, 50, "me", "cancel_maker")
    assert [o.order_id for o in gone.cancelled] == ["own"] and gone.filled == 2 and gone.left == 1
    assert gone.changes == [LevelChange(ASK, 50, 4, 0)] and len(book) == 0


def test_may_take_skips_a_resting_order_without_moving_it():
    book = Book()
    book.add("poor", "p", ASK, 50, 5)
    book.add("rich", "r", ASK, 50, 5)
    done = book.match(BID, 8, 50, "t", may_take=lambda order: order.owner != "p")
    assert done.filled == 5 and done.left == 3 and book.queue_ahead("poor") == 0 and book.levels(ASK) == [(50, 5)]


def test_a_plan_changes_nothing_until_it_is_applied():
    book = Book()
    book.add("a1", "x", ASK, 50, 2)
    book.add("own", "me", ASK, 50, 1)
    book.add("a2", "y", ASK, 51, 3)
    planned = book.plan(BID, 4, 51, "me", "cancel_maker")
    assert [(m.maker.order_id, m.price, m.size) for m in planned.matches] == [("a1", 50, 2), ("a2", 51, 2)]
    assert [o.order_id for o in planned.cancelled] == ["own"] and planned.left == 0 and planned.changes == []
    assert book.levels(ASK) == [(50, 3), (51, 3)] and book.get("a1").size == 2 and "own" in book
    assert book.apply(planned) is planned
    assert planned.changes == [LevelChange(ASK, 50, 3, 0), LevelChange(ASK, 51, 3, 1)]
    assert book.levels(ASK) == [(51, 1)] and book.get("a2").size == 1 and "own" not in book and "a1" not in book


def test_merged_names_each_level_once_from_first_before_to_last_after():
    changes = [LevelChange(BID, 40, 5, 2), LevelChange(ASK, 60, 0, 1), LevelChange(BID, 40, 2, 7),
               LevelChange(BID, 39, 3, 0), LevelChange(BID, 39, 0, 3)]  # fmt: skip
    assert merged(changes) == [LevelChange(BID, 40, 5, 7), LevelChange(ASK, 60, 0, 1)]


def test_clear_reports_every_level():
    book = Book()
    book.add("b", "x", BID, 10, 1)
    book.add("a", "x", ASK, 20, 2)
    assert book.clear() == [LevelChange(BID, 10, 1, 0), LevelChange(ASK, 20, 2, 0)] and len(book) == 0


@dataclass
class _Order:
    order_id: str
    owner: str
    side: str
    price: int
    size: int
    seq: int


class BookModel(RuleBasedStateMachine):
    """Random adds, matches, reductions and cancels; after each, the book equals a model that sorts a plain list."""

    def __init__(self) -> None:
        super().__init__()
        self.book = Book()
        self.model: list[_Order] = []
        self.seq = 0
        self.ids = 0

    def _queue(self, side: str) -> list[_Order]:
        """The model's resting orders of a side in priority order."""
        orders = [o for o in self.model if o.side == side]
        return sorted(orders, key=lambda o: ((-o.price if side == BID else o.price), o.seq))

    def _levels(self) -> dict[tuple[str, int], int]:
        found: dict[tuple[str, int], int] = {}
        for o in self.model:
            found[(o.side, o.price)] = found.get((o.side, o.price), 0) + o.size
        return found

    @rule(
        side=st.sampled_from([BID, ASK]),
        price=st.integers(1, 12),
        size=st.integers(1, 6),
        owner=st.sampled_from(["a", "b", "c"]),
        rule_=st.sampled_from([None, "cancel_taker", "cancel_maker"]),
        market=st.booleans(),
        planned=st.booleans(),
    )
    def order(self, side, price, size, owner, rule_, market, planned):
        """An incoming order: matched (in one step, or planned then applied), then its remainder rests if it no longer
        crosses (a limit order)."""
        before = self._levels()
        limit = None if market else price
        expected_fill = self._model_match(side, size, limit, owner, rule_)
        if planned:
            resting = (self.book.levels(BID), self.book.levels(ASK), [(o.order_id, o.size) for o in self.book.orders()])
            plan = self.book.plan(side, size, limit, owner, rule_)
            assert (
                self.book.levels(BID),
                self.book.levels(ASK),
                [(o.order_id, o.size) for o in self.book.orders()],
            ) == (resting)  # nothing moved yet
            done = self.book.apply(plan)
        else:
            done = self.book.match(side, size, limit, owner, rule_)
        assert [(m.maker.order_id, m.price, m.size) for m in done.matches] == expected_fill[0]
        assert [o.order_id for o in done.cancelled] == expected_fill[1]
        assert done.stopped == expected_fill[2] and done.left == size - done.filled
        self._check_changes(before, done.changes)
        if done.left and not market and not done.stopped:
            self.ids += 1
            order_id = f"o{self.ids}"
            before = self._levels()
            change = self.book.add(order_id, owner, side, price, done.left)
            self.seq += 1
            self.model.append(_Order(order_id, owner, side, price, done.left, self.seq))
            self._check_changes(before, [change])

    def _model_match(self, side, size, limit, owner, rule_):
        matches, cancelled, left = [], [], size
        for o in self._queue(opposite(side)):
            if not left:
                break
            if limit is not None and (o.price > limit if side == BID else o.price < limit):
                break
            if rule_ is not None and o.owner == owner:
                if rule_ == "cancel_taker":
                    return matches, cancelled, True
                cancelled.append(o.order_id)
                self.model.remove(o)
                continue
            take = min(left, o.size)
            matches.append((o.order_id, o.price, take))
            left -= take
            o.size -= take
            if not o.size:
                self.model.remove(o)
        return matches, cancelled, False

    def _check_changes(self, before, changes):
        after = self._levels()
        moved = {k for k in set(before) | set(after) if before.get(k, 0) != after.get(k, 0)}
        assert {(c.side, c.price) for c in changes} == moved
        for c in changes:
            assert c.after == after.get((c.side, c.price), 0)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def reduce_or_cancel(self, data):
        order = data.draw(st.sampled_from(self.model))
        before = self._levels()
        if order.size > 1 and data.draw(st.booleans()):
            size = data.draw(st.integers(1, order.size - 1))
            changes = [self.book.reduce(order.order_id, size)]
            order.size = size
        else:
            changes = [self.book.cancel(order.order_id)[1]]
            self.model.remove(order)
        self._check_changes(before, changes)

    @invariant()
    def same_as_the_model(self):
        for side in (BID, ASK):
            expected: list[tuple[int, int]] = []
            for o in self._queue(side):
                if expected and expected[-1][0] == o.price:
                    expected[-1] = (o.price, expected[-1][1] + o.size)
                else:
                    expected.append((o.price, o.size))
            assert self.book.levels(side) == expected
            for o in self._queue(side):
                ahead = sum(x.size for x in self._queue(side) if x.price == o.price and x.seq < o.seq)
                assert self.book.queue_ahead(o.order_id) == ahead
        bid, ask = self.book.best(BID), self.book.best(ASK)
        assert bid is None or ask is None or bid[0] < ask[0]  # never crossed at rest
        assert len(self.book) == len(self.model)


TestBookModel = pytest.mark.slow(BookModel.TestCase)
TestBookModel.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
