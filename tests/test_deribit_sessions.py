"""Deribit's sessions: public/fork_token and public/exchange_token over HTTP, and private/logout over a real
websocket with orders resting under cancel on disconnect: a logout answers nothing, closes the connection and keeps the
orders (its tokens stop working unless told otherwise), while a dropped connection still cancels them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import plain_http
import pytest
import websockets
from deribit_rpc import Deribit, DeribitWs

from mockexchange.server import MockServer

BID = {"instrument_name": "BTC-PERPETUAL", "amount": 10, "price": 50000}


@pytest.fixture
def alice(mockexchange: MockServer) -> Deribit:
    mockexchange.create_deribit_account("alice", balances={"BTC": "10"})
    return Deribit(mockexchange, mockexchange.create_deribit_key("alice", client_id="AliceKey", client_secret="s3"))


def _grant(alice: Deribit, scope: str) -> dict[str, Any]:
    return alice.result(
        "public/auth", grant_type="client_credentials", client_id="AliceKey", client_secret="s3", scope=scope
    )


def public_rpc(mock: MockServer, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A public call over HTTP: the reply whole (deribit_rpc's `public_rpc` asserts a 400, and 13009 answers 401)."""
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    return plain_http.post(f"{mock.deribit_url}/api/v2/{method}", json=body, timeout=10).json()


def _bearer(mock: MockServer, token: str, method: str, **params: Any) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    headers = {"Authorization": f"Bearer {token}"}
    return plain_http.post(f"{mock.deribit_url}/api/v2", json=body, headers=headers, timeout=10).json()


def _refused(answer: dict[str, Any]) -> tuple[int, str | None]:
    assert "error" in answer, answer
    return answer["error"]["code"], answer["error"].get("data", {}).get("param")


def test_fork_token_names_a_new_session_of_a_session_token_only(mockexchange: MockServer, alice: Deribit) -> None:
    def fork(**params: Any) -> dict[str, Any]:
        return public_rpc(mockexchange, "public/fork_token", params)

    session = _grant(alice, "session:first trade:read")["refresh_token"]
    forked = fork(refresh_token=session, session_name="second")["result"]
    assert forked["scope"] == "trade:read session:second mainaccount"
    assert forked["token_type"] == "bearer" and forked["refresh_token"] != session
    assert "result" in _bearer(mockexchange, forked["access_token"], "private/get_positions")
    assert "result" in fork(refresh_token=session, session_name="third")  # the refresh token is not spent
    connection = _grant(alice, "trade:read")["refresh_token"]
    assert _refused(fork(refresh_token=connection, session_name="x"))[0] == 13021
    assert _refused(fork(refresh_token="nope", session_name="x"))[0] == 13009
    for params, param in (
        ({"session_name": "x"}, "refresh_token"), ({"refresh_token": session}, "session_name"),
        ({"refresh_token": session, "session_name": "a b"}, "session_name"),
        ({"refresh_token": session, "session_name": 7}, "session_name"),
    ):  # fmt: skip
        assert _refused(fork(**params)) == (-32602, param)


