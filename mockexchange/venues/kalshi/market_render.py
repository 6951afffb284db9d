"""Kalshi's market data on the wire: markets, events, series, order books, trades, candlesticks and the exchange's
status, in each profile's shape (profiles.py picks one function per record; render.py holds the portfolio's).

3.34.0: prices as `*_dollars` strings of 4 places, counts as `*_fp` strings of 2; a fee multiplier and a strike as JSON
numbers written from their digits (never through a float). The legacy profile (what `kalshi_python_sync` 3.2.0
parses): the same fields, plus the integer twins of November 2025 (cents, whole contracts) and the fields it required
then (`response_price_units`, `liquidity`, `tick_size`, ...), its enums' words where 3.34's are newer
(docs/known-differences.md). An empty side of the book reads as Kalshi writes it: a YES bid of 0, a YES ask of 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mockexchange.core.candles import Candle, Range
from mockexchange.core.kalshi.market_changes import MarketStats
from mockexchange.core.kalshi.markets import Event, Market, Series
from mockexchange.core.kalshi.price_levels import price_ranges
from mockexchange.core.kalshi.units import PRICE, contracts, dollars, price
from mockexchange.core.money import to_cents, to_whole_contracts
from mockexchange.venues.kalshi.render import count_fp, dollars4, omitempty, rfc3339
from mockexchange.web.answers import json_number

Row = dict[str, Any]
Levels = tuple[list[tuple[int, int]], list[tuple[int, int]]]  # the YES book: bids and asks, best first


def _price(units: int) -> str:
    return dollars4(price(units))


def _count(units: int | None) -> str:
    return count_fp(contracts(units or 0))


def _time(when: datetime | None) -> str | None:
    return None if when is None else rfc3339(when)


# -- markets ----------------------------------------------------------------------------------------------------------


def quotes(f: MarketStats) -> dict[str, int]:
    """The market's prices as the wire names them, in price units: an empty side is a YES bid of 0 and a YES ask of 1
    (so a NO ask of 1 and a NO bid of 0), no trade a last price of 0."""
    yes_bid = f.yes_bid if f.yes_bid is not None else 0
    yes_ask = f.yes_ask if f.yes_ask is not None else PRICE
    return {
        "yes_bid": yes_bid, "yes_ask": yes_ask, "no_bid": PRICE - yes_ask, "no_ask": PRICE - yes_bid,
        "last_price": f.last_price or 0, "previous_yes_bid": f.previous_yes_bid or 0,
        "previous_yes_ask": f.previous_yes_ask if f.previous_yes_ask is not None else PRICE,
        "previous_price": f.previous_price or 0,
    }  # fmt: skip


def market(m: Market, f: MarketStats) -> Row:
    """A 3.34 `Market` (every required field; the optional ones the mock knows)."""
    q = quotes(f)
    t, o, times = m.terms, m.outcome, m.times  # (read as parts: each field through the market is a call)
    row: Row = {
        "ticker": m.ticker, "event_ticker": m.event_ticker, "market_type": t.market_type, "title": m.title,
        "subtitle": t.subtitle, "yes_sub_title": m.yes_sub_title, "no_sub_title": m.no_sub_title,
        "created_time": rfc3339(times.created_time), "updated_time": rfc3339(times.updated_time),
        "open_time": rfc3339(times.open_time), "close_time": rfc3339(times.close_time),
        "expiration_time": rfc3339(times.latest_expiration_time),
        "latest_expiration_time": rfc3339(times.latest_expiration_time),
        "settlement_timer_seconds": t.settlement_timer_seconds, "status": m.status, "exchange_index": m.exchange_index,
        "notional_value_dollars": _price(PRICE),
        **{f"{name}_dollars": _price(q[name]) for name in ("yes_bid", "yes_ask", "no_bid", "no_ask")},
        "yes_bid_size_fp": _count(f.yes_bid_size), "yes_ask_size_fp": _count(f.yes_ask_size),
        **{f"{name}_dollars": _price(q[name]) for name in ("last_price", "previous_yes_bid", "previous_yes_ask",
                                                           "previous_price")},
        "volume_fp": _count(f.volume), "volume_24h_fp": _count(f.volume_24h),
        "open_interest_fp": _count(f.open_interest),
        "result": o.result or "", "can_close_early": t.can_close_early, "expiration_value": t.expiration_value,
        "rules_primary": t.rules_primary, "rules_secondary": t.rules_secondary,
        "price_level_structure": t.price_level_structure, "price_ranges": ranges(t.price_level_structure),
        "settlement_bounds_type": t.settlement_bounds_type, "occurrence_datetime": _time(t.occurrence_datetime),
    }  # fmt: skip
    omitempty(row, "expected_expiration_time", _time(t.expected_expiration_time))
    omitempty(row, "strike_type", t.strike_type)
    omitempty(row, "floor_strike", None if t.floor_strike is None else json_number(t.floor_strike))
    omitempty(row, "cap_strike", None if t.cap_strike is None else json_number(t.cap_strike))
    omitempty(row, "functional_strike", t.functional_strike)
    omitempty(row, "custom_strike", t.custom_strike)
    omitempty(row, "early_close_condition", t.early_close_condition)
    omitempty(row, "fee_waiver_expiration_time", _time(t.fee_waiver_expiration_time))
    omitempty(row, "primary_participant_key", t.primary_participant_key)
    if t.is_provisional:
        row["is_provisional"] = True
    omitempty(row, "settlement_value_dollars", None if o.settlement_value is None else _price(o.settlement_value))
    omitempty(row, "settlement_ts", _time(o.settled_time))
    return row


# The 3.2.0 SDK's status words: it knows no `inactive` (a paused market takes no orders: closed to it) and says
# `settled` for `finalized`.
_LEGACY_STATUS = {"inactive": "closed", "finalized": "settled", "disputed": "determined", "amended": "determined"}


def market_legacy(m: Market, f: MarketStats, category: str, levels: Levels) -> Row:
    row = market(m, f)
    cents = {name: units // 100 for name, units in quotes(f).items()}  # whole cents, toward zero
    liquidity = sum(p * s for p, s in levels[0]) + sum((PRICE - p) * s for p, s in levels[1])  # micro-dollars
    row.update(
        status=_LEGACY_STATUS.get(m.status, m.status), response_price_units="usd_cent", **cents,
        volume=to_whole_contracts(contracts(f.volume)), volume_24h=to_whole_contracts(contracts(f.volume_24h)),
        open_interest=to_whole_contracts(contracts(f.open_interest)), notional_value=100,
        liquidity=to_cents(dollars(liquidity)), liquidity_dollars=dollars4(dollars(liquidity)),
        category=category, risk_limit_cents=0, tick_size=1,
    )  # fmt: skip
    if m.settlement_value is not None:
        row["settlement_value"] = m.settlement_value // 100
    return row


def market_of(m: Market, f: MarketStats, ledger: Any) -> Row:
    """`market`, in the profiles' signature (the ledger, under its lock, for what a shape reads beside: a combo
    market's collection and legs)."""
    return combo_fields(market(m, f), m, ledger)


