"""GET /portfolio/positions over real HTTP: wire shape, every filter, keyset pagination, and every bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal as D

import plain_http
import pytest
from module_mocks import plugin_mocks

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
DOLLARS6 = re.compile(r"^-?\d+\.\d{6}$")
FP2 = re.compile(r"^-?\d+\.\d{2}$")

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

# The plugin's `mockexchange` and `kalshi_user`, on one mock for the module reset before each test, on a manual
# clock (which the test of `last_updated_ts` moves).
mockexchange_server, mockexchange, kalshi_user = plugin_mocks(T0)


def positions(user, **params):
    r = user.client.get("/portfolio/positions", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def walk(user, **params):
    """Every page until the cursor is empty; the rows and the number of pages."""
    rows, events, pages, cursor = [], [], 0, None
    while True:
        body = positions(user, **params, **({"cursor": cursor} if cursor else {}))
        rows += body["market_positions"]
        events += body["event_positions"]
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            return rows, events, pages
        assert pages < 10_000


def test_wire_shape_of_a_position(mockexchange, kalshi_user):
    mockexchange.create_market("KXFED-26DEC-T4.00", "KXFED-26DEC", exchange_index=1)
    mockexchange.fill(kalshi_user.user_id, "KXFED-26DEC-T4.00", "yes", "buy", "3", "0.52")
    body = positions(kalshi_user)
    assert set(body) == {"market_positions", "event_positions", "cursor"}
    assert body["cursor"] == ""
    [row] = body["market_positions"]
    assert set(row) == {
        "ticker", "exchange_index", "total_traded_dollars", "position_fp", "market_exposure_dollars",
        "realized_pnl_dollars", "fees_paid_dollars", "last_updated_ts",
    }  # fmt: skip
    assert row["ticker"] == "KXFED-26DEC-T4.00"
    assert row["exchange_index"] == 1
    assert row["position_fp"] == "3.00"
    assert row["total_traded_dollars"] == row["market_exposure_dollars"] == "1.560000"
    assert row["realized_pnl_dollars"] == "0.000000"
    # 0.07 x 3 x 0.52 x 0.48 = 0.052416, rounded up to the centi-cent.
    assert row["fees_paid_dollars"] == "0.052500"
    assert RFC3339_Z.match(row["last_updated_ts"])
    [event] = body["event_positions"]
    assert event == {
        "event_ticker": "KXFED-26DEC",
        "total_cost_dollars": "1.560000",
        "total_cost_shares_fp": "3.00",
        "event_exposure_dollars": "1.560000",
        "realized_pnl_dollars": "0.000000",
        "fees_paid_dollars": "0.052500",
    }


def test_no_positions_is_an_empty_page_with_both_lists(kalshi_user):
    assert positions(kalshi_user) == {"market_positions": [], "event_positions": [], "cursor": ""}


def test_short_positions_are_negative_and_fractional_counts_keep_two_places(mockexchange, kalshi_user):
    mockexchange.fill(kalshi_user.user_id, "EV-A", "no", "buy", "2.5", "0.3", event_ticker="EV")
    [row] = positions(kalshi_user)["market_positions"]
    assert row["position_fp"] == "-2.50"
    assert row["market_exposure_dollars"] == "0.750000"


def test_last_updated_ts_is_the_time_of_the_last_fill(mockexchange):
    mockexchange.create_account("u")
    mockexchange.fill("u", "EV-A", "yes", "buy", "1", "0.5")
    mockexchange.ledger.state.clock.advance(3600)
    mockexchange.fill("u", "EV-A", "yes", "buy", "1", "0.5")
    row = mockexchange.ledger.state.positions.get("u", 0, "EV-A")
    assert row.last_updated == mockexchange.ledger.state.clock.now()


def seed_portfolio(mock, user_id, n_events=12, per_event=5):
    tickers = []
    for e in range(n_events):
        event = f"EV{e:02d}"
        for m in range(per_event):
            ticker = f"{event}-M{m}"
            mock.create_market(ticker, event, exchange_index=e % 2)
            side = "yes" if (e + m) % 2 else "no"
            mock.fill(user_id, ticker, side, "buy", str(m + 1), "0.40")
            tickers.append(ticker)
    return tickers


@pytest.mark.parametrize("limit", [1, 7, 60, 1000])
def test_walking_the_cursor_lists_every_position_once(mockexchange, kalshi_user, limit):
    tickers = seed_portfolio(mockexchange, kalshi_user.user_id)
    rows, events, pages = walk(kalshi_user, limit=limit)
    assert [r["ticker"] for r in rows] == sorted(tickers)
    assert pages == max(1, -(-len(tickers) // limit))
    # Each event's roll-up once, on the page its first market is on, totalling all its markets.
    assert [e["event_ticker"] for e in events] == sorted({t.split("-")[0] for t in tickers})
    for event in events:
        mine = [r for r in rows if r["ticker"].startswith(event["event_ticker"] + "-")]
        assert D(event["event_exposure_dollars"]) == sum(D(r["market_exposure_dollars"]) for r in mine)
        assert D(event["total_cost_shares_fp"]) == sum(abs(D(r["position_fp"])) for r in mine)


def test_walking_the_cursor_through_an_event_of_more_than_512_markets(mockexchange, kalshi_user):
    """Past 512 markets an event keeps its tickers in a sorted list of another kind (core/store.py, `_LONG_EVENT`),
    which a cursor inside the event walks on its own branch: every market once, in order, page after page, with and
    without the event filter; the event's roll-up once, totalling all its markets."""
    big = [f"BIG-M{m:04d}" for m in range(700)]  # fills on the way in, a batch after: both make the long list
    for ticker in big[:520]:
        mockexchange.fill(kalshi_user.user_id, ticker, "yes", "buy", "1", "0.40")
    rest = [*big[520:], "AAA-M1", "ZZZ-M1"]
    mockexchange.fills([{"user_id": kalshi_user.user_id, "ticker": t, "side": "no", "action": "buy", "count": "2",
                         "price": "0.30"} for t in rest])  # fmt: skip
    tickers = sorted([*big, "AAA-M1", "ZZZ-M1"])
    for limit in (7, 100, 699):
        rows, events, pages = walk(kalshi_user, limit=limit)
        assert [r["ticker"] for r in rows] == tickers, limit
        assert pages == -(-len(tickers) // limit)
        assert [e["event_ticker"] for e in events] == ["AAA", "BIG", "ZZZ"]
        [event] = [e for e in events if e["event_ticker"] == "BIG"]
        assert D(event["total_cost_shares_fp"]) == 520 + 180 * 2
        assert D(event["total_cost_dollars"]) == D("0.40") * 520 + D("0.30") * 2 * 180
    rows, events, pages = walk(kalshi_user, limit=13, event_ticker="BIG")
    assert [r["ticker"] for r in rows] == big and pages == -(-700 // 13)
    assert [e["event_ticker"] for e in events] == ["BIG"]


# (the fills that open, the basis each closing contract releases): a quotient that does not end, and two exact ties
# at the seventh place, after an odd and after an even sixth digit (half even, not down or up, decides both).
PARTIAL_CLOSES = {
    "thirds": ([("1", "0.50"), ("2", "0.51")], "3", D("1.52"), D("0.506667")),  # 1.52 / 3 = 0.50666...
    "tie after odd": ([("1.99", "0.50"), ("0.01", "0.0003")], "2", D("0.995003"), D("0.497502")),  # 0.4975015
    "tie after even": ([("1.99", "0.50"), ("0.01", "0.0001")], "2", D("0.995001"), D("0.497500")),  # 0.4975005
}


@pytest.mark.slow
@pytest.mark.parametrize("batch", [False, True], ids=["fill by fill", "batch"])
@pytest.mark.parametrize("case", PARTIAL_CLOSES.values(), ids=PARTIAL_CLOSES.keys())
def test_a_partial_close_releases_the_average_basis_held_half_even_to_the_micro_dollar(
    mockexchange, kalshi_user, case, batch
):
    opening, held, basis, released = case
    made = [dict(ticker="EV-M", side="yes", action="buy", count=count, price=price) for count, price in opening]
    made.append(dict(ticker="EV-M", side="yes", action="sell", count="1", price="0.60"))
    if batch:
        mockexchange.fills([{"user_id": kalshi_user.user_id, **fill} for fill in made])
    else:
        for fill in made:
            mockexchange.fill(kalshi_user.user_id, **fill)
    [row] = positions(kalshi_user)["market_positions"]
    assert D(row["position_fp"]) == D(held) - 1
    assert D(row["market_exposure_dollars"]) == basis - released
    assert D(row["realized_pnl_dollars"]) == D("0.60") - released


def test_limit_defaults_to_100(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id, n_events=25, per_event=5)
    body = positions(kalshi_user)
    assert len(body["market_positions"]) == 100 and body["cursor"]


def test_an_exact_last_page_has_an_empty_cursor(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id, n_events=2, per_event=5)
    body = positions(kalshi_user, limit=10)
    assert len(body["market_positions"]) == 10 and body["cursor"] == ""


def test_fills_landing_between_pages_neither_repeat_nor_skip_rows(mockexchange, kalshi_user):
    tickers = seed_portfolio(mockexchange, kalshi_user.user_id)
    seen, cursor, step = [], None, 0
    while True:
        body = positions(kalshi_user, limit=8, **({"cursor": cursor} if cursor else {}))
        seen += [r["ticker"] for r in body["market_positions"]]
        # Between pages: fills on rows already served, on rows still ahead, and brand-new positions on both sides.
        mockexchange.fill(kalshi_user.user_id, tickers[step], "yes", "buy", "1", "0.5")
        mockexchange.fill(kalshi_user.user_id, tickers[-1 - step], "no", "buy", "1", "0.5")
        mockexchange.fill(kalshi_user.user_id, f"AAA{step}-X", "yes", "buy", "1", "0.5")
        step += 1
        cursor = body["cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    assert set(tickers) <= set(seen)


def test_ticker_filter(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id)
    body = positions(kalshi_user, ticker="EV03-M2")
    assert [r["ticker"] for r in body["market_positions"]] == ["EV03-M2"]
    [event] = body["event_positions"]
    assert event["event_ticker"] == "EV03" and event["total_cost_shares_fp"] == "3.00"
    assert positions(kalshi_user, ticker="NOPE")["market_positions"] == []


def test_event_ticker_filter_pages_within_the_event(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id)
    rows, events, pages = walk(kalshi_user, event_ticker="EV05", limit=2)
    assert [r["ticker"] for r in rows] == [f"EV05-M{m}" for m in range(5)]
    assert pages == 3 and [e["event_ticker"] for e in events] == ["EV05"]
    assert positions(kalshi_user, event_ticker="EV05", ticker="EV06-M1")["market_positions"] == []


def test_exchange_index_filter(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id)
    rows, _, _ = walk(kalshi_user, exchange_index=1, limit=7)
    assert rows and all(r["exchange_index"] == 1 for r in rows)
    assert len(rows) == 30
    assert positions(kalshi_user, exchange_index=9)["market_positions"] == []


def test_count_filter(mockexchange, kalshi_user):
    u = kalshi_user.user_id
    mockexchange.fill(u, "EV-OPEN", "yes", "buy", "2", "0.5")
    mockexchange.fill(u, "EV-CLOSED", "yes", "buy", "2", "0.5")
    mockexchange.fill(u, "EV-CLOSED", "yes", "sell", "2", "0.6")
    every = [r["ticker"] for r in positions(kalshi_user)["market_positions"]]
    assert every == ["EV-CLOSED", "EV-OPEN"]  # a closed position stays listed until settlement
    assert [r["ticker"] for r in positions(kalshi_user, count_filter="position")["market_positions"]] == ["EV-OPEN"]
    assert len(positions(kalshi_user, count_filter="total_traded")["market_positions"]) == 2
    assert len(positions(kalshi_user, count_filter="position,total_traded")["market_positions"]) == 2
    [event] = positions(kalshi_user, count_filter="position")["event_positions"]
    assert event["total_cost_shares_fp"] == "2.00"  # the roll-up covers the rows the filter keeps


def test_an_events_roll_up_sums_its_closed_and_open_rows_and_both_exchanges(mockexchange, kalshi_user):
    u = kalshi_user.user_id
    mockexchange.create_market("KXEV-26-A", "KXEV-26")
    mockexchange.create_market("KXEV-26-B", "KXEV-26")
    mockexchange.create_market("KXEV-26-C", "KXEV-26", exchange_index=1)
    mockexchange.fill(u, "KXEV-26-A", "yes", "buy", "10", "0.40", fee="0")  # closed: realized 10 x 0.10 = 1.00
    mockexchange.fill(u, "KXEV-26-A", "yes", "sell", "10", "0.50", fee="0")
    mockexchange.fill(u, "KXEV-26-B", "yes", "buy", "5", "0.30", fee="0")  # 3 still held: realized 2 x 0.05
    mockexchange.fill(u, "KXEV-26-B", "yes", "sell", "2", "0.35", fee="0")
    mockexchange.fill(u, "KXEV-26-C", "no", "buy", "4", "0.20", fee="0.01")  # on exchange 1: sold 1 at 0.25
    mockexchange.fill(u, "KXEV-26-C", "no", "sell", "1", "0.25", fee="0")
    [event] = positions(kalshi_user)["event_positions"]
    # each row in a part of its own (a closed row, an open one, another exchange's): the roll-up is their sum
    assert event == {
        "event_ticker": "KXEV-26",
        "total_cost_dollars": "13.350000",  # 4.00 + 5.00 + 1.50 + 1.30 + 0.80 + 0.75 (paid for the side bought)
        "total_cost_shares_fp": "32.00",  # every contract filled
        "event_exposure_dollars": "1.500000",  # 3 x 0.30 + 3 x 0.20
        "realized_pnl_dollars": "1.150000",  # 1.00 + 0.10 + 1 x (0.25 - 0.20)
        "fees_paid_dollars": "0.010000",
    }


@pytest.mark.slow
def test_settlement_status(mockexchange, kalshi_user):
    u = kalshi_user.user_id
    mockexchange.fill(u, "EV-A", "yes", "buy", "4", "0.25")
    mockexchange.fill(u, "EV-B", "no", "buy", "1", "0.5")
    mockexchange.fill(u, "FX-C", "yes", "buy", "1", "0.5")
    mockexchange.settle("EV-A", "yes")
    unsettled = positions(kalshi_user)["market_positions"]
    assert [r["ticker"] for r in unsettled] == ["EV-B", "FX-C"]
    settled = positions(kalshi_user, settlement_status="settled")
    [row] = settled["market_positions"]
    assert row["ticker"] == "EV-A" and row["position_fp"] == "4.00"
    assert row["market_exposure_dollars"] == "0.000000" and row["realized_pnl_dollars"] == "3.000000"
    rows, events, _ = walk(kalshi_user, settlement_status="all", limit=1)
    assert [r["ticker"] for r in rows] == ["EV-A", "EV-B", "FX-C"]
    assert [e["event_ticker"] for e in events] == ["EV", "FX"]


def test_subaccounts_are_separate_books(mockexchange, kalshi_user):
    u = kalshi_user.user_id
    mockexchange.fill(u, "EV-A", "yes", "buy", "1", "0.5")
    mockexchange.fill(u, "EV-B", "yes", "buy", "1", "0.5", subaccount=3)
    assert [r["ticker"] for r in positions(kalshi_user)["market_positions"]] == ["EV-A"]
    assert [r["ticker"] for r in positions(kalshi_user, subaccount=0)["market_positions"]] == ["EV-A"]
    assert [r["ticker"] for r in positions(kalshi_user, subaccount=3)["market_positions"]] == ["EV-B"]
    assert positions(kalshi_user, subaccount=63)["market_positions"] == []


def test_users_see_only_their_own_positions(mockexchange, kalshi_user):
    mockexchange.create_account("other")
    mockexchange.fill("other", "EV-A", "yes", "buy", "1", "0.5")
    assert positions(kalshi_user)["market_positions"] == []


def test_a_subaccount_locked_key_defaults_to_its_subaccount_and_is_refused_others(mockexchange, kalshi_user):
    from mockexchange.testing.signing import KalshiSigner

    u = kalshi_user.user_id
    mockexchange.fill(u, "EV-A", "yes", "buy", "1", "0.5")
    mockexchange.fill(u, "EV-B", "yes", "buy", "1", "0.5", subaccount=5)
    key = mockexchange.create_key(u, subaccount=5)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])

    def call(query=""):
        path = "/trade-api/v2/portfolio/positions"
        return plain_http.get(mockexchange.base_url + path + query, headers=signer.headers("GET", path))

    assert [r["ticker"] for r in call().json()["market_positions"]] == ["EV-B"]
    assert [r["ticker"] for r in call("?subaccount=5").json()["market_positions"]] == ["EV-B"]
    r = call("?subaccount=0")
    assert r.status_code == 403
    assert r.json() == {
        "error": {
            "code": "forbidden",
            "message": "this API key is restricted to a single sub-account and cannot access this endpoint",
        }
    }
    assert "locked to subaccount 5" in r.headers["X-Mockexchange-Diagnosis"]


def go_msg(field, tag, op="GetPositions"):
    return {
        "msg": f"Parameter validation failed for {op}: Key: '{op}Params.{field}' "
        f"Error:Field validation for '{field}' failed on the '{tag}' tag"
    }


@pytest.mark.parametrize(
    "query,body",
    [
        ({"limit": "0"}, go_msg("Limit", "gte")),
        ({"limit": "1001"}, go_msg("Limit", "lte")),
        ({"limit": "-3"}, go_msg("Limit", "gte")),
        ({"count_filter": "resting_order_count"}, go_msg("CountFilter", "oneof")),
        ({"count_filter": "position,,total_traded"}, go_msg("CountFilter", "oneof")),
        ({"count_filter": "foo"}, go_msg("CountFilter", "oneof")),
        ({"settlement_status": "open"}, go_msg("SettlementStatus", "oneof")),
        ({"event_ticker": "EV1,EV2"}, go_msg("EventTicker", "excludes")),
        ({"subaccount": "64"}, go_msg("Subaccount", "lte")),
        ({"subaccount": "-1"}, go_msg("Subaccount", "gte")),
        ({"exchange_index": "-1"}, go_msg("ExchangeIndex", "gte")),
        ({"exchange_index": "2147483648"}, go_msg("ExchangeIndex", "lte")),
    ],
)
def test_bad_parameters_get_kalshis_400(kalshi_user, query, body):
    r = kalshi_user.client.get("/portfolio/positions", params=query)
    assert r.status_code == 400
    assert r.json() == body
    assert r.headers["X-Mockexchange-Diagnosis"]


@pytest.mark.parametrize(
    "name,value",
    [("limit", "ten"), ("limit", "1.5"), ("subaccount", "0x1"), ("exchange_index", "99999999999999999999")],
)
def test_unparseable_integers_get_a_400_in_the_same_shape(kalshi_user, name, value):
    r = kalshi_user.client.get("/portfolio/positions", params={name: value})
    assert r.status_code == 400
    assert r.json()["msg"].startswith(
        f"Parameter validation failed for GetPositions: Invalid format for parameter {name}"
    )


def test_unknown_parameters_are_ignored(kalshi_user):
    assert kalshi_user.client.get("/portfolio/positions", params={"colour": "blue"}).status_code == 200


def test_garbage_and_foreign_cursors_get_a_clear_400(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id)
    for garbage in ["garbage", "e30", "eyJ2IjoxfQ", "%%%", "A" * 500]:
        r = kalshi_user.client.get("/portfolio/positions", params={"cursor": garbage})
        assert r.status_code == 400, garbage
        assert r.json() == go_msg("Cursor", "cursor")
        assert "not one this server issued" in r.headers["X-Mockexchange-Diagnosis"]
    cursor = positions(kalshi_user, limit=5, settlement_status="unsettled")["cursor"]
    r = kalshi_user.client.get("/portfolio/positions", params={"cursor": cursor, "settlement_status": "all"})
    assert r.status_code == 400
    assert "settlement_status differ" in r.headers["X-Mockexchange-Diagnosis"]
    r = kalshi_user.client.get("/portfolio/positions", params={"cursor": cursor, "event_ticker": "EV01"})
    assert "event_ticker differ" in r.headers["X-Mockexchange-Diagnosis"]
    # The limit is not part of the filter set: a walk may change page size.
    assert kalshi_user.client.get("/portfolio/positions", params={"cursor": cursor, "limit": 50}).status_code == 200


def test_another_users_cursor_is_refused(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id)
    cursor = positions(kalshi_user, limit=5)["cursor"]
    mockexchange.create_account("mallory")
    key = mockexchange.create_key("mallory")
    from mockexchange.testing.signing import KalshiSigner

    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])

    path = "/trade-api/v2/portfolio/positions"
    r = plain_http.get(mockexchange.base_url + path, params={"cursor": cursor}, headers=signer.headers("GET", path))
    assert r.status_code == 400 and "owner differ" in r.headers["X-Mockexchange-Diagnosis"]


