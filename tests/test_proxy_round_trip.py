"""The whole road of issue 31 with real processes and no tape written by hand: `mockexchange proxy --record` in a child
process between signed clients and a seeded mock, then `serve --replay` answering the same calls from that tape, then
`tape-to-scenario` turning it into a scenario a fresh mock answers the same portfolio from."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import plain_http
import pytest
from serve_process import running

from mockexchange.cli import main
from mockexchange.core.clock import ManualClock
from mockexchange.recording.reader import read_tape
from mockexchange.registry import TAPE_VENUES
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytestmark = pytest.mark.slow  # a child process and four mocks

PROXY = [sys.executable, "-m", "mockexchange", "proxy"]
_LISTENING = re.compile(r"^mockexchange proxy on http://127\.0\.0\.1:(\d+)$")
KALSHI_READS = ("/portfolio/positions", "/portfolio/balance", "/portfolio/fills")
CURRENCIES = ("BTC", "ETH")
CALLS = len(KALSHI_READS) + 1 + 2 * len(CURRENCIES)  # public/auth, then two reads a currency


@dataclass
class Recorded:
    tape: Path
    direct: dict[str, Any]  # what the mock answered the clients itself
    through: dict[str, Any]  # what they got through the proxy
    journal: list[dict[str, Any]]  # the proxy's GET /_admin/requests
    secrets: set[str]  # what the clients sent or were given that no record may keep
    printed: list[str]  # the proxy's stdout


@dataclass
class Clients:
    """A signed Kalshi client and a Deribit key of one mock; each read's status and body by name, from any base URL.
    The secrets it sent or was given are gathered as it goes."""

    auth: KalshiAuth
    deribit: dict[str, Any]  # client_id, client_secret
    secrets: set[str]

    @classmethod
    def of(cls, mock: MockServer, deribit: dict[str, Any] | None = None) -> Clients:
        key = mock.create_key("alice")
        deribit = deribit or mock.create_deribit_key("bob")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        return cls(KalshiAuth(signer), deribit, {key["private_key_pem"], deribit["client_secret"]})

    def reads(self, base_url: str) -> dict[str, Any]:
        replies: dict[str, Any] = {}
        with httpx.Client(base_url=base_url + "/trade-api/v2", auth=self.auth) as kalshi:
            for path in KALSHI_READS:
                got = kalshi.get(path)
                replies[path] = (got.status_code, got.json())
        auth = {"grant_type": "client_credentials", "client_id": self.deribit["client_id"],
                "client_secret": self.deribit["client_secret"]}  # fmt: skip
        granted = plain_http.get(f"{base_url}/api/v2/public/auth", params=auth).json()["result"]
        self.secrets |= {granted["access_token"], granted["refresh_token"]}
        bearer = {"Authorization": f"Bearer {granted['access_token']}"}
        for n, currency in enumerate(CURRENCIES):
            got = plain_http.get(
                f"{base_url}/api/v2/private/get_positions", params={"currency": currency}, headers=bearer
            )
            replies[f"positions {currency}"] = (got.status_code, _without_times(got.json()))
            rpc = {"jsonrpc": "2.0", "id": 40 + n, "method": "private/get_account_summary",
                   "params": {"currency": currency}}  # fmt: skip
            got = plain_http.post(f"{base_url}/api/v2", json=rpc, headers=bearer)
            replies[f"summary {currency}"] = (got.status_code, _without_times(got.json()))
        return replies


def _without_times(reply: dict[str, Any]) -> dict[str, Any]:
    """A JSON-RPC reply without the server's receive and send times, which differ at every call."""
    return {k: v for k, v in reply.items() if k not in ("usIn", "usOut", "usDiff")}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    tape = tmp_path_factory.mktemp("proxy") / "session.tape"
    with MockServer() as mock:
        mock.create_account("alice", balance_cents=250_000)
        mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
        mock.fill("alice", "KXCPI-26DEC-T3.0", "no", "buy", "7", "0.41")
        mock.create_deribit_account("bob", balances={"BTC": "2", "ETH": "30"})
        mock.deribit_fill("bob", "BTC-PERPETUAL", "buy", "10000", "60000")
        mock.deribit_fill("bob", "ETH-PERPETUAL", "sell", "300", "3000")
        clients = Clients.of(mock)
        command = [*PROXY, "--upstream", mock.kalshi_url, "--deribit-upstream", mock.base_url,
                   "--port", "0", "--record", str(tape)]  # fmt: skip
        # Ready once it says where it listens: the socket is listening then, so a call waits for the server.
        with running(command, _LISTENING, name="proxy") as proxy:
            through = clients.reads(proxy.base_url)
            journal = plain_http.get(proxy.base_url + "/_admin/requests").json()["requests"]
            health = plain_http.get(proxy.base_url + "/_admin/health").json()
            assert health["proxy"]["recording"] == str(tape), health
        yield Recorded(tape, clients.reads(mock.base_url), through, journal, clients.secrets, proxy.out)