def market_legacy_of(m: Market, f: MarketStats, ledger: Any) -> Row:
    category = ledger.state.series[ledger.state.events[m.event_ticker].series_ticker].category
    return combo_fields(market_legacy(m, f, category, ledger.feed.book_levels(m.ticker)), m, ledger)


def combo_fields(row: Row, m: Market, ledger: Any) -> Row:
    """A combo market's `mve_collection_ticker` and `mve_selected_legs` (left out of any other market's row), each leg
    with its market's settlement value once that is determined."""
    combo = ledger.state.multivariate.combos.get(m.ticker)
    if combo is not None:
        row["mve_collection_ticker"] = combo.collection_ticker
        row["mve_selected_legs"] = [selected_leg(leg, ledger.state.markets[leg.market_ticker]) for leg in combo.legs]
    return row


def selected_leg(leg: Any, m: Market) -> Row:
    """Kalshi's `MveSelectedLeg` of a leg and its market: with the market's settlement value once determined."""
    row = leg_row(leg)
    omitempty(row, "yes_settlement_value_dollars", None if m.settlement_value is None else _price(m.settlement_value))
    return row


def leg_row(leg: Any) -> Row:
    """A leg (core/kalshi/multivariate_records.py's `Leg`) as Kalshi's `MveSelectedLeg` names it."""
    return {"event_ticker": leg.event_ticker, "market_ticker": leg.market_ticker, "side": leg.side}