def test_only_get_is_served(kalshi_user):
    r = kalshi_user.client.post("/portfolio/positions")
    assert r.status_code == 405


def test_unknown_routes_get_kalshis_404(kalshi_user):
    r = kalshi_user.client.get("/portfolio/nothing-here")
    assert r.status_code == 404 and r.json() == {"error": {"code": "not_found", "message": "not found"}}


def test_every_amount_is_a_string_with_the_venue_places(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id, n_events=3)
    mockexchange.fill(kalshi_user.user_id, "EV00-M0", "yes", "sell", "0.5", "0.9999")
    body = positions(kalshi_user)
    for row in body["market_positions"]:
        for name, value in row.items():
            if name.endswith("_dollars"):
                assert DOLLARS6.match(value), (name, value)
            if name.endswith("_fp"):
                assert FP2.match(value), (name, value)
    for event in body["event_positions"]:
        assert all(DOLLARS6.match(v) for k, v in event.items() if k.endswith("_dollars"))


def test_a_repeated_parameter_counts_with_its_first_value(mockexchange, kalshi_user):
    seed_portfolio(mockexchange, kalshi_user.user_id, n_events=1)
    r = kalshi_user.client.get("/portfolio/positions?limit=1&limit=2")
    assert len(r.json()["market_positions"]) == 1
    r = kalshi_user.client.get("/portfolio/positions?limit=0&limit=2")
    assert r.status_code == 400
