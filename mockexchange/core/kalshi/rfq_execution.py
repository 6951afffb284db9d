"""A confirmed quote's execution (communications.py's `execute_due`): two ordinary orders through the one road
(`ledger.trading`'s `submit_order` with a `PlaceOrder`), so fills, positions, balances, fees and every message of
theirs follow as for any order. Accepting side S, the maker buys S at S's bid and the RFQ's creator sells it there
(buys the other side at a dollar less the bid): on v2's YES book the maker's order is a `bid` at the YES bid (S yes) or
an `ask` at a dollar less the NO bid (S no), the creator's the opposite side at that price.

First the maker's order, good till cancelled, its `post_only` the quote's (one that would take is refused, and the
quote fails); then the creator's, at the same price, immediate-or-cancel unless the RFQ rests its remainder. The
maker's remainder then rests if the quote's `rest_remainder`, else it is cancelled. Each order's client order id is
drawn by the mock; both orders' ids are recorded on the quote. Before either order, the creator's cash must still
cover the accepted side; a refusal of either order (the maker's cash, post-only, the market not trading) fails the
execution (the quote is cancelled, the RFQ stays open), the maker's order cancelled if the creator's is refused (what
it took from others meanwhile stands, as any order's fills do).
Everything is dated at the time the execution timer ended.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from mockexchange.core.clock import fixed_at
from mockexchange.core.kalshi.checks import Refusal
from mockexchange.core.kalshi.order_commands import PlaceOrder
from mockexchange.core.kalshi.orders import GTC, IOC, RESTING, OrderOutcome
from mockexchange.core.kalshi.rfq_records import Quote, Rfq
from mockexchange.core.kalshi.units import PRICE

if TYPE_CHECKING:
    from mockexchange.core.kalshi.fees import FeeRule
    from mockexchange.core.kalshi.ledger_state import LedgerState

_SELF_TRADE = "taker_at_cross"  # (the two parties differ: quoting one's own RFQ is refused)
INSUFFICIENT = "insufficient balance"


def bid_on(quote: Quote, side: str) -> int:
    """The quote's bid on `side` (price units)."""
    return quote.yes_bid if side == "yes" else quote.no_bid


def creator_cost(quote: Quote, side: str, rule: FeeRule) -> int:
    """What accepting `side` costs the RFQ's creator (micro-dollars): the count at a dollar less the bid, and its
    taker fee."""
    count, paid = quote.contracts_on(side), PRICE - bid_on(quote, side)
    return count * paid + rule.fee_units(count, paid, True)


class QuoteExecution:
    """A confirmed quote's two orders (module docstring). It takes the ledger's state and what it calls of the other
    parts: placing an order (`submit`, trading.py's `submit_order`), cancelling a resting one (`cancel`, trading.py's
    `cancel_order`), and a market's fee rule (`fee_rule_for`, catalogue.py)."""

    def __init__(
        self,
        state: LedgerState,
        submit: Callable[[PlaceOrder], OrderOutcome],
        cancel: Callable[[str], OrderOutcome],
        fee_rule_for: Callable[[str, str | None], FeeRule],
    ) -> None:
        self.state = state
        self.submit = submit
        self.cancel = cancel
        self.fee_rule_for = fee_rule_for

    def execute(self, quote: Quote, rfq: Rfq, when: datetime) -> str | None:
        """Place the quote's two orders at `when`, their ids recorded on the quote; why it failed (the quote's
        cancellation reason), or None."""
        side = quote.accepted_side
        assert side is not None
        state = self.state
        market = state.markets[quote.market_ticker]
        account = state.accounts[rfq.user_id]
        if account.cash.get((rfq.subaccount, market.exchange_index), 0) < creator_cost(
            quote, side, self.fee_rule_for(market.ticker, None)
        ):
            return INSUFFICIENT
        bid = bid_on(quote, side)
        yes_price = bid if side == "yes" else PRICE - bid
        count = quote.contracts_on(side)
        maker_side, creator_side = ("bid", "ask") if side == "yes" else ("ask", "bid")
        with fixed_at(state, when):  # (every time read meanwhile, the orders' and fills', is `when`)
            maker_id, creator_id = state.new_id(), state.new_id()
            try:
                made = self.submit(PlaceOrder(
                    quote.user_id, quote.market_ticker, maker_side, count, yes_price, GTC, _SELF_TRADE,
                    client_order_id=maker_id, post_only=quote.post_only, subaccount=quote.subaccount,
                ))  # fmt: skip
            except Refusal as exc:
                return _why(exc)
            try:
                took = self.submit(PlaceOrder(
                    rfq.user_id, quote.market_ticker, creator_side, count, yes_price,
                    GTC if rfq.rest_remainder else IOC, _SELF_TRADE, client_order_id=creator_id,
                    subaccount=rfq.subaccount,
                ))  # fmt: skip
            except Refusal as exc:
                self._end_rest(made.order.order_id)
                return _why(exc)
            if not quote.rest_remainder:
                self._end_rest(made.order.order_id)
        quote.creator_order_id, quote.creator_client_order_id = made.order.order_id, maker_id
        quote.rfq_creator_order_id, quote.rfq_creator_client_order_id = took.order.order_id, creator_id
        return None

    def _end_rest(self, order_id: str) -> None:
        """Cancel what of the maker's order still rests."""
        order = self.state.orders.get(order_id)
        if order is not None and order.status == RESTING:
            self.cancel(order_id)


def _why(refused: Refusal) -> str:
    """A refused order's reason, as the quote's cancellation reason."""
    return INSUFFICIENT if refused.code == "insufficient_balance" else f"execution refused: {refused}"
