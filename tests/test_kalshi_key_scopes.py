"""API key scopes enforced, over real HTTP: a key without the scope of an operation (the route table's) is refused 403
in Kalshi's shape before its parameters or body are read, and nothing changes; a child scope (`write::transfer`,
`read::portfolio_balance`, `write::fcm_risk`) grants exactly its group, without the parent; the websocket needs `read`;
and the broad `write` without `read` is refused by the venue's key routes (Go validator style), the admin API and
scenario files. The writes are taken from the route table, so a new one is covered as soon as it is served; the
operations of the table are asked of a mock of each wire profile (the legacy one serves the legacy order writes)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import plain_http
import pytest
from kalshi_accounts import client as signed_client
from kalshi_accounts import open_fcm_desk
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from mockexchange.auth.kalshi.keys import generate_private_key, public_key_pem
from mockexchange.server import MockServer
from mockexchange.state import snapshot
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi.table import OPERATIONS, Operation

WRITES = [op for op in OPERATIONS if op.write]
SIGNED = [op for op in OPERATIONS if not op.public]
NO_SCOPE = {"error": {"code": "forbidden", "message": "insufficient API key scope"}}
BOBS_RFQ = "7d1e0a52-3b4c-4e5f-8a9b-0c1d2e3f4a5b"  # an RFQ of bob's that alice quotes (seeded with its id)
# an RFQ batch of bob's that alice quotes, its one child; the child of alice's batch she accepts (seeded with its id)
BOBS_BATCH, BOBS_CHILD = "5a6b7c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d", "6b7c8d9e-2f3a-4b4c-8d5e-6f7a8b9c0d1e"
BOBS_OTHER_CHILD = "7c8d9e0f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
ALICES_CHILD, ALICES_OTHER_CHILD = "8d9e0f1a-4b5c-4d6e-9f7a-8b9c0d1e2f3a", "9e0f1a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
PUBLIC_PEM = public_key_pem(generate_private_key("ed25519").public_key())
COLLECTION = "KXMVEH-R"  # a multivariate collection of KXH-1's event, and its combo of that one leg
COMBO_LEG = {"market_ticker": "KXH-1", "event_ticker": "KXH", "side": "yes"}


ORDER = {"ticker": "KXH-1", "side": "bid", "count": "1", "price": "0.10", "time_in_force": "good_till_canceled",
         "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
LEGACY_ORDER = {"ticker": "KXH-1", "side": "yes", "action": "buy", "count": 1, "yes_price": 10}


def _in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


def _bodies() -> dict[str, Any]:
    """A body each write takes from a key of full access (new ids every time)."""
    return {
        "CreateOrderV2": ORDER,
        "BatchCreateOrdersV2": {"orders": [ORDER, {**ORDER, "price": "0.11"}]},
        "BatchCancelOrdersV2": {"orders": [{"order_id": str(uuid.uuid4())}]},  # answered in its place: none such
        "AmendOrderV2": {"ticker": "KXH-1", "side": "bid", "price": "0.12", "count": "2"},
        "DecreaseOrderV2": {"reduce_to": "0.50"},
        "CreateOrder": LEGACY_ORDER,
        "BatchCreateOrders": {"orders": [LEGACY_ORDER, {**LEGACY_ORDER, "yes_price": 11}]},
        "BatchCancelOrders": {"ids": [str(uuid.uuid4())]},  # answered in its place: none such
        "AmendOrder": {"ticker": "KXH-1", "side": "yes", "action": "buy", "yes_price": 12, "count": 2},
        "DecreaseOrder": {"reduce_to": 0},
        "CreateSubaccount": {},
        "ApplySubaccountTransfer": {"client_transfer_id": str(uuid.uuid4()), "from_subaccount": 0,
                                    "to_subaccount": 1, "amount_cents": 100},
        "UpdateSubaccountNetting": {"subaccount_number": 0, "enabled": False},
        "IntraExchangeInstanceTransfer": {"source": "event_contract", "destination": "margined", "amount": 100},
        "SetTargetBalanceAllocation": {"allocations": [{"exchange_index": 0, "percent": 100}]},
        "CreateApiKey": {"name": "uploaded", "public_key": PUBLIC_PEM},
        "GenerateApiKey": {"name": "generated", "key_type": "ed25519"},
        "CreateFCMSubtrader": {"subtrader_suffix": uuid.uuid4().hex[:8]},
        "UpdateFCMEventContractDailyCap": {"subtrader_id": "fcm_A", "limit": "100"},
        "UpdateFCMSubtraderBlockedCategories": {"subtrader_id": "fcm_A", "category": "Sports", "blocked": True},
        "CreateFCMPositionTransfer": {"source_subtrader_id": "fcm_A", "target_subtrader_id": "err_E",
                                      "market_ticker": "KXH-1", "position_centicount": 100, "price_centicents": 5000},
        "CreateOrderGroup": {"contracts_limit": 5},
        "UpdateOrderGroupLimit": {"contracts_limit_fp": "7"},
        "ProposeBlockTrade": {"buyer_user_id": "alice", "seller_user_id": "fcm", "market_ticker": "KXH-1",
                              "price_centi_cents": 4000, "centicount": 100, "maker_side": "yes",
                              "expiration_ts": _in_an_hour()},
        "CreateRFQ": {"market_ticker": "KXH-1", "contracts": 1, "rest_remainder": False, "replace_existing": True},
        "CreateQuote": {"rfq_id": BOBS_RFQ, "yes_bid": "0.40", "no_bid": "0.50", "rest_remainder": False},
        "AcceptRFQQuote": {"accepted_side": "yes"},
        "AcceptQuote": {"accepted_side": "yes"},
        "CreateRFQBatch": {"children": [{"market_ticker": "KXH-1"}, {"market_ticker": "KXH-2"}], "contracts_fp": "1",
                           "replace_existing": True},
        "CreateRFQBatchQuote": {"quotes": [{"rfq_id": child, "yes_bid": "0.40", "no_bid": "0.50"}
                                           for child in (BOBS_CHILD, BOBS_OTHER_CHILD)], "rest_remainder": False},
        "AcceptRFQBatch": {"accepted_side": "yes", "min_bids": [{"rfq_id": child, "bid_dollars": "0.40"}
                                                                for child in (ALICES_CHILD, ALICES_OTHER_CHILD)]},
        "CreateMarketInMultivariateEventCollection": {"selected_markets": [COMBO_LEG]},
        "LookupTickersForMarketInMultivariateEventCollection": {"selected_markets": [COMBO_LEG]},
    }  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer() as mock:
        yield mock


@pytest.fixture(scope="module")
def legacy_server() -> Iterator[MockServer]:
    with MockServer(profile="legacy") as mock:
        yield mock


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    return _seeded(server)


@pytest.fixture(params=["3.34", "legacy"])
def each_mock(request: pytest.FixtureRequest) -> MockServer:
    """`mock`, in each wire profile in turn."""
    return _seeded(request.getfixturevalue("server" if request.param == "3.34" else "legacy_server"))


def served(mock: MockServer, ops: list[Operation]) -> list[Operation]:
    """The operations the mock's wire profile serves."""
    return [op for op in ops if op.served_in(mock.app.settings.profile)]


