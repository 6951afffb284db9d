"""The render cache (mockexchange/venues/kalshi/fragments.py) never serves bytes the state no longer has.

Positions, event roll-ups, fills and settlements are rendered once per profile and spliced into the pages that show
them. These tests change what a cached page shows in every way the ledger can (a fill, a settlement, a resting order
and its cancel, a transfer, a reset, a restored snapshot, the REST lag) and check the next page against a render from
scratch: the mock's positions page as it was rendered before the cache (`reference_positions`, the pre-cache code
kept here), the same operation with a cache that keeps nothing, and, over HTTP, the rows the test expects. The last
test does so for random command sequences under both profiles, with and without a REST lag.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockexchange.app import MockApp, build_app
from mockexchange.auth.kalshi.keys import ApiKey, generate_private_key
from mockexchange.auth.kalshi.signature import TimestampWindow
from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.state import snapshot
from mockexchange.testing.signing import KalshiAuth, KalshiSigner
from mockexchange.venues.kalshi import cursors, history, positions
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.fragments import ENTRY_OVERHEAD, Fragments, RenderCache
from mockexchange.venues.kalshi.params import parse_query
from mockexchange.venues.kalshi.profiles import PROFILES

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PRIVATE_KEY = generate_private_key("ed25519")
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
PROFILE_NAMES = sorted(PROFILES)


# -- in process: the operations called directly, against contexts sharing one ledger -------------------------------


def new_app(lag_ms: int = 0) -> tuple[MockApp, ManualClock]:
    clock = ManualClock(T0)
    app = build_app(Settings(rest_lag_ms=lag_ms), clock=clock, wall_clock=clock, seed=3)
    for user in ("alice", "bob"):
        app.control.create_account(user, balance_cents=10_000_000)
    clock.advance(delta=timedelta(milliseconds=lag_ms))  # the accounts show in a lagged read
    return app, clock


def context(app: MockApp, profile: str, renders: RenderCache | None = None) -> KalshiContext:
    """A Kalshi context over the app's ledger; `renders` None: a cache of its own."""
    return KalshiContext(
        ledger=app.ledger,
        keys=app.keys,
        profile=PROFILES[profile],
        wall_clock=app.kalshi.wall_clock,
        window=TimestampWindow(),
        renders=RenderCache() if renders is None else renders,
    )


def key(user: str, subaccount: int | None = None) -> ApiKey:
    return ApiKey(f"{user}-key", user, PRIVATE_KEY.public_key(), subaccount)


def reference_positions(ctx: KalshiContext, api_key: ApiKey, query: dict[str, str]) -> dict[str, Any]:
    """GET /portfolio/positions as the mock answered it before the render cache: snapshots from `store.page`, every
    row and roll-up rendered whole on every read."""
    values = parse_query(positions.GET_POSITIONS, positions._positions_params(ctx.profile), query)
    values.setdefault("settlement_status", "unsettled")
    user_id, subaccount = api_key.user_id, subaccount_for(api_key, values["subaccount"]) or 0
    status, event_ticker = values["settlement_status"], values["event_ticker"]
    filters = {
        "op": positions.GET_POSITIONS,
        "owner": [user_id, subaccount],
        "settlement_status": status,
        "count_filter": values["count_filter"],
        "ticker": values["ticker"],
        "event_ticker": event_ticker,
        "exchange_index": values.get("exchange_index"),
    }
    after = cursors.decode_param(positions.GET_POSITIONS, values["cursor"], filters, key_length=2)
    keep = RowFilter.of(values["count_filter"], values.get("exchange_index"))
    store = ctx.ledger.state.positions
    with ctx.ledger.reading():
        as_of = ctx.ledger.as_of()
        rows, more = store.page(
            user_id, subaccount, status, values["limit"],
            after=after, event_ticker=event_ticker, ticker=values["ticker"], keep=keep, as_of=as_of,
        )  # fmt: skip
        seen_event = after[0] if after else None
        rollups = []
        for row in rows:
            if row.event_ticker != seen_event:
                seen_event = row.event_ticker
                rollups.append(
                    store.event_rollup(
                        user_id, subaccount, status, seen_event, ticker=values["ticker"], keep=keep, as_of=as_of
                    )
                )
    return {
        "market_positions": [ctx.profile.market_position(r) for r in rows],
        "event_positions": [ctx.profile.event_position(e) for e in rollups],
        "cursor": cursors.encode(rows[-1].key, filters) if more else "",
    }


