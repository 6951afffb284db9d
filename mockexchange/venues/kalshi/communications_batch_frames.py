"""The frames of Kalshi's `communications` channel for RFQ batches: one change of a batch, a batch quote or a batch's
best bids (core/kalshi/rfq_batch_records.py's `RFQ_BATCH_CHANGE`, `BATCH_QUOTE_CHANGE`, `BEST_QUOTES_CHANGE`) on its
way to the connections that may see it, beside the single RFQs' and quotes' (communications_frames.py), rendered once
per reader's variant, each subscription's `sid` and `seq` spliced in.

Which message a change makes: a batch open, `rfq_batch_created`; closed having executed (or failed at execution),
`rfq_batch_executed`; closed otherwise (deleted, replaced, its market closed, a confirmation missed),
`rfq_batch_deleted`; accepted, none. A batch quote open, `batch_quote_created`; accepted, `batch_quote_accepted`;
executed, partially executed, or failed at its batch's execution, `batch_quote_executed`; confirmed or cancelled,
none. Best bids changed, `rfq_batch_best_quotes` (each change its own snapshot: the mock does not gather them into one
every 250 ms). A child's trade is the single quote's `quote_executed`, with its `rfq_batch_id`.

Who gets it (the AsyncAPI): `rfq_batch_created` and `rfq_batch_deleted` every subscriber (with `user_filter: "self"`
the creator's only); `rfq_batch_best_quotes` and `rfq_batch_executed` the batch's creator only; a batch quote's
messages its maker only. Sharded by `rfq_batch_id`. `legs` are the batch's distinct legs: a combo child's are its
combo's (with its `mve_collection_ticker`), any other child's its own market on its YES side; each child's
`leg_indices` name its legs among them.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.events import Change
from mockexchange.core.kalshi import rfq_batch_records as records
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.multivariate_records import Leg
from mockexchange.core.kalshi.rfq_batch_records import (
    BATCH_QUOTE_CHANGE,
    BEST_QUOTES_CHANGE,
    RFQ_BATCH_CHANGE,
    BatchQuote,
    BestQuotes,
    RfqBatch,
)
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID, Quote, Rfq
from mockexchange.venues.kalshi.communications_frames import COMMUNICATIONS_KEY, MessageFrames
from mockexchange.venues.kalshi.communications_messages import target_cost_dollars
from mockexchange.venues.kalshi.market_messages import count_fp, dollars
from mockexchange.venues.kalshi.market_render import leg_row
from mockexchange.venues.kalshi.orders_render import ws_time
from mockexchange.venues.kalshi.subscriptions import Subscription

BATCH_KINDS = (RFQ_BATCH_CHANGE, BATCH_QUOTE_CHANGE, BEST_QUOTES_CHANGE)
CREATED, DELETED, EXECUTED = "rfq_batch_created", "rfq_batch_deleted", "rfq_batch_executed"
QUOTE_CREATED, QUOTE_ACCEPTED, QUOTE_EXECUTED = "batch_quote_created", "batch_quote_accepted", "batch_quote_executed"
BEST = "rfq_batch_best_quotes"
_HEADS = {kind: b'{"type":"%s","sid":' % kind.encode()
          for kind in (CREATED, DELETED, EXECUTED, QUOTE_CREATED, QUOTE_ACCEPTED, QUOTE_EXECUTED, BEST)}  # fmt: skip
_BROADCAST = (CREATED, DELETED)
_QUOTE_MESSAGES = {
    records.BATCH_QUOTE_OPEN: QUOTE_CREATED, records.BATCH_QUOTE_ACCEPTED: QUOTE_ACCEPTED,
    records.BATCH_QUOTE_EXECUTED: QUOTE_EXECUTED, records.BATCH_QUOTE_PARTIAL: QUOTE_EXECUTED,
}  # fmt: skip
CREATOR, OTHER = 0, 1  # a reader's variant of a broadcast message
Part = tuple[Subscription, int]
Row = dict[str, Any]


def message_type(change: Change) -> str | None:
    """The message a change of a batch, a batch quote or a batch's best bids makes (None: none)."""
    record = change.payload
    if change.kind == BEST_QUOTES_CHANGE:
        return BEST
    if change.kind == RFQ_BATCH_CHANGE:
        if record.status == records.BATCH_OPEN:
            return CREATED
        if record.status != records.BATCH_CLOSED:
            return None
        return EXECUTED if record.executed_rfq_ids or record.failed_rfq_ids else DELETED
    if record.status == records.BATCH_QUOTE_CANCELLED and record.failed_rfq_ids:
        return QUOTE_EXECUTED  # (failed at its batch's execution)
    return _QUOTE_MESSAGES.get(record.status)


