"""The shipped scenario `rfq-desk`: a bot's RFQ loop over Kalshi's signed REST against the rule's desk, unattended on
the exchange clock (moved through the admin API): quoted at the file's figures after the rule's delay, accepted,
confirmed by the rule, executed (both positions); after the book moves, the next RFQ is quoted around the new mid."""

from __future__ import annotations

import json

import httpx
import plain_http

from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import load_file
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

T400 = "KXFED-26DEC-T4.00"


def wait(mock: MockServer, seconds: float) -> None:
    r = plain_http.post(f"{mock.base_url}/_admin/clock", content=json.dumps({"seconds": seconds}).encode(),
                        headers={"Content-Type": "application/json"}, timeout=10)  # fmt: skip
    assert r.status_code == 200, r.text


def ask(bot: httpx.Client, count: str) -> str:
    r = bot.post("/communications/rfqs", json={"market_ticker": T400, "contracts_fp": count, "rest_remainder": False})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def quoted(bot: httpx.Client, rfq_id: str) -> list[dict]:
    r = bot.get("/communications/quotes", params={"rfq_id": rfq_id})
    assert r.status_code == 200, r.text
    return r.json()["quotes"]


def test_a_bots_rfq_loop_runs_against_the_desk_as_the_file_says() -> None:
    scenario = load_file("rfq-desk", grammar=GRAMMAR)
    with MockServer(clock=ManualClock(scenario.start)) as mock:
        loaded = mock.load_scenario(path="rfq-desk", run=False)
        key = next(k for k in loaded["keys"] if k["key_id"] == "bot-rfq")
        mock.step(2)  # the two books
        auth = KalshiAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]))
        with httpx.Client(base_url=mock.kalshi_url, auth=auth, timeout=10) as bot:
            rfq_id = ask(bot, "10")
            wait(mock, 2)
            (quote,) = quoted(bot, rfq_id)
            assert (quote["yes_bid_dollars"], quote["no_bid_dollars"]) == ("0.4300", "0.5300")
            r = bot.put(f"/communications/quotes/{quote['id']}/accept", json={"accepted_side": "no"})
            assert r.status_code == 204, r.text
            wait(mock, 1 + 15)  # the desk confirms after 1 s; the execution timer runs 15 s
            assert quoted(bot, rfq_id)[0]["status"] == "executed"
            # the desk bought NO at 0.53; the bot YES at 0.47
            positions = bot.get("/portfolio/positions", params={"ticker": T400}).json()["market_positions"]
            held = [(row["position_fp"], row["market_exposure_dollars"]) for row in positions]
            assert held == [("10.00", "4.700000")]
            mock.step(2)  # 30 minutes on, the book moves: mid 0.53
            rfq_id = ask(bot, "5")
            assert quoted(bot, rfq_id) == []
            wait(mock, 2)
            (quote,) = quoted(bot, rfq_id)
            assert (quote["yes_bid_dollars"], quote["no_bid_dollars"]) == ("0.5100", "0.4500")
