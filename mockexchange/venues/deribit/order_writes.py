"""A Deribit client's orders: `private/buy`, `private/sell`, `private/edit`, `private/edit_by_label`, `private/cancel`,
`private/cancel_all`, `private/cancel_all_by_currency`, `private/cancel_all_by_instrument`, `private/cancel_by_label`,
`private/cancel_all_by_kind_or_type` (one currency, a list of them, or `any`), `private/cancel_all_by_currency_pair`
(the instruments of that index) and `private/close_position`. Each write makes its typed command
(`PlaceDeribitOrder`, `EditDeribitOrder`, `CancelDeribitOrder`, `CancelDeribitOrders`: core/deribit/order_commands.py)
and runs it (`commands.execute`), so a
state file keeps it; the answer is rendered as the reads render it: `{order, trades}` for an order placed or edited
(the objects the command answers: the order as it left it, its trades, its own side of each), the order for a cancel
(read back from the exchange), the count for a cancel of several.

An order acts for the wallet the key acts for (a main key may name `subaccount_id`); an order of another wallet is as
unknown as one never placed (10004 order_not_found).
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from mockexchange.core.commands import kind_of
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.order_commands import (
    AMOUNT,
    GOOD_TIL_CANCELLED,
    LEGS,
    MAX_SECONDARIES,
    PRICE,
    SHOWN,
    TRIGGER,
    CancelDeribitOrder,
    CancelDeribitOrders,
    EditDeribitOrder,
    LinkedLeg,
    PlaceDeribitOrder,
)
from mockexchange.core.deribit.order_entry import find_order, open_orders
from mockexchange.core.deribit.orders import MAX_LABEL, DerivativeOrder
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.values import Choice, Listed, Text
from mockexchange.venues.deribit import commands, history_render
from mockexchange.venues.deribit.errors import (
    INVALID_AMOUNT,
    INVALID_OR_UNSUPPORTED_INSTRUMENT,
    NOT_IMPLEMENTED,
    NOT_OPEN_ORDER,
    TIMED_OUT,
    RpcError,
    invalid_param,
)
from mockexchange.venues.deribit.methods import (
    ORDER_KIND,
    UNLISTED_KINDS,
    Method,
    RpcCall,
    passed_deadline,
    reading_wallet,
    source_of,
    wallet_user,
)
from mockexchange.venues.deribit.orders import ORDER_FILTERS, order_row, owned_order
from mockexchange.venues.deribit.params import BOOLEAN, CURRENCIES, STRING, Params

ORDER_TYPE = kind_of(PlaceDeribitOrder, "order_type")
TIME_IN_FORCE = kind_of(PlaceDeribitOrder, "time_in_force")
LINKED_TYPE = kind_of(PlaceDeribitOrder, "linked_order_type")
FILL_CONDITION = kind_of(PlaceDeribitOrder, "trigger_fill_condition")
CLOSE_TYPE = Choice(("limit", "market"))
# `type` of the cancels by currency, instrument, kind or type and currency pair: Deribit's enum for them (`stop`,
# `take`, where the open-order reads say `stop_all`, `take_all`). `cancel_all` and `cancel_by_label` take no `type`.
CANCEL_TYPE = Choice(("all", "limit", "trigger_all", "stop", "take", "trailing_stop"))
CANCEL_FILTERS = {**ORDER_FILTERS, "stop": ORDER_FILTERS["stop_all"], "take": ORDER_FILTERS["take_all"]}
CURRENCY_LIST = Listed(Text(16), len(CURRENCIES), noun="currencies")
LABEL_TEXT = Text(MAX_LABEL, blank=True)  # (an empty one, no label, is an order's own: `_label`)


def _instrument(call: RpcCall) -> Instrument:
    name = call.params.read("instrument_name", STRING, required=True)
    try:
        return call.ctx.exchange.market.instrument(name)
    except ExchangeError:
        raise RpcError(INVALID_OR_UNSUPPORTED_INSTRUMENT, f"no listed instrument {name!r} (list_instrument)") from None


def _size(call: RpcCall, instrument: Instrument, required: bool = True) -> Decimal | None:
    """`amount` (USD for inverse futures, the coin otherwise), or `contracts` times the contract size; both given, they
    must agree."""
    amount = call.params.read("amount", AMOUNT, required=True) if "amount" in call.params else None
    if "contracts" in call.params:
        contracts = call.params.read("contracts", AMOUNT, required=True)
        made = contracts * instrument.contract_size
        if amount is not None and amount != made:
            said = f"amount {amount:f} is not contracts {contracts:f} x {instrument.contract_size}"
            raise RpcError(INVALID_AMOUNT, said)
        amount = made
    if amount is None and required:
        raise invalid_param("amount", "must be present", "amount or contracts is required")
    return amount


def _price(call: RpcCall, name: str = "price") -> Decimal | None:
    return call.params.read(name, PRICE, required=True) if name in call.params else None


def _label(call: RpcCall, required: bool = False) -> str | None:
    if call.params.get("label") == "" and not required:
        return ""
    return call.params.read("label", LABEL_TEXT, required=required)


def _placed(call: RpcCall, made: tuple[DerivativeOrder, list[DeribitTrade]]) -> dict[str, Any]:
    """`{order, trades}` as Deribit answers a placed or edited order, from what the command answered (the order as it
    left it, and its trades: its own side of each)."""
    order, trades = made
    exchange = call.ctx.exchange
    with exchange.reading():
        instrument = exchange.market.instrument(order.instrument_name)
        return {"order": order_row(order, instrument),
                "trades": [history_render.user_trade(t, instrument) for t in trades]}  # fmt: skip


def _in_time(call: RpcCall) -> None:
    """A `valid_until` past: Deribit's `timed_out`, nothing done (the engine takes a request only before it)."""
    valid_until = passed_deadline(call)
    if valid_until is not None:
        raise RpcError(TIMED_OUT, f"valid_until {valid_until} has passed: the request was not processed")


