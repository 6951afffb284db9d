"""Hostile tapes (mockexchange/recording/, replay/, scenario/from_tape.py): an entry that could not go on the wire again
(a status of 99 or 1000, a header name or value no HTTP message holds, base64 that is none, NaN and numbers past a
double's range, bytes that are no UTF-8, a time that is none, a field of the wrong type or missing) is refused when
the tape is read, naming its line, by `serve --replay` and by `tape-to-scenario` (exit status 2, one line, no
traceback); an amount in a venue's reply that is no number (NaN, Infinity, `1e999999999`) is refused by
`tape-to-scenario` naming its record; what a reply holds of the wrong shape is left out, never a crash."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mockexchange import MockServer
from mockexchange.cli import main
from mockexchange.recording.records import TapeError
from mockexchange.registry import VENUES, proxied
from mockexchange.replay.reel import load

HEADER = {"tape": "mockexchange", "version": 1, "upstreams": {"kalshi": "https://demo-api.kalshi.co/trade-api/v2"}}
AT = "2026-11-24T10:00:00.000Z"
GOOD = {
    "seq": 1, "kind": "http", "venue": "kalshi", "at": AT, "elapsed_ms": 3.0,
    "request": {"method": "GET", "path": "/trade-api/v2/portfolio/balance", "query": "", "headers": {}, "body": None},
    "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": {"json": {"balance": 5}}},
}  # fmt: skip


def tape_of(path: Path, *lines: str | bytes, header: dict[str, Any] = HEADER) -> Path:
    raw = [json.dumps(header).encode()] + [line if isinstance(line, bytes) else line.encode() for line in lines]
    path.write_bytes(b"\n".join(raw) + b"\n")
    return path


def changed(where: str, value: Any, record: dict[str, Any] = GOOD) -> str:
    """The good record, seq 2, with the field at dotted `where` set to `value` (`...` removes it)."""
    edited = copy.deepcopy({**record, "seq": 2})
    *parents, name = where.split(".")
    inner = edited
    for parent in parents:
        inner = inner[parent]
    if value is ...:
        del inner[name]
    else:
        inner[name] = value
    return json.dumps(edited)


FRAME = {"seq": 2, "kind": "ws_frame", "venue": "kalshi", "at": AT, "connection": 1, "direction": "upstream",
         "offset_ms": 1.5, "data": {"text": "x"}}  # fmt: skip
# What is wrong with the third line, and the words that say so.
BAD_ENTRIES = {
    "status 99": (changed("response.status", 99), "response.status 99 is no final HTTP status"),
    "status 1000": (changed("response.status", 1000), "response.status 1000 is no final HTTP status"),
    "status 101": (changed("response.status", 101), "response.status 101"),
    "status as text": (changed("response.status", "200"), "response.status '200'"),
    "status true": (changed("response.status", True), "response.status True"),
    "no status": (changed("response.status", ...), "response.status None"),
    "a 204 with a body": (changed("response.status", 204), "response.body: a 204 answer has none"),
    "a header name with a space": (changed("response.headers", {"bad name": "v"}), "'bad name' is no header name"),
    "a header name with a colon": (changed("response.headers", {"a:b": "v"}), "'a:b' is no header name"),
    "an empty header name": (changed("response.headers", {"": "v"}), "'' is no header name"),
    "a header name beyond ASCII": (changed("request.headers", {"x-\u20ac": "v"}), "request.headers: 'x-\u20ac'"),
    "a header value with CR LF": (changed("response.headers", {"x": "a\r\nSet-Cookie: y"}), "headers.x: 'a\\r\\n"),
    "a header value with NUL": (changed("response.headers", {"x": "a\x00"}), "headers.x: 'a\\x00'"),
    "a header value beyond Latin-1": (changed("response.headers", {"x": "\u20ac"}), "headers.x: '\u20ac'"),
    "a header value with a blank at its end": (changed("response.headers", {"x": "v "}), "headers.x: 'v '"),
    "a header value that is a number": (changed("response.headers", {"x": 5}), "headers.x: 5 is no header value"),
    "headers as a list": (changed("response.headers", [["a", "b"]]), "response.headers is no object"),
    "base64 that is none": (changed("response.body", {"base64": "!!!"}), "response.body.base64 is no base64"),
    "base64 cut short": (changed("response.body", {"base64": "abc"}), "response.body.base64 is no base64"),
    "a body that is a list": (changed("response.body", [1]), "response.body [1] is none of"),
    "a body of two kinds": (changed("response.body", {"json": 1, "text": "1"}), "response.body {'json'"),
    "text that is a number": (changed("request.body", {"text": 5}), "request.body.text is no text"),
    "a method with a space": (changed("request.method", "GET /x"), "request.method 'GET /x' is no HTTP method"),
    "no method": (changed("request.method", ...), "request.method None"),
    "a path that is none": (changed("request.path", "x"), "request.path 'x' is no path"),
    "a query that is a number": (changed("request.query", 5), "request.query 5 is no text"),
    "a time that is none": (changed("at", "yesterday"), "at 'yesterday' is no ISO 8601 time"),
    "a time without its zone": (changed("at", "2026-11-24T10:00:00"), "at '2026-11-24T10:00:00'"),
    "a time that is a number": (changed("at", 1), "at 1 is no ISO 8601 time"),
    "a negative elapsed time": (changed("elapsed_ms", -1), "elapsed_ms -1 is no time"),
    "a huge elapsed time": (changed("elapsed_ms", 1e300), "elapsed_ms 1e+300 is no time"),
    "an elapsed time as text": (changed("elapsed_ms", "5"), "elapsed_ms '5'"),
    "a negative offset": (changed("offset_ms", -0.5, FRAME), "offset_ms -0.5 is no time"),
    "a connection that is true": (changed("connection", True, FRAME), "connection True is no whole number"),
    "a close code past two bytes": (changed("code", 70_000, {**FRAME, "kind": "ws_close"}), "code 70000"),
    "frame data that is no base64": (changed("data", {"base64": "%%%"}, FRAME), "data.base64 is no base64"),
    "seq 0": (changed("seq", 0), "seq 0 is no whole number from 1"),
    "seq as text": (changed("seq", "2"), "seq '2' is no whole number"),
    "seq going back": (changed("seq", 1), "seq 1 after 1; a tape's seq only grows"),
    "a field no record has": (changed("extra", 1), "a record has no field 'extra'"),
    "NaN": (json.dumps({**GOOD, "seq": 2, "elapsed_ms": float("nan")}), "not JSON"),
    "Infinity": (changed("response.body", {"json": {"balance": "INF"}}).replace('"INF"', "Infinity"), "not JSON"),
    "1e999999999": (changed("response.body", {"json": {"balance": 0}}).replace(": 0}", ": 1e999999999}"), "not JSON"),
    "a lone surrogate": (changed("response.body", {"text": "\ud800"}), "not JSON"),
    "nested 100 deep": (changed("response.body", {"json": [[]]}).replace("[[]]", "[" * 100 + "]" * 100), "not JSON"),
    "bytes that are no UTF-8": (
        changed("response.body", {"text": "ab"}).encode().replace(b"ab", b"a\xff"),
        "not UTF-8 (byte 0xff at column",
    ),  # fmt: skip
}
BAD_HEADERS = {
    "an upstream that is a number": ({"kalshi": 5}, "line 1: upstreams.kalshi 5 is no http(s) URL"),
    "an upstream that is no URL": ({"kalshi": "http://[::1"}, "line 1: upstreams.kalshi 'http://[::1'"),
    "a venue the format has not": ({"binance": "https://api.binance.com"}, "line 1: upstreams names 'binance'"),
}


@pytest.mark.parametrize(("line", "said"), BAD_ENTRIES.values(), ids=BAD_ENTRIES)
def test_an_entry_that_could_not_go_on_the_wire_is_refused_at_load_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str | bytes, said: str
) -> None:
    path = tape_of(tmp_path / "bad.tape", json.dumps(GOOD), line)
    with pytest.raises(TapeError) as refused:
        load(path, proxied(VENUES))
    assert str(refused.value).startswith("line 3: ") and said in str(refused.value)
    assert main(["tape-to-scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"mockexchange: the tape cannot be read: {refused.value}\n"


@pytest.mark.parametrize(("upstreams", "said"), BAD_HEADERS.values(), ids=BAD_HEADERS)
def test_a_header_naming_upstreams_that_are_none_is_refused_at_load(
    tmp_path: Path, upstreams: dict[str, Any], said: str
) -> None:
    path = tape_of(tmp_path / "bad.tape", json.dumps(GOOD), header={**HEADER, "upstreams": upstreams})
    with pytest.raises(TapeError) as refused:
        load(path, proxied(VENUES))
    assert str(refused.value).startswith(said)


@pytest.mark.parametrize("name", ["status 99", "status 1000", "a header name with a space", "base64 cut short"])
def test_serve_replay_refuses_the_tape_before_it_serves(tmp_path: Path, name: str) -> None:
    path = tape_of(tmp_path / "bad.tape", json.dumps(GOOD), BAD_ENTRIES[name][0])
    with pytest.raises(TapeError, match="^line 3: "):
        MockServer(replay=str(path))


# -- tape-to-scenario: what the venues answered ------------------------------------------------------------------------


def reply(seq: int, path: str, body: Any, venue: str = "kalshi") -> str:
    record = {**GOOD, "seq": seq, "venue": venue, "request": {**GOOD["request"], "path": path},
              "response": {**GOOD["response"], "body": {"json": body}}}  # fmt: skip
    return json.dumps(record)


ROW = {"ticker": "KXA-1", "position_fp": "5.00", "market_exposure_dollars": "2.000000", "fees_paid_dollars": "0.01"}
POSITIONS = "/trade-api/v2/portfolio/positions"
DERIBIT_POSITIONS = "/api/v2/private/get_positions"
NOT_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999999999", "sNaN", "ten", "", "1e-999999999", True, [], {}]


@pytest.mark.parametrize("value", NOT_NUMBERS, ids=repr)
@pytest.mark.parametrize("field", ["position_fp", "market_exposure_dollars", "fees_paid_dollars"])
def test_a_kalshi_amount_that_is_no_number_is_refused_naming_its_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: Any
) -> None:
    path = tape_of(tmp_path / "t.tape", reply(1, POSITIONS, {"market_positions": [{**ROW, field: value}]}))
    assert main(["tape-to-scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mockexchange: the tape cannot be made a scenario: record 1: {field} ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ({**ROW, "position_fp": "0.001"}, "position_fp '0.001' has more than 2 decimal places"),
        ({**ROW, "market_exposure_dollars": "1e20"}, "market_exposure_dollars '1e20' is no finite number"),
        ({**ROW, "position_fp": None, "position": "NaN"}, "position 'NaN'"),
    ],
)
def test_a_kalshi_amount_no_scenario_can_carry_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: dict[str, Any], said: str
) -> None:
    path = tape_of(tmp_path / "t.tape", reply(1, POSITIONS, {"market_positions": [row]}))
    assert main(["tape-to-scenario", str(path)]) == 2
    assert f"record 1: {said}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"result": [{"instrument_name": "BTC-PERPETUAL", "size": "NaN", "average_price": 1}]}, "size 'NaN'"),
        ({"result": [{"instrument_name": "BTC-PERPETUAL", "size": 1, "average_price": "Infinity"}]}, "average_price"),
        (
            {
                "result": [
                    {"instrument_name": "BTC-PERPETUAL", "size": 1, "average_price": 2, "index_price": "1e999999"}
                ]
            },
            "index_price '1e999999'",
        ),  # fmt: skip
    ],
)
def test_a_deribit_amount_that_is_no_number_is_refused_naming_its_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: dict[str, Any], said: str
) -> None:
    path = tape_of(tmp_path / "t.tape", reply(1, DERIBIT_POSITIONS, body, venue="deribit"))
    assert main(["tape-to-scenario", str(path)]) == 2
    assert f"record 1: {said}" in capsys.readouterr().err


@pytest.mark.parametrize("stamp", [10**18, -1, "soon", 1.5])
def test_a_deribit_trade_time_that_is_none_is_refused_naming_its_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stamp: Any
) -> None:
    trade = {"trade_id": "t1", "instrument_name": "BTC-PERPETUAL", "direction": "buy", "amount": 10, "price": 1,
             "timestamp": stamp}  # fmt: skip
    body = {"result": {"trades": [trade]}}
    path = tape_of(tmp_path / "t.tape", reply(1, "/api/v2/private/get_user_trades_by_currency", body, "deribit"))
    assert main(["tape-to-scenario", str(path)]) == 2
    assert f"record 1: timestamp {stamp!r} is no time" in capsys.readouterr().err


def test_replies_of_the_wrong_shape_are_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Replies' lists that are numbers, a fill dated without its zone, a JSON-RPC call whose params are a list or
    whose id is an object: nothing a scenario can take, and no crash."""
    ws = {"seq": 4, "kind": "ws_open", "venue": "deribit", "at": AT, "connection": 1,
          "request": {"method": "GET", "path": "/ws/api/v2"}}  # fmt: skip
    call = {"jsonrpc": "2.0", "id": {"a": 1}, "method": "private/get_positions", "params": [1]}
    fill = {"fill_id": "f1", "ticker": "KXA-1", "side": "yes", "action": "buy", "count_fp": "1.00",
            "yes_price_dollars": "0.5000", "created_time": "2026-11-24T11:00:00"}  # fmt: skip
    http_call = {**json.loads(reply(6, "/api/v2", {"result": []}, "deribit")), "request": {
        "method": "POST", "path": "/api/v2", "body": {"json": {**call, "id": 3}}}}  # fmt: skip
    path = tape_of(
        tmp_path / "t.tape",
        reply(1, POSITIONS, {"market_positions": 5}),
        reply(2, "/trade-api/v2/portfolio/balance", {"balance": True}),
        reply(3, "/trade-api/v2/portfolio/fills", {"fills": [fill]}),
        json.dumps(ws),
        json.dumps({**FRAME, "seq": 5, "venue": "deribit", "direction": "client", "data": {"json": call}}),
        json.dumps(http_call),
        reply(7, "/api/v2/private/get_user_trades_by_currency", {"result": {"trades": 5}}, "deribit"),
    )
    assert main(["tape-to-scenario", str(path)]) == 0
    assert "positions: []" in capsys.readouterr().out
