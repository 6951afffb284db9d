"""Every REST operation the perps venue serves, declared once: method, path (under /trade-api/v2), operationId, the
function that answers, whether it is signed (market data is public) and the JSON body it takes, its success status,
its cost in rate-limit tokens (the spec's default 10 but where its note states another, rate_limits.py).
routes.py builds the routes from it; an operation of the spec not listed here is not served yet (the mock's 404):
docs/perps.md lists which."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockexchange.core.perps import order_group_commands as groups
from mockexchange.venues.kalshi.bodies import Body
from mockexchange.venues.kalshi.params import Query
from mockexchange.venues.perps import (
    corporate_actions,
    exit_triggers,
    fcm,
    fees,
    funding,
    markets,
    order_groups,
    orders,
    portfolio,
    rate_limits,
    subaccounts,
)
from mockexchange.venues.perps.candlesticks import candlesticks

PREFIX = "/margin"
CROSS = "/margin/cross/positions/{ticker}/exit_trigger"  # a position's exit triggers (and one by id below it)
ISOLATED = "/margin/isolated/positions/{ticker}/exit_trigger"


@dataclass(frozen=True, slots=True)
class PerpOperation:
    method: str
    path: str
    operation_id: str
    answer: Callable[..., Any]
    signed: bool = True
    body: Body | None = None
    status: int = 200
    cost: Callable[[Query], int] = rate_limits.default_cost

    @property
    def write(self) -> bool:
        return self.method != "GET"


OPERATIONS = (
    PerpOperation("GET", "/margin/exchange/status", "GetMarginExchangeStatus", markets.exchange_status, signed=False),
    PerpOperation("GET", "/margin/risk_parameters", "GetMarginRiskParameters", markets.risk_parameters, signed=False),
    PerpOperation("GET", "/margin/enabled", "GetMarginEnabled", portfolio.enabled),
    PerpOperation("GET", "/margin/markets", "GetMarginMarkets", markets.markets, signed=False),
    PerpOperation("GET", "/margin/markets/orderbooks", "GetMarginMarketOrderbooks", markets.orderbooks, signed=False),
    PerpOperation("GET", "/margin/markets/{ticker}", "GetMarginMarket", markets.market, signed=False),
    PerpOperation(
        "GET", "/margin/markets/{ticker}/orderbook", "GetMarginMarketOrderbook", markets.orderbook, signed=False
    ),
    PerpOperation("GET", "/margin/trades", "GetMarginTrades", markets.trades, signed=False),
    PerpOperation(
        "GET", "/margin/markets/{ticker}/candlesticks", "GetMarginMarketCandlesticks", candlesticks, signed=False
    ),
    PerpOperation("POST", "/margin/orders", "CreateMarginOrder", orders.create, body=orders.ORDER, status=201),
    PerpOperation("GET", "/margin/orders", "GetMarginOrders", orders.listed),
    PerpOperation("DELETE", "/margin/orders", "CancelAllMarginOrders", orders.cancel_all, status=204),
    PerpOperation("GET", "/margin/orders/{order_id}", "GetMarginOrder", orders.get),
    PerpOperation("DELETE", "/margin/orders/{order_id}", "CancelMarginOrder", orders.cancel),
    PerpOperation(
        "POST", "/margin/orders/{order_id}/decrease", "DecreaseMarginOrder", orders.decrease, body=orders.DECREASE
    ),
    PerpOperation("POST", "/margin/orders/{order_id}/amend", "AmendMarginOrder", orders.amend, body=orders.AMEND),
    PerpOperation("GET", "/margin/fills", "GetMarginFills", portfolio.fills),
    PerpOperation("GET", "/margin/positions", "GetMarginPositions", portfolio.positions),
    PerpOperation("GET", "/margin/balance", "GetMarginBalance", portfolio.balance, cost=portfolio.balance_cost),
    PerpOperation("GET", "/margin/risk", "GetMarginRisk", portfolio.risk),
    PerpOperation("GET", "/margin/order_groups", "GetMarginOrderGroups", order_groups.listed),
    PerpOperation(
        "POST",
        "/margin/order_groups/create",
        "CreateMarginOrderGroup",
        order_groups.create,
        body=order_groups.CREATE,
        status=201,
    ),  # fmt: skip
    PerpOperation("GET", "/margin/order_groups/{order_group_id}", "GetMarginOrderGroup", order_groups.get),
    PerpOperation(
        "DELETE",
        "/margin/order_groups/{order_group_id}",
        "DeleteMarginOrderGroup",
        order_groups.changing(groups.DeletePerpOrderGroup, "DeleteMarginOrderGroup"),
    ),  # fmt: skip
    PerpOperation(
        "PUT",
        "/margin/order_groups/{order_group_id}/reset",
        "ResetMarginOrderGroup",
        order_groups.changing(groups.ResetPerpOrderGroup, "ResetMarginOrderGroup"),
        body=order_groups.EMPTY,
    ),  # fmt: skip
    PerpOperation(
        "PUT",
        "/margin/order_groups/{order_group_id}/trigger",
        "TriggerMarginOrderGroup",
        order_groups.changing(groups.TriggerPerpOrderGroup, "TriggerMarginOrderGroup"),
        body=order_groups.EMPTY,
    ),  # fmt: skip
    PerpOperation(
        "PUT",
        "/margin/order_groups/{order_group_id}/limit",
        "UpdateMarginOrderGroupLimit",
        order_groups.changing(groups.UpdatePerpOrderGroupLimit, "UpdateMarginOrderGroupLimit"),
        body=order_groups.LIMIT,
    ),  # fmt: skip
    PerpOperation("GET", "/margin/fee_tiers", "GetMarginFeeTiers", fees.fee_tiers),
    PerpOperation("GET", "/margin/fee_tier_rates", "GetMarginFeeTierRates", fees.fee_tier_rates),
    PerpOperation(
        "GET",
        "/margin/corporate_actions",
        "GetMarginCorporateActions",
        corporate_actions.corporate_actions,
        signed=False,
    ),  # fmt: skip
    PerpOperation("GET", "/margin/notional_risk_limit", "GetMarginNotionalRiskLimit", fcm.notional_risk_limit),
    PerpOperation(
        "PUT",
        "/margin/fcm/notional_risk_limit",
        "UpdateFCMNotionalRiskLimit",
        fcm.set_member_limit,
        body=fcm.MEMBER_LIMIT,
    ),  # fmt: skip
    PerpOperation("DELETE", "/margin/fcm/notional_risk_limit", "DeleteFCMNotionalRiskLimit", fcm.delete_member_limit),
    PerpOperation(
        "POST",
        "/margin/fcm/subtraders",
        "CreateMarginFCMSubtrader",
        fcm.create_subtrader,
        body=fcm.SUBTRADER,
        status=201,
    ),  # fmt: skip
    PerpOperation("GET", "/margin/fcm/subtraders/risk_controls", "GetFCMSubtraderRiskControls", fcm.risk_controls),
    PerpOperation(
        "PUT",
        "/margin/fcm/subtraders/risk_controls",
        "UpdateFCMSubtraderRiskControls",
        fcm.set_im_cap,
        body=fcm.IM_CAP,
    ),  # fmt: skip
    PerpOperation(
        "DELETE", "/margin/fcm/subtraders/risk_controls", "DeleteFCMSubtraderRiskControls", fcm.delete_im_cap
    ),
    PerpOperation("GET", "/account/limits/perps", "GetPerpsAccountApiLimits", rate_limits.account_limits),
    PerpOperation("POST", "/portfolio/margin/subaccounts", "CreateMarginSubaccount", subaccounts.create, status=201),
    PerpOperation(
        "POST",
        "/portfolio/margin/subaccounts/transfer",
        "ApplyMarginSubaccountTransfer",
        subaccounts.transfer,
        body=subaccounts.TRANSFER_BODY,
    ),  # fmt: skip
    PerpOperation("PUT", CROSS, "SetCrossMarginExitTrigger", exit_triggers.set_cross, body=exit_triggers.SET_CROSS),
    PerpOperation("GET", CROSS, "GetCrossMarginExitTriggers", exit_triggers.cross_listed),
    PerpOperation("DELETE", CROSS, "DeleteCrossMarginExitTrigger", exit_triggers.cancel_cross, status=204),
    PerpOperation(
        "PUT", CROSS + "/{trigger_id}", "UpdateCrossMarginExitTrigger", exit_triggers.update, body=exit_triggers.UPDATE
    ),
    PerpOperation(
        "DELETE", CROSS + "/{trigger_id}", "DeleteCrossMarginExitTriggerById", exit_triggers.cancel_one, status=204
    ),
    PerpOperation(
        "PUT",
        ISOLATED,
        "SetIsolatedMarginExitTrigger",
        exit_triggers.set_isolated,
        body=exit_triggers.SET_ISOLATED,
    ),  # fmt: skip
    PerpOperation("GET", ISOLATED, "GetIsolatedMarginExitTriggers", exit_triggers.isolated_listed),
    PerpOperation("DELETE", ISOLATED, "DeleteIsolatedMarginExitTrigger", exit_triggers.cancel_isolated, status=204),
    PerpOperation("GET", "/margin/funding_history", "GetMarginFundingHistory", funding.history),
    PerpOperation(
        "GET",
        "/margin/funding_rates/historical",
        "GetMarginHistoricalFundingRates",
        funding.historical_rates,
        signed=False,
    ),  # fmt: skip
    PerpOperation(
        "GET", "/margin/funding_rates/estimate", "GetMarginFundingRateEstimate", funding.estimate, signed=False
    ),
    PerpOperation(
        "GET",
        "/margin/funding_rates/premium_index",
        "GetMarginPremiumIndex",
        funding.premium_index_points,
        signed=False,
    ),  # fmt: skip
)
