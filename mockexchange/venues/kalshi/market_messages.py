"""The `msg` of Kalshi's market data messages (`orderbook_snapshot`, `orderbook_delta`, `ticker`, `trade`,
`market_lifecycle_v2`, and `multivariate_market_lifecycle`'s and `event_lifecycle`), in both wire profiles: field names,
units and decimal places are decided here.

The core holds a market's book as its YES book in ten-thousandths of a dollar and hundredths of a contract
(core/kalshi/units.py). Kalshi's wire shows the YES bids as `yes` levels and the YES asks as NO bids: an ask at p is a
`no` level at 1 - p, unless the subscription asked for `use_yes_price` (then at p). Levels are listed from the lowest
price shown to the highest, as Kalshi's examples list them.

- 3.34: prices as 4-place dollar strings, counts as 2-place `_fp` strings.
- legacy (late 2025): the same, plus the integer twins of that time: prices in cents, counts in whole contracts
  (both toward zero: a sub-cent level or a fraction of a contract has no exact twin), and the snapshot's `yes`/`no`
  (cents, contracts) and `yes_dollars`/`no_dollars` (dollars, contracts) level lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from mockexchange.core.book import BID, LevelChange
from mockexchange.core.clock import unix_ms, unix_seconds
from mockexchange.core.kalshi.market_changes import (
    METADATA,
    Cause,
    EventCreated,
    EventFee,
    Lifecycle,
    MarketStats,
    MarketTerms,
    Trade,
)
from mockexchange.core.kalshi.units import CONTRACT, PRICE, contracts, price
from mockexchange.venues.kalshi.render import omitempty, rfc3339
from mockexchange.web.answers import json_number

Row = dict[str, Any]
Levels = list[tuple[int, int]]  # (price, size) in the core's units, best first, as `MarketFeed.book_levels` answers

CENT = PRICE // 100  # ten-thousandths of a dollar in a cent


def dollars(units: int) -> str:
    """A price as Kalshi's 4-place dollar string ("0.5600")."""
    return str(price(units))


def count_fp(units: int) -> str:
    """A count (or a change of one) as Kalshi's 2-place string ("10.00", "-54.00")."""
    return str(contracts(units))


def cents(units: int) -> int:
    """A price in whole cents, toward zero (the legacy twins)."""
    return units // CENT


def whole(units: int) -> int:
    """A count in whole contracts, toward zero (the legacy twins)."""
    return units // CONTRACT if units >= 0 else -(-units // CONTRACT)


# -- orderbook ---------------------------------------------------------------------------------------------------------


def shown_price(side: str, units: int, yes_price: bool) -> int:
    """The price a level of the YES book is shown at: a bid at its price (a `yes` level), an ask as a NO bid at
    1 - price (a `no` level) unless `yes_price`."""
    return units if side == BID or yes_price else PRICE - units


def wire_side(side: str) -> str:
    return "yes" if side == BID else "no"


def _sides(bids: Levels, asks: Levels, yes_price: bool) -> tuple[Levels, Levels]:
    """The `yes` and `no` levels (shown price, size), lowest shown price first."""
    no = [(shown_price("ask", p, yes_price), size) for p, size in asks]  # asks come lowest YES price first
    return bids[::-1], (no if yes_price else no[::-1])


def orderbook_snapshot(ticker: str, market_id: str, clock: int, bids: Levels, asks: Levels, yes_price: bool) -> Row:
    """Both sides are always there (an empty list for an empty side): see docs/known-differences.md."""
    yes, no = _sides(bids, asks, yes_price)
    return {
        "market_ticker": ticker,
        "market_id": market_id,
        "clock": clock,
        "yes_dollars_fp": [[dollars(p), count_fp(size)] for p, size in yes],
        "no_dollars_fp": [[dollars(p), count_fp(size)] for p, size in no],
    }


def orderbook_snapshot_legacy(
    ticker: str, market_id: str, clock: int, bids: Levels, asks: Levels, yes_price: bool
) -> Row:
    yes, no = _sides(bids, asks, yes_price)
    row = orderbook_snapshot(ticker, market_id, clock, bids, asks, yes_price)
    for name, levels in (("yes", yes), ("no", no)):
        row[name] = [[cents(p), whole(size)] for p, size in levels]
        row[f"{name}_dollars"] = [[dollars(p), whole(size)] for p, size in levels]
    return row


