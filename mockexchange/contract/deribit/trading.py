"""The trading methods of `contract check-deribit`: the reads (the order history, an order's trades, the margin an
order would hold and holds, the orders by label, the trigger orders' log, cancel on disconnect's setting, market maker
protection's configurations and status) run with the other reads; the writes (orders placed, edited, cancelled, a
position closed, cancel on disconnect set on the check's connection and off again, an MMP group `kit-check`
configured, a mass quote of it, its quotes cancelled, its protection reset and its configuration removed) place
orders, so they run only with `--order-writes`, in an order where each call uses what the one before made. A mass
quote needs cancel on disconnect on its connection: over the websocket it is placed between the enable and the
disable; over HTTP, which has no connection, its refusal is what is checked.

The orders the writes place rest far from the market, so that on a real server nothing trades: a buy at the ticker's
lowest allowed price (`min_price`), a sell at its highest (`max_price`), each of the instrument's smallest amount,
labelled `kit-check`; every order they place is cancelled before they end. private/buy also places one order of each
other kind (labelled `kit-check-kinds`): a trailing stop whose offset is the highest price, a market_limit of the
smallest amount, fill_or_kill and reduce_only (it trades only where it reduces a position), and an OTOCO order (a buy
at the lowest price, its two sells waiting). `private/close_position` does trade (at the market, what the book holds):
it is sent only when the account holds a position on the instrument.
"""

from __future__ import annotations

import argparse
from typing import Any

from mockexchange.contract.deribit.writes import (
    NOT_A_CURRENCY,
    NOT_AN_INSTRUMENT,
    Call,
    Cases,
    Judge,
    Params,
    run_writes,
)

LABEL = "kit-check"
KINDS_LABEL = "kit-check-kinds"  # the other kinds private/buy places (edit_by_label edits the one order of LABEL)
WRITES = (
    "private/buy", "private/edit", "private/edit_by_label", "private/sell", "private/cancel", "private/cancel_by_label",
    "private/cancel_all_by_instrument", "private/cancel_all_by_currency", "private/cancel_all",
    "private/close_position", "private/cancel_all_by_kind_or_type", "private/cancel_all_by_currency_pair",
    "private/enable_cancel_on_disconnect", "private/set_mmp_config", "private/mass_quote", "private/cancel_quotes",
    "private/reset_mmp", "private/disable_cancel_on_disconnect",
)  # fmt: skip
FLAG = "--order-writes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        FLAG, action="store_true",
        help="also check the order writes (buy, sell, edit, edit_by_label, the cancels, close_position): they place "
        f"orders labelled {LABEL} far from the market and cancel them; the cancel_all* calls cancel every open order "
        "of the account (on the instrument, in the currency); close_position closes the position on the instrument "
        "at the market, if there is one",
    )  # fmt: skip


def _result(reply: Any) -> Any:
    return reply.get("result") if isinstance(reply, dict) else None


def order_context(call: Call, ctx: dict[str, Any]) -> dict[str, Any]:
    """What the trading calls need of the instrument: its smallest amount, its price band, its mark, and the size of
    the account's position on it."""
    instrument = ctx["instrument"]
    if instrument is None:
        return {"smallest": None}
    row = ctx["instrument_row"]
    ticker = _result(call("public/ticker", {"instrument_name": instrument}))
    ticker = ticker if isinstance(ticker, dict) else {}
    position = _result(call("private/get_position", {"instrument_name": instrument}))
    return {
        "smallest": row.get("min_trade_amount"), "min_price": ticker.get("min_price"),
        "max_price": ticker.get("max_price"), "mark": ticker.get("mark_price"),
        "position": position.get("size") if isinstance(position, dict) else None,
    }  # fmt: skip


def read_cases(method: str, ctx: dict[str, Any]) -> list[tuple[str, Params | None]] | None:
    """(kind, params) of each call of a trading read; None for a method that is none."""
    currency, instrument, order_id = ctx["currency"], ctx["instrument"], ctx["order_id"]
    by_instrument = {"instrument_name": instrument} if instrument else None
    priced = ctx.get("smallest") is not None and ctx.get("mark") is not None
    table: dict[str, list[tuple[str, Params | None]]] = {
        "private/get_order_history_by_currency": [
            ("valid", {"currency": currency}), ("valid", {"currency": currency, "include_unfilled": True}),
            ("invalid", {"currency": NOT_A_CURRENCY}),
        ],
        "private/get_order_history_by_instrument": [
            ("valid", by_instrument), ("invalid", {"instrument_name": NOT_AN_INSTRUMENT}),
        ],
        "private/get_user_trades_by_order": [
            ("valid", {"order_id": order_id} if order_id else None), ("invalid", {"order_id": 42}),
        ],
        "private/get_margins": [
            ("valid", {**by_instrument, "amount": ctx["smallest"], "price": ctx["mark"]} if priced and by_instrument
             else None),
            ("invalid", {"instrument_name": instrument or NOT_AN_INSTRUMENT, "amount": "lots", "price": 1}),
        ],
        "private/get_order_margin_by_ids": [
            ("valid", {"ids": [order_id]} if order_id else None), ("invalid", {"ids": "not-a-list"}),
        ],
        "private/get_open_orders_by_label": [
            ("valid", {"currency": currency, "label": LABEL}), ("invalid", {"currency": NOT_A_CURRENCY}),
        ],
        "private/get_order_state_by_label": [
            ("valid", {"currency": currency, "label": LABEL}), ("invalid", {"currency": NOT_A_CURRENCY}),
        ],
        "private/get_trigger_order_history": [
            ("valid", {"currency": currency}), ("invalid", {"currency": currency, "count": 0}),
        ],
        "private/get_cancel_on_disconnect": [("valid", {}), ("invalid", {"scope": "forever"})],
        "private/get_mmp_config": [("valid", {}), ("invalid", {"index_name": 42})],
        "private/get_mmp_status": [("valid", {}), ("invalid", {"index_name": 42})],
    }  # fmt: skip
    return table.get(method)


