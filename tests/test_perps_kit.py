"""The kit's perps side: the committed slices are a fresh cut of Kalshi's perps specs and hold every operation the
venue serves; `contract check-perps` passes the mock (reads and the order writes) and fails a broken server, naming
the field; the journal judges perps requests against the slice."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from perps_http import fund, order

from mockexchange.cli import main
from mockexchange.contract.kalshi.slicing import parsed_once
from mockexchange.contract.perps import check as perps_check
from mockexchange.contract.perps.slicing import cut_asyncapi, cut_openapi, texts
from mockexchange.registry.perps import KIT
from mockexchange.schema.refs import operations_by_id
from mockexchange.schema.specs import perps_slice_path
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

sys.path.insert(0, str(Path(__file__).parent / "contract"))
from kalshi_sources import perps_source  # noqa: E402

BTC = "BTC-PERP"


def test_the_committed_slices_are_a_fresh_cut_of_the_perps_specs() -> None:
    cut = texts(
        cut_openapi(perps_source("openapi.yaml").read_text(), "perps_openapi.yaml"),
        cut_asyncapi(perps_source("asyncapi.yaml").read_text(), "perps_asyncapi.yaml"),
    )
    for name, text in cut.items():
        assert perps_slice_path(name).read_text() == text, f"{name}: re-run scripts/slice-perps-spec"


def test_the_slice_holds_every_served_operation_at_its_route() -> None:
    from mockexchange.venues.perps.table import OPERATIONS

    by_id = operations_by_id(parsed_once(perps_slice_path("openapi.yaml")))
    assert {op.operation_id: (op.method.lower(), op.path) for op in OPERATIONS} == {
        op: by_id[op][:2] for op in KIT.operations
    }
    assert KIT.writes == ORDER_WRITES | NAMED_ONLY
    assert set(perps_check.ORDER_WRITES) == ORDER_WRITES


# the writes `--orders` runs on the kit's own order and group, and those that run only when named
ORDER_WRITES = {"CreateMarginOrder", "AmendMarginOrder", "DecreaseMarginOrder", "CancelMarginOrder",
                "CreateMarginOrderGroup", "UpdateMarginOrderGroupLimit", "TriggerMarginOrderGroup",
                "ResetMarginOrderGroup", "DeleteMarginOrderGroup", "SetCrossMarginExitTrigger",
                "UpdateCrossMarginExitTrigger", "DeleteCrossMarginExitTriggerById", "DeleteCrossMarginExitTrigger",
                "SetIsolatedMarginExitTrigger", "DeleteIsolatedMarginExitTrigger"}  # fmt: skip
NAMED_ONLY = {"CancelAllMarginOrders", "CreateMarginSubaccount", "ApplyMarginSubaccountTransfer",
              "CreateMarginFCMSubtrader", "UpdateFCMNotionalRiskLimit", "DeleteFCMNotionalRiskLimit",
              "UpdateFCMSubtraderRiskControls", "DeleteFCMSubtraderRiskControls"}  # fmt: skip


@pytest.fixture(scope="module", name="mock")
def module_mock() -> Iterator[MockServer]:
    """One mock for the module: alice funded with $10,000 of margin cash, a resting order of hers and bob's trade."""
    with MockServer() as mock:
        for user in ("alice", "bob"):
            fund(mock, user, 10_000)
        mock.list_perp_market(BTC, "100000", tick_size="0.5", contract_size="0.001")
        mock.place_perp_order("bob", **order(BTC, "ask", "0.10", "100000"))
        yield mock


@pytest.fixture(scope="module", name="key")
def alice_key(mock: MockServer) -> dict[str, Any]:
    return mock.create_key("alice")


def client(mock: MockServer, key: dict[str, Any], transport: httpx.BaseTransport | None = None) -> httpx.Client:
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10, transport=transport)


def test_the_mock_passes_every_read_and_the_order_writes(mock: MockServer, key: dict[str, Any]) -> None:
    mock.place_perp_order("alice", **order(BTC, "bid", "0.05", "100000"))  # a position and a fill to read
    with client(mock, key) as http:
        verdicts = perps_check.check(http, orders=True)
        # the kit's own order: placed, amended to 3, decreased by 1, cancelled
        listed = http.get("/margin/orders").json()["orders"]
        [kits] = [o for o in listed if o["price"] == "0.5000"]
        # the kit's group (its life ends deleted), read among the calls once made
        groups = http.get("/margin/order_groups").json()["order_groups"]
    assert set(verdicts) == set(KIT.operations) - NAMED_ONLY
    assert {op: v.state for op, v in verdicts.items()} == dict.fromkeys(verdicts, "PASS"), perps_check.report(verdicts)
    assert (verdicts["GetMarginOrderGroup"].calls, groups) == (1, [])
    assert (kits["last_update_reason"], kits["fill_count"], kits["remaining_count"]) == ("Decrease", "0.00", "0.00")
    # its exit triggers: anchored to its order, updated and cancelled; the isolated stop-loss set and cancelled
    calls = {op: verdicts[op].calls for op in verdicts if "ExitTrigger" in op}
    assert calls == dict.fromkeys(calls, 1) and len(calls) == 8
    assert mock.app.control.perps.state.exit_triggers == {}


