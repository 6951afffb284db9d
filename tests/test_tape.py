"""The tape format (mockexchange/recording/): what is written reads back the same, a line per event in a fixed key
order, and a file that is not a tape is refused naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockexchange.recording.reader import read_tape
from mockexchange.recording.records import Record, TapeError, check_record, decode_body, encode_body
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import TAPE_VENUES


def test_records_written_read_back_in_order_one_line_each(tmp_path: Path) -> None:
    path = tmp_path / "t.tape"
    writer = TapeWriter(path, {"kalshi": "https://demo-api.kalshi.co/trade-api/v2"}, TAPE_VENUES)
    request = {"method": "GET", "path": "/portfolio/balance", "query": "", "headers": {}, "body": None}
    response = {"status": 200, "headers": {"content-type": "application/json"}, "body": encode_body(b'{"balance":5}')}
    first = writer.write("http", "kalshi", "2026-11-24T10:00:00.000Z", request=request, response=response,
                         elapsed_ms=12.5)  # fmt: skip
    writer.write("ws_open", "kalshi", "2026-11-24T10:00:01.000Z", connection=1, request=request)
    writer.write("ws_frame", "kalshi", "2026-11-24T10:00:01.100Z", connection=1, direction="upstream",
                 offset_ms=100.0, data=encode_body("{\"type\":\"fill\",\"msg\":\"é\"}".encode()))  # fmt: skip
    writer.close()
    tape = read_tape(path, TAPE_VENUES)
    assert tape.upstreams == {"kalshi": "https://demo-api.kalshi.co/trade-api/v2"}
    assert [r.seq for r in tape.records] == [1, 2, 3]
    assert tape.records[0] == first
    assert decode_body(tape.records[0].response["body"]) == b'{"balance":5}'  # type: ignore[index]
    assert tape.records[2].data == {"json": {"type": "fill", "msg": "é"}}
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and lines[1].startswith('{"seq": 1, "kind": "http", "venue": "kalshi", "at": ')


@pytest.mark.parametrize("raw", [b"", b"plain text", b"\xff\x00binary", b'{"a": [1, 2]}'])
def test_a_body_is_kept_as_json_text_or_base64_and_decodes_to_its_bytes(raw: bytes) -> None:
    body = encode_body(raw)
    assert (body is None) == (raw == b"")
    assert decode_body(body) == (b'{"a":[1,2]}' if raw.startswith(b"{") else raw)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "empty"),
        ('{"tape": "other"}\n', "line 1: not a tape header"),
        ('{"tape": "mockexchange", "version": 9}\n', "tape version 9"),
        ('{"tape": "mockexchange", "version": 1}\n[1]\n', "line 2: a record is a JSON object"),
        ('{"tape": "mockexchange", "version": 1}\n{"seq": 1, "kind": "tcp", "venue": "kalshi", "at": "x"}\n', "kind"),
        ('{"tape": "mockexchange", "version": 1}\n{"seq": 1, "kind": "http", "venue": "kalshi"}\n', "line 2: "),
        (
            '{"tape": "mockexchange", "version": 1}\n{"seq": 1, "kind": "ws_frame", "venue": "deribit", "at": "x",'
            ' "connection": 1, "direction": "sideways"}\n',
            "direction",
        ),  # fmt: skip
        ('{"tape": "mockexchange", "version": 1}\nnot json\n', "line 2: not JSON"),
    ],
)
def test_what_is_not_a_tape_is_refused_naming_the_line(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "bad.tape"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TapeError, match=said):
        read_tape(path, TAPE_VENUES)


def test_the_writer_refuses_what_the_format_has_not() -> None:
    with pytest.raises(TapeError, match="venue"):
        check_record(Record(seq=1, kind="http", venue="binance", at="x", request={}, response={}), 1, TAPE_VENUES)
