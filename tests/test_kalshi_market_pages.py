"""GET /markets' kept pages (venues/kalshi/markets.py, fragments.py's `Pages`) never serve bytes the state has not.

A page of markets is kept for one `markets_version` of the ledger and one historical cutoff, and for the span of
exchange time over which its markets' figures stand still. These tests change what a kept page shows in every way the
mock can (a book, a fill, each lifecycle move, a market's, event's and series' fields, a new market, an FCM position
transfer, the historical cutoff, a reset; and time alone: trades leaving the 24-hour window, a day ending, the clock set
back) and check every page read over HTTP against the same read rendered from scratch (a context over the same ledger
whose cache keeps nothing), and that a page asked again with nothing changed is the kept one. The last test does so
for random command sequences, in process.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockexchange.app import build_app
from mockexchange.auth.kalshi.signature import TimestampWindow
from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.venues.kalshi import markets
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.fragments import RenderCache
from mockexchange.venues.kalshi.profiles import PROFILES

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
A1, A2, A3, B1 = "KXPG-A-T1", "KXPG-A-T2", "KXPG-A-T3", "KXPG-B-T1"
QUERIES: list[dict[str, str]] = [
    {}, {"limit": "2"}, {"status": "open"}, {"event_ticker": "KXPG-A"}, {"tickers": f"{A2},{B1}"},
    {"series_ticker": "KXPG", "limit": "3"},
]  # fmt: skip


def fresh(app: Any, profile: str) -> KalshiContext:
    """A context over the app's ledger whose render cache keeps nothing: every read rendered from scratch."""
    return KalshiContext(
        ledger=app.ledger, keys=app.keys, profile=PROFILES[profile], wall_clock=app.kalshi.wall_clock,
        window=TimestampWindow(), renders=RenderCache.disabled(),
    )  # fmt: skip


def read(ctx: KalshiContext, query: dict[str, str]) -> bytes:
    return orjson.dumps(markets.get_markets(ctx, None, query))


def every_page(get_page: Any, query: dict[str, str]) -> list[bytes]:
    found = [get_page(query)]
    while (cursor := orjson.loads(found[-1])["cursor"]) and len(found) < 20:
        found.append(get_page({**query, "cursor": cursor}))
    return found


def agree(mock: MockServer, http: httpx.Client, reference: KalshiContext) -> list[dict[str, Any]]:
    """Every page of every query, over HTTP, is byte for byte the page rendered from scratch; asked again, the same
    bytes come from the kept pages (nothing rendered). Answers the first page's markets."""

    def over_http(query: dict[str, str]) -> bytes:
        answer = http.get("/markets", params=query)
        assert answer.status_code == 200, answer.text
        return answer.content

    kept = mock.app.kalshi.renders.pages("markets", reference.profile.name)
    for query in QUERIES:
        got = every_page(over_http, query)
        assert got == every_page(lambda q: read(reference, q), query), query
        renders = kept.renders
        assert over_http(query) == got[0]
        assert kept.renders == renders, f"{query}: asked again with nothing changed, the page was rendered again"
    return orjson.loads(over_http({}))["markets"]