def _place(call: RpcCall, direction: str) -> Any:
    _in_time(call)
    instrument = _instrument(call)
    order_type = call.params.read("type", ORDER_TYPE, "limit", reason="invalid order type")
    amount = _size(call, instrument)
    assert amount is not None
    trigger = call.params.read("trigger", TRIGGER)
    linked = call.params.read("linked_order_type", LINKED_TYPE)
    placed = commands.make(
        PlaceDeribitOrder, param="amount", user_id=wallet_user(call), instrument_name=instrument.instrument_name,
        direction=direction, amount=amount, price=_price(call), subaccount_id=source_of(call), order_type=order_type,
        time_in_force=call.params.read("time_in_force", TIME_IN_FORCE, GOOD_TIL_CANCELLED),
        label=_label(call) or "", post_only=call.params.read("post_only", BOOLEAN, False),
        reject_post_only=call.params.read("reject_post_only", BOOLEAN, False),
        reduce_only=call.params.read("reduce_only", BOOLEAN, False),
        max_show=_shown(call),
        trigger=trigger, trigger_price=_price(call, "trigger_price"), trigger_offset=_price(call, "trigger_offset"),
        linked_order_type=linked, otoco_config=_legs(call),
        trigger_fill_condition=call.params.read("trigger_fill_condition", FILL_CONDITION, "first_hit"),
        mmp=call.params.read("mmp", BOOLEAN, False),
    )  # fmt: skip
    return _placed(call, commands.execute(call.ctx, placed, param="amount"))


def _shown(call: RpcCall) -> Decimal | None:
    """An iceberg's shown amount: `display_amount` (Deribit's param), else the deprecated `max_show` it replaced."""
    for name in ("display_amount", "max_show"):
        if name in call.params:
            return call.params.read(name, SHOWN, required=True)
    return None


def _legs(call: RpcCall) -> tuple[LinkedLeg, ...]:
    """`otoco_config`: a list of secondary orders (from a query string, its JSON text), each field read as private/buy
    reads its own; a refusal names `otoco_config`."""
    given = call.params.structured("otoco_config")
    if given is None:
        return ()
    if not isinstance(given, list) or len(given) > MAX_SECONDARIES:
        said = f"otoco_config must be a list of at most {MAX_SECONDARIES} orders"
        raise invalid_param("otoco_config", "must be an array", said)
    legs = []
    for i, item in enumerate(given):
        if not isinstance(item, dict) or not item.keys() <= LEGS.kinds.keys():
            raise invalid_param(
                "otoco_config", "invalid value", f"otoco_config[{i}] must be an object of {', '.join(LEGS.kinds)}"
            )
        values = Params(item, from_query=call.params.from_query)
        try:
            legs.append(LinkedLeg(**{name: values.read(name, kind) for name, kind in LEGS.kinds.items()}))
        except RpcError as exc:
            raise invalid_param("otoco_config", "invalid value", f"otoco_config[{i}]: {exc.diagnosis}") from None
    return tuple(legs)


