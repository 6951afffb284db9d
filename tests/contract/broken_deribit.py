"""A deliberately broken Deribit server for testing `contract check-deribit`: the mock, with defects wired in front of
its HTTP JSON-RPC and of its websocket's notifications (the websocket's replies pass untouched).

- `private/get_positions`: every row lacks `instrument_name` (a required field dropped).
- `private/get_account_summary`: `balance` is a JSON string, not a number.
- `public/get_instruments`: an error reply is in the wrong shape (`{"code": "-32602", "msg": ...}`).
- `private/get_transfers`: answered `Method not found`, as a server that does not serve it.
- The account methods, one defect each (`ACCOUNT_DEFECTS`: what it does, and what the check must say of it): a
  required field dropped, a field of the wrong type or outside its enum, an error in the wrong shape (the API keys'
  methods too).
- The trading methods (`TRADING_DEFECTS`), one defect each: an order's state outside its enum, a number as a string,
  a required field dropped, a result of the wrong type.
- The market data methods (`MARKET_DEFECTS`), one defect each: the order book's levels with their prices as strings,
  the ticker without its best bid, a book summary's volume as a string, a trade's tick direction or direction outside
  its enum, the expirations as an array, a settlement page's continuation a number, the historical volatility's
  rows as objects, the platform's `locked` a boolean, ...
- The public channels' notifications (`NOTIFICATION_DEFECTS`, by the slice's channel), one defect per family: a trade's
  direction outside its enum, a candle without its tick, a number as a string, an incremental ticker's type outside
  its enum, a mark without its volatility, the platform's `locked` a string, an announcement without its title.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from broken_server import capture, send_json, serving_through

from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.server import MockServer
from mockexchange.web.extensions import FRAME_WRITER


class BrokenDeribit:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http" or not scope["path"].startswith("/api/v2"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        request = orjson.loads(raw) if raw.strip() else {}
        method = str(request.get("method", "")).lstrip("/") or scope["path"].removeprefix("/api/v2/")
        if method == "private/get_transfers":
            error = {"code": -32601, "message": "Method not found"}
            await send_json(send, 400, {"jsonrpc": "2.0", "id": request.get("id"), "error": error, **_times()})
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        status, _, body = await capture(self.app, scope, replay)
        reply = orjson.loads(body)
        if method == "private/get_positions" and isinstance(reply.get("result"), list):
            for row in reply["result"]:
                row.pop("instrument_name", None)
        elif method == "private/get_account_summary" and isinstance(reply.get("result"), dict):
            reply["result"]["balance"] = str(reply["result"]["balance"])
        elif method == "public/get_instruments" and "error" in reply:
            reply["error"] = {"code": str(reply["error"]["code"]), "msg": reply["error"]["message"]}
        elif method in ACCOUNT_DEFECTS:
            ACCOUNT_DEFECTS[method][0](reply)
        elif method in MARKET_DEFECTS:
            MARKET_DEFECTS[method][0](reply)
        elif method in TRADING_DEFECTS:
            TRADING_DEFECTS[method][0](reply)
        await send_json(send, status, reply)

    async def _websocket(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The socket's frames through ASGI (the venue's own frame writer taken out of the scope), each notification
        of a channel in `NOTIFICATION_DEFECTS` broken."""
        extensions = {k: v for k, v in (scope.get("extensions") or {}).items() if k != FRAME_WRITER}

        async def breaking(message: dict[str, Any]) -> None:
            text = message.get("text") if message["type"] == "websocket.send" else None
            if text and '"method":"subscription"' in text:
                frame = orjson.loads(text)
                template, _ = deribit_rpc.notification_problems(frame)
                if template in NOTIFICATION_DEFECTS:
                    NOTIFICATION_DEFECTS[template][0](frame["params"]["data"])
                    message = {**message, "text": orjson.dumps(frame).decode()}
            await send(message)

        await self.app({**scope, "extensions": extensions}, receive, breaking)


