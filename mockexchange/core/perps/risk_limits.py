"""The perps exchange's risk limits over an account's notional and initial margin, set by risk_limit_commands.py's
commands and enforced on every order that would raise what they bound (a refusal changes nothing).

A market's notional usage is the larger of its long side (a long position at the mark plus the resting bids at their
prices) and its short side (margin.py's `usage`); the account's is the sum over its markets. Each market's usage is
bound by the user's limit for it (its own, else the user's default: `DEFAULT_NOTIONAL_LIMIT` unless set), the account's
by the smaller of Kalshi's account limit and the member's own (either, if one is set; none, if neither). A subtrader's
initial margin caps (its FCM member's) bind its initial margin over every market, one market or one asset class.
Lowering a notional limit below the usage cancels the user's resting orders, newest first, until it is within it.
Whether a user is an FCM member and whose subtrader a user is are Kalshi's accounts' (`Members`, handed over by the
registration: this package imports no other venue's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from mockexchange.core.perps import margin
from mockexchange.core.perps.errors import PerpsError, not_found
from mockexchange.core.perps.margin import PerpAccount
from mockexchange.core.perps.orders import DECREASE, PerpOrder
from mockexchange.core.perps.risk_limit_commands import (
    SetPerpsImCap,
    SetPerpsMemberNotionalLimit,
    SetPerpsNotionalLimit,
)
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.units import DOLLAR

DEFAULT_NOTIONAL_LIMIT = 10_000_000 * DOLLAR  # each market's, unless set: ten million dollars
ALL = ("", "")  # a cap's scope over every market; else ("market", ticker) or ("asset_class", class)


class Members(Protocol):
    def fcm_member(self, user_id: str) -> bool:
        """Whether the user is an FCM member."""

    def subtrader_of(self, user_id: str) -> str | None:
        """The FCM member the user is a subtrader of, if it is one."""


class NoMembers:
    """Before the registration shares Kalshi's accounts: no FCM member, no subtrader."""

    def fcm_member(self, user_id: str) -> bool:
        return False

    def subtrader_of(self, user_id: str) -> str | None:
        return None


