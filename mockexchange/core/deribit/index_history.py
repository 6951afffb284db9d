"""A Deribit price index over the exchange clock, beyond its price now (market.py): a point its path holds for later,
published as the clock reaches it, with the stop and take orders it makes due (`clock_moved`, what the exchange does as
the control plane moves the clock).

An index keeps its price's path (price_path.py): the point in force now is its price, the points before it its
history; nothing else holds a copy.
"""

from __future__ import annotations

from mockexchange.core.deribit import triggers
from mockexchange.core.deribit.exchange import DeribitExchange


def clock_moved(exchange: DeribitExchange) -> None:
    """What falls due as the clock moves: what expired delivered (at the index in force when it expired), each
    index's point the clock has reached published as its price, and the orders the moves make due fired."""
    exchange.expiry.expire_due()
    state = exchange.state
    moved = False
    with state.lock:
        now = state.clock.now()
        for name, path in state.indexes.items():
            point = path.at(now)
            if point is not None and point != path.announced:
                path.announced = point
                state.publish("index_price", None, (name, point))
                moved = True
    if moved:
        triggers.fire(exchange)
