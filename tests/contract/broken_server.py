"""A deliberately broken Kalshi server for testing the contract check: the mock, with its defects wired in front.

- `GET /portfolio/positions`, three at once: every `position_fp` is a JSON number, not a string; a `limit` that is
  not an integer in 1..1000 is a 500; a request without a signature is answered 200 (an empty page).
- `GET /portfolio/fills`: the `cursor` field is missing.
- `GET /portfolio/settlements`: a `limit` that is not an integer in 1..1000 is a 500.
- `GET /portfolio/deposits`: the cursor never moves on: every page says `REPEAT`, and `REPEAT` serves the first page.

`BrokenMarkets` breaks the market data reads instead (the portfolio's answers untouched):

- `GET /markets`: every market lacks `status` (a required field).
- `GET /markets/{ticker}`: `exchange_index` is a string (`"1"`) where the schema says integer.
- `GET /markets/{ticker}/orderbook`: each level's contracts are a JSON number, not a fixed-point string.

`BrokenBookFrames` breaks the websocket's `orderbook_delta` frames instead: without `seq` (`defect="no seq"`), with
`delta_fp` a JSON number (`defect="number"`), or every third one not sent (`defect="gap"`). `BrokenPythFrames`
sends every `pyth_value` frame without `value_usd` (a required field). Both (`BreakingFrames`) take the server's frame
writer out of the scope, so the venue sends every frame through ASGI, where they rewrite them.

`BrokenCommunications` breaks the communications API's reads instead:

- `GET /communications/rfqs`: every RFQ's `contracts_fp` is a JSON number, not a fixed-point string.
- `GET /communications/rfqs/{rfq_id}/quotes/{quote_id}`: the quote's `rfq_id` is named `rfqId` (a required field
  missing).
- `GET /communications/id`: `communications_id` is a JSON number.

`BrokenHistorical` breaks the historical API's market data reads instead:

- `GET /historical/markets`: every market's `volume_fp` is a JSON number, not a fixed-point string.
- `GET /historical/markets/{ticker}`: the market lacks `ticker` (a required field).
- `GET /historical/markets/{ticker}/candlesticks`: its `ticker` is a JSON number, each candle's `volume` too.
- `GET /historical/trades`: every trade's `is_block_trade` is a string (`"false"`), not a boolean.

`BrokenSearch` breaks the search reads instead:

- `GET /search/tags_by_categories`: each category's tags are JSON numbers (their count), not a list of strings.
- `GET /search/filters_by_sport`: `sport_ordering` is missing (a required field).

`RefusingMarkets` answers every market data read with Kalshi's 404 `not_found`, discovery's reads included; with
`listings=True`, all but the two listings (`GET /markets` and `GET /events`), so the kit knows what to name.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from mockexchange.server import MockServer
from mockexchange.web.extensions import FRAME_WRITER

REPEATED_CURSOR = "REPEAT"


class BrokenKalshi:
    """ASGI middleware that breaks the wrapped mock's answers as listed above."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        if path.endswith(("/portfolio/settlements", "/portfolio/positions")) and not _valid_limit(query.get("limit")):
            await send_json(send, 500, {"error": {"code": "internal_server_error", "message": "boom"}})
            return
        if path.endswith("/portfolio/positions") and _header(scope, b"kalshi-access-signature") is None:
            await send_json(send, 200, {"market_positions": [], "event_positions": [], "cursor": ""})
            return
        if path.endswith("/portfolio/deposits") and query.get("cursor") == REPEATED_CURSOR:
            query.pop("cursor")
            scope = {**scope, "query_string": urlencode(query).encode()}
        status, headers, body = await capture(self.app, scope, receive)
        if status == 200:
            body = _break(path, body)
        await send_bytes(send, status, headers, body)


MARKET_DATA = ("/markets", "/events", "/series", "/exchange/status")


def _market_data(path: str) -> bool:
    return any(part in path for part in MARKET_DATA)


