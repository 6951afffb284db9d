"""The Kalshi websocket over real sockets: authentication of the upgrade, every command and reply, every error code,
malformed and oversized frames, keep-alive pings. Each test runs in both wire profiles."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.sync.client import ClientConnection, connect
from ws_raw_client import RawClient, checked_frame

from mockexchange.auth.kalshi.keys import generate_private_key
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi.subscriptions import KALSHI_RULES

WS_PATH = "/trade-api/ws/v2"
ENVELOPE_EXTRAS = {"sending_ts_ms", "mockexchange_diagnosis"}


@pytest.fixture(scope="module", params=["3.34", "legacy"])
def shared_mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    # Commands need no fresh state (sids are per connection): one server per profile keeps the module fast.
    with MockServer(profile=request.param) as server:
        server.create_account("alice", balance_cents=1_000_000)
        yield server


@pytest.fixture
def mock(shared_mock: MockServer, request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """The shared server, or a fresh one when the test asks for settings with `@pytest.mark.mockexchange(...)`."""
    settings: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("mockexchange"))):
        settings.update(marker.kwargs)
    if not settings:
        yield shared_mock
        return
    with MockServer(profile=shared_mock.app.settings.profile, **settings) as server:
        server.create_account("alice", balance_cents=1_000_000)
        yield server


# One RSA key for every test: making one, or loading a private PEM, takes 0.1-0.4 s.
PRIVATE_KEY = generate_private_key("rsa")
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def signer(mock: MockServer) -> KalshiSigner:
    key = mock.create_key("alice", public_key_pem=PUBLIC_PEM)
    return KalshiSigner(key["key_id"], PRIVATE_KEY)


class Client:
    """A websocket client that speaks JSON and checks every frame the mock sends is a JSON object and a line that
    matches the AsyncAPI slice."""

    def __init__(self, ws: ClientConnection, profile: str) -> None:
        self.ws = ws
        self.profile = profile

    def send(self, command: Any) -> None:
        self.ws.send(command if isinstance(command, str | bytes) else json.dumps(command))

    def recv(self, timeout: float = 5) -> dict[str, Any]:
        raw = self.ws.recv(timeout=timeout)
        assert isinstance(raw, str) and raw.endswith("\n") and raw.count("\n") == 1, repr(raw)
        message = checked_frame(raw, self.profile)
        assert isinstance(message["sending_ts_ms"], int)
        return message

    def ask(self, command: Any, replies: int = 1) -> list[dict[str, Any]]:
        self.send(command)
        return [strip(self.recv()) for _ in range(replies)]

    def quiet(self, seconds: float = 0.3) -> None:
        try:
            raw = self.ws.recv(timeout=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {raw!r}")


def strip(message: dict[str, Any]) -> dict[str, Any]:
    """The message without the fields whose values vary (sending time, the mock's diagnosis)."""
    return {k: v for k, v in message.items() if k not in ENVELOPE_EXTRAS}


@contextmanager
def ws_connect(mock: MockServer, signer: KalshiSigner, **options: Any) -> Iterator[Client]:
    headers = signer.headers("GET", WS_PATH)
    with connect(mock.kalshi_ws_url, additional_headers=headers, open_timeout=5, **options) as ws:
        yield Client(ws, mock.app.settings.profile)


def err(code: int, text: str, command_id: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"type": "error", "msg": {"code": code, "msg": text}}
    if command_id is not None:
        found["id"] = command_id
    return found


# -- authentication of the upgrade ----------------------------------------------------------------------------------


def refused(mock: MockServer, headers: dict[str, str]) -> Response:
    with pytest.raises(InvalidStatus) as info, connect(mock.kalshi_ws_url, additional_headers=headers, open_timeout=5):
        pass
    return info.value.response


def test_a_signed_upgrade_is_accepted_and_signs_get_and_the_ws_path(mock, signer):
    with ws_connect(mock, signer) as client:
        assert client.ask({"id": 1, "cmd": "list_subscriptions"}) == [{"type": "ok", "id": 1, "msg": []}]


def test_ed25519_keys_open_sessions(mock):
    key = mock.create_key("alice", key_type="ed25519")
    with ws_connect(mock, KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])) as client:
        assert client.ask({"id": 1, "cmd": "list_subscriptions"})[0]["type"] == "ok"


