"""Kalshi's ApiKeysApi: GET /api_keys, POST /api_keys (an uploaded public key), POST /api_keys/generate (a new pair,
its private key in the answer only) and DELETE /api_keys/{api_key}.

The keys are the one registry the admin API seeds (auth/kalshi/keys.py). Creating and deleting run the control
plane's commands (`create_key`, `delete_key`), so a state file keeps them; a deleted key is refused from its next
request on, and its open websockets are closed. An upload takes what the key policy (`--key-policy`) takes and needs
the Premier usage level or above, as Kalshi's spec says; generating needs none. A subaccount-restricted key may list
keys but not make or delete them (it could otherwise make itself an unrestricted one); the legacy profile shows a key
as `{api_key_id, name, scopes}` and a generated one without `key_type`, as its clients parse them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockexchange.auth.kalshi.keys import SCOPES, ApiKey, PemError, load_public_key, policy_refusal
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.rate_budgets import TIERS
from mockexchange.venues.kalshi.commands import run_command
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import forbidden, not_found
from mockexchange.venues.kalshi.json_body import BodyField, body_error, invalid, parse_body
from mockexchange.venues.kalshi.params import Param, parse_query
from mockexchange.web import json_response

MAX_NAME = 256
MAX_PEM = 16_384  # characters of a public key PEM, as the admin API takes
MAX_KEY_ID = 256
UPLOAD_LEVEL = "premier"  # "users with Premier or Market Maker API usage levels" may upload a public key
KEY_TYPES = ("rsa", "ed25519")

_SHARED = (
    BodyField("name", required=True, most=MAX_NAME),
    BodyField("scopes", "strings", choices=SCOPES, most=len(SCOPES) * 2),
    BodyField("subaccount", "int", minimum=0, maximum=MAX_SUBACCOUNT),
    BodyField("fcm_subtrader_id", most=MAX_NAME),
)
CREATE_FIELDS = (_SHARED[0], BodyField("public_key", required=True, most=MAX_PEM), *_SHARED[1:])
GENERATE_FIELDS = (_SHARED[0], BodyField("key_type", choices=KEY_TYPES), *_SHARED[1:])
LIST_QUERY = [Param("fcm_subtrader_id", "FcmSubtraderId")]


def key_json(key: ApiKey, legacy: bool) -> dict[str, Any]:
    found: dict[str, Any] = {"api_key_id": key.key_id, "name": key.name, "scopes": list(key.scopes)}
    if not legacy:  # absent when unrestricted
        if key.subaccount is not None:
            found["subaccount"] = key.subaccount
        if key.subtrader_id is not None:
            found["fcm_subtrader_id"] = key.subtrader_id
    return found


async def get_api_keys(ctx: KalshiContext, request: Request, key: ApiKey) -> Response:
    values = parse_query("GetApiKeys", LIST_QUERY, request.query_params)
    bound = values["fcm_subtrader_id"]
    keys = [k for k in ctx.keys.for_user(key.user_id) if bound is None or k.subtrader_id == bound]
    legacy = ctx.profile.name == "legacy"
    return json_response({"api_keys": [key_json(k, legacy) for k in keys]})


def _unrestricted(key: ApiKey) -> None:
    if key.subaccount is not None:
        raise forbidden(
            "this API key is restricted to a single sub-account and cannot access this endpoint",
            f"key is locked to subaccount {key.subaccount}; keys are made and deleted with an unrestricted key",
        )


def _binding(ctx: KalshiContext, struct: str, key: ApiKey, body: dict[str, Any]) -> None:
    """The subaccount and subtrader rules: not both; a subtrader binding for an FCM member only."""
    if body["subaccount"] is not None and body["fcm_subtrader_id"] is not None:
        field = BodyField("fcm_subtrader_id")
        raise invalid(struct, field, "excluded_with", "subaccount and fcm_subtrader_id are mutually exclusive")
    if body["fcm_subtrader_id"] is not None:
        account = ctx.ledger.accounts.get(key.user_id)
        if account is None or not account.fcm_member:
            raise forbidden("fcm_subtrader_id requires an FCM member caller", f"{key.user_id!r} is not an FCM member")


def _arguments(key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_id": key.user_id,
        "name": body["name"],
        "scopes": body["scopes"] or None,  # an empty list asks for nothing in particular: full access
        "subaccount": body["subaccount"],
        "subtrader_id": body["fcm_subtrader_id"],
    }


async def create_api_key(ctx: KalshiContext, request: Request, key: ApiKey) -> Response:
    _unrestricted(key)
    struct = "CreateApiKeyRequest"
    body = await parse_body(request, struct, CREATE_FIELDS)
    _binding(ctx, struct, key, body)
    base = ctx.rate_limits.tier if ctx.rate_limits is not None else "off"
    tier = ctx.ledger.usage_levels.tier(key.user_id, base, ctx.ledger.clock.now())
    if TIERS.index(tier) < TIERS.index(UPLOAD_LEVEL):
        raise forbidden(
            "insufficient API usage level",
            f"uploading a public key needs the {UPLOAD_LEVEL} usage level or above; {key.user_id!r} is {tier} "
            "(POST /_admin/api_usage_levels grants one; POST /api_keys/generate needs none)",
        )
    pem = body["public_key"]
    try:
        if "PRIVATE KEY" in pem:
            raise PemError("it holds a PRIVATE KEY; upload the public half (-----BEGIN PUBLIC KEY-----)")
        refusal = policy_refusal(load_public_key(pem), ctx.keys.policy)
    except PemError as exc:
        raise body_error(f"public_key is not an RSA or Ed25519 public key in PEM: {exc}") from None
    if refusal is not None:
        raise body_error(f"public_key is refused: {refusal}")
    made = await run_command(ctx, "create_key", {**_arguments(key, body), "public_key_pem": pem})
    return json_response({"api_key_id": made["key_id"]}, 201)


async def generate_api_key(ctx: KalshiContext, request: Request, key: ApiKey) -> Response:
    _unrestricted(key)
    struct = "GenerateApiKeyRequest"
    body = await parse_body(request, struct, GENERATE_FIELDS)
    _binding(ctx, struct, key, body)
    key_type = body["key_type"] or "rsa"
    made = await run_command(ctx, "create_key", {**_arguments(key, body), "key_type": key_type})
    answer = {"api_key_id": made["key_id"], "key_type": made["key_type"], "private_key": made["private_key_pem"]}
    if ctx.profile.name == "legacy":
        del answer["key_type"]
    return json_response(answer, 201)


async def delete_api_key(ctx: KalshiContext, request: Request, key: ApiKey) -> Response:
    _unrestricted(key)
    key_id = request.path_params["api_key"]
    if not key_id.strip() or len(key_id) > MAX_KEY_ID:
        raise body_error("invalid API key ID", f"an API key id is 1 to {MAX_KEY_ID} characters")
    held = ctx.keys.get(key_id)
    if held is None or held.user_id != key.user_id:
        raise not_found(f"no API key {key_id!r} of user {key.user_id!r}")
    await run_command(ctx, "delete_key", {"key_id": key_id, "user_id": key.user_id})
    return Response(status_code=204)
