"""Deribit's market maker tools: market maker protection (`private/set_mmp_config`, `get_mmp_config`, `reset_mmp`,
`get_mmp_status`) and mass quotes (`private/mass_quote`, `private/cancel_quotes`).

The writes make the exchange's typed commands (core/deribit/mmp.py's `SetDeribitMmpConfig` and `ResetDeribitMmp`,
quotes.py's `PlaceDeribitQuotes`; a cancel of quotes is `CancelDeribitOrders` of the quotes it names), so a state
file keeps them; the reads read the exchange. A configuration and a status act for the wallet of the calling key.

A mass quote needs cancel on disconnect on for the connection (its own setting or its account's,
cancel_on_disconnect.py): over HTTP, or with it off, the request is refused (11030 `other_reject`: Deribit documents
the refusal, not its code), and the quotes placed are noted as the connection's, cancelled when it closes. Block RFQ
MMP (`block_rfq: true`) and `trade_count_limit` are not served (10033).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit import mmp
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.kinds import AMOUNT, PRICE
from mockexchange.core.deribit.mmp_records import MmpConfig
from mockexchange.core.deribit.order_commands import CancelDeribitOrders
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.deribit.quotes import MAX_SIDES, PlaceDeribitQuotes, Quoted, QuoteSide
from mockexchange.core.values import Choice, Decimals
from mockexchange.venues.deribit import cancel_on_disconnect, commands, history_render
from mockexchange.venues.deribit.errors import NOT_IMPLEMENTED, OTHER_REJECT, RpcError, invalid_param
from mockexchange.venues.deribit.methods import (
    Method,
    RpcCall,
    passed_deadline,
    reading_wallet,
    source_of,
    wallet_user,
)
from mockexchange.venues.deribit.orders import order_row
from mockexchange.venues.deribit.params import BOOLEAN, STRING, Params
from mockexchange.web.answers import json_number

LIMITS = ("quantity_limit", "delta_limit", "vega_limit", "max_quote_quantity")
CANCEL_TYPES = Choice(("delta", "quote_set_id", "instrument", "instrument_kind", "currency", "currency_pair", "all"))
KINDS = Choice(("future", "option", "spot", "future_combo", "option_combo", "combo", "any"))
DELTA = Decimals(Decimal(-1), Decimal(1), 8)


def _unserved(call: RpcCall) -> None:
    if call.params.read("block_rfq", BOOLEAN, False):
        raise RpcError(NOT_IMPLEMENTED, "the mock has no block RFQs: block_rfq=false")
    if "trade_count_limit" in call.params:
        raise RpcError(NOT_IMPLEMENTED, "the mock counts no trades for MMP: leave trade_count_limit out")


def _index(call: RpcCall, required: bool) -> str | None:
    index = call.params.read("index_name", STRING, required=required)
    return None if index is None or index.lower() == "all" else index.lower()


def config_row(config: MmpConfig) -> dict[str, Any]:
    row: dict[str, Any] = {"index_name": config.index_name, "interval": config.interval,
                           "frozen_time": config.frozen_time, "id": config.id, "block_rfq": False}  # fmt: skip
    if config.mmp_group is not None:
        row["mmp_group"] = config.mmp_group
    for name in LIMITS:
        limit = getattr(config, name)
        if limit is not None:
            row[name] = json_number(limit)
    return row


def private_set_mmp_config(call: RpcCall) -> Any:
    _unserved(call)
    index = call.params.read("index_name", STRING, required=True).lower()
    if index == "all":
        raise invalid_param("index_name", "invalid index_name", "a configuration names one index (btc_usd)")
    limits = {name: call.params.read(name, mmp.LIMIT) for name in LIMITS}
    if limits["max_quote_quantity"] is None:
        raise invalid_param("max_quote_quantity", "must be present", "max_quote_quantity is required")
    given = commands.make(
        mmp.SetDeribitMmpConfig, param="interval", user_id=wallet_user(call), index_name=index,
        interval=call.params.read("interval", mmp.SECONDS, required=True),
        frozen_time=call.params.read("frozen_time", mmp.SECONDS, required=True),
        mmp_group=call.params.read("mmp_group", mmp.GROUP), subaccount_id=source_of(call), **limits,
    )  # fmt: skip
    return [config_row(config) for config in commands.execute(call.ctx, given, param="index_name")]


def _index_and_group(call: RpcCall) -> tuple[str | None, str | None]:
    """A read's `index_name` and `mmp_group`, both optional, the group only with an index."""
    index, group = _index(call, False), call.params.read("mmp_group", mmp.GROUP)
    if group is not None and index is None:
        raise invalid_param("mmp_group", "invalid mmp_group", "mmp_group needs index_name too")
    return index, group