class PerpRiskLimits:
    """Under the exchange's lock. `subaccounts`, the highest numbered subaccount of a user (the cash's); `end` ends a
    resting order (trading.py's)."""

    def __init__(
        self, state: PerpsState, members: Members, subaccounts: Callable[[str], int],
        end: Callable[[PerpOrder, str], None],
    ) -> None:  # fmt: skip
        self.state, self.members, self.subaccounts, self.end = state, members, subaccounts, end

    # -- commands ------------------------------------------------------------------------------------------------

    def set_notional_limit(self, set_: SetPerpsNotionalLimit) -> SetPerpsNotionalLimit:
        state = self.state
        with state.lock:
            limits: dict[Any, int]
            if set_.level == "market":
                assert set_.ticker is not None  # (the command's check)
                if set_.ticker not in state.markets:
                    raise not_found(f"market {set_.ticker!r}")
                limits, key = state.notional_markets.setdefault(set_.user_id, {}), set_.ticker
            else:
                limits = state.notional_defaults if set_.level == "default" else state.notional_accounts
                key = set_.user_id
            _put(limits, key, set_.limit)
            if not state.notional_markets.get(set_.user_id, True):
                del state.notional_markets[set_.user_id]
            self._bring_within(set_.user_id)
            return set_

    def set_member_limit(self, set_: SetPerpsMemberNotionalLimit) -> SetPerpsMemberNotionalLimit:
        state = self.state
        with state.lock:
            self._member(set_.user_id)
            ceiling = state.notional_accounts.get(set_.user_id)
            if set_.limit is not None and ceiling is not None and set_.limit > ceiling:
                raise PerpsError(f"the limit may not be above Kalshi's account limit ({ceiling / DOLLAR:.4f} "
                                 "dollars)", 400, "invalid_parameters")  # fmt: skip
            _put(state.member_limits, set_.user_id, set_.limit)
            self._bring_within(set_.user_id)
            return set_

    def set_im_cap(self, set_: SetPerpsImCap) -> SetPerpsImCap:
        state = self.state
        with state.lock:
            self.subtrader(set_.user_id, set_.subtrader_id)
            scope = _scope(set_.market_ticker, set_.asset_class)
            if set_.market_ticker is not None and set_.market_ticker not in state.markets:
                raise not_found(f"market {set_.market_ticker!r}")
            caps = state.im_caps.setdefault(set_.subtrader_id, {})
            if set_.im_cap is None and scope not in caps:
                raise not_found(f"an initial margin cap of {set_.subtrader_id!r} there")
            _put(caps, scope, set_.im_cap)
            if not caps:
                del state.im_caps[set_.subtrader_id]
            return set_

    # -- reads ---------------------------------------------------------------------------------------------------

    def _member(self, user_id: str) -> None:
        if not self.members.fcm_member(user_id):
            raise PerpsError(f"{user_id!r} is not an FCM member", 403, "forbidden")

    def subtrader(self, fcm_user_id: str, subtrader_id: str) -> None:
        """Refuse a caller that is no FCM member (403), a subtrader of another (404)."""
        self._member(fcm_user_id)
        if self.members.subtrader_of(subtrader_id) != fcm_user_id:
            raise not_found(f"subtrader {subtrader_id!r} of {fcm_user_id!r}")

    def market_limit(self, user_id: str, ticker: str) -> int:
        own = self.state.notional_markets.get(user_id, {}).get(ticker)
        return own if own is not None else self.default_limit(user_id)

    def default_limit(self, user_id: str) -> int:
        return self.state.notional_defaults.get(user_id, DEFAULT_NOTIONAL_LIMIT)

    def account_limit(self, user_id: str) -> int | None:
        """The account limit enforced: the smaller of Kalshi's and the member's, or the one set (None: neither)."""
        set_ = [kept.get(user_id) for kept in (self.state.notional_accounts, self.state.member_limits)]
        given = [limit for limit in set_ if limit is not None]
        return min(given) if given else None

    def usage(self, user_id: str) -> dict[str, int]:
        """The user's notional usage by market (those it holds a position or a resting order in)."""
        return _usage(self._accounts(user_id))

    def caps(self, subtrader_id: str) -> dict[tuple[str, str], int]:
        return self.state.im_caps.get(subtrader_id, {})

    def initial_in(self, subtrader_id: str, scope: tuple[str, str]) -> int:
        """The subtrader's initial margin in a cap's scope."""
        return sum(held.initial for held in _markets(self._accounts(subtrader_id)) if _in(scope, held.market))

    # -- the order path (trading.py) -----------------------------------------------------------------------------

    def check(self, order: PerpOrder, before: PerpAccount, after: PerpAccount) -> None:
        """Refuse an order that raises a usage or an initial margin above its limit or cap (`before` and `after`:
        the order's account without it and with it)."""
        user_id, ticker = order.user_id, order.ticker
        # (the user's other subaccounts count too; a user with the primary alone has none)
        others = self._accounts(user_id, skip=order.subaccount) if self.subaccounts(user_id) else []
        was, now = [before, *others], [after, *others]
        used = _used(now, ticker)  # (the usual case, within the limit, reads no usage before the order)
        if used > self.market_limit(user_id, ticker) and used > _used(was, ticker):
            raise PerpsError(f"the order takes the notional in {ticker} past the limit", 400,
                             "notional_risk_limit_exceeded")  # fmt: skip
        limit = self.account_limit(user_id)
        if limit is not None and _used(now) > limit and _used(now) > _used(was):
            raise PerpsError("the order takes the account's notional past its limit", 400,
                             "notional_risk_limit_exceeded")  # fmt: skip
        for scope, cap in self.caps(user_id).items():
            old, new = (sum(h.initial for h in _markets(accounts) if _in(scope, h.market)) for accounts in (was, now))
            if new > max(old, cap):
                raise PerpsError("the order takes the initial margin past its cap", 400, "im_cap_exceeded")

    # -- steps ---------------------------------------------------------------------------------------------------

    def _accounts(self, user_id: str, skip: int | None = None) -> list[PerpAccount]:
        """The user's subaccounts holding a position or a resting order (the primary always), but `skip`."""
        state = self.state
        numbers = {0} | {state.orders[order_id].subaccount for order_id in state.resting.get(user_id, ())}
        numbers |= {sub for sub in range(1, self.subaccounts(user_id) + 1) if (user_id, sub) in state.positions}
        return [margin.account(state, 0, user_id, number) for number in sorted(numbers) if number != skip]

    def _bring_within(self, user_id: str) -> None:
        """Cancel the user's resting orders, newest first, while its usage passes a limit they add to."""
        state = self.state
        while True:
            usage = self.usage(user_id)
            limit = self.account_limit(user_id)
            over = {ticker for ticker, used in usage.items() if used > self.market_limit(user_id, ticker)}
            whole = limit is not None and sum(usage.values()) > limit
            resting = sorted((state.orders[order_id] for order_id in state.resting.get(user_id, ())),
                             key=lambda order: -order.seq)  # fmt: skip
            found = next((order for order in resting if whole or order.ticker in over), None)
            if found is None:
                return
            self.end(found, DECREASE)


def _put(kept: dict[Any, int], key: Any, limit: int | None) -> None:
    if limit is None:
        kept.pop(key, None)
    else:
        kept[key] = limit


def _scope(market_ticker: str | None, asset_class: str | None) -> tuple[str, str]:
    if market_ticker is not None:
        return ("market", market_ticker)
    return ALL if asset_class is None else ("asset_class", asset_class)


def _in(scope: tuple[str, str], market: Any) -> bool:
    kind, name = scope
    return not kind or (market.ticker if kind == "market" else market.asset_class) == name


def _markets(accounts: list[PerpAccount]) -> Iterator[margin.PerpMarketRisk]:
    return (held for account in accounts for held in account.markets)


def _used(accounts: list[PerpAccount], ticker: str | None = None) -> int:
    """The accounts' notional usage in one market (None: in all)."""
    return sum(held.usage for held in _markets(accounts) if ticker is None or held.market.ticker == ticker)


def _usage(accounts: list[PerpAccount]) -> dict[str, int]:
    used: dict[str, int] = {}
    for held in _markets(accounts):
        used[held.market.ticker] = used.get(held.market.ticker, 0) + held.usage
    return used