def _seeded(server: MockServer) -> MockServer:
    """alice, with a subaccount, a fill (the usage-level upgrade asks for one) and the Premier level (uploads a key);
    an FCM member `fcm` with a subtrader holding a position and a daily cap, and an error account; bob with an RFQ and
    an RFQ batch; a multivariate collection, and its combo of the one leg KXH-1."""
    server.reset()
    server.create_account("alice", balance_cents=100_000)
    server.create_subaccount("alice")
    server.fill("alice", "KXH-1", "yes", "buy", "1", "0.50")
    server.grant_api_usage_level("alice", "premier")
    open_fcm_desk(server)
    server.set_fcm_daily_cap("fcm", "fcm_A", "50")
    server.create_account("bob", balance_cents=100_000)
    server.create_account("carol", balance_cents=100_000)  # (asks the batches alice quotes: bob's stays open)
    server.create_rfq("bob", "KXH-1", False, contracts="1", rfq_id=BOBS_RFQ)
    server.create_market("KXH-2")
    children = [
        {"market_ticker": "KXH-1", "rfq_id": BOBS_CHILD},
        {"market_ticker": "KXH-2", "rfq_id": BOBS_OTHER_CHILD},
    ]
    server.create_rfq_batch("bob", children, contracts="1", rfq_batch_id=BOBS_BATCH)
    server.set_multivariate_collection(COLLECTION, [{"ticker": "KXH"}], size_min=1)
    server.create_market_in_collection("alice", COLLECTION, [COMBO_LEG])  # (the legacy profile looks it up)
    return server