def route_key(change: Change) -> Hashable:
    """A batch's creation and deletion go to the channel's every connection; the rest to its one reader's."""
    return COMMUNICATIONS_KEY if message_type(change) in _BROADCAST else change.user_id


class BatchDirectory:
    """The ledger's communications part as the frames read it (on the loop): users' ids, the batches' children."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def communications_id(self, user_id: str) -> str:
        return self._ledger.communications.communications_id_of(user_id)

    def rfq(self, rfq_id: str) -> Rfq | None:
        return self._ledger.state.communications.rfqs.get(rfq_id)

    def batch(self, rfq_batch_id: str) -> RfqBatch | None:
        return self._ledger.state.rfq_batches.batches.get(rfq_batch_id)


class BatchFrames(MessageFrames):
    """One change of a batch, a batch quote or a batch's best bids on its way to the connections that may see it."""

    __slots__ = ()
    heads = _HEADS

    def __init__(self, change: Change, directory: BatchDirectory) -> None:
        super().__init__(
            change, directory, change.payload.rfq_batch_id, message_type(change)
        )  # (its shard: the batch's)

    def _reader(self) -> tuple[str, int | None]:
        record = self.change.payload
        return record.user_id, None if isinstance(record, BestQuotes) else record.subaccount

    def visible_to(self, key: ApiKey) -> bool:
        """A batch's creation and deletion are everyone's; the rest their one reader's (its subaccount's key too)."""
        if self.type in _BROADCAST:
            return True
        user_id, subaccount = self._reader()
        return key.user_id == user_id and key.subaccount in (None, subaccount)

    def parts(self, subs: list[Subscription], key: ApiKey) -> list[Part]:
        """One frame per subscription of its shard that takes it (`user_filter: "self"`: the creator's only)."""
        if self.type is None or not self.visible_to(key):
            return []
        own = self.change.user_id == key.user_id
        return self.of_shard(subs, own, CREATOR if own else OTHER)

    def msg(self, variant: int) -> Row:
        """The message's `msg` as the reader of `variant` sees it."""
        record, kind = self.change.payload, self.type
        if kind in _BROADCAST:
            return self._batch_message(record, variant == CREATOR)
        if kind == EXECUTED:
            creator_id = self._directory.communications_id(record.user_id)
            return _with(_executed(record, creator_id), record.subaccount, record.client_batch_id)
        if kind == BEST:
            return self._best(record)
        return self._batch_quote(record)

    def _creator_id(self, batch: RfqBatch | None, user_id: str, shown: bool) -> str:
        if batch is not None and batch.obscure_creator_id and not shown:
            return OBSCURED_ID
        return self._directory.communications_id(user_id)

    def _batch_message(self, batch: RfqBatch, own: bool) -> Row:
        creator_id = self._creator_id(batch, batch.user_id, own or bool(batch.executed_rfq_ids))
        if self.type == DELETED:
            return {"id": batch.rfq_batch_id, "creator_id": creator_id, "rfq_ids": list(batch.rfq_ids),
                    "deleted_ts": ws_time(batch.closed_ts or batch.updated_ts)}  # fmt: skip
        legs: dict[Leg, int] = {}  # each distinct leg -> its index
        children = []
        for rfq_id in batch.rfq_ids:
            rfq = self._directory.rfq(rfq_id)
            if rfq is None:  # (gone: a reset since)
                continue
            child: Row = {"id": rfq_id, "market_ticker": rfq.market_ticker, "event_ticker": rfq.event_ticker}
            _size(child, rfq, "contracts_fp", "target_cost_dollars")
            if rfq.combo is not None:
                child["mve_collection_ticker"] = rfq.combo.collection_ticker
            child["leg_indices"] = [legs.setdefault(leg, len(legs)) for leg in rfq.legs]
            children.append(child)
        return {"id": batch.rfq_batch_id, "creator_id": creator_id, "created_ts": ws_time(batch.created_ts),
                "legs": [leg_row(leg) for leg in legs], "rfqs": children}  # fmt: skip

    def _best(self, shown: BestQuotes) -> Row:
        rows = []
        for child in shown.children:
            rfq = self._directory.rfq(child.rfq_id)
            if rfq is None:
                continue
            row: Row = {"rfq_id": child.rfq_id, "market_ticker": rfq.market_ticker, "event_ticker": rfq.event_ticker}
            for side, best in (("yes", child.yes), ("no", child.no)):
                if best is not None:
                    row[f"{side}_bid_dollars"] = dollars(best.bid)
            _size(row, rfq, "contracts_fp", "rfq_target_cost_dollars")
            for side, best in (("yes", child.yes), ("no", child.no)):
                if best is not None:
                    row[f"{side}_contracts_offered_fp"] = count_fp(best.contracts)
            rows.append(row)
        batch = self._directory.batch(shown.rfq_batch_id)
        assert shown.updated_ts is not None  # (set as each snapshot is made)
        msg: Row = {
            "rfq_batch_id": shown.rfq_batch_id, "version": shown.version, "updated_ts": ws_time(shown.updated_ts),
            "yes_complete": shown.complete("yes"), "no_complete": shown.complete("no"), "rfqs": rows,
        }  # fmt: skip
        return _with(msg, batch.subaccount if batch else 0, batch.client_batch_id if batch else "")

    def _batch_quote(self, made: BatchQuote) -> Row:
        batch = self._directory.batch(made.rfq_batch_id)
        maker_id = self._directory.communications_id(made.user_id)
        rfq_creator_id = self._creator_id(batch, made.rfq_user_id, bool(made.executed_rfq_ids))
        if self.type == QUOTE_EXECUTED:
            return _with(_executed(made, rfq_creator_id, made.batch_quote_id), made.subaccount)
        msg: Row = {"batch_quote_id": made.batch_quote_id, "rfq_batch_id": made.rfq_batch_id,
                    "quote_creator_id": maker_id}  # fmt: skip
        accepted = self.type == QUOTE_ACCEPTED
        if accepted:
            assert made.accepted_ts is not None
            msg.update(rfq_creator_id=rfq_creator_id, accepted_side=made.accepted_side,
                       accepted_ts=ws_time(made.accepted_ts))  # fmt: skip
        else:
            msg["created_ts"] = ws_time(made.created_ts)
        msg["quotes"] = [self._child_quote(quote, accepted) for quote in made.won_quotes()]
        return _with(msg, made.subaccount)

    def _child_quote(self, quote: Quote, accepted: bool) -> Row:
        rfq = self._directory.rfq(quote.rfq_id)
        row: Row = {"quote_id": quote.quote_id, "rfq_id": quote.rfq_id, "market_ticker": quote.market_ticker}
        if rfq is not None:
            row["event_ticker"] = rfq.event_ticker
        row["yes_bid_dollars"], row["no_bid_dollars"] = dollars(quote.yes_bid), dollars(quote.no_bid)
        if accepted and quote.accepted_side is not None:
            row["contracts_accepted_fp"] = count_fp(quote.contracts_on(quote.accepted_side))
        row["yes_contracts_offered_fp"] = count_fp(quote.yes_contracts)
        row["no_contracts_offered_fp"] = count_fp(quote.no_contracts)
        if rfq is not None and rfq.target_cost is not None:
            row["rfq_target_cost_dollars"] = target_cost_dollars(rfq.target_cost)
        return row