def ranges(structure: str) -> list[Row]:
    return [{"start": _price(r.start), "end": _price(r.end), "step": _price(r.step)} for r in price_ranges(structure)]


# -- events and series ------------------------------------------------------------------------------------------------


def sources(given: Sequence[Any]) -> list[Row]:
    """Settlement sources, each a `SettlementSource`."""
    return [{"name": s.name, "url": s.url} for s in given]


def event(e: Event) -> Row:
    row: Row = {
        "event_ticker": e.event_ticker, "series_ticker": e.series_ticker, "sub_title": e.sub_title, "title": e.title,
        "collateral_return_type": e.collateral_return_type, "mutually_exclusive": e.mutually_exclusive,
        "category": e.category, "settlement_sources": sources(e.settlement_sources),
        "exchange_index": e.exchange_index, "last_updated_ts": rfc3339(e.last_updated),
    }  # fmt: skip
    omitempty(row, "strike_date", _time(e.strike_date))
    omitempty(row, "strike_period", e.strike_period)
    omitempty(row, "fee_type_override", e.fee_type_override)
    omitempty(row, "fee_multiplier_override", None if e.fee_multiplier_override is None else
              json_number(e.fee_multiplier_override))  # fmt: skip
    omitempty(row, "product_metadata", e.product_metadata)
    return row


def event_legacy(e: Event) -> Row:
    return {**event(e), "available_on_brokers": False, "product_metadata": e.product_metadata}


def series(s: Series, volume: int | None = None, metadata: bool = False) -> Row:
    row: Row = {
        "ticker": s.ticker, "frequency": s.frequency, "title": s.title, "category": s.category,
        "categories": list(s.categories), "tags": list(s.tags), "settlement_sources": sources(s.settlement_sources),
        "contract_url": s.contract_url, "contract_terms_url": s.contract_terms_url, "fee_type": s.fee_type,
        "fee_multiplier": json_number(s.fee_multiplier), "additional_prohibitions": list(s.additional_prohibitions),
        "last_updated_ts": rfc3339(s.last_updated),
    }  # fmt: skip
    if metadata:
        omitempty(row, "product_metadata", s.product_metadata)
    omitempty(row, "volume_fp", None if volume is None else _count(volume))
    return row


def series_legacy(s: Series, volume: int | None = None, metadata: bool = False) -> Row:
    # The 3.2.0 SDK knows three fee types: the combo makers' schedule is the makers' one to it.
    fee_type = "quadratic_with_maker_fees" if s.fee_type == "quadratic_with_combo_maker_fees" else s.fee_type
    return {**series(s, volume, metadata), "fee_type": fee_type}


# -- the book, trades, the exchange -----------------------------------------------------------------------------------


def orderbook(levels: Levels) -> Row:
    """`OrderbookCountFp`: YES bids and NO bids, each in ascending price (the best bid last), as Kalshi lists them."""
    bids, asks = levels
    return {
        "yes_dollars": [[_price(p), _count(s)] for p, s in reversed(bids)],
        "no_dollars": [[_price(PRICE - p), _count(s)] for p, s in reversed(asks)],
    }


def orderbook_legacy(levels: Levels) -> Row:
    bids, asks = levels
    yes = [[to_cents(price(p)), to_whole_contracts(contracts(s))] for p, s in reversed(bids)]
    no = [[to_cents(price(PRICE - p)), to_whole_contracts(contracts(s))] for p, s in reversed(asks)]
    return {"yes": yes or None, "no": no or None, **orderbook(levels)}


def book_answer(levels: Levels) -> Row:
    """GetMarketOrderbookResponse: the book under `orderbook_fp`."""
    return {"orderbook_fp": orderbook(levels)}


def book_answer_legacy(levels: Levels) -> Row:
    """The legacy profile's: the book SDK 3.2.0 reads (`orderbook`, with the integer levels) and 3.34.0's beside it,
    as the profile carries every 3.34 field (the clients of the fixed-point migration read `orderbook_fp`)."""
    return {"orderbook": orderbook_legacy(levels), **book_answer(levels)}


