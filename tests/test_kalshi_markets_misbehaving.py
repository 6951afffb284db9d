"""Kalshi's market data misbehaves like the rest, over real HTTP: a fault rule on any of its routes (the historical
API's four among them) answers as configured (a status in Kalshi's shape, a delay, a dropped connection), the rate
limits charge every one of them (to the key a request names, else to the address; a spent bucket 429 in Kalshi's
shape), and the REST lag, which lags the portfolio's reads, leaves them answering now (docs/known-differences.md:
market data is not lagged)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import plain_http
import pytest

from mockexchange.core.clock import ManualClock, epoch_ms
from mockexchange.schema.refinements import LIVE_DATA_READS
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner
from mockexchange.venues.kalshi.table import OPERATIONS

START = datetime(2026, 3, 2, 12, tzinfo=UTC)
FED = "KXFED-26DEC-T4.00"
OLD = "KXFED-26DEC-T3.00"  # settled before the historical cutoff: the historical API's market
COLLECTION = "KXMVEFED-R"  # a multivariate collection of FED's event
WALL = ManualClock(START)  # the buckets refill on it (never, here), and requests are signed by it
V2 = "/trade-api/v2"
CANDLES = {"start_ts": 0, "end_ts": 2_000_000_000, "period_interval": 60}
# Each market data route as a client asks it: its path and a query it answers 200.
ROUTES = {
    "GetMarkets": ("/markets", {}),
    "GetTrades": ("/markets/trades", {}),
    "GetMarketOrderbooks": ("/markets/orderbooks", {"tickers": FED}),
    "BatchGetMarketCandlesticks": ("/markets/candlesticks", {"market_tickers": FED, **CANDLES}),
    "GetMarket": (f"/markets/{FED}", {}),
    "GetMarketOrderbook": (f"/markets/{FED}/orderbook", {"depth": 5}),
    "GetMarketCandlesticks": (f"/series/KXFED/markets/{FED}/candlesticks", {**CANDLES, "period_interval": 1}),
    "GetEvents": ("/events", {}),
    "GetEvent": ("/events/KXFED-26DEC", {}),
    "GetSeriesList": ("/series", {}),
    "GetSeries": ("/series/KXFED", {}),
    "GetExchangeStatus": ("/exchange/status", {}),
    "GetHistoricalMarkets": ("/historical/markets", {}),
    "GetHistoricalMarket": (f"/historical/markets/{OLD}", {}),
    "GetMarketCandlesticksHistorical": (f"/historical/markets/{OLD}/candlesticks", CANDLES),
    "GetTradesHistorical": ("/historical/trades", {}),
    "GetTagsForSeriesCategories": ("/search/tags_by_categories", {}),
    "GetFiltersForSports": ("/search/filters_by_sport", {}),
    "GetExchangeSchedule": ("/exchange/schedule", {}),
    "GetUserDataTimestamp": ("/exchange/user_data_timestamp", {}),
    "GetSeriesFeeChanges": ("/series/fee_changes", {}),
    "GetEventFeeChanges": ("/events/fee_changes", {}),
    "GetEventMetadata": ("/events/KXFED-26DEC/metadata", {}),
    "GetMarketCandlesticksByEvent": ("/series/KXFED/events/KXFED-26DEC/candlesticks", CANDLES),
    "GetMultivariateEventCollections": ("/multivariate_event_collections", {}),
    "GetMultivariateEventCollection": (f"/multivariate_event_collections/{COLLECTION}", {}),
    "GetMultivariateEvents": ("/events/multivariate", {}),
}


def test_every_market_data_route_is_here():  # (of the 3.34 profile: its mock's)
    # (the reads of what the exchange is told from outside are charged alike: tests/test_kalshi_live_data_http.py)
    market_data = {op.operation_id for op in OPERATIONS
                   if op.market_data and op.profiles is None and op.operation_id not in LIVE_DATA_READS}  # fmt: skip
    assert market_data == set(ROUTES)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(START), wall_clock=WALL) as server:
        server.create_account("u", balance_cents=1_000_000)
        server.create_market(FED)
        server.set_book(FED, yes=[["0.40", "10"]], no=[["0.55", "5"]])
        server.fill("u", FED, "yes", "buy", "2", "0.45")
        server.create_market(OLD)
        server.settle(OLD, "no")
        server.set_historical_cutoff(market_settled_ts="2026-03-03T00:00:00Z")
        server.set_multivariate_collection(COLLECTION, [{"ticker": "KXFED-26DEC"}])
        yield server


@pytest.fixture
def clean(mock: MockServer) -> Iterator[MockServer]:
    mock.clear_faults()
    yield mock
    mock.clear_faults()
    mock.set_rate_limit_tier("off")


def read(mock: MockServer, name: str, headers: dict[str, str] | None = None) -> httpx.Response:
    path, query = ROUTES[name]
    return plain_http.get(mock.kalshi_url + path, params=query, headers=headers, timeout=10)


@pytest.mark.parametrize("name", ROUTES)
def test_a_fault_rule_on_the_route_answers_as_configured(clean, name):
    mock = clean
    path = V2 + ROUTES[name][0]
    assert read(mock, name).status_code == 200
    mock.add_fault(path=path, status=503, times=1)
    refused = read(mock, name)
    assert refused.status_code == 503, refused.text
    assert refused.json() == {"error": {"code": "service_unavailable", "message": "service unavailable"}}
    assert read(mock, name).status_code == 200, "the rule fired its one time"
    mock.add_fault(path=path, delay_ms=400, times=1)
    started = time.monotonic()
    assert read(mock, name).status_code == 200 and time.monotonic() - started >= 0.4
    mock.add_fault(path=path, drop=True, times=1)
    with pytest.raises(httpx.TransportError):
        read(mock, name)
    assert [rule["fired"] for rule in mock.faults()["faults"]] == [1, 1, 1]


def test_a_rule_on_a_prefix_takes_every_route_under_it(clean):
    mock = clean
    mock.add_fault(path=f"{V2}/markets", status=500)
    under = {name: read(mock, name).status_code for name in ROUTES}
    assert under == {name: 500 if ROUTES[name][0].startswith("/markets") else 200 for name in ROUTES}


@pytest.mark.parametrize("name", ROUTES)
def test_every_route_is_charged_to_the_address_or_the_key_it_names(clean, name):
    mock = clean
    mock.set_rate_limit_tier("basic")  # 200 read tokens a second, 10 a read, every bucket full
    assert read(mock, name).status_code == 200
    assert _read_levels(mock) == {"address:127.0.0.1": 190}, "a read of the address's bucket"
    key = mock.create_key("u", key_type="ed25519")
    assert read(mock, name, {"KALSHI-ACCESS-KEY": key["key_id"]}).status_code == 200  # unsigned: the read is public
    assert _read_levels(mock) == {"address:127.0.0.1": 190, "u": 190}, "a read of the user the key names"


@pytest.mark.slow  # 62 requests
def test_a_spent_bucket_refuses_the_market_data_and_the_portfolio_alike(clean):
    # (one route: every route charges the same buckets, above)
    mock, name = clean, "GetMarkets"
    mock.set_rate_limit_tier("basic")
    answers = [read(mock, name).status_code for _ in range(21)]
    assert answers == [200] * 20 + [429], answers
    limited = read(mock, name)
    assert limited.json() == {"error": "too many requests"} and "retry-after" not in limited.headers
    assert "the address 127.0.0.1 spent the read bucket" in limited.headers["x-mockexchange-diagnosis"]
    key = mock.create_key("u", key_type="ed25519")
    named = read(mock, name, {"KALSHI-ACCESS-KEY": key["key_id"]})  # unsigned: the read is public
    assert named.status_code == 200, "the user's own bucket"
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    signed = [read(mock, name, signer.headers("GET", V2 + ROUTES[name][0], epoch_ms(WALL))) for _ in range(20)]
    assert [answer.status_code for answer in signed] == [200] * 19 + [429], "the user's twenty reads, one named above"
    positions = V2 + "/portfolio/positions"
    portfolio = plain_http.get(mock.base_url + positions, headers=signer.headers("GET", positions, epoch_ms(WALL)))
    assert portfolio.status_code == 429, "the market data spent the user's reads"


def _read_levels(mock: MockServer) -> dict[str, int]:
    """Each Kalshi bucket's read tokens left, by whom they are charged to."""
    return {who: levels["read"] for who, levels in mock.rate_limits()["buckets"]["kalshi"].items()}


def test_the_rest_lag_lags_the_portfolio_and_not_the_market_data():
    with MockServer(clock=ManualClock(START), rest_lag_ms=1000) as mock:
        mock.create_account("u", balance_cents=1_000_000)
        key = mock.create_key("u", key_type="ed25519")
        mock.create_market(FED)
        mock.advance_clock(seconds=5)
        mock.set_book(FED, yes=[["0.40", "10"]])
        mock.fill("u", FED, "yes", "buy", "2", "0.45")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        with httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10) as client:
            assert client.get("/portfolio/positions").json()["market_positions"] == [], "lagged: not yet"
            market = client.get(f"/markets/{FED}").json()["market"]
            assert (market["volume_fp"], market["yes_bid_dollars"]) == ("2.00", "0.4000"), "now"
            assert len(client.get("/markets/trades").json()["trades"]) == 1
            assert client.get(f"/markets/{FED}/orderbook").json()["orderbook_fp"]["yes_dollars"] == [
                ["0.4000", "10.00"]
            ]
            mock.advance_clock(seconds=1)
            assert client.get("/portfolio/positions").json()["market_positions"][0]["position_fp"] == "2.00"
