"""`mockexchange proxy` and cookies over real HTTP: an upstream's `Set-Cookie` (a session value) and a client's
`Cookie` pass through as sent, and neither value is kept: not in the journal (as the admin API lists it), not on the
tape."""

from __future__ import annotations

from pathlib import Path

import plain_http
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_proxy import serving, stored

from mockexchange.proxy.runner import ProxyServer
from mockexchange.recording.reader import read_tape
from mockexchange.registry import TAPE_VENUES

SESSION = "s3ss10n-4bc123def456"  # what the upstream's session cookie carries
REMEMBER = "r3memb3r-789xyz"


def test_set_cookie_and_cookie_pass_through_and_neither_value_is_kept(tmp_path: Path) -> None:
    seen: dict[str, str | None] = {}

    def login(request: Request) -> JSONResponse:
        seen["cookie"] = request.headers.get("cookie")
        answer = JSONResponse({"balance": 100, "portfolio_value": 0, "updated_ts": 1})
        answer.set_cookie("session", SESSION, httponly=True)
        answer.set_cookie("remember", REMEMBER)
        return answer

    upstream = Starlette(routes=[Route("/trade-api/v2/portfolio/balance", login)])
    tape = tmp_path / "cookies.tape"
    with serving(upstream) as base, ProxyServer(base + "/trade-api/v2", record=str(tape)) as proxy:
        url = proxy.kalshi_url + "/portfolio/balance"
        first = plain_http.get(url)
        again = plain_http.get(url, headers={"Cookie": f"session={SESSION}; remember={REMEMBER}"})
        kept = stored(proxy, tape)
    # The client gets the upstream's cookies as sent, and its own reach the upstream as sent.
    assert first.status_code == 200 and (first.cookies["session"], first.cookies["remember"]) == (SESSION, REMEMBER)
    assert again.status_code == 200 and seen["cookie"] == f"session={SESSION}; remember={REMEMBER}"
    # What the proxy keeps holds neither value, in any of its copies.
    assert SESSION.encode() not in kept and REMEMBER.encode() not in kept
    answered, asked = read_tape(tape, TAPE_VENUES).records
    assert answered.response["headers"]["set-cookie"] == ["[redacted]", "[redacted]"]
    assert asked.request["headers"]["cookie"] == "[redacted]"
