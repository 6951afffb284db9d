"""schemathesis fuzzing Deribit's HTTP surface over real HTTP: no input, authenticated or not, is a server error, and
every answer is a JSON-RPC envelope in JSON. (Kalshi's surface is fuzzed by the contract suite against its published
schema: contracts/kalshi/test_mock_schema.py.)

Deribit publishes no OpenAPI document, so the one here describes what a client may send to each method the mock
serves over HTTP, loosely (strings where Deribit takes enums, so the fuzzing tries what clients should not send too),
with the Basic credentials of a seeded account; schemathesis' negative cases add the wrong types.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from fuzz_session import session  # noqa: F401 (a fixture)
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

CLIENT_ID, CLIENT_SECRET = "FuzzKey", "fuzz-secret"
TEXT = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NUMBER = {"type": "number"}
ORDER = {
    "instrument_name": TEXT, "amount": NUMBER, "contracts": NUMBER, "type": TEXT, "price": NUMBER, "label": TEXT,
    "time_in_force": TEXT, "max_show": NUMBER, "post_only": BOOLEAN, "reject_post_only": BOOLEAN,
    "reduce_only": BOOLEAN, "trigger": TEXT, "trigger_price": NUMBER,
}  # fmt: skip
# Params several reads share: a page of settlements, a window of time, a page of trades.
SETTLEMENTS = {"type": TEXT, "count": INTEGER, "continuation": TEXT, "search_start_timestamp": INTEGER}
WINDOW = {"start_timestamp": INTEGER, "end_timestamp": INTEGER}
TRADES = {**WINDOW, "count": INTEGER, "sorting": TEXT}
BY_ID = {"start_id": TEXT, "end_id": TEXT}
BY_SEQ = {"start_seq": INTEGER, "end_seq": INTEGER}
# Each method the mock serves over HTTP and the params a client may name (docs/deribit.md).
METHODS: dict[str, dict[str, dict]] = {
    "public/test": {"expected_result": TEXT},
    "public/get_time": {},
    "public/auth": {
        "grant_type": TEXT, "client_id": TEXT, "client_secret": TEXT, "refresh_token": TEXT, "timestamp": INTEGER,
        "signature": TEXT, "nonce": TEXT, "data": TEXT, "scope": TEXT,
    },
    "public/get_currencies": {},
    "public/get_instruments": {"currency": TEXT, "kind": TEXT, "expired": BOOLEAN},
    "private/get_positions": {"currency": TEXT, "kind": TEXT, "subaccount_id": INTEGER},
    "private/get_position": {"instrument_name": TEXT},
    "private/get_account_summary": {"currency": TEXT, "subaccount_id": INTEGER, "extended": BOOLEAN},
    "private/get_account_summaries": {"subaccount_id": INTEGER, "extended": BOOLEAN},
    # The account's own management (issue 29): what a client changes of its subaccounts and moves of its money.
    "private/get_subaccounts": {"with_portfolio": BOOLEAN},
    "private/get_subaccounts_details": {"currency": TEXT, "with_open_orders": BOOLEAN},
    "private/create_subaccount": {},
    "private/change_subaccount_name": {"sid": INTEGER, "name": TEXT},
    "private/toggle_subaccount_login": {"sid": INTEGER, "state": TEXT},
    "private/submit_transfer_to_subaccount": {"currency": TEXT, "amount": NUMBER, "destination": INTEGER},
    "private/submit_transfer_to_user": {"currency": TEXT, "amount": NUMBER, "destination": TEXT},
    "private/cancel_transfer_by_id": {"currency": TEXT, "id": INTEGER},
    "private/get_transfers": {"currency": TEXT, "count": INTEGER, "offset": INTEGER, "subaccount_id": INTEGER},
    "private/withdraw": {"currency": TEXT, "address": TEXT, "amount": NUMBER, "priority": TEXT, "nonce": TEXT},
    "private/cancel_withdrawal": {"currency": TEXT, "id": INTEGER},
    "private/get_current_deposit_address": {"currency": TEXT},
    "private/create_deposit_address": {"currency": TEXT},
    "private/get_transaction_log": {
        "currency": TEXT, "start_timestamp": INTEGER, "end_timestamp": INTEGER, "query": TEXT, "count": INTEGER,
        "subaccount_id": INTEGER, "continuation": INTEGER,
    },
    # Trading (issue 30): orders placed, changed and cancelled, their history and the margin they hold.
    **{f"private/{side}": ORDER for side in ("buy", "sell")},
    "private/edit": {"order_id": TEXT, "amount": NUMBER, "contracts": NUMBER, "price": NUMBER, "post_only": BOOLEAN,
                     "reject_post_only": BOOLEAN, "reduce_only": BOOLEAN, "trigger_price": NUMBER},
    "private/edit_by_label": {"label": TEXT, "instrument_name": TEXT, "amount": NUMBER, "price": NUMBER},
    "private/cancel": {"order_id": TEXT},
    "private/cancel_all": {"detailed": BOOLEAN},
    "private/cancel_all_by_currency": {"currency": TEXT, "kind": TEXT, "type": TEXT},
    "private/cancel_all_by_instrument": {"instrument_name": TEXT, "type": TEXT},
    "private/cancel_by_label": {"label": TEXT, "currency": TEXT},
    "private/close_position": {"instrument_name": TEXT, "type": TEXT, "price": NUMBER},
    "private/get_order_history_by_currency": {"currency": TEXT, "kind": TEXT, "count": INTEGER, "offset": INTEGER,
                                              "include_unfilled": BOOLEAN},
    "private/get_order_history_by_instrument": {"instrument_name": TEXT, "count": INTEGER, "offset": INTEGER},
    "private/get_user_trades_by_order": {"order_id": TEXT, "sorting": TEXT},
    "private/get_margins": {"instrument_name": TEXT, "amount": NUMBER, "price": NUMBER},
    "private/get_order_margin_by_ids": {"ids": TEXT},
    # The order and risk methods of issue 56 (cancel on disconnect is websocket-only: -32601 here).
    "private/cancel_all_by_kind_or_type": {"currency": TEXT, "kind": TEXT, "type": TEXT, "detailed": BOOLEAN},
    "private/cancel_all_by_currency_pair": {"currency_pair": TEXT, "kind": TEXT, "type": TEXT},
    "private/get_open_orders_by_label": {"currency": TEXT, "label": TEXT},
    "private/get_order_state_by_label": {"currency": TEXT, "label": TEXT},
    "private/get_trigger_order_history": {"currency": TEXT, "instrument_name": TEXT, "count": INTEGER,
                                          "continuation": TEXT},
    "private/get_user_locks": {},
    "private/set_self_trading_config": {"mode": TEXT, "extended_to_subaccounts": BOOLEAN,
                                        "block_rfq_self_match_prevention": BOOLEAN},
    "private/change_margin_model": {"margin_model": TEXT, "user_id": INTEGER, "dry_run": BOOLEAN},
    "private/simulate_portfolio": {"currency": TEXT, "add_positions": BOOLEAN, "simulated_positions": TEXT},
    "private/move_positions": {"currency": TEXT, "source_uid": INTEGER, "target_uid": INTEGER, "trades": TEXT},
    "private/enable_cancel_on_disconnect": {"scope": TEXT},
    # Market maker protection and mass quotes (issue 56; a mass quote over HTTP is refused: no connection). Their
    # reads take the params set_mmp_config does (tests/test_deribit_mass_quotes.py refuses their bad ones).
    "private/set_mmp_config": {"index_name": TEXT, "interval": INTEGER, "frozen_time": INTEGER, "mmp_group": TEXT,
                               "quantity_limit": NUMBER, "delta_limit": NUMBER, "vega_limit": NUMBER,
                               "max_quote_quantity": NUMBER, "block_rfq": BOOLEAN},
    "private/mass_quote": {"quote_id": TEXT, "mmp_group": TEXT, "quotes": TEXT, "detailed": BOOLEAN,
                           "valid_until": INTEGER},
    "private/cancel_quotes": {"cancel_type": TEXT, "quote_set_id": TEXT, "instrument_name": TEXT, "kind": TEXT,
                              "currency": TEXT, "currency_pair": TEXT, "min_delta": NUMBER, "max_delta": NUMBER},
    # The rest of what the mock serves over HTTP: the API keys and sessions (issue 57; not the methods that would
    # disable, narrow, reset or remove the key these cases sign with, which tests/test_deribit_api_keys.py refuses bad
    # params of), the reads of orders, trades, settlements, transfers and market maker protection, and the market data
    # (issue 51).
    "private/change_api_key_name": {"id": INTEGER, "name": TEXT},
    "private/create_api_key": {"max_scope": TEXT, "name": TEXT, "public_key": TEXT, "enabled_features": TEXT},
    "private/enable_api_key": {"id": INTEGER},
    "private/list_api_keys": {},
    "private/set_api_key_as_default": {"id": INTEGER},
    "private/get_deposits": {"currency": TEXT, "count": INTEGER, "offset": INTEGER},
    "private/get_withdrawals": {"currency": TEXT, "count": INTEGER, "offset": INTEGER},
    "private/get_mmp_config": {"index_name": TEXT, "mmp_group": TEXT, "block_rfq": BOOLEAN},
    "private/get_mmp_status": {"index_name": TEXT, "mmp_group": TEXT, "block_rfq": BOOLEAN},
    "private/reset_mmp": {"index_name": TEXT, "mmp_group": TEXT, "block_rfq": BOOLEAN},
    "private/get_open_orders": {"kind": TEXT, "type": TEXT},
    "private/get_open_orders_by_currency": {"currency": TEXT, "kind": TEXT, "type": TEXT},
    "private/get_open_orders_by_instrument": {"instrument_name": TEXT, "type": TEXT},
    "private/get_order_state": {"order_id": TEXT},
    "private/get_settlement_history_by_currency": {"currency": TEXT, **SETTLEMENTS},
    "private/get_settlement_history_by_instrument": {"instrument_name": TEXT, **SETTLEMENTS},
    "private/get_user_trades_by_currency": {"currency": TEXT, "kind": TEXT, **BY_ID, "count": INTEGER, "sorting": TEXT,
                                            "historical": BOOLEAN},
    "private/get_user_trades_by_currency_and_time": {"currency": TEXT, "kind": TEXT, **TRADES},
    "private/get_user_trades_by_instrument": {"instrument_name": TEXT, **BY_SEQ, "count": INTEGER, "sorting": TEXT},
    "private/get_user_trades_by_instrument_and_time": {"instrument_name": TEXT, **TRADES},
    "public/exchange_token": {"refresh_token": TEXT, "subject_id": INTEGER, "scope": TEXT},
    "public/fork_token": {"refresh_token": TEXT, "session_name": TEXT},
    "public/get_announcements": {"start_timestamp": INTEGER, "count": INTEGER},
    "public/get_apr_history": {"currency": TEXT, "limit": INTEGER, "before": INTEGER},
    "public/get_book_summary_by_currency": {"currency": TEXT, "kind": TEXT},
    "public/get_book_summary_by_instrument": {"instrument_name": TEXT},
    "public/get_contract_size": {"instrument_name": TEXT},
    "public/get_delivery_prices": {"index_name": TEXT, "offset": INTEGER, "count": INTEGER},
    "public/get_expirations": {"currency": TEXT, "kind": TEXT, "currency_pair": TEXT},
    "public/get_funding_chart_data": {"instrument_name": TEXT, "length": TEXT},
    "public/get_funding_rate_history": {"instrument_name": TEXT, **WINDOW},
    "public/get_funding_rate_value": {"instrument_name": TEXT, **WINDOW},
    "public/get_historical_volatility": {"currency": TEXT},
    "public/get_index_price": {"index_name": TEXT},
    "public/get_index_price_names": {"extended": BOOLEAN},
    "public/get_instrument": {"instrument_name": TEXT},
    "public/get_last_settlements_by_currency": {"currency": TEXT, **SETTLEMENTS},
    "public/get_last_settlements_by_instrument": {"instrument_name": TEXT, **SETTLEMENTS},
    "public/get_last_trades_by_currency": {"currency": TEXT, "kind": TEXT, **BY_ID, **TRADES},
    "public/get_last_trades_by_currency_and_time": {"currency": TEXT, "kind": TEXT, **TRADES},
    "public/get_last_trades_by_instrument": {"instrument_name": TEXT, **BY_SEQ, **TRADES},
    "public/get_last_trades_by_instrument_and_time": {"instrument_name": TEXT, **TRADES},
    "public/get_mark_price_history": {"instrument_name": TEXT, **WINDOW},
    "public/get_order_book": {"instrument_name": TEXT, "depth": INTEGER},
    "public/get_order_book_by_instrument_id": {"instrument_id": INTEGER, "depth": INTEGER},
    "public/get_trade_volumes": {"extended": BOOLEAN},
    "public/get_tradingview_chart_data": {"instrument_name": TEXT, **WINDOW, "resolution": TEXT},
    "public/get_volatility_index_data": {"currency": TEXT, **WINDOW, "resolution": TEXT},
    "public/hello": {"client_name": TEXT, "client_version": TEXT},
    "public/status": {},
    "public/ticker": {"instrument_name": TEXT},
}  # fmt: skip
ENVELOPE = {"type": "object", "required": ["jsonrpc"], "properties": {"jsonrpc": {"const": "2.0"}}}
ANSWER = {"content": {"application/json": {"schema": ENVELOPE}}}


def document() -> dict:
    paths = {}
    for name, params in METHODS.items():
        operation = {
            "operationId": name.replace("/", "_"),
            "parameters": [{"name": p, "in": "query", "required": False, "schema": s} for p, s in params.items()],
            "responses": {str(status): {"description": "", **ANSWER} for status in (200, 400, 401, 413)},
        }
        if name.startswith("private/"):
            operation["security"] = [{"basic": []}]
        paths[f"/api/v2/{name}"] = {"get": operation}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Deribit API v2 as the mock serves it over HTTP", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    }


SCHEMA = schemathesis.openapi.from_dict(document())
SCHEMA.config.update(base_url="http://127.0.0.1:9")  # each case is sent to the module's MockServer instead
CHECKS = [not_a_server_error, content_type_conformance]
# 20 drawn cases a method: 40 reached 5 lines more and 4 fewer of the 27,999 the hostile Deribit tests reach together
# (measured with coverage), for twice the CPU.
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
FUZZED: Counter[str] = Counter()
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


@pytest.fixture(scope="module")
def deribit_mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    with MockServer(clock=ManualClock()) as mock:
        mock.create_deribit_account("fuzz", balances={"BTC": "10", "ETH": "100", "USDC": "50000"})
        sub = mock.create_deribit_subaccount("fuzz")
        mock.create_deribit_key("fuzz", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        mock.set_index_price("btc_usd", "60000")
        mock.set_index_price("eth_usd", "3000")
        mock.deribit_fill("fuzz", "BTC-PERPETUAL", "buy", "10000", "60000")
        mock.deribit_fill("fuzz", "ETH-PERPETUAL", "sell", "1000", "3000", subaccount_id=sub["id"])
        yield mock
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and FUZZED:
        # Schemathesis also probes each path once with the methods it does not document.
        ours = {name: n for name, n in sorted(FUZZED.items()) if name.startswith("GET ")}
        probes = sum(FUZZED.values()) - sum(ours.values())
        counts = ", ".join(f"{name} {n}" for name, n in ours.items())
        reporter.write_line(
            f"Deribit fuzzing: {sum(ours.values())} cases over {len(ours)} methods, {probes} method probes: {counts}"
        )


@SCHEMA.parametrize()
@FUZZ
def test_fuzz_deribit_over_http(case, deribit_mock, session):  # noqa: F811
    FUZZED[f"{case.method} {case.path}"] += 1
    if case.path.startswith("/api/v2/private/") and "Authorization" not in (case.headers or {}):
        case.headers = {**(case.headers or {}), "Authorization": BASIC}
    response = case.call(base_url=deribit_mock.deribit_url, session=session, timeout=30)
    case.validate_response(response, checks=CHECKS)