def by_ticker(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["ticker"]: m for m in found}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_change_and_time_alone_show_on_the_next_page(profile):
    clock = ManualClock(T0)
    with MockServer(clock=clock, profile=profile, seed=11) as mock, httpx.Client(base_url=mock.kalshi_url) as http:
        reference = fresh(mock.app, profile)
        mock.create_account("u", balance_cents=10_000_000)
        mock.set_series("KXPG", title="Pages", category="Economics")
        for ticker in (A1, A2, A3, B1):
            mock.create_market(ticker)
        mock.set_book(A1, yes=[["0.40", "100"]], no=[["0.55", "20"]])
        mock.fill("u", A1, "yes", "buy", "10", "0.45")
        assert by_ticker(agree(mock, http, reference))[A1]["volume_fp"] == "10.00"

        mock.set_book(A2, yes=[["0.30", "7"]])
        assert by_ticker(agree(mock, http, reference))[A2]["yes_bid_dollars"] == "0.3000"
        mock.fill("u", A3, "no", "buy", "3", "0.20")
        assert by_ticker(agree(mock, http, reference))[A3]["last_price_dollars"] == "0.8000"
        mock.pause_market(B1)
        assert by_ticker(agree(mock, http, reference))[B1]["status"] == ("inactive" if profile == "3.34" else "closed")
        mock.resume_market(B1)
        agree(mock, http, reference)
        mock.update_market(A2, title="Renamed")
        assert by_ticker(agree(mock, http, reference))[A2]["title"] == "Renamed"
        mock.set_series("KXPG", category="Climate")  # the legacy profile shows its category on each market
        agree(mock, http, reference)
        mock.set_event("KXPG-B", title="B, renamed")
        agree(mock, http, reference)
        mock.create_market("KXPG-A-T0")  # first in ticker order: on every first page
        assert agree(mock, http, reference)[0]["ticker"] == "KXPG-A-T0"

        # An FCM position transfer moves open interest (fills of the member's subtrader and the error account's).
        mock.create_account("fcm", fcm_member=True)
        mock.create_account("err", fcm_member=True)
        mock.create_fcm_subtrader("fcm", "S")
        mock.create_account("err_T", subtrader_of="err", balance_cents=10_000_000)
        mock.set_fcm_error_account("fcm", "err")
        mock.fill("fcm_S", B1, "yes", "buy", "10", "0.40")
        mock.fill("err_T", B1, "no", "buy", "5", "0.60")
        assert by_ticker(agree(mock, http, reference))[B1]["open_interest_fp"] == "10.00"
        mock.fcm_position_transfer("fcm", "fcm_S", "err_T", B1, 500, 4000)
        assert by_ticker(agree(mock, http, reference))[B1]["open_interest_fp"] == "5.00"

        # Time alone: within the day nothing moves (the kept pages stay); past 24 hours the trades leave the window,
        # past midnight the previous day's figures are the last day's.
        clock.advance(delta=timedelta(hours=10))
        agree(mock, http, reference)
        clock.advance(delta=timedelta(hours=14, seconds=1))
        shown = by_ticker(agree(mock, http, reference))[A1]
        assert (shown["volume_fp"], shown["volume_24h_fp"], shown["previous_price_dollars"]) == (
            "10.00", "0.00", "0.4500",
        )  # fmt: skip
        clock.set(T0 + timedelta(hours=1))  # set back, before that midnight
        assert by_ticker(agree(mock, http, reference))[A1]["previous_price_dollars"] == "0.0000"
        clock.set(T0 + timedelta(days=3))

        mock.determine_market(A3, "no")
        agree(mock, http, reference)
        mock.settle(A3, "no")
        assert by_ticker(agree(mock, http, reference))[A3]["status"] == (
            "finalized" if profile == "3.34" else "settled"
        )
        mock.close_market(A2)
        agree(mock, http, reference)
        mock.set_close_time(A1, (T0 + timedelta(days=30)).isoformat())
        agree(mock, http, reference)
        if mock.app.kalshi.profile.historical:
            mock.set_historical_cutoff(market_settled_ts=(T0 + timedelta(days=4)).isoformat())
            assert A3 not in by_ticker(agree(mock, http, reference))  # settled before the cutoff: /historical/markets'

        mock.reset()
        assert agree(mock, http, reference) == []
        mock.create_market(A1)
        assert [m["ticker"] for m in agree(mock, http, reference)] == [A1]


# -- random command sequences, in process ----------------------------------------------------------------------------

TICKERS = (A1, A2, B1)
price = st.integers(1, 98).map(lambda cents: f"0.{cents:02d}")
commands = st.one_of(
    st.tuples(st.just("book"), st.sampled_from(TICKERS), st.lists(st.tuples(st.integers(1, 49), st.integers(1, 9)),
                                                                   max_size=3)),
    st.tuples(st.just("fill"), st.sampled_from(TICKERS), st.sampled_from(("yes", "no")), st.integers(1, 9), price),
    st.tuples(st.just("advance"), st.sampled_from((0, 1, 3_600, 36_000, 86_399, 86_400, 90_000))),
    st.tuples(st.just("back"), st.sampled_from((1, 3_600, 86_400))),
    st.tuples(st.just("lifecycle"), st.sampled_from(TICKERS), st.sampled_from(("pause", "resume", "close", "settle"))),
    st.tuples(st.just("list"), st.sampled_from(("KXPG-A-T0", "KXPG-B-T2", "KXPG-C-T1"))),
)  # fmt: skip


def run(app: Any, clock: ManualClock, step: tuple[Any, ...]) -> None:
    control = app.control
    kind = step[0]
    try:
        if kind == "book":
            control.set_book(step[1], yes=[[f"0.{p:02d}", str(n)] for p, n in step[2]])
        elif kind == "fill":
            control.fill("u", step[1], step[2], "buy", str(step[3]), step[4])
        elif kind == "advance":
            clock.advance(delta=timedelta(seconds=step[1]))
        elif kind == "back":
            clock.set(clock.now() - timedelta(seconds=step[1]))
        elif kind == "lifecycle":
            ticker, move = step[1], step[2]
            if move == "settle":
                control.settle(ticker, "yes")
            else:
                getattr(control, f"{move}_market")(ticker)
        else:
            control.create_market(step[1])
    except ControlError:
        pass  # refused (a market not open, a crossed book): nothing changed


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=st.sampled_from(sorted(PROFILES)), steps=st.lists(commands, min_size=1, max_size=30))
def test_kept_pages_equal_pages_rendered_from_scratch_for_random_command_sequences(profile, steps):
    clock = ManualClock(T0)
    app = build_app(Settings(profile=profile), clock=clock, wall_clock=clock, seed=5)
    app.control.create_account("u", balance_cents=10_000_000)
    for ticker in TICKERS:
        app.control.create_market(ticker)
    cached, reference = app.kalshi, fresh(app, profile)
    for step in steps:
        run(app, clock, step)
        for query in QUERIES:
            assert every_page(lambda q: read(cached, q), query) == every_page(lambda q: read(reference, q), query)