def test_the_reads_check_the_accounts_first_group(mock: MockServer, key: dict[str, Any]) -> None:
    with client(mock, key) as http:
        assert perps_check.check(http, ["GetMarginOrderGroup"])["GetMarginOrderGroup"].state == "skipped"
        assert http.post("/margin/order_groups/create", json={"contracts_limit": 3}).status_code == 201
        assert perps_check.check(http, ["GetMarginOrderGroup"])["GetMarginOrderGroup"].state == "PASS"


def broken(mock: MockServer, key: dict[str, Any], path: str, change: Callable[[dict[str, Any]], None]) -> Any:
    """A server answering as the mock does, but for one path's answers, changed by `change`."""
    real = client(mock, key)

    def answer(request: httpx.Request) -> httpx.Response:
        forwarded = real.send(real.build_request(request.method, request.url, content=request.content))
        if request.url.path.endswith(path) and forwarded.content:
            body = forwarded.json()
            change(body)
            return httpx.Response(forwarded.status_code, json=body)
        return httpx.Response(forwarded.status_code, content=forwarded.content, headers=forwarded.headers)

    return client(mock, key, httpx.MockTransport(answer))


@pytest.mark.parametrize(
    ("path", "change", "operation", "field"),
    [
        ("/margin/balance", lambda b: b["subaccount_balances"][0].update(account_equity=12.5), "GetMarginBalance",
         "subaccount_balances[0].account_equity"),
        ("/margin/markets", lambda b: b["markets"][0].pop("tick_size"), "GetMarginMarkets", "markets[0]"),
        (f"/margin/cross/positions/{BTC}/exit_trigger", lambda b: b.update(exit_triggers="none"),
         "GetCrossMarginExitTriggers", "exit_triggers"),
        ("/margin/funding_rates/estimate", lambda b: b.update(funding_rate="0.001"), "GetMarginFundingRateEstimate",
         "funding_rate"),
    ],
)  # fmt: skip
def test_a_broken_server_fails_naming_the_field(mock, key, path, change, operation, field) -> None:
    with broken(mock, key, path, change) as http:
        verdicts = perps_check.check(http, [operation])
    assert verdicts[operation].state == "FAIL"
    [violation] = verdicts[operation].violations
    assert violation.startswith(f"status 200: {field}"), violation


def test_the_command_checks_a_server_and_exits_by_its_verdict(mock: MockServer, tmp_path: Path, capsys) -> None:
    made = mock.create_key("alice")
    pem = tmp_path / "key.pem"
    pem.write_text(made["private_key_pem"])
    command = ["contract", "check-perps", "--base-url", mock.kalshi_url, "--key-id", made["key_id"],
               "--private-key", str(pem), "--operation", "GetMarginRisk"]  # fmt: skip
    assert main(command) == 0
    assert capsys.readouterr().out.split()[:2] == ["PASS", "GetMarginRisk"]
    assert main(command[:-2] + ["--key-id", "not-a-key"]) == 4
    assert "the key was refused" in capsys.readouterr().err


def test_the_journal_judges_perps_requests_against_the_slice(mock: MockServer, key: dict[str, Any]) -> None:
    last = httpx.get(f"{mock.base_url}/_admin/requests", params={"limit": 1}).json()["last_seq"]
    with client(mock, key) as http:
        assert http.get("/margin/positions", params={"ticker": BTC}).status_code == 200
        http.get("/margin/markets", params={"foo": "1", "status": "nope"})
        http.get("/margin/funding_history")  # its required dates missing
        assert http.get("/margin/nothing").status_code == 404
    judged = httpx.get(f"{mock.base_url}/_admin/requests", params={"venue": "perps", "since": last}).json()
    seen = [
        (entry["operation"], entry["key_id"], [p["rule"] for p in entry["problems"]]) for entry in judged["requests"]
    ]
    assert seen == [
        ("GetMarginPositions", key["key_id"], []),
        ("GetMarginMarkets", key["key_id"], ["parameter.unknown", "parameter.enum"]),
        ("GetMarginFundingHistory", key["key_id"], ["parameter.required", "parameter.required"]),
        (None, key["key_id"], ["operation.unknown"]),
    ]