def _callers_order(call: RpcCall, order_id: str) -> DerivativeOrder:
    """The wallet's order `order_id`, open; else Deribit's refusal (another wallet's is unknown)."""
    with call.ctx.exchange.reading():
        order = owned_order(call, order_id)
        if not order.is_open:
            raise RpcError(NOT_OPEN_ORDER, f"order {order_id!r} is {order.order_state}: only an open order changes")
        return order


def _edit(call: RpcCall, order: DerivativeOrder) -> Any:
    _in_time(call)
    with call.ctx.exchange.reading():
        instrument = call.ctx.exchange.market.instrument(order.instrument_name)
    amount = _size(call, instrument)
    assert amount is not None
    flags = {name: call.params.read(name, BOOLEAN, False)
             for name in ("post_only", "reject_post_only", "reduce_only", "mmp") if name in call.params}  # fmt: skip
    edit = commands.make(
        EditDeribitOrder, param="amount", order_id=order.order_id, amount=amount, price=_price(call),
        trigger_price=_price(call, "trigger_price"), trigger_offset=_price(call, "trigger_offset"), **flags,
    )  # fmt: skip
    return _placed(call, commands.execute(call.ctx, edit, param="amount"))


def private_edit(call: RpcCall) -> Any:
    order_id = call.params.read("order_id", STRING, required=True)
    return _edit(call, _callers_order(call, order_id))


def private_edit_by_label(call: RpcCall) -> Any:
    """The one open order of the instrument with that label (Deribit edits by label only where it names one)."""
    label = _label(call, required=True)
    instrument = _instrument(call)
    with reading_wallet(call) as wallet:
        named = open_orders(call.ctx.exchange, wallet.id, instrument_name=instrument.instrument_name)
        found = [order for order in named if order.label == label]
    if len(found) != 1:
        what = "no open order" if not found else f"{len(found)} open orders"
        raise invalid_param("label", "invalid label", f"{what} of {instrument.instrument_name} labelled {label!r}")
    return _edit(call, found[0])


def private_cancel(call: RpcCall) -> Any:
    order_id = call.params.read("order_id", STRING, required=True)
    order = _callers_order(call, order_id)
    cancel = commands.make(CancelDeribitOrder, param="order_id", order_id=order.order_id)
    made = commands.execute(call.ctx, cancel, param="order_id")
    exchange = call.ctx.exchange
    with exchange.reading():
        cancelled = find_order(exchange, made.order_id)  # (read back: as the exchange keeps it now)
        assert cancelled is not None
        return order_row(cancelled, exchange.market.instrument(cancelled.instrument_name))


def _cancel_many(call: RpcCall, *, typed: bool = True, detailed: bool = True, **filters: Any) -> Any:
    """The count of the wallet's open orders cancelled of those the filters name, and `type` if the method takes one
    (`typed`: Deribit's CANCEL_TYPE; a method that takes none, or no `detailed`, ignores it as an unknown param)."""
    if detailed:
        _not_detailed(call)
    chosen = call.params.read("type", CANCEL_TYPE, "all", reason="invalid order type") if typed else "all"
    cancel = commands.make(
        CancelDeribitOrders, user_id=wallet_user(call), subaccount_id=source_of(call),
        order_types=CANCEL_FILTERS[chosen] if chosen != "all" else None, **filters,
    )  # fmt: skip
    return len(commands.execute(call.ctx, cancel))


def _not_detailed(call: RpcCall) -> None:
    if call.params.read("detailed", BOOLEAN, False):
        raise RpcError(NOT_IMPLEMENTED, "the mock answers a cancel of several with their count only: detailed=false")


