"""Kalshi's RFQs and quotes (the communications API): the ledger's `communications` part. A user asks an RFQ on one
market; other users quote it (a bid on each side); the RFQ's creator accepts one side of a quote; its maker confirms
within the confirmation window; when the execution timer ends the quote executes as two orders on the market's book
(rfq_execution.py) and the RFQ closes. What each rule is, and where Kalshi is silent the mock's choice, is in
docs/known-differences.md ("RFQs and quotes").

Each command is one action under the ledger's lock, checked whole first: a refused one changes nothing. A refusal is a
`Refusal` whose `code` says why, for the venue to word in Kalshi's shape:
- `not_found` (404): no such RFQ or quote, or a quote the caller may not see (only its maker and the RFQ's creator
  see it), or an RFQ the caller did not create (to delete), or a quote not of the RFQ the route names;
- `invalid_parameters` (400): a bid off the market's price grid, a side accepted that the quote does not offer, a
  subaccount the user does not have;
- `rfq_closed` (409): the RFQ is closed (to quote, accept, delete);
- `conflict` (409): a second open RFQ of the user on the market (without `replace_existing`); another quote of the
  RFQ accepted or confirmed already; a quote not in the status the command needs (deleting a confirmed one, accepting
  one not open, confirming one not accepted); deleting an RFQ while a quote of it is confirmed; replacing a quote of
  the maker's that is accepted or confirmed; an id given that names one already;
- `self_trade` (400): quoting one's own RFQ;
- `forbidden` (403): accepting a quote as its maker, confirming or deleting it as the RFQ's creator;
- `too_many_rfqs` (409): the user has `MAX_OPEN_RFQS` open RFQs;
- `too_many_quotes` (409): the maker has `MAX_LIVE_QUOTES` quotes open, accepted or confirmed (a new quote that
  replaces its open one on the same RFQ is taken);
- `market_closed` (409): the market does not trade now (not open yet, paused, closed), or `exchange_closed`;
- `insufficient_balance` (400): the RFQ creator's cash does not cover the accepted side (its cost and taker fee).

What is published (core/events.py's `Change`, payload a copy of the record as it is after the change):
- `RFQ_CHANGE` (user: the RFQ's creator) when an RFQ is created, and when it closes (deleted, replaced, its market
  closed, its quote executed);
- `QUOTE_CHANGE` (user: the quote's maker) when a quote is created, accepted, confirmed, cancelled (deleted, replaced,
  its RFQ closed, voided when its confirmation window ends, refused at execution) and executed. A quote's execution
  publishes the two orders' changes and fills first (trading.py), then the quote executed, then the RFQ closed: a
  client sees its fills before `quote_executed`. An RFQ that closes publishes its quotes' cancellations first.

What a user keeps: its open RFQs and live quotes, and its latest closed RFQs and ended quotes (executed or cancelled),
at most the ledger's `kept_ended` of each (Settings.kalshi_ended_orders, the ended orders' bound): past it the user's
oldest (by when it ended) is forgotten, as an order is (order_upkeep.py). A quote outlives its forgotten RFQ (it keeps
what it shows of it); an executed quote's orders are the orders' own. What goes follows from the order things ended
in, so a state file's replay forgets what the first run forgot.

Timers, on the exchange clock (the lifecycle's schedule, one heap with the markets' transitions: lifecycle.py's
`Timer`s of kinds `CONFIRM_DUE` and `EXECUTE_DUE`): an accepted quote not confirmed within `confirm_window` is voided
(the RFQ stays open); a confirmed quote executes `execution_delay` after its confirmation. Each is made at its own due
time, whichever way time moved past it, so a state file's replay reaches the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mockexchange.core.events import Change
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.checks import Refusal
from mockexchange.core.kalshi.due import Timer
from mockexchange.core.kalshi.lifecycle import refusal, schedule
from mockexchange.core.kalshi.price_levels import is_level
from mockexchange.core.kalshi.rfq_commands import (
    AcceptQuote,
    ConfirmQuote,
    CreateQuote,
    CreateRfq,
    DeleteQuote,
    DeleteRfq,
    OnQuote,
)
from mockexchange.core.kalshi.rfq_execution import QuoteExecution, creator_cost
from mockexchange.core.kalshi.rfq_records import (
    OBSCURED_ID,
    QUOTE_ACCEPTED,
    QUOTE_CANCELLED,
    QUOTE_CHANGE,
    QUOTE_CONFIRMED,
    QUOTE_EXECUTED,
    QUOTE_OPEN,
    RFQ_CHANGE,
    RFQ_CLOSED,
    RFQ_OPEN,
    Quote,
    Rfq,
)
from mockexchange.core.kalshi.rfq_sizing import side_counts
from mockexchange.core.kalshi.units import price

if TYPE_CHECKING:
    from mockexchange.core.kalshi.accounts import Account
    from mockexchange.core.kalshi.fees import FeeRule
    from mockexchange.core.kalshi.ledger_state import LedgerState
    from mockexchange.core.kalshi.markets import Market
    from mockexchange.core.kalshi.rfq_state import CommunicationsState

MAX_OPEN_RFQS = 100  # a user's open RFQs at once (Kalshi's RFQ guide)
MAX_LIVE_QUOTES = 1_000  # a maker's quotes open, accepted or confirmed at once (the mock's bound; Kalshi states none)
CONFIRM_WINDOW = timedelta(seconds=30)  # Kalshi's confirmation window (Settings.kalshi_rfq_confirm_window_s)
EXECUTION_DELAY = timedelta(seconds=15)  # Kalshi's execution timer (Settings.kalshi_rfq_execution_delay_s)
CONFIRM_DUE, EXECUTE_DUE = "rfq_confirm", "rfq_execute"  # the schedule's timer kinds
# Why a record ended (`cancellation_reason`)
DELETED, REPLACED, MARKET_CLOSED = "deleted by its creator", "replaced", "market closed"
RFQ_DELETED, WINDOW_EXPIRED = "rfq closed", "confirmation window expired"
_LIVE = (QUOTE_OPEN, QUOTE_ACCEPTED, QUOTE_CONFIRMED)  # a quote that has not ended
_TAKEN = (QUOTE_ACCEPTED, QUOTE_CONFIRMED)  # at most one quote of an RFQ at a time


def _refused(message: str, code: str, status: int = 400) -> Refusal:
    return Refusal(message, status, code)


class Communications:
    """The RFQs and quotes (`ledger.communications`; module docstring), under the ledger's lock. It takes the
    ledger's state and what it calls of the other parts: the lifecycle's `run_due` (`run_due_now`), the subaccounts'
    `known` check, the catalogue's fee rule of a market (`fee_rule_for`), and the execution of a quote
    (rfq_execution.py, through `ledger.trading`); its timers' times are the mock's settings."""

    def __init__(
        self,
        state: LedgerState,
        run_due: Callable[[], None],
        known: Callable[[Account, int, str], None],
        fee_rule_for: Callable[[str, str | None], FeeRule],
        execution: QuoteExecution,
        confirm_window: timedelta = CONFIRM_WINDOW,
        execution_delay: timedelta = EXECUTION_DELAY,
    ) -> None:
        self.state = state
        self.run_due = run_due
        self.known = known
        self.fee_rule_for = fee_rule_for
        self.execution = execution
        self.confirm_window = confirm_window
        self.execution_delay = execution_delay

    @property
    def kept(self) -> CommunicationsState:
        """What the part keeps (read each time: a snapshot's restore puts the state's fields anew)."""
        return self.state.communications

    # -- commands: RFQs ----------------------------------------------------------------------------------------------

    def create_rfq(self, create: CreateRfq) -> Rfq:
        """A new open RFQ of the user's subaccount (its `rfq_id`: the control plane's seeded id, else one drawn);
        `replace_existing` closes the user's open RFQ on the market first."""
        user_id, ticker = create.user_id, create.market_ticker
        state, kept = self.state, self.kept
        with state.lock:
            self.run_due()
            account = state.account(user_id)
            self.known_subaccount(account, create.subaccount)
            market = self.open_market(ticker)
            held = kept.open_rfqs.get(user_id, {})
            existing = kept.rfqs[held[ticker]] if ticker in held else None
            if existing is not None and not create.replace_existing:
                raise _refused(f"{user_id!r} has an open RFQ on {ticker!r} already ({existing.rfq_id})", "conflict",
                               409)  # fmt: skip
            if existing is None and len(held) >= MAX_OPEN_RFQS:
                raise _refused(f"a user has at most {MAX_OPEN_RFQS} open RFQs (delete one first)", "too_many_rfqs", 409)
            if existing is not None:
                self._check_closable(existing)
            self.check_new_id(create.rfq_id, kept.rfqs, "RFQ")
            # Checked: from here on nothing is refused.
            now = state.clock.now()
            self.communications_id_of(user_id)
            if existing is not None:
                self._close_rfq(existing, now, REPLACED, RFQ_DELETED)
            rfq = Rfq(
                create.rfq_id or state.new_id(), user_id, create.subaccount, ticker, market.event_ticker,
                create.contracts, create.target_cost, create.target_cost_excludes_fees, create.rest_remainder,
                create.obscure_creator_id, now, now, combo=state.multivariate.combos.get(ticker),
            )  # fmt: skip
            kept.rfqs[rfq.rfq_id] = rfq
            kept.open_rfqs.setdefault(user_id, {})[ticker] = rfq.rfq_id
            self._publish_rfq(rfq)
            return replace(rfq)

    def delete_rfq(self, delete: DeleteRfq) -> Rfq:
        """Close one of the user's open RFQs; its open and accepted quotes are cancelled (refused while one is
        confirmed: its execution is under way)."""
        state = self.state
        with state.lock:
            self.run_due()
            rfq = self.kept.rfqs.get(delete.rfq_id)
            if rfq is None or rfq.user_id != delete.user_id:
                raise _refused(f"no RFQ {delete.rfq_id!r} of this user", "not_found", 404)
            if rfq.rfq_batch_id is not None:  # (a batch's child closes with its batch: rfq_batches.py)
                raise _refused(f"RFQ {rfq.rfq_id!r} is a child of RFQ batch {rfq.rfq_batch_id!r}", "conflict", 409)
            if rfq.status != RFQ_OPEN:
                raise _refused(f"RFQ {rfq.rfq_id!r} is closed", "rfq_closed", 409)
            self._check_closable(rfq)
            self._close_rfq(rfq, state.clock.now(), DELETED, RFQ_DELETED)
            return replace(rfq)

    # -- commands: quotes --------------------------------------------------------------------------------------------

    def create_quote(self, create: CreateQuote) -> Quote:
        """A quote of the user's subaccount on another user's open RFQ, sized by the RFQ (rfq_sizing.py); it replaces
        the user's open quote on that RFQ."""
        user_id = create.user_id
        state, kept = self.state, self.kept
        with state.lock:
            self.run_due()
            rfq = kept.rfqs.get(create.rfq_id)
            if rfq is None:
                raise _refused(f"no RFQ {create.rfq_id!r}", "not_found", 404)
            if rfq.status != RFQ_OPEN:
                raise _refused(f"RFQ {rfq.rfq_id!r} is closed", "rfq_closed", 409)
            if rfq.rfq_batch_id is not None:  # (a batch's child is quoted through its batch: rfq_batches.py)
                raise _refused(f"RFQ {rfq.rfq_id!r} is a child of RFQ batch {rfq.rfq_batch_id!r}: quote the batch",
                               "invalid_parameters")  # fmt: skip
            if rfq.user_id == user_id:
                raise _refused("a user cannot quote its own RFQ (a self trade)", "self_trade")
            account = state.account(user_id)
            self.known_subaccount(account, create.subaccount)
            market = self.open_market(rfq.market_ticker)
            for name, bid in (("yes_bid", create.yes_bid), ("no_bid", create.no_bid)):
                if bid and not is_level(market.price_level_structure, bid):
                    raise _refused(f"{name} {price(bid)} is not on the price grid of {market.ticker!r} "
                                   f"({market.price_level_structure})", "invalid_parameters")  # fmt: skip
            previous = self._makers_quote(rfq.rfq_id, user_id)
            if previous is not None and previous.status != QUOTE_OPEN:
                raise _refused(f"the user's quote {previous.quote_id!r} on this RFQ is {previous.status}", "conflict",
                               409)  # fmt: skip
            if previous is None and len(kept.live_quotes.get(user_id, ())) >= MAX_LIVE_QUOTES:
                raise _refused(f"a user has at most {MAX_LIVE_QUOTES} live quotes (delete one first)",
                               "too_many_quotes", 409)  # fmt: skip
            self.check_new_id(create.quote_id, kept.quotes, "quote")
            rule = self.fee_rule_for(market.ticker, None)
            yes_contracts, no_contracts = side_counts(rfq, create.yes_bid, create.no_bid, rule)
            # Checked: from here on nothing is refused.
            now = state.clock.now()
            self.communications_id_of(user_id)
            if previous is not None:
                self._cancel_quote(previous, now, REPLACED)
            quote = Quote(
                create.quote_id or state.new_id(), rfq.rfq_id, user_id, create.subaccount, rfq.user_id,
                rfq.subaccount, rfq.market_ticker, create.yes_bid, create.no_bid, yes_contracts, no_contracts,
                create.rest_remainder, create.post_only, now, now, rfq_batch_id=rfq.rfq_batch_id,
                rfq_obscure_creator_id=rfq.obscure_creator_id, rfq_contracts=rfq.contracts,
                rfq_target_cost=rfq.target_cost, rfq_target_cost_excludes_fees=rfq.target_cost_excludes_fees,
            )  # fmt: skip
            kept.quotes[quote.quote_id] = quote
            kept.rfq_quotes.setdefault(rfq.rfq_id, {})[quote.quote_id] = None
            kept.live_quotes.setdefault(user_id, {})[quote.quote_id] = None
            self._publish_quote(quote)
            return replace(quote)

    def delete_quote(self, delete: DeleteQuote) -> Quote:
        """The maker withdraws its quote, open or accepted (not once confirmed)."""
        with self.state.lock:
            self.run_due()
            quote = self._quote_for(delete, maker=True)
            if quote.status not in (QUOTE_OPEN, QUOTE_ACCEPTED):
                raise _refused(f"quote {quote.quote_id!r} is {quote.status}: it cannot be deleted", "conflict", 409)
            self._cancel_quote(quote, self.state.clock.now(), DELETED)
            return replace(quote)

    def accept_quote(self, accept: AcceptQuote) -> Quote:
        """The RFQ's creator accepts one side of an open quote: its maker has the confirmation window to confirm."""
        state = self.state
        with state.lock:
            self.run_due()
            quote = self._quote_for(accept, maker=False)
            if quote.status != QUOTE_OPEN:
                raise _refused(f"quote {quote.quote_id!r} is {quote.status}, not open", "conflict", 409)
            rfq = self.kept.rfqs[quote.rfq_id]
            if rfq.status != RFQ_OPEN:
                raise _refused(f"RFQ {rfq.rfq_id!r} is closed", "rfq_closed", 409)
            taken = self._taken(rfq.rfq_id)
            if taken is not None:
                raise _refused(f"quote {taken.quote_id!r} of this RFQ is {taken.status} already", "conflict", 409)
            side = accept.accepted_side
            if not quote.contracts_on(side) or not (quote.yes_bid if side == "yes" else quote.no_bid):
                raise _refused(f"quote {quote.quote_id!r} offers no {side} side", "invalid_parameters")
            market = self.open_market(quote.market_ticker)
            account = state.account(rfq.user_id)
            cost = creator_cost(quote, side, self.fee_rule_for(market.ticker, None))
            if account.cash.get((rfq.subaccount, market.exchange_index), 0) < cost:
                raise _refused(f"insufficient balance: accepting {side} costs {cost} micro-dollars",
                               "insufficient_balance")  # fmt: skip
            now = state.clock.now()
            quote.status, quote.accepted_side, quote.accepted_ts, quote.updated_ts = QUOTE_ACCEPTED, side, now, now
            schedule(state, now + self.confirm_window, Timer(CONFIRM_DUE, quote.quote_id))
            self._publish_quote(quote)
            return replace(quote)

    def confirm_quote(self, confirm: ConfirmQuote) -> Quote:
        """The maker confirms its accepted quote: it executes when the execution timer ends; neither side can
        withdraw."""
        state = self.state
        with state.lock:
            self.run_due()
            quote = self._quote_for(confirm, maker=True)
            if quote.status != QUOTE_ACCEPTED:
                raise _refused(f"quote {quote.quote_id!r} is {quote.status}, not accepted", "conflict", 409)
            now = state.clock.now()
            quote.status, quote.confirmed_ts, quote.updated_ts = QUOTE_CONFIRMED, now, now
            schedule(state, now + self.execution_delay, Timer(EXECUTE_DUE, quote.quote_id))
            self._publish_quote(quote)
            return replace(quote)

    # -- what falls due, and a market's close (lifecycle.py) ------------------------------------------------------

    def confirm_due(self, quote_id: str, when: datetime) -> None:
        """An accepted quote's confirmation window ended at `when`: voided if it is still not confirmed."""
        quote = self.kept.quotes.get(quote_id)
        accepted = quote.accepted_ts if quote is not None and quote.status == QUOTE_ACCEPTED else None
        if quote is not None and accepted is not None and accepted + self.confirm_window <= when:
            self._cancel_quote(quote, when, WINDOW_EXPIRED)

    def execute_due(self, quote_id: str, when: datetime) -> None:
        """A confirmed quote's execution timer ended at `when`: its two orders go onto the book, at `when`."""
        quote = self.kept.quotes.get(quote_id)
        if quote is None or quote.status != QUOTE_CONFIRMED or quote.confirmed_ts is None:
            return
        if quote.confirmed_ts + self.execution_delay > when:
            return
        rfq = self.kept.rfqs[quote.rfq_id]
        failed = self.execution.execute(quote, rfq, when)
        if failed is not None:
            self._cancel_quote(quote, when, failed)
            return
        quote.status, quote.executed_ts, quote.updated_ts = QUOTE_EXECUTED, when, when
        self._publish_quote(quote)
        self._quote_ended(quote, when)
        self._close_rfq(rfq, when, "", RFQ_DELETED)

    def market_closed(self, market: Market, when: datetime) -> None:
        """The market closed at `when`: its open RFQs close, their live quotes cancelled."""
        ticker = market.ticker
        kept = self.kept
        closing = [kept.rfqs[held[ticker]] for held in kept.open_rfqs.values() if ticker in held]
        for rfq in closing:
            self._close_rfq(rfq, when, MARKET_CLOSED, MARKET_CLOSED)

    # -- reads (under the lock; a venue reads within `ledger.reading()`, which makes what is due first) -------------

    def rfq(self, rfq_id: str) -> Rfq:
        """The RFQ (a copy); not_found if there is none. Every user may read every RFQ (they are broadcast)."""
        with self.state.lock:
            rfq = self.kept.rfqs.get(rfq_id) if isinstance(rfq_id, str) else None
            if rfq is None:
                raise _refused(f"no RFQ {rfq_id!r}", "not_found", 404)
            return replace(rfq)

    def rfqs(
        self,
        *,
        status: str | None = None,
        market_ticker: str | None = None,
        event_ticker: str | None = None,
        user_id: str | None = None,
        subaccount: int | None = None,
    ) -> list[Rfq]:
        """The RFQs that match every filter given (copies), newest first: the order is their creation's, so an RFQ's
        place (its id) is a stable cursor."""
        with self.state.lock:
            return [
                replace(rfq)
                for rfq in reversed(self.kept.rfqs.values())
                if status in (None, rfq.status)
                and market_ticker in (None, rfq.market_ticker)
                and event_ticker in (None, rfq.event_ticker)
                and user_id in (None, rfq.user_id)
                and subaccount in (None, rfq.subaccount)
            ]

    def quote(self, quote_id: str, caller: str, rfq_id: str | None = None) -> Quote:
        """The quote (a copy), if `caller` made it or created its RFQ (and it is of `rfq_id`, if given); not_found
        otherwise."""
        with self.state.lock:
            return replace(self._visible_quote(quote_id, caller, rfq_id))

    def quotes(
        self,
        caller: str,
        *,
        rfq_id: str | None = None,
        status: str | None = None,
        quote_creator: str | None = None,
        rfq_creator: str | None = None,
        min_ts: datetime | None = None,
        max_ts: datetime | None = None,
    ) -> list[Quote]:
        """The quotes `caller` made or was offered that match every filter given (copies; `min_ts`, `max_ts`: its
        `updated_ts` within them, inclusive), newest first (by creation: a quote's id is a stable cursor)."""
        kept = self.kept
        with self.state.lock:
            found: Iterable[Quote] = kept.quotes_of(rfq_id) if rfq_id is not None else kept.quotes.values()
            return [
                replace(quote)
                for quote in reversed(list(found))
                if caller in (quote.user_id, quote.rfq_user_id)
                and status in (None, quote.status)
                and quote_creator in (None, quote.user_id)
                and rfq_creator in (None, quote.rfq_user_id)
                and (min_ts is None or quote.updated_ts >= min_ts)
                and (max_ts is None or quote.updated_ts <= max_ts)
            ]

    def communications_id_of(self, user_id: str) -> str:
        """The user's communications id: 32 hex digits, drawn at its first need and kept (a state file keeps it). A
        seeded mock draws each user's from the seed and the user's id, so it is the same whichever need came first."""
        ids = self.kept.ids
        found = ids.get(user_id)
        if found is None:
            with self.state.lock:
                found = ids.get(user_id)
                if found is None:
                    new_id = self.state.new_id
                    drawn = new_id.derived(f"communications/{user_id}")() if isinstance(new_id, IdFactory) else None
                    found = ids[user_id] = (drawn or new_id()).replace("-", "")
        return found

    def rfq_creator_id(self, rfq: Rfq, viewer: str | None) -> str:
        """The RFQ's `creator_id` as `viewer` sees it: its creator's communications id, or `OBSCURED_ID` to all but
        the creator if it asked to be obscured."""
        if rfq.obscure_creator_id and viewer != rfq.user_id:
            return OBSCURED_ID
        return self.communications_id_of(rfq.user_id)

    def quote_rfq_creator_id(self, quote: Quote, viewer: str | None) -> str:
        """A quote's `rfq_creator_id` as `viewer` sees it: obscured (if the RFQ asked) to the maker until the quote
        executes."""
        if quote.rfq_obscure_creator_id and viewer != quote.rfq_user_id and quote.status != QUOTE_EXECUTED:
            return OBSCURED_ID
        return self.communications_id_of(quote.rfq_user_id)

    # -- steps -------------------------------------------------------------------------------------------------------

    def known_subaccount(self, account: Account, subaccount: int) -> None:
        try:
            self.known(account, subaccount, "subaccount")
        except Refusal as exc:
            raise _refused(str(exc), "invalid_parameters") from None

    def open_market(self, ticker: str) -> Market:
        """The market, if it trades now (not found; closed)."""
        market = self.state.markets.get(ticker)
        if market is None:
            raise _refused(f"no market {ticker!r}", "not_found", 404)
        why = refusal(market)
        if why is not None:
            raise _refused(f"{why}: it takes no RFQs or quotes", "market_closed", 409)
        closed = self.state.exchange.refusal_now(self.state.clock)
        if closed is not None:
            raise _refused(f"{closed}: it takes no RFQs or quotes", "exchange_closed", 409)
        return market

    def check_new_id(self, given: str | None, held: Mapping[str, object], what: str) -> None:
        if given is not None and given in held:
            raise _refused(f"{what} {given!r} exists already", "conflict", 409)

    def _check_closable(self, rfq: Rfq) -> None:
        """An RFQ closes by its creator's hand unless a quote of it is confirmed (its execution is under way)."""
        taken = self._taken(rfq.rfq_id)
        if taken is not None and taken.status == QUOTE_CONFIRMED:
            raise _refused(f"quote {taken.quote_id!r} of RFQ {rfq.rfq_id!r} is confirmed: it executes", "conflict",
                           409)  # fmt: skip

    def _taken(self, rfq_id: str) -> Quote | None:
        """The RFQ's accepted or confirmed quote (at most one), if any."""
        return next((quote for quote in self.kept.quotes_of(rfq_id) if quote.status in _TAKEN), None)

    def _makers_quote(self, rfq_id: str, user_id: str) -> Quote | None:
        """The user's live quote on the RFQ (at most one), if any."""
        return next(
            (quote for quote in self.kept.quotes_of(rfq_id) if quote.user_id == user_id and quote.status in _LIVE),
            None,
        )

    def _visible_quote(self, quote_id: str, caller: str, rfq_id: str | None) -> Quote:
        quote = self.kept.quotes.get(quote_id) if isinstance(quote_id, str) else None
        if quote is None or caller not in (quote.user_id, quote.rfq_user_id) or rfq_id not in (None, quote.rfq_id):
            raise _refused(f"no quote {quote_id!r}", "not_found", 404)
        return quote

    def _quote_for(self, on: OnQuote | AcceptQuote, *, maker: bool) -> Quote:
        """The quote the command names, which the user sees, and of whom the command must be (its maker, or its RFQ's
        creator)."""
        quote = self._visible_quote(on.quote_id, on.user_id, on.rfq_id)
        if (quote.user_id == on.user_id) != maker:
            who = "its maker" if maker else "the RFQ's creator"
            raise _refused(f"only {who} may do this to quote {quote.quote_id!r}", "forbidden", 403)
        return quote

    def _cancel_quote(self, quote: Quote, now: datetime, reason: str) -> None:
        quote.status, quote.cancellation_reason = QUOTE_CANCELLED, reason
        quote.cancelled_ts = quote.updated_ts = now
        self._publish_quote(quote)
        self._quote_ended(quote, now)

    def _quote_ended(self, quote: Quote, now: datetime) -> None:
        """The quote ended at `now`: its maker's ended quotes keep it; past the bound the maker's oldest is forgotten
        (from its RFQ's quotes too)."""
        kept = self.kept
        unlist(kept.live_quotes, quote.user_id, quote.quote_id)
        kept.ended_quotes.add(quote.user_id, now, quote)
        for gone in kept.ended_quotes.trim(quote.user_id, self.state.kept_ended):
            kept.quotes.pop(gone.quote_id, None)
            unlist(kept.rfq_quotes, gone.rfq_id, gone.quote_id)

    def _close_rfq(self, rfq: Rfq, now: datetime, reason: str, quotes_reason: str) -> None:
        """Close the RFQ (`reason`: why, "" when its quote executed); its live quotes are cancelled first."""
        for quote in self.kept.quotes_of(rfq.rfq_id):
            if quote.status in _LIVE:
                self._cancel_quote(quote, now, quotes_reason)
        rfq.status, rfq.updated_ts = RFQ_CLOSED, now
        if reason:
            rfq.cancellation_reason, rfq.cancelled_ts = reason, now
        held = self.kept.open_rfqs[rfq.user_id]
        del held[rfq.market_ticker]
        if not held:
            del self.kept.open_rfqs[rfq.user_id]
        self._publish_rfq(rfq)
        closed = self.kept.closed_rfqs
        closed.add(rfq.user_id, now, rfq)
        for gone in closed.trim(rfq.user_id, self.state.kept_ended):  # its creator's oldest closed RFQ forgotten
            del self.kept.rfqs[gone.rfq_id]

    def _publish_rfq(self, rfq: Rfq) -> None:
        bus = self.state.bus
        if bus.takers(RFQ_CHANGE):
            bus.publish(Change(RFQ_CHANGE, rfq.user_id, replace(rfq)))

    def _publish_quote(self, quote: Quote) -> None:
        bus = self.state.bus
        if bus.takers(QUOTE_CHANGE):
            bus.publish(Change(QUOTE_CHANGE, quote.user_id, replace(quote)))


def unlist(lists: dict[str, dict[str, None]], key: str, item: str) -> None:
    """`item` off the list of `key`, the list gone once empty (a quote made elsewhere, an RFQ batch's, is on none;
    the RFQ batches part's lists are the same kind)."""
    held = lists.get(key)
    if held is not None:
        held.pop(item, None)
        if not held:
            del lists[key]
