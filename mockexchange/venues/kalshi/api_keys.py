"""Kalshi's ApiKeysApi: GET /api_keys, POST /api_keys (an uploaded public key), POST /api_keys/generate (a new pair,
its private key in the answer only) and DELETE /api_keys/{api_key}.

The keys are the one registry the admin API seeds (auth/kalshi/keys.py). Creating and deleting build the typed
commands the admin API runs (`CreateApiKey`, `DeleteApiKey`: core/kalshi/key_commands.py) and execute them, so a state
file keeps them (a generated pair as its public half); a deleted key is refused from its next
request on, and its open websockets are closed. An upload takes what the key policy (`--key-policy`) takes and needs
the Premier usage level or above, as Kalshi's spec says; generating needs none. A subaccount-restricted key may list
keys but not make or delete them (it could otherwise make itself an unrestricted one: table.py's `whole_account`); the
legacy profile shows a key as `{api_key_id, name, scopes}` and a generated one without `key_type`, as its clients parse
them. A key's scopes are Kalshi's `ApiKeyScope` values, the broad `write` only beside `read` (access.py enforces them).
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey, KeyMade, PemError, load_public_key, policy_refusal
from mockexchange.core.kalshi.key_commands import KEY_TYPES, MAX_PEM, SCOPES, CreateApiKey, DeleteApiKey, scopes_refusal
from mockexchange.core.kalshi.subaccount_commands import SUBACCOUNT
from mockexchange.core.rate_budgets import TIERS
from mockexchange.core.values import Choice, Listed
from mockexchange.venues.kalshi import commands
from mockexchange.venues.kalshi.bodies import Body, BodyField, bad_request, invalid, text
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import forbidden, not_found
from mockexchange.venues.kalshi.params import Param, parse_query

MAX_NAME = 256
MAX_KEY_ID = 256
UPLOAD_LEVEL = "premier"  # "users with Premier or Market Maker API usage levels" may upload a public key

_SHARED = (
    BodyField("name", text(MAX_NAME), required=True),
    BodyField("scopes", Listed(Choice(SCOPES), len(SCOPES) * 2)),
    BodyField("subaccount", SUBACCOUNT),
    BodyField("fcm_subtrader_id", text(MAX_NAME)),
)
CREATE_BODY = Body(
    "CreateApiKeyRequest", (_SHARED[0], BodyField("public_key", text(MAX_PEM), required=True), *_SHARED[1:])
)
GENERATE_BODY = Body("GenerateApiKeyRequest", (_SHARED[0], BodyField("key_type", Choice(KEY_TYPES)), *_SHARED[1:]))
LIST_QUERY = [Param("fcm_subtrader_id", "FcmSubtraderId")]


def key_json(key: ApiKey, legacy: bool) -> dict[str, Any]:
    found: dict[str, Any] = {"api_key_id": key.key_id, "name": key.name, "scopes": list(key.scopes)}
    if not legacy:  # absent when unrestricted
        if key.subaccount is not None:
            found["subaccount"] = key.subaccount
        if key.subtrader_id is not None:
            found["fcm_subtrader_id"] = key.subtrader_id
    return found


def get_api_keys(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    values = parse_query("GetApiKeys", LIST_QUERY, query)
    bound = values["fcm_subtrader_id"]
    keys = [k for k in ctx.keys.for_user(key.user_id) if bound is None or k.subtrader_id == bound]
    legacy = ctx.profile.name == "legacy"
    return {"api_keys": [key_json(k, legacy) for k in keys]}


def _checked(ctx: KalshiContext, struct: str, key: ApiKey, body: dict[str, Any]) -> None:
    """The rules between fields: the broad `write` scope only beside `read`; a subaccount or a subtrader binding, not
    both; a subtrader binding for an FCM member only, to one of its subtraders."""
    if body["scopes"] and (why := scopes_refusal(body["scopes"])) is not None:
        raise invalid(struct, "scopes", "write_requires_read", f"scopes: {why}")
    if body["subaccount"] is not None and body["fcm_subtrader_id"] is not None:
        raise invalid(
            struct, "fcm_subtrader_id", "excluded_with", "subaccount and fcm_subtrader_id are mutually exclusive"
        )
    subtrader_id = body["fcm_subtrader_id"]
    if subtrader_id is not None:
        with ctx.ledger.reading():
            account = ctx.ledger.state.accounts.get(key.user_id)
            if account is None or not account.fcm_member:
                raise forbidden(
                    "fcm_subtrader_id requires an FCM member caller", f"{key.user_id!r} is not an FCM member"
                )
            if subtrader_id not in account.subtraders:
                raise bad_request(f"{subtrader_id!r} is not a subtrader of {key.user_id!r}")


def _create(key: ApiKey, body: dict[str, Any], **given: Any) -> CreateApiKey:
    return commands.read(CreateApiKey, {
        "user_id": key.user_id,
        "name": body["name"],
        "scopes": body["scopes"] or None,  # an empty list asks for nothing in particular: full access
        "subaccount": body["subaccount"],
        "subtrader_id": body["fcm_subtrader_id"],
        **given,
    })  # fmt: skip


def create_api_key(ctx: KalshiContext, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    _checked(ctx, CREATE_BODY.go, key, body)
    base = ctx.rate_limits.tier if ctx.rate_limits is not None else "off"
    tier = ctx.ledger.state.usage_levels.tier(key.user_id, base, ctx.ledger.state.clock.now())
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
        raise bad_request(f"public_key is not an RSA or Ed25519 public key in PEM: {exc}") from None
    if refusal is not None:
        raise bad_request(f"public_key is refused: {refusal}")
    made: KeyMade = commands.execute(ctx, _create(key, body, public_key_pem=pem))
    return {"api_key_id": made.key.key_id}


def generate_api_key(ctx: KalshiContext, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
    _checked(ctx, GENERATE_BODY.go, key, body)
    made: KeyMade = commands.execute(ctx, _create(key, body, key_type=body["key_type"] or "rsa"))
    answer = {"api_key_id": made.key.key_id, "key_type": made.key.key_type, "private_key": made.private_key_pem}
    if ctx.profile.name == "legacy":
        del answer["key_type"]
    return answer


def delete_api_key(ctx: KalshiContext, key: ApiKey, path: Any) -> None:
    key_id = path["api_key"]
    if not key_id.strip() or len(key_id) > MAX_KEY_ID:
        raise bad_request("invalid API key ID", f"an API key id is 1 to {MAX_KEY_ID} characters")
    held = ctx.keys.get(key_id)
    if held is None or held.user_id != key.user_id:
        raise not_found(f"no API key {key_id!r} of user {key.user_id!r}")
    commands.execute(ctx, commands.read(DeleteApiKey, {"key_id": key_id, "user_id": key.user_id}))
