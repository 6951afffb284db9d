"""Market makers that quote RFQs by a rule (rfq_maker_commands.py): the ledger's `rfq_makers` part, which keeps the
rules (`LedgerState.rfq_makers`, by name, in the order they were set) and quotes and confirms by them.

A rule hears of RFQs as a maker does, from what the communications part publishes (an RFQ created, its maker's quote
accepted: the bus's `RFQ_CHANGE` and `QUOTE_CHANGE`), and acts when its delay ends, through the lifecycle's one
schedule of due times (a `Timer` of kind `MAKER_QUOTE_DUE` or `MAKER_CONFIRM_DUE`), made at that time as a transition
is: the quote or the confirmation is the communications part's own `create_quote` or `confirm_quote`, the handler of
a client's `CreateQuote` or `ConfirmQuote`, run with the exchange clock reading the due time. So a state file, which
keeps the rules' commands, replays to the same quotes.

What a rule quotes (`bids`): a price `p` from the market (the mid of its book's best YES bid and ask, its last price,
or the rule's `fair_price`, which is also the fallback when the book has no two sides or the market no trade); then
yes_bid is `p` less half the spread, no_bid `$1 - p` less half the spread, each rounded down to a level of the
market's price grid (a bid of 0 does not quote that side; neither side: no quote). A rule ignores an RFQ of its own
maker, one on a market it does not cover, one larger than its `max_contracts` (a target cost's RFQ: the count either
side would offer) and one its maker already quotes by an earlier rule (a maker's first rule set that covers the
market quotes it). A quote the communications part refuses (the market paused, the RFQ closed meanwhile) is not made.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from mockexchange.core.clock import fixed_at
from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.due import Timer
from mockexchange.core.kalshi.lifecycle import schedule
from mockexchange.core.kalshi.market_feed import best, last_price
from mockexchange.core.kalshi.price_levels import level_at_or_below
from mockexchange.core.kalshi.rfq_commands import ConfirmQuote, CreateQuote
from mockexchange.core.kalshi.rfq_maker_commands import RemoveRfqMaker, SetRfqMaker
from mockexchange.core.kalshi.rfq_records import QUOTE_ACCEPTED, QUOTE_CHANGE, RFQ_CHANGE, RFQ_OPEN, Quote, Rfq
from mockexchange.core.kalshi.rfq_sizing import side_counts
from mockexchange.core.kalshi.units import PRICE
from mockexchange.core.values import Refused

if TYPE_CHECKING:
    from mockexchange.core.kalshi.fees import FeeRule
    from mockexchange.core.kalshi.ledger_state import LedgerState
    from mockexchange.core.kalshi.markets import Market

MAKER_QUOTE_DUE, MAKER_CONFIRM_DUE = "rfq_maker_quote", "rfq_maker_confirm"  # the schedule's timer kinds (due.py)


def around(rule: SetRfqMaker, market: Market) -> int | None:
    """The price the rule quotes around on `market` (price units), or None if it has none."""
    found: int | None = None
    if rule.price_from == "mid":
        bid, _, ask, _ = best(market)
        found = (bid + ask) // 2 if bid is not None and ask is not None else None
    elif rule.price_from == "last":
        found = last_price(market)
    return found if found is not None else rule.fair_price


def bids(rule: SetRfqMaker, market: Market) -> tuple[int, int] | None:
    """(yes_bid, no_bid) the rule quotes on `market`, each a level of its price grid or 0; None: it quotes nothing."""
    middle = around(rule, market)
    if middle is None:
        return None
    half = (rule.spread + 1) // 2  # (rounded up: two bids quoted leave at least the spread)
    structure = market.price_level_structure
    yes_bid = level_at_or_below(structure, middle - half)
    no_bid = level_at_or_below(structure, PRICE - middle - half)
    return (yes_bid, no_bid) if yes_bid or no_bid else None


class RfqMakers:
    """The rules and what they do (`ledger.rfq_makers`; module docstring), under the ledger's lock. It takes the
    ledger's state and what it calls of the other parts: the communications part's `quote` and `confirm` (its
    handlers of `CreateQuote` and `ConfirmQuote`), and a market's fee rule (`fee_rule_for`, catalogue.py), which
    sizes a target cost's quote (rfq_sizing.py)."""

    def __init__(
        self,
        state: LedgerState,
        quote: Callable[[CreateQuote], Quote],
        confirm: Callable[[ConfirmQuote], Quote],
        fee_rule_for: Callable[[str, str | None], FeeRule],
    ) -> None:
        self.state = state
        self.quote = quote
        self.confirm = confirm
        self.fee_rule_for = fee_rule_for
        state.bus.subscribe(self._heard, (RFQ_CHANGE, QUOTE_CHANGE))

    # -- commands ------------------------------------------------------------------------------------------------

    def set_rule(self, rule: SetRfqMaker) -> SetRfqMaker:
        """Keep the rule (replacing the one of its name); its maker must be an open account of the mock."""
        state = self.state
        with state.lock:
            state.account(rule.user_id)
            state.rfq_makers[rule.rule] = rule
        return rule

    def remove_rule(self, remove: RemoveRfqMaker) -> SetRfqMaker:
        """Drop the rule `remove.rule` (a 404 refusal if there is none); answers it."""
        state = self.state
        with state.lock:
            rule = state.rfq_makers.pop(remove.rule, None)
            if rule is None:
                raise LedgerError(f"no RFQ maker rule {remove.rule!r}", status=404)
        return rule

    def rules(self) -> list[SetRfqMaker]:
        """Every rule, in the order they were first set."""
        with self.state.lock:
            return list(self.state.rfq_makers.values())

    # -- what the rules hear, and what falls due --------------------------------------------------------------------

    def _heard(self, change: Change) -> None:
        """An RFQ created schedules each maker's quote by its first rule that takes it; a rule's maker's quote
        accepted schedules its confirmation."""
        record = change.payload
        if change.kind == RFQ_CHANGE:
            if record.status == RFQ_OPEN and record.updated_ts == record.created_ts:
                self._rfq_created(record)
        elif record.status == QUOTE_ACCEPTED and record.accepted_ts is not None:
            rule = self._rule_for(record.user_id, record.market_ticker)
            if rule is not None and rule.confirm:
                schedule(
                    self.state, record.accepted_ts + rule.confirm_delay_s, Timer(MAKER_CONFIRM_DUE, record.quote_id)
                )

    def _rfq_created(self, rfq: Rfq) -> None:
        makers: set[str] = set()
        for rule in self.state.rfq_makers.values():
            if rule.user_id in makers or not self._covers(rule, rfq.market_ticker):
                continue
            makers.add(rule.user_id)
            if rule.user_id != rfq.user_id:
                key = json.dumps([rfq.rfq_id, rule.rule])
                schedule(self.state, rfq.created_ts + rule.quote_delay_s, Timer(MAKER_QUOTE_DUE, key))

    def quote_due(self, key: str, when: datetime) -> None:
        """A rule's delay after an RFQ was created ended at `when`: its maker quotes the RFQ, if the rule (as it is now)
        still takes it."""
        rfq_id, name = json.loads(key)
        state = self.state
        rule = state.rfq_makers.get(name)
        rfq = state.communications.rfqs.get(rfq_id)
        if rule is None or rfq is None or rfq.status != RFQ_OPEN or rule.user_id == rfq.user_id:
            return
        market = state.markets.get(rfq.market_ticker)
        if market is None or self._rule_for(rule.user_id, rfq.market_ticker) is not rule:
            return
        quoted = bids(rule, market)
        if quoted is None or not self._fits(rule, rfq, *quoted):
            return
        yes_bid, no_bid = quoted
        command = CreateQuote(rule.user_id, rfq_id, yes_bid, no_bid, rule.rest_remainder, subaccount=rule.subaccount)
        with fixed_at(self.state, when), suppress(LedgerError, Refused):
            self.quote(command)  # (refused: the maker does not quote, and nothing changed)

    def confirm_due(self, quote_id: str, when: datetime) -> None:
        """A rule's delay after its maker's quote was accepted ended at `when`: the maker confirms it, if it is still
        accepted and a rule of its maker on the market still confirms."""
        quote = self.state.communications.quotes.get(quote_id)
        if quote is None or quote.status != QUOTE_ACCEPTED:
            return
        rule = self._rule_for(quote.user_id, quote.market_ticker)
        if rule is None or not rule.confirm:
            return
        with fixed_at(self.state, when), suppress(LedgerError, Refused):
            self.confirm(ConfirmQuote(quote.user_id, quote_id))

    # -- helpers -------------------------------------------------------------------------------------------------

    def _covers(self, rule: SetRfqMaker, ticker: str) -> bool:
        state = self.state
        market = state.markets.get(ticker)
        if market is None:
            return False
        event = state.events.get(market.event_ticker)
        return rule.covers(ticker, market.event_ticker, event.series_ticker if event is not None else "")

    def _rule_for(self, user_id: str, ticker: str) -> SetRfqMaker | None:
        """The maker's first rule that covers the market (None: none)."""
        for rule in self.state.rfq_makers.values():
            if rule.user_id == user_id and self._covers(rule, ticker):
                return rule
        return None

    def _fits(self, rule: SetRfqMaker, rfq: Rfq, yes_bid: int, no_bid: int) -> bool:
        """Whether the RFQ is within the rule's `max_contracts` (sized by a target cost: what each side offers)."""
        most = rule.max_contracts
        if most is None:
            return True
        if rfq.contracts is not None:
            return rfq.contracts <= most
        return max(side_counts(rfq, yes_bid, no_bid, self.fee_rule_for(rfq.market_ticker, None))) <= most
