"""The admin API over HTTP: every operation, and every bad input answered with a clear 4xx, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import httpx
import plain_http
import pytest
from module_mocks import plugin_mocks

from mockexchange import __version__
from mockexchange.app import build_app
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

# The plugin's `mockexchange` on one mock for the module, reset before each test.
mockexchange_server, mockexchange, kalshi_user = plugin_mocks()


def admin(mock, op, body=None, raw=None):
    if raw is not None:
        headers = {"Content-Type": "application/json"}  # the body is what is malformed, not its declared type
        return plain_http.post(f"{mock.base_url}/_admin/{op}", content=raw, headers=headers, timeout=10)
    return plain_http.post(f"{mock.base_url}/_admin/{op}", json=body if body is not None else {}, timeout=10)


def test_a_client_can_be_set_up_entirely_over_http(mockexchange):
    assert admin(mockexchange, "accounts", {"user_id": "alice", "balance_cents": 50_000}).json() == {
        "user_id": "alice", "balance_cents": 50_000, "fcm_member": False, "subtrader_of": None,
    }  # fmt: skip
    key = admin(mockexchange, "keys", {"user_id": "alice"}).json()
    assert set(key) == {"key_id", "user_id", "key_type", "private_key_pem"}
    fill = admin(
        mockexchange,
        "fills",
        {
            "user_id": "alice",
            "ticker": "KXFED-26DEC-T4.00",
            "side": "yes",
            "action": "buy",
            "count": "10",
            "price": "0.56",
        },
    ).json()
    assert fill["event_ticker"] == "KXFED-26DEC" and fill["post_position"] == "10" and fill["fee"] == "0.1725"
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    path = "/trade-api/v2/portfolio/positions"
    [row] = plain_http.get(mockexchange.base_url + path, headers=signer.headers("GET", path)).json()["market_positions"]
    assert row["position_fp"] == "10.00" and row["market_exposure_dollars"] == "5.600000"
    assert mockexchange.ledger.state.accounts["alice"].balance(0) == Decimal("500") - Decimal("5.6") - Decimal("0.1725")


def test_a_batch_of_fills_seeds_over_http_all_or_nothing(mockexchange):
    admin(mockexchange, "accounts", {"user_id": "alice", "balance_cents": 100_000})
    fill = {"user_id": "alice", "side": "yes", "action": "buy", "count": "10", "price": "0.40"}
    batch = [{**fill, "ticker": f"KXBATCH-26-T{i}"} for i in range(3)]
    made = admin(mockexchange, "fills/batch", {"fills": batch}).json()
    assert made["count"] == 3 and len(set(made["fill_ids"])) == 3
    assert [f.fill_id for f in mockexchange.ledger.state.fills] == made["fill_ids"]
    # one bad entry refuses the whole batch, naming it; nothing is made
    bad = [{**fill, "ticker": "KXBATCH-26-T9"}, {**fill, "ticker": "KXBATCH-26-T9", "count": "x"}]
    refused = admin(mockexchange, "fills/batch", {"fills": bad})
    assert refused.status_code == 400 and refused.json()["error"].startswith("fills[1]")
    assert len(mockexchange.ledger.state.fills) == 3
    for body in ({"fills": "many"}, {"fills": [1]}, {"fills": [{**fill, "colour": "red"}]}, {}):
        assert admin(mockexchange, "fills/batch", body).status_code == 400, body
    assert len(mockexchange.ledger.state.fills) == 3


def test_fill_options(mockexchange):
    admin(mockexchange, "accounts", {"user_id": "a"})
    admin(mockexchange, "markets", {"ticker": "M-1", "event_ticker": "EVX", "exchange_index": 2})
    fill = admin(
        mockexchange,
        "fills",
        {"user_id": "a", "ticker": "M-1", "side": "no", "action": "buy", "count": "1.5", "price": "0.2",
         "subaccount": 4, "is_taker": False, "fee": "0.01", "order_id": "o-1"},
    ).json()  # fmt: skip
    assert (fill["subaccount"], fill["fee"], fill["order_id"], fill["event_ticker"]) == (4, "0.01", "o-1", "EVX")
    row = mockexchange.ledger.state.positions.get("a", 4, "M-1")
    assert row.exchange_index == 2 and str(row.position) == "-1.50"  # the places `position_fp` shows


def test_keys_bound_to_subaccounts_and_subtraders(mockexchange):
    admin(mockexchange, "accounts", {"user_id": "fcm", "fcm_member": True})
    admin(mockexchange, "accounts", {"user_id": "sub", "subtrader_of": "fcm"})
    assert admin(mockexchange, "keys", {"user_id": "fcm", "subtrader_id": "sub"}).status_code == 200
    assert admin(mockexchange, "keys", {"user_id": "sub", "subaccount": 3}).status_code == 200
    r = admin(mockexchange, "keys", {"user_id": "fcm", "subtrader_id": "stranger"})
    assert r.status_code == 400 and "not a subtrader" in r.json()["error"]


def test_reset_forgets_everything(mockexchange):
    admin(mockexchange, "accounts", {"user_id": "a"})
    key = admin(mockexchange, "keys", {"user_id": "a"}).json()
    admin(
        mockexchange,
        "fills",
        {"user_id": "a", "ticker": "E-M", "side": "yes", "action": "buy", "count": "1", "price": "0.5"},
    )
    assert admin(mockexchange, "reset").json() == {"ok": True}
    assert mockexchange.ledger.state.accounts == {} and len(mockexchange.ledger.state.positions) == 0
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    path = "/trade-api/v2/portfolio/positions"
    assert (
        plain_http.get(mockexchange.base_url + path, headers=signer.headers("GET", path)).json()["error"]["details"]
        == "NOT_FOUND"
    )
    assert admin(mockexchange, "accounts", {"user_id": "a"}).status_code == 200


def test_settle(mockexchange):
    admin(mockexchange, "accounts", {"user_id": "a"})
    admin(
        mockexchange,
        "fills",
        {"user_id": "a", "ticker": "E-M", "side": "yes", "action": "buy", "count": "2", "price": "0.5"},
    )
    assert admin(mockexchange, "settlements", {"ticker": "E-M", "result": "yes"}).json()["result"] == "yes"
    assert admin(mockexchange, "settlements", {"ticker": "E-M", "result": "yes"}).status_code == 409
    assert admin(mockexchange, "settlements", {"ticker": "NOPE", "result": "yes"}).status_code == 404


FILL = {"user_id": "a", "ticker": "E-M", "side": "yes", "action": "buy", "count": "1", "price": "0.5"}


@pytest.mark.parametrize(
    "op,body,status,says",
    [
        ("accounts", {}, 400, "missing field(s): user_id"),
        ("accounts", {"user_id": "a", "colour": "red"}, 400, "unknown field(s): colour"),
        ("accounts", {"user_id": ""}, 400, "user_id"),
        ("accounts", {"user_id": 5}, 400, "user_id"),
        ("accounts", {"user_id": "x", "balance_cents": "100"}, 400, "balance_cents must be an integer"),
        ("accounts", {"user_id": "x", "balance_cents": 1.5}, 400, "balance_cents must be an integer"),
        ("accounts", {"user_id": "x", "fcm_member": "yes"}, 400, "fcm_member must be true or false"),
        ("accounts", {"user_id": "a"}, 409, "already exists"),
        ("accounts", {"user_id": "x", "subtrader_of": "a"}, 400, "not an FCM member"),
        ("keys", {"user_id": "ghost"}, 404, "unknown user_id"),
        (
            "keys",
            {"user_id": "a", "public_key_pem": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"},
            400,
            "public_key_pem is not an RSA or Ed25519 public key in PEM (its PUBLIC KEY block does not decode: "
            "damaged, or cut short)",
        ),
        (
            "keys",
            {"user_id": "a", "public_key_pem": "garbage"},
            400,
            "public_key_pem is not an RSA or Ed25519 public key in PEM (no '-----BEGIN PUBLIC KEY-----' line: "
            "the text is not PEM)",
        ),
        (
            "keys",
            {"user_id": "a", "public_key_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"},
            400,
            "public_key_pem is not an RSA or Ed25519 public key in PEM (it holds a CERTIFICATE)",
        ),
        ("keys", {"user_id": "a", "subaccount": 64}, 400, "subaccount"),
        ("keys", {"user_id": "a", "key_type": "dsa"}, 400, "key_type"),
        ("keys", {"user_id": "a", "subtrader_id": "b"}, 400, "FCM member"),
        ("fills", {**FILL, "user_id": "ghost"}, 404, "unknown user_id"),
        ("fills", {**FILL, "price": 0.5}, 400, "not float"),
        ("fills", {**FILL, "price": "1.00"}, 400, "between 0 and 1"),
        ("fills", {**FILL, "price": "0.12345"}, 400, "more than 4 decimal places"),
        ("fills", {**FILL, "price": "abc"}, 400, "not a decimal number"),
        ("fills", {**FILL, "count": "0"}, 400, "count must be positive"),
        ("fills", {**FILL, "count": "1.001"}, 400, "more than 2 decimal places"),
        ("fills", {**FILL, "count": "NaN"}, 400, "finite"),
        ("fills", {**FILL, "side": "maybe"}, 400, "side must be"),
        ("fills", {**FILL, "action": "hold"}, 400, "action must be"),
        ("fills", {**FILL, "subaccount": 64}, 400, "subaccount"),
        ("fills", {**FILL, "subaccount": True}, 400, "subaccount"),
        ("fills", {**FILL, "fee": "-0.01"}, 400, "fee must not be negative"),
        ("fills", {**FILL, "is_taker": 1}, 400, "is_taker"),
        ("markets", {"ticker": "E-M", "exchange_index": -1}, 400, "exchange_index"),
        ("settlements", {"ticker": "E-M", "result": "maybe"}, 400, "result must be"),
    ],
)
def test_bad_admin_input(mockexchange, op, body, status, says):
    admin(mockexchange, "accounts", {"user_id": "a"})
    r = admin(mockexchange, op, body)
    assert r.status_code == status, r.text
    assert says in r.json()["error"]
    assert len(mockexchange.ledger.state.fills) == 0


@pytest.mark.parametrize("raw", [b"{", b"[1,2]", b'"text"', b"\xff\xfe"])
def test_malformed_bodies(mockexchange, raw):
    r = admin(mockexchange, "accounts", raw=raw)
    assert r.status_code == 400 and "error" in r.json()


def test_oversized_bodies_are_refused(mockexchange):
    r = admin(mockexchange, "accounts", raw=b"{" + b" " * (2 << 20) + b"}")
    assert r.status_code == 413


def test_operations_are_not_gets(mockexchange):
    # An operation answers POST only; `GET /_admin/accounts` is a read of its own (the inspector's, docs/admin-api.md).
    for operation in ("fills", "keys", "reset", "scenario/step"):
        assert plain_http.get(f"{mockexchange.base_url}/_admin/{operation}").status_code == 405, operation


@pytest.fixture(scope="module")
def admin_off() -> Iterator[MockServer]:
    with MockServer(admin=False) as mock:
        yield mock


def test_admin_can_be_switched_off(admin_off):
    assert admin(admin_off, "accounts", {"user_id": "a"}).status_code == 404


def test_health_says_ok_and_the_version(mockexchange):
    r = plain_http.get(f"{mockexchange.base_url}/_admin/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "version": __version__}
    assert plain_http.head(f"{mockexchange.base_url}/_admin/health").status_code == 200
    assert plain_http.post(f"{mockexchange.base_url}/_admin/health").status_code == 405
    assert mockexchange.requests() == [], "health checks are not journaled"


def test_health_answers_clients_outside_loopback_and_the_operations_do_not():
    # A container's health check and testcontainers' wait strategies ask from outside loopback. A test server binds
    # 127.0.0.1 only, so the remote client is the ASGI scope's.
    async def ask() -> list[httpx.Response]:
        remote = httpx.ASGITransport(app=build_app().asgi, client=("172.17.0.1", 40000))
        async with httpx.AsyncClient(transport=remote, base_url="http://mock") as client:
            return [
                await client.get("/_admin/health"),
                await client.post("/_admin/accounts", json={"user_id": "a"}),
                await client.get("/_admin/requests"),
            ]

    health, operation, journal = asyncio.run(ask())
    assert health.status_code == 200 and health.json() == {"status": "ok", "version": __version__}
    assert operation.status_code == 403 and journal.status_code == 403


def test_health_goes_with_the_admin_api(admin_off):
    assert plain_http.get(f"{admin_off.base_url}/_admin/health").status_code == 404


@pytest.mark.slow
def test_every_admin_json_answer_ends_with_a_newline_and_the_venues_do_not(mockexchange):
    # Shell users curl the admin API one call after another: each answer must end its line. The venues' wire bodies
    # stay as the venues send them.
    base = mockexchange.base_url
    mockexchange.create_account("nl")
    paths = plain_http.get(f"{base}/_admin/openapi.json", timeout=10).json()["paths"]
    reads = [path for path, ops in paths.items() if "get" in ops and "{" not in path and path != "/_admin/events"]
    answers = [plain_http.get(base + path, timeout=10) for path in reads]
    answers += [
        admin(mockexchange, "keys", {"user_id": "nl"}),  # 200
        admin(mockexchange, "keys", {"user_id": "nl", "public_key_pem": "garbage"}),  # 400
        plain_http.post(f"{base}/_admin/accounts", content=b"{}", timeout=10),  # 415, the access rules
        plain_http.get(f"{base}/_admin/accounts/ghost", timeout=10),  # 404 of a read
        plain_http.get(f"{base}/_admin/events", timeout=10),  # 406: not an event-stream client
        plain_http.get(f"{base}/_admin/no-such-thing", timeout=10),  # 404 of the app
        plain_http.get(f"{base}/_admin/fills", timeout=10),  # 405 of the app
        plain_http.get(f"{base}/_inspector/no-such-asset.js", timeout=10),  # 404 of the inspector
    ]
    assert len(reads) >= 9
    for r in answers:
        assert r.headers["content-type"] == "application/json", r.url
        assert r.content.endswith(b"\n") and r.content.count(b"\n") == 1, (r.url, r.content[-80:])
        assert int(r.headers["content-length"]) == len(r.content)
        r.json()
    assert [r.status_code for r in answers[len(reads) :]] == [200, 400, 415, 404, 406, 404, 405, 404]
    for venue in ("/trade-api/v2/portfolio/balance", "/trade-api/v2/no-such-thing", "/api/v2/public/test"):
        assert not plain_http.get(base + venue, timeout=10).content.endswith(b"\n"), venue


def test_an_operation_answering_a_list_is_documented_as_an_array(mockexchange):
    """The document's 200 schema is what the operation answers: an array where it answers a list (a long fuzzing run
    found cancel_all's `[]` against a schema of an object), an object elsewhere."""
    paths = plain_http.get(f"{mockexchange.base_url}/_admin/openapi.json", timeout=10).json()["paths"]

    def answered(path: str) -> dict:
        return paths[path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]

    lists = ("deribit/orders/cancel_all", "deribit/positions/move", "deribit/mmp_config", "rfq_batches/accept")
    assert all(answered(f"/_admin/{path}")["type"] == "array" for path in lists)
    made = admin(mockexchange, "deribit/accounts", {"user_id": "b", "balances": {"BTC": "1"}})
    cancelled = admin(mockexchange, "deribit/orders/cancel_all", {"user_id": "b", "label": None})
    assert made.status_code == cancelled.status_code == 200 and cancelled.json() == []
    assert answered("/_admin/deribit/orders/cancel_all")["items"] == {"type": "object", "additionalProperties": {}}
    assert isinstance(made.json(), dict) and answered("/_admin/deribit/accounts") == {"type": "object"}


