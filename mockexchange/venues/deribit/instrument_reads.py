"""What Deribit says of one instrument or of the expirations listed: `public/get_instrument` (its row of
`public/get_instruments`), `public/get_contract_size` and `public/get_expirations`, read from the instruments the
exchange lists (core/deribit/market.py).

`public/get_expirations` lists the expirations (`27DEC24`, `PERPETUAL`) of the instruments listed and not expired,
earliest first, under `future` and `option` (the kinds asked: `any` both), of a settlement currency; `any` every
currency together, `grouped` each currency apart under its lower-case code; `currency_pair` keeps only the
instruments of that index (`btc_usd`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockexchange.core.deribit.instruments import Instrument, expiry_code
from mockexchange.core.values import Choice
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.methods import Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.params import STRING
from mockexchange.web.answers import json_number

EXPIRATION_CURRENCY = Choice(("BTC", "ETH", "USDC", "USDT", "any", "grouped"))
EXPIRATION_KIND = Choice(("future", "option", "any"))
KINDS = ("future", "option")


def public_get_instrument(call: RpcCall) -> Any:
    exchange = call.ctx.exchange
    with exchange.reading():
        name = listed_instrument(call)
        instrument = exchange.market.instrument(name)
        return render.instrument(instrument, exchange.market.listed_at(name), exchange.state.clock.now())


def public_get_contract_size(call: RpcCall) -> Any:
    exchange = call.ctx.exchange
    with exchange.reading():
        return {"contract_size": json_number(exchange.market.instrument(listed_instrument(call)).contract_size)}


def public_get_expirations(call: RpcCall) -> Any:
    params = call.params
    currency = params.read("currency", EXPIRATION_CURRENCY, required=True, reason="invalid currency")
    kind = params.read("kind", EXPIRATION_KIND, required=True, reason="invalid kind")
    pair = params.read("currency_pair", STRING)
    kinds = KINDS if kind == "any" else (kind,)
    exchange = call.ctx.exchange
    with exchange.reading():
        now = exchange.state.clock.now()
        listed = [
            item for item in exchange.market.instruments()
            if (item.expiration is None or now < item.expiration) and pair in (None, item.price_index)
        ]  # fmt: skip
        if currency != "grouped":
            return _expirations([i for i in listed if currency in ("any", i.settlement_currency)], kinds, now)
        held = sorted({item.settlement_currency for item in listed})
        return {
            code.lower(): _expirations([i for i in listed if i.settlement_currency == code], kinds, now)
            for code in held
        }


def _expirations(listed: list[Instrument], kinds: tuple[str, ...], now: datetime) -> dict[str, list[str]]:
    """Each kind's expirations, earliest first (a perpetual's last: Deribit dates it in the year 3000)."""
    found: dict[str, list[str]] = {}
    for kind in kinds:
        dated = sorted({(i.expiration_timestamp, _code(i)) for i in listed if i.kind == kind})
        found[kind] = [code for _, code in dated]
    return found


def _code(instrument: Instrument) -> str:
    expiration = instrument.expiration
    return "PERPETUAL" if expiration is None else expiry_code(expiration.date())


METHODS: dict[str, Method] = {
    "public/get_instrument": Method(public_get_instrument, instrument=True),
    "public/get_contract_size": Method(public_get_contract_size, instrument=True),
    "public/get_expirations": Method(public_get_expirations),
}
