"""A batch of fills (`ledger.filling.apply_fills`, `MockServer.fills`) makes exactly what the same fills made one at a
time (`apply_fill`, `MockServer.fill`) make: the same fill log and ids, rows and their versions, event roll-ups, cash,
last prices, published changes, REST pages and websocket messages; and a batch is all or nothing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import orjson
import plain_http
import pytest
import websockets
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockexchange.app import MockApp, build_app
from mockexchange.auth.kalshi.keys import ApiKey, generate_private_key
from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import MAX_BALANCE, LedgerError
from mockexchange.core.kalshi.new_fill import NewFill
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.testing.signing import KalshiAuth, KalshiSigner
from mockexchange.venues.kalshi import balance, history, positions

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PRIVATE_KEY = generate_private_key("ed25519")
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
USERS = ("alice", "bob")
TICKERS = ("KXFED-26DEC-T4.00", "KXFED-26DEC-T4.25", "KXCPI-26JUN-T3.0", "KXONE", "KXGDP-Q3-A")
# Counts and prices with exponents of every kind the ledger takes: "10" and "10.00", "1E+1", "0.5" and "0.50".
COUNTS = [Decimal(v) for v in ("1", "2.5", "10.00", "1E+1", "0.01", "37", "100")]
PRICES = [Decimal(v) for v in ("0.5", "0.50", "0.01", "0.99", "0.4321", "0.333333")]
FEES = [None, None, Decimal("0"), Decimal("0.0175"), Decimal("0.000001"), Decimal("1.5")]


def new_app(lag_ms: int = 0) -> MockApp:
    """An app for the ledger, its control plane and the venue's reads, called in-process: no admin API (whose routes
    were five sixths of building an app, and a hypothesis example builds two)."""
    clock = ManualClock(T0)
    app = build_app(Settings(rest_lag_ms=lag_ms, admin=False), clock=clock, wall_clock=clock, seed=11)
    for user in USERS:
        app.control.create_account(user, balance_cents=50_000_000)
    app.control.create_market("KXGDP-Q3-A", exchange_index=2)  # a market on another exchange index
    app.control.create_order("alice", "KXFED-26DEC-T4.00", "yes", "buy", "3", "0.40")  # a resting count
    clock.advance(delta=timedelta(milliseconds=lag_ms + 1))
    return app


fill_specs = st.builds(
    NewFill,
    user_id=st.sampled_from(USERS),
    ticker=st.sampled_from(TICKERS),
    side=st.sampled_from(["yes", "no"]),
    action=st.sampled_from(["buy", "sell"]),
    count=st.sampled_from(COUNTS),
    price=st.sampled_from(PRICES),
    subaccount=st.sampled_from([0, 0, 3]),
    is_taker=st.booleans(),
    event_ticker=st.none(),
    fee=st.sampled_from(FEES),
    order_id=st.sampled_from([None, None, "o-1", "3b241101-e2bb-4255-8caf-4136c566a962"]),
    client_order_id=st.sampled_from([None, "c-1"]),
)


def recorded(app: MockApp) -> list[Change]:
    changes: list[Change] = []
    app.ledger.state.bus.subscribe(changes.append)
    return changes


def state_of(app: MockApp) -> dict[str, Any]:
    ledger = app.ledger
    rows = [row.snapshot() for row in ledger.state.positions.all_rows()]
    rollups = {
        (user, sub, status, row.event_ticker): ledger.state.positions.event_rollup(user, sub, status, row.event_ticker)
        for user in USERS
        for sub in (0, 3)
        for status in ("unsettled", "all")
        for row in rows
    }
    return {
        "fills": [f.detached() for f in ledger.state.fills],
        "rows": rows,
        "versions": [row.version for row in rows],
        "store_version": ledger.state.positions.version,
        "rollups": rollups,
        "cash": {u: (a.cash, a.updated) for u, a in ledger.state.accounts.items()},
        "prices": {
            t: (m.last_yes_price, str(m.last_yes_price), m.exchange_index) for t, m in ledger.state.markets.items()
        },
        "events": {e: list(v.markets) for e, v in ledger.state.events.items()},
        "filled": ledger.contracts_filled,
    }


def pages(app: MockApp) -> dict[str, bytes]:
    """The REST answers of each user's subaccounts, as the venue renders them (the render cache's bytes)."""
    out = {}
    for user in USERS:
        key = ApiKey(f"{user}-key", user, PRIVATE_KEY.public_key(), None)
        for sub in ("0", "3"):
            for name, op, query in (
                ("positions", positions.get_positions, {"limit": "3", "subaccount": sub}),
                ("positions-all", positions.get_positions, {"subaccount": sub, "settlement_status": "all"}),
                ("positions-open", positions.get_positions, {"subaccount": sub, "count_filter": "position"}),
                ("fills", history.get_fills, {"subaccount": sub, "limit": "200"}),
                ("balance", balance.get_balance, {"subaccount": sub}),
            ):
                out[f"{user}/{sub}/{name}"] = orjson.dumps(op(app.kalshi, key, query))
    return out


def payload_of(change: Change) -> Any:
    payload = change.payload
    if hasattr(payload, "detached"):
        return payload.detached()
    return payload


def same_changes(one: list[Change], other: list[Change]) -> None:
    assert [(c.kind, c.user_id) for c in one] == [(c.kind, c.user_id) for c in other]
    for a, b in zip(one, other, strict=True):
        assert payload_of(a) == payload_of(b), a.kind
        if a.kind == "position":
            assert a.payload.version == b.payload.version
        if a.kind == "fill":
            assert repr(payload_of(a)) == repr(payload_of(b))  # every amount to its exponent, every id


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fills=st.lists(fill_specs, min_size=1, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=4),
    lag=st.sampled_from([0, 0, 500]),
)
def test_a_batch_makes_what_the_same_fills_make_one_at_a_time(fills: list[NewFill], cuts: list[int], lag: int):
    one, batched = new_app(lag), new_app(lag)
    seen_one, seen_batched = recorded(one), recorded(batched)
    answers, kept = [], []
    for spec in fills:  # fill by fill; a fill refused here (a fee past its bound) is left out of the batches too
        try:
            answers.append(one.ledger.filling.apply_fill(**spec._asdict()))
        except LedgerError:
            continue
        kept.append(spec)
    fills = kept
    made: list[Any] = []
    bounds = [0, *sorted(set(c for c in cuts if c < len(fills))), len(fills)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        made += batched.ledger.filling.apply_fills(fills[start:stop])
    assert made == answers and [f.fill_id for f in made] == [f.fill_id for f in answers]
    assert state_of(batched) == state_of(one)
    same_changes(seen_batched, seen_one)
    assert pages(batched) == pages(one)
    if lag:  # what a lagged read shows, now and once the lag has passed
        for app in (one, batched):
            app.ledger.state.clock.advance(delta=timedelta(milliseconds=lag // 2))  # type: ignore[attr-defined]
        assert pages(batched) == pages(one)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fills=st.lists(fill_specs, min_size=1, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=4),
    precision=st.sampled_from([28, 28, 12, 9]),
)
def test_a_batch_nobody_listens_to_makes_the_same_state(fills: list[NewFill], cuts: list[int], precision: int):
    """With no subscriber taking its changes, a batch makes none and opens rows from its codes, in integers: the same
    cells, roll-ups, cash and pages as the Decimal way, at any exponent and under a context of low precision."""
    one, batched = new_app(), new_app()
    assert not any(batched.ledger.state.bus.takers(kind) for kind in ("market", "fill", "position"))
    with localcontext(prec=precision):
        kept = []
        for spec in fills:
            try:
                one.ledger.filling.apply_fill(**spec._asdict())
            except LedgerError:
                continue
            kept.append(spec)
        bounds = [0, *sorted(set(c for c in cuts if c < len(kept))), len(kept)]
        made: list[Any] = []
        for start, stop in zip(bounds, bounds[1:], strict=False):
            made += batched.ledger.filling.apply_fills(kept[start:stop])
    assert made == list(one.ledger.state.fills) and [repr(f) for f in made] == [repr(f) for f in one.ledger.state.fills]
    assert state_of(batched) == state_of(one)
    assert [row.version for row in batched.ledger.state.positions.all_rows()] == [
        row.version for row in one.ledger.state.positions.all_rows()
    ]
    assert pages(batched) == pages(one)


def test_a_batch_given_as_tuples_and_mappings_is_the_same_batch():
    specs = [
        NewFill("alice", "KXA-1", "yes", "buy", Decimal(2), Decimal("0.30")),
        ("bob", "KXA-2", "no", "sell", Decimal("1.5"), Decimal("0.7"), 3),
        {"user_id": "alice", "ticker": "KXA-1", "side": "yes", "action": "sell", "count": Decimal(1),
         "price": Decimal("0.45"), "is_taker": False, "order_id": "mine"},
    ]  # fmt: skip
    one, batched = new_app(), new_app()
    for spec in specs:
        one.ledger.filling.apply_fill(**(spec if isinstance(spec, dict) else NewFill(*spec)._asdict()))  # type: ignore[arg-type]
    assert len(batched.ledger.filling.apply_fills(iter(specs))) == 3
    assert state_of(batched) == state_of(one)
    with pytest.raises(LedgerError, match="apply_fill's arguments"):
        batched.ledger.filling.apply_fills([{"user_id": "alice", "colour": "red"}])
    with pytest.raises(LedgerError, match="a NewFill, a tuple or a mapping"):
        batched.ledger.filling.apply_fills(["alice"])


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (NewFill("carol", "KXB-1", "yes", "buy", Decimal(1), Decimal("0.5")), "unknown user_id 'carol'"),
        (NewFill("alice", "KXB-1", "yes", "buy", Decimal("0.001"), Decimal("0.5")), "hundredths of a contract"),
        (NewFill("alice", "KXB-1", "up", "buy", Decimal(1), Decimal("0.5")), "side must be"),
        (NewFill("alice", "KXB-1", "yes", "buy", Decimal(1), Decimal("1")), "price must be"),
        (NewFill("alice", "KXB-1", "yes", "buy", Decimal(1), Decimal("0.5"), fee=Decimal("0.0000001")), "6 decimal"),
        (NewFill("alice", "KXB-0", "yes", "buy", Decimal(1), Decimal("0.5"), event_ticker="OTHER"), "belongs to event"),
        (NewFill("alice", "KXSETTLED", "yes", "buy", Decimal(1), Decimal("0.5")), "is settled"),
        (NewFill("alice", "KXB-1", "yes", "buy", Decimal(1), Decimal("0.5"), subaccount=64), "subaccount"),
        (NewFill("alice", "KXB-9", "yes", "buy", Decimal(1_000_000_000), Decimal("0.5")), "volume"),
    ],
)
def test_a_batch_with_a_fill_that_would_be_refused_changes_nothing(bad: NewFill, says: str):
    app = new_app()
    app.control.fill("bob", "KXSETTLED", "yes", "buy", "1", "0.5")
    app.control.settle("KXSETTLED", "yes")
    for _ in range(2):  # volume: 2 x 1e9 already, the third is one too many
        app.ledger.filling.apply_fill(
            "alice", "KXB-9", "yes", "buy", Decimal(1_000_000_000), Decimal("0.01"), fee=Decimal(0)
        )
    before, changes = state_of(app), recorded(app)
    good = NewFill("alice", "KXB-0", "no", "buy", Decimal(3), Decimal("0.25"))
    with pytest.raises(LedgerError, match=says) as refused:
        app.ledger.filling.apply_fills([good, good, bad, good])
    assert str(refused.value).startswith("fill 2 of the batch of 4 (none applied): ")
    assert state_of(app) == before and changes == []


def test_cash_past_its_bound_refuses_the_batch_at_the_fill_that_one_at_a_time_refuses():
    def ledger_near_the_bound() -> Any:
        app = new_app()
        app.ledger.open_account("rich", balance=-MAX_BALANCE + Decimal(40))  # each fill pays 10 more
        return app.ledger

    fills = [NewFill("rich", f"KXC-{i}", "no", "sell", Decimal(100), Decimal("0.9"), fee=Decimal(0)) for i in range(6)]
    one = ledger_near_the_bound()
    refused_at = None
    for i, spec in enumerate(fills):
        try:
            one.filling.apply_fill(**spec._asdict())
        except LedgerError as exc:
            refused_at, message = i, str(exc)
            break
    assert refused_at == 4  # four fit, the fifth does not
    batched = ledger_near_the_bound()
    with pytest.raises(LedgerError) as refused:
        batched.filling.apply_fills(fills)
    assert str(refused.value) == f"fill {refused_at} of the batch of 6 (none applied): {message}"
    assert len(batched.state.fills) == 0 and batched.state.accounts["rich"].breakdown() == {
        0: -MAX_BALANCE + Decimal(40)
    }
    assert len(batched.filling.apply_fills(fills[:refused_at])) == refused_at  # those alone fit


def test_the_control_command_refuses_values_it_cannot_take():
    app = new_app()
    good = {"user_id": "alice", "ticker": "KXD-1", "side": "yes", "action": "buy", "count": "2", "price": "0.5"}
    for fills, says in [
        ("abc", "must be a list"),
        ([good, "x"], r"fills\[1\] must be an object"),
        ([{**good, "colour": "red"}], "takes no 'colour'"),
        ([{k: v for k, v in good.items() if k != "price"}], "needs 'price'"),
        ([good, {**good, "count": 2.5}], r"fills\[1\]: count"),
        ([{**good, "is_taker": "yes"}], "is_taker"),
    ]:
        with pytest.raises(ControlError, match=says):
            app.control.fills(fills)
    assert len(app.ledger.state.fills) == 0
    assert app.control.fills([]) == {"count": 0, "fill_ids": []}


# -- over the wire ---------------------------------------------------------------------------------------------------


WIRE_FILLS = [
    {"user_id": "alice", "ticker": "KXFED-26DEC-T4.00", "side": "yes", "action": "buy", "count": "10", "price": "0.56"},
    {"user_id": "alice", "ticker": "KXFED-26DEC-T4.25", "side": "no", "action": "buy", "count": "4.50",
     "price": "0.3", "is_taker": False},
    {"user_id": "bob", "ticker": "KXFED-26DEC-T4.00", "side": "no", "action": "sell", "count": "2", "price": "0.41",
     "fee": "0.01"},
    {"user_id": "alice", "ticker": "KXFED-26DEC-T4.00", "side": "yes", "action": "sell", "count": "12",
     "price": "0.61", "order_id": "closing"},
    {"user_id": "alice", "ticker": "KXCPI-26JUN-T3.0", "side": "yes", "action": "buy", "count": "1", "price": "0.02",
     "subaccount": 2, "event_ticker": "KXCPI-26JUN"},
]  # fmt: skip
READS = [
    "/portfolio/positions",
    "/portfolio/positions?count_filter=position&limit=1",
    "/portfolio/positions?subaccount=2",
    "/portfolio/fills",
    "/portfolio/fills?subaccount=2",
    "/portfolio/balance",
]


async def messages_of(mock: MockServer, signer: KalshiSigner, seed: Any) -> list[dict[str, Any]]:
    """The websocket messages of alice's fills and positions while `seed` runs, sending times left out."""
    headers = signer.headers("GET", "/trade-api/ws/v2")
    async with websockets.connect(mock.kalshi_ws_url, additional_headers=headers, open_timeout=30) as ws:
        await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}))
        for _ in range(2):
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "subscribed"
        await asyncio.to_thread(seed)
        frames = []
        while True:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
            except TimeoutError:
                return frames
            frame.pop("sending_ts_ms", None)
            frames.append(frame)


