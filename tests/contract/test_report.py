"""schemathesis' report as `contract check` shows it: the signed curls turned into `mockexchange sign` commands, the
others left as they are, the temporary files said for what they are."""

from __future__ import annotations

from pathlib import Path

from mockexchange.contract.kalshi.report import Run, translate

RUN = Run("my-key", Path("keys/my key.pem"), Path("/tmp/mockexchange-check-abc"), None)
SIGNED = (
    "    curl -X GET -H 'KALSHI-ACCESS-KEY: [Filtered]' -H 'KALSHI-ACCESS-SIGNATURE: c2ln+/==' "
    "-H 'KALSHI-ACCESS-TIMESTAMP: 1795411431616' 'http://127.0.0.1:35109/trade-api/v2/portfolio/fills?limit=1001&cursor='\n"
)


def test_a_signed_curl_becomes_the_sign_command_that_prints_it_signed_anew() -> None:
    assert list(translate([SIGNED], RUN)) == [
        "    # its signature has expired; this prints the curl signed anew (add | sh to send it):\n",
        "    mockexchange sign GET '/trade-api/v2/portfolio/fills?limit=1001&cursor=' --key-id my-key "
        "--private-key 'keys/my key.pem' --base-url http://127.0.0.1:35109 --curl\n",
    ]


def test_curls_sign_cannot_give_stay_as_they_are() -> None:
    unsigned = "    curl -X GET 'http://127.0.0.1:35109/trade-api/v2/portfolio/positions?limit=1'\n"
    with_body = SIGNED.replace("curl -X GET", "curl -X POST -d '{}'")
    other_header = SIGNED.replace("curl -X GET", "curl -X GET -H 'X-Other: 1'")
    for line in (unsigned, with_body, other_header):
        assert list(translate([line], RUN)) == [line]


def test_the_temporary_files_are_said_for_what_they_are() -> None:
    lines = [
        " ✅  Loaded specification from /tmp/mockexchange-check-abc/openapi.json\n",
        "     Configuration:    /tmp/mockexchange-check-abc/schemathesis.toml\n",
        "  - NDJSON: /tmp/mockexchange-check-abc/events.ndjson\n",
    ]
    assert list(translate(lines, RUN)) == [
        " ✅  Loaded specification from the checked slice (a temporary copy)\n",
        "     Configuration:    contract check's own (a temporary file)\n",
        "  - NDJSON: not kept (--report FILE keeps it)\n",
    ]
    kept = Run("my-key", Path("k.pem"), Path("/tmp/mockexchange-check-abc"), Path("/work/events.ndjson"))
    assert list(translate(["  - NDJSON: /work/events.ndjson\n"], kept)) == ["  - NDJSON: /work/events.ndjson\n"]
