"""The account methods of `contract check-deribit`: the reads (subaccounts, the current deposit address, the transaction
log, the user's locks, a simulated portfolio, a dry run of the margin model, the API keys) run with the other reads;
the writes (a subaccount created, renamed and its login toggled, transfers to it and to a user, a withdrawal and its
cancelling, a deposit address created, the self-trading config set to Deribit's default, an API key made, changed and
removed; positions moved are only refused) move the
account's money or change it, so they run only with `--account-writes`, in an order where each call uses what the one
before made (the new subaccount's id, the withdrawal's id). Without the flag nothing is sent to them.
"""

from __future__ import annotations

import argparse
from typing import Any

from mockexchange.contract.deribit.writes import NOT_A_CURRENCY, Call, Judge, Params, run_writes

# An API key's round trip: made, renamed, its scope changed, edited, disabled and enabled, its secret reset, made the
# default (a method the slice lacks: never asked), removed.
KEY_WRITES = (
    "private/create_api_key", "private/change_api_key_name", "private/change_scope_in_api_key",
    "private/edit_api_key", "private/disable_api_key", "private/enable_api_key", "private/reset_api_key",
    "private/set_api_key_as_default", "private/remove_api_key",
)  # fmt: skip
WRITES = (
    "private/create_subaccount", "private/change_subaccount_name", "private/toggle_subaccount_login",
    "private/submit_transfer_to_subaccount", "private/submit_transfer_to_user", "private/cancel_transfer_by_id",
    "private/withdraw", "private/cancel_withdrawal", "private/create_deposit_address",
    "private/set_self_trading_config", "private/move_positions", *KEY_WRITES,
)  # fmt: skip
PENDING_TRANSFERS = ("prepared", "waiting_for_admin")  # a transfer Deribit can still cancel
FLAG = "--account-writes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        FLAG, action="store_true",
        help="also check the account writes (creating a subaccount, renaming it, toggling its login, transfers to it "
        "and to --transfer-user, a withdrawal to --withdrawal-address and its cancelling, a deposit address): they "
        "change the account and move --amount of its money",
    )  # fmt: skip
    p.add_argument("--transfer-user", metavar="USERNAME", help="the user a transfer goes to (with --account-writes)")
    p.add_argument("--withdrawal-address", metavar="ADDRESS", help="where a withdrawal goes (with --account-writes)")
    p.add_argument("--amount", default="0.0001", help="the amount each transfer and withdrawal moves (default 0.0001)")


def read_cases(method: str, ctx: dict[str, Any]) -> list[tuple[str, Params | None]] | None:
    """(kind, params) of each call of an account read; None for a method that is none."""
    currency = ctx["currency"]
    window = {"currency": currency, "start_timestamp": 0, "end_timestamp": ctx["now_ms"]}
    table: dict[str, list[tuple[str, Params | None]]] = {
        "private/get_subaccounts": [
            ("valid", {}), ("valid", {"with_portfolio": True}), ("invalid", {"with_portfolio": "yes"}),
        ],
        "private/get_subaccounts_details": [
            ("valid", {"currency": currency}), ("valid", {"currency": currency, "with_open_orders": True}),
            ("invalid", {"currency": NOT_A_CURRENCY}),
        ],
        "private/get_current_deposit_address": [("valid", {"currency": currency}), ("invalid", {"currency": 7})],
        "private/get_transaction_log": [
            ("valid", window), ("valid", {**window, "count": 1}),
            ("invalid", {**window, "start_timestamp": "soon"}),
        ],
        "private/get_user_locks": [("valid", {})],
        "private/list_api_keys": [("valid", {})],
        # (a session's tokens: no refresh token of the kit's is sent, only a call missing a param)
        "public/fork_token": [("valid", None), ("invalid", {"refresh_token": "not-a-token"})],
        "public/exchange_token": [("valid", None), ("invalid", {"refresh_token": "not-a-token"})],
        "private/simulate_portfolio": [
            ("valid", {"currency": currency}), ("valid", {"currency": currency, "add_positions": False}),
            ("invalid", {"currency": NOT_A_CURRENCY}),
        ],
        "private/change_margin_model": [  # (a dry run: nothing changes)
            ("valid", {"margin_model": "segregated_sm", "dry_run": True}),
            ("invalid", {"margin_model": "sometimes", "dry_run": True}),
        ],
    }  # fmt: skip
    return table.get(method)


def exercise_writes(
    transport: str, call: Call, asked: list[str], ctx: dict[str, Any], verdicts: dict[str, Any], judge: Judge
) -> None:
    """Each asked write, valid then invalid, in the order that feeds one call's result to the next."""
    run_writes(
        [m for m in WRITES if m in asked], bool(ctx.get("account_writes")),
        f"not run: it changes the account (check it with {FLAG})",
        lambda method, made: _write_cases(method, ctx, made), transport, call, verdicts, judge,
    )  # fmt: skip


def _field(made: dict[str, Any], method: str, name: str) -> Any:
    result = made.get(method)
    return result.get(name) if isinstance(result, dict) else None