def exercise_writes(
    transport: str, call: Call, asked: list[str], ctx: dict[str, Any], verdicts: dict[str, Any], judge: Judge
) -> None:
    """Each asked write, valid then invalid, in the order that feeds one call's result to the next; then whatever
    the check placed is cancelled by its label."""
    placed = {**ctx, "transport": transport}
    made = run_writes(
        [m for m in WRITES if m in asked], bool(ctx.get("order_writes")),
        f"not run: it places orders (check it with {FLAG})",
        lambda method, made: _write_cases(method, placed, made), transport, call, verdicts, judge,
    )  # fmt: skip
    if any(isinstance(made.get(m), dict) for m in ("private/buy", "private/sell")):
        for label in (LABEL, KINDS_LABEL):
            call("private/cancel_by_label", {"label": label})  # nothing the check placed stays
    if isinstance(made.get("private/set_mmp_config"), list):  # the group's configuration removed
        call("private/set_mmp_config", {**_mmp_config(placed), "interval": 0})


def _mmp_config(ctx: dict[str, Any]) -> Params:
    """The check's MMP group on the instrument's index: a coin a side at most (its quotes are the instrument's
    smallest amount; the group reserves 3% of it as margin), frozen until a reset."""
    index = ctx["instrument_row"].get("price_index")
    return {"index_name": index, "mmp_group": LABEL, "interval": 1, "frozen_time": 0, "quantity_limit": 1,
            "max_quote_quantity": 1}  # fmt: skip


def _mmp_cases(method: str, ctx: dict[str, Any]) -> Cases | None:
    """(kind, params, why none) of the market maker writes; None for another method."""
    instrument, amount, low, high = ctx["instrument"], ctx.get("smallest"), ctx.get("min_price"), ctx.get("max_price")
    indexed = ctx["instrument_row"].get("price_index") is not None
    unknown = "no instrument with an index, a smallest amount and a price band known"
    config = _mmp_config(ctx) if indexed else None
    quote = {"instrument_name": instrument, "quote_set_id": LABEL, "bid": {"price": low, "amount": amount},
             "ask": {"price": high, "amount": amount}}  # fmt: skip
    quoting = {"quote_id": LABEL, "mmp_group": LABEL, "quotes": [quote], "detailed": True}
    known = indexed and None not in (instrument, amount, low, high)
    # Over HTTP no connection can cancel on disconnect: the mass quote's refusal is what is checked.
    quoted: Cases = (
        [("valid", quoting if known else None, unknown), ("invalid", {**quoting, "quotes": "none"}, "")]
        if ctx.get("transport") == "ws" else [("invalid", quoting, "")]
    )  # fmt: skip
    table: dict[str, Cases] = {
        "private/set_mmp_config": [
            ("valid", config, unknown), ("invalid", {**(config or {}), "index_name": "btc_usd", "interval": 4000}, ""),
        ],
        "private/mass_quote": quoted,
        "private/cancel_quotes": [
            ("valid", {"cancel_type": "quote_set_id", "quote_set_id": LABEL}, ""), ("invalid", {"cancel_type": 7}, ""),
        ],
        "private/reset_mmp": [
            ("valid", {"index_name": config["index_name"], "mmp_group": LABEL} if config else None, unknown),
            ("invalid", {"index_name": 42}, ""),
        ],
    }  # fmt: skip
    return table.get(method)


def _order_id(made: dict[str, Any], method: str) -> Any:
    result = made.get(method)
    order = result.get("order") if isinstance(result, dict) else None
    return order.get("order_id") if isinstance(order, dict) else None


