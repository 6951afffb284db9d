"""What `mockexchange serve` prints before it serves: where a client finds each venue (Kalshi, Deribit), that each
trades, every websocket channel each serves, its keys, what was loaded (counted in words: `1 market`, `2 markets`), and
a snippet that calls it. A replay's banner (`serve --replay`) is about the tape instead: what it holds for each venue,
where it answers, and what it does not do; the keys and the snippet of what is loaded beneath it would mislead.

The URLs and key paths are the ones a client can use, which need not be the mock's own view of them: in a container
`--advertise-url` and `--advertise-key-dir` give the host's (the published port, the mounted volume); otherwise the
URL is the bound address (loopback for a wildcard such as 0.0.0.0) and the paths are the files written.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mockexchange.app import MockApp
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.replay.reel import Reel
from mockexchange.scenario.generator import Portfolio
from mockexchange.scenario.model import Scenario
from mockexchange.server.addresses import ws_url
from mockexchange.venues.deribit.channels import SERVED as DERIBIT_CHANNELS
from mockexchange.venues.kalshi.subscriptions import SERVED_CHANNELS

DEMO_PEM = "demo-key.pem"
FCM_PEM = "fcm-key.pem"
DERIBIT_KEY = "deribit-key.json"  # the demo's Deribit client id and secret (scenario/key_files.py)
KALSHI_TRADES = (
    "  trading: orders rest on the markets' books and match (place, amend, decrease, cancel, order groups); "
    "order books, trades, tickers"
)
DERIBIT_TRADES = (
    "  trading: orders rest on the instruments' books and match (buy, sell, edit, cancel, close_position); "
    "order books, tickers"
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


@dataclass(frozen=True, slots=True)
class Advertised:
    """Where clients reach the mock and find its keys."""

    base_url: str  # http(s)://HOST:PORT
    key_dir: Path  # where the keys are written
    shown_key_dir: str | None = None  # the same folder as clients see it, if they do not see `key_dir`
    signalplus_prefix: str = "/api"  # Settings.signalplus_prefix

    @property
    def kalshi_url(self) -> str:
        return f"{self.base_url}/trade-api/v2"

    @property
    def deribit_url(self) -> str:
        return f"{self.base_url}/api/v2"

    def key_path(self, written: str | Path) -> str:
        path = Path(written).resolve()
        if self.shown_key_dir is None:
            return str(path)
        try:
            inside = path.relative_to(self.key_dir.resolve())
        except ValueError:
            return str(path)
        return f"{self.shown_key_dir.rstrip('/')}/{inside.as_posix()}"


def counted(n: int, noun: str) -> str:
    """`1 market`, `2 markets`, `0 markets`, `7,010 fills`."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def snippet(url: str, key_id: str, pem: str) -> str:
    # JSON string literals are Python string literals too, whatever the path holds (a Windows path's backslashes).
    return SNIPPET.format(url=json.dumps(url), key_id=json.dumps(key_id), pem=json.dumps(pem))


def demo(
    where: Advertised, profile: str, seed: int, portfolio: Portfolio, key_ids: tuple[str, str], deribit: dict[str, Any]
) -> list[str]:
    """The demo's banner: its first user's Kalshi key and its FCM member's (`key_ids`; their PEMs are `DEMO_PEM` and
    `FCM_PEM`), and the first user's Deribit credentials (`create_deribit_key`'s answer, with the
    `credentials_path` keeping them)."""
    demo_key, fcm_key = key_ids
    demo_pem, fcm_pem = where.key_dir / DEMO_PEM, where.key_dir / FCM_PEM
    accounts = len(portfolio.users) + 1 + len(portfolio.subtraders)
    kalshi = [
        f"  user {portfolio.users[0]!r}: key id {demo_key}, private key {where.key_path(demo_pem)}",
        f"  FCM member {portfolio.fcm_member!r}: key id {fcm_key}, private key {where.key_path(fcm_pem)}",
        f"    subtraders: {', '.join(portfolio.subtraders)}",
        f"  {counted(accounts, 'account')}, {counted(len(portfolio.markets), 'market')}, "
        f"{counted(portfolio.fills, 'fill')}",
    ]
    held = (
        f"  {counted(len(portfolio.deribit_accounts), 'account')}, "
        f"{counted(portfolio.deribit_positions, 'position')} (BTC and ETH futures and options)"
    )
    return [
        *_kalshi(where, f"profile {profile}, seed {seed}", kalshi),
        *_deribit(where, [_deribit_key(where, deribit)], held),
        _admin(where),
        "",
        snippet(where.kalshi_url, demo_key, where.key_path(demo_pem)),
    ]


