"""Odd characters in a path, over a real socket (a request line written by hand, so that no client library cleans it
up first): a percent-encoded NUL, control characters, CR and LF, characters beyond Latin-1, bytes that are no UTF-8,
in a path no route serves, in a Kalshi path and in a Deribit method name. Each is answered with the venue's own error
(never a 500, never a dropped connection), its diagnosis header printable ASCII or Latin-1 that quotes the path with
the odd characters escaped, and the connection serves the next request."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from hostile_sockets import connect, read_response, request_head

from mockexchange.server import MockServer
from mockexchange.web.answers import MAX_HEADER_CHARS, header_safe

ODD = {
    "nul": "%00",
    "control": "%01%1b%7f",
    "c1 control": "%C2%85",
    "crlf": "%0d%0aSet-Cookie:%20x=1",  # a header of its own, were it written as is
    "tab": "%09",
    "beyond latin-1": "%E2%82%AC%F0%9F%92%A3",
    "no utf-8": "%FF%FE",
    "latin-1": "%C3%A9",
}
HEALTH = request_head("GET", "/_admin/health", {})
# What a header value may hold here: printable ASCII and printable Latin-1 (no control character, C0 or C1).
PRINTABLE = re.compile(r"[\x20-\x7e\xa0-\xff]*")


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


def _ask(mock: MockServer, target: str) -> tuple[int, dict[str, str], bytes]:
    """The answer to a GET of `target` (written as is), after which the same connection must answer a health check."""
    with connect(mock, request_head("GET", target, {})) as sock:
        answer = read_response(sock, 10)
        sock.sendall(HEALTH)
        assert read_response(sock, 10).status == 200, "the connection no longer serves"
    return answer.status, answer.headers, answer.body


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
@pytest.mark.parametrize("prefix", ["/", "/trade-api/v2/portfolio/", "/_admin/"])
def test_an_unknown_path_with_odd_characters_is_a_404_with_a_printable_diagnosis(mock, prefix, odd):
    status, headers, body = _ask(mock, f"{prefix}x{odd}y")
    assert status == 404, body[:300]
    unserved = f"the mock does not serve GET {prefix}x{unquote(odd, errors='replace')}y"
    admin = {"error": unserved}  # the admin API's one line, the path as the server decoded it
    assert json.loads(body) == (
        admin if prefix == "/_admin/" else {"error": {"code": "not_found", "message": "not found"}}
    )
    diagnosis = headers["x-mockexchange-diagnosis"]
    assert PRINTABLE.fullmatch(diagnosis), diagnosis
    # The path as the server decoded it (an invalid UTF-8 byte is U+FFFD), every odd character escaped.
    assert diagnosis == header_safe(f"the mock does not serve GET {prefix}x{unquote(odd)}y"), diagnosis
    assert "set-cookie" not in headers


@pytest.mark.parametrize("odd", ODD.values(), ids=ODD.keys())
def test_a_deribit_method_with_odd_characters_is_deribits_method_not_found(mock, odd):
    status, headers, body = _ask(mock, f"/api/v2/public/get_x{odd}y")
    answer = json.loads(body)
    assert status == 400, body[:300]
    assert answer["error"]["code"] == -32601 and answer["error"]["message"] == "Method not found"
    assert PRINTABLE.fullmatch(headers["x-mockexchange-diagnosis"]), headers["x-mockexchange-diagnosis"]


@pytest.mark.parametrize("prefix", ["/", "/trade-api/v2/portfolio/", "/_admin/"])
def test_a_path_ending_in_blanks_is_a_404_whose_diagnosis_escapes_them(mock, prefix):
    """A header's value cannot end with a blank (h11 refuses to send one that does, and the connection was dropped
    without an answer): the diagnosis that quotes the path escapes the blanks it ends with."""
    status, headers, _ = _ask(mock, f"{prefix}x%20%20")
    assert status == 404
    assert headers["x-mockexchange-diagnosis"] == rf"the mock does not serve GET {prefix}x\x20\x20"


def test_a_value_of_blanks_quoted_by_a_deribit_refusal_is_answered(mock):
    """A Deribit refusal quoting the value it refuses at its end, here a session name of one blank (the message's own
    blank before it is escaped with it)."""
    status, headers, body = _ask(mock, "/api/v2/public/fork_token?refresh_token=x&session_name=%20")
    assert status == 400 and json.loads(body)["error"]["code"] == -32602, body[:300]
    assert headers["x-mockexchange-diagnosis"].endswith(r"not\x20\x20"), headers["x-mockexchange-diagnosis"]


def test_raw_bytes_beyond_ascii_in_the_request_line_are_refused_400_by_the_parser(mock):
    """Bytes beyond ASCII sent unescaped in the request line are no valid request target: the HTTP parser refuses
    them with a 400 before any route runs (never a 500, never silence)."""
    with connect(mock, b"GET /x\xe2\x82\xac\xc3\xa9y HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") as sock:
        assert read_response(sock, 10).status == 400


def test_header_safe_escapes_what_a_header_cannot_carry_and_keeps_the_rest():
    assert header_safe("a\x00b\x1bc\x7fd\x85e") == r"a\x00b\x1bc\x7fd\x85e"
    assert header_safe("line\r\nSet-Cookie: x\tend") == r"line\r\nSet-Cookie: x\tend"
    assert header_safe("€ 💣") == r"\u20ac \U0001f4a3"
    assert header_safe("café ¿ÿ") == "café ¿ÿ"
    assert header_safe("plain: it's 100% (ok)") == "plain: it's 100% (ok)"
    assert header_safe(" a  b ") == r"\x20a  b\x20"  # a value cannot begin or end with a blank; inside, it may
    assert header_safe("   ") == r"\x20\x20\x20"
    assert header_safe("") == ""
    cut = header_safe("€" * 60_000)  # a path or query quoted whole would be a header line no client reads
    assert len(cut) <= MAX_HEADER_CHARS and cut.startswith(r"\u20ac") and cut.endswith("(360,000 characters in all)")
