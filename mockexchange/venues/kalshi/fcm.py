"""An FCM member's desk on Kalshi's wire: its subtraders (ListFCMSubtraders, CreateFCMSubtrader), their event-contract
daily caps (Get/Update/DeleteFCMEventContractDailyCap) and blocked categories (Get/UpdateFCMSubtraderBlockedCategories),
and position transfers (CreateFCMPositionTransfer); who may call them (`fcm_subtrader`).

Reads come from the ledger (`ledger.fcm`, core/kalshi/fcm.py) under its lock. Changes run the control plane's
commands (commands.py, control/kalshi/fcm.py), so a state file keeps them as it keeps the admin API's.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import kind_of
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.fcm_commands import (
    MAX_CATEGORY,
    CreateFCMPositionTransfer,
    CreateFCMSubtrader,
    UpdateFCMEventContractDailyCap,
    UpdateFCMSubtraderBlockedCategories,
)
from mockexchange.core.kalshi.units import dollars
from mockexchange.core.money import FIXED_POINT, MoneyError, parse_decimal
from mockexchange.core.values import FLAG
from mockexchange.venues.kalshi import commands
from mockexchange.venues.kalshi.bodies import Body, BodyField, invalid, text
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError, forbidden, not_found, param_error
from mockexchange.venues.kalshi.params import Param, parse_query
from mockexchange.venues.kalshi.render import dollars6

MEMBER_ONLY = "FCM member access level required"
UNRESTRICTED = "requires an unrestricted FCM member API key"


def fcm_subtrader(
    ctx: KalshiContext, key: ApiKey, operation: str, subtrader_id: str | None, *, bound_ok: bool, required: bool = True
) -> tuple[Account, str | None]:
    """The calling FCM member and the subtrader the request acts on, under the ledger's lock: 403 for a caller that
    is no FCM member, or for a key bound to one subtrader (unless `bound_ok`: then `subtrader_id` defaults to the
    bound one, and naming another is 403); 400 if a `required` subtrader is not named; 404 if it is none of the
    member's."""
    member = _member(ctx, key)
    if key.subtrader_id is not None:
        if not bound_ok:
            raise forbidden(UNRESTRICTED, f"key is bound to subtrader {key.subtrader_id!r}")
        if subtrader_id is not None and subtrader_id != key.subtrader_id:
            raise forbidden(
                "the API key is bound to a different FCM subtrader", f"key is bound to subtrader {key.subtrader_id!r}"
            )
        subtrader_id = key.subtrader_id
    if subtrader_id is None:
        if required:
            raise param_error(operation, "SubtraderId", "required", "subtrader_id is required for an unbound FCM key")
    elif subtrader_id not in member.subtraders:
        raise not_found(f"{subtrader_id!r} is not a subtrader of FCM member {member.user_id!r}")
    return member, subtrader_id


def require_member(ctx: KalshiContext, key: ApiKey) -> Account:
    """The calling FCM member, or a 403: access.py asks it first of every operation only members may call (table.py's
    `member`), before their parameters or body are read (Kalshi's access level is checked before the request is
    bound)."""
    with ctx.ledger.reading():
        return _member(ctx, key)


def _member(ctx: KalshiContext, key: ApiKey) -> Account:
    member = ctx.ledger.state.accounts.get(key.user_id)
    if member is None or not member.fcm_member:
        raise forbidden(MEMBER_ONLY, f"user {key.user_id!r} is not an FCM member")
    return member


# -- subtraders ---------------------------------------------------------------------------------------------------


