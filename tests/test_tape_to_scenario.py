"""`mockexchange tape-to-scenario` (mockexchange/scenario/from_tape.py, docs/replay.md): a tape's last observed
positions and balance as a scenario a fresh mock loads to answer the same reads; later fills and settlements as steps;
a tape that disagrees with itself: the last read wins, and a note says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import plain_http
import pytest

from mockexchange import MockServer
from mockexchange.cli import main
from mockexchange.core.clock import ManualClock
from mockexchange.recording.reader import read_tape
from mockexchange.recording.records import encode_body
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import TAPE_READERS, TAPE_VENUES
from mockexchange.scenario.from_tape import dumps, scenario_from_tape
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

READS = ("/portfolio/positions", "/portfolio/balance", "/portfolio/fills", "/portfolio/settlements")


def _client(mock: MockServer, user_id: str) -> httpx.Client:
    key = mock.create_key(user_id)
    return httpx.Client(
        base_url=mock.kalshi_url, auth=KalshiAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]))
    )


def _record_reads(client: httpx.Client, writer: TapeWriter) -> dict[str, Any]:
    """Each read through the client, written to the tape as a proxy would; the replies by path."""
    replies = {}
    for path in READS:
        got = client.get(path)
        at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        request = {"method": "GET", "path": f"/trade-api/v2{path}", "query": "", "headers": {}, "body": None}
        response = {"status": got.status_code, "headers": dict(got.headers), "body": encode_body(got.content)}
        writer.write("http", "kalshi", at, request=request, response=response, elapsed_ms=1.0)
        replies[path] = got.json()
    return replies


def _portfolio(replies: dict[str, Any]) -> tuple[Any, Any, Any]:
    rows = [
        {k: v for k, v in row.items() if k != "last_updated_ts"}
        for row in replies["/portfolio/positions"]["market_positions"]
    ]
    balance = {k: replies["/portfolio/balance"][k] for k in ("balance", "balance_dollars")}
    return rows, replies["/portfolio/positions"]["event_positions"], balance


# 4.567, 0.9999 (divides by 3) and 2.63 over 7 contracts (does not divide: two opening fills), a fee given and a
# scheduled one, a settled market; the reads are recorded after all of it (the tape's times are the wall clock's).
SEEDED = {
    "settings": {"start": "2026-06-01T12:00:00Z"},
    "users": [{"user_id": "alice", "balance_cents": 100_000}],
    "positions": [
        {"user_id": "alice", "ticker": "KXFED-26DEC-T4.00", "side": "yes", "count": "10", "price": "0.4567"},
        {"user_id": "alice", "ticker": "KXFED-26DEC-T3.75", "side": "no", "count": "3", "price": "0.3333", "fee": "0"},
        {"user_id": "alice", "ticker": "KXCPI-26DEC-T3.0", "side": "yes", "count": "3", "price": "0.33"},
        {"user_id": "alice", "ticker": "KXCPI-26DEC-T3.0", "side": "yes", "count": "4", "price": "0.41"},
        {"user_id": "alice", "ticker": "KXGDP-26Q4-T2", "side": "yes", "count": "5", "price": "0.20"},
    ],
    "steps": [{"wait": 60}, {"settle": {"ticker": "KXGDP-26Q4-T2", "result": "yes"}}],
}


def test_a_tape_of_reads_round_trips_to_a_mock_answering_the_same_portfolio(tmp_path: Path) -> None:
    tape = tmp_path / "t.tape"
    writer = TapeWriter(tape, {"kalshi": "http://127.0.0.1/trade-api/v2"}, TAPE_VENUES)
    with MockServer(clock=ManualClock()) as mock:
        mock.load_scenario(document=SEEDED, run=True)
        with _client(mock, "alice") as client:
            before = _record_reads(client, writer)
    writer.close()
    converted = scenario_from_tape(read_tape(tape, TAPE_VENUES), TAPE_READERS, user_id="alice")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(dumps(converted.document))
    with MockServer(clock=ManualClock()) as fresh:
        fresh.load_scenario(path=str(scenario), run=True)
        with _client(fresh, "alice") as client:
            after = {path: client.get(path).json() for path in READS[:2]}
    assert _portfolio(after) == _portfolio(before)
    assert converted.notes == []


def _write(path: Path, reads: list[tuple[str, str, Any]]) -> Path:
    writer = TapeWriter(path, {"kalshi": "https://demo-api.kalshi.co/trade-api/v2"}, TAPE_VENUES)
    for at, where, reply in reads:
        request = {"method": "GET", "path": where, "query": "", "headers": {"KALSHI-ACCESS-KEY": "desk"}, "body": None}
        response = {"status": 200, "headers": {}, "body": encode_body(json.dumps(reply).encode())}
        writer.write("http", "kalshi", at, request=request, response=response, elapsed_ms=1.0)
    writer.close()
    return path


def _row(ticker: str, position: str, exposure: str) -> dict[str, Any]:
    return {"ticker": ticker, "position_fp": position, "market_exposure_dollars": exposure,
            "realized_pnl_dollars": "0.000000", "fees_paid_dollars": "0.010000"}  # fmt: skip


def test_later_fills_and_settlements_become_steps_and_disagreements_are_named(tmp_path: Path) -> None:
    fill = {"fill_id": "f1", "ticker": "KXA-1", "side": "no", "action": "buy", "count_fp": "2.00",
            "yes_price_dollars": "0.7000", "no_price_dollars": "0.3000", "fee_cost": "0.020000", "is_taker": True,
            "created_time": "2026-11-24T10:05:00Z"}  # fmt: skip
    early = {**fill, "fill_id": "f0", "created_time": "2026-11-24T09:00:00Z"}
    settled = {"ticker": "KXA-1", "market_result": "no", "settled_time": "2026-11-24T11:00:00Z"}
    tape = _write(tmp_path / "t.tape", [
        ("2026-11-24T10:00:00.000Z", "/portfolio/positions", {"market_positions": [_row("KXA-1", "5.00", "2.000000")]}),
        ("2026-11-24T10:00:01.000Z", "/portfolio/balance", {"balance": 500}),
        ("2026-11-24T10:01:00.000Z", "/portfolio/positions", {"market_positions": [_row("KXA-1", "4.00", "2.000000")]}),
        ("2026-11-24T10:01:01.000Z", "/portfolio/balance", {"balance": 700}),
        ("2026-11-24T12:00:00.000Z", "/portfolio/fills", {"fills": [fill, early]}),
        ("2026-11-24T12:00:01.000Z", "/portfolio/settlements", {"settlements": [settled]}),
    ])  # fmt: skip
    converted = scenario_from_tape(read_tape(tape, TAPE_VENUES), TAPE_READERS)
    document = converted.document
    assert document["settings"] == {"start": "2026-11-24T10:01:01Z"}
    assert document["users"] == [{"user_id": "trader", "balance_cents": 201, "keys": [{"key_id": "desk"}]}]
    assert document["positions"] == [
        {"user_id": "trader", "ticker": "KXA-1", "side": "yes", "count": "4", "price": "0.5", "fee": "0.01"}
    ]
    assert document["steps"] == [
        {"deposit": {"user_id": "trader", "amount_cents": 700}},
        {"wait": 239.0},
        {
            "fill": {
                "user_id": "trader",
                "ticker": "KXA-1",
                "side": "no",
                "action": "buy",
                "count": "2",
                "price": "0.3",
                "fee": "0.02",
                "is_taker": True,
            }
        },  # fmt: skip
        {"wait": 3300.0},
        {"settle": {"ticker": "KXA-1", "result": "no"}},
    ]
    assert any("KXA-1 was 5 at record 1 and 4 at record 3; the last is used" in n for n in converted.notes)
    assert any("balance: 500 cents at record 2, 700 at record 4" in n for n in converted.notes)


def test_the_command_writes_the_file_and_says_the_notes_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    tape = _write(tmp_path / "t.tape", [
        ("2026-11-24T10:00:00.000Z", "/portfolio/balance", {"balance": 500}),
        ("2026-11-24T10:00:01.000Z", "/portfolio/balance", {"balance": 400}),
    ])  # fmt: skip
    out = tmp_path / "s.yaml"
    assert main(["tape-to-scenario", str(tape), "-o", str(out)]) == 0
    assert "amount_cents: 400" in out.read_text()
    assert "balance: 500 cents at record 1, 400 at record 2; the last is used" in capsys.readouterr().err
    with MockServer(clock=ManualClock()) as fresh:
        fresh.load_scenario(path=str(out), run=True)
    assert main(["tape-to-scenario", str(tape), "-o", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text())["steps"][0] == {
        "deposit": {"user_id": "trader", "amount_cents": 400}
    }


def test_the_command_refuses_a_malformed_tape_naming_its_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    tape = tmp_path / "bad.tape"
    tape.write_text('{"tape": "mockexchange", "version": 1}\n{"seq": 1, "kind": "http"}\n')
    assert main(["tape-to-scenario", str(tape)]) == 2
    assert capsys.readouterr().err.startswith("mockexchange: the tape cannot be read: line 2: ")


def _deribit_reads(mock: MockServer, client_id: str, secret: str, writer: TapeWriter | None) -> dict[str, Any]:
    """Deribit's positions and account summaries per currency over HTTP (the summary POSTed as JSON-RPC), written to
    the tape as a proxy would when `writer` is given."""
    auth = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    token = plain_http.get(f"{mock.base_url}/api/v2/public/auth", params=auth).json()["result"]["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    replies: dict[str, Any] = {}
    for currency in ("BTC", "ETH"):
        positions = plain_http.get(f"{mock.base_url}/api/v2/private/get_positions", params={"currency": currency},
                              headers=headers)  # fmt: skip
        rpc = {"jsonrpc": "2.0", "id": 3, "method": "private/get_account_summary", "params": {"currency": currency}}
        summary = plain_http.post(f"{mock.base_url}/api/v2", json=rpc, headers=headers)
        if writer is not None:
            at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            get = {"method": "GET", "path": "/api/v2/private/get_positions", "query": f"currency={currency}",
                   "headers": {}, "body": None}  # fmt: skip
            post = {"method": "POST", "path": "/api/v2", "query": "", "headers": {}, "body": {"json": rpc}}
            for request, got in ((get, positions), (post, summary)):
                response = {"status": got.status_code, "headers": {}, "body": encode_body(got.content)}
                writer.write("http", "deribit", at, request=request, response=response, elapsed_ms=1.0)
        kept = ("instrument_name", "size", "average_price", "direction", "kind")
        replies[currency] = (
            [{k: row[k] for k in kept} for row in positions.json()["result"]],
            summary.json()["result"]["balance"],
        )
    return replies


def test_a_deribit_tape_round_trips_positions_and_balances(tmp_path: Path) -> None:
    tape = tmp_path / "t.tape"
    writer = TapeWriter(tape, {"deribit": "http://127.0.0.1"}, TAPE_VENUES)
    with MockServer() as mock:
        mock.create_deribit_account("t", balances={"BTC": "10", "ETH": "5"})
        key = mock.create_deribit_key("t")
        mock.deribit_fill("t", "BTC-PERPETUAL", "buy", "10000", "60000", fee="0.0001")
        mock.deribit_fill("t", "BTC-25DEC26-65000-C", "buy", "2", "0.05")
        mock.deribit_fill("t", "ETH-PERPETUAL", "sell", "300", "3000")
        before = _deribit_reads(mock, key["client_id"], key["client_secret"], writer)
    writer.close()
    converted = scenario_from_tape(read_tape(tape, TAPE_VENUES), TAPE_READERS, user_id="t")
    assert "users" not in converted.document and converted.notes == []
    with MockServer(clock=ManualClock()) as fresh:
        loaded = fresh.load_scenario(document=converted.document, run=True)
        made = loaded["deribit_keys"][0]
        assert _deribit_reads(fresh, made["client_id"], made["client_secret"], None) == before


def test_deribit_reads_over_the_websocket_count_and_later_trades_become_fills(tmp_path: Path) -> None:
    writer = TapeWriter(tmp_path / "t.tape", {"deribit": "https://test.deribit.com"}, TAPE_VENUES)
    at = "2026-11-24T10:00:00.000Z"
    row = {"instrument_name": "BTC-PERPETUAL", "size": -500, "average_price": 61000, "kind": "future"}
    trade = {"trade_id": "T1", "instrument_name": "BTC-PERPETUAL", "direction": "buy", "amount": 100, "price": 62000,
             "fee": 0.0000005, "timestamp": 1795515000000}  # 2026-11-24T10:10:00Z  # fmt: skip
    frames = [
        ("client", {"jsonrpc": "2.0", "id": 9, "method": "private/get_positions", "params": {"currency": "BTC"}}),
        ("upstream", {"jsonrpc": "2.0", "id": 9, "result": [row]}),
        (
            "client",
            {"jsonrpc": "2.0", "id": 10, "method": "private/get_account_summary", "params": {"currency": "BTC"}},
        ),
        ("upstream", {"jsonrpc": "2.0", "id": 10, "result": {"currency": "BTC", "balance": 1.5}}),
        ("client", {"jsonrpc": "2.0", "id": 11, "method": "private/get_user_trades_by_currency", "params": {}}),
        ("upstream", {"jsonrpc": "2.0", "id": 11, "result": {"trades": [trade], "has_more": False}}),
    ]
    writer.write("ws_open", "deribit", at, connection=1, request={"method": "GET", "path": "/ws/api/v2", "query": "",
                                                                   "headers": {}, "body": None})  # fmt: skip
    for direction, data in frames:
        writer.write("ws_frame", "deribit", at, connection=1, direction=direction, offset_ms=1.0,
                     data=encode_body(json.dumps(data).encode()))  # fmt: skip
    writer.close()
    document = scenario_from_tape(read_tape(tmp_path / "t.tape", TAPE_VENUES), TAPE_READERS).document
    assert document["deribit"]["accounts"][0]["balances"] == {"BTC": "1.5"}
    assert document["deribit"]["positions"] == [
        {
            "user_id": "trader",
            "instrument_name": "BTC-PERPETUAL",
            "direction": "sell",
            "amount": "500",
            "price": "61000",
        }
    ]
    assert document["steps"] == [
        {"wait": 600.0},
        {
            "deribit_fill": {
                "user_id": "trader",
                "instrument_name": "BTC-PERPETUAL",
                "direction": "buy",
                "amount": "100",
                "price": "62000",
                "fee": "0.0000005",
            }
        },  # fmt: skip
    ]
