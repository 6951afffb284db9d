"""A batch of fills checked before any of it is applied (`Ledger.apply_fills`: all or nothing, each fill against the
state the fills before it leave), and the fees its fills pay, worked out once per terms.
"""

from __future__ import annotations

from decimal import Decimal, getcontext
from typing import Any

from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.checks import (
    MAX_BALANCE,
    MAX_LEDGER_CONTRACTS,
    MAX_POSITION_CONTRACTS,
    MAX_SUBACCOUNT,
    LedgerError,
    check_fee,
    check_trade,
)
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.new_fill import _COUNT_OF, _OWNER_OF, NewFill
from mockexchange.core.money import ZERO, quantize_dollars

# Fees worked out by `_check_batch`, kept across batches: (schedule's terms, context's terms) ->
# {(count, price, is_taker): fee}. A `QuadraticFee`'s fee is a function of the values of its rates, the count and the
# price (the exponent is the centi-cent's whatever theirs) and of the context's precision and range; a count and a
# price kept passed `check_trade`, which reads only their values.
_FEES: dict[tuple[Any, ...], dict[tuple[Decimal, Decimal, bool], Decimal]] = {}
_FEES_KEPT = 1 << 14  # fees per schedule and context; more: forgotten and worked out again


def _fees_known(schedule: object) -> dict[tuple[Decimal, Decimal, bool], Decimal] | None:
    if type(schedule) is not QuadraticFee:
        return None
    context = getcontext()
    terms = (
        str(schedule.taker_rate), str(schedule.maker_rate),
        context.prec, context.rounding, context.Emin, context.Emax, context.clamp, tuple(context.traps.values()),
    )  # fmt: skip
    known = _FEES.get(terms)
    if known is None:
        if len(_FEES) >= 8:
            _FEES.clear()
        known = _FEES[terms] = {}
    return known


def _plain(side: Any, action: Any, count: Any, price: Any, subaccount: Any, is_taker: Any) -> bool:
    """A fill's terms of the usual kinds (finite Decimals, the sides and actions, a subaccount in range, a bool):
    their fee may be kept by value (`_FEES`); any other is checked and worked out each time."""
    return (
        type(count) is Decimal
        and type(price) is Decimal
        and count.is_finite()
        and price.is_finite()
        and (side == "yes" or side == "no")
        and (action == "buy" or action == "sell")
        and type(subaccount) is int
        and 0 <= subaccount <= MAX_SUBACCOUNT
        and type(is_taker) is bool
    )


def _numbered(i: int, size: int, exc: LedgerError) -> LedgerError:
    return LedgerError(f"fill {i} of the batch of {size} (none applied): {exc}", exc.status)


