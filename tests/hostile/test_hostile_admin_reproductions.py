"""The admin calls that once answered a plain-text 500 or poisoned the state, over real HTTP, on both Kalshi profiles:
each is now a 400 JSON `{"error": ...}` naming the field (and, for a number, the range it accepts), and every read of
every account still answers 200 with reconciled cash afterwards. The same bounds hold in scenario files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hostile_probe import START, Probe

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

FILL = {"user_id": "k1", "ticker": "EV-A", "side": "yes", "action": "buy", "count": "10", "price": "0.56"}
ORDER = {**FILL, "ticker": "EV-B", "price": "0.4"}
DERIBIT_FILL = {"user_id": "d1", "instrument_name": "BTC-PERPETUAL", "direction": "buy", "amount": "10000",
                "price": "60000"}  # fmt: skip


@pytest.fixture(scope="module", params=["3.34", "legacy"])
def mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    with MockServer(profile=request.param, clock=ManualClock(START)) as server:
        yield server


@pytest.fixture(scope="module")
def read_before(mock: MockServer) -> list[bool]:
    """Whether every read was checked on the state before the cases yet: once a mock, for that state is the same
    before every case (each case still checks every read after it)."""
    return [False]


@pytest.fixture
def probe(mock: MockServer, read_before: list[bool]) -> Iterator[Probe]:
    """A reset mock with a little of everything: an FCM member and its subtrader, a fill, a resting order, a
    deposit; a Deribit account with a subaccount and a trade. Every read answers 200 on it (checked once a mock)."""
    probe = Probe(mock)
    probe.reset()
    for op, body in (
        ("accounts", {"user_id": "k1", "balance_cents": 100_000, "fcm_member": True}),
        ("accounts", {"user_id": "sub", "subtrader_of": "k1", "balance_cents": 5_000}),
        ("fills", FILL),
        ("fills", {**FILL, "user_id": "sub", "side": "no", "subaccount": 2}),
        ("orders", ORDER),
        ("deposits", {"user_id": "k1", "amount_cents": 2_500, "fee_cents": 30}),
        ("deribit/accounts", {"user_id": "d1", "balances": {"BTC": "10", "USDC": "1000"}}),
        ("deribit/subaccounts", {"user_id": "d1", "balances": {"ETH": "5"}}),
        ("deribit/fills", DERIBIT_FILL),
    ):
        assert probe.post(op, body).status_code == 200, (op, body)
    if not read_before[0]:
        probe.check_reads()
        read_before[0] = True
    yield probe
    probe.close()


# (operation, body, what the error must name): the wrong JSON types of the reproduction 3.
WRONG_TYPES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("accounts", {"user_id": ["alice"]}, ("user_id",)),
    ("keys", {"user_id": ["k1"]}, ("user_id",)),
    ("keys", {"user_id": "k1", "subtrader_id": ["sub"]}, ("subtrader_id",)),
    ("keys", {"user_id": "k1", "key_type": ["rsa"]}, ("key_type",)),
    ("fills", {**FILL, "user_id": ["k1"]}, ("user_id",)),
    ("fills", {**FILL, "ticker": 7}, ("ticker",)),
    ("fills", {**FILL, "is_taker": 1}, ("is_taker", "true or false")),
    ("orders", {**ORDER, "side": ["yes"]}, ("side",)),
    ("orders/cancel", {"order_id": ["o-1"]}, ("order_id",)),
    ("settlements", {"ticker": ["EV-A"], "result": "yes"}, ("ticker",)),
    ("markets", {"ticker": "EV-C", "exchange_index": "1"}, ("exchange_index",)),
    ("deposits", {"user_id": "k1", "amount_cents": 100, "status": ["applied"]}, ("status",)),
    ("withdrawals", {"user_id": "k1", "amount_cents": "100"}, ("amount_cents",)),
    ("clock", {"seconds": "10"}, ("seconds",)),
    ("clock", {"to": 1767225600}, ("to",)),
    ("deribit/accounts", {"user_id": ["d9"]}, ("user_id",)),
    ("deribit/accounts", {"user_id": "d9", "username": 5}, ("username",)),
    ("deribit/accounts", {"user_id": "d9", "balances": ["BTC"]}, ("balances",)),
    ("deribit/subaccounts", {"user_id": "d1", "subaccount_id": "7"}, ("subaccount_id",)),
    ("deribit/keys", {"user_id": "d1", "scope": 5}, ("scope",)),
    ("deribit/keys", {"user_id": "d1", "client_id": ["x"]}, ("client_id",)),
    ("deribit/instruments", {"instrument_name": 5}, ("instrument_name",)),
    ("deribit/fills", {**DERIBIT_FILL, "instrument_name": 5}, ("instrument_name",)),
    ("deribit/fills", {**DERIBIT_FILL, "direction": True}, ("direction",)),
    ("deribit/deposits", {"user_id": "d1", "currency": 5, "amount": "1"}, ("currency",)),
    ("deribit/index_prices", {"index_name": 5, "price": "1"}, ("index_name",)),
    ("deribit/mark_prices", {"instrument_name": 5, "price": "1"}, ("instrument_name",)),
    ("deribit/volatility", {"volatility": "0.5", "currency": 5}, ("currency",)),
    ("deribit/volatility", {"volatility": "0.5", "instrument_name": ["BTC-PERPETUAL"]}, ("instrument_name",)),
]

INT64_MAX = 2**63 - 1
# Out-of-range numbers (reproductions 3 and 4): each names the field and the bound it passed.
OUT_OF_RANGE: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("fills", {**FILL, "count": "1e30"}, ("count", "1000000000")),
    ("fills", {**FILL, "count": INT64_MAX}, ("count", "1000000000")),
    ("fills", {**FILL, "count": str(INT64_MAX)}, ("count", "1000000000")),
    ("fills", {**FILL, "count": "１２"}, ("count", "1000000000")),
    ("fills", {**FILL, "fee": "1e30"}, ("fee", "dollar a contract")),
    ("fills", {**FILL, "fee": INT64_MAX}, ("fee", "dollar a contract")),
    ("fills", {**FILL, "fee": str(INT64_MAX)}, ("fee", "dollar a contract")),
    ("fills", {**FILL, "fee": "10.000001"}, ("fee", "0 to 10 ")),
    ("fills", {**FILL, "price": "1e-999999"}, ("price", "0.9999")),
    ("orders", {**ORDER, "count": "1000000000.01"}, ("count", "1000000000")),
    ("accounts", {"user_id": "rich", "balance_cents": 2**64 - 1}, ("balance_cents", "100000000000000")),
    ("accounts", {"user_id": "poor", "balance_cents": -1}, ("balance_cents", "100000000000000")),
    ("deposits", {"user_id": "k1", "amount_cents": 2**64 - 1}, ("amount_cents", "100000000000000")),
    ("deposits", {"user_id": "k1", "amount_cents": 100, "fee_cents": INT64_MAX}, ("fee_cents", "100000000000000")),
    ("withdrawals", {"user_id": "k1", "amount_cents": 10**14 + 1}, ("amount_cents", "100000000000000")),
    ("markets", {"ticker": "EV-C", "exchange_index": 2**31}, ("exchange_index", "2147483647")),
    ("keys", {"user_id": "k1", "subaccount": 64}, ("subaccount", "63")),
    ("clock", {"seconds": 10**9}, ("seconds", "1000000000")),
    ("clock", {"to": "9999-06-01T00:00:00Z"}, ("to", "9999-01-01")),
    ("deribit/accounts", {"user_id": "d9", "balances": {"BTC": "1e999999"}}, ("balances.BTC", "1000000000000")),
    ("deribit/accounts", {"user_id": "d9", "account_id": 2**31}, ("account_id", "2147483647")),
    ("deribit/deposits", {"user_id": "d1", "currency": "BTC", "amount": "1e999999"}, ("amount", "1000000000000")),
    ("deribit/deposits", {"user_id": "d1", "currency": "BTC", "amount": "1" + "0" * 30}, ("amount", "1000000000000")),
    ("deribit/deposits", {"user_id": "d1", "currency": "BTC", "amount": "0.000000001"}, ("amount", "8 places")),
    ("deribit/index_prices", {"index_name": "btc_usd", "price": "1e999999"}, ("price", "10000000")),
    ("deribit/index_prices", {"index_name": "btc_usd", "price": "1e-999999"}, ("price", "0.00000001")),
    ("deribit/index_prices", {"index_name": "btc_usd", "price": "100000000"}, ("price", "10000000")),
    ("deribit/mark_prices", {"instrument_name": "BTC-PERPETUAL", "price": "1e999999"}, ("price", "10000000")),
    ("deribit/mark_prices", {"instrument_name": "BTC-PERPETUAL", "price": "1e-999999"}, ("price", "0.00000001")),
    ("deribit/fills", {**DERIBIT_FILL, "amount": "10000000000"}, ("amount", "1000000000")),
    ("deribit/fills", {**DERIBIT_FILL, "fee": str(INT64_MAX)}, ("fee", "1000000000")),
    ("deribit/volatility", {"volatility": "11", "currency": "BTC"}, ("volatility", "10")),
    ("deribit/instruments", {"instrument_name": "BTC-26JUN26-100000000-C"}, ("strike", "10000000")),
]


CASES = WRONG_TYPES + OUT_OF_RANGE


@pytest.mark.parametrize("op,body,names", CASES, ids=[f"{op}:{names[0]}" for op, _, names in CASES])
def test_a_hostile_admin_call_is_a_400_naming_the_field_and_every_read_still_renders(probe, op, body, names):
    probe.refused(op, body, *names)
    probe.check_reads()


def test_sums_stay_within_their_bounds(probe):
    """Values each within bounds that would add up past one: refused whole, the state unchanged."""
    big = {**FILL, "user_id": "sub", "ticker": "EV-Z", "count": "1000000000", "price": "0.0001"}
    assert probe.post("fills", big).status_code == 200
    assert probe.post("fills", {**big, "action": "sell"}).status_code == 200
    probe.refused("fills", big, "volume", "2000000000")  # the legacy profile's int32 contract fields
    for _ in range(2):
        assert probe.post("orders", {**big, "ticker": "EV-Y"}).status_code == 200
    probe.refused("orders", {**big, "ticker": "EV-Y", "count": "1"}, "resting contracts", "2000000000")
    for n in range(9):
        assert probe.post("deposits", {"user_id": "k1", "amount_cents": 10**14, "id": f"t{n}"}).status_code == 200
    probe.refused("deposits", {"user_id": "k1", "amount_cents": 10**14}, "cash", "10000000000000")
    # A premium of 10^16 USDC: each number within bounds, the balance it would make not.
    option = {"user_id": "d1", "instrument_name": "BTC_USDC-26JUN26-60000-C", "direction": "sell",
              "amount": "1000000000", "price": "10000000"}  # fmt: skip
    probe.refused("deribit/fills", option, "balance", "1000000000000000")
    probe.check_reads()


def test_a_fill_on_an_index_without_a_price_is_refused_so_positions_stay_readable(probe):
    response = probe.post("deribit/fills", {**DERIBIT_FILL, "instrument_name": "XRP_USDC-PERPETUAL", "amount": "1",
                                            "price": "0.5"})  # fmt: skip
    assert response.status_code == 409 and "xrp_usdc" in response.json()["error"]
    probe.check_reads()
    assert probe.post("deribit/index_prices", {"index_name": "xrp_usdc", "price": "0.5"}).status_code == 200
    assert probe.post("deribit/fills", {**DERIBIT_FILL, "instrument_name": "XRP_USDC-PERPETUAL", "amount": "1",
                                        "price": "0.5"}).status_code == 200  # fmt: skip
    probe.check_reads()


SCENARIO_CASES = [
    ("users: [{user_id: u, balance_cents: 18446744073709551615}]", "balance_cents"),
    ('positions: [{user_id: u, ticker: EV-A, side: yes, count: "1e30", price: "0.5"}]', "count"),
    ('positions: [{user_id: u, ticker: EV-A, side: yes, count: "10", price: "0.5", fee: "1e30"}]', "fee"),
    ('positions: [{user_id: u, ticker: EV-A, side: yes, count: "10", price: "0.5", fee: "11"}]', "fee"),
    ("steps: [{deposit: {user_id: u, amount_cents: 18446744073709551615}}]", "amount_cents"),
    ('deribit: {index_prices: {btc_usd: "1e999999"}}', "btc_usd"),
    ('deribit: {accounts: [{user_id: d, balances: {BTC: "1e999999"}}]}', "BTC"),
    ('steps: [{index_price: {index_name: btc_usd, price: "0.000000001"}}]', "price"),
    ('steps: [{deribit_deposit: {user_id: d, currency: BTC, amount: "1000000000001"}}]', "amount"),
    ("settings: {start: '9999-06-01T00:00:00Z'}", "start"),
    ("steps: [{wait: " + "9" * 5000 + "}]", "wait"),
]


@pytest.mark.parametrize("document,names", SCENARIO_CASES, ids=[n for _, n in SCENARIO_CASES])
def test_scenario_files_meet_the_same_bounds(probe, document, names):
    document = document if document.startswith("users") else "users: [{user_id: u}]\n" + document
    probe.refused("scenario", {"document": document, "reset": False, "run": True}, names)
    probe.check_reads()


@pytest.mark.parametrize("name", ["BTC-２７DEC24", "BTC-27DEC24-６0000-C", "BTC-27DEC24-60000-C\n", "BTC-PERPETUAL\n"])
def test_an_instrument_name_is_ascii_and_whole(probe: Probe, name: str) -> None:
    # Fullwidth digits and a trailing newline once listed an instrument no Deribit client can name.
    probe.refused("deribit/instruments", {"instrument_name": name}, "not an instrument name")
    probe.check_reads()
