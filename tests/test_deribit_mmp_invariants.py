"""Market maker protection's invariants under seeded random sequences, in the core (the control plane's commands on a
manual exchange clock): a market maker's MMP orders and mass quotes of two groups, another account's orders that fill
them, the clock moving, resets, and a connection closing (cancel on disconnect: the orders and quotes it placed
cancelled, as the venue cancels them). After every step: no MMP order or quote of a frozen key is open; nothing a closed
connection placed is open; a group holds at most one quote per side; no book is crossed at rest; positions sum to zero
and the money is conserved (balances, fees paid and each position at its own average price are what was given).

A bug planted in the trigger (it freezes but cancels nothing) is caught."""

from __future__ import annotations

import random
from contextlib import suppress
from decimal import Decimal
from types import SimpleNamespace

import pytest

from mockexchange.control import ControlError
from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import mmp
from mockexchange.registry import control_plane

PERP = "BTC-PERPETUAL"
USERS = ("mm", "taker")
GIVEN = Decimal(100)
GROUPS = ("g", "h")


class Sequence:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = ManualClock()
        self.control = control_plane(self.clock)
        self.control.set_index_price("btc_usd", "60000")
        for user in USERS:
            self.control.create_deribit_account(user, balances={"BTC": str(GIVEN)})
        self.control.set_deribit_mmp_config("mm", "btc_usd", 5, 3, quantity_limit="0.004", delta_limit="0.002",
                                            max_quote_quantity="0.05")  # fmt: skip
        for group, frozen in zip(GROUPS, (2, 0), strict=True):
            self.control.set_deribit_mmp_config("mm", "btc_usd", 5, frozen, quantity_limit="0.003",
                                                max_quote_quantity="0.05", mmp_group=group)  # fmt: skip
        self.triggers: list[object] = []
        self.control.exchange.state.bus.subscribe(self.triggers.append, (mmp.TRIGGER,))
        self.connection: set[str] = set()  # what the open connection placed
        self.closed: set[str] = set()  # what closed connections placed

    def _price(self, spread: int = 40) -> str:
        return str(60_000 + Decimal(self.rng.randint(-spread, spread)) / 2)

    def _amount(self) -> str:
        return str(self.rng.choice((10, 20, 50, 100, 200)))

    def step(self) -> None:
        kind = self.rng.choice(("order", "order", "quote", "quote", "quote", "fill", "fill", "clock", "reset", "close"))
        with suppress(ControlError):  # a refusal (frozen, past max_quote_quantity, crossing its own quote)
            getattr(self, f"_{kind}")()

    def _order(self) -> None:
        side = self.rng.choice(("buy", "sell"))
        price = self._price()
        made = self.control.deribit_place_order("mm", PERP, side, self._amount(), price, mmp=True)
        self.connection.add(made["order"]["order_id"])

    def _quote(self) -> None:
        group = self.rng.choice(GROUPS)
        mid = 60_000 + Decimal(self.rng.randint(-20, 20)) / 2
        sides = [
            {"instrument_name": PERP, "side": side, "price": str(mid + offset), "amount": self._amount(),
             "quote_set_id": self.rng.choice(("a", "b"))}
            for side, offset in (("bid", -Decimal(self.rng.randint(1, 10)) / 2),
                                 ("ask", Decimal(self.rng.randint(1, 10)) / 2))
            if self.rng.random() < 0.8
        ]  # fmt: skip
        if sides:
            made = self.control.deribit_mass_quote("mm", f"q{self.rng.randint(1, 99)}", group, sides)
            self.connection.update(order["order_id"] for order in made["orders"])

    def _fill(self) -> None:
        """The other account takes what rests on one side, up to a few ticks past the middle."""
        side = self.rng.choice(("buy", "sell"))
        reach = Decimal(self.rng.randint(0, 30)) / 2
        price = str(60_000 + reach if side == "buy" else 60_000 - reach)
        amount = str(self.rng.choice((100, 200, 500)))
        self.control.deribit_place_order("taker", PERP, side, amount, price, time_in_force="immediate_or_cancel")

    def _clock(self) -> None:
        self.clock.advance(seconds=self.rng.choice((1, 2, 4, 6)))

    def _reset(self) -> None:
        self.control.reset_deribit_mmp("mm", "btc_usd", mmp_group=self.rng.choice((None, *GROUPS)))

    def _close(self) -> None:
        """The connection closes: what it placed and is still open is cancelled (the venue's cancel on disconnect)."""
        kept = self.control.exchange.state.orders
        still = sorted(i for i in self.connection if kept is not None and kept.orders[i].is_open)
        if still:
            self.control.deribit_cancel_orders("mm", order_ids=still, reason="cancel_on_disconnect")
        self.closed |= self.connection
        self.connection = set()

    # -- what must hold ---------------------------------------------------------------------------------------------

    def check(self) -> None:
        exchange = self.control.exchange
        assert mmp.frozen_orders(exchange) == [], "an MMP order of a frozen key is open"
        kept = exchange.state.orders
        open_orders = [] if kept is None else [o for o in kept.orders.values() if o.is_open]
        assert not [o.order_id for o in open_orders if o.order_id in self.closed], "a closed connection's order is open"
        sides = [(o.quote.mmp_group, o.instrument_name, o.direction) for o in open_orders if o.quote is not None]
        assert len(sides) == len(set(sides)), "two quotes of one group on one side"
        for book in [] if kept is None else kept.books.values():
            bid, ask = book.best(BID), book.best(ASK)
            assert bid is None or ask is None or bid[0] < ask[0], (bid, ask)
        held, total = Decimal(0), Decimal(0)
        for user in USERS:
            wallet = exchange.accounts.wallet(user, None)
            held += wallet.balances.get("BTC", Decimal(0)) + wallet.fees_paid.get("BTC", Decimal(0))
            position = exchange.valuation.position_state(user, PERP).position
            total += position.size
            if position.size:  # an inverse future at its own average price: size / average, in BTC
                held += position.size / position.average_price
        assert total == 0
        assert abs(held - GIVEN * len(USERS)) < Decimal("1e-12"), held


def _run(seed: int, steps: int = 60) -> Sequence:
    sequence = Sequence(seed)
    for _ in range(steps):
        sequence.step()
        sequence.check()
    return sequence


SEEDS = range(8)  # 8 sequences of 60 steps: 10 triggers and 120 fills among them, in about a second


def test_market_maker_protection_keeps_its_invariants() -> None:
    sequences = [_run(seed) for seed in SEEDS]
    assert sum(len(s.triggers) for s in sequences) >= 8  # (the sequences trigger, and trade)
    assert all(s.control.exchange.state.trades for s in sequences)


def test_a_trigger_that_cancels_nothing_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # the planted bug: the trigger freezes, and its cancels do nothing
    monkeypatch.setattr(mmp, "order_entry", SimpleNamespace(cancel_order=lambda *args: None))
    with pytest.raises(AssertionError, match="frozen key is open"):
        for seed in SEEDS:
            _run(seed)
