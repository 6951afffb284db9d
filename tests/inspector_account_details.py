"""A Kalshi account with details to show, for the inspector's tests (API, Chromium, Firefox): subaccounts with their own
balances and a netting setting, transfers between them and between exchange instances (one pending), a target balance
allocation, keys bound and unbound, a historical cutoff that moved fills, an order and a settled event's position, and
an FCM member whose subtraders have a daily cap and blocked categories. And what the page should show of each, read
from REST over signed HTTP, as the page lays it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
USER = "carol"
FCM = "fcm-arnold"
HISTORICAL = "KXHIST-26NOV-T1"  # its event settles before the cutoff: its position moves to /historical/positions
LIVE = "KXLIVE-26DEC-T2"


@dataclass
class AccountDetails:
    mock: MockServer
    clock: ManualClock
    user: httpx.Client  # signed with carol's unrestricted key
    fcm: httpx.Client  # signed with the FCM member's key
    bound_key_id: str  # carol's key locked to subaccount 2

    def __enter__(self) -> AccountDetails:
        return self

    def __exit__(self, *exc: object) -> None:
        self.user.close()
        self.fcm.close()


def _client(mock: MockServer, user_id: str, **key: Any) -> httpx.Client:
    made = mock.create_key(user_id, key_type="ed25519", **key)  # made at once (an RSA pair takes a while)
    signer = KalshiSigner.from_pem(made["key_id"], made["private_key_pem"])
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)


def seed(mock: MockServer, clock: ManualClock) -> AccountDetails:
    clock.set(T0)
    mock.create_account(USER, balance_cents=100_000)
    user = _client(mock, USER, name="desk bot")
    bound = mock.create_key(USER, key_type="ed25519", name="sub two reader", scopes=["read"], subaccount=2)
    for _ in range(2):
        mock.create_subaccount(USER)
    mock.subaccount_transfer(USER, "6f1c0d8e-5b0a-4c47-9a51-3b7f0c9d2e11", 0, 1, 2_550)
    mock.subaccount_transfer(USER, "0b9e3c2a-7d14-4e6b-8f02-5c1d9a7e4b33", 1, 2, 305)
    mock.set_subaccount_netting(USER, 1, False)
    mock.intra_exchange_transfer(USER, "event_contract", "margined", 12_345,
                                 client_transfer_id="2d7f4a10-9c3b-4e85-b1a6-0f8e2c5d7a94")  # fmt: skip
    mock.intra_exchange_transfer(USER, "margined", "event_contract", 5_000, status="pending")
    split = [{"exchange_index": 0, "percent": 60}, {"exchange_index": 1, "percent": 40}]
    mock.set_target_balance_allocation(USER, split, "max")
    for minutes in (1, 2):
        clock.set(T0 + timedelta(minutes=minutes))
        mock.fill(USER, HISTORICAL, "yes", "buy", "3", "0.40")
    mock.create_order(USER, LIVE, "no", "buy", "2", "0.30", order_id="ord-ended")
    mock.cancel_order("ord-ended")
    clock.set(T0 + timedelta(minutes=3))
    mock.settle(HISTORICAL, "yes")
    clock.set(T0 + timedelta(minutes=20))
    mock.fill(USER, LIVE, "yes", "buy", "5", "0.55")  # after the cutoff: stays on the live reads
    mock.set_historical_cutoff(at=(T0 + timedelta(minutes=10)).isoformat())
    mock.create_account(FCM, balance_cents=250_000, fcm_member=True)
    fcm = _client(mock, FCM, name="risk desk")
    for suffix in ("A", "B"):
        mock.create_fcm_subtrader(FCM, suffix)
    mock.set_fcm_daily_cap(FCM, f"{FCM}_A", "250.00")
    for category in ("Politics", "Sports"):
        mock.set_fcm_blocked_category(FCM, f"{FCM}_A", category, True)
    mock.create_key(FCM, key_type="ed25519", name="sub A trader", subtrader_id=f"{FCM}_A")
    return AccountDetails(mock, clock, user, fcm, bound["key_id"])


def served(client: httpx.Client, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def cell(value: Any) -> str:
    """A value as a cell of the page shows it."""
    return "\u2013" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def rows(records: list[dict[str, Any]], columns: list[str] | None = None) -> list[dict[str, str]]:
    """REST's records as the page's table of them: each column (the wire field) to its cell's text."""
    return [{name: cell(record.get(name)) for name in (columns or list(record))} for record in records]


