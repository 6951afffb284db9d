"""The margin a Deribit wallet's open orders hold is kept as orders open, change and close (core/deribit/orders.py's
`Held` sums), never by rescanning them: under a hypothesis sequence of orders placed, edited, cancelled, filled and
triggered on inverse and linear futures and an option, what the book answers is exactly a rescan of the wallet's open
orders written here; and over real HTTP, a client's order reads no more of the wallet's orders beside 40 open ones
than beside none."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from deribit_orders import edit_order, submit_order
from deribit_rpc import Deribit
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.order_entry import cancel_order
from mockexchange.core.deribit.orders import DerivativeOrder, Lots, side_margin
from mockexchange.core.deribit.records import DeribitFill
from mockexchange.core.deribit.triggers import fire
from mockexchange.server import MockServer

USERS = ("alice", "bob")
START = datetime(2026, 1, 5, tzinfo=UTC)  # before the option's expiry
# (name, prices a step may take): an inverse perpetual (USD amounts), a linear one (coin amounts), a call option.
INSTRUMENTS = {
    "BTC-PERPETUAL": [Decimal(59_000 + 500 * n) for n in range(5)],
    "BTC_USDC-PERPETUAL": [Decimal(59_000 + 500 * n) for n in range(5)],
    "BTC-26JUN26-60000-C": [Decimal("0.01") * n for n in range(1, 6)],
}
AMOUNTS = {"BTC-PERPETUAL": [Decimal(10 * n) for n in (1, 2, 5, 30)]}
COINS = [Decimal("0.1"), Decimal("0.2"), Decimal("0.5"), Decimal("3")]

PLACE = st.tuples(
    st.just("place"), st.sampled_from(USERS), st.sampled_from(sorted(INSTRUMENTS)), st.sampled_from(["buy", "sell"]),
    st.integers(0, 3), st.integers(0, 4), st.sampled_from(["limit", "limit", "limit", "stop_limit"]),
    st.sampled_from(["good_til_cancelled", "good_til_cancelled", "immediate_or_cancel"]),
    st.sampled_from([False, False, False, True]),
)  # fmt: skip
EDIT = st.tuples(st.just("edit"), st.integers(min_value=0), st.integers(0, 3), st.integers(0, 4))
CANCEL = st.tuples(st.just("cancel"), st.integers(min_value=0))
FILL = st.tuples(st.just("fill"), st.sampled_from(USERS), st.sampled_from(sorted(INSTRUMENTS)), st.booleans())
INDEX = st.tuples(st.just("index"), st.integers(0, 4))
STEP = st.one_of(PLACE, PLACE, PLACE, PLACE, PLACE, EDIT, CANCEL, FILL, INDEX)


def fresh_exchange() -> DeribitExchange:
    exchange = DeribitExchange(clock=ManualClock(START))
    exchange.market.set_index_price("btc_usd", Decimal(60_000))
    exchange.market.set_index_price("btc_usdc", Decimal(60_000))
    for name in INSTRUMENTS:
        exchange.market.list_instrument(name)
    for user in USERS:
        exchange.accounts.open_account(user, balances={"BTC": Decimal(100), "USDC": Decimal(10**7)})
    return exchange


def amount_of(name: str, pick: int) -> Decimal:
    return AMOUNTS.get(name, COINS)[pick]


def run(exchange: DeribitExchange, step: tuple) -> None:
    kind, *args = step
    open_ids = (
        [i for ids in exchange.state.orders.open.values() for i in ids] if exchange.state.orders is not None else []
    )
    with suppress(ExchangeError):
        if kind == "place":
            user, name, direction, size, at, order_type, time_in_force, reduce_only = args
            price = INSTRUMENTS[name][at]
            waits = Decimal(61_000 if direction == "buy" else 59_000)  # a stop beyond the index: it waits
            trigger = {"trigger": "index_price", "trigger_price": waits} if order_type != "limit" else {}
            submit_order(exchange, user, name, direction, amount_of(name, size), price, order_type=order_type,
                         time_in_force="good_til_cancelled" if trigger else time_in_force, reduce_only=reduce_only,
                         **trigger)  # fmt: skip
        elif kind == "edit" and open_ids:
            order = exchange.state.orders.orders[open_ids[args[0] % len(open_ids)]]
            price = None if order.price is None else INSTRUMENTS[order.instrument_name][args[2]]
            edit_order(exchange, order.order_id, order.filled_amount + amount_of(order.instrument_name, args[1]), price)
        elif kind == "cancel" and open_ids:
            cancel_order(exchange, open_ids[args[0] % len(open_ids)])
        elif kind == "fill":
            user, name, buy = args
            exchange.trading.apply_trade(
                DeribitFill(user, name, "buy" if buy else "sell", amount_of(name, 0), INSTRUMENTS[name][2])
            )
        elif kind == "index":
            exchange.market.set_index_price("btc_usd", Decimal(59_000 + 500 * args[0]))
            fire(exchange)


def rescan(exchange: DeribitExchange, user: str, wallet_id: int, name: str) -> Decimal:
    """The margin of the wallet's open orders on `name`, counted afresh from the orders: each side's open, not
    reduce-only orders with a price, its lots summed from nothing; the larger side's."""
    orders: list[DerivativeOrder] = [o for o in exchange.state.orders.of_wallet(wallet_id) if o.instrument_name == name]
    instrument = exchange.market.instrument(name)
    size = exchange.valuation.position_state(user, name, wallet_id).position.size
    sides = []
    for side in ("buy", "sell"):
        held = [o for o in orders if o.direction == side and o.order_state == "open" and not o.reduce_only]
        lots = [(o.remaining, o.price) for o in held if o.price is not None]
        sides.append(side_margin(exchange.market, instrument, size, Lots.of(lots), side))
    return max(sides)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(STEP, min_size=5, max_size=25))
