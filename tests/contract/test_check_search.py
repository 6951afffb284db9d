"""`mockexchange contract check` on Kalshi's search reads (the seed's sports series with a competition gives both
rows; tests/contract/test_check.py runs them on the whole seed): a server that breaks them is named by operation and
field."""

from __future__ import annotations

import kit_commands
import pytest
from broken_server import BrokenSearch, serving_through

from mockexchange.contract.kalshi.account import MEMBER, seed_key, seed_search
from mockexchange.schema.refinements import SEARCH_READS

pytestmark = pytest.mark.slow  # it runs schemathesis (conftest.py)


def test_a_server_that_breaks_the_search_reads_is_named_field_by_field(started, pem) -> None:
    server = serving_through(BrokenSearch)
    started.append(server.start())
    server.create_account(MEMBER, balance_cents=100)  # (the reads need no more of the seeded account)
    seed_search(server)
    seed_key(server)
    result, summary = kit_commands.check_reads(server, pem, SEARCH_READS)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out[-4000:]
    tags = summary["GET /search/tags_by_categories"]
    assert 'tags_by_categories.Sports: is not of type "array" (e.g. 1)' in tags, tags
    assert '"sport_ordering" is a required property' in summary["GET /search/filters_by_sport"], summary
    assert set(summary) == {"GET /search/tags_by_categories", "GET /search/filters_by_sport"}, summary
