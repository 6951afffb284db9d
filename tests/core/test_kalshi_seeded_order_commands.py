"""The control plane's resting orders and settlement, declared once (core/kalshi/seeded_order_commands.py,
market_commands.py's `SettleMarket`): read from the plain values a state file kept them as before they were typed,
written back to them, refused in their kinds' words; the ledger's handlers rest the seeded order on its side, cancel
any resting order by its id and settle the market."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import Handlers, read, write
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.kalshi.handlers import add_kalshi_handlers
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_commands import SettleMarket
from mockexchange.core.kalshi.seeded_order_commands import CancelRestingOrder, SeedOrder
from mockexchange.core.values import Refused

T0 = datetime(2026, 1, 5, 15, tzinfo=UTC)
KEPT = {"user_id": "alice", "ticker": "KXCPI-26DEC-T3.0", "side": "yes", "action": "buy", "count": "4",
        "price": "0.20", "order_id": "resting-1"}  # fmt: skip


@pytest.mark.parametrize(
    ("cls", "kept"),
    [(SeedOrder, KEPT), (CancelRestingOrder, {"order_id": "gone"}), (SettleMarket, {"ticker": "M", "result": "yes"})],
)
def test_a_command_kept_before_it_was_typed_reads_and_writes_back_the_same(cls, kept):
    command = read(cls, kept)
    assert write(command) == {**kept, **({"price": "0.2"} if cls is SeedOrder else {})}  # (the price's plain value)
    assert read(cls, write(command)) == command


def test_a_seeded_orders_amounts_are_read_as_decimals():
    seeded = read(SeedOrder, {**KEPT, "count": 3, "subaccount": 2, "event_ticker": "KXCPI-26DEC"})
    assert (seeded.count, seeded.price, seeded.subaccount, seeded.event_ticker) == (Decimal(3), Decimal("0.20"), 2,
                                                                                    "KXCPI-26DEC")  # fmt: skip


@pytest.mark.parametrize(
    ("cls", "plain", "words"),
    [
        (SeedOrder, {**KEPT, "side": "bid"}, "side must be one of 'yes', 'no', not 'bid'"),
        (SeedOrder, {**KEPT, "action": "hold"}, "action must be one of 'buy', 'sell', not 'hold'"),
        (SeedOrder, {**KEPT, "count": "0"}, "count must be positive"),
        (SeedOrder, {**KEPT, "count": 2.5}, "count"),
        (SeedOrder, {**KEPT, "price": "1"}, "price must be between 0 and 1 dollars exclusive"),
        (SeedOrder, {**KEPT, "subaccount": 64}, "subaccount must be an integer from 0 to 63, not 64"),
        (CancelRestingOrder, {"order_id": ""}, "order_id must be a non-empty string"),
        (SettleMarket, {"ticker": "M", "result": "maybe"}, "result must be one of 'yes', 'no', not 'maybe'"),
        (SettleMarket, {"ticker": "M"}, "result is required"),
    ],
)
def test_a_value_it_does_not_take_is_refused_in_its_kinds_words(cls, plain, words):
    with pytest.raises(Refused, match=words):
        read(cls, plain)


def test_the_handlers_rest_the_order_on_its_side_cancel_it_by_id_and_settle_the_market():
    ledger = Ledger(clock=ManualClock(T0), ids=iter(map(str, range(100))).__next__)
    handlers = Handlers()
    add_kalshi_handlers(handlers, ledger)
    ledger.open_account("alice", balance=Decimal(100))
    order = handlers.run(SeedOrder("alice", "M-1", "no", "buy", Decimal(4), Decimal("0.25"), order_id="r-1"))
    assert (order.order_id, order.side, order.action, order.count, order.price) == (
        "r-1",
        "no",
        "buy",
        4,
        Decimal("0.25"),
    )
    assert ledger.feed.book_levels("M-1") == ([], [(7500, 400)])  # NO bought at 0.25: a YES ask at 0.75
    assert handlers.run(CancelRestingOrder("r-1")).order.status == "canceled"
    assert ledger.feed.book_levels("M-1") == ([], [])
    handlers.run(SeedFill("alice", "M-1", "yes", "buy", Decimal(10), Decimal("0.5"), fee=Decimal(0)))
    market = handlers.run(SettleMarket("M-1", "yes"))
    assert (market.ticker, market.result, market.settled_time) == ("M-1", "yes", T0)
    assert ledger.state.account("alice").balance() == Decimal(105)  # paid a dollar a contract
