"""ccxt's public market data reads of the mock's Deribit venue, judged against what the exchange keeps: `fetch_tickers`
(public/get_book_summary_by_currency), `fetch_ohlcv` (public/get_tradingview_chart_data), `fetch_trades`
(public/get_last_trades_by_instrument and its `_and_time` form) and `fetch_option_chain` (the book summary of the
options). They run in the client matrix's `markets` cell with fetch_order_book and fetch_ticker, in one run of ccxt's
script (ccxt_trading.py's `play_markets`), whose values worked by hand tests/clients/ccxt_played.py checks.

What the exchange keeps is read from its core after the run (the exchange's clock stands still, so nothing moved
since ccxt asked): each instrument's trades and candles as kept, its book summary's figures (core/deribit/
market_stats.py). Each figure is judged twice, as ccxt_checks.py does: the wire's JSON number, read as a Decimal, is
the kept figure at the places Deribit sends it, and ccxt's parsed float is that number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockexchange.contract.clients.ccxt_checks import at, listed_name, unified_symbol, wire_result
from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.candles import MINUTE_MS, RESOLUTIONS, DeribitCandle
from mockexchange.core.deribit.market_stats import Summary, summaries
from mockexchange.core.deribit.public_levels import PublicLevels
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.server import MockServer
from mockexchange.venues.deribit.market_data import CHANGE, VOLUME
from mockexchange.venues.deribit.render import PRICE

PERP = "BTC-PERPETUAL"
SUMMARY_PATH = "/api/v2/public/get_book_summary_by_currency"
CHART_PATH = "/api/v2/public/get_tradingview_chart_data"
TRADES_PATHS = ("/api/v2/public/get_last_trades_by_instrument", "/api/v2/public/get_last_trades_by_instrument_and_time")
TIMEFRAMES = {"1m": 1, "5m": 5}  # ccxt's timeframe -> Deribit's resolution in minutes
CANDLES = 10  # fetch_ohlcv's limit
HOUR_MS = 60 * MINUTE_MS
CALLS = ("tickers", "ohlcv-1m", "ohlcv-5m", "trades", "trades-since", "chain")
Figures = dict[str, tuple[str, Decimal | None]]  # ccxt's field -> (the wire's field, the kept figure as sent)


@dataclass
class MarketRecords:
    """What the exchange keeps that the reads answer: the perpetual's trades (oldest first) and candles (by
    resolution), the book summaries of the BTC-settled instruments listed and not expired, their unified symbols,
    the clock, and the call ids' bounds (`since` of the trades read)."""

    trades: list[DeribitTrade]
    candles: dict[int, list[DeribitCandle]]
    summaries: list[Summary]
    symbols: dict[str, str]
    inverse: dict[str, bool]
    now_ms: int
    trades_since: int
    option: str


def seed_market_data(mock: MockServer) -> str:
    """From 5 seconds past the next whole hour `H` (the candles' and funding hours' grid; a whole millisecond, as the
    wire's times): the BTC index's last 10 hours (60000 from H-10h, 61000 from H-2h, 61234.5 now: ccxt_feeds.py's
    funding history reads them), trades of the perpetual in its first and third minute (seeded fills, which leave the
    book alone) and of a BTC call, which gets a bid and an ask too; the exchange's clock then stands 5 seconds into
    the next 5 minutes. Answers the call's name."""
    option = listed_name(mock, "option", "BTC", strike=Decimal(60000), option_type="call")
    now_ms = unix_ms(mock.exchange.state.clock.now())
    hour = now_ms - now_ms % HOUR_MS + HOUR_MS
    mock.advance_clock(to=iso(hour + 5_000))
    index = [{"at": iso(hour - 10 * HOUR_MS), "price": "60000"}, {"at": iso(hour - 2 * HOUR_MS), "price": "61000"}]
    mock.set_index_path("btc_usd", [*index, {"price": "61234.5"}])
    mock.deribit_fill("alice", PERP, "buy", "1000", "50000")
    mock.advance_clock(seconds=30)
    mock.deribit_fill("bob", PERP, "sell", "2000", "50100.5")
    mock.advance_clock(seconds=90)  # the third minute
    mock.deribit_fill("alice", PERP, "buy", "500", "49950")
    mock.deribit_fill("bob", option, "buy", "0.5", "0.045")
    mock.advance_clock(seconds=180)  # 5 s into the next 5 minutes
    mock.deribit_order("bob", option, "buy", "1", "0.04")
    mock.deribit_order("alice", option, "sell", "1.5", "0.05")
    return option


