"""Deribit's public reads of price indices: `public/get_index_price` and `get_index_price_names` (each index's price
now, core/deribit/market.py); and their rows.

An index's price is set through the control plane over the exchange clock; a read answers what was set up to the
clock's time now. Prices are written to 8 places.
"""

from __future__ import annotations

from typing import Any

from mockexchange.venues.deribit.errors import invalid_param
from mockexchange.venues.deribit.methods import Method, RpcCall
from mockexchange.venues.deribit.params import BOOLEAN, STRING
from mockexchange.venues.deribit.render import PRICE, Row, number


def public_get_index_price(call: RpcCall) -> Any:
    name = call.params.read("index_name", STRING, required=True).lower()
    with call.ctx.exchange.reading():
        price = call.ctx.exchange.market.index_or_none(name)
    if price is None:
        raise invalid_param(
            "index_name", "invalid index_name", f"no price for the index {name[:64]!r} (set_index_price)"
        )
    # (the estimated delivery price is the index: the mock averages nothing before an expiry)
    return {"index_price": number(price, PRICE), "estimated_delivery_price": number(price, PRICE)}


def public_get_index_price_names(call: RpcCall) -> Any:
    extended = call.params.read("extended", BOOLEAN, False)
    with call.ctx.exchange.reading():
        names = sorted(call.ctx.exchange.market.index_prices())
    return [index_name_row(name, extended) for name in names]


METHODS: dict[str, Method] = {
    "public/get_index_price": Method(public_get_index_price),
    "public/get_index_price_names": Method(public_get_index_price_names),
}


# -- rows -------------------------------------------------------------------------------------------------------------


def index_name_row(name: str, extended: bool) -> Row:
    """An index's name; `extended`: whether combos may be made on it (the mock makes none)."""
    if not extended:
        return {"name": name}
    return {"name": name, "future_combo_creation_enabled": False, "option_combo_creation_enabled": False}