def _write_cases(method: str, ctx: dict[str, Any], made: dict[str, Any]) -> list[tuple[str, Params | None, str]]:
    """(kind, params, why none) of each call of a write, from what the earlier writes made."""
    if method in KEY_WRITES:
        return _key_cases(method, made)
    currency, amount = ctx["currency"], ctx["amount"]
    sid = _field(made, "private/create_subaccount", "id")
    no_sid = "no subaccount of its own (private/create_subaccount made none)"
    by_sid = {"sid": sid} if isinstance(sid, int) else None
    user, address = ctx.get("transfer_user"), ctx.get("withdrawal_address")
    transfers = [made.get(m) for m in ("private/submit_transfer_to_user", "private/submit_transfer_to_subaccount")]
    pending = next((t["id"] for t in transfers if isinstance(t, dict) and t.get("state") in PENDING_TRANSFERS), None)
    withdrawal = _field(made, "private/withdraw", "id")
    money = {"currency": currency, "amount": amount}
    table: dict[str, list[tuple[str, Params | None, str]]] = {
        "private/create_subaccount": [("valid", {}, "")],
        "private/change_subaccount_name": [
            ("valid", {**by_sid, "name": f"kit_{sid}"} if by_sid else None, no_sid),
            ("invalid", {"sid": "not-a-number", "name": "kit"}, ""),
        ],
        "private/toggle_subaccount_login": [
            ("valid", {**by_sid, "state": "disable"} if by_sid else None, no_sid),
            ("valid", {**by_sid, "state": "enable"} if by_sid else None, no_sid),
            ("invalid", {**(by_sid or {"sid": 1}), "state": "sometimes"}, ""),
        ],
        "private/submit_transfer_to_subaccount": [
            ("valid", {**money, "destination": sid} if by_sid else None, no_sid),
            ("invalid", {**money, "destination": "not-a-number"}, ""),
        ],
        "private/submit_transfer_to_user": [
            ("valid", {**money, "destination": user} if user else None, "no user to send to (give --transfer-user)"),
            ("invalid", {**money, "amount": "lots", "destination": user or "nobody"}, ""),
        ],
        "private/cancel_transfer_by_id": [
            (
                "valid",
                {"currency": currency, "id": pending} if pending else None,
                "no transfer still pending to cancel (the transfers made were confirmed at once)",
            ),
            ("invalid", {"currency": currency, "id": "not-a-number"}, ""),
        ],  # fmt: skip
        "private/withdraw": [
            (
                "valid",
                {**money, "address": address} if address else None,
                "nowhere to withdraw to (give --withdrawal-address)",
            ),
            ("invalid", {**money, "address": address or "nowhere", "priority": "whenever"}, ""),
        ],  # fmt: skip
        "private/cancel_withdrawal": [
            (
                "valid",
                {"currency": currency, "id": withdrawal} if isinstance(withdrawal, int) else None,
                "no withdrawal of its own to cancel (private/withdraw made none)",
            ),
            ("invalid", {"currency": currency, "id": "not-a-number"}, ""),
        ],  # fmt: skip
        "private/create_deposit_address": [
            ("valid", {"currency": currency}, ""),
            ("invalid", {"currency": NOT_A_CURRENCY}, ""),
        ],
        "private/set_self_trading_config": [  # (the rule Deribit's default and the mock's matching apply)
            ("valid", {"mode": "reject_taker", "extended_to_subaccounts": False}, ""),
            ("invalid", {"mode": "sometimes", "extended_to_subaccounts": False}, ""),
        ],
        "private/move_positions": [
            ("valid", None, "not sent: it would move the account's positions between its subaccounts"),
            ("invalid", {"source_uid": "not-a-number", "target_uid": sid or 1, "trades": []}, ""),
        ],
    }
    return table[method]


def _key_cases(method: str, made: dict[str, Any]) -> list[tuple[str, Params | None, str]]:
    """The API key's round trip on the key `private/create_api_key` made (its `id`), each with an invalid call."""
    number = _field(made, "private/create_api_key", "id")
    key = {"id": number} if isinstance(number, int) else None
    why = "no API key of its own (private/create_api_key made none)"
    bad = {"id": "not-a-number", "max_scope": "account:read", "name": "kit"}
    table: dict[str, tuple[Params | None, Params]] = {
        "private/create_api_key": ({"max_scope": "account:read", "name": "kit"}, {"max_scope": "account:sometimes"}),
        "private/change_api_key_name": (key and {**key, "name": "kit_renamed"}, bad),
        "private/change_scope_in_api_key": (key and {**key, "max_scope": "account:read trade:read"}, bad),
        "private/edit_api_key": (key and {**key, "max_scope": "account:read", "name": "kit"}, bad),
    }
    valid, invalid = table.get(method, (key, {"id": "not-a-number"}))
    return [("valid", valid, "" if method == "private/create_api_key" else why), ("invalid", invalid, "")]