def client(mock: MockServer, user_id: str, scopes: list[str] | None) -> httpx.Client:
    return signed_client(mock, user_id, key_type="ed25519", scopes=scopes)


@contextmanager
def owners_clients(mock: MockServer, scopes: list[str] | None) -> Iterator[dict[str, httpx.Client]]:
    """A client of a key of `scopes` for each owner of an operation (alice, fcm), closed at the end."""
    made = {user: client(mock, user, scopes) for user in ("alice", "fcm")}
    try:
        yield made
    finally:
        for each in made.values():
            each.close()


def owner(op: Operation) -> str:
    """The user whose key asks for the operation: the FCM member for its desk, alice for the rest."""
    return "fcm" if op.member else "alice"


def path_of(mock: MockServer, op: Operation) -> str:
    """The operation's path, a record it names filled in (a key of the owner's, made now, for DeleteApiKey)."""
    path = op.path.replace("{transfer_id}", "no-such-transfer").replace("{collection_ticker}", COLLECTION)
    if "{order_id}" in path:  # a resting order of alice's
        path = path.replace("{order_id}", mock.create_order("alice", "KXH-1", "yes", "buy", "1", "0.10")["order_id"])
    if "{order_group_id}" in path:  # a group of alice's
        path = path.replace("{order_group_id}", mock.create_order_group("alice", contracts_limit=5)["order_group_id"])
    if "{block_trade_proposal_id}" in path:  # a proposal of fcm's, alice the other side
        proposal = mock.propose_block_trade("fcm", "alice", "fcm", "KXH-1", 4000, 100, "yes", _in_an_hour())
        path = path.replace("{block_trade_proposal_id}", proposal["block_trade_proposal_id"])
    if "{rfq_batch_id}" in path:
        path = _batch_path(mock, op, path)
    if "{quote_id}" in path:
        path = _quote_path(mock, op, path)
    elif "{rfq_id}" in path:  # an RFQ of alice's
        rfq = mock.create_rfq("alice", "KXH-1", False, contracts="1", replace_existing=True)
        path = path.replace("{rfq_id}", rfq["rfq_id"])
    if "{api_key}" in path:
        path = path.replace("{api_key}", mock.create_key(owner(op), key_type="ed25519")["key_id"])
    return path


def _quote_path(mock: MockServer, op: Operation, path: str) -> str:
    """A quote the operation may act on as alice, on a market of its own: bob's on her RFQ to accept; else hers on
    bob's RFQ, accepted by bob to confirm."""
    ticker = mock.create_market(f"KXQ-{uuid.uuid4().hex[:8].upper()}")["ticker"]
    if "Accept" in op.operation_id:
        rfq_id = mock.create_rfq("alice", ticker, False, contracts="1")["rfq_id"]
        made = mock.create_quote("bob", rfq_id, "0.40", "0.50", False)
    else:
        rfq_id = mock.create_rfq("bob", ticker, False, contracts="1")["rfq_id"]
        made = mock.create_quote("alice", rfq_id, "0.40", "0.50", False)
        if "Confirm" in op.operation_id:
            mock.accept_quote("bob", made["quote_id"], "yes")
    return path.replace("{rfq_id}", rfq_id).replace("{quote_id}", made["quote_id"])


