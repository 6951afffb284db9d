"""The generated-responses mode over real HTTP: per request (header), per app (setting, pytest marker), still
authenticated and checked like ledger answers, tagged with the seed and request number that reproduce each body,
cursor chains that end, and the seed printed with a failing test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import plain_http
import pytest

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner
from mockexchange.venues.kalshi.generate import generate_response, kalshi_document
from mockexchange.venues.kalshi.generated_mode import GENERATE_HEADER, GENERATED_HEADER

pytest_plugins = ["pytester"]

PATHS = {
    "GetPositions": "/portfolio/positions",
    "GetBalance": "/portfolio/balance",
    "GetSettlements": "/portfolio/settlements",
    "GetFills": "/portfolio/fills",
    "GetDeposits": "/portfolio/deposits",
    "GetWithdrawals": "/portfolio/withdrawals",
}


def signed_client(mock: MockServer, user_id: str = "alice") -> httpx.Client:
    mock.create_account(user_id, balance_cents=100_000)
    key = mock.create_key(user_id)
    auth = KalshiAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]))
    return httpx.Client(base_url=mock.kalshi_url, auth=auth, timeout=10)


def tag(response: httpx.Response) -> dict[str, str]:
    return dict(part.split("=", 1) for part in response.headers[GENERATED_HEADER].split())


@pytest.fixture
def ledger_mock() -> Iterator[tuple[MockServer, httpx.Client]]:
    with MockServer() as mock, signed_client(mock) as client:
        mock.fill("alice", "KXLEDGER-26-T1", "yes", "buy", "3", "0.40")
        yield mock, client


def test_the_header_turns_the_mode_on_for_one_request(ledger_mock: tuple[MockServer, httpx.Client]) -> None:
    _, client = ledger_mock
    ledger = client.get("/portfolio/positions")
    assert GENERATED_HEADER not in ledger.headers
    assert [row["ticker"] for row in ledger.json()["market_positions"]] == ["KXLEDGER-26-T1"]

    generated = client.get("/portfolio/positions", params={"limit": "5"}, headers={GENERATE_HEADER: "2"})
    assert tag(generated) == {"seed": "2", "n": "0", "profile": "long"}
    body = generated.json()
    assert len(body["market_positions"]) == 5 and "KXLEDGER-26-T1" not in str(body)
    # the tag reproduces the body
    expected = generate_response(kalshi_document(), "GetPositions", 2, 0, {"limit": "5"})
    assert body == orjson.loads(orjson.dumps(expected))

    again = client.get("/portfolio/positions")
    assert GENERATED_HEADER not in again.headers and again.json() == ledger.json()


def test_the_app_setting_answers_every_operation_and_off_asks_for_the_ledger() -> None:
    with MockServer(generated_responses=7) as mock, signed_client(mock) as client:
        mock.fill("alice", "KXLEDGER-26-T1", "yes", "buy", "3", "0.40")
        for operation_id, path in PATHS.items():
            for n in range(3):
                response = client.get(path)
                assert response.status_code == 200
                assert tag(response)["seed"] == "7" and tag(response)["n"] == str(n)  # numbered per operation
                expected = generate_response(kalshi_document(), operation_id, 7, n, {})
                assert response.json() == orjson.loads(orjson.dumps(expected))
        ledger = client.get("/portfolio/positions", headers={GENERATE_HEADER: "off"})
        assert GENERATED_HEADER not in ledger.headers
        assert ledger.json()["market_positions"][0]["ticker"] == "KXLEDGER-26-T1"
        overridden = client.get("/portfolio/positions", headers={GENERATE_HEADER: "8"})
        assert tag(overridden)["seed"] == "8"
        served = mock.app.generated.served()
        assert served[-1].operation_id == "GetPositions" and served[-1].seed == 8


def test_two_mocks_under_one_seed_answer_alike() -> None:
    answers = []
    for _ in range(2):
        with MockServer(generated_responses=31) as mock, signed_client(mock) as client:
            answers.append([client.get(path, params={"limit": "50"}).content for path in PATHS.values()])
    assert answers[0] == answers[1]


def test_requests_are_authenticated_and_checked_first() -> None:
    with MockServer(generated_responses=3) as mock, signed_client(mock) as client:
        unsigned = plain_http.get(f"{mock.kalshi_url}/portfolio/positions")
        assert unsigned.status_code == 401 and GENERATED_HEADER not in unsigned.headers
        assert unsigned.json()["error"]["code"] == "key_is_missing_from_headers"
        forged = plain_http.get(
            f"{mock.kalshi_url}/portfolio/balance",
            headers={"KALSHI-ACCESS-KEY": "nope", "KALSHI-ACCESS-SIGNATURE": "AAAA", "KALSHI-ACCESS-TIMESTAMP": "1"},
        )
        assert forged.status_code == 401 and GENERATED_HEADER not in forged.headers
        bad_limit = client.get("/portfolio/fills", params={"limit": "0"})
        assert bad_limit.status_code == 400 and "'Limit' failed on the 'min' tag" in bad_limit.json()["msg"]
        not_fcm = client.get("/portfolio/summary/total_resting_order_value")
        assert not_fcm.status_code == 403 and GENERATED_HEADER not in not_fcm.headers
        bad_header = client.get("/portfolio/balance", headers={GENERATE_HEADER: "seven"})
        assert bad_header.status_code == 400 and GENERATE_HEADER in bad_header.headers["X-Mockexchange-Diagnosis"]
        assert mock.app.generated.served() == []  # none of these got a generated answer


def test_cursor_chains_end_and_foreign_cursors_are_refused() -> None:
    with MockServer(generated_responses=0) as mock, signed_client(mock) as client:
        for path, list_name in (("/portfolio/fills", "fills"), ("/portfolio/positions", "market_positions")):
            for _ in range(12):  # each first request starts a new chain, under the next profile
                pages, cursor, seen = 0, None, set()
                while True:
                    params = {"limit": "20", **({"cursor": cursor} if cursor else {})}
                    response = client.get(path, params=params)
                    assert response.status_code == 200, response.text
                    assert len(response.json()[list_name]) <= 20
                    pages += 1
                    cursor = response.json().get("cursor")
                    if not cursor:
                        break
                    assert cursor not in seen
                    seen.add(cursor)
                assert pages <= 6
        garbage = client.get("/portfolio/fills", params={"cursor": "not-a-cursor"})
        assert garbage.status_code == 400 and "Cursor" in garbage.json()["msg"]
        assert "generated-responses" in garbage.headers["X-Mockexchange-Diagnosis"]
        chained = next(
            c for c in (client.get("/portfolio/deposits").json().get("cursor") for _ in range(10)) if c
        )  # a live chain of GetDeposits
        foreign = client.get("/portfolio/withdrawals", params={"cursor": chained})
        assert foreign.status_code == 400 and "issued by GetDeposits" in foreign.headers["X-Mockexchange-Diagnosis"]
        continued = client.get("/portfolio/deposits", params={"cursor": chained})
        assert continued.status_code == 200 and "page=1" in continued.headers[GENERATED_HEADER]


def test_a_ledger_cursor_is_not_taken_in_generated_mode(ledger_mock: tuple[MockServer, httpx.Client]) -> None:
    mock, client = ledger_mock
    mock.fill("alice", "KXLEDGER-26-T2", "yes", "buy", "1", "0.40")
    cursor = client.get("/portfolio/positions", params={"limit": "1"}).json()["cursor"]
    assert cursor
    response = client.get("/portfolio/positions", params={"cursor": cursor}, headers={GENERATE_HEADER: "1"})
    assert response.status_code == 400 and GENERATED_HEADER not in response.headers


def test_the_legacy_profile_adds_the_integer_twins() -> None:
    with MockServer(profile="legacy", generated_responses=0) as mock, signed_client(mock) as client:
        response = client.get("/portfolio/positions", params={"limit": "10"})
        rows = response.json()["market_positions"]
        assert tag(response)["profile"] == "typical" and rows
        for row in rows:
            assert isinstance(row["position"], int) and isinstance(row["market_exposure"], int)
            assert row["position_fp"].endswith(".00") and len(row["market_exposure_dollars"].split(".")[1]) == 4


@pytest.mark.slow
def test_a_failing_test_prints_the_seed_and_the_answers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mockexchange(generated_responses=2)
        def test_fragile_client(mockexchange, kalshi_user):
            body = kalshi_user.client.get("/portfolio/positions").json()
            assert len(body["market_positions"]) < 50

        def test_header_only(mockexchange, kalshi_user):
            headers = {"X-Mockexchange-Generate": "5"}
            kalshi_user.client.get("/portfolio/fills", params={"limit": "3"}, headers=headers)
            assert False, "client broke"

        @pytest.mark.mockexchange(generated_responses=4)
        def test_passes(mockexchange, kalshi_user):
            assert kalshi_user.client.get("/portfolio/balance").status_code == 200
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    out = result.stdout.str()
    assert "generated responses, seed 2: reproduce with @pytest.mark.mockexchange(generated_responses=2)" in out
    assert f"GetPositions  {GENERATED_HEADER}: seed=2 n=0 profile=long" in out
    assert f"GetFills?limit=3  {GENERATED_HEADER}: seed=5 n=0 profile=" in out
    assert "seed 4" not in out  # a passing test prints nothing