class BatchChecks:
    """The checks of `Ledger.apply_fills`: a part of `Ledger`, whose accounts, markets, positions, fee schedule and
    bounds they read."""

    def _check_batch(self, batch: list[NewFill]) -> list[Decimal]:
        """Refuse the batch if any fill of it would be refused, applied in order; answers each fill's fee.

        Each fill's own values and the markets it names are checked here; the bounds (volume, contracts, cash) for the
        whole batch at once, as if every fill of it moved the same row and the same cash the most it can: within them,
        no fill can be refused. A batch that is not found well within them here is checked fill by fill
        (`_check_batch_exactly`), which finds the refusal and words it as `apply_fill` would."""
        fees: list[Decimal] = []
        accounts, markets = self.accounts, self.markets
        listed: dict[str, str] = {}  # ticker -> event of the markets the batch lists
        held: list[NewFill] = []  # fills in markets listed before the batch: their rows may hold a volume already
        checked: dict[tuple[int, int, bool], Decimal] = {}  # as in `_check_batch_exactly`
        known = _fees_known(self.fee_schedule)  # the same across batches, by value (None: not kept)
        batch_fee = self._batch_fee
        try:
            for spec in batch:
                user_id, ticker, side, action, count, price, subaccount, is_taker, event_ticker, fee, _, _ = spec
                # `batch_fee`'s common case taken first: plain terms whose fee is known (they were checked before)
                if fee is None and known is not None and _plain(side, action, count, price, subaccount, is_taker):
                    fee = known.get((count, price, is_taker))
                    if fee is None:
                        fee = batch_fee(spec, checked, known)
                else:
                    fee = batch_fee(spec, checked, known)
                if (
                    type(user_id) is not str
                    or user_id not in accounts
                    or type(ticker) is not str
                    or (event_ticker is not None and type(event_ticker) is not str)
                ):
                    return self._check_batch_exactly(batch)
                market = markets.get(ticker)
                if market is not None:
                    if market.result is not None or (event_ticker is not None and event_ticker != market.event_ticker):
                        return self._check_batch_exactly(batch)
                    held.append(spec)
                else:
                    event = listed.get(ticker)
                    if event is None:
                        if not ticker.strip():
                            return self._check_batch_exactly(batch)
                        listed[ticker] = event_ticker or (ticker.rsplit("-", 1)[0] if "-" in ticker else ticker)
                    elif event_ticker is not None and event_ticker != event:
                        return self._check_batch_exactly(batch)
                fees.append(fee)
        except LedgerError:
            return self._check_batch_exactly(batch)
        contracts = sum(map(_COUNT_OF, batch), ZERO)
        volume = max((self._volume(spec[0], spec[6], spec[1]) for spec in held), default=ZERO)
        moved = contracts + sum(fees, ZERO)  # no fill moves cash by more than its count and its fee
        if (
            self.contracts_filled + contracts > MAX_LEDGER_CONTRACTS
            or volume + contracts > MAX_POSITION_CONTRACTS
            or any(
                accounts[user_id].cash_spread(subaccount) + moved > MAX_BALANCE
                for user_id, subaccount in set(map(_OWNER_OF, batch))
            )
        ):
            return self._check_batch_exactly(batch)
        return fees

    def _batch_fee(
        self, spec: NewFill, checked: dict[tuple[int, int, bool], Decimal], known: dict[Any, Decimal] | None
    ) -> Decimal:
        """A batch's fill's fee, its trade terms checked as `apply_fill` checks them. Plain terms (finite Decimals, the
        usual sides) are worked out once per batch (`checked`, by the identity of the batch's own objects) and, with
        `known`, once across batches by value."""
        _, _, side, action, count, price, subaccount, is_taker, _, fee, _, _ = spec
        if not (fee is None and _plain(side, action, count, price, subaccount, is_taker)):
            check_trade(side, action, count, price, subaccount)
            if fee is None:
                return self.fee_schedule.fee(count, price, is_taker)
            check_fee(fee, count)
            return fee
        terms = (id(count), id(price), is_taker)  # (the batch holds them: an id names one meanwhile)
        found = checked.get(terms)
        if found is None:
            found = known.get((count, price, is_taker)) if known is not None else None
            if found is None:
                check_trade(side, action, count, price, subaccount)
                found = self.fee_schedule.fee(count, price, is_taker)
                if known is not None:
                    if len(known) >= _FEES_KEPT:
                        known.clear()
                    known[(count, price, is_taker)] = found
            checked[terms] = found
        return found

    def _volume(self, user_id: str, subaccount: int, ticker: str) -> Decimal:
        row = self.positions.get(user_id, subaccount, ticker)
        return row.volume if row is not None else ZERO

    def _check_batch_exactly(self, batch: list[NewFill]) -> list[Decimal]:
        """`_check_batch`, fill by fill: each against the state the fills before it leave."""
        fees: list[Decimal] = []
        failed: tuple[int, LedgerError] | None = None
        accounts, markets = self.accounts, self.markets
        listed: dict[str, str] = {}  # ticker -> event of the markets the batch lists
        volumes: dict[tuple[str, int, str], Decimal] = {}
        spent: dict[tuple[str, int], Decimal] = {}  # (user, subaccount) -> the most its cash can move: count + fee
        filled = self.contracts_filled
        positions_store = self.positions
        # (count, price, is_taker) -> fee, for counts and prices `check_trade` took.
        checked: dict[tuple[int, int, bool], Decimal] = {}
        for i, spec in enumerate(batch):
            user_id, ticker, side, action, count, price, subaccount, is_taker, event_ticker, fee, _, _ = spec
            try:
                fee = self._batch_fee(spec, checked, None)
                if type(user_id) is not str:
                    raise LedgerError("user_id must be a non-empty string")
                if user_id not in accounts:
                    self.account(user_id)
                if type(ticker) is not str:
                    raise LedgerError("ticker must be a non-empty string")
                if event_ticker is not None and type(event_ticker) is not str:
                    raise LedgerError("event_ticker must be a string")
                market = markets.get(ticker)
                if market is not None and market.result is not None:
                    raise LedgerError(f"market {ticker!r} is settled", status=409)
                key = (user_id, subaccount, ticker)
                volume = volumes.get(key)
                if volume is None:
                    held = positions_store.get(user_id, subaccount, ticker)
                    volume = held.volume if held is not None else ZERO
                self._check_contracts(volume, count, "volume", filled, "filled")
                volumes[key] = volume + count
                filled += count
                if market is not None:
                    if event_ticker is not None and event_ticker != market.event_ticker:
                        raise LedgerError(f"market {ticker!r} belongs to event {market.event_ticker!r}", status=409)
                else:
                    event = listed.get(ticker)
                    if event is None:
                        if not ticker.strip():
                            raise LedgerError("ticker must be a non-empty string")
                        listed[ticker] = event_ticker or (ticker.rsplit("-", 1)[0] if "-" in ticker else ticker)
                    elif event_ticker is not None and event_ticker != event:
                        raise LedgerError(f"market {ticker!r} belongs to event {event!r}", status=409)
            except LedgerError as exc:
                failed = (i, exc)
                break
            fees.append(fee)
            owner = (user_id, subaccount)
            spent[owner] = spent.get(owner, ZERO) + count + fee
        # Cash: a fill moves at most its count and its fee, so a subaccount whose cash stays within the bound with
        # every move of the batch taken one way needs no closer look; the others are run through, as they would go.
        close = {
            owner for owner, most in spent.items() if accounts[owner[0]].cash_spread(owner[1]) + most > MAX_BALANCE
        }
        if close:
            self._check_batch_cash(batch[: len(fees)], fees, close, len(batch))
        if failed is not None:
            raise _numbered(failed[0], len(batch), failed[1])
        return fees

    def _check_batch_cash(
        self,
        batch: list[NewFill],
        fees: list[Decimal],
        owners: set[tuple[str, int]],
        size: int,
    ) -> None:
        """Run the fills of `owners` through their positions and cash, as `apply_fill` would, on copies."""
        cash = {owner: Account(owner[0], cash=dict(self.accounts[owner[0]].cash)) for owner in owners}
        held: dict[tuple[str, int, str], tuple[Decimal, Decimal]] = {}
        indexes = {ticker: market.exchange_index for ticker, market in self.markets.items()}
        for i, (user_id, ticker, side, action, count, price, subaccount, *_rest) in enumerate(batch):
            owner = (user_id, subaccount)
            funds = cash.get(owner)
            if funds is None:
                continue
            key = (user_id, subaccount, ticker)
            position, exposure = held.get(key) or self._held(user_id, subaccount, ticker)
            delta, yes_price = positions.yes_terms(side, action, count, price)
            result = positions.trade(position, exposure, delta, yes_price)
            exchange_index = indexes.get(ticker, 0)
            try:
                self._check_cash(funds, subaccount, exchange_index, result.cash - fees[i])
            except LedgerError as exc:
                raise _numbered(i, size, exc) from None
            funds.cash[(subaccount, exchange_index)] = funds.cash.get((subaccount, exchange_index), ZERO) + (
                result.cash - fees[i]
            )
            held[key] = (result.position, quantize_dollars(result.exposure))

    def _held(self, user_id: str, subaccount: int, ticker: str) -> tuple[Decimal, Decimal]:
        row = self.positions.get(user_id, subaccount, ticker)
        return (row.position, row.market_exposure) if row is not None else (ZERO, ZERO)
