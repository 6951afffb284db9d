"""ccxt.pro following the mock's Deribit public channels: `watch_trades` (`trades.{instrument}.100ms`), `watch_ohlcv`
(`chart.trades.{instrument}.1`) and `watch_ticker` (`ticker.{instrument}.100ms`), all three in one run of the client
on one connection, while another account's orders take resting asks once the channels are acknowledged, over two
minutes of the exchange clock: the client matrix's `market-ws` cell of ccxt's row, and
tests/clients/ccxt_played.py (values worked by hand, on the matrix's run).

Each value ccxt parsed is compared with what the mock keeps, read back over the wire with JSON numbers as Decimals
(ccxt's float must equal the wire's number): every trade with `public/get_last_trades_by_instrument`'s, every candle
ccxt keeps with `public/get_tradingview_chart_data`'s of its minute, the ticker with `public/ticker`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.ccxt_checks import AGREES, unified_symbol
from mockexchange.contract.clients.ccxt_run import CcxtRun
from mockexchange.contract.clients.ccxt_trading import PERP, Via, plan, rpc, seeded_mock
from mockexchange.contract.clients.checks import ClientVerdict
from mockexchange.server import MockServer

ASKS = (("40", "60010"), ("20", "60020"), ("10", "60030"))  # bob's asks, each taken whole by alice in turn
LAST = 60030.0  # the last trade's price: ccxt is done once its newest candle and its ticker say it
MINUTE_MS = 60_000


@dataclass
class PublicChannelsWatch:
    """What ccxt.pro kept, and what the mock keeps after the trades."""

    done: dict[str, Any]
    channels: list[str]
    trades: list[dict[str, Any]]  # public/get_last_trades_by_instrument, oldest first
    chart: dict[str, Any]  # public/get_tradingview_chart_data of the minutes traded, resolution 1
    ticker: dict[str, Any]  # public/ticker


def _now_ms(mock: MockServer) -> int:
    return int(mock.exchange.state.clock.now().timestamp() * 1000)


def watch_market(work_dir: Path, via: Via = plan) -> PublicChannelsWatch:
    """ccxt.pro's three watches while alice takes bob's asks one by one: the first in one minute, the others in the
    next; a bid and an ask of bob's stay, so the ticker's best prices are his."""
    mock = seeded_mock()
    try:
        for amount, price in (*ASKS, ("10", "60040")):
            mock.deribit_order("bob", PERP, "sell", amount, price)
        mock.deribit_order("bob", PERP, "buy", "50", "59990")
        first = _now_ms(mock) // MINUTE_MS * MINUTE_MS
        market = {"symbol": unified_symbol(mock, PERP), "timeframe": "1m", "trades": len(ASKS), "last": LAST}
        with CcxtRun(via(mock, [], market=market), work_dir) as run:
            run.rest()
            channels = run.subscribed()["channels"]
            for taken, (amount, price) in enumerate(ASKS):
                if taken == 1:
                    mock.advance_clock(seconds=60)  # the next trades are the next minute's candle
                mock.deribit_place_order("alice", PERP, "buy", amount, price)
            done = run.finish()
        chart = rpc(mock, "public/get_tradingview_chart_data", instrument_name=PERP, resolution="1",
                    start_timestamp=first, end_timestamp=_now_ms(mock))  # fmt: skip
        trades = rpc(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, sorting="asc")["trades"]
        return PublicChannelsWatch(done, channels, trades, chart, rpc(mock, "public/ticker", instrument_name=PERP))
    finally:
        mock.stop()


def market_ws_problems(watched: PublicChannelsWatch, quote_volume: str = "volume_usd") -> list[str]:
    """What ccxt.pro's trades, candles and ticker say that the mock's do not; `quote_volume`: the ticker's stat the
    client reads its `quoteVolume` from (ccxt's coinbaseinternational: `volume_notional`, None where it is not sent)."""
    done = watched.done
    problems = [f"watch error: {error}" for error in done["errors"]]
    if done["reason"] != "count":
        problems.append(f"watch_trades, watch_ohlcv and watch_ticker ended by {done['reason']}")
    problems += trades_problems(done["trades"], watched.trades)
    problems += ohlcv_problems(done["ohlcv"], watched.chart)
    return problems + ticker_problems(done["ticker"] or {}, watched.ticker, quote_volume)


def trades_problems(parsed: list[dict[str, Any]], wire: list[dict[str, Any]]) -> list[str]:
    problems = []
    if len(parsed) != len(wire):
        problems.append(f"watch_trades saw {len(parsed)} trades, the last trades list {len(wire)}")
    for got, row in zip(parsed, wire, strict=False):
        want = {"id": row["trade_id"], "timestamp": row["timestamp"], "side": row["direction"],
                "price": float(row["price"]), "amount": float(row["amount"])}  # fmt: skip
        problems += [f"watch_trades' trade {row['trade_id']} {name}: ccxt {got.get(name)!r}, the mock {value!r}"
                     for name, value in want.items() if got.get(name) != value]  # fmt: skip
    return problems


def ohlcv_problems(parsed: list[list[Any]], chart: dict[str, Any]) -> list[str]:
    columns = ("ticks", "open", "high", "low", "close", "volume")
    want = [[int(values[0]), *map(float, values[1:])] for values in zip(*(chart[c] for c in columns), strict=True)]
    if parsed != want:
        return [f"watch_ohlcv's candles {parsed}, the chart's {want}"]
    return []


def ticker_problems(parsed: dict[str, Any], wire: dict[str, Any], quote_volume: str = "volume_usd") -> list[str]:
    stats = wire["stats"]
    want = {
        "timestamp": wire["timestamp"], "last": float(wire["last_price"]), "bid": float(wire["best_bid_price"]),
        "bidVolume": float(wire["best_bid_amount"]), "ask": float(wire["best_ask_price"]),
        "askVolume": float(wire["best_ask_amount"]), "high": float(stats["high"]), "low": float(stats["low"]),
        "baseVolume": float(stats["volume"]),
        "quoteVolume": float(stats[quote_volume]) if quote_volume in stats else None,
        "markPrice": float(wire["mark_price"]), "indexPrice": float(wire["index_price"]),
    }  # fmt: skip
    return [f"watch_ticker's {name}: ccxt {parsed.get(name)!r}, the mock {value!r}"
            for name, value in want.items() if parsed.get(name) != value]  # fmt: skip


def market_ws_verdict(work_dir: Path) -> ClientVerdict:
    """The `market-ws` cell of ccxt's row, from a fresh mock of its own."""
    problems = market_ws_problems(watch_market(work_dir))
    said = "ccxt.pro watch_trades, watch_ohlcv and watch_ticker (trades.*, chart.trades.*, ticker.*) while trades print"
    return ClientVerdict(not problems, f"{said}: " + ("; ".join(problems[:3]) or AGREES))