def trade(t: Any) -> Row:
    """A 3.34 `Trade` from a printed trade (market_changes.Trade, or a fill among the trades read as one)."""
    return {
        "trade_id": t.trade_id, "ticker": t.ticker, "count_fp": _count(t.count),
        "yes_price_dollars": _price(t.yes_price), "no_price_dollars": _price(PRICE - t.yes_price),
        "taker_outcome_side": t.taker_outcome_side, "taker_book_side": t.taker_book_side,
        "taker_side": t.taker_outcome_side, "created_time": rfc3339(t.created), "is_block_trade": t.is_block_trade,
    }  # fmt: skip


def trade_legacy(t: Any) -> Row:
    return {
        **trade(t), "price": json_number(price(t.yes_price)), "count": to_whole_contracts(contracts(t.count)),
        "yes_price": to_cents(price(t.yes_price)), "no_price": to_cents(price(PRICE - t.yes_price)),
    }  # fmt: skip


def exchange_status(status: Any, indexes: Sequence[int]) -> Row:
    trading = status.exchange_active and status.trading_active
    return {
        "exchange_active": status.exchange_active, "trading_active": trading,
        "exchange_estimated_resume_time": _time(status.estimated_resume_time),
        "intra_exchange_transfers_active": status.exchange_active,
        "exchange_index_statuses": [
            {"exchange_index": index, "description": f"exchange index {index}",
             "exchange_active": status.exchange_active, "trading_active": trading,
             "intra_exchange_transfers_active": status.exchange_active}
            for index in indexes
        ],
    }  # fmt: skip


def exchange_status_legacy(status: Any, indexes: Sequence[int]) -> Row:
    row = exchange_status(status, indexes)
    return {name: row[name] for name in ("exchange_active", "trading_active", "exchange_estimated_resume_time")}


# -- candlesticks -----------------------------------------------------------------------------------------------------


def _bid_ask(r: Range) -> dict[str, int | None]:
    return {name: getattr(r, name) for name in ("open", "low", "high", "close")}


def _trade_figures(c: Candle) -> dict[str, int | None]:
    """The candle's trade prices by name (None: no trade in the period)."""
    r = c.price
    first, low, high, last = (None, None, None, None) if r is None else (r.open, r.low, r.high, r.close)
    return {"open": first, "low": low, "high": high, "close": last, "mean": c.mean, "previous": c.previous}


def _range(r: Range, legacy: bool) -> Row:
    return _prices(_bid_ask(r), legacy)


def _trade_prices(c: Candle, legacy: bool) -> Row:
    figures = _trade_figures(c)
    return _prices({**figures, "min": figures["low"], "max": figures["high"]}, legacy)


def _plain(values: dict[str, int | None]) -> Row:
    """Prices by name, under the name alone (the historical API's candles)."""
    return {name: None if units is None else _price(units) for name, units in values.items()}


def _prices(values: dict[str, int | None], legacy: bool) -> Row:
    """Prices by name (None: none) as `{name}_dollars`, and the legacy profile's whole cents beside them."""
    row: Row = {f"{name}_dollars": None if units is None else _price(units) for name, units in values.items()}
    if legacy:
        row.update({name: None if units is None else units // 100 for name, units in values.items()})
    return row


def candlestick(c: Candle) -> Row:
    return {
        "end_period_ts": c.end_period_ts, "yes_bid": _range(c.bid, False), "yes_ask": _range(c.ask, False),
        "price": _trade_prices(c, False), "volume_fp": _count(c.volume), "open_interest_fp": _count(c.open_interest),
    }  # fmt: skip


def candlestick_historical(c: Candle) -> Row:
    """A `MarketCandlestickHistorical`: the same figures, named without `_dollars` and `_fp` (the historical API)."""
    return {
        "end_period_ts": c.end_period_ts, "yes_bid": _plain(_bid_ask(c.bid)), "yes_ask": _plain(_bid_ask(c.ask)),
        "price": _plain(_trade_figures(c)), "volume": _count(c.volume), "open_interest": _count(c.open_interest),
    }  # fmt: skip


def candlestick_legacy(c: Candle) -> Row:
    return {
        **candlestick(c), "yes_bid": _range(c.bid, True), "yes_ask": _range(c.ask, True),
        "price": _trade_prices(c, True), "volume": to_whole_contracts(contracts(c.volume)),
        "open_interest": to_whole_contracts(contracts(c.open_interest)),
    }  # fmt: skip
