"""Kalshi's markets as the inspector shows them: `GET /_admin/markets` (the markets the ledger knows, a page at a time,
searched) and `GET /_admin/markets/{ticker}` (one market, its event and series, and its book).

Every figure is the Kalshi venue's own (kalshi_venue.py): a row of the list is fields of the market as GET /markets
renders it (the render cache's bytes, in the mock's profile); one market is GET /markets/{ticker}'s answer, its book
GET /markets/{ticker}/orderbook's (YES bids and NO bids, as Kalshi shows them) beside the YES book it is read from,
each level saying who rests there, in queue order: the house's scripted liquidity (core/kalshi/liquidity.py) and each
account's resting order (its owner, subaccount and order id; kalshi_orders.py). Each read holds the ledger's lock, so
a market, its book and the book's clock agree.

Bounded whatever the sandbox holds: a page is at most `MAX_LIMIT` markets, and a read looks at most `MAX_SCANNED`
markets in ticker order (a search that finds few stops there, and its cursor says where the next read goes on); a book
has at most its price level structure's levels a side.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockexchange.admin.kalshi.orders import level_owners
from mockexchange.admin.kalshi.venue import API, public_answer
from mockexchange.control import ControlError
from mockexchange.core.book import ASK, BID, Side
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import STATUSES, Market
from mockexchange.core.kalshi.units import PRICE, contracts, price
from mockexchange.core.numbers import excerpt
from mockexchange.venues.kalshi import catalogue, market_data, markets
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.render import count_fp, dollars4

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_SCANNED = 10_000  # markets one read looks at, in ticker order
MAX_TEXT = 256  # characters of `search` and `cursor` (a ticker is at most 256)
# GET /_admin/markets' query, as JSON Schemas: the route checks each value against its own, and the OpenAPI document
# says them.
MARKETS_QUERY: dict[str, dict[str, Any]] = {
    "search": {"type": "string", "maxLength": MAX_TEXT},
    "status": {"type": "string", "enum": list(STATUSES)},
    "cursor": {"type": "string", "maxLength": MAX_TEXT},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
}
# What a row of the list keeps of the market GET /markets renders.
ROW_FIELDS = (
    "ticker", "event_ticker", "title", "status", "open_time", "close_time", "result", "price_level_structure",
    "yes_bid_dollars", "yes_bid_size_fp", "yes_ask_dollars", "yes_ask_size_fp", "last_price_dollars", "volume_fp",
    "open_interest_fp",
)  # fmt: skip

# What each answer is: the venue's answer to this request (TICKER, EVENT, SERIES: the market's).
MARKET_QUERIES = {
    "rows": f"{API}/markets?tickers=TICKER",
    "exchange": f"{API}/exchange/status",
    "market": f"{API}/markets/TICKER",
    "orderbook": f"{API}/markets/TICKER/orderbook",
    "event": f"{API}/events/EVENT?exclude_markets=true",
    "series": f"{API}/series/SERIES",
}


def _count(units: int) -> str:
    return count_fp(contracts(units))


def _price(units: int) -> str:
    return dollars4(price(units))


class MarketReads:
    """The reads behind the inspector's markets, over one app's Kalshi venue."""

    def __init__(self, kalshi: KalshiContext) -> None:
        self.kalshi = kalshi

    def markets(
        self, search: str = "", status: str | None = None, cursor: str = "", limit: int = DEFAULT_LIMIT
    ) -> dict[str, Any]:
        """A page of the markets the ledger knows, in ticker order after `cursor`: those whose ticker, event ticker,
        series ticker or title holds `search` (any case), in `status` if given. Each row is fields of the market as
        GET /markets renders it, with its series and its book's clock. `cursor` in the answer: where the next page
        starts ("" at the end)."""
        ctx = self.kalshi
        with ctx.ledger.reading() as ledger:
            page, cursor = _page(ledger, search.casefold(), status, cursor, limit)
            return {
                "markets": [_row(ledger, m, served) for m, served in zip(page, _served(ctx, page), strict=True)],
                "cursor": cursor,
                "counts": {
                    "markets": len(ledger.state.markets),
                    "events": len(ledger.state.events),
                    "series": len(ledger.state.series),
                },
                "exchange": public_answer(market_data.get_exchange_status, ctx, {}),
                "profile": ctx.profile.name,
                "queries": {name: MARKET_QUERIES[name] for name in ("rows", "exchange")},
            }

    def market(self, ticker: str) -> dict[str, Any]:
        """One market: GET /markets/{ticker}'s answer, its orderbook's, its event's and its series', and the YES book
        its orderbook is read from, each level with who rests there, at the book's clock."""
        ctx = self.kalshi
        with ctx.ledger.reading() as ledger:
            market = ledger.state.markets.get(ticker)
            if market is None:
                raise ControlError(f"unknown market {excerpt(ticker)}: list it (POST /_admin/markets) or fill it", 404)
            event = ledger.state.events.get(market.event_ticker)
            series = event.series_ticker if event is not None else ""
            named = {"TICKER": ticker, "EVENT": market.event_ticker, "SERIES": series}
            queries = {name: MARKET_QUERIES[name] for name in ("market", "orderbook", "event", "series")}
            for word, value in named.items():
                queries = {name: text.replace(word, value) for name, text in queries.items()}
            event_query = {"event_ticker": market.event_ticker, "exclude_markets": "true"}
            return {
                "ticker": ticker,
                "series_ticker": series,
                "market": public_answer(markets.get_market, ctx, {"ticker": ticker})["market"],
                "orderbook": public_answer(market_data.get_market_orderbook, ctx, {"ticker": ticker}),
                "book": _book(market),
                "event": _found(catalogue.get_event, ctx, event_query, "event"),
                "series": _found(catalogue.get_series, ctx, {"series_ticker": series}, "series"),
                "profile": ctx.profile.name,
                "queries": queries,
            }