def list_subtraders(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    with ctx.ledger.reading():
        member, _ = fcm_subtrader(ctx, key, "ListFCMSubtraders", None, bound_ok=False, required=False)
        subtraders = []
        for subtrader_id in member.subtraders:
            account = ctx.ledger.state.accounts[subtrader_id]
            indices = sorted({index for sub, index in account.cash if sub == 0} | {0})
            subtraders.append(
                {
                    "subtrader_id": subtrader_id,
                    "exchange_indices": indices,
                    "trading_blocked": False,
                    "fcm_trading_blocked": False,
                    "propagation_pending": False,
                }
            )
    return {"subtraders": subtraders}


CREATE_SUBTRADER = Body("CreateFCMSubtraderRequest", (BodyField("subtrader_suffix", required=True),))


def create_subtrader(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.ledger.reading():
        member, _ = fcm_subtrader(ctx, key, "CreateFCMSubtrader", None, bound_ok=False, required=False)
    suffix = values["subtrader_suffix"]
    if not _alphanumeric(suffix, 16):
        raise invalid(CREATE_SUBTRADER.go, "subtrader_suffix", "alphanum", "subtrader_suffix is 1-16 of [A-Za-z0-9]")
    create = commands.read(CreateFCMSubtrader, {"fcm_user_id": member.user_id, "subtrader_suffix": suffix})
    return {"subtrader_id": commands.execute(ctx, create).user_id}


def _alphanumeric(value: str, most: int) -> bool:
    return 1 <= len(value) <= most and value.isascii() and value.isalnum()


# -- daily caps ------------------------------------------------------------------------------------------------------

CAP_SUBTRADER = Param("subtrader_id", "SubtraderId")
UPDATE_CAP = Body(
    "UpdateFCMEventContractDailyCapRequest",
    (BodyField("subtrader_id", required=True), BodyField("limit", required=True)),
)


def get_daily_cap(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query("GetFCMEventContractDailyCap", [CAP_SUBTRADER], query)
    fcm = ctx.ledger.fcm
    with ctx.ledger.reading():
        _, subtrader_id = fcm_subtrader(ctx, key, "GetFCMEventContractDailyCap", values["subtrader_id"], bound_ok=True)
        assert subtrader_id is not None
        limit = fcm.caps.get(subtrader_id)
        if limit is None:
            raise not_found(f"{subtrader_id!r} has no event-contract daily cap")
        executed, resting = fcm.utilization(subtrader_id)
        day = fcm.cap_date()
    return {
        "subtrader_id": subtrader_id,
        "limit": _dollars(limit),
        "executed_utilization": _dollars(executed),
        "resting_order_utilization": _dollars(resting),
        "pending_order_utilization": _dollars(0),
        "cap_date": day.isoformat(),
    }


def _dollars(micros: int) -> str:
    return dollars6(dollars(micros))


def update_daily_cap(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    try:
        limit = parse_decimal(values["limit"], "limit", 4, grammar=FIXED_POINT)
    except MoneyError as exc:
        raise invalid(UPDATE_CAP.go, "limit", "fixed_point_dollars", str(exc)) from None
    if limit < 0:
        raise invalid(UPDATE_CAP.go, "limit", "gte", "limit must be >= 0")
    _set_cap(ctx, key, "UpdateFCMEventContractDailyCap", values["subtrader_id"], limit)
    return {}


def _set_cap(ctx: KalshiContext, key: ApiKey, operation: str, subtrader: Any, limit: Any) -> None:
    """The member's daily cap of one subtrader set (None: taken away), the subtrader read as `operation` reads it."""
    with ctx.ledger.reading():
        member, subtrader_id = fcm_subtrader(ctx, key, operation, subtrader, bound_ok=False)
    cap = {"fcm_user_id": member.user_id, "subtrader_id": subtrader_id, "limit": limit}
    commands.execute(ctx, commands.read(UpdateFCMEventContractDailyCap, cap))


DELETE_CAP_SUBTRADER = Param("subtrader_id", "SubtraderId", required=True)


def delete_daily_cap(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    values = parse_query("DeleteFCMEventContractDailyCap", [DELETE_CAP_SUBTRADER], query)
    _set_cap(ctx, key, "DeleteFCMEventContractDailyCap", values["subtrader_id"], None)
    return {}


# -- blocked categories --------------------------------------------------------------------------------------------

CATEGORIES_SUBTRADER = Param("subtrader_id", "SubtraderId", required=True)
CATEGORY = text(MAX_CATEGORY)
UPDATE_CATEGORIES = Body(
    "UpdateFCMSubtraderBlockedCategoriesRequest",
    (BodyField("subtrader_id", required=True), BodyField("category", CATEGORY, required=True),
     BodyField("blocked", FLAG, required=True)),
)  # fmt: skip


def get_blocked_categories(ctx: KalshiContext, key: ApiKey, query) -> dict[str, Any]:
    operation = "GetFCMSubtraderBlockedCategories"
    values = parse_query(operation, [CATEGORIES_SUBTRADER], query)
    with ctx.ledger.reading():
        try:
            _, subtrader_id = fcm_subtrader(ctx, key, operation, values["subtrader_id"], bound_ok=False)
        except KalshiError as exc:
            if exc.status != 404:
                raise
            # The spec documents no 404 here: a subtrader of another FCM is a forbidden one.
            raise forbidden("the subtrader does not belong to this FCM", exc.diagnosis) from None
        assert subtrader_id is not None
        return {"categories": ctx.ledger.fcm.categories(subtrader_id)}


def update_blocked_categories(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.ledger.reading():
        member, subtrader_id = fcm_subtrader(
            ctx, key, "UpdateFCMSubtraderBlockedCategories", values["subtrader_id"], bound_ok=False
        )
    block = commands.read(UpdateFCMSubtraderBlockedCategories, {
        "fcm_user_id": member.user_id, "subtrader_id": subtrader_id, "category": values["category"],
        "blocked": values["blocked"],
    })  # fmt: skip
    return {"categories": commands.execute(ctx, block)}


# -- position transfers --------------------------------------------------------------------------------------------

TRANSFER = Body(
    "CreateFCMPositionTransferRequest",
    (
        BodyField("source_subtrader_id", required=True),
        BodyField("target_subtrader_id", required=True),
        BodyField("market_ticker", required=True),
        BodyField("position_centicount", kind_of(CreateFCMPositionTransfer, "position_centicount"), True, go="int64"),
        BodyField("price_centicents", kind_of(CreateFCMPositionTransfer, "price_centicents"), True, go="int64"),
    ),
)


def create_position_transfer(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    count, price = values["position_centicount"], values["price_centicents"]
    if count == 0:  # Go's `required` refuses an integer's zero value too
        raise invalid(TRANSFER.go, "position_centicount", "required", "position_centicount must be non-zero")
    with ctx.ledger.reading():
        member, _ = fcm_subtrader(ctx, key, "CreateFCMPositionTransfer", values["source_subtrader_id"], bound_ok=False)
    made = commands.execute(ctx, commands.read(CreateFCMPositionTransfer, {
        "fcm_user_id": member.user_id, "source_subtrader_id": values["source_subtrader_id"],
        "target_subtrader_id": values["target_subtrader_id"], "market_ticker": values["market_ticker"],
        "position_centicount": count, "price_centicents": price,
    }))  # fmt: skip
    return {"position_transfer_id": made.position_transfer_id}
