"""`mockexchange contract check` on Kalshi's communications reads (RFQs, quotes, block trade proposals, the
communications id), their RFQ and quote ids drawn from what the account can see (contract/kalshi/discovery.py's
`find_communications`; the seeded account holds two RFQs, each quoted by the other side): the mock passes, and a
server that breaks them is named by operation and field, the healthy ones left unblamed."""

from __future__ import annotations

import re
from pathlib import Path

import kit_commands
import pytest
from broken_server import BrokenCommunications, serving_through

from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # each runs schemathesis in a child process (conftest.py)

READS = ("GetCommunicationsID", "GetRFQs", "GetRFQ", "GetQuotes", "GetQuote", "GetRFQQuote", "GetBlockTradeProposals")


def check(started: list[MockServer], server: MockServer, pem: Path) -> tuple[int, str, dict[str, str]]:
    """The reads checked against `server`, started and seeded: exit status, what it printed, the summary."""
    result, summary = kit_commands.check_seeded_reads(started, server, pem, READS, examples=3)
    return result.returncode, result.stdout + result.stderr, summary


def test_the_mock_passes_the_communications_reads_on_the_ids_the_account_sees(started, pem) -> None:
    status, out, summary = check(started, MockServer(), pem)
    assert status == 0, out[-4000:]
    assert "the communications API (for the RFQ and quote reads): 2 RFQs listed, 2 quotes the account may read" in out
    assert "no valid request can be drawn" not in out


def test_a_server_that_breaks_the_communications_reads_is_named_field_by_field(started, pem) -> None:
    status, out, summary = check(started, serving_through(BrokenCommunications), pem)
    assert status == 1, out[-4000:]
    rfqs = summary["GET /communications/rfqs"]
    assert re.search(r'rfqs\[\]\.contracts_fp: is not of type "string" \(e\.g\. [\d.]+\)', rfqs), rfqs
    quote = summary["GET /communications/rfqs/{rfq_id}/quotes/{quote_id}"]
    assert re.search(r'quote\.?.*"rfq_id" is a required property', quote), quote
    assert 'communications_id: is not of type "string"' in summary["GET /communications/id"]
    assert set(summary) == {
        "GET /communications/rfqs", "GET /communications/rfqs/{rfq_id}/quotes/{quote_id}", "GET /communications/id",
    }, summary  # fmt: skip