def orderbook_delta(
    ticker: str, market_id: str, clock: int, change: LevelChange, at: datetime, cause: Cause | None, yes_price: bool
) -> Row:
    """One level's change; `cause` only for the user who caused it (None for everyone else)."""
    row: Row = {
        "market_ticker": ticker,
        "market_id": market_id,
        "clock": clock,
        "price_dollars": dollars(shown_price(change.side, change.price, yes_price)),
        "delta_fp": count_fp(change.after - change.before),
        "side": wire_side(change.side),
        "ts": rfc3339(at, "milliseconds"),
        "ts_ms": unix_ms(at),
    }
    if cause is not None:
        if cause.client_order_id is not None:
            row["client_order_id"] = cause.client_order_id
        row["subaccount"] = cause.subaccount
    return row


def orderbook_delta_legacy(
    ticker: str, market_id: str, clock: int, change: LevelChange, at: datetime, cause: Cause | None, yes_price: bool
) -> Row:
    row = orderbook_delta(ticker, market_id, clock, change, at, cause, yes_price)
    row["price"] = cents(shown_price(change.side, change.price, yes_price))
    row["delta"] = whole(change.after - change.before)
    return row


# -- ticker ------------------------------------------------------------------------------------------------------------

# What the ticker shows of a market with no bid, no ask or no trade yet (Kalshi's REST shows a market without offers
# at a YES bid of 0 and a YES ask of 1 dollar).
NO_BID, NO_ASK, NO_PRICE = 0, PRICE, 0


def ticker(market_ticker: str, market_id: str, stats: MarketStats, at: datetime) -> Row:
    """`dollar_volume` and `dollar_open_interest` are half the contracts in whole dollars (a contract pair is one
    dollar), as the spec's example has them."""
    return {
        "market_id": market_id,
        "market_ticker": market_ticker,
        "price_dollars": dollars(_or(stats.last_price, NO_PRICE)),
        "yes_bid_dollars": dollars(_or(stats.yes_bid, NO_BID)),
        "yes_ask_dollars": dollars(_or(stats.yes_ask, NO_ASK)),
        "volume_fp": count_fp(stats.volume),
        "open_interest_fp": count_fp(stats.open_interest),
        "dollar_volume": stats.volume // (2 * CONTRACT),
        "dollar_open_interest": stats.open_interest // (2 * CONTRACT),
        "yes_bid_size_fp": count_fp(stats.yes_bid_size),
        "yes_ask_size_fp": count_fp(stats.yes_ask_size),
        "last_trade_size_fp": count_fp(_or(stats.last_trade_size, 0)),
        "ts": unix_seconds(at),
        "ts_ms": unix_ms(at),
        "time": rfc3339(at, "milliseconds"),
    }


def ticker_legacy(market_ticker: str, market_id: str, stats: MarketStats, at: datetime) -> Row:
    return {
        **ticker(market_ticker, market_id, stats, at),
        "price": cents(_or(stats.last_price, NO_PRICE)),
        "yes_bid": cents(_or(stats.yes_bid, NO_BID)),
        "yes_ask": cents(_or(stats.yes_ask, NO_ASK)),
        "volume": whole(stats.volume),
        "open_interest": whole(stats.open_interest),
    }


def shown_stats(stats: MarketStats) -> tuple[int | None, ...]:
    """The stats a ticker message shows: a change of anything else (the previous day's, the 24 hours') sends
    none."""
    return (
        stats.yes_bid,
        stats.yes_bid_size,
        stats.yes_ask,
        stats.yes_ask_size,
        stats.last_price,
        stats.last_trade_size,
        stats.volume,
        stats.open_interest,
    )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


# -- trade -------------------------------------------------------------------------------------------------------------


def trade(t: Trade) -> Row:
    return {
        "trade_id": t.trade_id,
        "market_ticker": t.ticker,
        "yes_price_dollars": dollars(t.yes_price),
        "no_price_dollars": dollars(PRICE - t.yes_price),
        "count_fp": count_fp(t.count),
        "taker_side": t.taker_outcome_side,
        "taker_outcome_side": t.taker_outcome_side,
        "taker_book_side": t.taker_book_side,
        "is_block_trade": t.is_block_trade,
        "ts": unix_seconds(t.created),
        "ts_ms": unix_ms(t.created),
    }


