"""Deribit orders on the control plane: seeded (`deribit_order`, the admin API's: it matches as well, but its taker's
funds are not checked) and a client's, placed (they cross the book first, then rest or end), edited and cancelled
(one, or every one a filter names), as the venue's private/buy, sell, edit, cancel* and close_position run them
(venues/deribit/order_writes.py), so a state file keeps every order a client placed. Both kinds of placing check their
terms the same way (`_terms`); after each, what is due fires (core/deribit/triggers.py).

Each answers in plain values: the order as it is after (`order_json`) and the trades it made (`trade_json`, its own side
of each); a cancel of several, the orders cancelled. A refusal is the book's `BookError` (its Deribit reason kept) as a
`ControlError`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.deribit import _account_id, _amount, _instrument, order_json, trade_json
from mockexchange.control.errors import ControlError, book_call
from mockexchange.control.values import boolean, choice, optional_text, text
from mockexchange.core.deribit import order_entry, orders, triggers
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.bounds import MAX_AMOUNT, MAX_PRICE, MIN_PRICE, SMALLEST
from mockexchange.core.deribit.records import Trade

PLACED_TYPES = (*orders.ORDER_TYPES, "market")


def _optional_price(value: Any, name: str) -> Decimal | None:
    return None if value is None else _amount(value, name, MIN_PRICE, MAX_PRICE)


def _optional_flag(value: Any, name: str) -> bool | None:
    return None if value is None else boolean(value, name)


Placed = tuple[orders.DerivativeOrder, list[Trade]]  # an order as placed or edited, and its trades (its side of each)


def _answer(book: DerivativesBook, made: Placed) -> Placed:
    """The order and its trades as placed or edited, once what is due has fired (its trades' price, or its own trigger
    already reached): the order as it is then (as it was, if its account no longer keeps it)."""
    order, trades = made
    triggers.fire(book)
    with book.lock:
        now = book.state.orders.orders.get(order.order_id) if book.state.orders is not None else None
    return (now or order), trades


def placed_json(made: Placed) -> dict[str, Any]:
    """What the admin API and the Python API answer of an order placed or edited; a venue renders the objects."""
    order, trades = made
    return {"order": order_json(order), "trades": [trade_json(trade) for trade in trades]}


def _terms(
    user_id: Any,
    instrument_name: Any,
    direction: Any,
    amount: Any,
    price: Any,
    subaccount_id: Any,
    order_type: tuple[Any, tuple[str, ...]],
    time_in_force: tuple[Any, tuple[str, ...]],
    label: Any,
    max_show: Any,
    trigger: Any,
    trigger_price: Any,
    flags: dict[str, Any],
) -> dict[str, Any]:
    """An order's terms checked as plain values (the order types and times in force allowed given with each), as
    `order_entry.submit_order` takes them."""
    return {
        "user_id": text(user_id, "user_id"), "instrument_name": _instrument(instrument_name),
        "direction": choice(direction, "direction", ("buy", "sell")),
        "amount": _amount(amount, "amount", SMALLEST, MAX_AMOUNT), "price": _optional_price(price, "price"),
        "subaccount_id": _account_id(subaccount_id, "subaccount_id"),
        "order_type": choice(order_type[0], "order_type", order_type[1]),
        "time_in_force": choice(time_in_force[0], "time_in_force", time_in_force[1]),
        "label": "" if label == "" else text(label, "label", most=orders.MAX_LABEL),
        "max_show": None if max_show is None else _amount(max_show, "max_show", Decimal(0), MAX_AMOUNT),
        "trigger": None if trigger is None else choice(trigger, "trigger", orders.TRIGGERS),
        "trigger_price": _optional_price(trigger_price, "trigger_price"),
        **{name: boolean(value, name) for name, value in flags.items()},
    }  # fmt: skip


def _submitted(book: DerivativesBook, **terms: Any) -> tuple[orders.DerivativeOrder, list[Any]]:
    return book_call(order_entry.submit_order, book, **terms)


class DeribitOrderOperations:
    book: DerivativesBook

    @command()
    def deribit_order(
        self,
        user_id: str,
        instrument_name: str,
        direction: str,
        amount: str | int,
        price: str | int | None = None,
        subaccount_id: int | None = None,
        order_type: str = "limit",
        time_in_force: str = "good_til_cancelled",
        label: str = "",
        post_only: bool = False,
        reduce_only: bool = False,
        api: bool = True,
        max_show: str | int | None = None,
        trigger: str | None = None,
        trigger_price: str | int | None = None,
        order_id: str | None = None,
    ) -> dict[str, Any]:
        """An order for the user: a limit order at `price`, which trades with what crosses it first (at the resting
        prices; its funds are not checked) and rests what is left, or a stop or take order waiting for its trigger
        (`stop_market` and `take_market` have no price). Served by private/get_open_orders_by_* and
        get_order_state, published on user.orders.*, and its margin counted in open_orders_margin."""
        terms = _terms(
            user_id, instrument_name, direction, amount, price, subaccount_id, (order_type, orders.ORDER_TYPES),
            (time_in_force, orders.TIMES_IN_FORCE), label, max_show, trigger, trigger_price,
            {"post_only": post_only, "reduce_only": reduce_only, "api": api},
        )  # fmt: skip
        order_id = optional_text(order_id, "order_id", most=orders.MAX_ORDER_ID)
        return order_json(_answer(self.book, _submitted(self.book, order_id=order_id, **terms))[0])

    @command(answer=placed_json)
    def deribit_place_order(
        self,
        user_id: str,
        instrument_name: str,
        direction: str,
        amount: str | int,
        price: str | int | None = None,
        subaccount_id: int | None = None,
        order_type: str = "limit",
        time_in_force: str = "good_til_cancelled",
        label: str = "",
        post_only: bool = False,
        reject_post_only: bool = False,
        reduce_only: bool = False,
        max_show: str | int | None = None,
        trigger: str | None = None,
        trigger_price: str | int | None = None,
    ) -> Placed:
        """A client's order (private/buy, private/sell): it crosses the book (fills at the resting prices, the
        taker's available funds checked), then rests or ends; a stop or take order rests untriggered."""
        terms = _terms(
            user_id, instrument_name, direction, amount, price, subaccount_id, (order_type, PLACED_TYPES),
            (time_in_force, orders.ALL_TIMES_IN_FORCE), label, max_show, trigger, trigger_price,
            {"post_only": post_only, "reject_post_only": reject_post_only, "reduce_only": reduce_only},
        )  # fmt: skip
        return _answer(self.book, _submitted(self.book, check_funds=True, **terms))

    @command()
    def deribit_cancel_order(self, order_id: str) -> dict[str, Any]:
        """Cancel an open Deribit order (`cancel_reason` user_request); it stays readable by private/get_order_state."""
        order_id = text(order_id, "order_id", most=orders.MAX_ORDER_ID)
        return order_json(book_call(order_entry.cancel_order, self.book, order_id))

    @command(answer=placed_json)
    def deribit_edit_order(
        self,
        order_id: str,
        amount: str | int,
        price: str | int | None = None,
        post_only: bool | None = None,
        reject_post_only: bool | None = None,
        reduce_only: bool | None = None,
        trigger_price: str | int | None = None,
    ) -> Placed:
        """Change an open order's amount and price (private/edit): made smaller at its price it keeps its place,
        otherwise it enters the book again (and may take what crosses)."""
        order_id = text(order_id, "order_id", most=orders.MAX_ORDER_ID)
        return _answer(self.book, book_call(
            order_entry.edit_order, self.book, order_id, _amount(amount, "amount", SMALLEST, MAX_AMOUNT),
            _optional_price(price, "price"), post_only=_optional_flag(post_only, "post_only"),
            reject_post_only=_optional_flag(reject_post_only, "reject_post_only"),
            reduce_only=_optional_flag(reduce_only, "reduce_only"),
            trigger_price=_optional_price(trigger_price, "trigger_price"), check_funds=True,
        ))  # fmt: skip

    @command()
    def deribit_cancel_orders(
        self,
        user_id: str,
        subaccount_id: int | None = None,
        currency: str | None = None,
        kind: str | None = None,
        instrument_name: str | None = None,
        label: str | None = None,
        order_types: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Cancel the wallet's open orders every filter given names (private/cancel_all*, cancel_by_label); the
        orders cancelled."""
        user_id = text(user_id, "user_id")
        types = None
        if order_types is not None:
            if not isinstance(order_types, list):
                raise ControlError("order_types must be a list of order types")
            types = tuple(choice(item, "order_types", PLACED_TYPES) for item in order_types)
        wallet = book_call(self.book.accounts.wallet, user_id, _account_id(subaccount_id, "subaccount_id"))
        cancelled = book_call(
            order_entry.cancel_orders, self.book, wallet.id, currency=optional_text(currency, "currency"),
            kind=None if kind is None else choice(kind, "kind", ("future", "option")),
            instrument_name=None if instrument_name is None else _instrument(instrument_name),
            label=None if label is None else text(label, "label", most=orders.MAX_LABEL), types=types,
        )  # fmt: skip
        return [order_json(order) for order in cancelled]