def test_missing_headers_are_refused_before_the_upgrade_with_the_rest_body(mock, signer):
    response = refused(mock, {})
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == {
        "error": {"code": "key_is_missing_from_headers", "message": "key is missing from headers"}
    }
    assert response.headers["X-Mockexchange-Auth"] == "KALSHI-ACCESS-KEY header is missing"

    headers = signer.headers("GET", WS_PATH)
    del headers["KALSHI-ACCESS-SIGNATURE"]
    response = refused(mock, headers)
    assert response.status_code == 401
    assert json.loads(response.body) == {
        "error": {"code": "signature_is_missing_from_headers", "message": "signature is missing from headers"}
    }


def test_a_signature_over_another_path_is_refused_with_401(mock, signer):
    response = refused(mock, signer.headers("GET", "/trade-api/v2/portfolio/positions"))
    assert response.status_code == 401
    assert json.loads(response.body) == {
        "error": {
            "code": "authentication_error",
            "message": "authentication_error",
            "details": "INCORRECT_API_KEY_SIGNATURE",
        }
    }
    assert "GET/trade-api/ws/v2" in response.headers["X-Mockexchange-Auth"]


def test_an_expired_timestamp_and_an_unknown_key_are_refused(mock, signer):
    stale = signer.headers("GET", WS_PATH, timestamp_ms=int(time.time() * 1000) - 120_000)
    response = refused(mock, stale)
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["code"] == "header_timestamp_expired"

    stranger = KalshiSigner("no-such-key", signer.private_key)
    response = refused(mock, stranger.headers("GET", WS_PATH))
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["details"] == "NOT_FOUND"


# -- commands and replies --------------------------------------------------------------------------------------------


def test_subscribe_answers_once_per_channel_with_sids_from_1_per_connection(mock, signer):
    command = {"id": 1, "cmd": "subscribe", "params": {"channels": ["market_positions", "fill"]}}
    for _ in range(2):  # a new connection numbers from 1 again
        with ws_connect(mock, signer) as client:
            assert client.ask(command, 2) == [
                {"type": "subscribed", "id": 1, "msg": {"channel": "market_positions", "sid": 1}},
                {"type": "subscribed", "id": 1, "msg": {"channel": "fill", "sid": 2}},
            ]
            assert client.ask({"id": 2, "cmd": "subscribe", "params": {"channels": ["fill"]}}) == [
                {"type": "subscribed", "id": 2, "msg": {"channel": "fill", "sid": 3}}
            ]


def test_an_id_of_0_or_no_id_gives_replies_without_id(mock, signer):
    with ws_connect(mock, signer) as client:
        assert client.ask({"id": 0, "cmd": "subscribe", "params": {"channels": ["fill"]}}) == [
            {"type": "subscribed", "msg": {"channel": "fill", "sid": 1}}
        ]
        assert client.ask({"cmd": "list_subscriptions"}) == [{"type": "ok", "msg": [{"channel": "fill", "sid": 1}]}]
        assert client.ask({"cmd": "nope"}) == [err(5, "Unknown command")]


def test_list_subscriptions_lists_what_is_subscribed_in_sid_order(mock, signer):
    with ws_connect(mock, signer) as client:
        client.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}, 2)
        client.ask({"id": 2, "cmd": "subscribe", "params": {"channels": ["fill"], "market_ticker": "M-1"}})
        assert client.ask({"id": 3, "cmd": "list_subscriptions"}) == [
            {
                "type": "ok",
                "id": 3,
                "msg": [
                    {"channel": "fill", "sid": 1},
                    {"channel": "market_positions", "sid": 2},
                    {"channel": "fill", "sid": 3},
                ],
            }
        ]


