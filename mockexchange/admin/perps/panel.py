"""The inspector's Kalshi perps panel: its accounts in the list (each user with a margined cash, a position or an order,
its primary and numbered margin subaccounts with their cash) and one account (`GET
/_admin/accounts/{user_id}?margin_subaccount=N`): its cash, its balance as GET /margin/balance serves it (equity,
maintenance and initial margin, what resting orders hold, what is available), its margin ratio beside the liquidation
threshold, each position's figures at the liquidation mark (`POSITION_COLUMNS`), its resting orders and newest fills.

Every amount is the perps venue's own rendering (venues/perps/render.py: money of 6 places, prices of 4, counts of
2) from the exchange's integers, as the venue writes it on the wire; a ratio is a decimal string of 4 places. A mark
move is no account's change: the live feed's `perps_markets` event names the markets it moved, and the page reads
the shown account again when it holds one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from mockexchange.admin.panels import CSS, JS, Moves, Panel
from mockexchange.admin.queries import HISTORY_ROWS, MAX_LISTED
from mockexchange.control import ControlError
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.perps import units
from mockexchange.core.perps.book_changes import BOOK
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.core.perps.exit_trigger_commands import CROSS, ISOLATED
from mockexchange.core.perps.margin import PerpAccount, PerpMarketRisk
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.rounding import half_even
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext
from mockexchange.venues.perps.exit_triggers import exit_trigger

API = "/trade-api/v2"
RATIO_PLACES = 4
RATIO_SCALE = 10**RATIO_PLACES
# An exit trigger's fields the panel shows of it, as the venue renders them
TRIGGER_LEGS = ("count", "stop_loss_price", "take_profit_price", "trail_amount", "trail_bps", "effective_stop_price")
MARKET = "perps.market"  # a market listed, its marks or status set: the ticker it names
# What moves no account: a market's listing, marks and status (the topic names it), its book, trades and notices
# (a user's own orders and fills are published as theirs)
QUIET = frozenset({MARKET, BOOK, "perps.trade", "perps.corporate_action"})
PERPS_QUERIES = {
    "balance": f"{API}/margin/balance?compute_available_balance=true (the subaccount's row)",
    "positions": f"{API}/margin/positions and /margin/risk (the subaccount's rows; mark_price: the liquidation mark)",
    "orders": f"{API}/margin/orders (the subaccount's resting orders, newest placed first)",
    "fills": f"{API}/margin/fills?subaccount=SUBACCOUNT&limit={HISTORY_ROWS}",
}


@dataclass(frozen=True, slots=True)
class PerpHeld:
    """One position of an account, as its row is read: the account, the market's risk in it, and the exchange's state
    (its risk parameters and whatever else a column reads)."""

    account: PerpAccount
    held: PerpMarketRisk
    state: PerpsState

    def liquidation_price(self) -> str | None:
        """At the state's liquidation margin ratio threshold."""
        found = self.account.liquidation_price(self.held.market.ticker, self.state.liquidation_threshold)
        return None if found is None else render.average(found)

    def exit_triggers(self) -> str:
        """The position's live exit triggers (its cross slot's, and on the primary the isolated slot's), each its slot,
        kind and the legs the venue renders (GET .../exit_trigger's rows)."""
        user, subaccount, ticker = self.account.user_id, self.account.subaccount, self.held.market.ticker
        slots = self.state.exit_triggers.get(ticker, {})
        keys = [(user, subaccount, CROSS)] + ([(user, 0, ISOLATED)] if subaccount == 0 else [])
        shown = []
        for key in keys:
            for trigger in slots.get(key, {}).values():
                row = exit_trigger(trigger)
                legs = ", ".join(f"{name} {row[name]}" for name in TRIGGER_LEGS if name in row)
                shown.append(f"{key[2]} {trigger.kind} ({trigger.status}): {legs}")
        return "; ".join(shown)


# A position's columns, in the order shown (the page draws what it is given): a column is one line here, named by its
# wire field where the venue serves one (MarginPosition, MarginRiskPosition).
POSITION_COLUMNS: Mapping[str, Callable[[PerpHeld], Any]] = {
    "market_ticker": lambda h: h.held.market.ticker,
    "position": lambda h: render.count(h.held.position.size),
    "entry_price": lambda h: render.average(h.held.position.entry_price()),
    "mark_price": lambda h: render.price(h.held.market.mark),  # the liquidation mark
    "estimated_liquidation_price": PerpHeld.liquidation_price,
    "unrealized_pnl": lambda h: render.money(h.held.unrealized),
    "realized_pnl": lambda h: render.money(h.held.position.realized),
    "fees": lambda h: render.money(h.held.position.fees),
    "funding": lambda h: render.money(h.held.position.funding),  # received over its life (below 0: paid)
    "position_notional": lambda h: render.money(h.held.notional),
    "margin_used": lambda h: render.money(h.held.maintenance),
    "initial_margin": lambda h: render.money(h.held.positions_initial),
    "position_leverage": lambda h: ratio(h.held.notional, h.held.maintenance),
    "exit_triggers": PerpHeld.exit_triggers,
}


