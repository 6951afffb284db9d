"""The ledger's handlers of the order commands (order_commands.py), by type: each takes its command and answers what
the ledger did (an order command's `OrderOutcome`; a batch's items, each an `OrderOutcome` or its refusal in its place).

Where a cancel, decrease or amend routes: the exchange index given, else the market's (`exchange_index` -1, or none
with `market_ticker`), else 0.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from mockexchange.core.commands import Command, ItemRefused
from mockexchange.core.kalshi.checks import LedgerError, Refusal
from mockexchange.core.kalshi.footprints import trading_footprint
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.order_commands import (
    AmendOrder,
    CancelAllOrders,
    CancelOrder,
    CancelOrders,
    DecreaseOrder,
    PlaceOrders,
)
from mockexchange.core.kalshi.orders import Order, OrderOutcome
from mockexchange.core.kalshi.seeded_order_commands import CancelRestingOrder, SeedOrder

LONG_BATCH = 20  # orders a batch holds before it runs as one long command (core/stepping.py)
C = TypeVar("C", bound=Command)


Item = OrderOutcome | ItemRefused


def route(ledger: Ledger, exchange_index: int | None, market_ticker: str | None) -> int:
    """The exchange index a request names for an order: as given, else its market's (`market_ticker`), else 0;
    -1 asks for the market's."""
    if exchange_index is not None and exchange_index >= 0:
        return exchange_index
    if market_ticker is None:
        if exchange_index == -1:
            raise LedgerError("exchange_index -1 routes by the market: give market_ticker")
        return 0
    market = ledger.state.markets.get(market_ticker)
    if market is None:
        raise Refusal(f"no market {market_ticker!r}", 404, "not_found")
    return market.exchange_index


def seed_order(ledger: Ledger, seed: SeedOrder) -> Order:
    return ledger.trading.place_order(
        seed.user_id, seed.ticker, seed.side, seed.action, seed.count, seed.price, subaccount=seed.subaccount,
        event_ticker=seed.event_ticker, order_id=seed.order_id,
    )  # fmt: skip


def cancel_resting_order(ledger: Ledger, cancel: CancelRestingOrder) -> OrderOutcome:
    return ledger.trading.cancel_order(cancel.order_id)


def cancel_order(ledger: Ledger, cancel: CancelOrder) -> OrderOutcome:
    index = route(ledger, cancel.exchange_index, cancel.market_ticker)
    return ledger.trading.cancel_order(cancel.order_id, cancel.user_id, cancel.subaccount, exchange_index=index)


def cancel_all_orders(ledger: Ledger, cancel: CancelAllOrders) -> list[OrderOutcome]:
    return ledger.trading.cancel_orders(cancel.user_id, cancel.subaccount)


def amend_order(ledger: Ledger, amend: AmendOrder) -> OrderOutcome:
    return ledger.trading.amend_order(amend, route(ledger, amend.exchange_index, amend.ticker))


def decrease_order(ledger: Ledger, decrease: DecreaseOrder) -> OrderOutcome:
    index = route(ledger, decrease.exchange_index, decrease.market_ticker)
    return ledger.trading.decrease_order(
        decrease.order_id, decrease.user_id, decrease.subaccount, decrease.reduce_by, decrease.reduce_to,
        exchange_index=index,
    )  # fmt: skip


def place_orders(ledger: Ledger, batch: PlaceOrders) -> list[Item]:
    """Each order placed in turn (one long command past `LONG_BATCH` orders, over the markets they name: the reads of
    other accounts and markets go on beside it)."""
    hold: AbstractContextManager[object] = nullcontext()
    if len(batch.orders) > LONG_BATCH:
        tickers = {order.ticker for order in batch.orders}
        hold = ledger.state.lock.holding_long(lambda: trading_footprint(ledger.state, tickers, batch.user_id))
    with hold:
        return [_each(ledger.trading.submit_order, order) for order in batch.orders]


def cancel_orders(ledger: Ledger, batch: CancelOrders) -> list[Item]:
    return [_each(lambda cancel: cancel_order(ledger, cancel), cancel) for cancel in batch.orders]


def _each(handler: Callable[[C], OrderOutcome], command: C) -> Item:
    try:
        return handler(command)
    except LedgerError as exc:
        return ItemRefused.of(exc)
