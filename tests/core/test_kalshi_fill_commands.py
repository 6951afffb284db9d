"""The seeded fill, declared once (core/kalshi/fill_commands.py): `SeedFill` made in Python or read from plain values
refuses what the control plane's `fill` refused, in its words; written and read again it is the same command (a
state file's `fill`); the ledger's handler books it as `apply_fill` books the same fields. A batch (`SeedFills`, kept
as `fills`) reads each fill as `SeedFill` does, refuses whole naming the fill, and books as its fills one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import Handlers, read, write
from mockexchange.core.kalshi.fill_commands import SeedFill, SeedFills
from mockexchange.core.kalshi.handlers import add_kalshi_handlers
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.new_fill import NewFill
from mockexchange.core.values import Refused

T0 = datetime(2026, 1, 5, 15, tzinfo=UTC)
PLAIN = {"user_id": "a", "ticker": "KXF-1", "side": "yes", "action": "buy", "count": "10", "price": "0.45"}


def test_its_values_are_read_into_decimals_and_written_back_plain():
    fill = read(SeedFill, {**PLAIN, "count": 3, "fee": "0.02", "subaccount": 2, "is_taker": False})
    assert (fill.count, fill.price, fill.fee, fill.subaccount, fill.is_taker) == (D(3), D("0.45"), D("0.02"), 2, False)
    assert write(fill) == {**PLAIN, "count": "3", "fee": "0.02", "subaccount": 2, "is_taker": False}
    assert read(SeedFill, write(fill)) == fill
    assert write(read(SeedFill, PLAIN)) == PLAIN  # (the defaults are not written)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"side": "maybe"}, "side must be one of 'yes', 'no', not 'maybe'"),
        ({"action": "hold"}, "action must be one of 'buy', 'sell', not 'hold'"),
        ({"count": "0"}, "count must be positive and at most 1000000000"),
        ({"count": "1.001"}, "count has more than 2 decimal places"),
        ({"price": "1"}, "price must be between 0 and 1 dollars exclusive"),
        ({"fee": "-0.01"}, "fee must not be negative"),
        ({"fee": "10.01"}, "fee must be at most 10 (0 to 1 dollar a contract: 0 to 10 for 10 contracts"),
        ({"subaccount": 99}, "subaccount must be an integer from 0 to"),
        ({"is_taker": 1}, "is_taker must be true or false, not 1"),
        ({"user_id": " "}, "user_id must be a non-empty string"),
        ({"client_order_id": 7}, "client_order_id must be a non-empty string"),
    ],
)
def test_a_value_it_does_not_take_is_refused_in_the_controls_words(given: dict, words: str):
    with pytest.raises(Refused, match=words.replace("(", r"\(").replace(")", r"\)")):
        read(SeedFill, {**PLAIN, **given})


def test_made_in_python_it_is_checked_the_same_way():
    SeedFill("a", "KXF-1", "no", "sell", D(2), D("0.5"), fee=D(2))
    with pytest.raises(Refused, match="fee must be at most 2"):
        SeedFill("a", "KXF-1", "no", "sell", D(2), D("0.5"), fee=D("2.01"))
    with pytest.raises(Refused, match="count must be a Decimal"):
        SeedFill("a", "KXF-1", "no", "sell", 2, D("0.5"))  # type: ignore[arg-type]  # (what a caller may still pass)


def test_the_handler_books_it_as_apply_fill_books_the_same_fields():
    books = []
    for how in ("command", "fields"):
        ledger = Ledger(clock=ManualClock(T0), ids=iter(map(str, range(100))).__next__)
        ledger.open_account("a", balance=D(1000))
        if how == "command":
            made = ledger.filling.book_fill(
                SeedFill("a", "KXF-1", "yes", "buy", D(10), D("0.45"), order_id="o-1", client_order_id="c-1")
            )
        else:
            made = ledger.filling.apply_fill(
                "a", "KXF-1", "yes", "buy", D(10), D("0.45"), order_id="o-1", client_order_id="c-1"
            )
        books.append((made.detached(), ledger.state.accounts["a"].cash, ledger.state.positions.get("a", 0, "KXF-1")))
    assert books[0] == books[1]
    assert (books[0][0].order_id, books[0][0].client_order_id) == ("o-1", "c-1") and books[0][0].fee > 0


BATCH = [
    PLAIN,
    {**PLAIN, "ticker": "KXF-2", "side": "no", "action": "sell", "count": 2, "price": "0.3", "fee": "0.01",
     "subaccount": 3, "is_taker": False, "event_ticker": "KXF", "order_id": "o-2", "client_order_id": "c-2"},
]  # fmt: skip


def test_a_batch_reads_each_fill_as_seedfill_does_and_writes_back_what_it_read():
    batch = read(SeedFills, {"fills": BATCH})
    assert batch.fills == tuple(
        NewFill(**{name: getattr(read(SeedFill, fill), name) for name in NewFill._fields}) for fill in BATCH
    )
    assert write(batch) == {"fills": [write(read(SeedFill, fill)) for fill in BATCH]}
    assert read(SeedFills, write(batch)) == batch


@pytest.mark.parametrize(
    ("fills", "words"),
    [
        ("abc", "fills must be a list of at most 1000000 fills, not a str"),
        ([PLAIN, "x"], r"fills\[1\] must be an object of fill's arguments, not a str"),
        ([{**PLAIN, "colour": "red"}], r"fills\[0\] takes no 'colour' \(its fields are fill's arguments\)"),
        ([{k: v for k, v in PLAIN.items() if k != "price"}], r"fills\[0\] needs 'price'"),
        ([PLAIN, {**PLAIN, "count": 2.5}], r"fills\[1\]: count"),
        ([PLAIN, {**PLAIN, "fee": "10.01"}], r"fills\[1\]: fee must be at most 10"),
    ],
)
def test_a_batch_is_refused_whole_naming_the_fill(fills, words: str):
    with pytest.raises(Refused, match=words):
        read(SeedFills, {"fills": fills})


def test_the_handler_books_a_batch_as_its_fills_one_at_a_time():
    booked = []
    for batched in (True, False):
        ledger = Ledger(clock=ManualClock(T0), ids=iter(map(str, range(100))).__next__)
        ledger.open_account("a", balance=D(1000))
        handlers = Handlers()
        add_kalshi_handlers(handlers, ledger)
        if batched:
            made = handlers.run(read(SeedFills, {"fills": BATCH}))
        else:
            made = [handlers.run(read(SeedFill, fill)) for fill in BATCH]
        booked.append(([fill.detached() for fill in made], ledger.state.accounts["a"].cash))
    assert booked[0] == booked[1]
    assert [(f.subaccount, f.event_ticker, f.is_taker) for f in booked[0][0]] == [(0, "KXF", True), (3, "KXF", False)]
