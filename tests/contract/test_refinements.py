"""Kalshi's unstated rules: applied to a copy of the slice, sparing shared components, and listed in the docs."""

from __future__ import annotations

from pathlib import Path

from mockexchange.schema.refinements import PAGINATED, describe, refine
from mockexchange.schema.refs import resolve
from mockexchange.schema.specs import kalshi_slice_path, load_spec

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract-kit.md"


def _operation(spec: dict, operation_id: str) -> dict:
    return next(op for item in spec["paths"].values() for op in item.values() if op.get("operationId") == operation_id)


def _parameter(spec: dict, operation_id: str, name: str) -> dict:
    parameters = [resolve(spec, p) for p in _operation(spec, operation_id)["parameters"]]
    return next(p for p in parameters if p["name"] == name)


def test_rules_narrow_parameters_of_a_copy() -> None:
    published = load_spec(str(kalshi_slice_path("openapi.yaml")))
    before = repr(published)
    refined = refine(published, subtrader_ids=("sub-1",))
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
    refined = refine(load_spec(str(kalshi_slice_path("openapi.yaml"))))
    for operation_id in PAGINATED:
        ok = resolve(refined, _operation(refined, operation_id)["responses"]["200"])
        assert ok["links"]["next_page"] == {
            "operationId": operation_id,
            "parameters": {"cursor": "$response.body#/cursor"},
        }


def test_the_docs_list_every_rule() -> None:
    text = DOCS.read_text()
    missing = [line for line in describe() if f"- {line}" not in text]
    assert not missing, f"docs/contract-kit.md does not list: {missing}"