OPERATIONS: dict[str, Callable[[KalshiContext, ApiKey, Any], dict[str, Any]]] = {
    "positions": positions.get_positions,
    "fills": history.get_fills,
    "settlements": history.get_settlements,
}
LISTS = {"positions": "market_positions", "fills": "fills", "settlements": "settlements"}


def read(ctx: KalshiContext, op: str, api_key: ApiKey, **query: Any) -> bytes:
    return orjson.dumps(OPERATIONS[op](ctx, api_key, {k: str(v) for k, v in query.items()}))


def pages(ctx: KalshiContext, op: str, api_key: ApiKey, **query: Any) -> list[bytes]:
    """Every page of a read, following the cursors (bounded)."""
    found = [read(ctx, op, api_key, **query)]
    while (cursor := orjson.loads(found[-1])["cursor"]) and len(found) < 100:
        found.append(read(ctx, op, api_key, **query, cursor=cursor))
    return found


def agree(cached: KalshiContext, fresh: KalshiContext, op: str, api_key: ApiKey, **query: Any) -> list[bytes]:
    """The pages of `cached` are byte for byte those of `fresh` (a cache that keeps nothing) and, for positions, of
    the pre-cache render; returns them."""
    got = pages(cached, op, api_key, **query)
    assert got == pages(fresh, op, api_key, **query)
    if op == "positions":
        expected, cursor = [], None
        for _ in got:
            page_query = {k: str(v) for k, v in query.items()} | ({"cursor": cursor} if cursor else {})
            expected.append(orjson.dumps(reference_positions(fresh, api_key, page_query)))
            cursor = orjson.loads(expected[-1])["cursor"]
        assert got == expected
    return got


def rows_of(page: bytes, op: str = "positions") -> list[dict[str, Any]]:
    return orjson.loads(page)[LISTS[op]]


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_each_kind_of_change_shows_on_the_next_page(profile):
    app, clock = new_app()
    ctx, fresh = context(app, profile), context(app, profile, RenderCache.disabled())
    alice = key("alice")
    control = app.control
    control.fill("alice", "EV-A", "yes", "buy", 5, "0.40")
    control.fill("alice", "EV-B", "no", "buy", 2, "0.30")
    first = agree(ctx, fresh, "positions", alice)
    assert agree(ctx, fresh, "positions", alice) == first  # served from the cache: the same bytes
    renders = ctx.renders.of("positions", profile).renders
    agree(ctx, fresh, "positions", alice)
    assert ctx.renders.of("positions", profile).renders == renders  # nothing rendered again

    clock.advance(1)
    control.fill("alice", "EV-A", "yes", "buy", 1, "0.50")  # a fill
    after_fill = agree(ctx, fresh, "positions", alice)
    assert after_fill != first
    assert [r["position_fp"] for r in rows_of(after_fill[0])] == ["6.00", "-2.00"]

    order = control.create_order("alice", "EV-B", "yes", "buy", 3, "0.20")  # a resting order
    with_order = agree(ctx, fresh, "positions", alice)
    if profile == "legacy":  # only the legacy rows carry resting_orders_count
        assert [r["resting_orders_count"] for r in rows_of(with_order[0])] == [0, 3]
    agree(ctx, fresh, "positions", alice, count_filter="position")
    control.cancel_order(order["order_id"])  # and its cancel
    cancelled = agree(ctx, fresh, "positions", alice)
    if profile == "legacy":
        assert [r["resting_orders_count"] for r in rows_of(cancelled[0])] == [0, 0]

    before_transfer = agree(ctx, fresh, "positions", alice)
    control.deposit("alice", 5_000)  # a transfer moves cash, not positions
    assert agree(ctx, fresh, "positions", alice) == before_transfer

    clock.advance(1)
    control.settle("EV-A", "yes")  # a settlement
    settled = agree(ctx, fresh, "positions", alice)
    assert [r["ticker"] for r in rows_of(settled[0])] == ["EV-B"]
    if profile == "3.34":
        everything = agree(ctx, fresh, "positions", alice, settlement_status="all")
        assert [r["ticker"] for r in rows_of(everything[0])] == ["EV-A", "EV-B"]
        assert rows_of(everything[0])[0]["market_exposure_dollars"] == "0.000000"
    assert len(rows_of(agree(ctx, fresh, "settlements", alice)[0], "settlements")) == 1
    assert len(rows_of(agree(ctx, fresh, "fills", alice)[0], "fills")) == 3

    control.fill("alice", "EV-B", "no", "sell", 2, "0.35")
    assert len(rows_of(agree(ctx, fresh, "fills", alice)[0], "fills")) == 4
    assert rows_of(agree(ctx, fresh, "positions", alice)[0])[0]["position_fp"] == "0.00"

    control.reset()  # every row gone; the same tickers again start from nothing
    for user in ("alice", "bob"):
        control.create_account(user, balance_cents=10_000_000)
    assert rows_of(agree(ctx, fresh, "positions", alice)[0]) == []
    assert rows_of(agree(ctx, fresh, "fills", alice)[0], "fills") == []
    assert rows_of(agree(ctx, fresh, "settlements", alice)[0], "settlements") == []
    control.fill("alice", "EV-A", "yes", "buy", 5, "0.40")
    assert [r["position_fp"] for r in rows_of(agree(ctx, fresh, "positions", alice)[0])] == ["5.00"]
    assert len(rows_of(agree(ctx, fresh, "fills", alice)[0], "fills")) == 1