def test_unsubscribe_answers_once_per_sid_and_an_unknown_sid_is_error_7(mock, signer):
    with ws_connect(mock, signer) as client:
        client.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}, 2)
        assert client.ask({"id": 2, "cmd": "unsubscribe", "params": {"sids": [2, 1, 9]}}, 3) == [
            {"type": "unsubscribed", "id": 2, "sid": 2, "seq": 1},
            {"type": "unsubscribed", "id": 2, "sid": 1, "seq": 1},
            err(7, "Unknown subscription ID", 2),
        ]
        assert client.ask({"id": 3, "cmd": "list_subscriptions"}) == [{"type": "ok", "id": 3, "msg": []}]
        mock.fill("alice", "M-1", "yes", "buy", "1", "0.50")
        client.quiet()
        assert client.ask({"id": 4, "cmd": "unsubscribe", "params": {"sids": [1]}}) == [
            err(7, "Unknown subscription ID", 4)
        ]


def test_update_subscription_adds_and_deletes_markets_of_a_fill_subscription(mock, signer):
    with ws_connect(mock, signer) as client:
        client.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_tickers": ["M-1"]}})
        add = {"id": 2, "cmd": "update_subscription", "params": {"sids": [1], "market_tickers": ["M-2", "M-3"]}}
        add["params"]["action"] = "add_markets"
        assert client.ask(add) == [
            {"type": "ok", "id": 2, "sid": 1, "seq": 1, "msg": {"market_tickers": ["M-1", "M-2", "M-3"]}}
        ]
        delete = {"id": 3, "cmd": "update_subscription", "params": {"sid": 1, "market_ticker": "M-1"}}
        delete["params"]["action"] = "delete_markets"
        assert client.ask(delete) == [
            {"type": "ok", "id": 3, "sid": 1, "seq": 2, "msg": {"market_tickers": ["M-2", "M-3"]}}
        ]
        for ticker in ("M-1", "M-2", "M-4", "M-3"):
            mock.fill("alice", ticker, "yes", "buy", "1", "0.50")
        assert [client.recv()["msg"]["market_ticker"] for _ in range(2)] == ["M-2", "M-3"]
        client.quiet()
        assert client.ask({"id": 4, "cmd": "unsubscribe", "params": {"sids": [1]}}) == [
            {"type": "unsubscribed", "id": 4, "sid": 1, "seq": 3}
        ]


def update(command_id: int, **params: Any) -> dict[str, Any]:
    return {"id": command_id, "cmd": "update_subscription", "params": params}


def test_update_subscription_errors(mock, signer):
    with ws_connect(mock, signer) as client:
        client.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["market_positions", "fill"]}}, 2)
        client.ask({"id": 2, "cmd": "subscribe", "params": {"channels": ["fill"], "market_ticker": "M-1"}})
        cases = [
            (update(10, sid=3, market_ticker="M-2"), 15, "Action required"),
            (update(11, action="add_markets", market_ticker="M-2"), 12, "Exactly one subscription ID is required"),
            (
                update(12, sids=[3, 2], action="add_markets", market_ticker="M"),
                12,
                "Exactly one subscription ID is required",
            ),
            (
                update(13, sid=3, sids=[3], action="add_markets", market_ticker="M"),
                12,
                "Exactly one subscription ID is required",
            ),
            (update(14, sid=99, action="add_markets", market_ticker="M-2"), 7, "Unknown subscription ID"),
            (update(15, sid=3, action="replace_markets", market_ticker="M-2"), 13, "Unsupported action"),
            (update(16, sid=3, action="get_snapshot", market_ticker="M-1"), 13, "Unsupported action"),
            (update(17, sid=1, action="add_markets", market_ticker="M-2"), 13, "Unsupported action"),
            (update(18, sid=3, action="add_markets"), 14, "Market Ticker required"),
            (update(19, sid=2, action="add_markets", market_ticker="M-2"), 11, "Invalid parameter"),
            (update(20, sid=3, action="add_markets", market_tickers=[]), 11, "Invalid parameter"),
            (update(21, sid=3, action="add_markets", market_ticker="M", market_tickers=["N"]), 11, "Invalid parameter"),
            (update(22, sid="3", action="add_markets", market_ticker="M-2"), 1, "Unable to process message"),
            (update(23, sid=3, action=["add_markets"], market_ticker="M-2"), 1, "Unable to process message"),
            (update(24, sid=3, action="add_markets", market_tickers="M-2"), 1, "Unable to process message"),
            ({"id": 25, "cmd": "update_subscription"}, 2, "Params required"),
        ]
        for command, code, text in cases:
            [reply] = client.ask(command)
            assert reply == err(code, text, command["id"]), command
        # nothing changed
        assert client.ask({"id": 30, "cmd": "list_subscriptions"})[0]["msg"] == [
            {"channel": "market_positions", "sid": 1},
            {"channel": "fill", "sid": 2},
            {"channel": "fill", "sid": 3},
        ]


