"""The venue-neutral order book (core/book.py), beside tests/test_book.py: the reads a venue asks before it matches
(how far an order would reach, which orders, how much is ahead of each in its queue), a match that ends inside a
level or stops at its owner's order after trading, the calls a long command's `step` gets, and the refusals."""

from __future__ import annotations

import pytest

from mockexchange.core.book import ASK, BID, Book, BookError, LevelChange, opposite


def asks() -> Book:
    """Asks: three of 1 at 50 (x, y, z), one of 5 at 51 (w), two of 2 at 52 (v, u)."""
    book = Book()
    for order_id, price, size in (("x", 50, 1), ("y", 50, 1), ("z", 50, 1), ("w", 51, 5), ("v", 52, 2), ("u", 52, 2)):
        book.add(order_id, order_id, ASK, price, size)
    return book


def bids() -> Book:
    """Bids: x of 10, y of 5, z of 7 and w of 1 at 30, v of 4 at 29."""
    book = Book()
    for order_id, price, size in (("x", 30, 10), ("y", 30, 5), ("z", 30, 7), ("w", 30, 1), ("v", 29, 4)):
        book.add(order_id, order_id, BID, price, size)
    return book


def ids(orders) -> list[str]:
    return [order.order_id for order in orders]


def test_reads_name_each_side_best_first():
    book, empty = asks(), Book()
    assert opposite(BID) == ASK and opposite(ASK) == BID
    assert book.best(ASK) == (50, 3) and empty.best(ASK) is None and book.best(BID) is None
    assert bids().best(BID) == (30, 23)
    assert book.levels(ASK, 2) == [(50, 3), (51, 5)] and book.levels(ASK, 0) == [] and len(book.levels(ASK)) == 3
    assert bids().levels(BID, 1) == [(30, 23)]
    assert ids(bids().at(BID, 30)) == ["x", "y", "z", "w"] and ids(bids().at(BID, 29)) == ["v"]
    assert ids(book.at(ASK, 50)) == ["x", "y", "z"] and ids(book.at(ASK, 53)) == [] and ids(book.at(BID, 50)) == []
    assert book.size_at(ASK, 52) == 4 and book.size_at(ASK, 49) == 0 and book.size_at(BID, 52) == 0
    assert len(book) == 6 and "w" in book and "q" not in book and book.get("q") is None
    assert sorted(ids(book.orders())) == ["u", "v", "w", "x", "y", "z"]


@pytest.mark.parametrize(
    "side,price,crosses",
    [(BID, 49, False), (BID, 50, True), (BID, 60, True), (ASK, 30, True), (ASK, 31, False), (ASK, 29, True)],
)
def test_an_order_crosses_when_it_reaches_the_best_price_of_the_other_side(side, price, crosses):
    book = asks()
    book.add("b", "b", BID, 30, 1)
    assert book.crosses(side, price) is crosses


@pytest.mark.parametrize(
    "size,limit,self_trade,most,reach",
    [
        (2, None, None, 10, 2),  # two of the three at 50, each taking at least one unit
        (2, None, "cancel_maker", 10, 3),  # a cancel takes no unit: every order of a level it reaches counts
        (3, None, "cancel_maker", 10, 3),  # 50's three used up the size: 51 is not reached
        (4, None, None, 10, 4),  # 50's three and one of 51's
        (10, 51, None, 10, 4),  # 50's three and 51's one, not past the limit
        (10, None, None, 10, 6),
        (1000, None, None, 2, 3),  # counted level by level, up to `most` + 1 at least
        (1000, None, None, 3, 4),
    ],
)
def test_reach_counts_the_resting_orders_an_order_would_meet_level_by_level(size, limit, self_trade, most, reach):
    assert asks().reach(BID, size, limit, self_trade, most) == reach


def test_reach_of_an_ask_walks_the_bids_down_to_its_limit():
    book = bids()
    assert book.reach(ASK, 100, 30, None, 10) == 4 and book.reach(ASK, 100, 29, None, 10) == 5
    assert book.reach(ASK, 100, 31, None, 10) == 0


@pytest.mark.parametrize(
    "size,limit,reached", [(2, None, "xy"), (3, None, "xyz"), (4, 51, "xyzw"), (20, 51, "xyzw"), (20, None, "xyzwvu")]
)
def test_reached_names_the_orders_an_order_would_meet_in_order(size, limit, reached):
    assert "".join(ids(asks().reached(BID, size, limit))) == reached


def test_reached_of_an_ask_walks_the_bids_down_to_its_limit():
    assert "".join(ids(bids().reached(ASK, 100, 30))) == "xyzw"
    assert "".join(ids(bids().reached(ASK, 100, 29))) == "xyzwv"


