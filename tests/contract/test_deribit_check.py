"""`mockexchange contract check-deribit` end to end over real HTTP and websockets: clean against the mock, each defect
of a broken server named with its method and field, `Method not found` a verdict; and the journal judging Deribit's
replies against the same slice."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kit_commands
import orjson
import plain_http
import pytest
from broken_deribit import broken_deribit
from kit_commands import verdicts
from websockets.sync.client import connect

from mockexchange.cli import main
from mockexchange.contract.deribit import account, check, trading
from mockexchange.registry.deribit import KIT
from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.server import MockServer
from mockexchange.venues.deribit import methods
from mockexchange.venues.deribit.table import METHODS

SECRET = "alice-secret"
CHANNELS = (
    "user.portfolio.{currency}", "user.changes.any.any.raw", "user.orders.any.any.raw", "user.trades.any.any.raw",
)  # fmt: skip


def seed(server: MockServer) -> None:
    server.create_deribit_account("alice", balances={"BTC": "10", "USDC": "50000"})
    server.create_deribit_key("alice", client_id="AliceKey", client_secret=SECRET)
    server.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "50000")


def check_deribit(server: MockServer, *extra: str, secret: str = SECRET) -> kit_commands.Checked:
    """`check-deribit` in this process (kit_commands.check_deribit_here); test_deribit_market_check.py and
    test_shipped_scenarios.py start the command as a user does."""
    return kit_commands.check_deribit_here(server.deribit_url, "AliceKey", secret, *extra)


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        seed(server)
        yield server


@pytest.mark.slow
def test_the_mock_passes_for_every_method_it_serves(mock: MockServer) -> None:
    done = threading.Event()

    def trade_meanwhile() -> None:  # a trade and an order every half second, so some land while the check listens
        while not done.wait(0.5):
            mock.deribit_fill("alice", "BTC-PERPETUAL", "sell", "10", "50100")
            mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "10", "40000")

    threading.Thread(target=trade_meanwhile, daemon=True).start()
    channels = [arg for channel in CHANNELS for arg in ("--channel", channel)]
    try:
        result = check_deribit(mock, "--listen", "3", *channels)
    finally:
        done.set()
    assert result.returncode == 0, result.stdout + result.stderr
    found = verdicts(result.stdout)
    for method in deribit_rpc.methods():
        served = method in METHODS or method == "public/auth"
        writes = method in account.WRITES or method in trading.WRITES  # flagged, not sent
        expected = "skipped" if writes else "PASS" if served else "not served"
        assert found[method].startswith(expected), (method, found[method])
    for template in (
        "user.portfolio.{currency}", "user.changes.{kind}.{currency}.{interval}",
        "user.orders.{kind}.{currency}.{interval}", "user.trades.{kind}.{currency}.{interval}",
    ):  # fmt: skip
        assert found[f"notification {template}"].startswith("PASS"), result.stdout


def test_each_write_of_the_deribit_registration_is_run_by_one_plan() -> None:
    # The check passes over the registration's writes among the reads: account.py or trading.py must run each, once.
    assert sorted([*account.WRITES, *trading.WRITES]) == sorted(KIT.writes)


def test_a_broken_server_fails_naming_the_method_and_the_field() -> None:
    with broken_deribit() as server:
        seed(server)
        result = check_deribit(server, "--listen", "0.2")
    assert result.returncode == 1, result.stdout + result.stderr
    found = verdicts(result.stdout)
    assert found["private/get_positions"].startswith("FAIL")
    assert 'http valid: result[0]: "instrument_name" is a required property' in found["private/get_positions"]
    assert found["private/get_account_summary"].startswith("FAIL")
    assert 'http valid: result.balance: "10" is not of type "number"' in found["private/get_account_summary"]
    assert found["public/get_instruments"].startswith("FAIL")
    assert 'http invalid: error.code: "-32602" is not of type "integer"' in found["public/get_instruments"]
    assert 'http invalid: error: "message" is a required property' in found["public/get_instruments"]
    # A method the server does not serve over HTTP but does over the websocket is no violation.
    assert not found["private/get_transfers"].startswith("FAIL")
    assert found["private/get_position"].startswith("PASS")
    assert "violations in" in result.stderr and "private/get_positions" in result.stderr


def test_methods_answered_method_not_found_are_a_verdict() -> None:
    with broken_deribit() as server:
        seed(server)
        result = check_deribit(server, "--method", "private/get_transfers", "--no-websocket")
    assert result.returncode == 0, result.stdout + result.stderr
    found = verdicts(result.stdout)
    assert found["private/get_transfers"].startswith("not served")
    assert "Method not found (-32601)" in found["private/get_transfers"]


@pytest.mark.slow
def test_refused_credentials_and_bad_arguments(mock: MockServer, tmp_path: Path) -> None:
    refused = check_deribit(mock, secret="wrong")
    assert refused.returncode == 4 and "public/auth refused" in refused.stderr
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    from_file = check_deribit(mock, "--client-secret-file", str(secret_file), "--method", "public/test", secret="")
    assert from_file.returncode == 0, from_file.stdout + from_file.stderr
    no_secret = check_deribit(mock, secret="")
    assert no_secret.returncode == 2 and "--client-secret-file" in no_secret.stderr
    unknown = check_deribit(mock, "--method", "private/get_block_rfq_quotes")
    assert unknown.returncode == 2 and "not in the slice" in unknown.stderr


def test_nothing_listening_is_refused_within_ten_seconds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with MockServer() as gone:
        url = gone.deribit_url
    monkeypatch.setenv(kit_commands.DERIBIT_SECRET_ENV, SECRET)
    started = time.monotonic()  # in this process: the bound is the command's, not an interpreter's start
    status = main(kit_commands.deribit_arguments(url, "x"))
    assert time.monotonic() - started < 10
    assert status == 3 and "nothing answered" in capsys.readouterr().err


def test_the_slices_patches_all_apply_and_name_their_source() -> None:
    raw = deribit_rpc.read_raw()
    header = raw["x-mockexchange-source"]["source"]
    assert header["commit"] == "47545854390edaa3272c4befad4b9c96bb93b517" and header["read"]
    later = raw["x-mockexchange-account-source"]  # the account methods' source: Deribit's OpenAPI 2.1.1
    assert later["commit"] == "6cdd8258e17531d285b5aff3b2e08e9ad04ae3ed" and later["read"]
    assert set(later["methods"]) <= set(raw["methods"]) and "private/withdraw" in later["methods"]
    for patch in raw["patches"]:
        assert patch["source"].startswith("https://") and patch["why"], patch
    effective = deribit_rpc.apply_patches(raw)
    assert "private/get_account_summaries" in effective["methods"]
    stale = {**raw, "patches": [{"op": "replace", "path": "/methods/private~1nothing/result", "value": {}}]}
    with pytest.raises(Exception, match="no 'private/nothing' to patch"):
        deribit_rpc.apply_patches(stale)
    # The committed file is in its canonical form (the one scripts/slice-deribit-spec writes).
    text = deribit_rpc.slice_path().read_text(encoding="utf-8")
    assert text == orjson.dumps(raw, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def test_the_journal_flags_a_served_result_that_breaks_the_slice(
    mock: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(METHODS, "public/test", methods.Method(lambda call: {"version": 5}))
    body = {"jsonrpc": "2.0", "id": 7, "method": "public/test", "params": {}}
    assert plain_http.post(mock.deribit_url + "/api/v2", content=orjson.dumps(body), timeout=10).json()["result"]
    with connect(mock.deribit_ws_url) as ws:
        ws.send(orjson.dumps(body).decode())
        assert orjson.loads(ws.recv(timeout=5))["result"] == {"version": 5}
        ws.send(orjson.dumps({**body, "id": 8, "method": "public/get_time"}).decode())
        ws.recv(timeout=5)
    flagged = mock.requests(venue="deribit", operation="public/test", invalid=True)
    assert [entry["transport"] for entry in flagged] == ["rest", "ws"]
    for entry in flagged:
        assert {"rule": "reply.schema", "detail": 'public/test: result.version: 5 is not of type "string"'} in entry[
            "problems"
        ]
    clean = mock.requests(venue="deribit", operation="public/get_time")
    assert clean and all(entry["problems"] == [] for entry in clean)


def test_the_time_window_holds_the_trades_of_a_server_whose_clock_runs_ahead() -> None:
    ahead = int(time.time() * 1000) + 10 * 365 * 86_400_000  # a mock serving a scenario set ten years on
    trades = [{"timestamp": ahead}, {"timestamp": ahead - 60_000}, {"timestamp": "soon"}]
    answers: dict[str, Any] = {"public/get_instruments": [], "private/get_open_orders_by_currency": []}
    answers["private/get_user_trades_by_currency"] = {"trades": trades, "has_more": False}
    args = argparse.Namespace(currency="BTC", instrument=None)
    context = check._context(lambda method, params: {"result": answers[method]}, args)
    assert context["now_ms"] == ahead
    window = dict(check._cases("private/get_user_trades_by_currency_and_time", context))["valid"]
    assert window == {"currency": "BTC", "start_timestamp": 0, "end_timestamp": ahead}
    answers["private/get_user_trades_by_currency"] = {"trades": [{"timestamp": 1_000}], "has_more": False}
    before = int(time.time() * 1000)  # trades older than the client's clock: the client's clock ends the window
    assert check._context(lambda method, params: {"result": answers[method]}, args)["now_ms"] >= before