@pytest.mark.parametrize(
    ("method", "path", "status", "error"),
    [
        ("GET", "/_admin/nonexistent", 404, "the mock does not serve GET /_admin/nonexistent"),
        ("GET", "/_admin/accounts/a%0Ab", 404, "the mock does not serve GET /_admin/accounts/a\nb"),
        # Starlette's match would drop the trailing newline and show alice: the path names no account
        ("GET", "/_admin/accounts/alice%0A", 404, "no account is named by the path '/_admin/accounts/alice\\n'"),
        ("GET", "/_admin/markets/KXFED-26DEC-T4.00%0A", 404,
         "no market is named by the path '/_admin/markets/KXFED-26DEC-T4.00\\n'"),
        ("DELETE", "/_admin/health", 405, "DELETE is not allowed on /_admin/health (allowed: GET, HEAD)"),
    ],
)  # fmt: skip
def test_an_admin_path_it_does_not_serve_is_answered_in_the_admin_apis_shape(mockexchange, method, path, status, error):
    admin(mockexchange, "accounts", {"user_id": "alice"})
    admin(mockexchange, "fills", {"user_id": "alice", "ticker": "KXFED-26DEC-T4.00", "side": "yes", "action": "buy",
                                  "count": "1", "price": "0.5"})  # fmt: skip
    answer = plain_http.request(method, mockexchange.base_url + path, timeout=10)
    assert (answer.status_code, answer.json()) == (status, {"error": error}), answer.text
    assert answer.text.endswith("}\n")  # one line, as every admin answer
    assert plain_http.get(mockexchange.base_url + "/_admin/accounts/alice", timeout=10).json()["user_id"] == "alice"