@pytest.mark.slow
def test_over_the_wire_a_batch_serves_the_same_pages_and_messages_as_one_fill_at_a_time():
    answers: list[tuple[list[dict[str, Any]], dict[str, bytes]]] = []
    for batched in (False, True):
        with MockServer(clock=ManualClock(T0), seed=5) as mock:
            for user in USERS:
                mock.create_account(user, balance_cents=10_000_000)
            key = mock.create_key("alice", public_key_pem=PUBLIC_PEM)
            signer = KalshiSigner(key["key_id"], PRIVATE_KEY)

            def seed(mock: MockServer = mock, batched: bool = batched) -> None:
                if batched:
                    made = mock.fills(WIRE_FILLS)
                    assert made["count"] == len(WIRE_FILLS) and len(set(made["fill_ids"])) == len(WIRE_FILLS)
                else:
                    for fill in WIRE_FILLS:
                        mock.fill(**fill)

            frames = asyncio.run(messages_of(mock, signer, seed))
            auth = KalshiAuth(signer)
            got = {path: plain_http.get(mock.kalshi_url + path, auth=auth).content for path in READS}
            answers.append((frames, got))
    (one_frames, one_pages), (batch_frames, batch_pages) = answers
    assert batch_pages == one_pages
    assert b'"event_exposure_dollars"' in one_pages["/portfolio/positions"]  # there are roll-ups to compare
    assert batch_frames == one_frames
    kinds = [f["type"] for f in one_frames]
    assert kinds.count("fill") == 4 and kinds.count("market_position") == 4  # alice's four fills


def test_a_batch_is_kept_as_one_command_and_comes_back_after_a_restart(tmp_path: Path):
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        for user in USERS:
            mock.create_account(user, balance_cents=10_000_000)
        key = mock.create_key("alice", public_key_pem=PUBLIC_PEM)
        mock.fills(WIRE_FILLS)
        auth = KalshiAuth(KalshiSigner(key["key_id"], PRIVATE_KEY))
        before = {p: plain_http.get(mock.kalshi_url + p, auth=auth).content for p in READS}
    db = sqlite3.connect(path)
    try:
        names = [name for (name,) in db.execute("SELECT name FROM commands ORDER BY seq")]
        db.execute("DELETE FROM snapshots")  # the commands alone, as after kill -9
        db.commit()
    finally:
        db.close()
    assert names.count("fills") == 1 and "fill" not in names
    with MockServer(state=str(path)) as again:
        assert {p: plain_http.get(again.kalshi_url + p, auth=auth).content for p in READS} == before
