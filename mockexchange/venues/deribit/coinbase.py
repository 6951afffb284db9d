"""The Coinbase dialect of Deribit: Coinbase's Deribit-powered gateway (Coinbase Retail Advanced Trade (Deribit) API
2.1.1, https://drb.coinbase.com/api/v2 and wss://drb.coinbase.com/ws/api/v2), served at `/coinbase/api/v2/...` and
`/coinbase/ws/api/v2` by the same venue core as Deribit's own API: the same routes, envelope and answers, with

- the methods of Coinbase's list (`SERVED`: coinbase-advanced-py's generated rest_methods.py, at commit ddcd708) that
  Deribit's table serves; any other, Deribit's own included (API keys, withdrawals, subaccount creation...), is
  -32601 as an unknown method;
- `public/auth` with `grant_type` coinbase_cdp (a CDP JWT) or coinbase_oauth2 (an OAuth2 access token), answering
  access_token, expires_in, scope (Coinbase's) and token_type; no refresh_token (auth/deribit/coinbase.py);
- private methods authenticated by the gateway's token only (`Authorization: Bearer`, or `access_token`).

docs/coinbase.md says how a client points at it; docs/known-differences.md what is chosen.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.routing import BaseRoute

from mockexchange.auth.deribit.coinbase import CoinbaseAuth
from mockexchange.auth.deribit.errors import AuthFailure
from mockexchange.venues.deribit import routes
from mockexchange.venues.deribit.context import COINBASE_API_PREFIX, COINBASE_WS_PATH, DeribitContext
from mockexchange.venues.deribit.errors import from_auth
from mockexchange.venues.deribit.methods import Method, RpcCall
from mockexchange.venues.deribit.table import METHODS

# Coinbase's list, over HTTP and the websocket, then the websocket's own (rest_methods.py; docs/coinbase.md).
LISTED = frozenset({
    "private/buy", "private/sell", "private/edit", "private/edit_by_label", "private/cancel", "private/cancel_all",
    "private/cancel_all_by_currency", "private/cancel_all_by_currency_pair", "private/cancel_all_by_instrument",
    "private/cancel_all_by_kind_or_type", "private/cancel_by_label", "private/change_margin_model",
    "private/close_position", "private/create_combo", "private/get_account_summaries", "private/get_account_summary",
    "private/get_broker_trade_requests", "private/get_broker_trades", "private/get_leg_prices",
    "private/get_leverage", "private/get_margins", "private/get_max_order_size", "private/get_open_orders",
    "private/get_open_orders_by_currency", "private/get_open_orders_by_instrument",
    "private/get_open_orders_by_label", "private/get_order_history_by_currency",
    "private/get_order_history_by_instrument", "private/get_order_margin_by_ids", "private/get_order_state",
    "private/get_order_state_by_label", "private/get_pme_params", "private/get_position", "private/get_positions",
    "private/get_risk_profile", "private/get_settlement_history_by_currency",
    "private/get_settlement_history_by_instrument", "private/get_subaccounts", "private/get_subaccounts_details",
    "private/get_trading_limits", "private/get_transaction_log", "private/get_trigger_order_history",
    "private/get_user_locks", "private/get_user_trades_by_currency", "private/get_user_trades_by_currency_and_time",
    "private/get_user_trades_by_instrument", "private/get_user_trades_by_instrument_and_time",
    "private/get_user_trades_by_order", "private/pme/simulate", "private/set_leverage", "private/simulate_portfolio",
    "private/submit_transfer_between_subaccounts", "public/auth", "public/get_announcements",
    "public/get_book_summary_by_currency", "public/get_book_summary_by_instrument", "public/get_combo_details",
    "public/get_combo_ids", "public/get_combos", "public/get_contract_size", "public/get_currencies",
    "public/get_delivery_prices", "public/get_expirations", "public/get_funding_chart_data",
    "public/get_funding_rate_history", "public/get_funding_rate_value", "public/get_historical_volatility",
    "public/get_index_chart_data", "public/get_index_price", "public/get_index_price_names", "public/get_instrument",
    "public/get_instruments", "public/get_last_settlements_by_currency", "public/get_last_settlements_by_instrument",
    "public/get_last_trades_by_currency", "public/get_last_trades_by_currency_and_time",
    "public/get_last_trades_by_instrument", "public/get_last_trades_by_instrument_and_time",
    "public/get_mark_price_history", "public/get_order_book", "public/get_order_book_by_instrument_id",
    "public/get_supported_index_names", "public/get_time", "public/get_trade_volumes",
    "public/get_volatility_index_data", "public/status", "public/test", "public/ticker",
    "public/tickers_by_currency", "private/disable_cancel_on_disconnect", "private/enable_cancel_on_disconnect",
    "private/get_access_log", "private/get_cancel_on_disconnect", "private/logout", "public/disable_heartbeat",
    "public/get_tradingview_chart_data", "public/hello", "public/set_heartbeat",
})  # fmt: skip


def public_auth(call: RpcCall) -> Any:
    auth = call.ctx.auth
    assert isinstance(auth, CoinbaseAuth)  # (the dialect's context holds the gateway's auth)
    grant = auth.grant(call.params.values)
    if isinstance(grant, AuthFailure):
        raise from_auth(grant)
    return {
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
        "scope": grant.scope,
        "token_type": grant.token_type,
    }


# What the dialect serves: Coinbase's list where Deribit's table serves it, public/auth the gateway's.
TABLE: dict[str, Method] = {name: method for name, method in METHODS.items() if name in LISTED}
TABLE["public/auth"] = Method(public_auth)


def context(ctx: DeribitContext, auth: CoinbaseAuth) -> DeribitContext:
    """Deribit's context as the gateway serves it: the same exchange, books, limits and faults; its own auth, paths and
    table. (A shallow copy: the public books and the cancel-on-disconnect sessions are the venue's, made once.)"""
    dialect = copy.copy(ctx)
    dialect.auth, dialect.methods = auth, TABLE
    dialect.api_prefix, dialect.ws_path = COINBASE_API_PREFIX, COINBASE_WS_PATH
    return dialect


def dialect_routes(ctx: DeribitContext, auth: CoinbaseAuth) -> list[BaseRoute]:
    return routes.rpc_routes(context(ctx, auth))
