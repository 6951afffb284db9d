"""What an order would hold, before and after it is placed: `private/get_margins` (the initial margin a buy and a sell
of `amount` at `price` would hold for the caller's wallet, and the band an order's price must be in now) and
`private/get_order_margin_by_ids` (the initial margin each of the wallet's orders holds). Both by the mock's rule for
open orders' margin (core/deribit/orders.py): only the part that adds to the position holds margin; an untriggered,
closed or reduce-only order holds none. Amounts are in the instrument's settlement currency.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.deribit.market_stats import price_band
from mockexchange.core.deribit.order_commands import AMOUNT, PRICE  # (an order's: what it would hold)
from mockexchange.core.deribit.orders import Lots, instrument_margin, side_margin
from mockexchange.core.values import Listed
from mockexchange.venues.deribit.history import history_wallet
from mockexchange.venues.deribit.methods import Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.orders import owned_order
from mockexchange.venues.deribit.params import STRING
from mockexchange.venues.deribit.render import SUMMARY, number
from mockexchange.web.answers import json_number

IDS = Listed(STRING, 1000, 1)  # order ids one call may ask about (the mock's bound; Deribit documents none)


def private_get_margins(call: RpcCall) -> Any:
    amount = call.params.read("amount", AMOUNT, required=True)
    price = call.params.read("price", PRICE, required=True)
    exchange = call.ctx.exchange
    with exchange.reading():
        name = listed_instrument(call)
        user_id, wallet = history_wallet(call)
        instrument = exchange.market.instrument(name)
        size = exchange.valuation.position_state(user_id, name, wallet.id).position.size
        low, high = price_band(instrument, exchange.market.mark_price(name))
        return {
            "buy": number(side_margin(exchange.market, instrument, size, Lots.of([(amount, price)]), "buy"), SUMMARY),
            "sell": number(side_margin(exchange.market, instrument, size, Lots.of([(amount, price)]), "sell"), SUMMARY),
            "max_price": json_number(high),
            "min_price": json_number(low),
        }


def private_get_order_margin_by_ids(call: RpcCall) -> Any:
    ids = call.params.read("ids", IDS, required=True)
    exchange = call.ctx.exchange
    with exchange.reading():
        user_id, wallet = history_wallet(call)
        rows = []
        for order_id in ids:
            order = owned_order(call, order_id)
            instrument = exchange.market.instrument(order.instrument_name)
            size = exchange.valuation.position_state(user_id, order.instrument_name, wallet.id).position.size
            rows.append({
                "order_id": order.order_id,
                "initial_margin": number(instrument_margin(exchange.market, instrument, size, [order]), SUMMARY),
                "initial_margin_currency": instrument.settlement_currency,
            })  # fmt: skip
        return rows


METHODS: dict[str, Method] = {
    "private/get_margins": Method(private_get_margins, "trade:read"),
    "private/get_order_margin_by_ids": Method(private_get_order_margin_by_ids, "trade:read"),
}
