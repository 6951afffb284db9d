"""`mockexchange contract check` on Kalshi's multivariate reads (the collections, one collection, the combo events),
the collection a path names drawn from what the exchange lists (contract/kalshi/discovery.py; the seeded account's
exchange holds a collection and a combo made in it): a server that breaks each read is named by operation and field,
and nothing else (the mock passes them: contracts/kalshi's suites, and tests/contract/test_check.py's clean run). One
example each: each defect shows in every answer."""

from __future__ import annotations

import re
from pathlib import Path

import kit_commands
import pytest
from broken_multivariate import BrokenMultivariate
from broken_server import serving_through

from mockexchange.schema.refinements import MULTIVARIATE_READS
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # each runs schemathesis in a child process (conftest.py)


def check(started: list[MockServer], server: MockServer, pem: Path) -> tuple[int, str, dict[str, str]]:
    """The reads checked against `server`, started and seeded: exit status, what it printed, the summary."""
    result, summary = kit_commands.check_seeded_reads(started, server, pem, MULTIVARIATE_READS)
    return result.returncode, result.stdout + result.stderr, summary


def test_a_server_that_breaks_the_multivariate_reads_is_named_field_by_field(started, pem) -> None:
    status, out, summary = check(started, serving_through(BrokenMultivariate), pem)
    assert status == 1, out[-4000:]
    # (found through the broken listing: its tickers hold)
    assert ", 10 historical markets, 1 multivariate collections" in out
    assert "no valid request can be drawn" not in out
    listed = summary["GET /multivariate_event_collections"]
    assert re.search(r'multivariate_contracts\[\]\.size_min: is not of type "integer"', listed), listed
    one = summary["GET /multivariate_event_collections/{collection_ticker}"]
    assert re.search(r'associated_events\[\].*"is_yes_only" is a required property', one), one
    assert '"cursor" is a required property' in summary["GET /events/multivariate"]
    assert len(summary) == 3, summary
