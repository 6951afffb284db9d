"""Kalshi's RFQs and quotes on the control plane: asked and deleted, quoted, accepted, confirmed and withdrawn, each a
typed command declared once in the core (core/kalshi/rfq_commands.py), so a state file keeps every RFQ and quote
whether the admin API, `MockServer`, a scenario or the Kalshi venue made it; and their reads. The core's records
(core/kalshi/rfq_records.py) are answered in plain values: counts and dollars as Kalshi's decimal text, times in ISO
8601, the parties by their user ids. A refusal is the ledger's (its code kept, control/errors.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockexchange.control.answers import fields
from mockexchange.control.errors import ControlError, core_call, refused_values
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rfq_records import Quote, Rfq
from mockexchange.core.kalshi.units import contracts, dollars, price
from mockexchange.core.values import UnixTime

_RFQ = (
    "rfq_id user_id subaccount market_ticker event_ticker target_cost_excludes_fees rest_remainder obscure_creator_id "
    "status cancellation_reason created_ts updated_ts cancelled_ts rfq_batch_id"
)
_QUOTE = (
    "quote_id rfq_id user_id subaccount rfq_user_id rfq_subaccount market_ticker rest_remainder post_only status "
    "accepted_side cancellation_reason created_ts updated_ts accepted_ts confirmed_ts executed_ts cancelled_ts "
    "creator_order_id creator_client_order_id rfq_creator_order_id rfq_creator_client_order_id rfq_batch_id"
)


def _count(units: int | None) -> str | None:
    return None if units is None else f"{contracts(units):f}"


def rfq_json(rfq: Rfq) -> dict[str, Any]:
    cost = None if rfq.target_cost is None else f"{dollars(rfq.target_cost):f}"
    return fields(rfq, _RFQ, contracts=_count(rfq.contracts), target_cost=cost)


def quote_json(quote: Quote) -> dict[str, Any]:
    return fields(
        quote, _QUOTE, yes_bid=f"{price(quote.yes_bid):f}", no_bid=f"{price(quote.no_bid):f}",
        yes_contracts=_count(quote.yes_contracts), no_contracts=_count(quote.no_contracts),
    )  # fmt: skip


_UNIX_TIME = UnixTime()


def _time(value: int | None, name: str) -> datetime | None:
    """A bound of a quotes read, in Unix seconds (as Kalshi's `min_ts` and `max_ts`)."""
    if value is None:
        return None
    with refused_values():
        return _UNIX_TIME.read(value, name)


def rfqs(
    ledger: Ledger,
    status: str | None,
    market_ticker: str | None,
    event_ticker: str | None,
    user_id: str | None,
    subaccount: int | None,
) -> list[dict[str, Any]]:
    with ledger.reading():
        found = ledger.communications.rfqs(
            status=status, market_ticker=market_ticker, event_ticker=event_ticker, user_id=user_id,
            subaccount=subaccount,
        )  # fmt: skip
    return [rfq_json(rfq) for rfq in found]


def quotes(ledger: Ledger, user_id: str, rfq_id: str | None, status: str | None, min_ts: int | None,
           max_ts: int | None) -> list[dict[str, Any]]:  # fmt: skip
    earliest, latest = _time(min_ts, "min_ts"), _time(max_ts, "max_ts")
    with ledger.reading():
        found = ledger.communications.quotes(user_id, rfq_id=rfq_id, status=status, min_ts=earliest, max_ts=latest)
    return [quote_json(quote) for quote in found]


def communications_id(ledger: Ledger, user_id: str) -> dict[str, Any]:
    if not isinstance(user_id, str):
        raise ControlError(f"user_id must be a string, not {type(user_id).__name__}")
    with ledger.reading():
        core_call(ledger.state.account, user_id)
        return {"user_id": user_id, "communications_id": ledger.communications.communications_id_of(user_id)}
