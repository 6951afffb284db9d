"""A Deribit client's orders on the control plane: placed (they cross the book first, then rest or end), edited and
cancelled (one, or every one a filter names), as the venue's private/buy, sell, edit, cancel* and close_position run
them (venues/deribit/order_writes.py), so a state file keeps every order a client placed. The admin API's seeding,
`deribit_order`, is control/deribit.py's (it matches as well, but its taker's funds are not checked).

Each answers in plain values: the order as it is after (`order_json`) and the trades it made (`trade_json`, its own side
of each); a cancel of several, the orders cancelled. A refusal is the book's `BookError` (its Deribit reason kept).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.deribit import _account_id, _amount, _instrument, order_json, trade_json
from mockexchange.control.errors import ControlError
from mockexchange.control.values import boolean, choice, optional_text, text
from mockexchange.core.deribit import order_entry, orders, triggers
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.bounds import MAX_AMOUNT, MAX_PRICE, MIN_PRICE, SMALLEST, BookError

PLACED_TYPES = (*orders.ORDER_TYPES, "market")


def _optional_price(value: Any, name: str) -> Decimal | None:
    return None if value is None else _amount(value, name, MIN_PRICE, MAX_PRICE)


def _optional_flag(value: Any, name: str) -> bool | None:
    return None if value is None else boolean(value, name)


def _answer(book: DerivativesBook, made: tuple[orders.DerivativeOrder, list[Any]]) -> dict[str, Any]:
    """The order and its trades as placed or edited; then what is due fires (its trades' price, or its own trigger
    already reached)."""
    order, trades = made
    triggers.fire(book)
    return {"order": order_json(order), "trades": [trade_json(trade) for trade in trades]}


class DeribitOrderOperations:
    book: DerivativesBook

    @command()
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
    ) -> dict[str, Any]:
        """A client's order (private/buy, private/sell): it crosses the book (fills at the resting prices, the
        taker's available funds checked), then rests or ends; a stop or take order rests untriggered."""
        user_id, instrument_name = text(user_id, "user_id"), _instrument(instrument_name)
        direction = choice(direction, "direction", ("buy", "sell"))
        size = _amount(amount, "amount", SMALLEST, MAX_AMOUNT)
        named = (("post_only", post_only), ("reject_post_only", reject_post_only), ("reduce_only", reduce_only))
        flags = {name: boolean(value, name) for name, value in named}
        try:
            return _answer(self.book, order_entry.submit_order(
                self.book, user_id, instrument_name, direction, size, _optional_price(price, "price"),
                subaccount_id=_account_id(subaccount_id, "subaccount_id"),
                order_type=choice(order_type, "order_type", PLACED_TYPES),
                time_in_force=choice(time_in_force, "time_in_force", orders.ALL_TIMES_IN_FORCE),
                label="" if label == "" else text(label, "label", most=orders.MAX_LABEL),
                max_show=None if max_show is None else _amount(max_show, "max_show", Decimal(0), MAX_AMOUNT),
                trigger=None if trigger is None else choice(trigger, "trigger", orders.TRIGGERS),
                trigger_price=_optional_price(trigger_price, "trigger_price"), check_funds=True, **flags,
            ))  # fmt: skip
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from exc

    @command()
    def deribit_edit_order(
        self,
        order_id: str,
        amount: str | int,
        price: str | int | None = None,
        post_only: bool | None = None,
        reject_post_only: bool | None = None,
        reduce_only: bool | None = None,
        trigger_price: str | int | None = None,
    ) -> dict[str, Any]:
        """Change an open order's amount and price (private/edit): made smaller at its price it keeps its place,
        otherwise it enters the book again (and may take what crosses)."""
        order_id = text(order_id, "order_id", most=orders.MAX_ORDER_ID)
        try:
            return _answer(self.book, order_entry.edit_order(
                self.book, order_id, _amount(amount, "amount", SMALLEST, MAX_AMOUNT), _optional_price(price, "price"),
                post_only=_optional_flag(post_only, "post_only"),
                reject_post_only=_optional_flag(reject_post_only, "reject_post_only"),
                reduce_only=_optional_flag(reduce_only, "reduce_only"),
                trigger_price=_optional_price(trigger_price, "trigger_price"), check_funds=True,
            ))  # fmt: skip
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from exc

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
        try:
            wallet = self.book.wallet(user_id, _account_id(subaccount_id, "subaccount_id"))
            cancelled = order_entry.cancel_orders(
                self.book, wallet.id, currency=optional_text(currency, "currency"),
                kind=None if kind is None else choice(kind, "kind", ("future", "option")),
                instrument_name=None if instrument_name is None else _instrument(instrument_name),
                label=None if label is None else text(label, "label", most=orders.MAX_LABEL), types=types,
            )  # fmt: skip
        except BookError as exc:
            raise ControlError(str(exc), exc.status) from exc
        return [order_json(order) for order in cancelled]
