"""What Deribit publishes of its expiries: the delivery price of each day an index's instruments expired
(`public/get_delivery_prices`) and every instrument's delivery, every wallet's position in it together
(`public/get_last_settlements_by_currency`, `_by_instrument`), read from the deliveries the exchange made
(core/deribit/expiry.py's `InstrumentDelivery`).

A day's delivery price is that of the first of the index's instruments delivered that day (they agree unless a
settlement price was set for one of them apart); days newest first, by `offset` and `count`. The settlements page as
a wallet's do (history.py's `settlement_page`): newest first, by `continuation`; the mock makes only deliveries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.core.deribit.records import InstrumentDelivery
from mockexchange.venues.deribit import history_render, render
from mockexchange.venues.deribit.history import count_param, offset_param, settlement_page
from mockexchange.venues.deribit.methods import Method, RpcCall
from mockexchange.venues.deribit.params import STRING


def public_get_delivery_prices(call: RpcCall) -> Any:
    index_name = call.params.read("index_name", STRING, required=True)
    offset, count = offset_param(call), count_param(call, 10)
    exchange = call.ctx.exchange
    with exchange.reading():
        days: dict[str, Decimal] = {}
        for made in exchange.state.instrument_deliveries:
            if made.price_index == index_name:
                days.setdefault(made.timestamp.date().isoformat(), made.delivery_price)
    newest_first = sorted(days.items(), reverse=True)
    return {
        "data": [
            {"date": day, "delivery_price": render.number(price, render.PRICE)}
            for day, price in newest_first[offset : offset + count]
        ],
        "records_total": len(days),
    }


def _every_delivery(call: RpcCall) -> tuple[list[InstrumentDelivery], Any]:
    return call.ctx.exchange.state.instrument_deliveries, lambda made: True


def _settlements(by_instrument: bool) -> Method:
    return Method(
        lambda call: settlement_page(
            call, by_instrument=by_instrument, source=lambda: _every_delivery(call), row=history_render.delivery
        ),
        instrument=by_instrument,
    )


METHODS: dict[str, Method] = {
    "public/get_delivery_prices": Method(public_get_delivery_prices),
    "public/get_last_settlements_by_currency": _settlements(False),
    "public/get_last_settlements_by_instrument": _settlements(True),
}
