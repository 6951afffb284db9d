"""The records `seed_rfq_writes` makes for the mock's own write suite (contracts/kalshi/test_mock_writes.py), read
back over HTTP as each party sees them: each write's record is in the state the write needs."""

from __future__ import annotations

import httpx

from mockexchange.app import build_app
from mockexchange.contract.kalshi.account import ASKER, MEMBER, seed, seed_orders, seed_rfq_writes, signer
from mockexchange.contract.kalshi.suite import BASE_PATH
from mockexchange.testing.in_process import InProcess


def test_each_communications_write_has_a_record_in_the_state_it_needs() -> None:
    mock = build_app()
    seed(mock.control)
    seed_orders(mock.control)
    made = seed_rfq_writes(mock.control, mock.asgi)
    client = httpx.Client(transport=InProcess(mock.asgi), base_url=f"http://testserver{BASE_PATH}")

    def read(path: str) -> dict:
        answer = client.get(path, headers=signer().headers("GET", BASE_PATH + path))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def status(quote_id: str) -> str:
        return read(f"/communications/quotes/{quote_id}")["quote"]["status"]

    assert read(f"/communications/rfqs/{made['deletable_rfq_ids'][0]}")["rfq"]["status"] == "open"
    assert read(f"/communications/rfqs/{made['quotable_rfq_ids'][0]}")["rfq"]["status"] == "open"
    for name in ("offered_quote_ids", "offered_pair_quote_ids", "own_quote_ids", "own_pair_quote_ids"):
        assert status(made[name][0]) == "open", name
    for name in ("accepted_quote_ids", "accepted_pair_quote_ids"):
        assert status(made[name][0]) == "accepted", name
    assert (made["own_user_ids"], made["counterparty_user_ids"]) == ((MEMBER,), (ASKER,))
    proposals = mock.control.block_trade_proposals(MEMBER)
    assert made["block_trade_proposal_ids"][0] in str(proposals)
