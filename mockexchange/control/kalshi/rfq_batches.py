"""Kalshi's RFQ batches on the control plane: asked and deleted, quoted by makers, accepted, confirmed and withdrawn,
each a typed command declared once in the core (core/kalshi/rfq_batch_commands.py), so a state file keeps every batch
whether the admin API, `MockServer`, a scenario or the Kalshi venue made it; and their reads (batches, a batch's best
bids, a user's batch quotes on a batch). Records are answered in plain values as communications.py answers the single
RFQs and quotes (a batch with its child RFQs, a batch quote with its quote a child).
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import fields
from mockexchange.control.errors import core_call
from mockexchange.control.kalshi.communications import quote_json, read_filter, read_texts, rfq_json
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rfq_batch_records import BatchQuote, BestBid, BestQuotes, RfqBatch
from mockexchange.core.kalshi.rfq_records import Quote
from mockexchange.core.kalshi.units import contracts, price
from mockexchange.core.values import TEXT

_BATCH = (
    "rfq_batch_id user_id subaccount client_batch_id obscure_creator_id status accepted_side created_ts updated_ts "
    "accepted_ts confirmed_ts closed_ts close_reason executed_rfq_ids failed_rfq_ids"
)
_BATCH_QUOTE = (
    "batch_quote_id rfq_batch_id user_id subaccount rfq_user_id rfq_subaccount rest_remainder post_only status "
    "accepted_side created_ts updated_ts accepted_ts confirmed_ts executed_ts cancelled_ts cancellation_reason won "
    "executed_rfq_ids failed_rfq_ids"
)


def batch_json(ledger: Ledger, batch: RfqBatch) -> dict[str, Any]:
    """A batch with its children (as the RFQ answers are)."""
    rfqs = [rfq_json(rfq) for rfq in ledger.rfq_batches.children(batch)]
    return fields(batch, _BATCH, executed_rfq_ids=list(batch.executed_rfq_ids),
                  failed_rfq_ids=list(batch.failed_rfq_ids), rfqs=rfqs)  # fmt: skip


def batch_quote_json(made: BatchQuote) -> dict[str, Any]:
    return fields(
        made,
        _BATCH_QUOTE,
        won=list(made.won),
        executed_rfq_ids=list(made.executed_rfq_ids),
        failed_rfq_ids=list(made.failed_rfq_ids),
        quotes=[quote_json(quote) for quote in made.quotes],
    )


def quotes_json(quotes: list[Quote]) -> list[dict[str, Any]]:
    """An accept's answer: the child quotes accepted, in the batch's order."""
    return [quote_json(quote) for quote in quotes]


def _bid(best: BestBid | None) -> dict[str, str | None]:
    if best is None:
        return {"bid": None, "contracts": None}
    return {"bid": f"{price(best.bid):f}", "contracts": f"{contracts(best.contracts):f}"}


def best_json(shown: BestQuotes) -> dict[str, Any]:
    children = [{"rfq_id": child.rfq_id, **{f"{side}_{name}": value for side in ("yes", "no")
                                            for name, value in _bid(getattr(child, side)).items()}}
                for child in shown.children]  # fmt: skip
    return fields(shown, "rfq_batch_id status version updated_ts", yes_complete=shown.complete("yes"),
                  no_complete=shown.complete("no"), children=children)  # fmt: skip


def answer_batch(control: Any, batch: RfqBatch) -> dict[str, Any]:
    return batch_json(control.ledger, batch)


def rfq_batches(ledger: Ledger, status: Any, user_id: Any) -> dict[str, Any]:
    status, user_id = read_filter(TEXT, status, "status"), read_filter(TEXT, user_id, "user_id")
    with ledger.reading():
        found = ledger.rfq_batches.batches(status=status, user_id=user_id)
        return {"rfq_batches": [batch_json(ledger, batch) for batch in found]}


def best_quotes(ledger: Ledger, rfq_batch_id: Any) -> dict[str, Any]:
    (rfq_batch_id,) = read_texts(rfq_batch_id=rfq_batch_id)
    with ledger.reading():
        batch = core_call(ledger.rfq_batches.batch, rfq_batch_id)
        return best_json(ledger.rfq_batches.best_quotes(rfq_batch_id, batch.user_id))


def batch_quotes(ledger: Ledger, rfq_batch_id: Any, user_id: Any) -> dict[str, Any]:
    """The batch quotes on the batch the user may read."""
    rfq_batch_id, user_id = read_texts(rfq_batch_id=rfq_batch_id, user_id=user_id)
    with ledger.reading():
        found = core_call(ledger.rfq_batches.batch_quotes, rfq_batch_id, user_id)
        return {"batch_quotes": [batch_quote_json(made) for made in found]}
