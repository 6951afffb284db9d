"""Kalshi's RFQ batches (the communications API): the ledger's `rfq_batches` part. A user asks quotes on several
markets at once (an `RfqBatch`, whose children are ordinary RFQs kept by the communications part, apart from its open
RFQs by market); makers quote every child at once (a `BatchQuote`: one `Quote` a child); the batch's creator sees the
best bid on each side of each child across makers (`BestQuotes`, never naming them) and accepts every child on one
side, each from the maker bidding best on it (ties to the earliest bid); each winner confirms its children; once every
winner confirmed, the execution timer runs and the children execute together, as one fill-or-kill. What each rule is,
and where Kalshi is silent the mock's choice, is in docs/known-differences.md ("RFQ batches").

Each command is one action under the ledger's lock, checked whole first: a refused one changes nothing. Refusals are
`Refusal`s with the communications part's codes (communications.py), and:
- `rfq_batch_quotes_changed` (409): a child's best bid on the accepted side is now below its `min_bids` entry (or
  gone); the message names the children;
- `forbidden` (403): reading a batch's best quotes as anyone but its creator;
- `too_many_quotes` (409): the maker has `MAX_LIVE_BATCH_QUOTES` batch quotes open, accepted or confirmed (a new
  one that replaces its open one on the same batch is taken);
- `too_many_rfqs` (409): the user has `MAX_OPEN_BATCHES` open batches (one accepted no longer counts, nor do single
  RFQs: Kalshi counts the two apart);
- `invalid_parameters` (400) also: children drawing on more than `MOST_LEGS` distinct legs, or on two exchange
  indexes;
- `conflict` (409) also: a `client_batch_id` the user used already (on a batch it keeps); deleting an accepted batch;
  accepting one that is not open; deleting a batch quote that is not open, confirming one that is not accepted.

What is published (core/events.py's `Change`, payload a copy of the record as it is after the change):
- `RFQ_BATCH_CHANGE` (user: its creator) when a batch is created, accepted and closed (deleted, replaced, its market
  closed, a confirmation missed, executed: `executed_rfq_ids` / `failed_rfq_ids` say which children traded);
- `BATCH_QUOTE_CHANGE` (user: its maker) when a batch quote is created, accepted (it won children), confirmed,
  cancelled and executed (or failed) with its batch;
- `BEST_QUOTES_CHANGE` (user: the batch's creator) when a best bid of an open batch changes: a batch quote made,
  replaced, withdrawn, or no longer counting (its eligibility window ended);
- `QUOTE_CHANGE` (communications.py's) when a child's quote executes or fails at execution, after its orders' fills:
  a child's quote is otherwise only seen inside its batch quote.
The children execute first, then their batch quotes, then the batch: a client sees every child's `quote_executed`
before `batch_quote_executed` and `rfq_batch_executed`.

What a user keeps: its open and accepted batches and live batch quotes, and its latest closed batches and ended batch
quotes (cancelled, executed, partially executed), at most the ledger's `kept_ended` of each (Settings.
kalshi_ended_orders, the ended orders' bound), as the single RFQs and quotes (communications.py): past it the user's
oldest (by when it ended) is forgotten; a batch forgotten takes its children RFQs and its batch quotes with it.

Timers, on the exchange clock (the lifecycle's one schedule, as the single quotes'): a batch quote counts for
`ELIGIBLE` after it was sent (the lapse re-shows the best bids); an accepted batch whose winners have not all confirmed
within the confirmation window closes without trading; once the last winner confirmed, the batch executes when the
execution timer ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import Refusal
from mockexchange.core.kalshi.communications import unlist
from mockexchange.core.kalshi.due import Timer
from mockexchange.core.kalshi.lifecycle import refusal, schedule
from mockexchange.core.kalshi.price_levels import is_level
from mockexchange.core.kalshi.rfq_batch_commands import (
    MOST_LEGS,
    AcceptRfqBatch,
    ConfirmBatchQuote,
    CreateBatchQuote,
    CreateRfqBatch,
    DeleteBatchQuote,
    DeleteRfqBatch,
    OnBatchQuote,
)
from mockexchange.core.kalshi.rfq_batch_records import (
    BATCH_ACCEPTED,
    BATCH_CLOSED,
    BATCH_OPEN,
    BATCH_QUOTE_ACCEPTED,
    BATCH_QUOTE_CANCELLED,
    BATCH_QUOTE_CHANGE,
    BATCH_QUOTE_CONFIRMED,
    BATCH_QUOTE_EXECUTED,
    BATCH_QUOTE_OPEN,
    BATCH_QUOTE_PARTIAL,
    BEST_QUOTES_CHANGE,
    CANCELLED,
    CONFIRMATION_MISSED,
    EXECUTED,
    EXECUTION_FAILED,
    MARKET_CLOSED,
    PARTIALLY_EXECUTED,
    RFQ_BATCH_CHANGE,
    BatchQuote,
    BestBid,
    BestChild,
    BestQuotes,
    RfqBatch,
)
from mockexchange.core.kalshi.rfq_execution import INSUFFICIENT, bid_on, creator_cost
from mockexchange.core.kalshi.rfq_records import (
    QUOTE_ACCEPTED,
    QUOTE_CANCELLED,
    QUOTE_CHANGE,
    QUOTE_CONFIRMED,
    QUOTE_EXECUTED,
    RFQ_CLOSED,
    RFQ_OPEN,
    Quote,
    Rfq,
    legs_of,
)
from mockexchange.core.kalshi.rfq_sizing import side_counts
from mockexchange.core.kalshi.units import price
from mockexchange.core.money import shown

if TYPE_CHECKING:
    from mockexchange.core.kalshi.communications import Communications
    from mockexchange.core.kalshi.fees import FeeRule
    from mockexchange.core.kalshi.ledger_state import LedgerState
    from mockexchange.core.kalshi.markets import Market
    from mockexchange.core.kalshi.rfq_batch_state import RfqBatchState
    from mockexchange.core.kalshi.rfq_execution import QuoteExecution
    from mockexchange.core.kalshi.rfq_state import CommunicationsState

MAX_OPEN_BATCHES = 2  # a user's open RFQ batches at once (the spec; accepted ones do not count, nor single RFQs)
MAX_LIVE_BATCH_QUOTES = 1_000  # a maker's batch quotes open, accepted or confirmed at once (the mock's bound)
ELIGIBLE = timedelta(seconds=30)  # a batch quote counts this long after it was sent (Kalshi's AsyncAPI)
BATCH_CONFIRM_DUE, BATCH_EXECUTE_DUE, BATCH_LAPSE_DUE = "rfq_batch_confirm", "rfq_batch_execute", "rfq_batch_lapse"
DELETED, REPLACED, NOT_WON = "deleted by its creator", "replaced", "rfq batch accepted"
_LIVE = (BATCH_QUOTE_OPEN, BATCH_QUOTE_ACCEPTED, BATCH_QUOTE_CONFIRMED)
_SIDES = ("yes", "no")
Leader = tuple[BatchQuote, Quote]  # the batch quote bidding best on a child's side, and its quote on the child


def _refused(message: str, code: str, status: int = 400) -> Refusal:
    return Refusal(message, status, code)


class RfqBatches:
    """The RFQ batches and batch quotes (`ledger.rfq_batches`; module docstring), under the ledger's lock. It takes the
    ledger's state and what it calls of the other parts: the lifecycle's `run_due`, the communications part (its
    checks of a subaccount, an open market and a new id, the users' communications ids, its timers' lengths), a
    market's fee rule, and a quote's execution (rfq_execution.py: each child executes as a single quote does)."""

    def __init__(
        self,
        state: LedgerState,
        run_due: Callable[[], None],
        communications: Communications,
        execution: QuoteExecution,
        fee_rule_for: Callable[[str, str | None], FeeRule],
    ) -> None:
        self.state = state
        self.run_due = run_due
        self.communications = communications
        self.execution = execution
        self.fee_rule_for = fee_rule_for

    @property
    def kept(self) -> RfqBatchState:
        """What the part keeps (read each time: a snapshot's restore puts the state's fields anew)."""
        return self.state.rfq_batches

    @property
    def rfqs(self) -> CommunicationsState:
        """The communications part's state, which keeps the batches' children."""
        return self.state.communications

    # -- commands: batches -------------------------------------------------------------------------------------------

    def create_rfq_batch(self, create: CreateRfqBatch) -> RfqBatch:
        """A new open batch of the user's subaccount, a child RFQ a market; `replace_existing` closes the user's
        oldest open batch as needed to stay within `MAX_OPEN_BATCHES`."""
        user_id = create.user_id
        state, kept, talk = self.state, self.kept, self.communications
        with state.lock:
            self.run_due()
            talk.known_subaccount(state.account(user_id), create.subaccount)
            if create.client_batch_id and any(
                batch.user_id == user_id and batch.client_batch_id == create.client_batch_id
                for batch in kept.batches.values()
            ):
                raise _refused(f"client_batch_id {create.client_batch_id!r} is in use already", "conflict", 409)
            markets = [talk.open_market(child.market_ticker) for child in create.children]
            self._check_legs(markets)
            talk.check_new_id(create.rfq_batch_id, kept.batches, "RFQ batch")
            for child in create.children:
                talk.check_new_id(child.rfq_id, self.rfqs.rfqs, "RFQ")
            closing = self._room(user_id, create.replace_existing)
            # Checked: from here on nothing is refused.
            now = state.clock.now()
            talk.communications_id_of(user_id)
            for old in closing:
                self._close(old, now, CANCELLED)
            batch_id = create.rfq_batch_id or state.new_id()
            rfq_ids = []
            for child, market in zip(create.children, markets, strict=True):
                count, cost = create.sizes(child)
                rfq = Rfq(
                    child.rfq_id or state.new_id(), user_id, create.subaccount, market.ticker, market.event_ticker,
                    count, cost, create.target_cost_excludes_fees, False, create.obscure_creator_id, now, now,
                    rfq_batch_id=batch_id, combo=state.multivariate.combos.get(market.ticker),
                )  # fmt: skip
                self.rfqs.rfqs[rfq.rfq_id] = rfq
                rfq_ids.append(rfq.rfq_id)
            kept.made += 1
            batch = RfqBatch(batch_id, user_id, create.subaccount, tuple(rfq_ids), create.client_batch_id,
                             create.obscure_creator_id, now, now, number=kept.made)  # fmt: skip
            kept.batches[batch_id] = batch
            kept.best[batch_id] = self._best_children(batch, now)
            self._publish(RFQ_BATCH_CHANGE, batch)
            return replace(batch)

    def _check_legs(self, markets: list[Market]) -> None:
        """The children draw on at most `MOST_LEGS` distinct legs (a combo's legs, another market itself), all on one
        exchange index."""
        combos = self.state.multivariate.combos
        legs = {leg for m in markets for leg in legs_of(m.ticker, m.event_ticker, combos.get(m.ticker))}
        if len(legs) > MOST_LEGS:
            raise _refused(f"a batch's children draw on at most {MOST_LEGS} distinct legs, not {len(legs)}",
                           "invalid_parameters")  # fmt: skip
        indexes = sorted({market.exchange_index for market in markets})
        if len(indexes) > 1:
            raise _refused(f"a batch's children are all on one exchange index, not on {indexes}", "invalid_parameters")

    def _room(self, user_id: str, replacing: bool) -> list[RfqBatch]:
        """The user's open batches to close (oldest first) so that one more stays within `MAX_OPEN_BATCHES`."""
        batches = [b for b in self.kept.batches.values() if b.user_id == user_id and b.status == BATCH_OPEN]
        closing = batches[: len(batches) - MAX_OPEN_BATCHES + 1] if replacing else []
        if len(batches) - len(closing) >= MAX_OPEN_BATCHES:
            raise _refused(f"a user has at most {MAX_OPEN_BATCHES} open RFQ batches (replace_existing closes the "
                           "oldest)", "too_many_rfqs", 409)  # fmt: skip
        return closing

    def delete_rfq_batch(self, delete: DeleteRfqBatch) -> RfqBatch:
        """Close one of the user's open batches and its children; its live batch quotes are cancelled (an accepted
        batch executes or expires as a unit: refused)."""
        with self.state.lock:
            self.run_due()
            batch = self._own_batch(delete.rfq_batch_id, delete.user_id)
            if batch.status == BATCH_ACCEPTED:
                raise _refused(f"RFQ batch {batch.rfq_batch_id!r} is accepted: it cannot be deleted", "conflict", 409)
            if batch.status != BATCH_OPEN:
                raise _refused(f"RFQ batch {batch.rfq_batch_id!r} is closed", "rfq_closed", 409)
            self._close(batch, self.state.clock.now(), CANCELLED)
            return replace(batch)

    # -- commands: batch quotes --------------------------------------------------------------------------------------

    def create_batch_quote(self, create: CreateBatchQuote) -> BatchQuote:
        """The maker's bids on every child of an open batch, each sized by its child (rfq_sizing.py); it replaces the
        maker's open batch quote on the batch, a bid left unchanged within its eligibility keeping its priority."""
        user_id = create.user_id
        state, kept, talk = self.state, self.kept, self.communications
        with state.lock:
            self.run_due()
            batch = kept.batches.get(create.rfq_batch_id)
            if batch is None:
                raise _refused(f"no RFQ batch {shown(create.rfq_batch_id)}", "not_found", 404)
            if batch.status != BATCH_OPEN:
                raise _refused(f"RFQ batch {batch.rfq_batch_id!r} is {batch.status}", "rfq_closed", 409)
            if batch.user_id == user_id:
                raise _refused("a user cannot quote its own RFQ batch (a self trade)", "self_trade")
            talk.known_subaccount(state.account(user_id), create.subaccount)
            entries = {entry.rfq_id: entry for entry in create.quotes}
            if entries.keys() != set(batch.rfq_ids) or len(entries) != len(create.quotes):
                raise _refused("a batch quote prices every child RFQ of the batch, each exactly once",
                               "invalid_parameters")  # fmt: skip
            children = [self.rfqs.rfqs[rfq_id] for rfq_id in batch.rfq_ids]
            for rfq in children:
                _on_grid(talk.open_market(rfq.market_ticker), entries[rfq.rfq_id].yes_bid, entries[rfq.rfq_id].no_bid)
            previous = next((held for held in kept.quotes_of(batch.rfq_batch_id)
                             if held.user_id == user_id and held.status == BATCH_QUOTE_OPEN), None)  # fmt: skip
            if previous is None and len(kept.live_quotes.get(user_id, ())) >= MAX_LIVE_BATCH_QUOTES:
                raise _refused(f"a user has at most {MAX_LIVE_BATCH_QUOTES} live batch quotes (delete one first)",
                               "too_many_quotes", 409)  # fmt: skip
            talk.check_new_id(create.batch_quote_id, kept.batch_quotes, "batch quote")
            # Checked: from here on nothing is refused.
            now = state.clock.now()
            talk.communications_id_of(user_id)
            quotes, priority = [], {}
            kept.sequence += 1
            carried = previous if previous is not None and now < previous.created_ts + ELIGIBLE else None
            for rfq in children:
                entry = entries[rfq.rfq_id]
                yes_count, no_count = side_counts(rfq, entry.yes_bid, entry.no_bid, self.fee_rule_for(
                    rfq.market_ticker, None))  # fmt: skip
                quotes.append(Quote(
                    state.new_id(), rfq.rfq_id, user_id, create.subaccount, batch.user_id, batch.subaccount,
                    rfq.market_ticker, entry.yes_bid, entry.no_bid, yes_count, no_count, create.rest_remainder,
                    create.post_only, now, now, rfq_batch_id=batch.rfq_batch_id,
                ))  # fmt: skip
                priority[rfq.rfq_id] = _priority(carried, entry.rfq_id, entry.yes_bid, entry.no_bid, kept.sequence)
            if previous is not None:
                self._cancel(previous, now, REPLACED)
            made = BatchQuote(
                create.batch_quote_id or state.new_id(), batch.rfq_batch_id, user_id, create.subaccount,
                batch.user_id, batch.subaccount, tuple(quotes), create.rest_remainder, create.post_only, now, now,
                priority,
            )  # fmt: skip
            kept.batch_quotes[made.batch_quote_id] = made
            kept.of_batch.setdefault(batch.rfq_batch_id, {})[made.batch_quote_id] = None
            kept.live_quotes.setdefault(user_id, {})[made.batch_quote_id] = None
            schedule(state, now + ELIGIBLE, Timer(BATCH_LAPSE_DUE, batch.rfq_batch_id))
            self._publish(BATCH_QUOTE_CHANGE, made)
            self._show_best(batch, now)
            return self._copy(made)

    def delete_batch_quote(self, delete: DeleteBatchQuote) -> BatchQuote:
        """The maker withdraws its open batch quote."""
        with self.state.lock:
            self.run_due()
            made = self._makers(delete)
            if made.status != BATCH_QUOTE_OPEN:
                raise _refused(f"batch quote {made.batch_quote_id!r} is {made.status}: it cannot be deleted",
                               "conflict", 409)  # fmt: skip
            now = self.state.clock.now()
            self._cancel(made, now, DELETED)
            self._show_best(self.kept.batches[made.rfq_batch_id], now)
            return self._copy(made)

    def accept_rfq_batch(self, accept: AcceptRfqBatch) -> list[Quote]:
        """The batch's creator accepts every child on one side, each from the maker bidding best on it now: every
        child or none, its best bid not below its `min_bids` entry, the creator's cash covering all. Answers the
        accepted child quotes, in the batch's order; each winner has the confirmation window to confirm."""
        state, kept = self.state, self.kept
        with state.lock:
            self.run_due()
            batch = self._own_batch(accept.rfq_batch_id, accept.user_id)
            least = {entry.rfq_id: entry.bid for entry in accept.min_bids}
            if accept.client_order_id is not None and accept.client_order_id == batch.accept_key:
                return self._accepted_again(batch, accept.accepted_side, least)
            if batch.status != BATCH_OPEN:
                code = "conflict" if batch.status == BATCH_ACCEPTED else "rfq_closed"
                raise _refused(f"RFQ batch {batch.rfq_batch_id!r} is {batch.status}, not open", code, 409)
            if least.keys() != set(batch.rfq_ids) or len(least) != len(accept.min_bids):
                raise _refused("min_bids has exactly one entry a child RFQ of the batch", "invalid_parameters")
            side, now = accept.accepted_side, state.clock.now()
            leaders = self._leaders(batch, now, side)
            changed = [rfq_id for rfq_id, leader in leaders.items()
                       if leader is None or bid_on(leader[1], side) < least[rfq_id]]  # fmt: skip
            if changed:
                raise _refused(f"the best {side} bid of child RFQ {', '.join(changed)} is below its min_bids entry",
                               "rfq_batch_quotes_changed", 409)  # fmt: skip
            won = [leader for rfq_id in batch.rfq_ids if (leader := leaders[rfq_id]) is not None]
            for quote in (quote for _, quote in won):
                self.communications.open_market(quote.market_ticker)
            self._check_cash(batch, [quote for _, quote in won], side)
            # Checked: from here on nothing is refused.
            batch.status, batch.accepted_side, batch.accepted_ts, batch.updated_ts = BATCH_ACCEPTED, side, now, now
            winners = list(dict.fromkeys(made for made, _ in won))
            batch.winners = tuple(made.batch_quote_id for made in winners)
            for made in winners:
                made.status, made.accepted_side = BATCH_QUOTE_ACCEPTED, side
                made.accepted_ts = made.updated_ts = now
                made.won = tuple(quote.rfq_id for owner, quote in won if owner is made)
            for _, quote in won:
                quote.status, quote.accepted_side, quote.accepted_ts, quote.updated_ts = QUOTE_ACCEPTED, side, now, now
            batch.accept_key, batch.accept_min_bids = accept.client_order_id or "", tuple(least.items())
            batch.accepted_quotes = tuple(replace(quote) for _, quote in won)
            for other in kept.quotes_of(batch.rfq_batch_id):
                if other.status == BATCH_QUOTE_OPEN:
                    self._cancel(other, now, NOT_WON)
            kept.best[batch.rfq_batch_id] = self._best_children(batch, now)
            schedule(state, now + self.communications.confirm_window, Timer(BATCH_CONFIRM_DUE, batch.rfq_batch_id))
            for made in winners:
                self._publish(BATCH_QUOTE_CHANGE, made)
            self._publish(RFQ_BATCH_CHANGE, batch)
            return [replace(quote) for quote in batch.accepted_quotes]

    def _accepted_again(self, batch: RfqBatch, side: str, least: dict[str, int]) -> list[Quote]:
        """A retry of the batch's accept by its idempotency key: the quotes it accepted, as they were then, whatever
        the batch is now; the key on other terms (side or min bids) is a conflict, as a reused transfer id is."""
        if side != batch.accepted_side or least != dict(batch.accept_min_bids):
            raise _refused(f"client_order_id {batch.accept_key!r} accepted RFQ batch {batch.rfq_batch_id!r} on other "
                           "terms", "conflict", 409)  # fmt: skip
        return [replace(quote) for quote in batch.accepted_quotes]

    def _check_cash(self, batch: RfqBatch, quotes: list[Quote], side: str) -> None:
        """The creator's cash covers every child's cost on `side`, with its taker fee (by exchange)."""
        needed: Counter[int] = Counter()
        for quote in quotes:
            market = self.state.markets[quote.market_ticker]
            needed[market.exchange_index] += creator_cost(quote, side, self.fee_rule_for(market.ticker, None))
        cash = self.state.account(batch.user_id).cash
        for index, cost in needed.items():
            if cash.get((batch.subaccount, index), 0) < cost:
                raise _refused(f"insufficient balance: accepting every child on {side} costs {cost} micro-dollars",
                               "insufficient_balance")  # fmt: skip

    def confirm_batch_quote(self, confirm: ConfirmBatchQuote) -> BatchQuote:
        """A winner confirms the children it won; the last winner's confirmation starts the execution timer."""
        state = self.state
        with state.lock:
            self.run_due()
            made = self._makers(confirm)
            if made.status != BATCH_QUOTE_ACCEPTED:
                raise _refused(f"batch quote {made.batch_quote_id!r} is {made.status}, not accepted", "conflict", 409)
            now = state.clock.now()
            made.status, made.confirmed_ts, made.updated_ts = BATCH_QUOTE_CONFIRMED, now, now
            for quote in made.won_quotes():
                quote.status, quote.confirmed_ts, quote.updated_ts = QUOTE_CONFIRMED, now, now
            batch = self.kept.batches[made.rfq_batch_id]
            if all(self.kept.batch_quotes[won].status == BATCH_QUOTE_CONFIRMED for won in batch.winners):
                batch.confirmed_ts = batch.updated_ts = now
                schedule(state, now + self.communications.execution_delay,
                         Timer(BATCH_EXECUTE_DUE, batch.rfq_batch_id))  # fmt: skip
            self._publish(BATCH_QUOTE_CHANGE, made)
            return self._copy(made)

    # -- what falls due, and a market's close (lifecycle.py) ------------------------------------------------------

    def lapse_due(self, rfq_batch_id: str, when: datetime) -> None:
        """A batch quote's eligibility ended at `when`: the batch's best bids are shown again if they changed."""
        batch = self.kept.batches.get(rfq_batch_id)
        if batch is not None and batch.status == BATCH_OPEN:
            self._show_best(batch, when)

    def confirm_due(self, rfq_batch_id: str, when: datetime) -> None:
        """An accepted batch's confirmation window ended at `when`: closed without trading if a winner has not
        confirmed."""
        batch = self.kept.batches.get(rfq_batch_id)
        if batch is None or batch.status != BATCH_ACCEPTED or batch.confirmed_ts is not None:
            return
        assert batch.accepted_ts is not None
        if batch.accepted_ts + self.communications.confirm_window <= when:
            self._close(batch, when, CONFIRMATION_MISSED)

    def execute_due(self, rfq_batch_id: str, when: datetime) -> None:
        """A confirmed batch's execution timer ended at `when`: its children execute together, at `when`."""
        batch = self.kept.batches.get(rfq_batch_id)
        if batch is None or batch.status != BATCH_ACCEPTED or batch.confirmed_ts is None:
            return
        if batch.confirmed_ts + self.communications.execution_delay > when:
            return
        pairs = [(made, quote) for made in self._winners(batch) for quote in made.won_quotes()]
        pairs.sort(key=lambda pair: batch.rfq_ids.index(pair[1].rfq_id))
        why = self._fill_or_kill(batch, [quote for _, quote in pairs])
        failed: dict[str, str] = {}
        for _, quote in pairs:
            rfq = self.rfqs.rfqs[quote.rfq_id]
            failure = why or self.execution.execute(quote, rfq, when)
            if failure is None:
                quote.status, quote.executed_ts, quote.updated_ts = QUOTE_EXECUTED, when, when
            else:
                failed[quote.rfq_id] = failure
                quote.status, quote.cancellation_reason = QUOTE_CANCELLED, failure
                quote.cancelled_ts = quote.updated_ts = when
            self._publish(QUOTE_CHANGE, quote)
        for made in self._winners(batch):
            made.executed_rfq_ids = tuple(rfq_id for rfq_id in made.won if rfq_id not in failed)
            made.failed_rfq_ids = tuple(rfq_id for rfq_id in made.won if rfq_id in failed)
            made.status = (BATCH_QUOTE_CANCELLED if not made.executed_rfq_ids else BATCH_QUOTE_PARTIAL
                           if made.failed_rfq_ids else BATCH_QUOTE_EXECUTED)  # fmt: skip
            made.executed_ts = made.updated_ts = when
            if not made.executed_rfq_ids:
                made.cancelled_ts, made.cancellation_reason = when, EXECUTION_FAILED
            self._publish(BATCH_QUOTE_CHANGE, made)
            self._quote_ended(made, when)
        batch.executed_rfq_ids = tuple(rfq_id for rfq_id in batch.rfq_ids if rfq_id not in failed)
        batch.failed_rfq_ids = tuple(rfq_id for rfq_id in batch.rfq_ids if rfq_id in failed)
        reason = EXECUTED if not failed else PARTIALLY_EXECUTED if batch.executed_rfq_ids else EXECUTION_FAILED
        self._close(batch, when, reason)

    def _fill_or_kill(self, batch: RfqBatch, quotes: list[Quote]) -> str | None:
        """Why the children cannot all fill in full now (None: they can): a market not trading, the creator's cash
        short of every child's cost, or a maker's short of its children's."""
        side = batch.accepted_side
        assert side is not None
        needed: Counter[tuple[str, int, int]] = Counter()
        for quote in quotes:
            market = self.state.markets[quote.market_ticker]
            why = refusal(market) or self.state.exchange.refusal_now(self.state.clock)
            if why is not None:
                return f"execution refused: {why}"
            rule = self.fee_rule_for(market.ticker, None)
            count, bid = quote.contracts_on(side), bid_on(quote, side)
            needed[(batch.user_id, batch.subaccount, market.exchange_index)] += creator_cost(quote, side, rule)
            needed[(quote.user_id, quote.subaccount, market.exchange_index)] += count * bid + rule.fee_units(
                count, bid, False)  # fmt: skip
        accounts = self.state.accounts
        short = any(accounts[user].cash.get((subaccount, index), 0) < cost
                    for (user, subaccount, index), cost in needed.items())  # fmt: skip
        return INSUFFICIENT if short else None

    def market_closed(self, market: Market, when: datetime) -> None:
        """The market closed at `when`: the open batches with a child on it close (an accepted one fails at its
        execution instead)."""
        rfqs = self.rfqs.rfqs
        for batch in [batch for batch in self.kept.batches.values() if batch.status == BATCH_OPEN]:
            if any(rfqs[rfq_id].market_ticker == market.ticker for rfq_id in batch.rfq_ids):
                self._close(batch, when, MARKET_CLOSED)

    # -- reads (under the lock; a venue reads within `ledger.reading()`, which makes what is due first) -------------

    def batch(self, rfq_batch_id: str) -> RfqBatch:
        """The batch (a copy); not_found if there is none. Every user may read every batch (they are broadcast)."""
        with self.state.lock:
            batch = self.kept.batches.get(rfq_batch_id) if isinstance(rfq_batch_id, str) else None
            if batch is None:
                raise _refused(f"no RFQ batch {shown(rfq_batch_id)}", "not_found", 404)
            return replace(batch)

    def children(self, batch: RfqBatch) -> list[Rfq]:
        """The batch's child RFQs (copies), in request order."""
        with self.state.lock:
            return [replace(self.rfqs.rfqs[rfq_id]) for rfq_id in batch.rfq_ids]

    def batches(self, *, status: str | None = None, user_id: str | None = None,
                subaccount: int | None = None) -> list[RfqBatch]:  # fmt: skip
        """The batches that match every filter given (copies), most recently updated first (the later made first
        among those updated at once)."""
        with self.state.lock:
            found = [
                (batch.updated_ts, batch.number, batch)
                for batch in self.kept.batches.values()
                if status in (None, batch.status)
                and user_id in (None, batch.user_id)
                and subaccount in (None, batch.subaccount)
            ]
            return [replace(batch) for _, _, batch in sorted(found, key=lambda held: held[:2], reverse=True)]

    def best_quotes(self, rfq_batch_id: str, caller: str) -> BestQuotes:
        """The batch's best bids as last shown (none once it is not open); its creator's alone (forbidden)."""
        with self.state.lock:
            batch = self.kept.batches.get(rfq_batch_id) if isinstance(rfq_batch_id, str) else None
            if batch is None:
                raise _refused(f"no RFQ batch {shown(rfq_batch_id)}", "not_found", 404)
            if batch.user_id != caller:
                raise _refused("only the batch's creator may read its best quotes", "forbidden", 403)
            return self._snapshot(batch)

    def batch_quotes(self, rfq_batch_id: str, caller: str) -> list[BatchQuote]:
        """The batch quotes on the batch `caller` may read (copies, oldest first): its own, and once the batch is
        accepted, as its creator, the winners'. Once accepted, a winner's lists only the children it won."""
        with self.state.lock:
            batch = self.kept.batches.get(rfq_batch_id) if isinstance(rfq_batch_id, str) else None
            if batch is None:
                raise _refused(f"no RFQ batch {shown(rfq_batch_id)}", "not_found", 404)
            creator = caller == batch.user_id and batch.accepted_ts is not None
            return [self._copy(made) for made in self.kept.quotes_of(rfq_batch_id)
                    if made.user_id == caller or (creator and made.batch_quote_id in batch.winners)]  # fmt: skip

    # -- steps -------------------------------------------------------------------------------------------------------

    def _own_batch(self, rfq_batch_id: str, user_id: str) -> RfqBatch:
        batch = self.kept.batches.get(rfq_batch_id)
        if batch is None or batch.user_id != user_id:
            raise _refused(f"no RFQ batch {rfq_batch_id!r} of this user", "not_found", 404)
        return batch

    def _makers(self, on: OnBatchQuote) -> BatchQuote:
        """The batch quote the command names, of the batch it names, which must be the user's."""
        made = self.kept.batch_quotes.get(on.batch_quote_id)
        if made is None or made.user_id != on.user_id or made.rfq_batch_id != on.rfq_batch_id:
            raise _refused(f"no batch quote {on.batch_quote_id!r} of this user on RFQ batch {on.rfq_batch_id!r}",
                           "not_found", 404)  # fmt: skip
        return made

    def _winners(self, batch: RfqBatch) -> list[BatchQuote]:
        return [self.kept.batch_quotes[won] for won in batch.winners]

    def _leaders(self, batch: RfqBatch, now: datetime, side: str) -> dict[str, Leader | None]:
        """Each child's best bid on `side` among the batch quotes counting at `now` (open, sent within `ELIGIBLE`):
        the highest bid, ties to the earliest (its priority)."""
        place = _SIDES.index(side)
        best: dict[str, tuple[tuple[int, int], Leader] | None] = dict.fromkeys(batch.rfq_ids)
        for made in self.kept.quotes_of(batch.rfq_batch_id):
            if made.status != BATCH_QUOTE_OPEN or now >= made.created_ts + ELIGIBLE:
                continue
            for quote in made.quotes:
                bid = bid_on(quote, side)
                rank = (-bid, made.priority[quote.rfq_id][place])
                held = best[quote.rfq_id]
                if bid and quote.contracts_on(side) and (held is None or rank < held[0]):
                    best[quote.rfq_id] = (rank, (made, quote))
        return {rfq_id: None if held is None else held[1] for rfq_id, held in best.items()}

    def _best_children(self, batch: RfqBatch, now: datetime) -> tuple[BestChild, ...]:
        """Each child's best bids at `now` (none while the batch is not open)."""
        if batch.status != BATCH_OPEN:
            return tuple(BestChild(rfq_id, None, None) for rfq_id in batch.rfq_ids)
        sides = [self._leaders(batch, now, side) for side in _SIDES]

        def bid(leader: Leader | None, side: str) -> BestBid | None:
            return None if leader is None else BestBid(bid_on(leader[1], side), leader[1].contracts_on(side))

        return tuple(BestChild(rfq_id, bid(sides[0][rfq_id], "yes"), bid(sides[1][rfq_id], "no"))
                     for rfq_id in batch.rfq_ids)  # fmt: skip

    def _show_best(self, batch: RfqBatch, now: datetime) -> None:
        """The batch's best bids at `now`: kept and published (a new version) if they changed."""
        children = self._best_children(batch, now)
        if children == self.kept.best.get(batch.rfq_batch_id):
            return
        self.kept.best[batch.rfq_batch_id] = children
        batch.best_version += 1
        batch.best_updated_ts = now
        bus = self.state.bus
        if bus.takers(BEST_QUOTES_CHANGE):
            bus.publish(Change(BEST_QUOTES_CHANGE, batch.user_id, self._snapshot(batch)))

    def _snapshot(self, batch: RfqBatch) -> BestQuotes:
        return BestQuotes(batch.rfq_batch_id, batch.user_id, batch.status, batch.best_version, batch.best_updated_ts,
                          self.kept.best[batch.rfq_batch_id])  # fmt: skip

    def _cancel(self, made: BatchQuote, now: datetime, reason: str) -> None:
        made.status, made.cancellation_reason = BATCH_QUOTE_CANCELLED, reason
        made.cancelled_ts = made.updated_ts = now
        for quote in made.quotes:
            if quote.status not in (QUOTE_EXECUTED, QUOTE_CANCELLED):
                quote.status, quote.cancellation_reason = QUOTE_CANCELLED, reason
                quote.cancelled_ts = quote.updated_ts = now
        self._publish(BATCH_QUOTE_CHANGE, made)
        self._quote_ended(made, now)

    def _quote_ended(self, made: BatchQuote, now: datetime) -> None:
        """The batch quote ended at `now`: its maker's ended ones keep it; past the bound the maker's oldest is
        forgotten (from its batch's batch quotes too)."""
        kept = self.kept
        unlist(kept.live_quotes, made.user_id, made.batch_quote_id)
        kept.ended_keys[made.batch_quote_id] = kept.ended_quotes.add(made.user_id, now, made)
        for gone in kept.ended_quotes.trim(made.user_id, self.state.kept_ended):
            del kept.ended_keys[gone.batch_quote_id], kept.batch_quotes[gone.batch_quote_id]
            unlist(kept.of_batch, gone.rfq_batch_id, gone.batch_quote_id)

    def _close(self, batch: RfqBatch, now: datetime, reason: str) -> None:
        """Close the batch (`reason`: why) and its children (those that did not trade cancelled); its live batch
        quotes are cancelled first."""
        for made in self.kept.quotes_of(batch.rfq_batch_id):
            if made.status in _LIVE:
                self._cancel(made, now, reason)
        for rfq_id in batch.rfq_ids:
            rfq = self.rfqs.rfqs[rfq_id]
            if rfq.status == RFQ_OPEN:
                rfq.status, rfq.updated_ts = RFQ_CLOSED, now
                if rfq_id not in batch.executed_rfq_ids:
                    rfq.cancellation_reason, rfq.cancelled_ts = reason, now
        batch.status, batch.closed_ts, batch.updated_ts, batch.close_reason = BATCH_CLOSED, now, now, reason
        kept = self.kept
        kept.best[batch.rfq_batch_id] = self._best_children(batch, now)
        self._publish(RFQ_BATCH_CHANGE, batch)
        kept.closed.add(batch.user_id, now, batch)
        for gone in kept.closed.trim(batch.user_id, self.state.kept_ended):  # its creator's oldest closed batch
            self._forget(gone)

    def _forget(self, batch: RfqBatch) -> None:
        """A closed batch forgotten, with its children and its batch quotes (all ended)."""
        kept = self.kept
        del kept.batches[batch.rfq_batch_id], kept.best[batch.rfq_batch_id]
        for rfq_id in batch.rfq_ids:
            self.rfqs.rfqs.pop(rfq_id, None)
        for quote_id in kept.of_batch.pop(batch.rfq_batch_id, ()):
            made = kept.batch_quotes.pop(quote_id)
            key = kept.ended_keys.pop(quote_id, None)
            if key is not None:
                kept.ended_quotes.drop(made.user_id, key)

    def _copy(self, made: BatchQuote) -> BatchQuote:
        return replace(made, quotes=tuple(replace(quote) for quote in made.quotes), priority=dict(made.priority))

    def _publish(self, kind: str, record: RfqBatch | BatchQuote | Quote) -> None:
        bus = self.state.bus
        if bus.takers(kind):
            copied = self._copy(record) if isinstance(record, BatchQuote) else replace(record)
            bus.publish(Change(kind, record.user_id, copied))


def _on_grid(market: Market, yes_bid: int, no_bid: int) -> None:
    """Each bid given is a level of the market's price grid."""
    for name, bid in (("yes_bid", yes_bid), ("no_bid", no_bid)):
        if bid and not is_level(market.price_level_structure, bid):
            raise _refused(f"{name} {price(bid)} is not on the price grid of {market.ticker!r} "
                           f"({market.price_level_structure})", "invalid_parameters")  # fmt: skip


def _priority(carried: BatchQuote | None, rfq_id: str, yes_bid: int, no_bid: int, sequence: int) -> tuple[int, int]:
    """A child's bids' time priority: a bid unchanged from the maker's batch quote still counting keeps its own."""
    if carried is None:
        return sequence, sequence
    was = carried.quote_on(rfq_id)
    kept = carried.priority[rfq_id]
    return (kept[0] if was.yes_bid == yes_bid else sequence, kept[1] if was.no_bid == no_bid else sequence)
