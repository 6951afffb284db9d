"""Kalshi's operations on the mock: accounts, keys, markets, fills, resting orders, transfers and settlement.

Each method takes plain JSON-like values, checks every one (`values.py`; money as decimal strings within its bounds,
never floats), lets `core` do the work and answers a JSON-ready dict; a refusal is a `ControlError`.
"""

from __future__ import annotations

import uuid
from functools import partialmethod
from typing import Any

from mockexchange.auth.errors import KeyRegistrationError
from mockexchange.auth.kalshi.keys import (
    KeyRegistry,
    PemError,
    generate_private_key,
    load_public_key,
    policy_refusal,
    private_key_pem,
    public_key_pem,
)
from mockexchange.control.commands import command, operation
from mockexchange.control.errors import ControlError
from mockexchange.control.kalshi_account import key_scopes
from mockexchange.control.values import (
    MAX_PEM,
    choice,
    optional_integer,
    optional_text,
    text,
)
from mockexchange.core.kalshi.account_commands import CreateAccount, SeedTransfer
from mockexchange.core.kalshi.account_handlers import Opened
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT, LedgerError
from mockexchange.core.kalshi.fill_commands import SeedFill, SeedFills
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_commands import SettleMarket
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kalshi.seeded_order_commands import CancelRestingOrder, SeedOrder
from mockexchange.core.kalshi.transfers import Transfer
from mockexchange.core.money import plain

SIDES = ("yes", "no")
ACTIONS = ("buy", "sell")
KEY_TYPES = ("rsa", "ed25519")


def fill_json(fill: Fill) -> dict[str, Any]:
    return {
        "fill_id": fill.fill_id,
        "order_id": fill.order_id,
        "user_id": fill.user_id,
        "subaccount": fill.subaccount,
        "ticker": fill.ticker,
        "event_ticker": fill.event_ticker,
        "side": fill.side,
        "action": fill.action,
        "count": plain(fill.count),
        "price": plain(fill.price),
        "fee": plain(fill.fee),
        "post_position": plain(fill.post_position),
        "created_time": fill.created.isoformat(),
    }


def _account_json(opened: Opened) -> dict[str, Any]:
    account = opened.account
    return {
        "user_id": account.user_id,
        "balance_cents": opened.command.balance_cents,
        "fcm_member": account.fcm_member,
        "subtrader_of": account.subtrader_of,
    }


def transfer_json(record: Transfer) -> dict[str, Any]:
    return {
        "id": record.id,
        "user_id": record.user_id,
        "kind": record.kind,
        "status": record.status,
        "type": record.type,
        "amount_cents": record.amount_cents,
        "fee_cents": record.fee_cents,
    }


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "user_id": order.user_id,
        "ticker": order.ticker,
        "side": order.side,
        "action": order.action,
        "count": f"{order.count:f}",
        "price": f"{order.price:f}",
        "subaccount": order.subaccount,
    }


def _settled_json(market: Market) -> dict[str, Any]:
    settled = market.settled_time  # (set: the market is settled)
    return {"ticker": market.ticker, "result": market.result, "settled_time": settled and settled.isoformat()}


class KalshiOperations:
    """Mixed into `Control`, which owns the state they act on."""

    ledger: Ledger
    keys: KeyRegistry

    create_account = operation(CreateAccount, _account_json)

    @command(draw=lambda control, arguments: _drawn_key(arguments))
    def create_key(
        self,
        user_id: str,
        public_key_pem: str | None = None,
        subaccount: int | None = None,
        subtrader_id: str | None = None,
        key_type: str = "rsa",
        key_id: str | None = None,
        name: str | None = None,
        scopes: list[str] | None = None,
    ) -> dict[str, Any]:
        """An API key for the user: the given public key, or a new pair (then the private key PEM is returned).

        `subaccount` locks the key to one subaccount; `subtrader_id` binds an FCM member's key to one subtrader.
        `name` and `scopes` (Kalshi's ApiKeyScope values; `read` and `write` unless given) are what GET /api_keys shows.
        """
        user_id = text(user_id, "user_id")
        name = optional_text(name, "name") or ""
        kept_scopes = key_scopes(scopes)
        public_key_pem = optional_text(public_key_pem, "public_key_pem", most=MAX_PEM)
        subaccount = optional_integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT)
        subtrader_id = optional_text(subtrader_id, "subtrader_id")
        key_type = choice(key_type, "key_type", KEY_TYPES)
        key_id = optional_text(key_id, "key_id")
        with self.ledger.reading():
            try:
                account = self.ledger.account(user_id)
            except LedgerError as exc:
                raise ControlError(str(exc), exc.status) from None
            if subtrader_id is not None:
                if not account.fcm_member:
                    raise ControlError("subtrader_id needs an FCM member account")
                if subtrader_id not in account.subtraders:
                    raise ControlError(f"{subtrader_id!r} is not a subtrader of {user_id!r}")
        private_pem = None
        try:
            if public_key_pem is None:
                private = generate_private_key(key_type)  # type: ignore[arg-type]
                private_pem = private_key_pem(private)
                public = private.public_key()
            else:
                public = load_public_key(public_key_pem)
                if (refusal := policy_refusal(public, self.keys.policy)) is not None:
                    raise ControlError(f"public_key_pem is refused: {refusal}")
            key = self.keys.add(
                user_id, public, key_id=key_id, subaccount=subaccount, subtrader_id=subtrader_id, name=name,
                scopes=kept_scopes,
            )  # fmt: skip
        except PemError as exc:
            raise ControlError(f"public_key_pem is not an RSA or Ed25519 public key in PEM ({exc})") from None
        except KeyRegistrationError as exc:
            raise ControlError(str(exc)) from None
        answer: dict[str, Any] = {"key_id": key.key_id, "user_id": user_id, "key_type": key.key_type}
        if private_pem is not None:
            answer["private_key_pem"] = private_pem
        return answer

    fill = operation(SeedFill, fill_json)

    fills = operation(SeedFills, lambda made: {"count": len(made), "fill_ids": [fill.fill_id for fill in made]})
    create_order = operation(SeedOrder, _order_json)
    cancel_order = operation(CancelRestingOrder, lambda done: {"order_id": done.order.order_id, "cancelled": True})
    transfer = operation(SeedTransfer, transfer_json)
    deposit = partialmethod(transfer, "deposit")
    withdrawal = partialmethod(transfer, "withdrawal")

    settle = operation(SettleMarket, _settled_json)


def _drawn_key(arguments: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new key pair and id, drawn before the command runs: it is kept with the public half (the private key is the
    user's, in the answer only) and the id. A private key given as `public_key_pem` (which is taken for its public
    half) is kept as that public half: a state file holds no private key."""
    drawn, answer = dict(arguments), {}
    key_type = drawn.get("key_type", "rsa")
    given = drawn.get("public_key_pem")
    if isinstance(given, str) and "PRIVATE KEY" in given:
        drawn["public_key_pem"] = _public_half(given)
    if drawn.get("public_key_pem") is None and key_type in KEY_TYPES:
        private = generate_private_key(key_type)
        drawn["public_key_pem"] = public_key_pem(private.public_key())
        answer["private_key_pem"] = private_key_pem(private)
    if drawn.get("key_id") is None:
        drawn["key_id"] = str(uuid.uuid4())  # as the registry draws one
    return drawn, answer


def _public_half(pem: str) -> str:
    """The public key PEM of a private key's PEM; one that does not load, a PEM that is refused as it was."""
    try:
        return public_key_pem(load_public_key(pem))
    except PemError:
        return "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"  # refused again, holding nothing
