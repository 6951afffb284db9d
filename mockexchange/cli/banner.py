"""What `mockexchange serve` prints before it serves: where a client finds the mock and its keys, and a snippet that
calls it.

The URLs and key paths are the ones a client can use, which need not be the mock's own view of them: in a container
`--advertise-url` and `--advertise-key-dir` give the host's (the published port, the mounted volume); otherwise the
URL is the bound address (loopback for a wildcard such as 0.0.0.0) and the paths are the files written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockexchange.app import MockApp
from mockexchange.scenario.generator import Portfolio
from mockexchange.server import ws_url

DEMO_PEM = "demo-key.pem"
FCM_PEM = "fcm-key.pem"

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

    @property
    def kalshi_url(self) -> str:
        return f"{self.base_url}/trade-api/v2"

    def key_path(self, written: str | Path) -> str:
        path = Path(written).resolve()
        if self.shown_key_dir is None:
            return str(path)
        try:
            inside = path.relative_to(self.key_dir.resolve())
        except ValueError:
            return str(path)
        return f"{self.shown_key_dir.rstrip('/')}/{inside.as_posix()}"


def snippet(url: str, key_id: str, pem: str) -> str:
    # JSON string literals are Python string literals too, whatever the path holds (a Windows path's backslashes).
    return SNIPPET.format(url=json.dumps(url), key_id=json.dumps(key_id), pem=json.dumps(pem))


def demo(where: Advertised, profile: str, seed: int, portfolio: Portfolio, demo_key: str, fcm_key: str) -> list[str]:
    """The demo's banner: its first user's key and its FCM member's, whose PEMs are `DEMO_PEM` and `FCM_PEM`."""
    demo_pem, fcm_pem = where.key_dir / DEMO_PEM, where.key_dir / FCM_PEM
    accounts = len(portfolio.users) + 1 + len(portfolio.subtraders)
    return [
        f"mockexchange: Kalshi API {where.kalshi_url} (profile {profile}, seed {seed})",
        f"  user {portfolio.users[0]!r}: key id {demo_key}, private key {where.key_path(demo_pem)}",
        f"  FCM member {portfolio.fcm_member!r}: key id {fcm_key}, private key {where.key_path(fcm_pem)}",
        f"    subtraders: {', '.join(portfolio.subtraders)}",
        f"  {accounts} accounts, {len(portfolio.markets)} markets, {portfolio.fills} fills",
        f"  websocket: {ws_url(where.base_url)}/trade-api/ws/v2 (channels market_positions, fill)",
        f"  admin API: {where.base_url}/_admin/...; inspector: {where.base_url}/_inspector",
        "",
        snippet(where.kalshi_url, demo_key, where.key_path(demo_pem)),
    ]


def scenario(where: Advertised, profile: str, name: str, loaded: dict[str, Any], timeline: str) -> list[str]:
    """A served scenario's banner, from its load result (`Scenarios.load`)."""
    lines = [f"mockexchange: Kalshi API {where.kalshi_url} (profile {profile}, {name})"]
    for key in loaded["keys"]:
        written = key.get("private_key_path")
        shown = f", private key {where.key_path(written)}" if written else " (public key given)"
        lines.append(f"  user {key['user_id']!r}: key id {key['key_id']}{shown}")
    if loaded["deribit_keys"]:
        lines.append(
            f"mockexchange: Deribit API {where.base_url}/api/v2 (websocket {ws_url(where.base_url)}/ws/api/v2)"
        )
    for key in loaded["deribit_keys"]:
        bound = "" if key["subaccount_id"] is None else f" (subaccount {key['subaccount_id']})"
        lines.append(
            f"  user {key['user_id']!r}{bound}: client id {key['client_id']}, client secret {key['client_secret']}"
        )
    lines += [
        f"  {loaded['accounts']} accounts, {loaded['markets']} markets, {loaded['positions']} opening fills; "
        f"timeline: {loaded['steps_total']} steps, {timeline}",
        f"  exchange time {loaded['exchange_time']} (manual clock: POST /_admin/clock)",
        f"  admin API: {where.base_url}/_admin/... (GET /_admin/scenario for the timeline)",
        f"  inspector: {where.base_url}/_inspector (step, play and pause the timeline there)",
    ]
    return lines


def restored(where: Advertised, mock: MockApp, scenario: str | None) -> list[str]:
    """A mock restored from its state file: what the file held, and the keys (whose private halves are the users')."""
    assert mock.persistence is not None
    status = mock.persistence.status()
    ledger = mock.ledger
    lines = [
        f"mockexchange: Kalshi API {where.kalshi_url} (profile {mock.settings.profile})",
        f"  state restored from {status['path']}: {status['commands']} commands ({status['restored_commands']} run "
        f"again) in {status['restore_seconds']:.2f}s",
        f"  {len(ledger.accounts)} accounts, {len(ledger.markets)} markets, {len(ledger.fills)} fills; "
        f"exchange time {ledger.clock.now().isoformat()}",
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
    lines += [
        f"  websocket: {ws_url(where.base_url)}/trade-api/ws/v2; Deribit: {where.base_url}/api/v2",
        f"  admin API: {where.base_url}/_admin/...; inspector: {where.base_url}/_inspector",
    ]
    return lines
