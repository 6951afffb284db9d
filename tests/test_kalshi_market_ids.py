"""A Kalshi market's id (`market_id`, a version 4 UUID) is derived from its ticker under a key its mock drew, not kept
by each market (core/ids.py's `TickerIds`): each market's is its own, a seed gives the same ids on every run, a
snapshot keeps them and the key (a market listed after a restore has the id it would have had), and a market listed
again after a reset is another market, with another id, in every read (the markets page's rendered rows too)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import plain_http

from mockexchange.app import build_app
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.state import snapshot

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
A, B = "KXIDS-26DEC-A", "KXIDS-26DEC-B"


def _listed(base: str, ticker: str, title: str) -> str:
    """Lists a market over the admin API: its id, as the answer writes it."""
    body = {"ticker": ticker, "title": title}
    return str(plain_http.post(f"{base}/_admin/markets", json=body, timeout=10).json()["market_id"])


def _titles(base: str) -> dict[str, str]:
    page = plain_http.get(f"{base}/trade-api/v2/markets?event_ticker=KXIDS-26DEC", timeout=10).json()["markets"]
    return {market["ticker"]: market["title"] for market in page}


def test_a_market_listed_again_after_a_reset_is_another_with_another_id_in_every_read():
    with MockServer(clock=ManualClock(T0), seed=11) as mock:
        base, feed = mock.base_url, mock.ledger.feed
        before = {ticker: _listed(base, ticker, "first") for ticker in (A, B)}
        assert all(UUID4.match(i) for i in before.values()) and before[A] != before[B], before
        assert feed.market_id(A) == before[A] and feed.market_ticker(before[B]) == B
        assert _titles(base) == {A: "first", B: "first"}  # (the page's rows rendered, and kept)
        mock.reset()
        again = _listed(base, A, "second")  # (at the version the kept row of the first A was rendered at)
        assert UUID4.match(again) and again != before[A], (before, again)
        assert _titles(base) == {A: "second"}
        assert feed.market_ticker(before[A]) is None and feed.market_ticker(again) == A


def test_a_seed_gives_the_same_ids_and_a_snapshot_keeps_them_and_their_key():
    def app(seed: int):  # (in process: the ids are the core's)
        return build_app(Settings(port=0), clock=ManualClock(T0), seed=seed)

    first, same, other = app(5), app(5), app(6)
    for made in (first, same, other):
        made.control.create_market(ticker=A)
    ids = [made.ledger.feed.market_id(A) for made in (first, same, other)]
    assert ids[0] == ids[1] != ids[2]
    restored = app(9)
    kept = snapshot.read(snapshot.take(first.control) or b"")
    assert kept is not None
    snapshot.restore(restored.control, kept)
    assert restored.ledger.feed.market_id(A) == ids[0]
    for made in (first, restored):
        made.control.create_market(ticker=B)
    assert restored.ledger.feed.market_id(B) == first.ledger.feed.market_id(B) != first.ledger.feed.market_id(A)