def iso(ms: int) -> str:
    """An exchange time in milliseconds as the control plane takes it."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def market_data_calls(mock: MockServer, option: str) -> list[dict[str, Any]]:
    """The reads, one call each: every BTC ticker, the perpetual's 1- and 5-minute candles from its first trade's
    minute, its last trades, two of them from its second trade on, the BTC option chain."""
    trades = mock.exchange.state.instrument_trades[PERP]
    first, second = unix_ms(trades[0].timestamp), unix_ms(trades[1].timestamp)
    symbol = unified_symbol(mock, PERP)
    calls: list[dict[str, Any]] = [{"id": "tickers", "method": "fetch_tickers", "args": [None, {"code": "BTC"}]}]
    for timeframe, minutes in TIMEFRAMES.items():
        since = first - first % (minutes * MINUTE_MS)
        calls.append({"id": f"ohlcv-{timeframe}", "method": "fetch_ohlcv", "args": [symbol, timeframe, since, CANDLES]})
    calls += [
        {"id": "trades", "method": "fetch_trades", "args": [symbol]},
        {"id": "trades-since", "method": "fetch_trades", "args": [symbol, second, 2]},
        {"id": "chain", "method": "fetch_option_chain", "args": ["BTC"]},
    ]
    return calls


def market_records(mock: MockServer, option: str) -> MarketRecords:
    """What the exchange keeps that the reads answer, read from its core (never through the renderers)."""
    exchange = mock.exchange
    with exchange.reading():
        state, market = exchange.state, exchange.market
        now_ms = unix_ms(state.clock.now())
        listed = [item for item in market.instruments("BTC") if now_ms < item.expiration_timestamp]
        summed = summaries(exchange, PublicLevels(exchange), listed)
        trades = list(state.instrument_trades[PERP])
        series = state.candles[PERP]
        candles = {minutes: list(series[RESOLUTIONS.index(minutes)]) for minutes in TIMEFRAMES.values()}
    names = [item.instrument.instrument_name for item in summed]
    symbols = {name: unified_symbol(mock, name) for name in names}
    inverse = {item.instrument.instrument_name: item.instrument.is_inverse for item in summed}
    return MarketRecords(trades, candles, summed, symbols, inverse, now_ms, unix_ms(trades[1].timestamp), option)


# -- judging --------------------------------------------------------------------------------------------------------


def market_data_problems(outcomes: dict[str, dict[str, Any]], kept: MarketRecords) -> list[str]:
    """Each read ok and equal to what the exchange keeps, through the wire."""
    problems = [f"{call} raised {outcomes[call]['error']['type']}: {outcomes[call]['error']['message'][:200]}"
                for call in CALLS if not outcomes[call]["ok"]]  # fmt: skip
    if problems:
        return problems
    problems += tickers_problems(outcomes["tickers"], kept)
    for timeframe, minutes in TIMEFRAMES.items():
        problems += ohlcv_problems(outcomes[f"ohlcv-{timeframe}"], kept, minutes)
    problems += trades_problems(outcomes["trades"], kept.trades, kept)
    since = [trade for trade in kept.trades if unix_ms(trade.timestamp) >= kept.trades_since][:2]
    problems += trades_problems(outcomes["trades-since"], since, kept)
    problems += chain_problems(outcomes["chain"], kept)
    return problems


def figures_problems(label: str, parsed: dict[str, Any], wire: dict[str, Any], want: Figures) -> list[str]:
    """Each kept figure on the wire exactly (null for None) and as ccxt parsed it (a float, or None)."""
    problems = []
    for name, (field, value) in want.items():
        if wire.get(field) != value:
            problems.append(f"{label} wire {field}: {wire.get(field)}, kept {value}")
        if parsed.get(name) != (None if value is None else float(value)):
            problems.append(f"{label} ccxt {name}: {parsed.get(name)!r}, kept {value}")
    return problems


def _price(value: Decimal | None) -> Decimal | None:
    return None if value is None else at(value, PRICE)


def _volume(value: Decimal | None) -> Decimal:
    return at(value if value is not None else Decimal(0), VOLUME)  # 0 with no trade in 24 hours


def summary_figures(item: Summary) -> Figures:
    """A book summary's figures as ccxt's ticker names them (parse_ticker reads a summary's fields)."""
    stats = item.stats
    return {
        "bid": ("bid_price", _price(item.best_bid)), "ask": ("ask_price", _price(item.best_ask)),
        "last": ("last", _price(item.last_price)), "high": ("high", _price(stats.high)),
        "low": ("low", _price(stats.low)), "baseVolume": ("volume", _volume(stats.volume)),
        "quoteVolume": ("volume_usd", _volume(stats.volume_usd)), "markPrice": ("mark_price", _price(item.mark_price)),
    }  # fmt: skip


def _rows(outcome: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    return {row["instrument_name"]: row for row in wire_result(outcome, path)}


def tickers_problems(outcome: dict[str, Any], kept: MarketRecords) -> list[str]:
    """fetch_tickers: one ticker a BTC instrument listed and not expired, each its book summary's figures."""
    rows, parsed = _rows(outcome, SUMMARY_PATH), outcome["result"]
    names = sorted(kept.symbols)
    if sorted(rows) != names or sorted(parsed) != sorted(kept.symbols.values()):
        return [f"fetch_tickers: {sorted(parsed)} (wire {sorted(rows)}), kept {names}"]
    problems = []
    for item in kept.summaries:
        name = item.instrument.instrument_name
        ticker = parsed[kept.symbols[name]]
        if ticker.get("timestamp") != unix_ms(item.listed):
            problems.append(f"{name} ccxt timestamp: {ticker.get('timestamp')!r}, listed {unix_ms(item.listed)}")
        problems += figures_problems(name, ticker, rows[name], summary_figures(item))
    return problems


def chain_problems(outcome: dict[str, Any], kept: MarketRecords) -> list[str]:
    """fetch_option_chain: one entry a BTC option listed and not expired, each its book summary's figures; the kept
    option's bid and ask and its trade among them."""
    options = [item for item in kept.summaries if item.instrument.kind == "option"]
    rows, parsed = _rows(outcome, SUMMARY_PATH), outcome["result"]
    names = sorted(item.instrument.instrument_name for item in options)
    if sorted(rows) != names or sorted(parsed) != sorted(kept.symbols[name] for name in names):
        return [f"fetch_option_chain: {sorted(parsed)} (wire {sorted(rows)}), kept {names}"]
    problems = []
    for item in options:
        name, stats = item.instrument.instrument_name, item.stats
        bid, ask = item.best_bid, item.best_ask
        want: Figures = {
            "bidPrice": ("bid_price", _price(bid)), "askPrice": ("ask_price", _price(ask)),
            "midPrice": ("mid_price", None if bid is None or ask is None else at((bid + ask) / 2, PRICE)),
            "markPrice": ("mark_price", _price(item.mark_price)), "lastPrice": ("last", _price(item.last_price)),
            "underlyingPrice": ("underlying_price", _price(item.index_price)),
            "percentage": ("price_change", None if stats.price_change is None else at(stats.price_change, CHANGE)),
            "baseVolume": ("volume", _volume(stats.volume)), "quoteVolume": ("volume_usd", _volume(stats.volume_usd)),
            "openInterest": ("open_interest", item.open_interest),
        }  # fmt: skip
        entry = parsed[kept.symbols[name]]
        if entry.get("currency") != item.instrument.base_currency:
            problems.append(f"{name} ccxt currency: {entry.get('currency')!r}, kept {item.instrument.base_currency}")
        problems += figures_problems(name, entry, rows[name], want)
    traded = parsed.get(kept.symbols[kept.option], {})
    if None in (traded.get("bidPrice"), traded.get("askPrice"), traded.get("lastPrice")):
        problems.append(f"{kept.option}: its bid, ask and trade are not in the chain: {traded}")
    return problems


def trades_problems(outcome: dict[str, Any], want: list[DeribitTrade], kept: MarketRecords) -> list[str]:
    """fetch_trades: exactly the kept trades `want`, oldest first, each as kept: the taker's side, price, amount,
    time; ccxt's cost the amount over the price (inverse) or times it."""
    path = outcome["requests"][-1]["path"]
    if path not in TRADES_PATHS:
        return [f"fetch_trades asked {path}"]
    wire = {row["trade_id"]: row for row in wire_result(outcome, path)["trades"]}
    parsed = outcome["result"]
    ids = [trade.trade_id for trade in want]
    if [t["id"] for t in parsed] != ids or sorted(wire) != sorted(ids):
        return [f"fetch_trades: {[t['id'] for t in parsed]} (wire {sorted(wire)}), kept {ids}"]
    problems = []
    for got, trade in zip(parsed, want, strict=True):
        name = trade.instrument_name
        cost = trade.amount / trade.price if kept.inverse[name] else trade.amount * trade.price
        exact = {"symbol": kept.symbols[name], "side": trade.direction, "timestamp": unix_ms(trade.timestamp)}
        problems += [f"trade {trade.trade_id} ccxt {k}: {got.get(k)!r}, kept {v!r}"
                     for k, v in exact.items() if got.get(k) != v]  # fmt: skip
        want_figures: Figures = {
            "price": ("price", trade.price), "amount": ("amount", trade.amount),
        }  # fmt: skip
        problems += figures_problems(f"trade {trade.trade_id}", got, wire[trade.trade_id], want_figures)
        if not isinstance(got.get("cost"), float) or abs(got["cost"] - float(cost)) > 1e-12 * float(cost):
            problems.append(f"trade {trade.trade_id} ccxt cost: {got.get('cost')!r}, kept {float(cost)!r}")
        if wire[trade.trade_id].get("trade_seq") != trade.trade_seq:
            problems.append(f"trade {trade.trade_id} wire trade_seq: {wire[trade.trade_id].get('trade_seq')!r}")
    return problems


def ohlcv_problems(outcome: dict[str, Any], kept: MarketRecords, minutes: int) -> list[str]:
    """fetch_ohlcv: a candle each period from the first kept one to the clock's current period (at most `CANDLES`):
    a kept candle as kept, a period with no trade the close before it four times and no volume."""
    width = minutes * MINUTE_MS
    candles = kept.candles[minutes]
    last = kept.now_ms - kept.now_ms % width
    ticks = list(range(candles[0].tick, last + 1, width))[:CANDLES]
    chart = wire_result(outcome, CHART_PATH)
    parsed = outcome["result"]
    label = f"fetch_ohlcv {minutes}m"
    if [c[0] for c in parsed] != ticks or chart["ticks"] != ticks:
        return [f"{label}: ticks {[c[0] for c in parsed]} (wire {chart['ticks']}), kept periods {ticks}"]
    by_tick = {candle.tick: candle for candle in candles}
    problems, close = [], candles[0].close
    for place, tick in enumerate(ticks):
        candle = by_tick.get(tick) or DeribitCandle(tick, close, close, close, close, Decimal(0), Decimal(0))
        close = candle.close
        want = (candle.open, candle.high, candle.low, candle.close, at(candle.volume, VOLUME))
        on_wire = tuple(chart[column][place] for column in ("open", "high", "low", "close", "volume"))
        if on_wire != want:
            problems.append(f"{label} {tick} wire {on_wire}, kept {want}")
        if parsed[place][1:] != [float(value) for value in want]:
            problems.append(f"{label} {tick} ccxt {parsed[place][1:]}, kept {[float(v) for v in want]}")
    return problems