@pytest.mark.parametrize(
    ("command", "code", "text"),
    [
        ({"id": 1, "cmd": "subscribe"}, 2, "Params required"),
        ({"id": 1, "cmd": "subscribe", "params": None}, 2, "Params required"),
        ({"id": 1, "cmd": "subscribe", "params": []}, 1, "Unable to process message"),
        ({"id": 1, "cmd": "subscribe", "params": {}}, 3, "Channels required"),
        ({"id": 1, "cmd": "subscribe", "params": {"channels": []}}, 3, "Channels required"),
        ({"id": 1, "cmd": "subscribe", "params": {"channels": "fill"}}, 1, "Unable to process message"),
        ({"id": 1, "cmd": "subscribe", "params": {"channels": [1]}}, 1, "Unable to process message"),
        ({"id": 1, "cmd": "subscribe", "params": {"channels": ["fills"]}}, 8, "Unknown channel name"),
        ({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "pyth"]}}, 8, "Unknown channel name"),
        (
            {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "orderbook_delta"]}},
            14,
            "Market Ticker required",
        ),
        (
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["fill"], "market_ticker": "A", "market_tickers": ["B"]},
            },
            11,
            "Invalid parameter",
        ),
        (
            {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_tickers": []}},
            11,
            "Invalid parameter",
        ),
        ({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_ticker": ""}}, 11, "Invalid parameter"),
        ({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_ids": ["x"]}}, 11, "Invalid parameter"),
        (
            {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_ticker": 5}},
            1,
            "Unable to process message",
        ),
        ({"id": 1, "cmd": "unsubscribe"}, 2, "Params required"),
        ({"id": 1, "cmd": "unsubscribe", "params": {}}, 4, "Subscription IDs required"),
        ({"id": 1, "cmd": "unsubscribe", "params": {"sids": []}}, 4, "Subscription IDs required"),
        ({"id": 1, "cmd": "unsubscribe", "params": {"sids": ["1"]}}, 1, "Unable to process message"),
        ({"id": 1, "cmd": "unsubscribe", "params": {"sids": [True]}}, 1, "Unable to process message"),
        ({"id": 1, "cmd": "subscribes", "params": {"channels": ["fill"]}}, 5, "Unknown command"),
        ({"id": 1, "params": {"channels": ["fill"]}}, 5, "Unknown command"),
        ({"id": 1, "cmd": 7}, 1, "Unable to process message"),
    ],
)
def test_command_errors(mock, signer, command, code, text):
    with ws_connect(mock, signer) as client:
        message = client.ask(command)[0]
        assert message == err(code, text, 1)
        # the connection goes on, and nothing was subscribed by the failed command
        assert client.ask({"id": 2, "cmd": "list_subscriptions"}) == [{"type": "ok", "id": 2, "msg": []}]


def test_errors_carry_the_mocks_diagnosis_beside_kalshis_fields(mock, signer):
    # every channel of Kalshi's AsyncAPI is served; any other name is refused with a diagnosis naming them
    assert set(KALSHI_RULES.served) == set(KALSHI_RULES.known)
    with ws_connect(mock, signer) as client:
        client.send({"id": 2, "cmd": "subscribe", "params": {"channels": ["orderbook"]}})
        message = client.recv()
        assert set(message) == {"type", "id", "msg", "sending_ts_ms", "mockexchange_diagnosis"}
        assert "Kalshi has no such channel" in message["mockexchange_diagnosis"]
        assert "pyth_value" in message["mockexchange_diagnosis"]


@pytest.mark.parametrize(
    "raw",
    ["not json", "{", "[1, 2]", "42", '"subscribe"', "null", '{"id": "1", "cmd": "list_subscriptions"}', '{"id": -1}'],
)
def test_messages_that_are_not_commands_are_error_1_without_id(mock, signer, raw):
    with ws_connect(mock, signer) as client:
        assert client.ask(raw) == [err(1, "Unable to process message")]
        assert client.ask({"id": 2, "cmd": "list_subscriptions"}) == [{"type": "ok", "id": 2, "msg": []}]


def test_binary_frames_are_read_as_json_text(mock, signer):
    with ws_connect(mock, signer) as client:
        assert client.ask(b'{"id": 1, "cmd": "list_subscriptions"}') == [{"type": "ok", "id": 1, "msg": []}]
        assert client.ask(b"\xff\xfe") == [err(1, "Unable to process message")]


@pytest.mark.mockexchange(ws_max_message_bytes=1024)
def test_an_oversized_message_closes_that_connection_only(mock, signer):
    with ws_connect(mock, signer) as bystander, ws_connect(mock, signer) as client:
        bystander.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}})
        client.send({"id": 1, "cmd": "list_subscriptions", "pad": "x" * 2000})
        with pytest.raises(ConnectionClosed) as info:
            client.recv()
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009
        mock.fill("alice", "M-1", "yes", "buy", "1", "0.50")
        assert bystander.recv()["type"] == "fill"
    with ws_connect(mock, signer) as client:
        assert client.ask({"id": 1, "cmd": "list_subscriptions", "pad": "x" * 900})[0]["type"] == "ok"


# -- keep-alive -----------------------------------------------------------------------------------------------------


@pytest.mark.mockexchange(ws_ping_interval_s=0.1, ws_ping_timeout_s=5.0)
def test_the_mock_pings_with_payload_heartbeat(mock, signer):
    client = RawClient(mock, signer)
    try:
        pings = []
        while len(pings) < 3:
            event = client.next_event(5)
            assert isinstance(event, Frame)
            if event.opcode == Opcode.PING:
                pings.append(bytes(event.data))
                client.flush()  # the protocol queued the pong
        assert pings == [b"heartbeat"] * 3
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.mockexchange(ws_ping_interval_s=0.1, ws_ping_timeout_s=0.3)
def test_a_client_that_answers_pings_stays_and_one_that_does_not_is_closed(mock, signer):
    with ws_connect(mock, signer) as client:  # websockets answers pings by itself
        silent = RawClient(mock, signer)
        try:
            frames = []
            while True:
                event = silent.next_event(5)
                frames.append(event)
                if isinstance(event, Frame) and event.opcode == Opcode.CLOSE:
                    break
            assert Close.parse(frames[-1].data).code == 1011
            assert frames[0].opcode == Opcode.PING and frames[0].data == b"heartbeat"
        finally:
            silent.close()
        time.sleep(0.5)
        assert client.ask({"id": 1, "cmd": "list_subscriptions"}) == [{"type": "ok", "id": 1, "msg": []}]


def test_the_mock_answers_client_pings(mock, signer):
    with ws_connect(mock, signer) as client:
        assert client.ws.ping(b"are you there").wait(5)
        latency = client.ws.ping()
        assert latency.wait(5)