def test_exchange_token_acts_for_a_subaccount_of_the_main_keys_user(mockexchange: MockServer, alice: Deribit) -> None:
    def exchange(**params: Any) -> dict[str, Any]:
        return public_rpc(mockexchange, "public/exchange_token", params)

    sub = mockexchange.create_deribit_subaccount("alice")["id"]
    mockexchange.deribit_deposit("alice", "BTC", "2", subaccount_id=sub)
    main = _grant(alice, "session:desk account:read trade:read_write")["refresh_token"]
    exchanged = exchange(refresh_token=main, subject_id=sub)["result"]
    assert exchanged["scope"] == "account:read trade:read_write session:desk"  # no mainaccount
    summary = _bearer(mockexchange, exchanged["access_token"], "private/get_account_summary", currency="BTC")
    assert (summary["result"]["id"], summary["result"]["balance"]) == (sub, 2)
    narrowed = exchange(refresh_token=main, subject_id=sub, scope="account:read_write")["result"]
    assert narrowed["scope"] == "account:read connection"  # never more than the refresh token held
    main_id = alice.result("private/get_account_summary", currency="BTC")["id"]
    assert exchange(refresh_token=exchanged["refresh_token"], subject_id=main_id)["result"]["scope"].endswith(
        "mainaccount"
    )
    for params in ({"subject_id": 999}, {}, {"subject_id": "one"}):
        assert _refused(exchange(refresh_token=main, **params)) == (-32602, "subject_id")
    assert _refused(exchange(subject_id=sub)) == (-32602, "refresh_token")
    sub_key = mockexchange.create_deribit_key("alice", subaccount_id=sub)
    grant = {"grant_type": "client_credentials", "client_id": sub_key["client_id"]}
    sub_grant = Deribit(mockexchange, sub_key).result("public/auth", **grant, client_secret=sub_key["client_secret"])
    assert _refused(exchange(refresh_token=sub_grant["refresh_token"], subject_id=sub))[0] == 13021


def test_a_logout_keeps_the_resting_orders_and_a_dropped_connection_cancels_them(
    mockexchange: MockServer, alice: Deribit
) -> None:
    async def trade(client: DeribitWs) -> tuple[str, dict[str, Any]]:
        granted = (await client.auth("AliceKey", "s3"))["result"]
        assert (await client.call("private/enable_cancel_on_disconnect"))["result"] == "ok"
        return (await client.call("private/buy", BID))["result"]["order"]["order_id"], granted

    async def log_out(params: dict[str, Any]) -> tuple[str, int | None, str]:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            order_id, granted = await trade(DeribitWs(ws))
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "private/logout", "params": params}))
            with pytest.raises(websockets.ConnectionClosedOK):
                await asyncio.wait_for(ws.recv(), 5)  # no reply: the server closes
            return order_id, ws.close_code, granted["refresh_token"]

    async def drop() -> tuple[str, dict[str, Any]]:
        async with websockets.connect(mockexchange.deribit_ws_url) as watching:
            watcher = DeribitWs(watching)
            await watcher.auth("AliceKey", "s3")
            await watcher.call("private/subscribe", {"channels": ["user.orders.any.any.raw"]})
            async with websockets.connect(mockexchange.deribit_ws_url) as ws:
                order_id, _ = await trade(DeribitWs(ws))
                assert (await watcher.notification())["params"]["data"]["order_state"] == "open"
            return order_id, (await watcher.notification())["params"]["data"]  # the client closed: its cancel

    kept, code, refresh = asyncio.run(log_out({}))
    assert code == 1000
    assert [o["order_id"] for o in alice.result("private/get_open_orders")] == [kept]
    assert _refused(alice.rpc("public/auth", grant_type="refresh_token", refresh_token=refresh))[0] == 13009
    _, code, refresh = asyncio.run(log_out({"invalidate_token": False}))
    assert code == 1000 and "result" in alice.rpc("public/auth", grant_type="refresh_token", refresh_token=refresh)
    dropped, cancelled = asyncio.run(drop())
    assert (cancelled["order_id"], cancelled["order_state"]) == (dropped, "cancelled")
    assert cancelled["cancel_reason"] == "cancel_on_disconnect"
    assert len(alice.result("private/get_open_orders")) == 2  # the two logged out of
    assert _refused(alice.rpc("private/logout"))[0] == -32601  # websocket only


def test_a_logout_with_a_bad_param_is_answered_and_the_connection_stays(
    mockexchange: MockServer, alice: Deribit
) -> None:
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = DeribitWs(ws)
            assert _refused(await client.call("private/logout"))[0] == 13009  # not authorized yet
            await client.auth("AliceKey", "s3")
            assert _refused(await client.call("private/logout", {"invalidate_token": "maybe"})) == (
                -32602,
                "invalidate_token",
            )
            assert "result" in await client.call("public/test")

    asyncio.run(go())
