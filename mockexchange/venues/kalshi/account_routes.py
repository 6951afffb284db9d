"""The routes of Kalshi's AccountApi and ApiKeysApi (account.py, api_keys.py): signed and charged like the portfolio
routes, except GET /account/endpoint_costs, which the spec makes public (no signature asked, nothing charged). They
answer from the ledger and the key registry in the generated-responses mode too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.venues.kalshi import account, api_keys, rate_limits
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.handling import handled, handled_public

Run = Callable[[KalshiContext, Request, ApiKey], Awaitable[Response]]

# path, method, operationId, what answers
SIGNED: tuple[tuple[str, str, str, Run], ...] = (
    ("/account/limits", "GET", "GetAccountApiLimits", account.get_limits),
    ("/account/api_usage_level/upgrade", "POST", account.UPGRADE, account.upgrade),
    ("/account/api_usage_level/volume_progress", "GET", "GetAccountApiUsageLevelVolumeProgress",
     account.get_volume_progress),
    ("/api_keys", "GET", "GetApiKeys", api_keys.get_api_keys),
    ("/api_keys", "POST", "CreateApiKey", api_keys.create_api_key),
    ("/api_keys/generate", "POST", "GenerateApiKey", api_keys.generate_api_key),
    ("/api_keys/{api_key}", "DELETE", "DeleteApiKey", api_keys.delete_api_key),
)  # fmt: skip


# What these routes serve; the generated-responses mode leaves them to the ledger and the key registry.
OPERATION_IDS = frozenset({operation_id for _, _, operation_id, _ in SIGNED} | {"GetAccountEndpointCosts"})


def _signed(ctx: KalshiContext, operation_id: str, run: Run) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request, key: ApiKey) -> Response:
        rate_limits.charge(ctx, key.user_id, operation_id)  # after auth: refused ones cost nothing
        return await run(ctx, request, key)

    return handled(ctx, answer)


def routes(ctx: KalshiContext, prefix: str) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for path, method, operation_id, run in SIGNED:
        by_path.setdefault(path, {})[method] = _signed(ctx, operation_id, run)
    by_path["/account/endpoint_costs"] = {"GET": handled_public(account.get_endpoint_costs)}
    found: list[BaseRoute] = []
    for path, handlers in by_path.items():

        async def dispatch(request: Request, handlers: dict = handlers) -> Response:
            return await handlers[request.method if request.method != "HEAD" else "GET"](request)

        found.append(Route(prefix + path, dispatch, methods=list(handlers)))
    return found
