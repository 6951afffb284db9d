"""The perps exchange's risk limits and FCM operations on the wire: GET /margin/notional_risk_limit (a user's notional
limits and usage), an FCM member's own account limit (PUT, DELETE /margin/fcm/notional_risk_limit), its subtraders
(POST /margin/fcm/subtraders: Kalshi's subtrader, the same account on both exchanges) and their initial margin caps
(GET, PUT, DELETE /margin/fcm/subtraders/risk_controls). Each write runs its core command (core/perps/
risk_limit_commands.py; the subtrader, Kalshi's CreateFCMSubtrader), so a state file keeps it; the reads are computed
from the exchange's state at the marks now (core/perps/risk_limits.py)."""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.fcm_commands import CreateFCMSubtrader
from mockexchange.core.perps import units
from mockexchange.core.perps.errors import PerpsError, not_enabled
from mockexchange.core.perps.risk_limit_commands import (
    ASSET_CLASSES,
    SetPerpsImCap,
    SetPerpsMemberNotionalLimit,
)
from mockexchange.core.perps.risk_limits import ALL, PerpRiskLimits
from mockexchange.core.values import FLAG, Choice
from mockexchange.venues.kalshi import commands, wire_values
from mockexchange.venues.kalshi.bodies import Body, BodyField
from mockexchange.venues.kalshi.errors import exchange_refusal
from mockexchange.venues.kalshi.params import Param, Query, parse_query
from mockexchange.venues.kalshi.render import Row, dollars4, omitempty
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext, execute, refused

MEMBER_LIMIT = Body("UpdateFCMNotionalRiskLimitRequest", (BodyField("notional_value_risk_limit", required=True),))
SUBTRADER = Body(
    "CreateMarginFCMSubtraderRequest",
    (BodyField("subtrader_suffix", required=True), BodyField("require_category_cap", FLAG, required=True)),
)
_ASSET_CLASS = Choice(ASSET_CLASSES)
IM_CAP = Body(
    "UpdateFCMSubtraderRiskControlsRequest",
    (
        BodyField("subtrader_id", required=True),
        BodyField("market_ticker"),
        BodyField("asset_class", _ASSET_CLASS),
        BodyField("im_cap", required=True),
    ),
)
SUBTRADER_ID = Param("subtrader_id", "SubtraderId")
NAMED_SUBTRADER_ID = Param("subtrader_id", "SubtraderId", required=True)  # (the delete's: the spec requires it)
MARKET_TICKER = Param("market_ticker", "MarketTicker")
ASSET_CLASS = Param("asset_class", "AssetClass", _ASSET_CLASS)


def limit(micro: int) -> str:
    """A limit or a cap (set with 4 places) as FixedPointDollars."""
    return dollars4(units.dollars(micro))


def _limits(ctx: PerpsContext) -> PerpRiskLimits:
    return ctx.exchange.trading.limits