def ratio(numerator: int, denominator: int) -> str | None:
    """numerator / denominator as a decimal string of 4 places (a tie to the even one); None over 0."""
    if not denominator:
        return None
    return str(Decimal(half_even(numerator * RATIO_SCALE, denominator)).scaleb(-RATIO_PLACES))


class PerpsPanel(Panel):
    labels = ("perps",)
    query = {"margin_subaccount": {"type": "integer", "minimum": 0, "maximum": MAX_SUBACCOUNT, "default": 0}}
    assets = {
        "inspector-perps.js": JS,  # a perps account, drawn for inspector.js
        "inspector-perps.css": CSS,  # its badge
    }
    kinds = "perps."
    moves = (Moves("perps_markets", "tickers", {MARKET: "ticker"}, only=QUIET),)

    def __init__(self, perps: PerpsContext) -> None:
        self.perps = perps

    @property
    def exchange(self) -> PerpsExchange:
        return self.perps.exchange

    def _users(self) -> list[str]:
        """Each user with a perps account: margined cash (Kalshi's, shard 0), a position or an order, in that order."""
        state = self.exchange.state
        margined = self.perps.kalshi.ledger.state.subaccount_state.margined
        found = dict.fromkeys(user for user, shard, _ in margined if shard == 0)
        found |= dict.fromkeys(user for user, _ in state.positions)
        found |= dict.fromkeys(state.user_orders)
        return list(found)

    def _has(self, user_id: str) -> bool:
        """Whether the user is one `_users` lists."""
        state = self.exchange.state
        margined = self.perps.kalshi.ledger.state.subaccount_state.margined
        return (
            any((user_id, 0, sub) in margined for sub in range(MAX_SUBACCOUNT + 1))
            or user_id in state.user_orders
            or any(user == user_id for user, _ in state.positions)
        )

    def accounts(self) -> tuple[dict[str, Any], bool]:
        """Every perps account, each subaccount with its cash (the margined instance's)."""
        exchange = self.exchange
        with exchange.lock:
            users = self._users()
            perps = [
                {
                    "user_id": user,
                    "key_ids": [key.key_id for key in self.perps.kalshi.keys.for_user(user)],
                    "subaccounts": [
                        {"subaccount": sub, "cash": render.money(exchange.cash.balance(user, sub))}
                        for sub in range(exchange.cash.subaccounts(user) + 1)
                    ],
                }
                for user in users[:MAX_LISTED]
            ]
        return {"perps": perps}, len(users) > MAX_LISTED

    def account(self, user_id: str, query: dict[str, Any]) -> dict[str, Any] | None:
        exchange = self.exchange
        subaccount = query.get("margin_subaccount", 0)
        with exchange.lock:
            if not self._has(user_id):
                return None
            made = exchange.cash.subaccounts(user_id)
            if subaccount > made:
                raise ControlError(f"{user_id!r} has no margin subaccount {subaccount} (its highest is {made})", 404)
            account = exchange.account(user_id, subaccount)
            threshold = exchange.state.liquidation_threshold
            positions = [
                {name: cell(PerpHeld(account, held, exchange.state)) for name, cell in POSITION_COLUMNS.items()}
                for held in account.held()
            ]
            resting = self._resting(user_id, subaccount)
            orders = [render.order(o) for o in resting[:HISTORY_ROWS]]
            fills = [render.fill(f) for f in self._fills(user_id, subaccount)]
        return {
            "subaccount": subaccount,
            "subaccounts": list(range(made + 1)),
            "cash": render.money(account.cash),
            "balance": render.balance(account, True),
            "margin_ratio": ratio(account.equity, account.maintenance),
            "liquidation_margin_ratio_threshold": str(units.rate(threshold)),
            "markets": [held.market.ticker for held in account.markets],  # a move of their marks moves the account
            "positions": positions,
            "position_columns": list(POSITION_COLUMNS),
            "orders": {"orders": orders, "more": len(resting) > HISTORY_ROWS},
            "fills": fills,
            "queries": {name: text.replace("SUBACCOUNT", str(subaccount)) for name, text in PERPS_QUERIES.items()},
        }

    def _resting(self, user_id: str, subaccount: int) -> list[Any]:
        state = self.exchange.state
        found = (state.orders[order_id] for order_id in state.resting.get(user_id, ()))
        return sorted((o for o in found if o.subaccount == subaccount), key=lambda o: o.seq, reverse=True)

    def _fills(self, user_id: str, subaccount: int) -> list[Any]:
        newest = reversed(self.exchange.state.fills.get(user_id, []))
        return list(islice((f for f in newest if f.subaccount == subaccount), HISTORY_ROWS))

    def user_of(self, key_id: str) -> str | None:
        key = self.perps.kalshi.keys.get(key_id)
        return key.user_id if key is not None else None
