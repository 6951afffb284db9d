"""What Deribit's public market data reads cost against reading positions (issue 51's bound: a
`public/get_book_summary_by_currency` over 500 instruments and a 1,000-candle `public/get_tradingview_chart_data` each
at most 3x a `private/get_positions` of 100 positions); for this tree, and another one (`--before`) as ratios.

    .venv/bin/python bench/deribit_market_data.py                       # this tree: 5 rounds of 300 requests a figure
    .venv/bin/python bench/deribit_market_data.py --before /tmp/before  # both trees in turn

The positions read is deribit_order_cost.py's (100 BTC futures dated a day apart, the same Bearer token). One summary
lists 500 BTC futures (the positions' 100 and 400 more, dated a day apart), each with a resting bid and ask of another
account and a trade in the last 24 hours, at prices of its own (the index and so the mark are every future's). Another
lists 500 BTC options (`kind=option`: 25 expiries a day apart, 10 strikes, a call and a put of each), each with
another account's bid and ask at the edges of its price band and a trade at its mark; an option's mark is Black-76 in
Decimal (about 95 us), valued once for one index, volatility and clock instant (derivatives.py's `option_greeks`), so
the exchange clock standing still, the reads after the first value none; the same summary read with the clock a
millisecond on at every request values every mark again (what a wall clock does). The chart is BTC-PERPETUAL's at a
resolution of one minute over 1,000 minutes, each with two trades (the exchange clock moved a minute between them).
Each request is handed straight to the app's ASGI callable, the figure the process's CPU time per request in the least
disturbed batch of 50, each measurement a child process of its own (`PYTHONPATH` the tree measured), the medians of
the rounds reported; a tree without the methods measures the positions read alone.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import benchlib
from deribit_order_cost import FUTURES, MAKER, POSITIONS_PATH, USER, Bearer


def _name(day: object) -> str:
    return f"BTC-{day:%-d%b%y}".upper()


SUMMARY_PATH = "/api/v2/public/get_book_summary_by_currency"
CHART_PATH = "/api/v2/public/get_tradingview_chart_data"
LISTED = [benchlib.FIXED_TIME.date() + timedelta(days=30 + n) for n in range(500)]
# 500 BTC options: 25 expiries a day apart, 10 strikes a thousand apart around the index (60,000), a call and a put
# of each (near the money: a mark far enough above the tick for a band with a bid and an ask apart).
OPTIONS = [
    f"{_name(day)}-{strike}-{kind}"
    for day in (benchlib.FIXED_TIME.date() + timedelta(days=30 + n) for n in range(25))
    for strike in range(56000, 66000, 1000)
    for kind in "CP"
]
CANDLES = 1_000
PERPETUAL = "BTC-PERPETUAL"


def measure(requests: int) -> dict[str, float]:
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock, unix_ms

    clock = ManualClock(benchlib.FIXED_TIME)
    app = build_app(benchlib.quiet_settings(), clock=clock, seed=7)
    control = app.control
    control.create_deribit_account(USER, balances={"BTC": "1000"})
    control.create_deribit_account(MAKER, balances={"BTC": "100000"})
    for day in FUTURES:  # the positions read's 100 dated futures
        control.deribit_fill(USER, _name(day), "buy", "100", "60000")
    key = control.create_deribit_key(USER)
    timer = benchlib.Timer(Bearer(""), requests)
    auth = f"grant_type=client_credentials&client_id={key['client_id']}&client_secret={key['client_secret']}"
    status, body = timer.loop.run_until_complete(
        benchlib.asgi_call(app.asgi, "GET", "/api/v2/public/auth", auth.encode(), {}, b"")
    )
    assert status == 200, body
    timer.signer = Bearer(json.loads(body)["result"]["access_token"])
    read, _ = timer.timed(app.asgi, "GET", POSITIONS_PATH, b"currency=BTC", b"")
    figures = {"positions_us": read * 1e6}
    probe = timer.loop.run_until_complete(benchlib.asgi_call(app.asgi, "GET", SUMMARY_PATH, b"currency=BTC", {}, b""))
    if probe[0] != 200:  # (a tree before issue 51 answers "Method not found")
        timer.loop.close()
        return figures
    started = clock.now()
    for _ in range(CANDLES):  # two trades a minute on the perpetual, each a fill of the taker's
        for price in ("60000", "60010"):
            control.deribit_fill(USER, PERPETUAL, "buy", "10", price)
        clock.advance(60)
    for n, day in enumerate(LISTED):  # 500 futures, each with a bid, an ask and a trade at prices of its own
        name = _name(day)
        control.deribit_order(MAKER, name, "buy", "1000", str(59000 + 5 * n))
        control.deribit_order(MAKER, name, "sell", "1000", str(61000 + 5 * n))
        control.deribit_fill(MAKER, name, "sell", "10", str(60000 + 5 * n))
    summary, summary_bytes = timer.timed(app.asgi, "GET", SUMMARY_PATH, b"currency=BTC", b"", signed=False)
    listed = {_name(day) for day in LISTED}
    assert len([row for row in json.loads(summary_bytes)["result"] if row["instrument_name"] in listed]) == 500
    first = unix_ms(started) - unix_ms(started) % 60_000  # the first trades' minute, and the 999 after it
    window = (
        f"instrument_name={PERPETUAL}&resolution=1&start_timestamp={first}&end_timestamp={first + CANDLES * 60_000 - 1}"
    )
    chart, chart_bytes = timer.timed(app.asgi, "GET", CHART_PATH, window.encode(), b"", signed=False)
    assert len(json.loads(chart_bytes)["result"]["ticks"]) == CANDLES, chart_bytes[:300]
    figures.update(summary_us=summary * 1e6, summary_over_positions=summary / read)
    options, moving = _options_summary(app, clock, timer)
    figures.update(options_us=options * 1e6, options_over_positions=options / read)
    figures.update(moving_us=moving * 1e6, moving_over_positions=moving / read)
    figures.update(chart_us=chart * 1e6, chart_over_positions=chart / read)
    timer.loop.close()
    return figures


def _options_summary(app: Any, clock: Any, timer: benchlib.Timer) -> tuple[float, float]:
    """The summary of `OPTIONS` (`kind=option`), each with a bid and an ask of `MAKER`'s resting at the edges of its
    price band and a trade at its mark: read at one instant, and a millisecond later at every request."""
    from mockexchange.core.deribit.market_stats import price_band

    market = app.exchange.market
    for name in OPTIONS:
        instrument = market.list_instrument(name)
        mark = market.mark_price(name)
        low, high = price_band(instrument, mark)
        app.control.deribit_order(MAKER, name, "buy", "10", str(low))
        app.control.deribit_order(MAKER, name, "sell", "10", str(high))
        tick = instrument.tick_size
        traded = max(tick, (mark / tick).to_integral_value() * tick)  # the mark, on the tick
        app.control.deribit_fill(MAKER, name, "sell", "1", str(traded))
    query = b"currency=BTC&kind=option"
    took, answer = timer.timed(app.asgi, "GET", SUMMARY_PATH, query, b"", signed=False)
    rows = [row for row in json.loads(answer)["result"] if row["instrument_name"] in set(OPTIONS)]
    assert len(rows) == len(OPTIONS) and all(row["bid_price"] and row["ask_price"] and row["last"] for row in rows)

    async def moving(scope: Any, receive: Any, send: Any) -> None:  # each request a millisecond after the last
        clock.advance(0.001)
        await app.asgi(scope, receive, send)

    moved, _ = timer.timed(moving, "GET", SUMMARY_PATH, query, b"", signed=False)
    return took, moved


ROWS = [
    ("private/get_positions, 100 rows (CPU us)", "positions_us"),
    ("get_book_summary_by_currency, 500 (CPU us)", "summary_us"),
    ("  / get_positions (bound: 3)", "summary_over_positions"),
    ("  the same of 500 options (CPU us)", "options_us"),
    ("  / get_positions (bound: 3)", "options_over_positions"),
    ("  the same, the clock moving (CPU us)", "moving_us"),
    ("  / get_positions", "moving_over_positions"),
    ("get_tradingview_chart_data, 1,000 (CPU us)", "chart_us"),
    ("  / get_positions (bound: 3)", "chart_over_positions"),
]


if __name__ == "__main__":
    benchlib.request_bench(__doc__, __file__, measure, ROWS)
