"""Kalshi's operations on the mock: accounts, keys, markets, fills, resting orders, transfers and settlement.

Each method takes plain JSON-like values, checks them (money as decimal strings, never floats), lets `core` do the
work and answers a JSON-ready dict; a refusal is a `ControlError`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partialmethod
from typing import Any

from mockexchange.auth.errors import KeyRegistrationError
from mockexchange.auth.kalshi.keys import KeyRegistry, generate_private_key, load_public_key, private_key_pem
from mockexchange.control.errors import ControlError
from mockexchange.core.ledger import Fill, Ledger, LedgerError, check_subaccount
from mockexchange.core.money import MoneyError, from_cents, parse_count, parse_dollars, parse_price


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ControlError(f"{name} must be true or false")
    return value


def _optional_str(value: Any, name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ControlError(f"{name} must be a non-empty string")
    return value


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(f"{name} must be an integer")
    return value


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
        "count": f"{fill.count:f}",
        "price": f"{fill.price:f}",
        "fee": f"{fill.fee:f}",
        "post_position": f"{fill.post_position:f}",
        "created_time": fill.created.isoformat(),
    }


class KalshiOperations:
    """Mixed into `Control`, which owns the state they act on."""

    ledger: Ledger
    keys: KeyRegistry

    def create_account(
        self,
        user_id: str,
        balance_cents: int = 0,
        fcm_member: bool = False,
        subtrader_of: str | None = None,
    ) -> dict[str, Any]:
        """An account with a starting balance (cents) in its primary subaccount; an FCM member or its subtrader."""
        try:
            balance = from_cents(_int(balance_cents, "balance_cents"))
            account = self.ledger.open_account(
                user_id,
                balance=balance,
                fcm_member=_bool(fcm_member, "fcm_member"),
                subtrader_of=_optional_str(subtrader_of, "subtrader_of"),
            )
        except (LedgerError, MoneyError) as exc:
            raise ControlError(str(exc), getattr(exc, "status", 400)) from None
        return {
            "user_id": account.user_id,
            "balance_cents": balance_cents,
            "fcm_member": account.fcm_member,
            "subtrader_of": account.subtrader_of,
        }

    def create_key(
        self,
        user_id: str,
        public_key_pem: str | None = None,
        subaccount: int | None = None,
        subtrader_id: str | None = None,
        key_type: str = "rsa",
        key_id: str | None = None,
    ) -> dict[str, Any]:
        """An API key for the user: the given public key, or a new pair (then the private key PEM is returned).

        `subaccount` locks the key to one subaccount; `subtrader_id` binds an FCM member's key to one subtrader.
        """
        with self.ledger.reading():
            try:
                account = self.ledger.account(user_id)
            except LedgerError as exc:
                raise ControlError(str(exc), exc.status) from None
            if subaccount is not None:
                try:
                    check_subaccount(subaccount)
                except LedgerError as exc:
                    raise ControlError(str(exc)) from None
            if _optional_str(subtrader_id, "subtrader_id") is not None:
                if not account.fcm_member:
                    raise ControlError("subtrader_id needs an FCM member account")
                if subtrader_id not in account.subtraders:
                    raise ControlError(f"{subtrader_id!r} is not a subtrader of {user_id!r}")
        if key_type not in ("rsa", "ed25519"):
            raise ControlError("key_type must be 'rsa' or 'ed25519'")
        private_pem = None
        try:
            if public_key_pem is None:
                private = generate_private_key(key_type)  # type: ignore[arg-type]
                private_pem = private_key_pem(private)
                public = private.public_key()
            else:
                if not isinstance(public_key_pem, str):
                    raise ControlError("public_key_pem must be a PEM string")
                public = load_public_key(public_key_pem)
            key = self.keys.add(
                user_id,
                public,
                key_id=_optional_str(key_id, "key_id"),
                subaccount=subaccount,
                subtrader_id=subtrader_id,
            )
        except KeyRegistrationError as exc:
            raise ControlError(str(exc)) from None
        answer: dict[str, Any] = {"key_id": key.key_id, "user_id": user_id, "key_type": key.key_type}
        if private_pem is not None:
            answer["private_key_pem"] = private_pem
        return answer

    def create_market(self, ticker: str, event_ticker: str | None = None, exchange_index: int = 0) -> dict[str, Any]:
        """List a market (fills list unknown markets on exchange index 0 by themselves)."""
        try:
            market = self.ledger.list_market(ticker, _optional_str(event_ticker, "event_ticker"), exchange_index)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"ticker": market.ticker, "event_ticker": market.event_ticker, "exchange_index": market.exchange_index}

    def fill(
        self,
        user_id: str,
        ticker: str,
        side: str,
        action: str,
        count: str | int,
        price: str,
        event_ticker: str | None = None,
        subaccount: int = 0,
        is_taker: bool = True,
        fee: str | None = None,
        order_id: str | None = None,
    ) -> dict[str, Any]:
        """A fill for the user: `count` contracts of `side` (yes/no) bought or sold at `price`, that side's price in
        dollars. The fee follows the fee schedule unless given (dollars)."""
        try:
            fill = self.ledger.apply_fill(
                user_id,
                ticker,
                side,
                action,
                parse_count(count),
                parse_price(price),
                subaccount=_int(subaccount, "subaccount"),
                is_taker=_bool(is_taker, "is_taker"),
                event_ticker=_optional_str(event_ticker, "event_ticker"),
                fee=None if fee is None else _non_negative(parse_dollars(fee, "fee")),
                order_id=_optional_str(order_id, "order_id"),
            )
        except (LedgerError, MoneyError) as exc:
            raise ControlError(str(exc), getattr(exc, "status", 400)) from None
        return fill_json(fill)

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
        """A resting order (it never matches): it counts in resting order totals and `resting_orders_count`."""
        try:
            order = self.ledger.place_order(
                user_id,
                ticker,
                side,
                action,
                parse_count(count),
                parse_price(price),
                subaccount=_int(subaccount, "subaccount"),
                event_ticker=_optional_str(event_ticker, "event_ticker"),
                order_id=_optional_str(order_id, "order_id"),
            )
        except (LedgerError, MoneyError) as exc:
            raise ControlError(str(exc), getattr(exc, "status", 400)) from None
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

    def cancel_order(self, order_id: str) -> dict[str, Any]:
        try:
            order = self.ledger.cancel_order(order_id)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"order_id": order.order_id, "cancelled": True}

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
                user_id,
                kind,
                _int(amount_cents, "amount_cents"),
                status=status,
                type=type,
                fee_cents=_int(fee_cents, "fee_cents"),
                transfer_id=_optional_str(id, "id"),
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

    def settle(self, ticker: str, result: str) -> dict[str, Any]:
        """Determine a market yes or no: winners are paid 1 dollar a contract and its positions become settled."""
        try:
            market = self.ledger.settle_market(ticker, result)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
        return {"ticker": market.ticker, "result": market.result, "settled_time": market.settled_time.isoformat()}


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ControlError("fee must not be negative")
    return value