def test_the_same_row_under_two_profiles_gets_each_profiles_bytes():
    app, _ = new_app()
    shared = RenderCache()  # one cache for both contexts: its entries are per profile
    modern, legacy = context(app, "3.34", shared), context(app, "legacy", shared)
    app.control.fill("alice", "EV-A", "yes", "buy", 5, "0.40")
    app.control.settle("EV-A", "no")
    app.control.fill("alice", "EV-B", "no", "buy", 7, "0.25")
    for _ in range(2):  # rendered, then served from the cache
        for op in OPERATIONS:
            a = read(modern, op, key("alice"), **({"settlement_status": "all"} if op == "positions" else {}))
            b = read(legacy, op, key("alice"))
            assert a == read(context(app, "3.34", RenderCache.disabled()), op, key("alice"), **(
                {"settlement_status": "all"} if op == "positions" else {}
            ))  # fmt: skip
            assert b == read(context(app, "legacy", RenderCache.disabled()), op, key("alice"))
            row_a, row_b = rows_of(a, op)[-1], rows_of(b, op)[-1]
            assert set(row_a) < set(row_b)  # legacy rows add the integer twins
    row = rows_of(read(legacy, "positions", key("alice")))[0]
    assert row["total_traded_dollars"] == "1.7500" and row["total_traded"] == 175 and row["position"] == -7
    assert rows_of(read(modern, "positions", key("alice")))[-1]["total_traded_dollars"] == "1.750000"


def test_a_lagged_read_shows_the_rows_as_of_then_never_the_cached_current_ones():
    app, clock = new_app(lag_ms=1000)
    ctx, fresh = context(app, "3.34"), context(app, "3.34", RenderCache.disabled())
    alice = key("alice")
    app.control.fill("alice", "EV-A", "yes", "buy", 5, "0.40")
    clock.advance(1)
    five = agree(ctx, fresh, "positions", alice)
    assert [r["position_fp"] for r in rows_of(five[0])] == ["5.00"]
    app.control.fill("alice", "EV-A", "yes", "buy", 2, "0.40")  # inside the lag: the read still shows 5
    app.control.fill("alice", "EV-B", "yes", "buy", 1, "0.40")  # a row that did not exist then
    assert agree(ctx, fresh, "positions", alice) == five
    assert len(rows_of(agree(ctx, fresh, "fills", alice)[0], "fills")) == 1
    clock.advance(0.5)
    assert agree(ctx, fresh, "positions", alice) == five
    clock.advance(0.5)  # the lag has passed: the current rows, rendered anew
    now = agree(ctx, fresh, "positions", alice)
    assert [r["position_fp"] for r in rows_of(now[0])] == ["7.00", "1.00"]
    assert len(rows_of(agree(ctx, fresh, "fills", alice)[0], "fills")) == 3
    # Lag off: the current state at once, from the same cache.
    app.control.fill("alice", "EV-A", "yes", "sell", 7, "0.60")
    app.control.set_rest_lag(0)
    assert [r["position_fp"] for r in rows_of(agree(ctx, fresh, "positions", alice)[0])] == ["0.00", "1.00"]


