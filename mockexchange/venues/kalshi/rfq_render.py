"""Kalshi's `RFQ` and `Quote` as a caller sees them: every field of the spec's schemas from the core's records
(core/kalshi/rfq_records.py), counts with 2 places, bids with 4, a target cost with 6, times in RFC 3339.

Who sees what (docs/known-differences.md): every user reads every RFQ (RFQs are broadcast to all makers), but only
its creator the private fields (`creator_user_id`, `creator_subaccount`), and an RFQ of `obscure_creator_id` shows
the shared placeholder for its creator's communications id to everyone else. A quote is its maker's and the RFQ
creator's alone; each sees its own side's private fields (user id, subaccount, order id; the maker its `post_only`),
and the maker sees the RFQ creator's id obscured, as the RFQ says, until the quote executes. Which ids a caller sees,
and which quotes, are the ledger's communications part's to say (core/kalshi/communications.py); these only render.

The legacy profile (`rfq_row_legacy`, `quote_row_legacy`) adds to the same rows the integer twins of late 2025 that
kalshi_python_sync 3.2.0's models require: whole `contracts`, `yes_bid` and `no_bid` in cents, a target cost in
centi-cents (`target_cost_centi_cents`, `rfq_target_cost_centi_cents`), each truncated toward zero.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mockexchange.core.kalshi.rfq_records import Quote, Rfq
from mockexchange.core.kalshi.units import contracts, dollars, price
from mockexchange.core.money import to_centi_cents, to_cents, to_whole_contracts
from mockexchange.venues.kalshi.market_render import leg_row
from mockexchange.venues.kalshi.render import Row, count_texts, dollars6, price_texts, rfc3339


def _times(row: Row, **times: datetime | None) -> None:
    """Each time that is set, in RFC 3339 (one not set is left out, as Kalshi's `omitempty`)."""
    for name, when in times.items():
        if when is not None:
            row[name] = rfc3339(when)


def _target_cost(units: int) -> str:
    return dollars6(dollars(units))


def rfq_row(rfq: Rfq, viewer: str, creator_id: str) -> Row:
    """Kalshi's `RFQ` as `viewer` (a user id) sees it, its creator's communications id (or the placeholder) as the
    viewer sees it."""
    own = viewer == rfq.user_id
    row: Row = {
        "id": rfq.rfq_id,
        "creator_id": creator_id,
        "market_ticker": rfq.market_ticker,
        # (sized by a target cost: no count of its own; each quote's sides carry theirs)
        "contracts_fp": count_texts[rfq.contracts or 0],
        "status": rfq.status,
        "created_ts": rfc3339(rfq.created_ts),
        "rest_remainder": rfq.rest_remainder,
    }
    if rfq.target_cost is not None:
        row["target_cost_dollars"] = _target_cost(rfq.target_cost)
        row["target_cost_excludes_fees"] = rfq.target_cost_excludes_fees
    if rfq.cancellation_reason:
        row["cancellation_reason"] = rfq.cancellation_reason
    if own:
        row["creator_user_id"] = rfq.user_id
        row["creator_subaccount"] = rfq.subaccount
    _times(row, cancelled_ts=rfq.cancelled_ts, updated_ts=rfq.updated_ts)
    return combo_fields(row, rfq)


def combo_fields(row: Row, rfq: Rfq) -> Row:
    """An RFQ on a combo market: its `mve_collection_ticker` and `mve_selected_legs` (left out otherwise). A leg's
    settlement value is not shown: an RFQ is open only while its combo trades, before any leg is determined."""
    if rfq.combo is not None:
        row["mve_collection_ticker"] = rfq.combo.collection_ticker
        row["mve_selected_legs"] = [leg_row(leg) for leg in rfq.combo.legs]
    return row


def quote_row(quote: Quote, rfq: Rfq | None, viewer: str, creator_id: str, rfq_creator_id: str) -> Row:
    """Kalshi's `Quote` as `viewer` (its maker or its RFQ's creator) sees it, with the two parties' communications
    ids as the viewer sees them; its RFQ's terms the quote's own copy of them if the RFQ is forgotten (None)."""
    maker, requester = viewer == quote.user_id, viewer == quote.rfq_user_id
    count, target_cost, excludes_fees = (
        (quote.rfq_contracts, quote.rfq_target_cost, quote.rfq_target_cost_excludes_fees) if rfq is None
        else (rfq.contracts, rfq.target_cost, rfq.target_cost_excludes_fees)
    )  # fmt: skip
    if count is None:  # sized by a target cost: the count of the side accepted, once one is
        count = quote.contracts_on(quote.accepted_side) if quote.accepted_side else 0
    row: Row = {
        "id": quote.quote_id,
        "rfq_id": quote.rfq_id,
        "creator_id": creator_id,
        "rfq_creator_id": rfq_creator_id,
        "market_ticker": quote.market_ticker,
        "contracts_fp": count_texts[count],
        "yes_bid_dollars": price_texts[quote.yes_bid],
        "no_bid_dollars": price_texts[quote.no_bid],
        "created_ts": rfc3339(quote.created_ts),
        "updated_ts": rfc3339(quote.updated_ts),
        "status": quote.status,
        "rest_remainder": quote.rest_remainder,
        "yes_contracts_fp": count_texts[quote.yes_contracts],
        "no_contracts_fp": count_texts[quote.no_contracts],
    }
    if quote.accepted_side is not None:
        row["accepted_side"] = quote.accepted_side
    _times(row, accepted_ts=quote.accepted_ts, confirmed_ts=quote.confirmed_ts, executed_ts=quote.executed_ts,
           cancelled_ts=quote.cancelled_ts)  # fmt: skip
    if quote.cancellation_reason:
        row["cancellation_reason"] = quote.cancellation_reason
    if target_cost is not None:
        row["rfq_target_cost_dollars"] = _target_cost(target_cost)
        row["target_cost_excludes_fees"] = excludes_fees
    if maker:
        _private(row, "creator", quote.user_id, quote.subaccount, quote.creator_order_id)
        row["post_only"] = quote.post_only
    if requester:
        _private(row, "rfq_creator", quote.rfq_user_id, quote.rfq_subaccount, quote.rfq_creator_order_id)
    return row


def _private(row: Row, side: str, user_id: str, subaccount: int, order_id: str) -> None:
    """One side's private fields (`creator` the maker's, `rfq_creator` the requester's): shown to that side only."""
    row[f"{side}_user_id"] = user_id
    row[f"{side}_subaccount"] = subaccount
    if order_id:
        row[f"{side}_order_id"] = order_id


# -- the legacy profile: the integer twins beside the same rows ----------------------------------------------------


def rfq_row_legacy(rfq: Rfq, viewer: str, creator_id: str) -> Row:
    row = rfq_row(rfq, viewer, creator_id)
    row["contracts"] = to_whole_contracts(contracts(rfq.contracts or 0))
    if rfq.target_cost is not None:
        row["target_cost_centi_cents"] = to_centi_cents(dollars(rfq.target_cost))
    return row


def quote_row_legacy(quote: Quote, rfq: Rfq | None, viewer: str, creator_id: str, rfq_creator_id: str) -> Row:
    row = quote_row(quote, rfq, viewer, creator_id, rfq_creator_id)
    row["contracts"] = to_whole_contracts(Decimal(row["contracts_fp"]))
    row["yes_bid"], row["no_bid"] = to_cents(price(quote.yes_bid)), to_cents(price(quote.no_bid))
    target_cost = quote.rfq_target_cost if rfq is None else rfq.target_cost
    if target_cost is not None:
        row["rfq_target_cost_centi_cents"] = to_centi_cents(dollars(target_cost))
    return row