def test_queues_ahead_walks_each_level_once_and_only_as_far_as_the_last_order_asked():
    book, walked = bids(), []
    assert book.queues_ahead(["z", "y", "v"], lambda: walked.append(1)) == {"y": 10, "z": 15, "v": 0}
    assert len(walked) == 4  # x, y and z at 30 (not w behind them), v at 29
    assert book.queues_ahead([]) == {}
    assert book.queue_ahead("w") == 22
    with pytest.raises(BookError, match="^no order 'q' rests in the book$"):
        book.queue_ahead("q")


def test_a_match_ending_inside_a_level_leaves_the_rest_of_it_in_queue_order():
    book = asks()
    done = book.match(BID, 2, None, "t")
    assert [(m.maker.order_id, m.price, m.size) for m in done.matches] == [("x", 50, 1), ("y", 50, 1)]
    assert done.changes == [LevelChange(ASK, 50, 3, 1)] and ids(book.at(ASK, 50)) == ["z"]
    sold = bids().match(ASK, 12, None, "t")  # the best bid first: x whole, then 2 of y
    assert [(m.maker.order_id, m.price, m.size) for m in sold.matches] == [("x", 30, 10), ("y", 30, 2)]


def test_an_order_stopped_at_its_owners_order_keeps_what_it_traded_before():
    book = Book()
    book.add("theirs", "you", ASK, 50, 2)
    book.add("own", "me", ASK, 50, 2)
    book.add("later", "you", ASK, 50, 2)
    done = book.match(BID, 5, None, "me", "cancel_taker")
    assert done.stopped and done.filled == 2 and done.left == 3 and done.cancelled == []
    assert ids(book.at(ASK, 50)) == ["own", "later"] and done.changes == [LevelChange(ASK, 50, 6, 4)]


def test_a_cancel_maker_leaves_the_others_at_the_level():
    book = Book()
    book.add("own", "me", ASK, 50, 2)
    book.add("theirs", "you", ASK, 50, 3)
    done = book.match(BID, 1, None, "me", "cancel_maker")
    assert ids(done.cancelled) == ["own"] and done.filled == 1 and book.levels(ASK) == [(50, 2)]
    assert "own" not in book and book.get("theirs").size == 2


def test_plan_and_apply_call_step_once_per_resting_order():
    book, planning, applying = asks(), [], []
    planned = book.plan(BID, 4, 51, "t", step=lambda: planning.append(1))
    assert len(planning) == 4 and planned.filled == 4
    book.apply(planned, lambda: applying.append(1))
    assert len(applying) == 4 and book.levels(ASK) == [(51, 4), (52, 4)] and book.get("w").size == 4
    assert book.plan(BID, 100, 51, "t", None).filled == 4 and book.levels(ASK) == [(51, 4), (52, 4)]


def test_a_level_already_there_reports_its_size_before_and_after():
    book = asks()
    assert book.add("t", "t", ASK, 51, 2) == LevelChange(ASK, 51, 5, 7)
    assert book.add("s", "s", ASK, 55, 1) == LevelChange(ASK, 55, 0, 1)
    assert book.reduce("t", 2) == LevelChange(ASK, 51, 7, 7)  # to its own size: allowed, nothing moves
    assert book.cancel("w")[1] == LevelChange(ASK, 51, 7, 2) and book.queue_ahead("t") == 0


def test_clear_leaves_an_empty_book_that_takes_orders_again():
    book = asks()
    assert len(book.clear()) == 3
    assert book.levels(ASK) == [] and book.best(ASK) is None and len(book) == 0 and "x" not in book
    book.add("x", "x", BID, 60, 1)  # nothing left for it to cross
    assert book.levels(BID) == [(60, 1)] and book.get("x").seq == 7  # time priority carries on


@pytest.mark.parametrize(
    "command,refusal",
    [
        (lambda b: b.plan(BID, 0, None, "t"), "^an order's size must be positive, not 0$"),
        (
            lambda b: b.match(BID, 1, None, "t", "keep"),
            "^self-trade rule 'keep' is none of cancel_taker, cancel_maker$",
        ),
        (lambda b: b.add("x", "t", BID, 10, 1), "^order 'x' is already in the book$"),
        (lambda b: b.add("t", "t", BID, 10, 0), "^a resting order's size must be positive, not 0$"),
        (lambda b: b.add("t", "t", BID, 50, 1), "^bid at 50 would cross the book: match it before it rests$"),
        (lambda b: b.reduce("w", 0), r"^order 'w' may be reduced to 1\.\.5, not 0$"),
        (lambda b: b.reduce("w", 6), r"^order 'w' may be reduced to 1\.\.5, not 6$"),
        (lambda b: b.cancel("q"), "^no order 'q' rests in the book$"),
    ],
)
def test_a_command_the_book_cannot_do_is_refused_and_changes_nothing(command, refusal):
    book = asks()
    with pytest.raises(BookError, match=refusal):
        command(book)
    assert book.levels(ASK) == [(50, 3), (51, 5), (52, 4)] and book.levels(BID) == [] and len(book) == 6