def test_a_restored_snapshot_is_rendered_from_its_own_rows():
    app, clock = new_app()
    ctx, fresh = context(app, "legacy"), context(app, "legacy", RenderCache.disabled())
    alice = key("alice")
    app.control.fill("alice", "EV-A", "yes", "buy", 5, "0.40")
    taken = snapshot.take(app.control)
    before = agree(ctx, fresh, "positions", alice)
    clock.advance(1)
    app.control.fill("alice", "EV-A", "yes", "buy", 4, "0.45")
    app.control.fill("alice", "EV-A", "no", "buy", 1, "0.45")
    assert agree(ctx, fresh, "positions", alice) != before
    state = snapshot.read(taken)
    assert state is not None
    snapshot.restore(app.control, state)  # new store objects, whose row versions may repeat the old ones'
    assert agree(ctx, fresh, "positions", alice) == before
    assert len(rows_of(agree(ctx, fresh, "fills", alice)[0], "fills")) == 1


def test_a_bounded_cache_drops_its_oldest_fragments_and_still_answers_right():
    app, _ = new_app()
    budget = 3 * (ENTRY_OVERHEAD + 400)
    small = RenderCache({"positions": budget, "rollups": 2 * (ENTRY_OVERHEAD + 300), "fills": budget})
    ctx, fresh = context(app, "legacy", small), context(app, "legacy", RenderCache.disabled())
    alice = key("alice")
    for i in range(12):
        app.control.fill("alice", f"EV{i % 3}-M{i}", "yes", "buy", i + 1, "0.40")
    for _ in range(2):
        agree(ctx, fresh, "positions", alice, limit=5)
        agree(ctx, fresh, "fills", alice, limit=4)
    for kind in ("positions", "fills"):
        kept = small.of(kind, "legacy")
        assert 0 < len(kept) <= 3 and kept.size <= budget
    assert small.rollups("legacy").size <= 2 * (ENTRY_OVERHEAD + 300)


def test_a_row_changed_again_replaces_its_previous_fragment():
    fragments = Fragments(10_000)
    first = fragments.put(1, {"a": 1}, slot="row")
    assert fragments.get(1) is first and len(fragments) == 1
    second = fragments.put(2, {"a": 2}, slot="row")
    assert fragments.get(1) is None and fragments.get(2) is second and len(fragments) == 1
    assert fragments.size == len(b'{"a":2}') + ENTRY_OVERHEAD
    fragments.bind(object())  # another store: nothing of the old one is served
    assert fragments.get(2) is None and len(fragments) == 0 and fragments.size == 0


# -- random command sequences ---------------------------------------------------------------------------------------