def _size(row: Row, rfq: Rfq, count_name: str, cost_name: str) -> None:
    """A child's size: its count, or its target cost."""
    if rfq.contracts is not None:
        row[count_name] = count_fp(rfq.contracts)
    if rfq.target_cost is not None:
        row[cost_name] = target_cost_dollars(rfq.target_cost)


def _executed(record: RfqBatch | BatchQuote, creator_id: str, batch_quote_id: str | None = None) -> Row:
    """`rfq_batch_executed` (a batch's) or `batch_quote_executed` (a batch quote's: its own children)."""
    msg: Row = {} if batch_quote_id is None else {"batch_quote_id": batch_quote_id}
    executed, failed = list(record.executed_rfq_ids), list(record.failed_rfq_ids)
    reason = (records.EXECUTED if not failed else records.PARTIALLY_EXECUTED if executed
              else records.EXECUTION_FAILED)  # fmt: skip
    when = record.executed_ts if isinstance(record, BatchQuote) else record.closed_ts
    msg.update(rfq_batch_id=record.rfq_batch_id, rfq_creator_id=creator_id, executed_rfq_ids=executed,
               failed_rfq_ids=failed, executed_ts=ws_time(when or record.updated_ts), close_reason=reason)  # fmt: skip
    return msg


def _with(msg: Row, subaccount: int, client_batch_id: str = "") -> Row:
    """The reader's own subaccount when it used one, and its batch's client id when it gave one."""
    if client_batch_id:
        msg = {"client_batch_id": client_batch_id, **msg}
    if subaccount:
        msg["subaccount"] = subaccount
    return msg
