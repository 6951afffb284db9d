"""The request journal under hostile input, over real sockets: it always reads (200) whatever was recorded, keeps at
most `TEXT_CHARS` of each text a client chose and `PROBLEMS_KEPT` problems (saying `truncated`), judges a cut request
on what it kept, and holds at most `journal_max_bytes` (the oldest entries go) as well as `journal_size` entries."""

from __future__ import annotations

import json
from collections.abc import Iterator

import plain_http
import pytest
from hostile_wire import KALSHI_WS, journal, rpc, send
from websockets.sync.client import connect

from mockexchange.journal.entries import PROBLEMS_KEPT, TEXT_CHARS
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi import journaling

POSITIONS = "/trade-api/v2/portfolio/positions"
NINES_5000 = "9" * 5000


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=100_000)
        yield server


@pytest.fixture
def signer(mock: MockServer) -> KalshiSigner:
    key = mock.create_key("alice")
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


def rules(entry: dict) -> list[str]:
    return [p["rule"] for p in entry["problems"]]


def test_an_unsigned_5000_digit_limit_is_kept_cut_and_judged_on_what_was_kept(mock):
    # The reproduction: every unfiltered read answered 400 "Exceeds the limit (4300 digits)" after it.
    assert send(mock, "GET", f"{POSITIONS}?limit={NINES_5000}").status == 401
    [entry] = journal(mock)
    kept = "limit=" + NINES_5000[: TEXT_CHARS - len("limit=")]
    assert entry["truncated"] is True
    assert entry["query"] == [["limit", kept[len("limit=") :]]]
    assert rules(entry) == ["parameter.format", "auth.signature"]  # beyond int32, on the 1,994 digits kept
    assert entry["problems"][0]["detail"].startswith("limit=" + "9" * 80 + "... is outside the int32 range")
    assert journal(mock, invalid="true") == [entry]
    assert journal(mock, status=401, limit=1) == [entry]


def test_the_same_request_signed_is_a_400_and_reads_too(mock, signer):
    answer = send(mock, "GET", f"{POSITIONS}?limit={NINES_5000}", signer.headers("GET", POSITIONS))
    assert answer.status == 400 and answer.json()["msg"].endswith(f'parsing "{NINES_5000}": value out of range')
    [entry] = journal(mock)
    assert (entry["status"], entry["truncated"], rules(entry)) == (400, True, ["parameter.format"])


def test_a_short_request_is_not_truncated(mock, signer):
    assert send(mock, "GET", f"{POSITIONS}?limit=5", signer.headers("GET", POSITIONS)).status == 200
    [entry] = journal(mock)
    assert entry["truncated"] is False and entry["query"] == [["limit", "5"]] and entry["problems"] == []


def test_a_long_path_and_key_id_are_cut(mock):
    path = POSITIONS + "/" + "a" * 5000
    answer = send(mock, "GET", path, {"KALSHI-ACCESS-KEY": "k" * 5000})
    assert answer.status == 404
    [entry] = journal(mock)
    assert entry["truncated"] is True
    assert entry["path"] == path[:TEXT_CHARS] and entry["key_id"] == "k" * TEXT_CHARS
    assert rules(entry) == ["operation.unknown"]


def test_a_query_of_many_unknown_parameters_keeps_the_first_problems(mock, signer):
    query = "&".join(f"p{n}=1" for n in range(100))
    assert send(mock, "GET", f"{POSITIONS}?{query}", signer.headers("GET", POSITIONS)).status == 200
    [entry] = journal(mock)
    assert entry["truncated"] is True and len(entry["query"]) == 100  # the query fits; its problems do not
    assert rules(entry) == ["parameter.unknown"] * PROBLEMS_KEPT
    assert entry["problems"][0]["detail"] == "p0: GetPositions has no query parameter 'p0'"


def test_a_long_websocket_command_is_cut_and_checked_in_full(mock, signer):
    command = json.dumps({"id": 1, "cmd": "list_subscriptions", "note": "x" * 40_000})
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", KALSHI_WS), open_timeout=5) as ws:
        ws.send(command)
        assert json.loads(ws.recv(timeout=5))["type"] == "ok"
    _, entry = journal(mock)
    assert entry["truncated"] is True and entry["command"] == command[:TEXT_CHARS] + "..."
    assert entry["operation"] == "list_subscriptions" and entry["replies"] == ["ok"]


def test_a_long_deribit_client_id_is_not_kept_and_its_diagnosis_is_cut(mock):
    params = {"grant_type": "client_credentials", "client_id": "c" * 5000, "client_secret": "s"}
    answer = rpc(mock, "public/auth", params)
    assert answer.status == 401 and answer.json()["error"]["code"] == 13004
    [entry] = journal(mock, venue="deribit")
    # No key has the id (a key's is at most 256 characters), so it is not kept: it may be a secret in its place.
    assert entry["truncated"] is True and entry["key_id"] is None
    assert len(entry["problems"][0]["detail"]) == TEXT_CHARS
    assert rules(entry) == ["auth.signature"]


def test_the_journal_is_bounded_in_bytes_and_lets_the_oldest_go():
    budget = 200_000
    with MockServer(journal_max_bytes=budget) as mock:
        sent = 300
        for n in range(sent):
            assert send(mock, "GET", f"{POSITIONS}?n={n}&pad={'x' * 60_000}").status == 401
        held = mock.app.journal.held_bytes
        entries = journal(mock)  # checking adds their problems: the journal counts them and may let more go
        assert 0 < held <= budget and mock.app.journal.held_bytes <= budget
        assert 0 < len(entries) < sent
        assert [e["seq"] for e in entries] == list(range(sent - len(entries) + 1, sent + 1))  # the newest, in order
        assert all(e["truncated"] for e in entries)
        assert entries[-1]["query"][0] == ["n", str(sent - 1)]
        mock.clear_requests()
        assert mock.app.journal.held_bytes == 0 and journal(mock) == []


def test_the_entry_bound_still_holds_under_the_byte_bound():
    with MockServer(journal_size=3) as mock:
        for n in range(5):
            send(mock, "GET", f"{POSITIONS}?n={n}")
        assert [e["seq"] for e in journal(mock)] == [3, 4, 5]


def test_no_byte_bound_when_told_so():
    with MockServer(journal_max_bytes=None) as mock:
        for n in range(20):
            send(mock, "GET", f"{POSITIONS}?n={n}&pad={'x' * 60_000}")
        entries = journal(mock)
        assert len(entries) == 20 and all(e["truncated"] for e in entries)  # texts are still cut


def test_a_check_that_breaks_does_not_break_the_read(mock, monkeypatch):
    def broken() -> object:
        raise RuntimeError("a bug in the checks")

    assert send(mock, "GET", f"{POSITIONS}?limit=5").status == 401
    monkeypatch.setattr(journaling, "kalshi_rest_rules", broken)
    [entry] = journal(mock)
    assert rules(entry) == ["journal.unjudged", "auth.signature"]
    assert entry["problems"][0]["detail"] == "the mock could not judge this request: RuntimeError"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("since=%EF%BC%91%EF%BC%92", "since must be an integer, not '１２'"),  # fullwidth digits
        ("status=%C2%B2", "status must be an integer, not '²'"),
        (f"limit={NINES_5000}", "(5000 characters)"),  # refused, and quoted short
    ],
)
def test_the_journals_filters_take_ascii_integers_only(mock, query, says):
    answer = plain_http.get(f"{mock.base_url}/_admin/requests?{query}", timeout=10)
    assert answer.status_code == 400 and says in answer.json()["error"]
    assert len(answer.text) < 300
