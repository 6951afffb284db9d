"""What `mockexchange serve` prints before it serves: where a client finds each venue (Kalshi, Deribit) and its keys,
what was loaded (counted in words: `1 market`, `2 markets`), and a snippet that calls it.

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
from mockexchange.scenario.generator import Portfolio
from mockexchange.scenario.model import Scenario
from mockexchange.server import ws_url

DEMO_PEM = "demo-key.pem"
FCM_PEM = "fcm-key.pem"
DERIBIT_KEY = "deribit-key.json"  # the demo's Deribit client id and secret (scenario/key_files.py)

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
    return [
        f"mockexchange: Kalshi API {where.kalshi_url} (profile {profile}, seed {seed})",
        f"  user {portfolio.users[0]!r}: key id {demo_key}, private key {where.key_path(demo_pem)}",
        f"  FCM member {portfolio.fcm_member!r}: key id {fcm_key}, private key {where.key_path(fcm_pem)}",
        f"    subtraders: {', '.join(portfolio.subtraders)}",
        f"  {counted(accounts, 'account')}, {counted(len(portfolio.markets), 'market')}, "
        f"{counted(portfolio.fills, 'fill')}",
        f"  websocket: {ws_url(where.base_url)}/trade-api/ws/v2 (channels market_positions, fill, orderbook_delta, "
        "ticker, trade, market_lifecycle_v2)",
        _deribit_heading(where),
        _deribit_key(where, deribit),
        f"  {counted(len(portfolio.deribit_accounts), 'account')}, "
        f"{counted(portfolio.deribit_positions, 'position')} (BTC and ETH futures and options)",
        _signalplus(where),
        f"mockexchange: admin API: {where.base_url}/_admin/...; inspector: {where.base_url}/_inspector",
        "",
        snippet(where.kalshi_url, demo_key, where.key_path(demo_pem)),
    ]


def _deribit_heading(where: Advertised) -> str:
    return f"mockexchange: Deribit API {where.deribit_url} (websocket {ws_url(where.base_url)}/ws/api/v2)"


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
    lines = [f"mockexchange: Kalshi API {where.kalshi_url} (profile {profile}, {name})"]
    for key in loaded["keys"]:
        written = key.get("private_key_path")
        shown = f", private key {where.key_path(written)}" if written else " (public key given)"
        lines.append(f"  user {key['user_id']!r}: key id {key['key_id']}{shown}")
    lines.append(
        f"  {counted(loaded['accounts'], 'account')}, {counted(loaded['markets'], 'market')}, "
        f"{counted(loaded['positions'], 'opening fill')}"
    )
    if read.count("deribit_account"):
        lines += [
            _deribit_heading(where),
            *(_deribit_key(where, key) for key in loaded["deribit_keys"]),
            f"  {counted(read.count('deribit_account'), 'account')}, "
            f"{counted(read.count('deribit_subaccount'), 'subaccount')}, "
            f"{counted(read.count('deribit_position'), 'opening trade')}",
            _signalplus(where),
        ]
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
    lines = [
        f"mockexchange: Kalshi API {where.kalshi_url} (profile {mock.settings.profile})",
        f"  state restored from {status['path']}: {counted(status['commands'], 'command')} "
        f"({status['restored_commands']:,} run again) in {status['restore_seconds']:.2f}s",
        f"  {counted(len(ledger.accounts), 'account')}, {counted(len(ledger.markets), 'market')}, "
        f"{counted(len(ledger.fills), 'fill')}; exchange time {ledger.clock.now().isoformat()}",
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
    lines.append(f"  websocket: {ws_url(where.base_url)}/trade-api/ws/v2")
    lines += _restored_deribit(where, mock)
    lines.append(f"mockexchange: admin API: {where.base_url}/_admin/...; inspector: {where.base_url}/_inspector")
    return lines


def _restored_deribit(where: Advertised, mock: MockApp) -> list[str]:
    assert mock.book is not None
    with mock.book.reading():
        accounts, trades = len(mock.book.accounts()), len(mock.book.trades)
    kept = where.key_dir / DERIBIT_KEY
    return [
        _deribit_heading(where),
        *(_deribit_key(where, asdict(credential)) for credential in mock.control.deribit_keys.all()[:5]),
        *([f"  credentials kept in {where.key_path(kept)}"] if kept.exists() else []),
        f"  {counted(accounts, 'account')}, {counted(trades, 'trade')}",
        _signalplus(where),
    ]