def trade_legacy(t: Trade) -> Row:
    return {
        **trade(t),
        "yes_price": cents(t.yes_price),
        "no_price": cents(PRICE - t.yes_price),
        "count": whole(t.count),
    }


# -- market_lifecycle_v2 and multivariate_market_lifecycle ------------------------------------------------------------


def lifecycle(event: Lifecycle) -> Row:
    """The event's type and what it tells beside it (the same in both profiles: the legacy messages had no integer
    twins here)."""
    row: Row = {"market_ticker": event.ticker, "event_type": event.event_type}
    if event.event_type == "metadata_updated":  # (the terms it changed, beside its type, and nothing else)
        assert event.terms is not None
        return row | _terms(event.terms, event.updated)
    if event.terms is not None:
        row["exchange_index"] = event.terms.exchange_index
    if event.open_time is not None:
        row["open_ts"] = unix_seconds(event.open_time)
    if event.close_time is not None:
        row["close_ts"] = unix_seconds(event.close_time)
    if event.event_type == "determined":
        row["determination_ts"] = unix_seconds(event.at)
        omitempty(row, "result", event.result)
        if event.settlement_value is not None:
            row["settlement_value"] = dollars(event.settlement_value)
    elif event.event_type == "settled":
        row["settled_ts"] = unix_seconds(event.at)
    elif event.event_type in ("activated", "deactivated"):
        row["is_deactivated"] = event.event_type == "deactivated"
    if event.terms is not None:
        row["additional_metadata"] = _metadata(event)
    omitempty(row, "price_level_structure", event.price_level_structure)
    if event.price_ranges is not None:
        row["price_ranges"] = _ranges((r.start, r.end, r.step) for r in event.price_ranges)
    return row


def event_lifecycle(event: EventCreated) -> Row:
    """An event listed (`event_lifecycle`: a combo event's on the multivariate channel, another's on
    market_lifecycle_v2; the same in both profiles)."""
    row: Row = {
        "event_ticker": event.ticker, "exchange_index": event.exchange_index, "title": event.title,
        "subtitle": event.sub_title, "collateral_return_type": event.collateral_return_type,
        "series_ticker": event.series_ticker,
    }  # fmt: skip
    omitempty(row, "strike_date", None if event.strike_date is None else unix_seconds(event.strike_date))
    omitempty(row, "strike_period", event.strike_period)
    return row


def event_fee_update(fee: EventFee) -> Row:
    """An event's fee override set or cleared (`event_fee_update`: null when cleared)."""
    multiplier = None if fee.fee_multiplier is None else json_number(fee.fee_multiplier)
    return {"event_ticker": fee.ticker, "fee_type_override": fee.fee_type, "fee_multiplier_override": multiplier}


def _metadata(event: Lifecycle) -> Row:
    terms = event.terms
    assert terms is not None
    row: Row = {
        "name": terms.name,
        "title": terms.title,
        "yes_sub_title": terms.yes_sub_title,
        "no_sub_title": terms.no_sub_title,
        "rules_primary": terms.rules_primary,
        "rules_secondary": terms.rules_secondary,
        "can_close_early": terms.can_close_early,
        "event_ticker": terms.event_ticker,
        "expected_expiration_ts": unix_seconds(terms.expected_expiration),
    }
    return row | _terms(terms, METADATA)


def _terms(terms: MarketTerms, names: Iterable[str]) -> Row:
    """Those of a market's strike terms and YES subtitle named that it has (a strike left out when there is none)."""
    row: Row = {}
    for name in names:
        value = getattr(terms, name)
        if name in ("floor_strike", "cap_strike") and value is not None:
            value = json_number(value)
        if name == "yes_sub_title":
            row[name] = value
        else:
            omitempty(row, name, value)
    return row


def _ranges(ranges: Iterable[tuple[int, int, int]]) -> list[Row]:
    return [{"start": dollars(start), "end": dollars(end), "step": dollars(step)} for start, end, step in ranges]
