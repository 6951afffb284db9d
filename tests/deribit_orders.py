"""The core's Deribit order handlers called as tests call them: an order's terms as arguments, made into the command
the venue and the control plane build (core/deribit/order_commands.py). An order of unchecked funds is seeded
(`SeedDeribitOrder`) where a seeded order may have its terms, else placed as a client's (`PlaceDeribitOrder`, its funds
checked); a value the command's kind refuses is the book's refusal of the param it names (Deribit's `type` for
`order_type`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.core.deribit import order_entry
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.order_commands import EditDeribitOrder, PlaceDeribitOrder, SeedDeribitOrder
from mockexchange.core.deribit.orders import ORDER_TYPES, TIMES_IN_FORCE, DerivativeOrder
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.values import Refused

Placed = tuple[DerivativeOrder, list[DeribitTrade]]
PARAMS = {"order_type": "type"}  # Deribit's param of a field, where its name differs


def _refused(exc: Refused) -> ExchangeError:
    field = str(exc).split(" ", 1)[0]
    return ExchangeError(str(exc), param=PARAMS.get(field, field))


def _seedable(terms: dict[str, Any]) -> bool:
    return (
        "reject_post_only" not in terms
        and terms.get("order_type", "limit") in ORDER_TYPES
        and terms.get("time_in_force", "good_til_cancelled") in TIMES_IN_FORCE
    )


def submit_order(
    exchange: DeribitExchange,
    user_id: Any,
    instrument_name: Any,
    direction: Any,
    amount: Any,
    price: Any,
    *,
    check_funds: bool = False,
    **terms: Any,
) -> Placed:
    cls = SeedDeribitOrder if not check_funds and _seedable(terms) else PlaceDeribitOrder
    try:
        order = cls(user_id, instrument_name, direction, amount, price, **terms)
    except Refused as exc:
        raise _refused(exc) from None
    return order_entry.submit_order(exchange, order)


def edit_order(
    exchange: DeribitExchange, order_id: str, amount: Decimal, price: Decimal | None, **terms: Any
) -> Placed:
    try:
        edit = EditDeribitOrder(order_id, amount, price, **terms)
    except Refused as exc:
        raise _refused(exc) from None
    return order_entry.edit_order(exchange, edit)