def _batch_path(mock: MockServer, op: Operation, path: str) -> str:
    """A batch the operation may act on as alice: bob's to quote; carol's quoted by her (accepted, to confirm) for her
    batch quote; else hers (quoted by bob, to accept, its children seeded)."""
    if op.operation_id == "CreateRFQBatchQuote":
        return path.replace("{rfq_batch_id}", BOBS_BATCH)
    tickers = [mock.create_market(f"KXB-{uuid.uuid4().hex[:8].upper()}")["ticker"] for _ in range(2)]
    if "{batch_quote_id}" in path:
        batch = mock.create_rfq_batch("carol", [{"market_ticker": ticker} for ticker in tickers], contracts="1",
                                      replace_existing=True)  # (two open batches a user at most)  # fmt: skip
        children = [child["rfq_id"] for child in batch["rfqs"]]
        bids = [{"rfq_id": child, "yes_bid": "0.40", "no_bid": "0.50"} for child in children]
        made = mock.create_batch_quote("alice", batch["rfq_batch_id"], bids, False)
        if "Confirm" in op.operation_id:
            least = [{"rfq_id": child, "bid": "0.40"} for child in children]
            mock.accept_rfq_batch("carol", batch["rfq_batch_id"], "yes", least)
        return path.replace("{rfq_batch_id}", batch["rfq_batch_id"]).replace("{batch_quote_id}", made["batch_quote_id"])
    ids = (ALICES_CHILD, ALICES_OTHER_CHILD) if op.operation_id == "AcceptRFQBatch" else (None, None)
    asked = [{"market_ticker": ticker, "rfq_id": child} for ticker, child in zip(tickers, ids, strict=True)]
    batch = mock.create_rfq_batch("alice", asked, contracts="1", replace_existing=True)
    bids = [{"rfq_id": child["rfq_id"], "yes_bid": "0.40", "no_bid": "0.50"} for child in batch["rfqs"]]
    mock.create_batch_quote("bob", batch["rfq_batch_id"], bids, False)
    return path.replace("{rfq_batch_id}", batch["rfq_batch_id"])


# The query a read requires, where it requires one
QUERIES = {
    "GetEventForecastPercentilesHistory": {"percentiles": 5000, "start_ts": 0, "end_ts": 1, "period_interval": 1},
}


def call(c: httpx.Client, op: Operation, path: str, content: bytes | None = None) -> httpx.Response:
    """The operation asked for as a key of full access could ask for it (`content`: another body, sent as it is)."""
    params = {"subtrader_id": "fcm_A"} if op.path.startswith("/fcm/") else QUERIES.get(op.operation_id)
    if content is None and op.body is not None:
        content = json.dumps(_bodies().get(op.operation_id, {})).encode()
    headers = {"Content-Type": "application/json"} if content is not None else None
    return c.request(op.method, path, params=params, content=content, headers=headers)


def state(mock: MockServer) -> bytes:
    """The whole state (ledger, keys, the FCM desk, grants), as a state file's snapshot holds it."""
    return snapshot.take(mock.app.control)


def test_a_key_of_full_access_may_make_every_write(each_mock):
    mock = each_mock
    with owners_clients(mock, None) as writers:
        for op in served(mock, WRITES):
            answer = call(writers[owner(op)], op, path_of(mock, op))
            assert answer.status_code in (200, 201, 204), (op.operation_id, answer.text)


def test_a_read_only_keys_every_write_is_refused_before_its_body_and_changes_nothing(each_mock):
    mock = each_mock
    with owners_clients(mock, ["read"]) as readers:
        for op in served(mock, WRITES):
            path = path_of(mock, op)
            before = state(mock)
            for content in (None, b"{"):  # a body it would take, and one that is no JSON: never read
                answer = call(readers[owner(op)], op, path, content)
                assert (answer.status_code, answer.json()) == (403, NO_SCOPE), (op.operation_id, answer.text)
                needs = " or ".join(op.scopes)
                assert f"{op.operation_id} needs {needs}" in answer.headers["x-mockexchange-diagnosis"]
            assert state(mock) == before, op.operation_id


