"""Kalshi perps' section of `mockexchange serve`'s banner (its registration's `banner`): its REST base URL (the
client's `base_url`: its operations are under `/margin/...`) and its websocket URL, that it is signed with Kalshi's
keys, and what the demo made of it or a restored state holds. `where` is cli/banner.py's `Advertised`. Nothing is said
of a venue `serve --no-perps` left off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mockexchange.admin.banners import counted
from mockexchange.control.registration import Banner
from mockexchange.scenario.perps.demo import PerpsDemo

WEBSOCKET_PATH = "/trade-api/ws/v2/margin"


def url(where: Any) -> str:
    return f"{where.base_url}/trade-api/v2"


def websocket(where: Any) -> str:
    return f"{where.websocket_url}{WEBSOCKET_PATH}"


def section(where: Any, lines: Sequence[str]) -> list[str]:
    """The perps lines: the REST base URL and the websocket's, how it signs, `lines`."""
    return [
        f"mockexchange: Kalshi perps API {url(where)} (operations under /margin/...; websocket {websocket(where)})",
        "  signed with the Kalshi keys; its cash is the margined instance's "
        "(POST /portfolio/intra_exchange_instance_transfer moves it)",
        *lines,
    ]


def demo(where: Any, what: str, portfolio: Any, made: PerpsDemo) -> list[str]:
    """The demo's: the user it funded and the markets it listed with resting liquidity (`made`)."""
    if not made.served:
        return []
    return section(where, [
        f"  user {made.user_id!r}: ${made.margin_dollars:,} of margin cash",
        f"  {counted(len(made.markets), 'market')} with resting bids and asks: {', '.join(made.markets)}",
    ])  # fmt: skip


def scenario(where: Any, what: str, loaded: Mapping[str, Any], read: Any) -> list[str]:
    return []  # (a scenario holds nothing of the perps exchange)


def restored(where: Any, what: str, mock: Any, said: Sequence[str]) -> list[str]:
    """A mock restored from its state file: `said` (if it is the first venue) and what the perps exchange holds."""
    if not mock.settings.perps:
        return []
    perps = mock.control.perps
    with perps.lock:
        markets, orders = len(perps.state.markets), sum(len(held) for held in perps.state.resting.values())
    return section(where, [*said, f"  {counted(markets, 'market')}, {counted(orders, 'resting order')}"])


BANNER = Banner(url, websocket, demo, scenario, restored)
