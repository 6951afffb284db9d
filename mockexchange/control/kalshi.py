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
    amount,
    boolean,
    choice,
    integer,
    optional_integer,
    optional_text,
    text,
)
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT, LedgerError
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.new_fill import FILL_REQUIRED, NewFill
from mockexchange.core.kalshi.transfers import TRANSFER_STATUSES, TRANSFER_TYPES
from mockexchange.core.money import MAX_CENTS, from_cents, parse_count, parse_fee, parse_price, plain

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


class KalshiOperations:
    """Mixed into `Control`, which owns the state they act on."""

    ledger: Ledger
    keys: KeyRegistry

    @command()
    def create_account(
        self,
        user_id: str,
        balance_cents: int = 0,
        fcm_member: bool = False,
        subtrader_of: str | None = None,
    ) -> dict[str, Any]:
        """An account with a starting balance (cents) in its primary subaccount; an FCM member or its subtrader."""
        user_id = text(user_id, "user_id")
        balance = from_cents(integer(balance_cents, "balance_cents", 0, MAX_CENTS))
        fcm_member = boolean(fcm_member, "fcm_member")
        subtrader_of = optional_text(subtrader_of, "subtrader_of")
        try:
            account = self.ledger.open_account(
                user_id, balance=balance, fcm_member=fcm_member, subtrader_of=subtrader_of
            )
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {
            "user_id": account.user_id,
            "balance_cents": balance_cents,
            "fcm_member": account.fcm_member,
            "subtrader_of": account.subtrader_of,
        }

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
                account = self.ledger.state.account(user_id)
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

    @command()
    def fills(self, fills: list[dict[str, Any]]) -> dict[str, Any]:
        """Many fills at once, to seed a large sandbox: each a mapping of `fill`'s arguments (user_id, ticker, side,
        action, count, price, and optionally event_ticker, subaccount, is_taker, fee, order_id, client_order_id). They
        are made in
        order, as `fill` would make each, at one instant and with the ledger's lock taken once; all or nothing (a fill
        that would be refused refuses the batch, naming it). Answers how many were made and their fill ids."""
        if not isinstance(fills, list | tuple) or len(fills) > MAX_BATCH:
            raise ControlError(f"fills must be a list of at most {MAX_BATCH} fills, not {_shown_kind(fills)}")
        batch = []
        for i, item in enumerate(fills):
            if not isinstance(item, dict) or not all(type(name) is str for name in item):
                raise ControlError(f"fills[{i}] must be an object of fill's arguments, not {_shown_kind(item)}")
            unknown = set(item) - _FILL_FIELDS
            missing = FILL_REQUIRED - set(item)
            if unknown or missing:
                problem = f"takes no {sorted(unknown)[0]!r}" if unknown else f"needs {sorted(missing)[0]!r}"
                raise ControlError(f"fills[{i}] {problem} (its fields are fill's arguments)")
            try:
                trade = _trade(
                    item["user_id"], item["ticker"], item["side"], item["action"], item["count"], item["price"],
                    item.get("subaccount", 0), item.get("event_ticker"), item.get("order_id"),
                )  # fmt: skip
                taker = boolean(item.get("is_taker", True), "is_taker")
                fee = item.get("fee")
                own_fee = None if fee is None else amount(parse_fee, fee, trade["count"])
                client_order_id = optional_text(item.get("client_order_id"), "client_order_id")
            except ControlError as exc:
                raise ControlError(f"fills[{i}]: {exc}", exc.status) from None
            batch.append(NewFill(**trade, is_taker=taker, fee=own_fee, client_order_id=client_order_id))
        try:
            made = self.ledger.filling.apply_fills(batch)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"count": len(made), "fill_ids": [fill.fill_id for fill in made]}

    @command()
    def create_order(
        self,
        user_id: str,
        ticker: str,
        side: str,
        action: str,
        count: str | int,
        price: str,
        event_ticker: str | None = None,
        subaccount: int = 0,
        order_id: str | None = None,
    ) -> dict[str, Any]:
        """A resting order, seeded: it joins the market's book (matched by the orders that cross it) and holds its
        owner's cash as any resting order does; it never takes (one that would cross the book is refused)."""
        trade = _trade(user_id, ticker, side, action, count, price, subaccount, event_ticker, order_id)
        try:
            order = self.ledger.trading.place_order(**trade)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
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

    @command()
    def cancel_order(self, order_id: str) -> dict[str, Any]:
        order_id = text(order_id, "order_id")
        try:
            done = self.ledger.trading.cancel_order(order_id)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"order_id": done.order.order_id, "cancelled": True}

    @command()
    def transfer(
        self,
        kind: str,
        user_id: str,
        amount_cents: int,
        status: str = "applied",
        type: str = "ach",
        fee_cents: int = 0,
        id: str | None = None,
    ) -> dict[str, Any]:
        """A deposit into or a withdrawal from the primary subaccount. Cash moves while it is applied: a deposit
        credits amount less fee, a withdrawal debits amount plus fee. Naming an existing `id` moves that transfer to
        `status`: pending -> applied or failed, applied -> returned."""
        try:
            record = self.ledger.transfer(
                text(user_id, "user_id"),
                kind,
                integer(amount_cents, "amount_cents", 1, MAX_CENTS),
                status=choice(status, "status", TRANSFER_STATUSES),
                type=choice(type, "type", TRANSFER_TYPES),
                fee_cents=integer(fee_cents, "fee_cents", 0, MAX_CENTS),
                transfer_id=optional_text(id, "id"),
            )
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {
            "id": record.id,
            "user_id": record.user_id,
            "kind": record.kind,
            "status": record.status,
            "type": record.type,
            "amount_cents": record.amount_cents,
            "fee_cents": record.fee_cents,
        }

    deposit = partialmethod(transfer, "deposit")
    withdrawal = partialmethod(transfer, "withdrawal")

    @command()
    def settle(self, ticker: str, result: str) -> dict[str, Any]:
        """Determine a market yes or no: winners are paid 1 dollar a contract and its positions become settled."""
        ticker, result = text(ticker, "ticker"), choice(result, "result", SIDES)
        try:
            market = self.ledger.lifecycle.settle_market(ticker, result)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"ticker": market.ticker, "result": market.result, "settled_time": market.settled_time.isoformat()}


MAX_BATCH = 1_000_000  # fills in one `fills` command
_FILL_FIELDS = frozenset(NewFill._fields)


def _shown_kind(value: Any) -> str:
    return f"a {type(value).__name__}"


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


def _trade(
    user_id: Any,
    ticker: Any,
    side: Any,
    action: Any,
    count: Any,
    price: Any,
    subaccount: Any,
    event_ticker: Any,
    order_id: Any,
) -> dict[str, Any]:
    """What a fill and a resting order share, checked: the ledger's arguments by name."""
    return {
        "user_id": text(user_id, "user_id"),
        "ticker": text(ticker, "ticker"),
        "side": choice(side, "side", SIDES),
        "action": choice(action, "action", ACTIONS),
        "count": amount(parse_count, count),
        "price": amount(parse_price, price),
        "subaccount": integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT),
        "event_ticker": optional_text(event_ticker, "event_ticker"),
        "order_id": optional_text(order_id, "order_id"),
    }
