"""`mockexchange contract check-websocket` end to end: the mock's market data channels pass while their markets move
(books, trades, a pause and a resume: every channel sends) and the price channels pass while values are set (each of
the three sends), in both profiles; a server whose `orderbook_delta` lacks `seq`, or writes `delta_fp` as a number,
fails on that message, one that skips a delta fails on `seq`, and one whose `pyth_value` lacks `value_usd` fails on
that message; a refused key and nothing listening stop it at once."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from broken_server import BrokenBookFrames, BrokenPythFrames, serving_through
from held_port import held_port

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.cli import main
from mockexchange.contract.kalshi.account import KEY_ID, seed
from mockexchange.server import MockServer

BOOKED, OTHER = "KXCONTRACT-04-T0", "KXCONTRACT-04-T1"  # open, with the house's books (contract/kalshi/account.py)
PRICE_CHANNELS = ("cfbenchmarks_value", "cfbenchmarks_value_5hz", "pyth_value")


@contextmanager
def moving(server: MockServer) -> Iterator[None]:
    """The first market moves while the check listens: its book every 50 ms, a trade and a pause and resume (the
    lifecycle channel) every fourth time, and then values set too: BRTI's (a CF Benchmarks index of the 5 Hz feed:
    both its channels) and a Pyth underlying's."""
    stop = threading.Event()

    def move() -> None:
        n = 0
        while not stop.wait(0.05):
            n += 1
            server.set_book(BOOKED, yes=[[f"0.{30 + n % 5}", str(1 + n % 3)]])
            if n % 4 == 0:
                server.fill("contract-sub-1", BOOKED, "yes", "buy", "1", "0.35")
                server.pause_market(BOOKED)
                server.resume_market(BOOKED)
                server.set_price_value(value=str(68_000 + n), index_id="BRTI")
                server.set_price_value(value=f"4.{n}", underlying_ticker="InterestRate.US2Y")

    mover = threading.Thread(target=move, name="market-mover")
    mover.start()
    try:
        yield
    finally:
        stop.set()
        mover.join()


def check(capsys: pytest.CaptureFixture[str], server: MockServer, pem: Path, *extra: str) -> tuple[int, str]:
    argv = ["contract", "check-websocket", "--base-url", server.kalshi_url, "--key-id", KEY_ID]
    argv += ["--private-key", str(pem), "--market", BOOKED, "--market", OTHER, *extra]
    with moving(server):
        status = main([*argv, "--listen", "1.5"])
    printed = capsys.readouterr()
    return status, printed.out + printed.err


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_the_mocks_market_data_channels_pass(capsys, pem, profile: str) -> None:
    with MockServer(profile=profile) as server:
        seed(server)
        status, out = check(capsys, server, pem, "--profile", profile)
    assert status == 0, out
    assert out.rstrip().endswith("contract check-websocket: PASS"), out
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (\w+)", out.split("frames: ", 1)[1].splitlines()[0])}
    for kind in ("ok", "orderbook_delta", "ticker", "trade", "market_lifecycle_v2"):
        assert counts.get(kind, 0) >= 1, (kind, out)
    assert counts["orderbook_snapshot"] == 2 and counts["subscribed"] == 7, out
    judged = re.search(r"^  price frames judged: (.+)$", out, re.MULTILINE)
    assert judged, out
    prices = {kind: int(n) for n, kind in re.findall(r"(\d+) (\w+)", judged[1])}
    assert set(prices) == set(PRICE_CHANNELS) and min(prices.values()) >= 1, out
    assert prices == {kind: counts[kind] for kind in PRICE_CHANNELS}, out


@pytest.mark.parametrize(
    ("defect", "said"),
    [
        ("no seq", r'orderbookDelta: \(frame\): "seq" is a required property'),
        ("number", r'orderbookDelta: msg/delta_fp: -?[\d.]+ is not of type "string"'),
    ],
)
def test_a_server_whose_orderbook_delta_breaks_the_slice_fails(capsys, pem, defect: str, said: str) -> None:
    with serving_through(lambda app: BrokenBookFrames(app, defect)) as server:
        seed(server)
        status, out = check(capsys, server, pem)
    assert status == 1, out
    failed = re.findall(r"^  FAIL  (.+)$", out, re.MULTILINE)
    assert "orderbook_delta" in failed, out
    assert re.search(said, out.split("FAIL  orderbook_delta", 1)[1]), out
    # the other messages are not blamed (a delta without seq leaves gaps in its subscription's count: that is said too)
    assert set(failed) <= {"orderbook_delta", "seq"}, out


def test_a_server_that_skips_a_delta_fails_on_seq(capsys, pem) -> None:
    with serving_through(lambda app: BrokenBookFrames(app, "gap")) as server:
        seed(server)
        status, out = check(capsys, server, pem)
    assert status == 1, out
    assert re.findall(r"^  FAIL  (.+)$", out, re.MULTILINE) == ["seq"], out
    assert re.search(r"sid 1: seq \[1, .*\] does not count 1, 2, 3", out), out


def test_a_server_whose_pyth_value_breaks_the_slice_fails(capsys, pem) -> None:
    with serving_through(BrokenPythFrames) as server:
        seed(server)
        status, out = check(capsys, server, pem)
    assert status == 1, out
    assert re.findall(r"^  FAIL  (.+)$", out, re.MULTILINE) == ["pyth_value"], out
    assert re.search(r'pythValue: msg: "value_usd" is a required property', out), out


def test_a_refused_key_and_nothing_listening_stop_the_check(capsys, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    other.write_text(private_key_pem(generate_private_key("rsa")))
    with MockServer() as server:
        seed(server)
        status, out = check(capsys, server, other)
    assert status == 4 and "the upgrade got 401" in out, out
    with held_port() as port:
        argv = [
            "contract",
            "check-websocket",
            "--base-url",
            f"http://127.0.0.1:{port}/trade-api/v2",
            "--key-id",
            KEY_ID,
        ]
        assert main([*argv, "--private-key", str(other)]) == 3
    assert "cannot reach" in capsys.readouterr().err