def test_the_margin_kept_is_a_rescan_of_the_open_orders(steps: list[tuple]) -> None:
    exchange = fresh_exchange()
    for step in steps:
        run(exchange, step)
        if exchange.state.orders is None:  # no order yet
            continue
        with exchange.reading():
            for user in USERS:
                wallet_id = exchange.accounts.wallet(user).id
                for name in INSTRUMENTS:
                    held = exchange.state.orders.margin(exchange.market, exchange.valuation, user, wallet_id, name)
                    assert held == rescan(exchange, user, wallet_id, name), step
                for currency in ("BTC", "USDC"):
                    summed = sum((rescan(exchange, user, wallet_id, n) for n in INSTRUMENTS
                                  if exchange.market.instrument(n).settlement_currency == currency),
                                 Decimal(0))  # fmt: skip
                    assert exchange.valuation.orders_margin(user, wallet_id, currency=currency) == summed


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock()) as server:
        server.create_deribit_account("alice", balances={"BTC": "100"})
        yield server


def test_an_orders_cost_does_not_grow_with_the_wallets_open_orders(mock, monkeypatch):
    alice = Deribit(mock, mock.create_deribit_key("alice", client_id="alice-key", client_secret="alice-secret"))
    reads = []
    remaining = DerivativeOrder.remaining

    def counted(order: DerivativeOrder) -> Decimal:
        reads.append(order.order_id)
        return remaining.fget(order)  # type: ignore[attr-defined]

    def placed(price: int) -> int:
        """How many times placing one resting buy read an order's remaining amount."""
        reads.clear()
        made = alice.rpc("private/buy", instrument_name="BTC-PERPETUAL", amount=10, price=price)
        assert made["result"]["order"]["order_state"] == "open", made
        return len(reads)

    monkeypatch.setattr(DerivativeOrder, "remaining", property(counted))
    beside_none = placed(50_000)
    for n in range(40):
        alice.result("private/buy", instrument_name="BTC-PERPETUAL", amount=10, price=50_000 - 10 * (n + 1))
    assert placed(49_000) == beside_none
