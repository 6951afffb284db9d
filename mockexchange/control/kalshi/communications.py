"""Kalshi's RFQs and quotes on the control plane: asked and deleted, quoted, accepted, confirmed and withdrawn, each a
typed command declared once in the core (core/kalshi/rfq_commands.py), so a state file keeps every RFQ and quote
whether the admin API, `MockServer`, a scenario or the Kalshi venue made it; and their reads. The core's records
(core/kalshi/rfq_records.py) are answered in plain values: counts and dollars as Kalshi's decimal text, times in ISO
8601, the parties by their user ids. A refusal is the ledger's (its code kept, control/errors.py).
"""

from __future__ import annotations

from typing import Any, TypeVar

from mockexchange.control.answers import fields
from mockexchange.control.errors import ControlError, core_call, refused_values
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rfq_commands import SUBACCOUNT
from mockexchange.core.kalshi.rfq_records import Quote, Rfq
from mockexchange.core.kalshi.units import contracts, dollars, price
from mockexchange.core.values import TEXT, Kind, UnixTime

T = TypeVar("T")

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


def read_filter(kind: Kind[T], value: Any, name: str) -> T | None:
    """A read's argument as its kind takes it (None: not given); a mistyped one the admin API's 400, as a command's."""
    if value is None:
        return None
    with refused_values():
        return kind.read(value, name)


def read_texts(**given: Any) -> list[str]:
    """A read's required arguments as text, in order; one that is no text the admin API's 400."""
    with refused_values():
        return [TEXT.read(value, name) for name, value in given.items()]


def rfqs(
    ledger: Ledger, status: Any, market_ticker: Any, event_ticker: Any, user_id: Any, subaccount: Any
) -> dict[str, Any]:
    """The RFQs that match every filter given (a filter of the wrong type refused)."""
    filters = {"status": status, "market_ticker": market_ticker, "event_ticker": event_ticker, "user_id": user_id}
    read = {name: read_filter(TEXT, given, name) for name, given in filters.items()}
    read_subaccount = read_filter(SUBACCOUNT, subaccount, "subaccount")
    with ledger.reading():
        found = ledger.communications.rfqs(**read, subaccount=read_subaccount)
    return {"rfqs": [rfq_json(rfq) for rfq in found]}


def quotes(ledger: Ledger, user_id: Any, rfq_id: Any, status: Any, min_ts: Any, max_ts: Any) -> dict[str, Any]:
    """The quotes the user made or was offered (`min_ts`, `max_ts`: Unix seconds, as Kalshi's)."""
    (user_id,) = read_texts(user_id=user_id)
    rfq_id, status = read_filter(TEXT, rfq_id, "rfq_id"), read_filter(TEXT, status, "status")
    earliest, latest = read_filter(_UNIX_TIME, min_ts, "min_ts"), read_filter(_UNIX_TIME, max_ts, "max_ts")
    with ledger.reading():
        found = ledger.communications.quotes(user_id, rfq_id=rfq_id, status=status, min_ts=earliest, max_ts=latest)
    return {"quotes": [quote_json(quote) for quote in found]}


def communications_id(ledger: Ledger, user_id: str) -> dict[str, Any]:
    if not isinstance(user_id, str):
        raise ControlError(f"user_id must be a string, not {type(user_id).__name__}")
    with ledger.reading():
        core_call(ledger.state.account, user_id)
        return {"user_id": user_id, "communications_id": ledger.communications.communications_id_of(user_id)}
