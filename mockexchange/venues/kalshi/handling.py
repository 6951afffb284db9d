"""What every Kalshi REST route does around its operation: authenticate the request (unless the route is public), run
the answer, and render a refusal (`KalshiError`) or a bug of ours in Kalshi's shape, with the mock's notes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.venues.kalshi.context import KalshiContext, authenticated_key
from mockexchange.venues.kalshi.errors import KalshiError, internal_error
from mockexchange.web.answers import AUTH_DIAGNOSIS_HEADER, header_safe
from mockexchange.web.request_body import BodyCut
from mockexchange.web.routing import context_of

log = logging.getLogger(__name__)

Answer = Callable[[Request, ApiKey, KalshiContext], Awaitable[Response]]
PublicAnswer = Callable[[Request], Awaitable[Response]]


def handled(answer: Answer) -> Callable[[Request], Awaitable[Response]]:
    """A route's endpoint: `answer` with the key that signed the request and the context of the request's mock."""

    async def handle(request: Request) -> Response:
        note = None
        try:
            ctx = context_of(request, KalshiContext)
            signed = await authenticated_key(request, ctx)
            note = signed.note
            response = await answer(request, signed.key, ctx)
        except KalshiError as exc:
            response = exc.response()
        except BodyCut:  # the client went away mid-body: no bug of ours, and no one to answer
            raise
        except Exception as exc:  # a bug of ours: answer in Kalshi's 500 shape and say what broke
            log.exception("unhandled error in %s", request.url.path)
            response = internal_error(f"{type(exc).__name__}: {exc}").response()
        if note is not None:  # accepted, though not as Kalshi documents (an RSA-PSS salt length other than 32)
            response.headers[AUTH_DIAGNOSIS_HEADER] = header_safe(note)
        return response

    return handle


def handled_public(answer: PublicAnswer) -> Callable[[Request], Awaitable[Response]]:
    """A public route's endpoint (no signature asked, none checked)."""

    async def handle(request: Request) -> Response:
        try:
            return await answer(request)
        except KalshiError as exc:
            return exc.response()
        except Exception as exc:  # a bug of ours
            log.exception("unhandled error in %s", request.url.path)
            return internal_error(f"{type(exc).__name__}: {exc}").response()

    return handle
