"""Deribit's stop and take orders firing: an `untriggered` order waits off the book until the price it watches
(`trigger`: the instrument's index, its mark, or its last trade) reaches its `trigger_price`, then it is `triggered`
and enters the book as the order it carries (a stop_limit or take_limit at its price, a stop_market or take_market at
the market) through the same crossing as a placed order (matching.py).

Reached means, as Deribit's trigger words say: a stop buy (and a take sell) at or above its price, a stop sell (and a
take buy) at or below. The control plane runs `fire` after every change that moves a watched price (an index or mark
set, an order or fill that trades), so triggering follows admin calls and scenario steps; an order that fires may
trade and fire others, until none is due. An order the taker's funds no longer cover when it fires ends `rejected`.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.matching import Crossing
from mockexchange.core.deribit.orders import CHANGE, DerivativeOrder
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.events import Change


def watched_price(exchange: DeribitExchange, instrument_name: str, trigger: str) -> Decimal | None:
    """The price a trigger on the instrument watches, as it is now (None: none yet, e.g. no trade for `last_price`)."""
    instrument = exchange.market.instrument(instrument_name)
    try:
        if trigger == "index_price":
            return exchange.market.index_price(instrument.price_index)
        if trigger == "mark_price":
            return exchange.market.mark_price(instrument_name)
    except ExchangeError:  # no index price yet
        return None
    return exchange.market.last_price(instrument_name)


def fire(exchange: DeribitExchange) -> list[tuple[DerivativeOrder, list[DeribitTrade]]]:
    """Trigger every untriggered order whose price is reached, oldest first, again after each one (its trades move
    the last price) until none is due; each triggered order as it ended up, with its trades. A look costs one step
    per instrument and trigger waited on, and one per order due (`DerivativeOrders.due`), however many wait."""
    fired: list[tuple[DerivativeOrder, list[DeribitTrade]]] = []
    with exchange.lock:
        kept = exchange.state.orders
        if kept is None:  # no order yet
            return fired
        while due := kept.due(lambda name, trigger: watched_price(exchange, name, trigger)):
            fired.append(_trigger(exchange, min(due, key=lambda o: (o.created, o.order_id))))
    return fired


def _trigger(exchange: DeribitExchange, order: DerivativeOrder) -> tuple[DerivativeOrder, list[DeribitTrade]]:
    kept = exchange.state.orders
    assert kept is not None
    triggered = replace(order, order_state="open", triggered=True, updated=exchange.state.clock.now())
    kept.put(triggered)
    instrument = exchange.market.instrument(order.instrument_name)
    try:
        return Crossing(exchange, kept, triggered, instrument).run(
            check_funds=True, reject_post_only=triggered.reject_post_only
        )
    except ExchangeError as exc:  # its funds or its terms no longer hold: it ends, nothing traded
        ended = replace(triggered, order_state="rejected", cancel_reason=exc.reason or "rejected")
        kept.close(ended, exchange.state.history_size)
        exchange.state.bus.publish(Change(CHANGE, ended.user_id, ended))
        return ended, []
