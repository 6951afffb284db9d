"""Kalshi's `RFQBatch`, `RFQBatchBestQuotes` and `RFQBatchQuote` as a caller sees them, from the core's records
(core/kalshi/rfq_batch_records.py); a batch's children and a batch quote's quotes are rfq_render.py's `RFQ` and
`Quote` rows.

Who sees what (docs/known-differences.md): every user reads every batch (batches are broadcast to all makers), but only
its creator the private fields (`creator_user_id`, `creator_subaccount`, `client_batch_id`, `updated_ts`), and a batch
of `obscure_creator_id` shows the shared placeholder for its creator's id to everyone else until a child executes. A
batch quote is its maker's, and once the batch is accepted a winner's is its creator's too (the core's read decides);
each side sees its own private fields.
"""

from __future__ import annotations

from datetime import datetime

from mockexchange.core.kalshi.communications import Communications
from mockexchange.core.kalshi.rfq_batch_records import BatchQuote, BestQuotes, RfqBatch
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID
from mockexchange.venues.kalshi.render import Row, count_texts, price_texts, rfc3339
from mockexchange.venues.kalshi.rfq_render import quote_row, rfq_row


def batch_creator_id(comms: Communications, batch: RfqBatch, viewer: str) -> str:
    """The batch creator's communications id as `viewer` sees it: obscured (if asked) to all but the creator until a
    child executes."""
    if batch.obscure_creator_id and viewer != batch.user_id and not batch.executed_rfq_ids:
        return OBSCURED_ID
    return comms.communications_id_of(batch.user_id)


def _times(row: Row, **times: datetime | None) -> None:
    for name, when in times.items():
        if when is not None:
            row[name] = rfc3339(when)


def batch_row(comms: Communications, batch: RfqBatch, viewer: str) -> Row:
    """Kalshi's `RFQBatch` as `viewer` sees it, its children in request order."""
    own = viewer == batch.user_id
    kept = comms.kept.rfqs
    children = [kept[rfq_id] for rfq_id in batch.rfq_ids]
    row: Row = {
        "id": batch.rfq_batch_id,
        "creator_id": batch_creator_id(comms, batch, viewer),
        "status": batch.status,
        "created_ts": rfc3339(batch.created_ts),
        "rfqs": [rfq_row(rfq, viewer, comms.rfq_creator_id(rfq, viewer)) for rfq in children],
    }
    _times(row, accepted_ts=batch.accepted_ts, closed_ts=batch.closed_ts)
    if batch.close_reason:
        row["close_reason"] = batch.close_reason
    if own:
        row["updated_ts"] = rfc3339(batch.updated_ts)
        if batch.client_batch_id:
            row["client_batch_id"] = batch.client_batch_id
        row["creator_user_id"] = batch.user_id
        row["creator_subaccount"] = batch.subaccount
    return row


def best_row(comms: Communications, shown: BestQuotes) -> Row:
    """Kalshi's `RFQBatchBestQuotes`: a child's side without a bid is left out."""
    kept = comms.kept.rfqs
    children = []
    for child in shown.children:
        entry: Row = {"rfq_id": child.rfq_id, "market_ticker": kept[child.rfq_id].market_ticker}
        for side, best in (("yes", child.yes), ("no", child.no)):
            if best is not None:
                entry[f"{side}_bid_dollars"] = price_texts[best.bid]
                entry[f"{side}_contracts_offered_fp"] = count_texts[best.contracts]
        children.append(entry)
    row: Row = {"rfq_batch_id": shown.rfq_batch_id, "status": shown.status, "version": shown.version,
                "yes_complete": shown.complete("yes"), "no_complete": shown.complete("no"),
                "rfqs": children}  # fmt: skip
    _times(row, updated_ts=shown.updated_ts)
    return row


def batch_quote_row(comms: Communications, batch: RfqBatch, made: BatchQuote, viewer: str) -> Row:
    """Kalshi's `RFQBatchQuote` as `viewer` (its maker, or the batch's creator once accepted) sees it."""
    maker, requester = viewer == made.user_id, viewer == made.rfq_user_id
    creator_id, rfq_creator_id = comms.communications_id_of(made.user_id), batch_creator_id(comms, batch, viewer)
    kept = comms.kept.rfqs
    row: Row = {
        "id": made.batch_quote_id,
        "rfq_batch_id": made.rfq_batch_id,
        "creator_id": creator_id,
        "rfq_creator_id": rfq_creator_id,
        "status": made.status,
        "created_ts": rfc3339(made.created_ts),
        "updated_ts": rfc3339(made.updated_ts),
        "quotes": [
            quote_row(quote, kept[quote.rfq_id], viewer, creator_id, rfq_creator_id) for quote in made.won_quotes()
        ],  # fmt: skip
    }
    if made.accepted_side is not None:
        row["accepted_side"] = made.accepted_side
    _times(row, accepted_ts=made.accepted_ts, confirmed_ts=made.confirmed_ts)
    if maker:
        row.update(rest_remainder=made.rest_remainder, post_only=made.post_only, creator_user_id=made.user_id,
                   creator_subaccount=made.subaccount)  # fmt: skip
    if requester:
        row.update(rfq_creator_user_id=made.rfq_user_id, rfq_creator_subaccount=made.rfq_subaccount)
    return row
