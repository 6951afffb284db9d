"""The exchange's reads of positions and account summaries, valued at read time from the current marks (floating P&L,
margins, greeks, liquidation estimates).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.accounts import Accounts
from mockexchange.core.deribit.bounds import ZERO
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.market import DeribitMarket
from mockexchange.core.deribit.records import PositionState
from mockexchange.core.deribit.views import AccountSummary, PositionView


@dataclass(frozen=True, slots=True)
class Simulated:
    """Positions a simulation holds (private/simulate_portfolio): sizes by instrument, added to those held or not."""

    sizes: tuple[tuple[str, Decimal], ...]
    add: bool = True


class Valuation:
    """Reads of positions and account summaries, valued at the market's marks."""

    def __init__(self, state: ExchangeState, accounts: Accounts, market: DeribitMarket) -> None:
        self.state = state
        self.accounts = accounts
        self.market = market

    def position_state(self, user_id: str, instrument_name: str, subaccount_id: int | None = None) -> PositionState:
        """The stored position; a flat one (size 0) for an instrument never traded, as Deribit answers."""
        with self.state.lock:
            wallet = self.accounts.wallet(user_id, subaccount_id)
            instrument = self.market.instrument(instrument_name)
            name = instrument.instrument_name
            found = self.state.positions.get((user_id, wallet.id, name))
            return found or PositionState(user_id, wallet.id, name, d.Position(), self.state.clock.now())

    def position(self, user_id: str, instrument_name: str, subaccount_id: int | None = None) -> PositionView:
        with self.state.lock:
            return self._view(self.position_state(user_id, instrument_name, subaccount_id))

    def positions(
        self,
        user_id: str,
        *,
        subaccount_id: int | None = None,
        currency: str | None = None,
        kind: str | None = None,
        open_only: bool = True,
    ) -> list[PositionView]:
        """Positions of one wallet by instrument name; `currency` filters on the settlement currency."""
        with self.state.lock:
            wallet = self.accounts.wallet(user_id, subaccount_id)
            states = [
                s
                for s in self.state.wallet_positions.get(wallet.id, {}).values()
                if s.user_id == user_id and (s.position.size != ZERO or not open_only)
            ]
            views = []
            # One wallet: its equity and maintenance per currency are worked out once for all its futures' estimates
            # (each would value every position of the wallet again: a read of n positions cost n^2).
            wallet_sums: dict[str, tuple[Decimal, Decimal]] = {}
            for state in sorted(states, key=lambda s: s.instrument_name):
                instrument = self.market.instrument(state.instrument_name)
                if currency in (None, instrument.settlement_currency) and kind in (None, instrument.kind):
                    views.append(self._view(state, sums=wallet_sums))
            return views

    def _view(
        self, state: PositionState, *, liquidation: bool = True, sums: dict[str, tuple[Decimal, Decimal]] | None = None
    ) -> PositionView:
        """`liquidation`: estimate a future's liquidation price (it values the wallet's positions in the currency);
        `sums`: the wallet's equity and maintenance by currency, kept across the views of one read."""
        listing = self.market.listing(state.instrument_name)
        instrument = listing.instrument
        position = state.position
        index = self.market.index_price(instrument.price_index)
        # An option's model gives its greeks and, unless pinned, its mark: priced once for both.
        greeks = self.market.greeks(listing, index) if instrument.kind == "option" else None
        if greeks is not None and listing.mark is None:
            mark = greeks.mark_price
        else:
            mark = self.market.mark_price(instrument.instrument_name)
        floating = d.floating_profit_loss(instrument, position, mark)
        margin = d.margins(instrument, position.size, mark, index, self.state.rates)
        is_future = instrument.kind == "future"
        perpetual_zero = ZERO if instrument.is_perpetual else None
        floating_usd = liquidation_price = None
        if is_future:
            size_coin = d.size_currency(instrument, position.size, mark)
            delta, gamma, vega, theta = size_coin, None, None, None
            liquidation_price = ZERO
            if liquidation and position.size != ZERO:
                currency = instrument.settlement_currency
                found = sums.get(currency) if sums is not None else None
                if found is None:
                    found = self._equity_and_maintenance(state, currency)
                    if sums is not None:
                        sums[currency] = found
                equity, maintenance = found
                liquidation_price = d.estimated_liquidation_price(
                    instrument, position.size, mark, equity, maintenance, self.state.rates
                )
        else:
            floating_usd = d.floating_profit_loss_usd(instrument, position, mark, index)
            assert greeks is not None
            delta = position.size * greeks.delta
            gamma, vega, theta = position.size * greeks.gamma, position.size * greeks.vega, position.size * greeks.theta
        return PositionView(
            user_id=state.user_id,
            account_id=state.account_id,
            instrument_name=instrument.instrument_name,
            kind=instrument.kind,
            size=position.size,
            direction=position.direction,
            average_price=position.average_price,
            mark_price=mark,
            index_price=index,
            settlement_price=listing.settlement_price.value if listing.settlement_price else None,
            floating_profit_loss=floating,
            realized_profit_loss=position.realized_profit_loss,
            total_profit_loss=position.realized_profit_loss + floating,
            initial_margin=margin.initial_margin,
            maintenance_margin=margin.maintenance_margin,
            open_orders_margin=self.orders_margin(state.user_id, state.account_id, instrument.instrument_name),
            delta=delta,
            size_currency=size_coin if is_future else None,
            leverage=d.leverage(instrument, position.size, mark, self.state.rates) if is_future else None,
            realized_funding=perpetual_zero,
            interest_value=perpetual_zero,
            gamma=gamma,
            vega=vega,
            theta=theta,
            average_price_usd=None if is_future else position.average_price_usd,
            floating_profit_loss_usd=floating_usd,
            updated=state.updated,
            estimated_liquidation_price=liquidation_price,
        )

    def _equity_and_maintenance(self, state: PositionState, currency: str) -> tuple[Decimal, Decimal]:
        """The `equity` and `maintenance_margin` of the account summary of `state`'s wallet in `currency`, without its
        greeks: what a liquidation estimate needs (each option's mark priced once)."""
        equity, maintenance = self.accounts.wallet(state.user_id, state.account_id).balance(currency), ZERO
        now = self.state.clock.now()
        for name, held in self.state.wallet_positions.get(state.account_id, {}).items():
            listing = self.market.listing(name)
            instrument, size = listing.instrument, held.position.size
            if held.user_id != state.user_id or instrument.settlement_currency != currency:
                continue
            if size == ZERO:  # a closed position is worth nothing and needs no margin
                continue
            index = self.market.index_price(instrument.price_index)
            if instrument.kind == "option" and listing.mark is None:  # `mark_price`'s Black-76, remembered
                years = d.years_to_expiry(instrument, now)
                mark = d.option_mark(instrument, index, years, self.market.volatility(name))
            else:
                mark = self.market.mark_price(name)
            maintenance += d.margins(instrument, size, mark, index, self.state.rates).maintenance_margin
            if instrument.kind == "future":
                equity += d.floating_profit_loss(instrument, held.position, mark)
            else:
                equity += d.option_value(held.position, mark)
        return equity, maintenance

    def _simulated(
        self, states: list[PositionState], user_id: str, wallet_id: int, simulated: Simulated
    ) -> list[PositionState]:
        """The wallet's positions as a simulation holds them: each size simulated added to the one held (`add`), or in
        its place (the positions not named then flat). A simulated position keeps the held one's prices and realized
        P&L (one opened by the simulation: entered at the mark, nothing realized), so only its size changes."""
        held = {state.instrument_name: state for state in states}
        kept = dict(held) if simulated.add else {}
        now = self.state.clock.now()
        for name, size in simulated.sizes:
            before = held.get(name)
            position = before.position if before is not None and simulated.add else d.Position()
            total = position.size + size
            if position.size == ZERO:
                position = d.Position(average_price=self.market.mark_price(name))
            kept[name] = PositionState(user_id, wallet_id, name, replace(position, size=total), now)
        return sorted(kept.values(), key=lambda state: state.instrument_name)

    def orders_margin(
        self, user_id: str, wallet_id: int, instrument_name: str | None = None, currency: str | None = None
    ) -> Decimal:
        """The initial margin the wallet's open orders hold, on one instrument or in one settlement currency."""
        orders = self.state.orders
        if orders is None:
            return ZERO
        return orders.margin(self.market, self, user_id, wallet_id, instrument_name, currency)

    def account_summary(
        self, user_id: str, currency: str, subaccount_id: int | None = None, simulated: Simulated | None = None
    ) -> AccountSummary:
        """One wallet's figures in one currency (the settlement currency of the positions it sums); with `simulated`,
        as they would be were its positions those (`_simulated`: private/simulate_portfolio).

        balance = deposits + futures realized P&L + option premiums received - paid - fees;
        equity = balance + futures floating P&L + options value; margin_balance = equity (no haircuts, no portfolio
        margin); available_funds = margin_balance - initial_margin; available_withdrawal_funds =
        max(0, min(balance, available_funds)).
        """
        with self.state.lock:
            wallet = self.accounts.wallet(user_id, subaccount_id)
            # Every position ever held in that currency, closed ones too (as `positions(open_only=False)`), valued
            # without a liquidation estimate: that estimate reads this summary.
            states = sorted(
                (s for s in self.state.wallet_positions.get(wallet.id, {}).values() if s.user_id == user_id),
                key=lambda s: s.instrument_name,
            )
            if simulated is not None:
                states = self._simulated(states, user_id, wallet.id, simulated)
            views = [
                self._view(s, liquidation=False)
                for s in states
                if self.market.instrument(s.instrument_name).settlement_currency == currency
            ]
            futures_floating = futures_pl = options_pl = options_value = ZERO
            initial = maintenance = ZERO
            o_delta = o_gamma = o_vega = o_theta = ZERO
            delta_map: dict[str, Decimal] = {}
            futures: list[tuple[Instrument, Decimal, Decimal]] = []
            greek_maps: tuple[dict[str, Decimal], dict[str, Decimal], dict[str, Decimal]] = ({}, {}, {})
            for v in views:
                instrument = self.market.instrument(v.instrument_name)
                initial += v.initial_margin
                maintenance += v.maintenance_margin
                delta_map[instrument.price_index] = delta_map.get(instrument.price_index, ZERO) + v.delta
                if v.kind == "future":
                    futures_floating += v.floating_profit_loss
                    futures_pl += v.total_profit_loss
                    futures.append((instrument, v.size, v.mark_price))
                else:
                    options_pl += v.total_profit_loss
                    options_value += v.size * v.mark_price
                    o_delta += v.delta
                    o_gamma += v.gamma or ZERO
                    o_vega += v.vega or ZERO
                    o_theta += v.theta or ZERO
                    index = instrument.price_index
                    for greek_map, greek in zip(greek_maps, (v.gamma, v.vega, v.theta), strict=True):
                        greek_map[index] = greek_map.get(index, ZERO) + (greek or ZERO)
            initial += self.orders_margin(user_id, wallet.id, currency=currency)  # open orders' (Deribit's SM)
            balance = wallet.balance(currency)
            equity = balance + futures_floating + options_value
            available = equity - initial
            ratio, ratio_map = d.liquidation_ratios(futures, delta_map, equity, maintenance, self.state.rates)
            return AccountSummary(
                currency=currency,
                account_id=wallet.id,
                balance=balance,
                equity=equity,
                margin_balance=equity,
                available_funds=available,
                available_withdrawal_funds=max(ZERO, min(balance, available)),
                initial_margin=initial,
                maintenance_margin=maintenance,
                total_pl=futures_pl + options_pl,
                futures_pl=futures_pl,
                options_pl=options_pl,
                options_value=options_value,
                options_delta=o_delta,
                options_gamma=o_gamma,
                options_vega=o_vega,
                options_theta=o_theta,
                delta_total=sum(delta_map.values(), ZERO),
                delta_total_map=delta_map,
                fees_paid=wallet.fees_paid.get(currency, ZERO),
                options_gamma_map=greek_maps[0],
                options_vega_map=greek_maps[1],
                options_theta_map=greek_maps[2],
                account_type="main" if wallet is self.accounts.account(user_id).main else "subaccount",
                estimated_liquidation_ratio=ratio,
                estimated_liquidation_ratio_map=ratio_map,
            )