class BreakingAnswers:
    """ASGI middleware: the wrapped mock's 200 answers to the HTTP requests it `covers`, parsed, changed in place by its
    `broken` and sent again (each subclass one part of the API, as listed above, or in the module of its own part)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def covers(self, scope: dict[str, Any]) -> bool:
        raise NotImplementedError

    def broken(self, path: str, data: Any) -> None:
        """Break the answer to `path` (the request's whole path), parsed, in place."""
        raise NotImplementedError

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.covers(scope):
            await self.app(scope, receive, send)
            return
        status, headers, body = await capture(self.app, scope, receive)
        if status == 200:
            data = orjson.loads(body)
            self.broken(scope["path"], data)
            body = orjson.dumps(data)
        await send_bytes(send, status, headers, body)


class BrokenMarkets(BreakingAnswers):
    """The market data answers broken as listed above."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return _market_data(scope["path"])

    def broken(self, path: str, data: Any) -> None:
        _break_markets(path.split("/trade-api/v2", 1)[-1], data)


def _break_markets(tail: str, data: Any) -> None:
    if tail == "/markets":
        for market in data["markets"]:
            del market["status"]
    elif tail.startswith("/markets/") and tail.endswith("/orderbook"):
        for side in data["orderbook_fp"].values():
            for level in side:
                level[1] = float(level[1])
    elif tail.startswith("/markets/") and "market" in data:  # GET /markets/{ticker}
        data["market"]["exchange_index"] = str(data["market"]["exchange_index"])


class BrokenCommunications(BreakingAnswers):
    """The communications reads broken as listed above."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return "/communications/" in scope["path"]

    def broken(self, path: str, data: Any) -> None:
        _break_communications(path.split("/trade-api/v2", 1)[-1], data)


def _break_communications(tail: str, data: Any) -> None:
    if tail == "/communications/rfqs":
        for rfq in data["rfqs"]:
            rfq["contracts_fp"] = float(rfq["contracts_fp"])
    elif tail.startswith("/communications/rfqs/") and "/quotes/" in tail:
        data["quote"]["rfqId"] = data["quote"].pop("rfq_id")
    elif tail == "/communications/id":
        data["communications_id"] = 7


class BrokenHistorical(BreakingAnswers):
    """The historical API's market data answers broken as listed above."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return "/historical/" in scope["path"]

    def broken(self, path: str, data: Any) -> None:
        _break_historical(path.split("/trade-api/v2", 1)[-1], data)


def _break_historical(tail: str, data: Any) -> None:
    if tail == "/historical/markets":
        for market in data["markets"]:
            market["volume_fp"] = float(market["volume_fp"])
    elif tail.startswith("/historical/markets/") and tail.endswith("/candlesticks"):
        data["ticker"] = 7
        for candle in data["candlesticks"]:
            candle["volume"] = float(candle["volume"])
    elif tail.startswith("/historical/markets/"):
        del data["market"]["ticker"]
    elif tail == "/historical/trades":
        for trade in data["trades"]:
            trade["is_block_trade"] = str(trade["is_block_trade"]).lower()


class BrokenSearch(BreakingAnswers):
    """The search reads broken as listed above."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return "/search/" in scope["path"]

    def broken(self, path: str, data: Any) -> None:
        if "tags_by_categories" in data:
            data["tags_by_categories"] = {c: len(tags) for c, tags in data["tags_by_categories"].items()}
        data.pop("sport_ordering", None)


class RefusingMarkets:
    """ASGI middleware answering every market data read 404 `not_found`, as Kalshi words an unknown market (but the
    listings, with `listings`)."""

    def __init__(self, app: Any, listings: bool = False) -> None:
        self.app = app
        self.listings = listings

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        listing = scope["type"] == "http" and scope["path"].endswith(("/trade-api/v2/markets", "/trade-api/v2/events"))
        if scope["type"] == "http" and _market_data(scope["path"]) and not (self.listings and listing):
            await send_json(send, 404, {"error": {"code": "not_found", "message": "not found"}})
            return
        await self.app(scope, receive, send)


class BreakingFrames:
    """ASGI middleware: the wrapped mock's websocket frames of type `kind`, changed by `broken` (given the frame and
    how many of the kind the connection has sent, this one counted; None: the frame is not sent)."""

    kind = ""

    def __init__(self, app: Any) -> None:
        self.app = app

    def broken(self, frame: dict[str, Any], sent: int) -> dict[str, Any] | None:
        raise NotImplementedError

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        extensions = {k: v for k, v in (scope.get("extensions") or {}).items() if k != FRAME_WRITER}
        marker = f'"type":"{self.kind}"'
        sent = 0

        async def breaking(message: dict[str, Any]) -> None:
            nonlocal sent
            text = (message.get("text") or "") if message["type"] == "websocket.send" else ""
            frame = orjson.loads(text) if marker in text else None
            if frame is not None and frame.get("type") == self.kind:
                sent += 1
                frame = self.broken(frame, sent)
                if frame is None:
                    return
                message = {**message, "text": orjson.dumps(frame).decode() + "\n"}
            await send(message)

        await self.app({**scope, "extensions": extensions}, receive, breaking)


class BrokenBookFrames(BreakingFrames):
    """The `orderbook_delta` frames broken as listed above."""

    kind = "orderbook_delta"

    def __init__(self, app: Any, defect: str) -> None:
        super().__init__(app)
        self.defect = defect

    def broken(self, frame: dict[str, Any], sent: int) -> dict[str, Any] | None:
        if self.defect == "gap" and sent % 3 == 0:
            return None
        if self.defect == "no seq":
            del frame["seq"]
        elif self.defect == "number":
            frame["msg"]["delta_fp"] = float(frame["msg"]["delta_fp"])
        return frame


class BrokenPythFrames(BreakingFrames):
    """The `pyth_value` frames without `value_usd`."""

    kind = "pyth_value"

    def broken(self, frame: dict[str, Any], sent: int) -> dict[str, Any] | None:
        del frame["msg"]["value_usd"]
        return frame


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key.lower() == name), None)


def _valid_limit(raw: str | None) -> bool:
    return raw is None or raw == "" or (raw.isdigit() and 1 <= int(raw) <= 1000)


def _break(path: str, body: bytes) -> bytes:
    data = orjson.loads(body)
    if path.endswith("/portfolio/positions"):
        for row in data["market_positions"]:
            row["position_fp"] = float(row["position_fp"])
    elif path.endswith("/portfolio/fills"):
        del data["cursor"]
    elif path.endswith("/portfolio/deposits") and data["cursor"]:
        data["cursor"] = REPEATED_CURSOR
    else:
        return body
    return orjson.dumps(data)


async def capture(app: Any, scope: dict[str, Any], receive: Any) -> tuple[int, list, bytes]:
    """The app's answer to `scope`: status, headers, body."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def keep(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


async def send_bytes(send: Any, status: int, headers: list, body: bytes) -> None:
    """An answer with the captured headers and a new body (its length said anew)."""
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Any, status: int, body: dict[str, Any]) -> None:
    payload = orjson.dumps(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def serving_through(middleware: Any, **options: Any) -> MockServer:
    """A `MockServer` (not started, made with `options`) whose HTTP answers go through `middleware(app)`."""
    server = MockServer(**options)
    server.app = dataclasses.replace(server.app, asgi=middleware(server.app.asgi))
    return server


def broken_server() -> MockServer:
    """A `MockServer` (not started) whose HTTP answers go through `BrokenKalshi`."""
    return serving_through(BrokenKalshi)