def _kalshi_websocket(where: Advertised) -> str:
    return f"{ws_url(where.base_url)}/trade-api/ws/v2"


def _deribit_websocket(where: Advertised) -> str:
    return f"{ws_url(where.base_url)}/ws/api/v2"


def _kalshi(where: Advertised, what: str, lines: list[str]) -> list[str]:
    """Kalshi's lines: the API and `what` serves it, that it trades, `lines`, the websocket and its channels."""
    return [
        f"mockexchange: Kalshi API {where.kalshi_url} ({what})",
        KALSHI_TRADES,
        *lines,
        f"  websocket: {_kalshi_websocket(where)} (channels {', '.join(SERVED_CHANNELS)})",
    ]


def _deribit(where: Advertised, keys: list[str], held: str) -> list[str]:
    """Deribit's lines: the API and its websocket, that it trades, the `keys`, what is `held`, the channels, the
    SignalPlus gateway."""
    return [
        f"mockexchange: Deribit API {where.deribit_url} (websocket {_deribit_websocket(where)})",
        DERIBIT_TRADES,
        *keys,
        held,
        f"  websocket channels: {', '.join(DERIBIT_CHANNELS)}",
        _signalplus(where),
    ]


def _admin(where: Advertised) -> str:
    return f"mockexchange: admin API: {where.base_url}/_admin/...; inspector: {where.base_url}/_inspector"


def _signalplus(where: Advertised) -> str:
    return f"  SignalPlus gateway: POST {where.base_url}{where.signalplus_prefix} (the same credentials)"


def _deribit_key(where: Advertised, key: dict[str, Any]) -> str:
    """A key's client id and secret, its subaccount, and the file keeping them, if one does."""
    bound = "" if key["subaccount_id"] is None else f" (subaccount {key['subaccount_id']})"
    kept = key.get("credentials_path")
    return f"  user {key['user_id']!r}{bound}: client id {key['client_id']}, client secret {key['client_secret']}" + (
        "" if kept is None else f", kept in {where.key_path(kept)}"
    )


def scenario(
    where: Advertised, profile: str, name: str, loaded: dict[str, Any], read: Scenario, timeline: str
) -> list[str]:
    """A served scenario's banner, from its load result (`Scenarios.load`) and the scenario `read`."""
    kalshi = []
    for key in loaded["keys"]:
        written = key.get("private_key_path")
        shown = f", private key {where.key_path(written)}" if written else " (public key given)"
        kalshi.append(f"  user {key['user_id']!r}: key id {key['key_id']}{shown}")
    kalshi.append(
        f"  {counted(loaded['accounts'], 'account')}, {counted(loaded['markets'], 'market')}, "
        f"{counted(loaded['positions'], 'opening fill')}"
    )
    lines = _kalshi(where, f"profile {profile}, {name}", kalshi)
    if read.count("deribit_account"):
        held = (
            f"  {counted(read.count('deribit_account'), 'account')}, "
            f"{counted(read.count('deribit_subaccount'), 'subaccount')}, "
            f"{counted(read.count('deribit_position'), 'opening trade')}"
        )
        lines += _deribit(where, [_deribit_key(where, key) for key in loaded["deribit_keys"]], held)
    steps = counted(loaded["steps_total"], "step")
    return [
        *lines,
        f"mockexchange: timeline: {steps}, {timeline}; exchange time {loaded['exchange_time']} (manual clock: "
        "POST /_admin/clock)",
        f"  admin API: {where.base_url}/_admin/... (GET /_admin/scenario for the timeline)",
        f"  inspector: {where.base_url}/_inspector (step, play and pause the timeline there)",
    ]


