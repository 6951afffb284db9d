"""What a crossing perps order costs against reading perps positions (issue 52's bound: a signed
`POST /margin/orders` that crosses one level at most 3x a signed `GET /margin/positions` of 100 rows), each also
against a bare Starlette route answering the same bytes; for this tree, and another one (`--before`) as ratios.

    .venv/bin/python bench/perps_order_cost.py                       # this tree: 5 rounds of 300 requests a figure
    .venv/bin/python bench/perps_order_cost.py --before /tmp/before  # both trees in turn

The account holds a long position in each of 100 perpetual markets (listed through the control plane, each marked, the
position bought from another account), so the page has 100 rows, each worked out at its mark (notional, margins,
leverage, P&L, the liquidation estimate). The create is an immediate-or-cancel bid of 0.01 BTC-PERP contracts at
100,000 against another account's resting ask of 100 there, so each request crosses that one level and fills:
the decode, the checks (the margin at the marks), the match, both sides' positions and cash down the money road, the
answer. Both requests are signed with the same Kalshi key (RSA-PSS). As in route_cost.py, a request is handed straight
to the app's ASGI callable (no socket, no client library), the journal off, the figure the process's CPU time per
request in the least disturbed batch of 50, each measurement a child process of its own (`PYTHONPATH` the tree
measured), the medians of the rounds reported.
"""

from __future__ import annotations

import json

import benchlib

USER, MAKER = "bench", "bench-maker"
POSITIONS_PATH = "/trade-api/v2/margin/positions"
ORDERS_PATH = "/trade-api/v2/margin/orders"
TICKER = "BTC-PERP"
MARKETS = [f"BENCH{n:03d}-PERP" for n in range(99)] + [TICKER]
ORDER_BODY = json.dumps(
    {
        "ticker": TICKER,
        "client_order_id": "bench-cross",
        "side": "bid",
        "count": "0.01",
        "price": "100000",
        "time_in_force": "immediate_or_cancel",
        "self_trade_prevention_type": "taker_at_cross",
    }
).encode()


def bench_app(public_pem: str) -> object:
    """USER with $100,000,000 of margin cash, long 1 contract in each of the 100 markets (bought from MAKER), its key
    (`public_pem`); MAKER's ask of 100 contracts at 100,000 resting on BTC-PERP."""
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock

    app = build_app(benchlib.quiet_settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    control = app.control
    for user in (USER, MAKER):
        control.create_account(user, balance_cents=10**10)
        control.intra_exchange_transfer(user, "event_contract", "margined", 10**12)  # $100,000,000 in centi-cents
    for ticker in MARKETS:
        control.list_perp_market(ticker, "100000", tick_size="0.5")
        control.place_perp_order(MAKER, ticker=ticker, side="ask", count="1", price="100000",
                                 client_order_id=f"seed-ask-{ticker}")  # fmt: skip
        control.place_perp_order(USER, ticker=ticker, side="bid", count="1", price="100000",
                                 client_order_id=f"seed-bid-{ticker}", time_in_force="immediate_or_cancel")  # fmt: skip
    # (its ask's $10,000,000 and its short past the default notional limit a market)
    control.set_perps_notional_limit(MAKER, "20000000", level="market", ticker=TICKER)
    control.place_perp_order(MAKER, ticker=TICKER, side="ask", count="100", price="100000",
                             client_order_id="resting-ask")  # fmt: skip
    control.create_key(USER, public_key_pem=public_pem, key_id=benchlib.KEY_ID)
    return app


def measure(requests: int) -> dict[str, float]:
    key, _, public_pem = benchlib.new_rsa_key()
    app = bench_app(public_pem)
    timer = benchlib.Timer(benchlib.signer(key), requests)
    read, read_bytes = timer.timed(app.asgi, "GET", POSITIONS_PATH, b"", b"")
    assert len(json.loads(read_bytes)["positions"]) == 100, read_bytes[:300]
    create, create_bytes = timer.timed(app.asgi, "POST", ORDERS_PATH, b"", ORDER_BODY, ok=201)
    assert json.loads(create_bytes)["fill_count"] == "0.01", create_bytes[:300]
    floor = benchlib.bare_app({("GET", POSITIONS_PATH): (200, read_bytes), ("POST", ORDERS_PATH): (201, create_bytes)})
    figures = {
        "positions_us": read * 1e6,
        "create_us": create * 1e6,
        "create_over_positions": create / read,
        "positions_over_floor": read / timer.timed(floor, "GET", POSITIONS_PATH, b"", b"")[0],
        "create_over_floor": create / timer.timed(floor, "POST", ORDERS_PATH, b"", ORDER_BODY, ok=201)[0],
    }
    timer.loop.close()
    return figures


ROWS = [
    ("GET /margin/positions, 100 rows (CPU us)", "positions_us"),
    ("crossing POST /margin/orders (CPU us)", "create_us"),
    ("  / positions (bound: 3)", "create_over_positions"),
    ("positions / a bare route", "positions_over_floor"),
    ("create / a bare route", "create_over_floor"),
]


if __name__ == "__main__":
    benchlib.request_bench(__doc__, __file__, measure, ROWS)