def test_the_proxy_command_forwards_signed_calls_unchanged_and_judges_them(recorded: Recorded) -> None:
    assert recorded.through == recorded.direct
    assert all(status == 200 for status, _ in recorded.direct.values())
    assert "mockexchange proxy: ready" in recorded.printed
    assert len(recorded.journal) == CALLS
    # Each passed the published schema; none is "not judged" (every call here has a schema).
    assert [entry for entry in recorded.journal if entry["problems"] or entry.get("not_judged")] == []


def test_the_tape_holds_every_exchange_and_no_secret(recorded: Recorded) -> None:
    text = recorded.tape.read_text()
    records = read_tape(recorded.tape, TAPE_VENUES).records
    assert len(records) == CALLS
    assert [secret for secret in recorded.secrets if secret in text] == []
    journal = json.dumps(recorded.journal)
    assert [secret for secret in recorded.secrets if secret in journal] == []
    kalshi = [record.request["headers"] for record in records if record.venue == "kalshi"]
    assert {headers["kalshi-access-signature"] for headers in kalshi} == {"[redacted]"}


def test_serve_replay_answers_the_same_calls_from_the_tape(recorded: Recorded) -> None:
    with MockServer(replay=str(recorded.tape)) as replay, MockServer() as keys:
        # The replay checks no signature: a key of another mock signs as well as the recorded one did.
        keys.create_account("alice")
        keys.create_deribit_account("bob", balances={"BTC": "1"})
        replies = Clients.of(keys).reads(replay.base_url)
    assert replies == recorded.direct


def test_tape_to_scenario_seeds_a_fresh_mock_that_answers_the_same_portfolio(
    recorded: Recorded, tmp_path: Path
) -> None:
    scenario = tmp_path / "from-tape.yaml"
    assert main(["tape-to-scenario", str(recorded.tape), "-o", str(scenario), "--user-id", "alice"]) == 0
    with MockServer(clock=ManualClock()) as fresh:
        loaded = fresh.load_scenario(path=str(scenario), run=True)
        made = loaded["deribit_keys"][0]
        again = Clients.of(fresh, deribit=made).reads(fresh.base_url)
    assert _portfolio(again) == _portfolio(recorded.direct)


def _portfolio(replies: dict[str, Any]) -> dict[str, Any]:
    """What a scenario carries: Kalshi's positions (but their update times) and balance; Deribit's positions' sizes,
    prices and directions, and each currency's balance."""
    rows = replies["/portfolio/positions"][1]["market_positions"]
    kept = ("instrument_name", "size", "average_price", "direction", "kind")
    return {
        "kalshi positions": [{k: v for k, v in row.items() if k != "last_updated_ts"} for row in rows],
        "kalshi balance": replies["/portfolio/balance"][1]["balance"],
        **{
            currency: (
                [{k: row[k] for k in kept} for row in replies[f"positions {currency}"][1]["result"]],
                replies[f"summary {currency}"][1]["result"]["balance"],
            )
            for currency in CURRENCIES
        },
    }