def private_cancel_all_by_currency(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    kind = call.params.read("kind", ORDER_KIND)
    if kind in UNLISTED_KINDS:
        _not_detailed(call)
        return 0  # the mock lists none of those
    return _cancel_many(call, currency=currency, kind=None if kind == "any" else kind)


def _kind_of(call: RpcCall) -> str | None:
    """`kind` (`any` or absent: every kind); "none" for one of the kinds the mock lists none of."""
    kind = call.params.read("kind", ORDER_KIND)
    return "none" if kind in UNLISTED_KINDS else None if kind == "any" else kind


def private_cancel_all_by_kind_or_type(call: RpcCall) -> Any:
    """Every currency named (one, a list, or `any`), each its own cancel of the kind and type."""
    currencies = _currencies(call)
    kind = _kind_of(call)
    if kind == "none":
        _not_detailed(call)
        return 0
    return sum(_cancel_many(call, currency=c, kind=kind) for c in currencies)


def _currencies(call: RpcCall) -> list[str | None]:
    given = call.params.get("currency")
    if isinstance(given, str) and given.startswith("[") and call.params.from_query:
        given = call.params.read("currency", CURRENCY_LIST, required=True)
    if isinstance(given, list | tuple):
        if not given or len(given) > len(CURRENCIES):
            raise invalid_param("currency", "invalid currency", f"currency must list 1 to {len(CURRENCIES)} codes")
        return list(dict.fromkeys(Params({"currency": code}).currency(allow_any=False) for code in given))
    return [call.params.currency(required=True)]


def private_cancel_all_by_currency_pair(call: RpcCall) -> Any:
    pair = call.params.read("currency_pair", STRING, required=True).lower()
    kind = _kind_of(call)
    if kind == "none":
        _not_detailed(call)
        return 0
    return _cancel_many(call, price_index=pair, kind=kind)


def private_cancel_all_by_instrument(call: RpcCall) -> Any:
    return _cancel_many(call, instrument_name=_instrument(call).instrument_name)


def private_cancel_by_label(call: RpcCall) -> Any:
    label = _label(call, required=True)
    currency = call.params.currency(allow_any=False)
    return _cancel_many(call, typed=False, detailed=False, label=label, currency=currency)


def private_close_position(call: RpcCall) -> Any:
    """An order that closes the wallet's position in the instrument: the opposite direction, its size, reduce-only;
    `type` limit (at `price`) or market."""
    instrument = _instrument(call)
    order_type = call.params.read("type", CLOSE_TYPE, required=True, reason="invalid order type")
    price = _price(call)
    if order_type == "limit" and price is None:
        raise invalid_param("price", "must be present", "a limit close_position needs a price")
    subaccount_id = source_of(call)
    exchange = call.ctx.exchange
    with exchange.reading():
        size = exchange.valuation.position_state(
            wallet_user(call), instrument.instrument_name, subaccount_id
        ).position.size
    if size == 0:
        raise RpcError(INVALID_AMOUNT, f"no position in {instrument.instrument_name} to close")
    closing = commands.make(
        PlaceDeribitOrder, user_id=wallet_user(call), instrument_name=instrument.instrument_name,
        direction="sell" if size > 0 else "buy", amount=abs(size), price=price, subaccount_id=subaccount_id,
        order_type=order_type, time_in_force=GOOD_TIL_CANCELLED if order_type == "limit" else "immediate_or_cancel",
        reduce_only=True,
    )  # fmt: skip
    return _placed(call, commands.execute(call.ctx, closing))


_TRADE = "trade:read_write"
METHODS: dict[str, Method] = {
    "private/buy": Method(partial(_place, direction="buy"), _TRADE, write=True),
    "private/sell": Method(partial(_place, direction="sell"), _TRADE, write=True),
    "private/edit": Method(private_edit, _TRADE, write=True),
    "private/edit_by_label": Method(private_edit_by_label, _TRADE, write=True),
    "private/cancel": Method(private_cancel, _TRADE, write=True),
    "private/cancel_all": Method(partial(_cancel_many, typed=False), _TRADE, write=True),
    "private/cancel_all_by_currency": Method(private_cancel_all_by_currency, _TRADE, write=True),
    "private/cancel_all_by_instrument": Method(private_cancel_all_by_instrument, _TRADE, write=True),
    "private/cancel_by_label": Method(private_cancel_by_label, _TRADE, write=True),
    "private/cancel_all_by_kind_or_type": Method(private_cancel_all_by_kind_or_type, _TRADE, write=True),
    "private/cancel_all_by_currency_pair": Method(private_cancel_all_by_currency_pair, _TRADE, write=True),
    "private/close_position": Method(private_close_position, _TRADE, write=True),
}
