"""The ledger's order commands as the core's tests spell them: a user's order by its legacy side and action, count in
hundredths and YES price in ten-thousandths (`submit`), an amend of a resting one (`amend`), each built as the typed
command the ledger's handler takes (core/kalshi/order_commands.py); and what a ledger command refused (`refusal`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.order_commands import NO_EXPIRATION, AmendOrder, PlaceOrder
from mockexchange.core.kalshi.orders import GTC, OrderOutcome
from mockexchange.core.kalshi.trading import KEEP


def placed(
    user_id: str, ticker: str, side: str, action: str, count: int, yes_price: int | None, *,
    time_in_force: str = GTC, self_trade_prevention_type: str = "taker_at_cross", client_order_id: str | None = None,
    **options: Any,
) -> PlaceOrder:  # fmt: skip
    """(An empty client order id is none, as the ledger has always read it.)"""
    return PlaceOrder(
        user_id=user_id, ticker=ticker, side=side, count=count, price=yes_price, time_in_force=time_in_force,
        self_trade_prevention_type=self_trade_prevention_type, client_order_id=client_order_id or None, action=action,
        **options,
    )  # fmt: skip


def submit(ledger: Ledger, *args: Any, **options: Any) -> OrderOutcome:
    return ledger.trading.submit_order(placed(*args, **options))


def amend(
    ledger: Ledger, order_id: str, user_id: str, subaccount: int, ticker: str, side: str, action: str,
    yes_price: int, count: int, *, expiration_time: datetime | None | object = KEEP,
    exchange_index: int | None = None, **options: Any,
) -> OrderOutcome:  # fmt: skip
    """`expiration_time` KEEP: as it is; None: none."""
    expiration = None if expiration_time is KEEP else NO_EXPIRATION if expiration_time is None else expiration_time
    command = AmendOrder(
        user_id=user_id, order_id=order_id, ticker=ticker, side=side, price=yes_price, count=count,
        subaccount=subaccount, expiration_time=expiration, action=action, **options,
    )  # fmt: skip
    return ledger.trading.amend_order(command, exchange_index)


def refusal(call: Callable[..., Any], *args: Any, **terms: Any) -> tuple[int, str | None, str]:
    """The refusal `call` raises: its status, its Kalshi code (None: the venue's for the status) and its words."""
    with pytest.raises(LedgerError) as refused:
        call(*args, **terms)
    return refused.value.status, getattr(refused.value, "code", None), str(refused.value)