def private_get_mmp_config(call: RpcCall) -> Any:
    _unserved(call)
    index, group = _index_and_group(call)
    with reading_wallet(call) as wallet:
        return [config_row(config) for config in mmp.configs(call.ctx.exchange, wallet.id, index, group)]


def private_reset_mmp(call: RpcCall) -> Any:
    _unserved(call)
    index = call.params.read("index_name", STRING, required=True).lower()
    given = commands.make(
        mmp.ResetDeribitMmp, param="index_name", user_id=wallet_user(call), index_name=index,
        mmp_group=call.params.read("mmp_group", mmp.GROUP), subaccount_id=source_of(call),
    )  # fmt: skip
    commands.execute(call.ctx, given, param="index_name")
    return "ok"


def private_get_mmp_status(call: RpcCall) -> Any:
    _unserved(call)
    index, group = _index_and_group(call)
    with reading_wallet(call) as wallet:
        found = mmp.status(call.ctx.exchange, wallet.id, index, group)
    rows = []
    for (_, index_name, named), until in found:
        row: dict[str, Any] = {"index_name": index_name, "frozen_until": 0 if until is None else unix_ms(until)}
        if named is not None:
            row["mmp_group"] = named
        rows.append(row)
    return rows


# -- mass quotes ----------------------------------------------------------------------------------------------------


def _sides(call: RpcCall) -> tuple[QuoteSide, ...]:
    """`quotes`: each `{instrument_name, quote_set_id, bid, ask}` (a JSON array, or its text from a query), as the
    sides it names."""
    given = call.params.structured("quotes")
    said = f"quotes must be a list of objects of instrument_name, quote_set_id, bid and ask ({MAX_SIDES} sides most)"
    if not isinstance(given, list) or not given or not all(isinstance(q, dict) for q in given):
        raise invalid_param("quotes", "must be present" if given is None else "must be an array", said)
    sides = []
    for quote in given:
        read = Params(quote)
        try:
            name = read.read("instrument_name", STRING, required=True)
            set_id = read.read("quote_set_id", STRING)
            for side in ("bid", "ask"):
                if side in read:
                    sides.append(_side(name, set_id, side, read.get(side)))
        except RpcError as error:
            raise invalid_param("quotes", "invalid quote", error.diagnosis) from None
    if not sides or len(sides) > MAX_SIDES:
        raise invalid_param("quotes", "invalid quote", said)
    return tuple(sides)


def _side(name: str, set_id: str | None, side: str, given: Any) -> QuoteSide:
    if not isinstance(given, dict):
        raise invalid_param(side, "must be an object", f"{name}'s {side} must be an object of price and amount")
    read = Params(given)
    return QuoteSide(
        name, side, read.read("price", PRICE, required=True), read.read("amount", AMOUNT, required=True), set_id,
        read.read("post_only", BOOLEAN), read.read("reject_post_only", BOOLEAN),
    )  # fmt: skip


def private_mass_quote(call: RpcCall) -> Any:
    session = cancel_on_disconnect.enabled_session(call)
    if session is None:
        said = "a mass quote needs cancel on disconnect on for its websocket connection (enable_cancel_on_disconnect)"
        raise RpcError(OTHER_REJECT, said)
    quote_id = call.params.read("quote_id", STRING, required=True)
    group = call.params.read("mmp_group", mmp.GROUP, required=True)
    detailed = call.params.read("detailed", BOOLEAN, False)
    call.params.read("wait_for_response", BOOLEAN)  # (the mock always answers once every side is done)
    valid_until = passed_deadline(call)
    if valid_until is not None:
        raise RpcError(OTHER_REJECT, f"valid_until {valid_until} has passed: the request was not processed")
    given = commands.make(
        PlaceDeribitQuotes, param="quotes", user_id=wallet_user(call), quote_id=quote_id, mmp_group=group,
        quotes=_sides(call), subaccount_id=source_of(call),
    )  # fmt: skip
    made: Quoted = commands.execute(call.ctx, given, param="mmp_group")
    cancel_on_disconnect.note_placed(session, call, [order.order_id for order in made.orders if order.is_open])
    errors = [
        {"instrument_name": refused.instrument_name, "side": refused.side, "error": _error(refused.error)}
        for refused in made.errors
    ]
    if not detailed:
        return {"errors_count": len(errors), "pending_requests_count": 0}
    exchange = call.ctx.exchange
    with exchange.reading():
        instrument = exchange.market.instrument
        return {
            "orders": [order_row(order, instrument(order.instrument_name)) for order in made.orders],
            "trades": [history_render.user_trade(t, instrument(t.instrument_name)) for t in made.trades],
            "errors": errors,
        }