def _found(operation: Any, ctx: KalshiContext, values: dict[str, str], name: str) -> Any:
    """The record `name` of the operation's answer; None where it answers 404 (none)."""
    answer = public_answer(operation, ctx, values, missing=404)
    return None if answer is None else answer[name]


def _page(ledger: Ledger, needle: str, status: str | None, cursor: str, limit: int) -> tuple[list[Market], str]:
    """The page's markets and the next page's cursor: at most `limit` found, `MAX_SCANNED` looked at."""
    listed, last = ledger.state.listed, ""
    found: list[Market] = []
    for scanned, ticker in enumerate(listed.islice(listed.bisect_right(cursor) if cursor else 0)):
        if scanned == MAX_SCANNED:
            return found, last  # looked far enough: the next read goes on from here
        market = ledger.state.markets[ticker]
        if (status is None or market.status == status) and (not needle or _holds(ledger, market, needle)):
            if len(found) == limit:
                return found, found[-1].ticker
            found.append(market)
        last = ticker
    return found, ""


def _holds(ledger: Ledger, market: Market, needle: str) -> bool:
    if needle in market.ticker.casefold() or needle in market.event_ticker.casefold():
        return True
    if needle in market.title.casefold():
        return True
    event = ledger.state.events.get(market.event_ticker)
    return event is not None and needle in event.series_ticker.casefold()


def _served(ctx: KalshiContext, page: list[Market]) -> list[dict[str, Any]]:
    """The markets as GET /markets serves them: its kept bytes, read at one now."""
    return [orjson.loads(orjson.dumps(fragment)) for fragment in markets.rendered_all(ctx, page)]


def _row(ledger: Ledger, market: Market, served: dict[str, Any]) -> dict[str, Any]:
    event = ledger.state.events.get(market.event_ticker)
    return {
        **{name: served.get(name) for name in ROW_FIELDS},
        "series_ticker": event.series_ticker if event is not None else "",
        "book_clock": market.book_clock,
    }


def _book(market: Market) -> dict[str, Any]:
    """The market's YES book: its bids (YES bids) and asks (YES asks: a NO bid at 1 - the price), best first."""
    book = market.book

    def levels(side: Side) -> list[dict[str, Any]]:
        if book is None:
            return []
        shown = []
        for at, size in book.levels(side):
            owners = level_owners(book, side, at)
            shown.append(
                {"yes_price_dollars": _price(at), "no_price_dollars": _price(PRICE - at), "count_fp": _count(size),
                 "owners": owners}
            )  # fmt: skip
        return shown

    return {"clock": market.book_clock, "bids": levels(BID), "asks": levels(ASK)}
