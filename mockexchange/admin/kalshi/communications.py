"""A Kalshi account's RFQs and quotes as the inspector shows them: a part of `GET /_admin/accounts/{user_id}`'s
`kalshi` (`communications`), every subaccount's: the RFQs the user created, the quotes it made and the quotes offered
to it (on its RFQs), newest first, the first `HISTORY_ROWS` of each (`more` says whether more follow).

Each list is the Kalshi venue's own answer to `COMMUNICATIONS_QUERIES`' request as a key of the user would send it, so
a row is what REST serves that user, its private fields and obscured ids included.
"""

from __future__ import annotations

from typing import Any

from mockexchange.admin.kalshi.venue import API, venue_answer
from mockexchange.admin.queries import HISTORY_ROWS
from mockexchange.venues.kalshi import communications as venue
from mockexchange.venues.kalshi.context import KalshiContext

# Each list: the operation, the query it is asked with, the field of its answer
_LISTS = {
    "rfqs": (venue.get_rfqs, {"user_filter": "self"}, "rfqs"),
    "quotes_made": (venue.get_quotes, {"user_filter": "self"}, "quotes"),
    "quotes_offered": (venue.get_quotes, {"rfq_user_filter": "self"}, "quotes"),
}
COMMUNICATIONS_QUERIES = {
    name: f"{API}/communications/{field}?{next(iter(query))}=self&limit={HISTORY_ROWS}"
    for name, (_, query, field) in _LISTS.items()
}


def communications(ctx: KalshiContext, user_id: str) -> dict[str, Any]:
    """The user's RFQs, the quotes it made and those offered to it; under the ledger's lock (the caller holds it)."""
    shown: dict[str, Any] = {}
    for name, (operation, query, field) in _LISTS.items():
        answer = venue_answer(operation, ctx, user_id, {**query, "limit": str(HISTORY_ROWS)})
        shown[name] = {field: answer[field], "more": bool(answer.get("cursor"))}
    return shown
