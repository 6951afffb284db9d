"""The REST lag leaves Kalshi's market data alone, over real HTTP: with `rest_lag_ms` set, a book change, a trade and a
lifecycle move show at once on every public market read (the book, several books, the market, the market list, the
event's nested markets, the tape, the exchange's status), as on the websocket, while the portfolio reads of the same
trade wait out the lag. Kalshi names the reads its "short delay" applies to (GetUserDataTimestamp: balance, orders,
fills, positions), none of them market data (docs/known-differences.md, "REST lag").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mockexchange.auth.kalshi.keys import generate_private_key
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LAG = timedelta(milliseconds=1000)
FED = "KXFED-26DEC-T4.00"
PRIVATE_KEY = generate_private_key("ed25519")
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def get(http: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    answer = http.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_market_data_is_never_lagged_while_the_portfolio_is():
    clock = ManualClock(T0)
    with MockServer(clock=clock, rest_lag_ms=int(LAG / timedelta(milliseconds=1)), seed=3) as mock:
        mock.create_account("alice", balance_cents=100_000)
        mock.create_market(FED)
        mock.set_book(FED, yes=[["0.40", "100"]], no=[["0.55", "20"]])
        clock.advance(delta=LAG * 2)  # all of that shows in every read, lagged or not
        key = mock.create_key("alice", public_key_pem=PUBLIC_PEM)
        auth = KalshiAuth(KalshiSigner(key["key_id"], PRIVATE_KEY))
        with (
            httpx.Client(base_url=mock.kalshi_url, timeout=10) as public,
            httpx.Client(base_url=mock.kalshi_url, auth=auth, timeout=10) as alice,
        ):
            assert get(alice, "/portfolio/positions")["market_positions"] == []

            mock.set_book(FED, yes=[["0.42", "7"]])
            mock.fill("alice", FED, "yes", "buy", "3", "0.45")
            # At once, on every market data read:
            book = get(public, f"/markets/{FED}/orderbook")["orderbook_fp"]
            assert book["yes_dollars"] == [["0.4200", "7.00"]]
            assert get(public, "/markets/orderbooks", tickers=FED)["orderbooks"][0]["orderbook_fp"] == book
            market = get(public, f"/markets/{FED}")["market"]
            assert (market["yes_bid_dollars"], market["yes_bid_size_fp"]) == ("0.4200", "7.00")
            assert (market["last_price_dollars"], market["volume_fp"], market["open_interest_fp"]) == (
                "0.4500", "3.00", "3.00",
            )  # fmt: skip
            assert get(public, "/markets")["markets"] == [market]
            assert get(public, f"/events/{market['event_ticker']}")["markets"] == [market]
            trades = get(public, "/markets/trades", ticker=FED)["trades"]
            assert [(t["count_fp"], t["yes_price_dollars"]) for t in trades] == [("3.00", "0.4500")]
            # ... while the portfolio's reads of the same fill wait out the lag.
            assert get(alice, "/portfolio/positions")["market_positions"] == []
            assert get(alice, "/portfolio/fills")["fills"] == []
            clock.advance(delta=LAG)
            assert [p["position_fp"] for p in get(alice, "/portfolio/positions")["market_positions"]] == ["3.00"]

            mock.pause_market(FED)
            assert get(public, f"/markets/{FED}")["market"]["status"] == "inactive"
            mock.set_exchange_status(trading_active=False)
            assert get(public, "/exchange/status")["trading_active"] is False