def notional_risk_limit(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    state, limits = ctx.exchange.state, _limits(ctx)
    user_id = key.user_id
    if user_id in state.disabled:
        raise refused(not_enabled())
    usage = limits.usage(user_id)
    row: Row = {
        "default_notional_value_risk_limit": limit(limits.default_limit(user_id)),
        "notional_value_risk_limits_by_market_ticker": {
            ticker: limit(own) for ticker, own in sorted(state.notional_markets.get(user_id, {}).items())
        },
        "total_current_usage": render.money(sum(usage.values())),
        "current_usage_by_market_ticker": {ticker: render.money(used) for ticker, used in sorted(usage.items())},
    }
    member = state.member_limits.get(user_id)
    omitempty(row, "member_notional_value_risk_limit", None if member is None else limit(member))
    effective = limits.account_limit(user_id)
    omitempty(row, "effective_account_notional_value_risk_limit", None if effective is None else limit(effective))
    return row


def set_member_limit(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    values = wire_values.read(values, {"notional_value_risk_limit": "risk_amount"})
    fields = {"user_id": key.user_id, "limit": values["notional_value_risk_limit"]}
    execute(ctx, commands.read(SetPerpsMemberNotionalLimit, fields))
    return {}


def delete_member_limit(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    execute(ctx, commands.read(SetPerpsMemberNotionalLimit, {"user_id": key.user_id, "limit": None}))
    return {}


def create_subtrader(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    fields = {"fcm_user_id": key.user_id, "subtrader_suffix": values["subtrader_suffix"]}
    commands.execute(ctx.kalshi, commands.read(CreateFCMSubtrader, fields))  # (Kalshi's, through its venue)
    return {"subtrader_id": f"{key.user_id}_{values['subtrader_suffix']}"}


def _subtrader(operation: str, key: ApiKey, given: str | None) -> tuple[str, str]:
    """The FCM member and the subtrader a request names (a key bound to a subtrader: its own, by default)."""
    bound = key.subtrader_id
    if bound is not None and given not in (None, bound):
        raise exchange_refusal(400, "invalid_parameters", f"this key is bound to subtrader {bound!r}")
    named = given or bound
    if named is None:
        raise exchange_refusal(400, "invalid_parameters", f"{operation} needs subtrader_id")
    return key.user_id, named


def risk_controls(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    operation = "GetFCMSubtraderRiskControls"
    asked = parse_query(operation, (SUBTRADER_ID, MARKET_TICKER, ASSET_CLASS), query)
    if asked["market_ticker"] and asked["asset_class"]:  # (the spec: mutually exclusive)
        raise exchange_refusal(400, "invalid_parameters", "a cap is scoped to a market or to an asset class, not both")
    member, subtrader = _subtrader(operation, key, asked["subtrader_id"])
    limits, state = _limits(ctx), ctx.exchange.state
    try:
        limits.subtrader(member, subtrader)
    except PerpsError as exc:
        raise refused(exc) from None
    wanted = {"market": asked["market_ticker"], "asset_class": asked["asset_class"]}
    caps = []
    for scope, cap in sorted(limits.caps(subtrader).items()):
        kind, name = scope
        if any(given is not None and (kind, name) != (field, given) for field, given in wanted.items()):
            continue
        row: Row = {"subtrader_id": subtrader}
        if scope != ALL:
            row["market_ticker" if kind == "market" else "asset_class"] = name
        caps.append(row | {"im_cap": limit(cap), "current_im": render.money(limits.initial_in(subtrader, scope))})
    usage = limits.usage(subtrader)
    notional = []
    account = state.notional_accounts.get(subtrader)
    if account is not None:
        notional.append({"subtrader_id": subtrader, "notional_value_risk_limit": limit(account),
                         "current_notional": render.money(sum(usage.values()))})  # fmt: skip
    for ticker, own in sorted(state.notional_markets.get(subtrader, {}).items()):
        notional.append({"subtrader_id": subtrader, "market_ticker": ticker, "notional_value_risk_limit": limit(own),
                         "current_notional": render.money(usage.get(ticker, 0))})  # fmt: skip
    return {"risk_controls": caps, "notional_limits": notional}


def set_im_cap(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    member, subtrader = _subtrader("UpdateFCMSubtraderRiskControls", key, values["subtrader_id"])
    values = wire_values.read(values, {"im_cap": "risk_amount"})
    fields = {"user_id": member, "subtrader_id": subtrader, "im_cap": values["im_cap"]}
    fields |= {name: values[name] for name in ("market_ticker", "asset_class") if values.get(name)}
    execute(ctx, commands.read(SetPerpsImCap, fields))
    return {}


def delete_im_cap(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    operation = "DeleteFCMSubtraderRiskControls"
    asked = parse_query(operation, (NAMED_SUBTRADER_ID, MARKET_TICKER, ASSET_CLASS), query)
    member, subtrader = _subtrader(operation, key, asked["subtrader_id"])
    fields = {"user_id": member, "subtrader_id": subtrader, "im_cap": None}
    fields |= {name: asked[name] for name in ("market_ticker", "asset_class") if asked[name]}
    execute(ctx, commands.read(SetPerpsImCap, fields))
    return {}