USERS = ("alice", "bob")
MARKETS = ("E1-A", "E1-B", "E1-C", "E2-A", "E3-A", "E3-B")
counts = st.integers(1, 9)
prices = st.sampled_from(["0.05", "0.25", "0.40", "0.55", "0.90"])
commands = st.one_of(
    st.tuples(
        st.just("fill"), st.sampled_from(USERS), st.sampled_from(MARKETS), st.sampled_from(["yes", "no"]),
        st.sampled_from(["buy", "sell"]), counts, prices, st.sampled_from([0, 0, 1]),
    ),
    st.tuples(st.just("order"), st.sampled_from(USERS), st.sampled_from(MARKETS), counts, prices),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("settle"), st.sampled_from(MARKETS), st.sampled_from(["yes", "no"])),
    st.tuples(st.just("deposit"), st.sampled_from(USERS), st.integers(1, 10_000)),
    st.tuples(st.just("advance"), st.integers(0, 700)),
    st.tuples(
        st.just("read"), st.sampled_from(USERS), st.sampled_from(PROFILE_NAMES), st.sampled_from(list(OPERATIONS)),
        st.integers(1, 4), st.sampled_from([None, "unsettled", "settled", "all"]),
        st.sampled_from([None, "position", "total_traded"]), st.sampled_from([None, 0, 1]),
        st.sampled_from([None, ("ticker", "E1-B"), ("event_ticker", "E1"), ("event_ticker", "E3")]),
    ),
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lag_ms=st.sampled_from([0, 0, 1000]), steps=st.lists(commands, min_size=1, max_size=40))
def test_cached_pages_equal_pages_rendered_from_scratch_for_random_command_sequences(lag_ms, steps):
    app, clock = new_app(lag_ms)
    cached = {p: context(app, p) for p in PROFILE_NAMES}  # kept for the whole sequence
    fresh = {p: context(app, p, RenderCache.disabled()) for p in PROFILE_NAMES}
    orders: list[str] = []
    control = app.control
    for step in steps:
        kind, args = step[0], step[1:]
        try:
            if kind == "fill":
                user, market, side, action, count, price, subaccount = args
                control.fill(user, market, side, action, count, price, subaccount=subaccount)
            elif kind == "order":
                user, market, count, price = args
                orders.append(control.create_order(user, market, "yes", "buy", count, price)["order_id"])
            elif kind == "cancel":
                if orders:
                    control.cancel_order(orders.pop(args[0] % len(orders)))
            elif kind == "settle":
                control.settle(*args)
            elif kind == "deposit":
                control.deposit(args[0], args[1])
            elif kind == "advance":
                clock.advance(delta=timedelta(milliseconds=args[0]))
        except ControlError:
            continue  # a settled market takes no more trading, an order of one is gone already
        if kind != "read":
            continue
        user, profile, op, limit, status, count_filter, subaccount, narrowed = args
        query: dict[str, Any] = {"limit": limit}
        if narrowed is not None and not (op == "fills" and narrowed[0] == "event_ticker"):
            query[narrowed[0]] = narrowed[1]
        if op == "positions":
            if status is not None and profile == "3.34":
                query["settlement_status"] = status
            if count_filter is not None:
                query["count_filter"] = count_filter
        if subaccount is not None and op != "settlements":
            query["subaccount"] = subaccount
        agree(cached[profile], fresh[profile], op, key(user), **query)


# -- over HTTP: the app's own context and cache ---------------------------------------------------------------------


def client(mock: MockServer, user: str) -> httpx.Client:
    created = mock.create_key(user, public_key_pem=PUBLIC_PEM)
    auth = KalshiAuth(KalshiSigner(created["key_id"], PRIVATE_KEY))
    return httpx.Client(base_url=mock.kalshi_url, auth=auth, timeout=10)


def positions_fp(http: httpx.Client, **params: Any) -> dict[str, str]:
    r = http.get("/portfolio/positions", params=params)
    assert r.status_code == 200, r.text
    return {p["ticker"]: p["position_fp"] for p in r.json()["market_positions"]}


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_over_http_every_change_shows_on_the_next_page(profile):
    clock = ManualClock(T0)
    with MockServer(clock=clock, profile=profile, seed=5) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        with client(mock, "alice") as alice:
            mock.fill("alice", "EV-A", "yes", "buy", "3", "0.50")
            assert positions_fp(alice) == positions_fp(alice) == {"EV-A": "3.00"}
            mock.fill("alice", "EV-A", "no", "buy", "1", "0.50")
            assert positions_fp(alice) == {"EV-A": "2.00"}
            order = mock.create_order("alice", "EV-B", "yes", "buy", "4", "0.10")
            assert positions_fp(alice) == {"EV-A": "2.00", "EV-B": "0.00"}
            if profile == "legacy":
                assert positions_fp(alice, count_filter="resting_order_count") == {"EV-B": "0.00"}
                mock.cancel_order(order["order_id"])
                assert positions_fp(alice, count_filter="resting_order_count") == {}
            fills = alice.get("/portfolio/fills").json()["fills"]
            assert [f["count_fp"] for f in fills] == ["1.00", "3.00"]
            mock.settle("EV-A", "yes")
            assert positions_fp(alice) == {"EV-B": "0.00"}
            assert len(alice.get("/portfolio/settlements").json()["settlements"]) == 1
            mock.deposit("alice", 500)
            assert positions_fp(alice) == {"EV-B": "0.00"}
            assert len(alice.get("/portfolio/fills").json()["fills"]) == 2
