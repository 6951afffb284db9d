"""A market maker that quotes RFQs by a rule, declared once (core/commands.py): a rule set (or replaced) and removed.
The admin API, the Python API, scenario steps and set-up sections, and the state file build these; the ledger's
`rfq_makers` part (rfq_makers.py) keeps the rules and quotes by them.

A rule names its maker (`user_id`, an open account of the mock), the markets it quotes (each entry a market's ticker,
its event's or its series'; none: every market), the price it quotes around (`price_from`: the mid of the market's
book, its last price, or `fair_price`; `fair_price` is also the fallback when the book or the trades have none), its
`spread` (each bid half of it away from the price; with both sides quoted, yes_bid + no_bid is at most a dollar less
the spread; a side whose bid would fall to 0 or below is not quoted), the most contracts it quotes (a larger RFQ is
ignored), how long after an RFQ is created it quotes, and whether, and how long after its quote is accepted, it
confirms. Amounts are the core's units (units.py): prices in ten-thousandths of a dollar, counts in hundredths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from mockexchange.core.commands import Command, UserCommand, value
from mockexchange.core.kalshi.order_commands import COUNT, PRICE, SUBACCOUNT
from mockexchange.core.kalshi.rfq_commands import BID
from mockexchange.core.values import FLAG, TEXT, Choice, Listed, Refused, Seconds

PRICE_FROM = ("mid", "last", "fair")  # what a rule quotes around
MAX_RULE_MARKETS = 100  # entries of a rule's `markets`
MOST_DELAY_S = 86_400  # a delay of at most a day, on the exchange clock


@dataclass(frozen=True, slots=True)
class SetRfqMaker(UserCommand):
    """The rule `rule` (set again: replaced): the user quotes every open RFQ it matches, `quote_delay_s` after the
    RFQ is created, and confirms its accepted quotes `confirm_delay_s` after the acceptance (`confirm`)."""

    name: ClassVar[str] = "set_rfq_maker"
    rule: str = value(TEXT)
    markets: tuple[str, ...] = value(Listed(TEXT, MAX_RULE_MARKETS, noun="tickers"), ())
    price_from: str = value(Choice(PRICE_FROM), "mid")
    fair_price: int | None = value(PRICE, None)
    spread: int = value(BID, 200)
    max_contracts: int | None = value(COUNT, None)
    quote_delay_s: timedelta = value(Seconds(MOST_DELAY_S), timedelta(0))
    confirm: bool = value(FLAG, True)
    confirm_delay_s: timedelta = value(Seconds(MOST_DELAY_S), timedelta(0))
    rest_remainder: bool = value(FLAG, False)
    subaccount: int = value(SUBACCOUNT, 0)

    def check(self) -> None:
        if self.price_from == "fair" and self.fair_price is None:
            raise Refused("fair_price is required when price_from is 'fair'")

    def covers(self, ticker: str, event_ticker: str, series_ticker: str) -> bool:
        """Whether the rule quotes the market `ticker` of that event and series."""
        markets = self.markets
        return not markets or ticker in markets or event_ticker in markets or series_ticker in markets


@dataclass(frozen=True, slots=True)
class RemoveRfqMaker(Command):
    """The rule `rule` removed: it quotes and confirms no more (its quotes made stay as they are)."""

    name: ClassVar[str] = "remove_rfq_maker"
    rule: str = value(TEXT)
