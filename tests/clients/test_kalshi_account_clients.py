"""Kalshi's AccountApi and ApiKeysApi through the official SDKs (kalshi_python_sync and kalshi_python_async 3.34.0,
unmodified from PyPI, each in its own venv) over real HTTP: every one of the eight operations called as the SDK's users
call it, each answer parsed by the SDK's models and compared with what was seeded and with the registry behind the mock
(the tier's figures, the grants, the costs table, the fills' volume, the keys made, listed and deleted)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mockexchange.auth.kalshi.keys import generate_private_key, load_private_key, public_key_pem
from mockexchange.contract.clients.libraries import OFFICIAL_ASYNC, OFFICIAL_SYNC, ClientSpec
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import Key
from mockexchange.core.rate_budgets import kalshi_budgets
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.account import endpoint_costs

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

UPLOADED = public_key_pem(generate_private_key("ed25519").public_key())


@dataclass
class Account:
    mock: MockServer
    keys: dict[str, Key] = field(default_factory=dict)
    doomed: str = ""


@pytest.fixture(params=[OFFICIAL_SYNC, OFFICIAL_ASYNC], ids=lambda spec: spec.name)
def outcomes(request, client_venvs, tmp_path: Path) -> Iterator[tuple[Account, dict[str, dict]]]:
    spec: ClientSpec = request.param
    with MockServer() as mock:
        mock.create_account("trader", balance_cents=100_000)
        mock.fill("trader", "KXACC-1", "yes", "buy", "12.5", "0.40")
        mock.grant_api_usage_level("trader", "premier")
        served = Account(mock, {"trader": Key.create(mock, tmp_path, "trader", "trader")})
        served.doomed = mock.create_key("trader", name="doomed")["key_id"]
        calls = [
            {"id": "limits", "op": "call", "method": "get_account_api_limits"},
            {"id": "costs", "op": "call", "method": "get_account_endpoint_costs"},
            {"id": "progress", "op": "call", "method": "get_account_api_usage_level_volume_progress"},
            {"id": "upgrade", "op": "call", "method": "upgrade_account_api_usage_level"},
            {"id": "generate", "op": "call", "method": "generate_api_key",
             "args": {"name": "sdk", "key_type": "ed25519", "scopes": ["read"]}},
            {"id": "create", "op": "call", "method": "create_api_key", "args": {"name": "up", "public_key": UPLOADED}},
            {"id": "delete", "op": "call", "method": "delete_api_key", "args": {"api_key": served.doomed}},
            {"id": "list", "op": "call", "method": "get_api_keys"},
        ]  # fmt: skip
        yield served, run_plan(spec, served, calls, tmp_path)


def ok(outcomes: dict[str, dict], call: str) -> dict:
    outcome = outcomes[call]
    assert outcome["ok"], f"{call}: the client raised {outcome['error']}"
    return outcome


def test_the_sdk_reads_the_tier_costs_and_volume_as_seeded(outcomes):
    served, calls = outcomes
    limits = ok(calls, "limits")["result"]
    premier = kalshi_budgets("premier")
    assert limits["usage_tier"] == "premier"
    assert limits["read"] == {"refill_rate": premier["read"].refill_per_second,
                              "bucket_capacity": premier["read"].capacity}  # fmt: skip
    assert limits["write"] == {"refill_rate": 1000, "bucket_capacity": 2000}
    assert limits["grants"] == [
        {"exchange_instance": "event_contract", "level": "premier", "source": "manual", "expires_ts": None}
    ]
    assert ok(calls, "costs")["result"] == endpoint_costs()
    [snapshot] = ok(calls, "progress")["result"]["volume_progress"]
    assert snapshot["trailing_30d_volume_fp"] == "12.50"
    assert [goal["level"] for goal in snapshot["goals"]] == ["expert", "premier", "paragon", "prime", "prestige"]
    assert ok(calls, "upgrade")["result"] is None
    grants = served.mock.api_usage_level("trader")["grants"]
    assert [grant["level"] for grant in grants] == ["advanced", "premier"]


def test_the_sdk_makes_lists_and_deletes_keys_in_the_one_registry(outcomes):
    served, calls = outcomes
    generated = ok(calls, "generate")["result"]
    assert generated["key_type"] == "ed25519"
    made = served.mock.keys.get(generated["api_key_id"])
    assert made is not None and made.scopes == ("read",)
    assert public_key_pem(made.public_key) == public_key_pem(load_private_key(generated["private_key"]).public_key())
    uploaded = served.mock.keys.get(ok(calls, "create")["result"]["api_key_id"])
    assert uploaded is not None and public_key_pem(uploaded.public_key) == UPLOADED
    assert ok(calls, "delete")["result"] is None
    assert served.mock.keys.get(served.doomed) is None
    listed = ok(calls, "list")["result"]["api_keys"]
    assert [(k["api_key_id"], k["name"], k["scopes"]) for k in listed] == [
        (k.key_id, k.name, list(k.scopes)) for k in served.mock.keys.for_user("trader")
    ]
    assert [k["name"] for k in listed] == ["", "sdk", "up"]