def shown_as(on_page: list[dict[str, str]], records: list[dict[str, Any]]) -> None:
    """A table of the page (the columns it chose, each a wire field) holds REST's records, row by row, cell by cell."""
    assert len(on_page) == len(records), (on_page, records)
    for row, record in zip(on_page, records, strict=True):
        assert row and set(row) <= set(record), (row, record)
        assert row == {name: cell(record[name]) for name in row}


def cents_in_dollars(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"


def expected_subaccounts(client: httpx.Client) -> list[dict[str, str]]:
    """GET /portfolio/subaccounts/balances beside .../netting, row by row (subaccount, exchange index)."""
    netting = {(c["subaccount_number"], c["exchange_index"]): c["enabled"]
               for c in served(client, "/portfolio/subaccounts/netting")["netting_configs"]}  # fmt: skip
    found = []
    for balance in served(client, "/portfolio/subaccounts/balances")["subaccount_balances"]:
        enabled = netting[(balance["subaccount_number"], balance["exchange_index"])]
        found.append({**balance, "netting": "enabled" if enabled else "disabled"})
    return rows(found)


def expected_subaccount_transfers(client: httpx.Client) -> list[dict[str, str]]:
    transfers = served(client, "/portfolio/subaccounts/transfers", limit=100)["transfers"]
    columns = ["created_ts", "transfer_id", "from_subaccount", "to_subaccount", "amount_cents", "dollars",
               "exchange_index"]  # fmt: skip
    return rows([{**t, "dollars": cents_in_dollars(t["amount_cents"])} for t in transfers], columns)


def expected_instance_transfers(client: httpx.Client) -> list[dict[str, str]]:
    transfers = served(client, "/portfolio/intra_exchange_instance_transfers", limit=100)["transfers"]
    columns = ["created_ts", "transfer_id", "client_transfer_id", "status", "source", "source_exchange_shard",
               "destination", "destination_exchange_shard", "amount", "dollars"]  # fmt: skip
    return rows([{**t, "dollars": "$" + t["amount"]} for t in transfers], columns)


def expected_keys(client: httpx.Client) -> list[dict[str, str]]:
    keys = served(client, "/api_keys")["api_keys"]
    columns = ["api_key_id", "name", "scopes", "subaccount", "fcm_subtrader_id"]
    present = [name for name in columns if any(name in key for key in keys)]
    return rows([{**key, "scopes": ", ".join(key["scopes"])} for key in keys], present)


def expected_fcm_desk(client: httpx.Client) -> list[dict[str, str]]:
    found = []
    for subtrader in served(client, "/fcm/subtraders")["subtraders"]:
        named = subtrader["subtrader_id"]
        capped = client.get("/fcm/subtraders/event_contract_daily_cap", params={"subtrader_id": named})
        assert capped.status_code in (200, 404), capped.text
        cap = capped.json() if capped.status_code == 200 else {}
        blocked = served(client, "/fcm/subtraders/blocked_categories", subtrader_id=named)["categories"]
        found.append(
            {
                "subtrader_id": named,
                "exchange_indices": ", ".join(map(str, subtrader["exchange_indices"])),
                **{name: cap.get(name) for name in ("limit", "executed_utilization", "resting_order_utilization")},
                "cap_date": cap.get("cap_date"),
                "blocked_categories": ", ".join(blocked) or None,
            }
        )
    return rows(found)


def moved_text(client: httpx.Client, subaccount: int = 0) -> str:
    """The page's line of what the cutoff moved, counted from the /historical/* reads (every page of them)."""
    counts = {}
    for path, name in (("/historical/fills", "fills"), ("/historical/orders", "orders")):
        counts[name] = len(served(client, path, limit=1000)[name])
    positions = served(client, "/historical/positions", limit=1000, subaccount=subaccount)
    return (
        f"moved to /historical/*: {_plural(counts['fills'], 'fill')} and {_plural(counts['orders'], 'ended order')} "
        f"of the account, {_plural(len(positions['market_positions']), 'position')} in "
        f"{_plural(len(positions['event_positions']), 'event')} of subaccount {subaccount}"
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
