"""What the kit's communications write checks need (`contract check --communications`; account_values.AccountValues'
communications write fields), made before any case is drawn, each write given records of its own so that one write's
cases never spend another's.

- The kit's RFQs (`ASK`: one contract, no remainder rested), each on the next order market that takes one: one for
  DeleteRFQ, and two the other user quotes (`BIDS`) for the two accepts; CreateRFQ names the markets after them.
- With the other user's key (`--counterparty-key-id`, `--counterparty-private-key`): that user's RFQs, one for
  CreateQuote, two the kit quotes for the two quote deletes, and two the kit quotes and the other user accepts (YES)
  for the two confirms; its proposal of a block trade to the account (it buys `BLOCK` from the account) for
  AcceptBlockTradeProposal; and both users' ids (an RFQ's `creator_user_id`, which only its creator reads) for
  ProposeBlockTrade, whose expiration is an hour after the kit's clock. A confirmed quote executes when the
  execution timer ends (one contract at $0.01 a side), an accepted one not confirmed within the confirmation window
  (30 s) is voided: a confirm the run reaches later is refused, and the refusal judged right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mockexchange.contract.kalshi.preflight import TIMEOUT
from mockexchange.testing.signing import KalshiSigner

ASK: dict[str, Any] = {"contracts_fp": "1", "rest_remainder": False}
BIDS: dict[str, Any] = {"yes_bid": "0.01", "no_bid": "0.01", "rest_remainder": False}
BLOCK: dict[str, Any] = {"price_centi_cents": 100, "centicount": 100, "maker_side": "yes"}
EXPIRES_IN = timedelta(hours=1)
RFQS, QUOTES = "/communications/rfqs", "/communications/quotes"
# A call: (method, path, body) -> the answer's JSON on a 2xx (None for a 204's empty one), or None when refused.
Call = Callable[[str, str, dict[str, Any] | None], Any]


@dataclass
class RfqValues:
    """The communications write fields of `AccountValues`, what the kit made, and what could not be made."""

    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    made: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def prepare(
    base_url: str,
    signer: KalshiSigner,
    counterparty: KalshiSigner | None,
    markets: tuple[str, ...],
    *,
    client: httpx.Client | None = None,
) -> RfqValues:
    """The kit's records for the communications writes at a server (`markets`: the order markets), with the other
    user's when its key is given; `client`: one to call the server with (the mock's own suite passes one bound to
    the app in-process), a new one otherwise."""
    found = RfqValues(values={"order_markets": markets})  # the markets CreateRFQ and ProposeBlockTrade name
    with client or httpx.Client(timeout=TIMEOUT, follow_redirects=False) as session:
        me = _caller(session, base_url, signer)
        left = iter(markets)
        mine = _ask(me, left, 3, found, "the kit's")
        # CreateRFQ's markets: those after the kit's, where it has asked for none (a second RFQ on one is a 409)
        found.values |= {"deletable_rfq_ids": tuple(mine[:1]), "rfq_markets": tuple(left)}
        if counterparty is None:
            return found
        them = _caller(session, base_url, counterparty)
        offered = [_made(them("POST", QUOTES, {"rfq_id": rfq_id, **BIDS})) for rfq_id in mine[1:]]
        theirs = _ask(them, iter(markets), 5, found, "the other user's")
        quoted = [_made(me("POST", QUOTES, {"rfq_id": rfq_id, **BIDS})) for rfq_id in theirs[1:]]
        accepted = [
            quote_id
            for quote_id in quoted[2:]
            if quote_id and them("PUT", f"{QUOTES}/{quote_id}/accept", {"accepted_side": "yes"}) is not None
        ]
        found.values |= {
            "quotable_rfq_ids": tuple(theirs[:1]),
            **_one_and_pair("offered", mine[1:], offered),
            **_one_and_pair("own", theirs[1:3], quoted[:2]),
            **_one_and_pair("accepted", theirs[3:], [q if q in accepted else None for q in quoted[2:]]),
        }
        found.made.append(f"{sum(map(bool, offered))} quotes by the other user, {len(quoted)} by the kit, "
                          f"{len(accepted)} accepted")  # fmt: skip
        _block_trades(me, them, mine, theirs, markets, found)
    return found


def _block_trades(me: Call, them: Call, mine: list[str], theirs: list[str], markets: tuple[str, ...],
                  found: RfqValues) -> None:  # fmt: skip
    """Both users' ids, read from an RFQ of each, and the other user's proposal of a block trade to the account."""
    own, other = _creator(me, mine), _creator(them, theirs)
    if own is None or other is None or not markets:
        found.problems.append("the users' ids could not be read: no block trade proposed")
        return
    expires = (datetime.now(UTC) + EXPIRES_IN).isoformat().replace("+00:00", "Z")
    body = {"buyer_user_id": other, "seller_user_id": own, "market_ticker": markets[0], **BLOCK,
            "expiration_ts": expires}  # fmt: skip
    proposal = them("POST", "/communications/block-trade-proposals", body)
    made = proposal.get("block_trade_proposal_id") if isinstance(proposal, dict) else None
    found.values |= {
        "own_user_ids": (own,),
        "counterparty_user_ids": (other,),
        "block_trade_expirations": (expires,),
        "block_trade_proposal_ids": (made,) if isinstance(made, str) else (),
    }
    if not isinstance(made, str):
        found.problems.append("the other user's block trade proposal was refused")


def _caller(client: httpx.Client, base_url: str, signer: KalshiSigner) -> Call:
    base_path = httpx.URL(base_url).path.rstrip("/")

    def call(method: str, path: str, body: dict[str, Any] | None) -> Any:
        headers = signer.headers(method, base_path + path)
        try:
            answer = client.request(method, base_url.rstrip("/") + path, headers=headers, json=body)
            if answer.status_code not in range(200, 300):
                return None
            return answer.json() if answer.content else {}
        except (httpx.HTTPError, ValueError):
            return None

    return call


def _made(answer: Any) -> str | None:
    made = answer.get("id") if isinstance(answer, dict) else None
    return made if isinstance(made, str) else None


def _ask(call: Call, markets: Iterator[str], wanted: int, found: RfqValues, whose: str) -> list[str]:
    """`wanted` RFQs of the caller's, each on the next market that takes one (a market where it has an open RFQ
    already refuses another); the markets not tried are left in `markets`."""
    asked: list[str] = []
    for ticker in markets:
        made = _made(call("POST", RFQS, {"market_ticker": ticker, **ASK}))
        if made is not None:
            asked.append(made)
        if len(asked) == wanted:
            break
    found.made.append(f"{len(asked)} RFQs of {whose}")
    if len(asked) < wanted:
        found.problems.append(f"{wanted - len(asked)} of {whose} RFQs were refused")
    return asked


def _one_and_pair(name: str, rfq_ids: list[str], quote_ids: list[str | None]) -> dict[str, tuple[str, ...]]:
    """A write's quote (the first) and the scoped write's quote with its RFQ (the second), where they were made."""
    pairs = [(r, q) for r, q in zip(rfq_ids, quote_ids, strict=False) if q]
    one, pair = pairs[:1], pairs[1:2]
    return {
        f"{name}_quote_ids": tuple(q for _, q in one),
        f"{name}_pair_rfq_ids": tuple(r for r, _ in pair),
        f"{name}_pair_quote_ids": tuple(q for _, q in pair),
    }


def _creator(call: Call, rfq_ids: list[str]) -> str | None:
    """The creator_user_id of the caller's first RFQ, as it reads it."""
    answer = call("GET", f"{RFQS}/{rfq_ids[0]}", None) if rfq_ids else None
    rfq = answer.get("rfq") if isinstance(answer, dict) else None
    user_id = rfq.get("creator_user_id") if isinstance(rfq, dict) else None
    return user_id if isinstance(user_id, str) else None