def _error(error: ExchangeError) -> dict[str, Any]:
    rpc = commands.refused(error)
    return {"code": rpc.code, "message": rpc.message}


def private_cancel_quotes(call: RpcCall) -> Any:
    """The count of the wallet's open quotes cancelled of those `cancel_type` names (`detailed` answers the count too;
    `freeze_quotes` is taken and does nothing)."""
    chosen = call.params.read("cancel_type", CANCEL_TYPES, required=True, reason="invalid cancel_type")
    call.params.read("detailed", BOOLEAN)
    call.params.read("freeze_quotes", BOOLEAN)
    pick = _chooser(call, chosen)
    exchange = call.ctx.exchange
    with reading_wallet(call) as wallet:
        kept = exchange.state.orders
        resting = [] if kept is None else kept.of_wallet(wallet.id)
        ids = [order.order_id for order in resting if order.quote is not None and pick(order)]
    if not ids:
        return 0
    cancel = CancelDeribitOrders(wallet_user(call), subaccount_id=source_of(call), order_ids=tuple(ids))
    return len(commands.execute(call.ctx, cancel))


def _chooser(call: RpcCall, chosen: str) -> Any:
    """What `cancel_type` keeps of an open quote, its params read."""
    market = call.ctx.exchange.market
    if chosen == "quote_set_id":
        set_id = call.params.read("quote_set_id", STRING, required=True)
        return lambda order: order.quote is not None and order.quote.quote_set_id == set_id
    if chosen == "instrument":
        name = call.params.read("instrument_name", STRING, required=True)
        return lambda order: order.instrument_name == name
    if chosen == "instrument_kind":
        kind = call.params.read("kind", KINDS, required=True)
        return lambda order: kind == "any" or market.instrument(order.instrument_name).kind == kind
    if chosen == "currency":
        currency = call.params.currency(allow_any=False, required=True)
        return lambda order: market.instrument(order.instrument_name).base_currency == currency
    if chosen == "currency_pair":
        pair = call.params.read("currency_pair", STRING, required=True).lower()
        return lambda order: market.instrument(order.instrument_name).price_index == pair
    if chosen == "delta":
        low = call.params.read("min_delta", DELTA, required=True)
        high = call.params.read("max_delta", DELTA, required=True)
        return lambda order: low <= _delta(call, order) <= high
    return lambda order: True


def _delta(call: RpcCall, order: DerivativeOrder) -> Decimal:
    """A quote's instrument's delta per coin: a future's 1, an option's model delta at its index now."""
    market = call.ctx.exchange.market
    instrument = market.instrument(order.instrument_name)
    if instrument.kind == "future":
        return Decimal(1)
    index = market.index_or_none(instrument.price_index)
    return Decimal(0) if index is None else market.greeks(market.listing(instrument.instrument_name), index).delta


_TRADE, _READ = "trade:read_write", "trade:read"
METHODS: dict[str, Method] = {
    "private/set_mmp_config": Method(private_set_mmp_config, _TRADE, write=True),
    "private/get_mmp_config": Method(private_get_mmp_config, _READ),
    "private/reset_mmp": Method(private_reset_mmp, _TRADE, write=True),
    "private/get_mmp_status": Method(private_get_mmp_status, _READ),
    "private/mass_quote": Method(private_mass_quote, _TRADE, write=True),
    "private/cancel_quotes": Method(private_cancel_quotes, _TRADE, write=True),
}