def _kinds(order: Params, low: Any, high: Any, mark: Any, unknown: str) -> Cases:
    """private/buy's other kinds, placed before its limit order (whose id the edits and cancels take): a trailing
    stop whose offset is the highest price (it follows the mark that far above: it never fires), a market_limit of the
    smallest amount that is fill_or_kill and reduce_only (it trades only where it reduces a position), and an OTOCO
    order (a buy at the lowest price, its take and stop sells waiting for it, cancelled with it)."""
    if order["amount"] is None or order["instrument_name"] is None or not low or not high or mark is None:
        return [("valid", None, unknown)] * 3
    base = {"instrument_name": order["instrument_name"], "amount": order["amount"], "label": KINDS_LABEL}
    legs = [
        {"amount": order["amount"], "direction": "sell", "type": "take_limit", "price": high, "trigger": "mark_price",
         "trigger_price": high, "label": KINDS_LABEL},
        {"amount": order["amount"], "direction": "sell", "type": "stop_market", "trigger": "mark_price",
         "trigger_price": low, "label": KINDS_LABEL},
    ]  # fmt: skip
    return [
        ("valid", {**base, "type": "trailing_stop", "trigger": "mark_price", "trigger_offset": high}, ""),
        ("valid", {**base, "type": "market_limit", "time_in_force": "fill_or_kill", "reduce_only": True}, ""),
        ("valid", {**base, "type": "limit", "price": low, "post_only": True,
                   "linked_order_type": "one_triggers_one_cancels_other", "otoco_config": legs}, ""),
    ]  # fmt: skip


def _write_cases(method: str, ctx: dict[str, Any], made: dict[str, Any]) -> Cases:
    """(kind, params, why none) of each call of a write, from what the earlier writes made."""
    market_maker = _mmp_cases(method, ctx)
    if market_maker is not None:
        return market_maker
    currency, instrument, amount = ctx["currency"], ctx["instrument"], ctx.get("smallest")
    known = instrument is not None and amount is not None
    unknown = "no instrument with a smallest amount and a price band known (public/get_instruments, public/ticker)"
    low, high = ctx.get("min_price"), ctx.get("max_price")
    order = {"instrument_name": instrument, "amount": amount, "type": "limit", "label": LABEL}
    bought = _order_id(made, "private/buy")
    no_order = "no order of its own to change (private/buy placed none)"
    refused = {"instrument_name": NOT_AN_INSTRUMENT, "amount": amount or 1, "type": "limit", "price": 1}
    position = ctx.get("position")
    doubled = None if amount is None else amount * 2  # an edit's new amount
    index = ctx["instrument_row"].get("price_index")
    table: dict[str, Cases] = {
        "private/buy": [
            *_kinds(order, low, high, ctx.get("mark"), unknown),
            ("valid", {**order, "price": low, "post_only": True} if known and low else None, unknown),
            ("invalid", refused, ""),
        ],
        "private/edit": [
            ("valid", {"order_id": bought, "amount": doubled, "price": low} if bought and known else None, no_order),
            ("invalid", {"order_id": bought or "none", "amount": "lots", "price": low or 1}, ""),
        ],
        "private/edit_by_label": [
            ("valid", {"label": LABEL, "instrument_name": instrument, "amount": amount, "price": low}
             if bought and known else None, no_order),
            ("invalid", {"label": LABEL, "instrument_name": instrument or NOT_AN_INSTRUMENT, "amount": -1, "price": 1},
             ""),
        ],
        "private/sell": [
            ("valid", {**order, "price": high, "post_only": True} if known and high else None, unknown),
            ("invalid", {**refused, "time_in_force": "forever"}, ""),
        ],
        "private/cancel": [
            ("valid", {"order_id": bought} if bought else None, no_order), ("invalid", {"order_id": 42}, ""),
        ],
        "private/cancel_by_label": [("valid", {"label": LABEL}, ""), ("invalid", {"label": 42}, "")],
        "private/cancel_all_by_instrument": [
            ("valid", {"instrument_name": instrument} if instrument else None, unknown),
            ("invalid", {"instrument_name": NOT_AN_INSTRUMENT}, ""),
        ],
        "private/cancel_all_by_currency": [
            ("valid", {"currency": currency}, ""), ("invalid", {"currency": NOT_A_CURRENCY}, ""),
        ],
        "private/cancel_all": [("valid", {}, ""), ("invalid", {"detailed": "yes"}, "")],
        "private/cancel_all_by_kind_or_type": [
            ("valid", {"currency": [currency]}, ""), ("invalid", {"currency": NOT_A_CURRENCY}, ""),
        ],
        "private/cancel_all_by_currency_pair": [
            ("valid", {"currency_pair": index} if index else None, unknown), ("invalid", {"currency_pair": 42}, ""),
        ],
        "private/enable_cancel_on_disconnect": [("valid", {}, ""), ("invalid", {"scope": "forever"}, "")],
        "private/disable_cancel_on_disconnect": [("valid", {}, ""), ("invalid", {"scope": "forever"}, "")],
        "private/close_position": [
            ("valid", {"instrument_name": instrument, "type": "market"} if position else None,
             "no position on the instrument to close"),
            ("invalid", {"instrument_name": instrument or NOT_AN_INSTRUMENT, "type": "whenever"}, ""),
        ],
    }  # fmt: skip
    return table[method]