def restored(where: Advertised, mock: MockApp, scenario: str | None) -> list[str]:
    """A mock restored from its state file: what the file held, and the keys (the private halves of Kalshi's are the
    users', in the key folder if the demo wrote them)."""
    assert mock.persistence is not None
    status = mock.persistence.status()
    ledger = mock.ledger
    users = sum(1 for user_id in ledger.state.accounts if user_id != HOUSE)  # the house is the mock's, no one's account
    lines = [
        f"  state restored from {status['path']}: {counted(status['commands'], 'command')} "
        f"({status['restored_commands']:,} run again) in {status['restore_seconds']:.2f}s",
        f"  {counted(users, 'account')}, {counted(len(ledger.state.markets), 'market')}, "
        f"{counted(len(ledger.state.fills), 'fill')}; exchange time {ledger.state.clock.now().isoformat()}",
    ]
    if scenario is not None:
        lines.append(
            f"  --scenario {scenario} not loaded again: the state file holds what it made (a new file loads it)"
        )
    for key in mock.keys.all()[:5]:
        lines.append(f"  user {key.user_id!r}: key id {key.key_id}")
    for pem in (DEMO_PEM, FCM_PEM):
        if (where.key_dir / pem).exists():
            lines.append(f"  private key {where.key_path(where.key_dir / pem)}")
    return [*_kalshi(where, f"profile {mock.settings.profile}", lines), *_restored_deribit(where, mock), _admin(where)]


def _restored_deribit(where: Advertised, mock: MockApp) -> list[str]:
    assert mock.exchange is not None
    with mock.exchange.reading():
        accounts, trades = len(mock.exchange.accounts.all()), len(mock.exchange.state.trades)
    kept = where.key_dir / DERIBIT_KEY
    keys = [_deribit_key(where, asdict(credential)) for credential in mock.control.deribit_keys.all()[:5]]
    keys += [f"  credentials kept in {where.key_path(kept)}"] if kept.exists() else []
    return _deribit(where, keys, f"  {counted(accounts, 'account')}, {counted(trades, 'trade')}")


def replay(where: Advertised, reel: Reel, beneath: str) -> list[str]:
    """A replay's banner: the tape, what it holds for each venue and where that is answered, and what `beneath` (the
    demo portfolio, a scenario, a restored state) still serves: the admin API and the inspector only."""
    recorded = ", ".join(reel.upstreams.values()) or "no upstream named"
    lines = [f"mockexchange: replaying {reel.source} (recorded from {recorded})"]
    for venue, name, url, socket in (
        ("kalshi", "Kalshi", where.kalshi_url, _kalshi_websocket(where)),
        ("deribit", "Deribit", where.deribit_url, _deribit_websocket(where)),
    ):
        held = reel.counts(venue)
        lines.append(
            f"  {name} API {url} (websocket {socket}): {counted(held['exchanges'], 'HTTP exchange')} of "
            f"{counted(held['requests'], 'request')}, {counted(held['websockets'], 'websocket')}"
        )
    return [
        *lines,
        "  the venues answer from the tape only, a request's recorded answers in order (the last repeating); a request "
        "not on it is a 404 naming the nearest recorded one",
        "  nothing is signed, checked, charged or changed: any key is answered as the tape was (docs/replay.md)",
        f"mockexchange: admin API: {where.base_url}/_admin/... (GET /_admin/requests: what was replayed; POST "
        f"/_admin/reset: the tape from its start); inspector: {where.base_url}/_inspector",
        f"  beneath the replay, {beneath}, seen over the admin API only",
    ]