def test_read_grants_every_read(mock):
    with owners_clients(mock, ["read"]) as readers:
        for op in SIGNED:
            if not op.write:
                answer = call(readers[owner(op)], op, path_of(mock, op))
                assert answer.status_code in (200, 404), (op.operation_id, answer.text)  # 404: no such transfer


@pytest.mark.parametrize(
    ("scope", "user"),
    [("write::transfer", "alice"), ("read::portfolio_balance", "alice"), ("write::fcm_risk", "fcm"),
     ("read::block_trade_accept", "alice"), ("write::block_trade_accept", "alice")],
)  # fmt: skip
def test_a_child_scope_grants_exactly_its_group(each_mock, scope, user):
    mock = each_mock
    granted = [op.operation_id for op in served(mock, SIGNED) if scope in op.scopes]
    assert granted, f"no operation is granted by {scope}"
    with client(mock, user, [scope]) as child:
        for op in served(mock, SIGNED):
            answer = call(child, op, path_of(mock, op))
            if scope in op.scopes:
                assert answer.status_code in (200, 201, 204), (op.operation_id, answer.text)
            else:
                assert (answer.status_code, answer.json()) == (403, NO_SCOPE), (op.operation_id, answer.text)
        # refused before its parameters are read too: a bad `limit` is not what it is told
        assert child.get("/portfolio/positions", params={"limit": "x"}).json() == NO_SCOPE


def test_the_websocket_needs_read(mock):
    made = mock.create_key("alice", key_type="ed25519", scopes=["write::transfer", "read::portfolio_balance"])
    signer = KalshiSigner.from_pem(made["key_id"], made["private_key_pem"])
    with pytest.raises(InvalidStatus) as refused:
        connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", "/trade-api/ws/v2"), open_timeout=5)
    response = refused.value.response
    assert response.status_code == 403 and json.loads(response.body) == NO_SCOPE
    assert "the websocket needs read" in response.headers["x-mockexchange-diagnosis"]
    reader = mock.create_key("alice", key_type="ed25519", scopes=["read"])
    signer = KalshiSigner.from_pem(reader["key_id"], reader["private_key_pem"])
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", "/trade-api/ws/v2"), open_timeout=5):
        pass


@pytest.mark.parametrize("path", ["/api_keys", "/api_keys/generate"])
@pytest.mark.parametrize("scopes", [["write"], ["write", "write::transfer"], ["read::portfolio_balance", "write"]])
def test_the_venue_refuses_write_without_read_naming_the_field(mock, path, scopes):
    struct = "CreateApiKeyRequest" if path == "/api_keys" else "GenerateApiKeyRequest"
    body = {"name": "x", "scopes": scopes, **({"public_key": PUBLIC_PEM} if path == "/api_keys" else {})}
    with client(mock, "alice", None) as alice:
        before = state(mock)
        answer = alice.post(path, json=body)
    assert answer.status_code == 400
    details = f"Key: '{struct}.Scopes' Error:Field validation for 'Scopes' failed on the 'write_requires_read' tag"
    assert answer.json() == {"code": "bad_request", "message": "bad request", "details": details}
    assert state(mock) == before


def test_a_child_scope_alone_is_a_key_of_its_own(mock):
    with client(mock, "alice", None) as alice:
        made = alice.post("/api_keys/generate", json={"name": "mover", "scopes": ["write::transfer"]})
    assert made.status_code == 201, made.text
    assert mock.keys.get(made.json()["api_key_id"]).scopes == ("write::transfer",)


def test_the_admin_api_and_a_scenario_refuse_write_without_read(mock):
    before = state(mock)
    admin = plain_http.post(f"{mock.base_url}/_admin/keys", json={"user_id": "alice", "scopes": ["write"]})
    assert admin.status_code == 400 and admin.json()["error"].startswith("scopes: ")
    document = {"users": [{"user_id": "carol", "keys": [{"key_id": "carol-key", "scopes": ["write"]}]}]}
    scenario = plain_http.post(f"{mock.base_url}/_admin/scenario", json={"document": document, "reset": False})
    assert scenario.status_code == 400
    assert "users[0].keys[0].scopes" in scenario.text and "`write` scope must include `read`" in scenario.text
    assert state(mock) == before
