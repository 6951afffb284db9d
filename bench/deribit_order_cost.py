"""What a crossing Deribit order costs against reading positions (issue 30's bound: a crossing `private/buy` at most 3x
a `private/get_positions` of 100 positions), each also against a bare Starlette route answering the same bytes; for
this tree, and another one (`--before`) as ratios.

    .venv/bin/python bench/deribit_order_cost.py                       # this tree: 5 rounds of 300 requests a figure
    .venv/bin/python bench/deribit_order_cost.py --before /tmp/before  # both trees in turn

The account holds 100 positions in BTC futures dated a day apart (`private/get_positions?currency=BTC`, 100 rows;
futures, not options: an option's row works out its greeks, which would make the read, and so the bound, far looser).
The buy is an immediate-or-cancel limit order for 10 USD of BTC-PERPETUAL at 60000 against another account's resting
sell of 10,000,000 USD there (seeded through the control plane), so each request crosses that one level and fills: the
checks, the match, both trades down the money road, the answer. Both requests carry the same `Authorization: Bearer`
token
(from `public/auth`), as a websocket or token client sends them. As in route_cost.py, a request is handed straight to
the app's ASGI callable (no socket, no client library), the figure is the process's CPU time per request in the least
disturbed batch of 50, each measurement a child process of its own (`PYTHONPATH` the tree measured), the medians of the
rounds reported. A tree without `private/buy` measures the positions read alone.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import benchlib

USER, MAKER = "bench", "bench-maker"
POSITIONS_PATH = "/api/v2/private/get_positions"
BUY_PATH = "/api/v2/private/buy"
BUY_BODY = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "private/buy",
        "params": {
            "instrument_name": "BTC-PERPETUAL",
            "amount": 10,
            "type": "limit",
            "price": 60000,
            "time_in_force": "immediate_or_cancel",
        },
    }
).encode()


FUTURES = [benchlib.FIXED_TIME.date() + timedelta(days=30 + n) for n in range(100)]


class Bearer:
    """The same Authorization header on every request (the Timer's signer)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def headers(self, method: str, path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def measure(requests: int) -> dict[str, float]:
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock
    from mockexchange.settings import Settings

    app = build_app(Settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    control = app.control
    control.create_deribit_account(USER, balances={"BTC": "1000"})
    control.create_deribit_account(MAKER, balances={"BTC": "1000"})
    for day in FUTURES:  # 100 dated futures, one a day
        control.deribit_fill(USER, f"BTC-{day:%-d%b%y}".upper(), "buy", "100", "60000")
    key = control.create_deribit_key(USER)
    timer = benchlib.Timer(Bearer(""), requests)
    auth = f"grant_type=client_credentials&client_id={key['client_id']}&client_secret={key['client_secret']}"
    status, body = timer.loop.run_until_complete(
        benchlib.asgi_call(app.asgi, "GET", "/api/v2/public/auth", auth.encode(), {}, b"")
    )
    assert status == 200, body
    timer.signer = Bearer(json.loads(body)["result"]["access_token"])
    read, read_bytes = timer.timed(app.asgi, "GET", POSITIONS_PATH, b"currency=BTC", b"")
    assert len(json.loads(read_bytes)["result"]) == 100, read_bytes[:300]
    bare = {("GET", POSITIONS_PATH): (200, read_bytes)}
    figures = {"positions_us": read * 1e6}
    control.deribit_order(MAKER, "BTC-PERPETUAL", "sell", "10000000", "60000")
    probe = timer.loop.run_until_complete(
        benchlib.asgi_call(app.asgi, "POST", BUY_PATH, b"", timer.signer.headers("POST", BUY_PATH), BUY_BODY)
    )
    if b'"trades"' in probe[1]:  # (a tree before issue 30 answers "Method not found")
        buy, buy_bytes = timer.timed(app.asgi, "POST", BUY_PATH, b"", BUY_BODY)
        filled = json.loads(buy_bytes, parse_float=Decimal)["result"]["order"]["filled_amount"]
        assert filled == 10, buy_bytes[:300]
        bare[("POST", BUY_PATH)] = (200, buy_bytes)
        figures.update(buy_us=buy * 1e6, buy_over_positions=buy / read)
    floor = benchlib.bare_app(bare)
    figures["positions_over_floor"] = read / timer.timed(floor, "GET", POSITIONS_PATH, b"currency=BTC", b"")[0]
    if "buy_us" in figures:
        figures["buy_over_floor"] = figures["buy_us"] / 1e6 / timer.timed(floor, "POST", BUY_PATH, b"", BUY_BODY)[0]
    timer.loop.close()
    return figures


ROWS = [
    ("private/get_positions, 100 rows (CPU us)", "positions_us"),
    ("crossing private/buy (CPU us)", "buy_us"),
    ("  / get_positions (bound: 3)", "buy_over_positions"),
    ("get_positions / a bare route", "positions_over_floor"),
    ("private/buy / a bare route", "buy_over_floor"),
]


if __name__ == "__main__":
    benchlib.request_bench(__doc__, __file__, measure, ROWS)
