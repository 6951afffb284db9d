"""Kalshi's communications API through the real clients, unmodified from PyPI in their own venvs, over real HTTP: the
official SDKs (sync and async 3.34.0, CommunicationsApi) and kalshi-sdk 22.4.0 (`client.communications`) run an RFQ
with two keys, the requester's and a maker's: the RFQ asked, listed and read, quoted, accepted, confirmed and
executed, each answer equal to the ledger's RFQ, quote and fills; a quote on one's own RFQ (400), a maker accepting
its own quote (403) and a quote on a closed RFQ (409) raised as the client's own errors; a block trade proposed,
listed, accepted and executed. kalshi_python_sync 3.2.0 on the legacy profile (its RFQ's and quote's integer twins)
reads the same RFQ and quotes, by the deprecated routes by the quote's id, its only ones (it has no block trades), and
raises its own ValidationError on the accept (its AcceptQuoteRequest takes accepted_side only as 'true' or 'false'),
a finding: nothing trades. The scene and its checks: mockexchange/contract/clients/scenes/rfqs.py (the client
matrix's `rfqs` column runs the same)."""

from __future__ import annotations

import pytest

from mockexchange.contract.clients.scenes.rfqs import RFQS
from mockexchange.contract.clients.scenes.scene import noted, problems

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

EVERY = [check.name for check in RFQS.checks]


@pytest.mark.parametrize("client", ["kalshi-python-sync", "kalshi-python-async", "kalshi-sdk"])
def test_the_client_trades_an_rfq_and_a_block_as_the_ledger_records_them(played, client: str) -> None:
    found = played(RFQS, client)
    assert problems(found) == {}
    assert list(found) == EVERY


def test_the_3_2_0_client_trades_an_rfq_by_the_quotes_id_on_the_legacy_profile(played) -> None:
    found = played(RFQS, "kalshi-python-sync-3.2.0")
    assert problems(found) == {}
    assert list(found) == [name for name in EVERY if name != "block trades"]
    assert any("accept raises ValidationError" in note for note in noted(found)), noted(found)
