"""The `msg` of Kalshi's `communications` messages for single RFQs and quotes (`rfq_created`, `rfq_deleted`,
`quote_created`, `quote_accepted`, `quote_executed`), in the AsyncAPI's field names, order and decimal places (the
3.34 shapes in every profile, as the order channels'): prices as 4-place dollar strings, counts as 2-place `_fp`
strings, a target cost in dollars (4 places, 6 where it has them), times as the order channels write them.

Each party sees its own: the ids as the ledger's communications part shows them to the reader (an obscured RFQ
creator's is the shared placeholder), a quote's `subaccount` the reader's own side's, shown only when that side used
one; `quote_executed` carries the reader's own order.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.kalshi.rfq_records import Quote, Rfq
from mockexchange.core.kalshi.units import dollars as micro_dollars
from mockexchange.venues.kalshi.market_messages import count_fp, dollars
from mockexchange.venues.kalshi.orders_render import ws_time
from mockexchange.venues.kalshi.render import dollars4, dollars6
from mockexchange.venues.kalshi.rfq_render import combo_fields

Row = dict[str, Any]

RFQ_CREATED, RFQ_DELETED = "rfq_created", "rfq_deleted"
QUOTE_CREATED, QUOTE_ACCEPTED, QUOTE_EXECUTED = "quote_created", "quote_accepted", "quote_executed"
# micro-dollars in a hundredth of a cent: a target cost with no finer part shows 4 places
_FOUR_PLACES = 100


def target_cost_dollars(units: int) -> str:
    """A target cost (micro-dollars) as Kalshi's dollar string: 4 places ("100.0000"), 6 when it has them."""
    value = micro_dollars(units)
    return dollars4(value) if units % _FOUR_PLACES == 0 else dollars6(value)


def rfq_message(rfq: Rfq, creator_id: str, kind: str) -> Row:
    """`rfq_created` or `rfq_deleted` (`kind`): the RFQ, its creator shown as `creator_id`."""
    msg: Row = {"id": rfq.rfq_id, "creator_id": creator_id, "market_ticker": rfq.market_ticker}
    if rfq.event_ticker:
        msg["event_ticker"] = rfq.event_ticker
    if rfq.contracts is not None:
        msg["contracts_fp"] = count_fp(rfq.contracts)
    if rfq.target_cost is not None:
        msg["target_cost_dollars"] = target_cost_dollars(rfq.target_cost)
    if kind == RFQ_CREATED:
        msg["created_ts"] = ws_time(rfq.created_ts)
        return combo_fields(msg, rfq)
    msg["deleted_ts"] = ws_time(rfq.cancelled_ts or rfq.updated_ts)
    return msg


def quote_message(kind: str, quote: Quote, rfq: Rfq | None, ids: tuple[str, str], maker: bool) -> Row:
    """`quote_created`, `quote_accepted` or `quote_executed` (`kind`) as one party reads it (`maker`: the quote's
    creator; otherwise the RFQ's); `ids`: the maker's and the RFQ creator's communications ids as that party sees
    them; `rfq`: the quote's RFQ (None: gone, a reset since)."""
    msg: Row = {
        "quote_id": quote.quote_id,
        "rfq_id": quote.rfq_id,
        "quote_creator_id": ids[0],
        "rfq_creator_id": ids[1],
    }
    subaccount = quote.subaccount if maker else quote.rfq_subaccount
    if kind == QUOTE_EXECUTED:
        if maker:
            msg["order_id"], msg["client_order_id"] = quote.creator_order_id, quote.creator_client_order_id
        else:
            msg["order_id"], msg["client_order_id"] = quote.rfq_creator_order_id, quote.rfq_creator_client_order_id
        msg["market_ticker"] = quote.market_ticker
        msg["executed_ts"] = ws_time(quote.executed_ts or quote.updated_ts)
        if subaccount:
            msg["subaccount"] = subaccount
        if quote.rfq_batch_id is not None:
            msg["rfq_batch_id"] = quote.rfq_batch_id
        return msg
    msg["market_ticker"] = quote.market_ticker
    if rfq is not None and rfq.event_ticker:
        msg["event_ticker"] = rfq.event_ticker
    msg["yes_bid_dollars"], msg["no_bid_dollars"] = dollars(quote.yes_bid), dollars(quote.no_bid)
    if kind == QUOTE_ACCEPTED and quote.accepted_side is not None:
        msg["accepted_side"] = quote.accepted_side
        msg["contracts_accepted_fp"] = count_fp(quote.contracts_on(quote.accepted_side))
    msg["yes_contracts_offered_fp"] = count_fp(quote.yes_contracts)
    msg["no_contracts_offered_fp"] = count_fp(quote.no_contracts)
    if rfq is not None and rfq.target_cost is not None:
        msg["rfq_target_cost_dollars"] = target_cost_dollars(rfq.target_cost)
    if kind == QUOTE_CREATED:
        msg["created_ts"] = ws_time(quote.created_ts)
    if subaccount:
        msg["subaccount"] = subaccount
    return msg
