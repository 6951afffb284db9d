"""The portfolio reads beside positions, over real HTTP: balance, fills, settlements, deposits, withdrawals and
total resting order value; every filter and bad input, in both wire profiles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import plain_http
import pytest
from kalshi_http import ok
from module_mocks import profile_mocks, signed

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
# The module's mock of each profile, reset before each test.
modern_server, legacy_server, modern, legacy, mock = profile_mocks(T0)


def walk(client, path, list_name, **params):
    rows, cursor, pages = [], None, 0
    while True:
        body = ok(client, path, **params, **({"cursor": cursor} if cursor else {}))
        assert "cursor" in body
        rows += body[list_name]
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            return rows, pages


def go_msg(op, field, tag):
    return {
        "msg": f"Parameter validation failed for {op}: Key: '{op}Params.{field}' "
        f"Error:Field validation for '{field}' failed on the '{tag}' tag"
    }


# -- balance ----------------------------------------------------------------------------------------------------------


def test_balance_follows_fills_settlements_and_transfers(mock):
    mock.create_account("u", balance_cents=10_000)
    client = signed(mock, "u")
    body = ok(client, "/portfolio/balance")
    assert body == {
        "balance": 10_000,
        "balance_dollars": "100.0000",
        "portfolio_value": 0,
        "updated_ts": int(T0.timestamp()),
        "balance_breakdown": [{"exchange_index": 0, "balance": "100.0000"}],
    }
    mock.ledger.state.clock.advance(60)
    mock.create_market("EV-B", "EV", exchange_index=1)
    mock.fill("u", "EV-A", "yes", "buy", "3", "0.52")  # pays 1.56 + fee 0.0525
    mock.fill("u", "EV-B", "no", "buy", "2", "0.30")  # pays 0.60 + fee 0.0294, on exchange index 1
    mock.deposit("u", 5_000, fee_cents=25)  # +49.75
    mock.withdrawal("u", 1_000, status="pending")  # nothing yet
    body = ok(client, "/portfolio/balance")
    expected = D("100") - D("1.56") - D("0.0525") - D("0.60") - D("0.0294") + D("49.75")
    assert body["balance_dollars"] == f"{expected:.4f}" == "147.5081"
    assert body["balance"] == 14750  # cents truncate
    assert body["updated_ts"] == int(T0.timestamp()) + 60
    assert body["balance_breakdown"] == [
        {"exchange_index": 0, "balance": "148.1375"},
        {"exchange_index": 1, "balance": "-0.6294"},
    ]
    # Marked at the last traded price of the side held: 3 x 0.52 + 2 x 0.30.
    assert body["portfolio_value"] == 216
    assert ok(client, "/portfolio/balance", exchange_index=1)["balance_dollars"] == "-0.6294"
    assert ok(client, "/portfolio/balance", exchange_index=1)["balance_breakdown"] == [
        {"exchange_index": 1, "balance": "-0.6294"}
    ]
    mock.fill("u", "EV-A", "yes", "sell", "1", "0.90")  # last price 0.90 now marks the rest
    assert ok(client, "/portfolio/balance")["portfolio_value"] == 2 * 90 + 60
    mock.settle("EV-A", "yes")
    after = ok(client, "/portfolio/balance")
    assert after["portfolio_value"] == 60
    assert D(after["balance_dollars"]) == expected + D("0.90") - D("0.0063") + 2


def test_balance_per_subaccount_and_locked_keys(mock):
    mock.create_account("u", balance_cents=10_000)
    mock.fill("u", "EV-A", "yes", "buy", "1", "0.50", subaccount=2)
    client = signed(mock, "u")
    assert ok(client, "/portfolio/balance", subaccount=2)["balance_dollars"] == "-0.5175"
    locked = signed(mock, "u", subaccount=2)
    body = ok(locked, "/portfolio/balance")
    assert body["balance_dollars"] == "-0.5175" and "balance_breakdown" not in body
    r = locked.get("/portfolio/balance", params={"subaccount": 0})
    assert r.status_code == 403


@pytest.mark.parametrize(
    "query,field,tag",
    [({"subaccount": "64"}, "Subaccount", "lte"), ({"subaccount": "-1"}, "Subaccount", "gte"),
     ({"exchange_index": "-2"}, "ExchangeIndex", "gte")],
)  # fmt: skip
def test_balance_bad_parameters(mock, query, field, tag):
    mock.create_account("u")
    r = signed(mock, "u").get("/portfolio/balance", params=query)
    assert (r.status_code, r.json()) == (400, go_msg("GetBalance", field, tag))


# -- fills ------------------------------------------------------------------------------------------------------------


def seed_fills(mock):
    mock.create_account("u")
    mock.create_market("EV-C", "EV", exchange_index=1)
    made = []
    for i in range(12):
        mock.ledger.state.clock.advance(10)
        ticker = ["EV-A", "EV-B", "EV-C"][i % 3]
        made.append(mock.fill("u", ticker, "yes" if i % 2 else "no", "buy", str(i + 1), "0.25", subaccount=i % 2))
    return made


def test_fills_newest_first_across_pages(mock):
    made = seed_fills(mock)
    client = signed(mock, "u")
    rows, pages = walk(client, "/portfolio/fills", "fills", limit=5)
    assert pages == 3
    assert [r["fill_id"] for r in rows] == [f["fill_id"] for f in reversed(made)]
    newest = rows[0]
    assert newest["trade_id"] == newest["fill_id"] and newest["market_ticker"] == newest["ticker"] == "EV-C"
    assert newest["exchange_index"] == 1 and newest["count_fp"] == "12.00" and newest["subaccount_number"] == 1
    assert (newest["side"], newest["action"], newest["outcome_side"], newest["book_side"]) == (
        "yes",
        "buy",
        "yes",
        "bid",
    )
    assert (newest["yes_price_dollars"], newest["no_price_dollars"]) == ("0.2500", "0.7500")
    assert newest["created_time"] == "2026-11-01T12:02:00.000000Z" and newest["ts"] == int(T0.timestamp()) + 120
    no_fill = rows[1]  # buy NO
    assert (no_fill["outcome_side"], no_fill["book_side"], no_fill["yes_price_dollars"]) == ("no", "ask", "0.7500")


def test_fills_wire_per_profile(mock):
    mock.create_account("u")
    mock.fill("u", "EV-A", "no", "buy", "3", "0.52")
    [row] = ok(signed(mock, "u"), "/portfolio/fills")["fills"]
    if mock.app.settings.profile == "legacy":
        assert (row["count"], row["yes_price"], row["no_price"]) == (3, 48, 52)
        assert (row["yes_price_fixed"], row["no_price_fixed"]) == ("0.4800", "0.5200")
        assert row["fee_cost"] == "0.0525"
    else:
        assert not {"count", "yes_price", "no_price", "price"} & set(row)
        assert row["fee_cost"] == "0.052500"


def test_legacy_fill_price_is_an_exact_json_number(legacy):
    legacy.create_account("u")
    legacy.fill("u", "EV-A", "yes", "buy", "1", "0.5612")
    raw = signed(legacy, "u").get("/portfolio/fills").text
    assert '"price":0.5612,' in raw


def test_fills_filters(mock):
    made = seed_fills(mock)
    client = signed(mock, "u")
    by = lambda **p: [r["fill_id"] for r in walk(client, "/portfolio/fills", "fills", limit=3, **p)[0]]  # noqa: E731
    newest_first = list(reversed(made))
    assert by(ticker="EV-A,EV-C") == [f["fill_id"] for f in newest_first if f["ticker"] in ("EV-A", "EV-C")]
    assert by(order_id=made[4]["order_id"]) == [made[4]["fill_id"]]
    assert by(subaccount=1) == [f["fill_id"] for f in newest_first if f["subaccount"] == 1]
    assert by(exchange_index=1) == [f["fill_id"] for f in newest_first if f["ticker"] == "EV-C"]
    t = int(T0.timestamp())
    # min_ts/max_ts in Unix seconds, both inclusive: fills at +30, +40, +50.
    assert by(min_ts=t + 30, max_ts=t + 50) == [made[4]["fill_id"], made[3]["fill_id"], made[2]["fill_id"]]
    assert by(min_ts=t + 1000) == []


@pytest.mark.parametrize(
    "query,body",
    [
        ({"limit": "0"}, go_msg("GetFills", "Limit", "min")),
        ({"limit": "1001"}, go_msg("GetFills", "Limit", "max")),
        ({"ticker": ",".join(f"T{i}" for i in range(101))}, go_msg("GetFills", "Ticker", "max")),
        ({"ticker": "A,,B"}, go_msg("GetFills", "Ticker", "oneof")),
        ({"subaccount": "99"}, go_msg("GetFills", "Subaccount", "lte")),
        ({"cursor": "nope"}, go_msg("GetFills", "Cursor", "cursor")),
    ],
)
def test_fills_bad_parameters(mock, query, body):
    mock.create_account("u")
    r = signed(mock, "u").get("/portfolio/fills", params=query)
    assert (r.status_code, r.json()) == (400, body)


def test_fills_min_ts_not_an_integer(mock):
    mock.create_account("u")
    r = signed(mock, "u").get("/portfolio/fills", params={"min_ts": "yesterday"})
    assert r.status_code == 400 and "Invalid format for parameter min_ts" in r.json()["msg"]


def test_a_fills_cursor_is_bound_to_its_filters(mock):
    seed_fills(mock)
    client = signed(mock, "u")
    cursor = ok(client, "/portfolio/fills", limit=2)["cursor"]
    r = client.get("/portfolio/fills", params={"cursor": cursor, "ticker": "EV-A"})
    assert r.status_code == 400 and "ticker differ" in r.headers["X-Mockexchange-Diagnosis"]
    forged = cursor[:-4] + "AAAA"
    assert client.get("/portfolio/fills", params={"cursor": forged}).status_code == 400


def test_a_locked_key_sees_only_its_subaccounts_fills(mock):
    seed_fills(mock)
    locked = signed(mock, "u", subaccount=1)
    rows = walk(locked, "/portfolio/fills", "fills")[0]
    assert len(rows) == 6 and {r["subaccount_number"] for r in rows} == {1}
    assert locked.get("/portfolio/fills", params={"subaccount": 0}).status_code == 403


# -- settlements -----------------------------------------------------------------------------------------------------


def test_settlements(mock):
    mock.create_account("u")
    mock.fill("u", "EV-A", "yes", "buy", "4", "0.25")
    mock.fill("u", "EV-B", "no", "buy", "2", "0.40")
    mock.fill("u", "FX-C", "yes", "buy", "1", "0.50", subaccount=3)
    mock.ledger.state.clock.advance(100)
    mock.settle("EV-A", "yes")
    mock.ledger.state.clock.advance(100)
    mock.settle("EV-B", "yes")
    mock.ledger.state.clock.advance(100)
    mock.settle("FX-C", "no")
    client = signed(mock, "u")
    rows, pages = walk(client, "/portfolio/settlements", "settlements", limit=2)
    assert pages == 2 and [r["ticker"] for r in rows] == ["FX-C", "EV-B", "EV-A"]
    ev_a = rows[2]
    expected = {
        "ticker": "EV-A",
        "exchange_index": 0,
        "event_ticker": "EV",
        "market_result": "yes",
        "revenue": 400,
        "settled_time": "2026-11-01T12:01:40.000000Z",
        "value": 100,
    }
    assert {k: ev_a[k] for k in expected} == expected
    assert (ev_a["yes_count_fp"], ev_a["no_count_fp"]) == ("4.00", "0.00")
    ev_b = rows[1]
    assert (ev_b["no_count_fp"], ev_b["revenue"], ev_b["value"], ev_b["market_result"]) == ("2.00", 0, 100, "yes")
    if mock.app.settings.profile == "legacy":
        assert (ev_a["yes_count"], ev_a["yes_total_cost"], ev_a["yes_total_cost_dollars"]) == (4, 100, "1.0000")
        assert (ev_b["no_count"], ev_b["no_total_cost"]) == (2, 80)
    else:
        assert (ev_a["yes_total_cost_dollars"], ev_b["no_total_cost_dollars"]) == ("1.000000", "0.800000")
        assert ev_a["fee_cost"] == "0.052500"
    assert [r["ticker"] for r in walk(client, "/portfolio/settlements", "settlements", ticker="EV-B")[0]] == ["EV-B"]
    assert len(walk(client, "/portfolio/settlements", "settlements", event_ticker="EV")[0]) == 2
    assert [r["ticker"] for r in walk(client, "/portfolio/settlements", "settlements", subaccount=3)[0]] == ["FX-C"]
    assert walk(client, "/portfolio/settlements", "settlements", subaccount=0)[0][0]["ticker"] == "EV-B"
    t = int(T0.timestamp())
    assert [r["ticker"] for r in walk(client, "/portfolio/settlements", "settlements", max_ts=t + 200)[0]] == [
        "EV-B",
        "EV-A",
    ]


@pytest.mark.parametrize(
    "query,body",
    [
        ({"limit": "-1"}, go_msg("GetSettlements", "Limit", "min")),
        ({"limit": "5000"}, go_msg("GetSettlements", "Limit", "max")),
        ({"event_ticker": "A,B"}, go_msg("GetSettlements", "EventTicker", "excludes")),
        ({"subaccount": "64"}, go_msg("GetSettlements", "Subaccount", "lte")),
    ],
)
def test_settlements_bad_parameters(mock, query, body):
    mock.create_account("u")
    r = signed(mock, "u").get("/portfolio/settlements", params=query)
    assert (r.status_code, r.json()) == (400, body)


# -- deposits and withdrawals ----------------------------------------------------------------------------------------


def test_deposits_and_withdrawals_and_their_statuses(mock):
    mock.create_account("u", balance_cents=0)
    ids = []
    for i in range(7):
        mock.ledger.state.clock.advance(1)
        ids.append(
            mock.deposit("u", 1000 + i, type="wire" if i % 2 else "ach", status="pending" if i == 6 else "applied")[
                "id"
            ]
        )
    pending = mock.withdrawal("u", 500, status="pending", fee_cents=10)["id"]
    client = signed(mock, "u")
    rows, pages = walk(client, "/portfolio/deposits", "deposits", limit=3)
    assert pages == 3 and [r["id"] for r in rows] == list(reversed(ids))
    assert rows[0]["status"] == "pending" and rows[0]["finalized_ts"] is None
    assert rows[1] == {
        "id": ids[5], "status": "applied", "type": "wire", "amount_cents": 1005, "fee_cents": 0,
        "created_ts": int(T0.timestamp()) + 6, "finalized_ts": int(T0.timestamp()) + 6,
    }  # fmt: skip
    balance = lambda: ok(client, "/portfolio/balance")["balance"]  # noqa: E731
    assert balance() == sum(1000 + i for i in range(6))
    mock.withdrawal("u", 500, status="applied", id=pending)
    assert balance() == sum(1000 + i for i in range(6)) - 510
    mock.deposit("u", 1006, status="applied", id=ids[6])
    mock.deposit("u", 1000, status="returned", id=ids[0])
    assert balance() == sum(1000 + i for i in range(1, 7)) - 510
    [w] = ok(client, "/portfolio/withdrawals")["withdrawals"]
    assert (w["id"], w["status"], w["fee_cents"]) == (pending, "applied", 10)
    with pytest.raises(Exception, match="cannot become"):
        mock.deposit("u", 1000, status="applied", id=ids[0])


@pytest.mark.parametrize(
    "path,op", [("/portfolio/deposits", "GetDeposits"), ("/portfolio/withdrawals", "GetWithdrawals")]
)
@pytest.mark.parametrize("limit,tag", [("0", "min"), ("501", "max")])
def test_transfer_limits(mock, path, op, limit, tag):
    mock.create_account("u")
    r = signed(mock, "u").get(path, params={"limit": limit})
    assert (r.status_code, r.json()) == (400, go_msg(op, "Limit", tag))
    assert signed(mock, "u").get(path, params={"limit": "500"}).status_code == 200


def test_transfers_are_per_user(mock):
    mock.create_account("u")
    mock.create_account("v")
    mock.deposit("v", 100)
    assert ok(signed(mock, "u"), "/portfolio/deposits") == {"deposits": [], "cursor": ""}


# -- total resting order value ---------------------------------------------------------------------------------------


def test_total_resting_order_value_for_fcm_members(mock):
    mock.create_account("fcm", fcm_member=True)
    mock.create_account("sub", subtrader_of="fcm")
    mock.create_account("other")
    mock.create_market("EV-B", "EV", exchange_index=1)
    mock.create_order("fcm", "EV-A", "yes", "buy", "10", "0.40")  # 4.00
    mock.create_order("sub", "EV-B", "no", "buy", "5", "0.30")  # 1.50 on index 1
    mock.create_order("sub", "EV-A", "yes", "sell", "2", "0.90")  # sells YES = buys NO at 0.10: 0.20
    mock.create_order("other", "EV-A", "yes", "buy", "100", "0.50")  # someone else's
    body = ok(signed(mock, "fcm"), "/portfolio/summary/total_resting_order_value")
    assert body == {
        "total_resting_order_value": 570,
        "resting_order_value_breakdown": [
            {"exchange_index": 0, "balance": "4.2000"},
            {"exchange_index": 1, "balance": "1.5000"},
        ],
    }
    r = signed(mock, "other").get("/portfolio/summary/total_resting_order_value")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    mock.settle("EV-A", "no")  # cancels the market's resting orders
    assert ok(signed(mock, "fcm"), "/portfolio/summary/total_resting_order_value")["total_resting_order_value"] == 150


def test_resting_orders_show_in_legacy_positions_and_count_filter(legacy):
    legacy.create_account("u")
    legacy.create_order("u", "EV-A", "yes", "buy", "2.5", "0.40")
    legacy.fill("u", "EV-B", "yes", "buy", "1", "0.40")
    client = signed(legacy, "u")
    rows = ok(client, "/portfolio/positions", count_filter="resting_order_count")["market_positions"]
    assert [(r["ticker"], r["resting_orders_count"], r["position"]) for r in rows] == [("EV-A", 3, 0)]


# -- legacy /portfolio/positions parameters ------------------------------------------------------------------------


def test_legacy_positions_take_a_list_of_events_and_no_settlement_status(legacy):
    legacy.create_account("u")
    for event in ("E1", "E2", "E3"):
        for m in range(3):
            legacy.fill("u", f"{event}-M{m}", "yes", "buy", "1", "0.5")
    legacy.settle("E2-M0", "yes")
    client = signed(legacy, "u")
    rows, _ = walk(client, "/portfolio/positions", "market_positions", event_ticker="E3,E1", limit=2)
    assert [r["ticker"] for r in rows] == ["E1-M0", "E1-M1", "E1-M2", "E3-M0", "E3-M1", "E3-M2"]
    body = ok(client, "/portfolio/positions", settlement_status="settled")  # unknown parameter: ignored
    assert "E2-M0" not in [r["ticker"] for r in body["market_positions"]]
    too_many = ",".join(f"E{i}" for i in range(11))
    r = client.get("/portfolio/positions", params={"event_ticker": too_many})
    assert (r.status_code, r.json()) == (400, go_msg("GetPositions", "EventTicker", "max"))
    row = ok(client, "/portfolio/positions", ticker="E1-M0")["market_positions"][0]
    assert row["market_exposure_dollars"] == "0.5000" and row["market_exposure"] == 50
    event = ok(client, "/portfolio/positions", event_ticker="E1")["event_positions"][0]
    assert (event["total_cost"], event["total_cost_shares"], event["event_exposure_dollars"]) == (150, 3, "1.5000")


def test_the_334_profile_refuses_what_legacy_accepts(mock):
    status = 200 if mock.app.settings.profile == "legacy" else 400
    mock.create_account("u")
    client = signed(mock, "u")
    assert client.get("/portfolio/positions", params={"event_ticker": "E1,E2"}).status_code == status
    r = client.get("/portfolio/positions", params={"count_filter": "resting_order_count"})
    assert r.status_code == status


def test_every_endpoint_needs_a_signature(modern):
    for path in [
        "/portfolio/balance", "/portfolio/fills", "/portfolio/settlements", "/portfolio/deposits",
        "/portfolio/withdrawals", "/portfolio/summary/total_resting_order_value",
    ]:  # fmt: skip
        r = plain_http.get(modern.kalshi_url + path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "key_is_missing_from_headers", path


def test_timestamps_match_the_exchange_clock(modern):
    modern.create_account("u")
    modern.ledger.state.clock.advance(delta=timedelta(days=2, microseconds=7))
    modern.fill("u", "EV-A", "yes", "buy", "1", "0.5")
    [row] = ok(signed(modern, "u"), "/portfolio/fills")["fills"]
    assert row["created_time"] == "2026-11-03T12:00:00.000007Z"
    assert re.match(r"^\d{10}$", str(row["ts"]))


@pytest.mark.parametrize(
    "opening_cents,price,dollars,cents",
    [(100, "0.0050", "0.9999", 99), (0, "0.0001", "0.0000", 0), (0, "0.0002", "0.0000", 0)],
)
def test_balance_figures_agree_at_the_edges(modern, opening_cents, price, dollars, cents):
    modern.create_account("a", balance_cents=opening_cents)
    modern.fill("a", "EV-A", "yes", "buy", "0.01", price, is_taker=False)  # a micro-dollar sized trade
    body = ok(signed(modern, "a"), "/portfolio/balance")
    assert (body["balance_dollars"], body["balance"]) == (dollars, cents)
    assert body["balance_breakdown"][0]["balance"] == dollars
