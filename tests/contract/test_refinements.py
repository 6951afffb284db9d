"""Kalshi's unstated rules: applied to a copy of the slice, sparing shared components, and listed in the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from mockexchange.app import build_app
from mockexchange.contract.kalshi import suite
from mockexchange.contract.kalshi.account import seed, signer, values
from mockexchange.contract.kalshi.slicing import parsed_once
from mockexchange.schema.account_values import AccountValues
from mockexchange.schema.refinements import PAGINATED, describe, refine, without_alternatives
from mockexchange.schema.refs import resolve
from mockexchange.schema.specs import kalshi_slice_path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract-kit.md"


def _operation(spec: dict, operation_id: str) -> dict:
    return next(op for item in spec["paths"].values() for op in item.values() if op.get("operationId") == operation_id)


def _parameter(spec: dict, operation_id: str, name: str) -> dict:
    parameters = [resolve(spec, p) for p in _operation(spec, operation_id)["parameters"]]
    return next(p for p in parameters if p["name"] == name)


def test_rules_narrow_parameters_of_a_copy() -> None:
    published = parsed_once(kalshi_slice_path("openapi.yaml"))
    before = repr(published)
    refined = refine(published, account=AccountValues(subtrader_ids=("sub-1",)))
    assert repr(published) == before  # the committed slice is not changed
    assert _parameter(refined, "GetBalance", "subaccount")["schema"]["maximum"] == 63
    assert _parameter(refined, "GetBalance", "exchange_index")["schema"]["minimum"] == 0
    assert _parameter(refined, "GetPositions", "cursor")["schema"]["maxLength"] == 0
    fcm = _parameter(refined, "GetFCMPositions", "subtrader_id")
    assert fcm["required"] is True and fcm["schema"]["enum"] == ["sub-1"]
    assert "400" in _operation(refined, "GetBalance")["responses"]
    assert "400" not in _operation(published, "GetBalance")["responses"]
    # a rule on one operation's shared parameter leaves the others' alone
    assert "maximum" not in _parameter(published, "GetPositions", "subaccount")["schema"]


def test_paginated_operations_link_to_their_next_page() -> None:
    refined = refine(parsed_once(kalshi_slice_path("openapi.yaml")))
    for operation_id in PAGINATED:
        ok = resolve(refined, _operation(refined, operation_id)["responses"]["200"])
        field = "next_cursor" if operation_id == "GetIncentivePrograms" else "cursor"  # (its page names it so)
        assert ok["links"]["next_page"] == {
            "operationId": operation_id,
            "parameters": {"cursor": f"$response.body#/{field}"},
        }


def test_the_docs_list_every_rule() -> None:
    text = DOCS.read_text()
    missing = [line for line in describe() if f"- {line}" not in text]
    assert not missing, f"docs/contract-kit.md does not list: {missing}"


def test_a_negative_case_without_the_required_one_of_goes_without_its_alternatives() -> None:
    query = {"client_order_ids": "a,b", "limit": "x"}
    assert without_alternatives("GetFCMOrders", query) == {"limit": "x"}
    assert without_alternatives("GetFCMOrders", {"subtrader_id": "s", "client_order_ids": "a"}) == {
        "subtrader_id": "s",
        "client_order_ids": "a",
    }
    assert without_alternatives("GetFills", query) == query  # no rule there
    # An empty subtrader_id is none (a long random run drew `subtrader_id=` beside client_order_ids and judged the 200)
    assert without_alternatives("GetFCMOrders", {"subtrader_id": "", "client_order_ids": "a"}) == {"subtrader_id": ""}


class _TakesAnyFCMOrdersRead:
    """The mock, but GET /fcm/orders without a subtrader_id is an empty 200 (Kalshi answers 400 without either)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        if scope["type"] == "http" and scope["path"].endswith("/fcm/orders") and not query.get("subtrader_id"):
            body = b'{"orders":[],"cursor":""}'
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _negative_fcm_orders_run(asgi: Any) -> None:
    schema = suite.load_schema(signer(), app=asgi, account=values(), operations=["GetFCMOrders"])
    operation = schema["/fcm/orders"]["GET"]

    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate()

    run()


@pytest.mark.slow
def test_the_one_of_rule_still_fails_a_server_that_takes_neither() -> None:
    mock = build_app()
    seed(mock.control)
    _negative_fcm_orders_run(mock.asgi)  # the mock refuses what it should
    with pytest.raises(FailureGroup) as failure:
        _negative_fcm_orders_run(_TakesAnyFCMOrdersRead(mock.asgi))
    accepted = [f for f in failure.value.exceptions if "Schema-violating request accepted" in str(f)]
    assert accepted and "violates `required` (was subtrader_id)" in str(accepted[0])