def _each(result_change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """A defect applied to a result object, or to each row of a result list."""

    def change(reply: dict[str, Any]) -> None:
        result = reply.get("result")
        for row in result if isinstance(result, list) else [result]:
            if isinstance(row, dict):
                result_change(row)

    return change


def _result(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(reply: dict[str, Any]) -> None:
        if "result" in reply:
            reply["result"] = value

    return change


def _trades(trade_change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """A defect applied to each trade of a last trades page."""
    return _each(lambda r: [trade_change(trade) for trade in r.get("trades", [])])


def _error_code_text(reply: dict[str, Any]) -> None:
    if isinstance(reply.get("error"), dict):
        reply["error"]["code"] = str(reply["error"]["code"])


# method -> (the defect, a line the check's report must hold)
ACCOUNT_DEFECTS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "private/get_subaccounts": (_each(lambda r: r.pop("username")), '"username" is a required property'),
    "private/get_subaccounts_details": (_result({"uid": 1}), 'result: {"uid":1} is not of type "array"'),
    "private/create_subaccount": (_each(lambda r: r.pop("system_name")), '"system_name" is a required property'),
    "private/change_subaccount_name": (_result("done"), 'result: "done" is not one of "ok"'),
    "private/toggle_subaccount_login": (_result(True), 'result: true is not of type "string"'),
    "private/submit_transfer_to_subaccount": (
        _each(lambda r: r.update(amount=str(r["amount"]))), 'result.amount: "0.0001" is not of type "number"',
    ),
    "private/submit_transfer_to_user": (_each(lambda r: r.pop("other_side")), '"other_side" is a required property'),
    "private/cancel_transfer_by_id": (_error_code_text, 'http invalid: error.code: "-32602" is not of type "integer"'),
    "private/withdraw": (_each(lambda r: r.update(state="sent")), 'result.state: "sent" is not one of'),
    "private/cancel_withdrawal": (_each(lambda r: r.pop("currency")), '"currency" is a required property'),
    "private/get_current_deposit_address": (_result(""), 'result: "" is not of types "null", "object"'),
    "private/create_deposit_address": (_each(lambda r: r.pop("type")), '"type" is a required property'),
    "private/get_transaction_log": (
        _each(lambda r: r.update(continuation="next")), 'result.continuation: "next" is not of type',
    ),
    "private/list_api_keys": (_each(lambda r: r.pop("client_id")), '"client_id" is a required property'),
    "private/create_api_key": (
        _each(lambda r: r.update(max_scope=["account:read"])), 'result.max_scope: ["account:read"] is not of type',
    ),
    "private/change_api_key_name": (_each(lambda r: r.pop("timestamp")), '"timestamp" is a required property'),
    "private/change_scope_in_api_key": (_each(lambda r: r.update(id="2")), 'result.id: "2" is not of type "integer"'),
    "private/edit_api_key": (_each(lambda r: r.pop("default")), '"default" is a required property'),
    "private/disable_api_key": (_each(lambda r: r.update(enabled="no")), 'result.enabled: "no" is not of type'),
    "private/enable_api_key": (_result("ok"), 'result: "ok" is not of type "object"'),
    "private/reset_api_key": (_each(lambda r: r.pop("client_secret")), '"client_secret" is a required property'),
    "private/remove_api_key": (_result("done"), 'result: "done" is not one of "ok"'),
}  # fmt: skip


def _order(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """A defect applied to the `order` of a placed or edited order's result."""
    return _each(lambda r: change(r["order"]) if isinstance(r.get("order"), dict) else None)


TRADING_DEFECTS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "private/buy": (_order(lambda o: o.update(order_state="resting")), 'result.order.order_state: "resting" is not'),
    "private/sell": (_order(lambda o: o.pop("order_id")), '"order_id" is a required property'),
    "private/edit": (_order(lambda o: o.update(amount=str(o["amount"]))), 'result.order.amount: "'),
    "private/edit_by_label": (_each(lambda r: r.pop("trades")), '"trades" is a required property'),
    "private/cancel": (_each(lambda r: r.update(direction="long")), 'result.direction: "long" is not one of'),
    "private/cancel_by_label": (_result("1"), 'result: "1" is not of type "number"'),
    "private/cancel_all_by_instrument": (_result(None), 'result: null is not of type "number"'),
    "private/cancel_all_by_currency": (_result([]), 'result: [] is not of type "number"'),
    "private/cancel_all": (_result(True), 'result: true is not of type "number"'),
    "private/close_position": (_order(lambda o: o.update(label=7)), 'result.order.label: 7 is not of type "string"'),
    "private/get_order_history_by_currency": (_result({}), 'result: {} is not of type "array"'),
    "private/get_order_history_by_instrument": (_each(lambda r: r.pop("direction")), '"direction" is a required'),
    "private/get_user_trades_by_order": (_each(lambda r: r.update(price="1")), 'result[0].price: "1" is not of'),
    "private/get_margins": (_each(lambda r: r.pop("buy")), '"buy" is a required property'),
    "private/get_order_margin_by_ids": (_result("none"), 'result: "none" is not of type "array"'),
    "private/get_mmp_config": (_result({}), 'result: {} is not of type "array"'),
    "private/cancel_quotes": (_result("1"), 'result: "1" is not of type "number"'),
}  # fmt: skip


MARKET_DEFECTS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "public/get_order_book": (
        _each(lambda r: r.update(bids=[[str(price), amount] for price, amount in r["bids"]])),
        'result.bids[0][0]: "49990" is not of type "number"',
    ),
    "public/ticker": (_each(lambda r: r.pop("best_bid_price")), '"best_bid_price" is a required property'),
    "public/get_order_book_by_instrument_id": (_each(lambda r: r.pop("stats")), '"stats" is a required property'),
    "public/get_book_summary_by_currency": (
        _each(lambda r: r.update(volume=str(r["volume"]))), 'result[0].volume: "',
    ),
    "public/get_book_summary_by_instrument": (
        _each(lambda r: r.pop("instrument_name")), '"instrument_name" is a required property',
    ),
    "public/get_last_trades_by_instrument": (
        _trades(lambda t: t.update(tick_direction=4)), "result.trades[0].tick_direction: 4 is not one of",
    ),
    "public/get_last_trades_by_instrument_and_time": (
        _trades(lambda t: t.update(direction="long")), 'result.trades[0].direction: "long" is not one of',
    ),
    "public/get_last_trades_by_currency": (_each(lambda r: r.pop("has_more")), '"has_more" is a required property'),
    "public/get_last_trades_by_currency_and_time": (
        _trades(lambda t: t.update(trade_seq=str(t["trade_seq"]))), 'result.trades[0].trade_seq: "',
    ),
    "public/get_tradingview_chart_data": (
        _each(lambda r: r.update(status="done")), 'result.status: "done" is not one of',
    ),
    "public/get_trade_volumes": (_each(lambda r: r.pop("currency")), '"currency" is a required property'),
    "public/get_instrument": (
        _each(lambda r: r.update(is_active="yes")), 'result.is_active: "yes" is not of type "boolean"',
    ),
    "public/get_contract_size": (_result({"contract_size": "10"}), 'result.contract_size: "10" is not of type'),
    "public/get_expirations": (_result([]), 'result: [] is not of type "object"'),
    "public/get_delivery_prices": (_each(lambda r: r.pop("records_total")), '"records_total" is a required property'),
    "public/get_last_settlements_by_currency": (
        _each(lambda r: r.update(continuation=5)), 'result.continuation: 5 is not of types',
    ),
    "public/get_last_settlements_by_instrument": (
        _each(lambda r: r.pop("settlements")), '"settlements" is a required property',
    ),
    "public/get_index_price": (
        _each(lambda r: r.pop("estimated_delivery_price")), '"estimated_delivery_price" is a required property',
    ),
    "public/get_index_price_names": (_each(lambda r: r.update(name=5)), 'result[0].name: 5 is not of type "string"'),
    "public/get_mark_price_history": (_result({"marks": []}), 'result: {"marks":[]} is not of type "array"'),
    "public/get_funding_rate_value": (_result("0.0001"), 'result: "0.0001" is not of type "number"'),
    "public/get_funding_rate_history": (
        _each(lambda r: r.update(interest_8h=str(r["interest_8h"]))), 'result[0].interest_8h: "',
    ),
    "public/get_funding_chart_data": (
        _each(lambda r: r.pop("current_interest")), '"current_interest" is a required property',
    ),
    "public/get_historical_volatility": (
        _result([{"timestamp": 1, "value": 50}]), 'result[0]: {"timestamp":1,"value":50} is not of type "array"',
    ),
    "public/get_volatility_index_data": (
        _each(lambda r: r.update(continuation="more")), 'result.continuation: "more" is not of types',
    ),
    "public/get_apr_history": (_each(lambda r: r.pop("data")), '"data" is a required property'),
    "public/status": (_each(lambda r: r.update(locked=True)), 'result.locked: true is not of type "string"'),
    "public/hello": (_result({"version": 1}), 'result.version: 1 is not of type "string"'),
    "public/get_announcements": (_each(lambda r: r.pop("id")), '"id" is a required property'),
}  # fmt: skip


def _rows(change: Callable[[dict[str, Any]], Any]) -> Callable[[Any], None]:
    """A defect applied to a notification's data: the object, or each row of an array."""

    def apply(data: Any) -> None:
        for row in data if isinstance(data, list) else [data]:
            if isinstance(row, dict):
                change(row)

    return apply


def _text(name: str) -> Callable[[Any], None]:
    """A defect writing a field of the data (when there) as a JSON string."""
    return _rows(lambda row: row.update({name: str(row[name])}) if name in row else None)


# the slice's channel -> (the defect on a notification's data, a line the check's report must hold)
NOTIFICATION_DEFECTS: dict[str, tuple[Callable[[Any], None], str]] = {
    "trades.{instrument_name}.{interval}": (
        _rows(lambda t: t.update(direction="long")), 'data[0].direction: "long" is not one of',
    ),
    "trades.{kind}.{currency}.{interval}": (_rows(lambda t: t.pop("trade_id")), '"trade_id" is a required property'),
    "chart.trades.{instrument_name}.{resolution}": (_rows(lambda c: c.pop("tick")), '"tick" is a required property'),
    "quote.{instrument_name}": (_text("best_ask_price"), 'data.best_ask_price: "'),
    "incremental_ticker.{instrument_name}": (
        _rows(lambda t: t.update(type="full")), 'data.type: "full" is not one of',
    ),
    "instrument.state.{kind}.{currency}": (_text("timestamp"), 'data.timestamp: "'),
    "deribit_price_index.{index_name}": (_text("price"), 'data.price: "'),
    "markprice.options.{index_name}": (_rows(lambda m: m.pop("iv")), '"iv" is a required property'),
    "perpetual.{instrument_name}.{interval}": (_text("interest"), 'data.interest: "'),
    "platform_state": (_rows(lambda p: p.update(locked="true")), 'data.locked: "true" is not of type "boolean"'),
    "announcements": (_rows(lambda a: a.pop("title")), '"title" is a required property'),
}  # fmt: skip


def _times() -> dict[str, Any]:
    return {"usIn": 1, "usOut": 2, "usDiff": 1, "testnet": True}


def broken_deribit(**options: Any) -> MockServer:
    """A `MockServer` (not started, made with `options`) whose Deribit HTTP answers go through `BrokenDeribit`."""
    return serving_through(BrokenDeribit, **options)
