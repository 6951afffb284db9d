"""Kalshi's section of `mockexchange serve`'s banner (its registration's `banner`): its API and what serves it, that it
trades, its keys and what is loaded, its websocket and channels; and the demo's snippet that calls it. `where` is
cli/banner.py's `Advertised` (where clients reach the mock and find its keys)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from mockexchange.admin.banners import counted
from mockexchange.control.registration import Banner
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.scenario.kalshi.demo_keys import DEMO_PEM, FCM_PEM
from mockexchange.venues.kalshi.subscriptions import SERVED_CHANNELS

TRADES = (
    "  trading: orders rest on the markets' books and match (place, amend, decrease, cancel, order groups); "
    "order books, trades, tickers"
)

# Runs on Python 3.11+ with what `pip install mockexchange` brings; README.md's quick start shows the same text.
SNIPPET = """\
# Python 3.11+, with what `pip install mockexchange` brings (httpx and mockexchange's request signer)
from pathlib import Path

import httpx
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

key_id = {key_id}
pem = Path({pem}).read_text()
auth = KalshiAuth(KalshiSigner.from_pem(key_id, pem))
with httpx.Client(base_url={url}, auth=auth) as client:
    print(client.get("/portfolio/positions", params={{"limit": 100}}).json())
"""


def url(where: Any) -> str:
    return f"{where.base_url}/trade-api/v2"


def websocket(where: Any) -> str:
    return f"{where.websocket_url}/trade-api/ws/v2"


def section(where: Any, what: str, lines: Sequence[str]) -> list[str]:
    """Kalshi's lines: the API and `what` serves it, that it trades, `lines`, the websocket and its channels."""
    return [
        f"mockexchange: Kalshi API {url(where)} ({what})",
        TRADES,
        *lines,
        f"  websocket: {websocket(where)} (channels {', '.join(SERVED_CHANNELS)})",
    ]


def demo(where: Any, what: str, portfolio: Any, made: tuple[str, str]) -> list[str]:
    """The demo's: its first user's key and its FCM member's (`made`, their key ids; their PEMs are `DEMO_PEM` and
    `FCM_PEM` in the key folder), and what the portfolio holds."""
    demo_key, fcm_key = made
    accounts = len(portfolio.users) + 1 + len(portfolio.subtraders)
    return section(where, what, [
        f"  user {portfolio.users[0]!r}: key id {demo_key}, private key {where.key_path(where.key_dir / DEMO_PEM)}",
        f"  FCM member {portfolio.fcm_member!r}: key id {fcm_key}, private key "
        f"{where.key_path(where.key_dir / FCM_PEM)}",
        f"    subtraders: {', '.join(portfolio.subtraders)}",
        f"  {counted(accounts, 'account')}, {counted(len(portfolio.markets), 'market')}, "
        f"{counted(portfolio.fills, 'fill')}",
    ])  # fmt: skip


def snippet(where: Any, made: tuple[str, str]) -> str:
    """The demo's snippet: its first user's positions, signed with its key."""
    # JSON string literals are Python string literals too, whatever the path holds (a Windows path's backslashes).
    pem = where.key_path(where.key_dir / DEMO_PEM)
    return SNIPPET.format(url=json.dumps(url(where)), key_id=json.dumps(made[0]), pem=json.dumps(pem))


def scenario(where: Any, what: str, loaded: Mapping[str, Any], read: Any) -> list[str]:
    """A scenario's: its users' keys (`loaded`: the load's answer) and what it made."""
    lines = []
    for key in loaded["keys"]:
        written = key.get("private_key_path")
        shown = f", private key {where.key_path(written)}" if written else " (public key given)"
        lines.append(f"  user {key['user_id']!r}: key id {key['key_id']}{shown}")
    lines.append(
        f"  {counted(loaded['accounts'], 'account')}, {counted(loaded['markets'], 'market')}, "
        f"{counted(loaded['positions'], 'opening fill')}"
    )
    return section(where, what, lines)


def restored(where: Any, what: str, mock: Any, said: Sequence[str]) -> list[str]:
    """A mock restored from its state file: what the file held, and the keys (the private halves are the users', in
    the key folder if the demo wrote them); `said`, the file's own lines, the first before what it holds of Kalshi."""
    ledger = mock.ledger
    users = sum(1 for user_id in ledger.state.accounts if user_id != HOUSE)  # the house is the mock's, no one's account
    lines = [
        *said[:1],
        f"  {counted(users, 'account')}, {counted(len(ledger.state.markets), 'market')}, "
        f"{counted(len(ledger.state.fills), 'fill')}; exchange time {ledger.state.clock.now().isoformat()}",
        *said[1:],
    ]
    for key in mock.keys.all()[:5]:
        lines.append(f"  user {key.user_id!r}: key id {key.key_id}")
    for pem in (DEMO_PEM, FCM_PEM):
        if (where.key_dir / pem).exists():
            lines.append(f"  private key {where.key_path(where.key_dir / pem)}")
    return section(where, what, lines)


BANNER = Banner(url, websocket, demo, scenario, restored, snippet)
