"""The client matrix's `perps` column: kalshi-sdk 22.4.0's `PerpsClient`, unmodified, through every resource of it the
mock serves (exchange, markets, orders, order groups, portfolio, margin, funding reads, transfers, FCM), on a mock of
its own; each value the client parsed is compared with the perps exchange's state (core/perps: its markets, book,
orders, positions, fills, order groups, fee tiers, notional limits, an FCM member's caps on its subtrader and its own
limit, corporate action notices, candles, funding payments and rates, the premium its kept history makes and the
margined cash of each subaccount, in the core's units) or, for the subtrader, Kalshi's accounts, never with the mock's
own wire.

The plan runs in one run of the client's script (scripts/kalshi/kalshi_sdk.py, whose `perps.` methods are the SDK's
`PerpsClient` on the same key and base URL: it takes the mock's loopback host as it is). The writes come first (a
create that crosses the maker's ask, an amend, a decrease and a cancel of orders of the trader's resting on the book,
a move of cash into the margined instance, a subaccount made and funded from the primary, an order group made and
three seeded ones reset and given a new limit, triggered, deleted, exit triggers set on the cross and isolated slots,
a seeded bracket updated and another cancelled, a kind cancelled on each slot; on a key of an FCM member's, a subtrader
made, initial margin caps on it set over every market, one market and one asset class and the last deleted, the
member's own account limit set below its resting bid's notional, which cancels the bid, and deleted), then the reads
(the risk controls of a second, seeded subtrader too: a cap and Kalshi's limits on its resting bid), so each read is
judged against the state the run left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.checks import ClientVerdict
from mockexchange.contract.clients.dialects import SDK
from mockexchange.contract.clients.libraries import KALSHI_SDK
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Judge, Stage, Unmet
from mockexchange.core.clock import unix_us
from mockexchange.core.order_groups import HUNDREDTHS
from mockexchange.core.perps import candles, funding, premium, units
from mockexchange.core.perps.fees import SCHEDULE, TIERS
from mockexchange.core.perps.risk_limits import ALL
from mockexchange.core.rounding import half_even
from mockexchange.server import MockServer

BTC, ETH = "BTC-PERP", "ETH-PERP"
TRADER, MAKER = "perps-trader", "perps-maker"
MEMBER = "perps-fcm"  # an FCM member, on a key of its own: the client makes its subtrader and sets its limits
SUBTRADER = f"{MEMBER}_desk"  # the subtrader the client makes
HELD = f"{MEMBER}_held"  # one seeded with a resting bid, a cap of its member's and Kalshi's limits on it
FUNDED_CENTI_CENTS = 10_000_000_000  # $1,000,000 of margin cash each user is seeded with
MOVED_CENTI_CENTS = 5_000_000  # $500 moved into the margined instance by the client
SUBACCOUNT_CENTS = 1_000  # $10 moved by the client from the primary to the subaccount it makes
MICRO_PER_CENT = 10_000
HOUR = 3600


def seed(key_dir: Path) -> Stage:
    """A started mock: BTC-PERP (tick 0.5, 0.001 BTC a contract) and ETH-PERP listed, the maker's ask and bid resting
    on BTC-PERP, the trader's two resting bids (one to amend and decrease, one to cancel), both funded."""
    mock = MockServer()
    mock.start()
    try:
        for user in (TRADER, MAKER):
            mock.create_account(user, balance_cents=200_000_000)
            mock.intra_exchange_transfer(user, "event_contract", "margined", FUNDED_CENTI_CENTS)
        mock.list_perp_market(BTC, "100000", tick_size="0.5", contract_size="0.001")
        mock.list_perp_market(ETH, "3000", tick_size="0.01", fractional_trading_enabled=False)
        mock.set_perp_marks(BTC, mark_price="100250")
        mock.create_account(MEMBER, balance_cents=200_000_000, fcm_member=True)
        mock.intra_exchange_transfer(MEMBER, "event_contract", "margined", FUNDED_CENTI_CENTS)
        # the member's bid (95,000 dollars of notional) the client's own account limit of 50,000 cancels; Kalshi's
        # limit, above it, stays
        member_bid = mock.place_perp_order(MEMBER, ticker=BTC, side="bid", count="1.00", price="95000",
                                           client_order_id="member-bid")["order_id"]  # fmt: skip
        mock.set_perps_notional_limit(MEMBER, "200000", level="account")
        mock.create_account(HELD, balance_cents=200_000, subtrader_of=MEMBER)
        mock.intra_exchange_transfer(HELD, "event_contract", "margined", 10_000_000)  # $1,000 of margin cash
        mock.place_perp_order(HELD, ticker=BTC, side="bid", count="0.05", price="94000", client_order_id="held-bid")
        for level, limit, ticker in (("account", "20000", None), ("market", "15000", BTC)):
            mock.set_perps_notional_limit(HELD, limit, level=level, ticker=ticker)
        mock.set_perps_im_cap(MEMBER, HELD, "1000", market_ticker=BTC)
        for side, price in (("ask", "100000.5"), ("bid", "99000")):
            mock.place_perp_order(MAKER, ticker=BTC, side=side, count="1.00", price=price,
                                  client_order_id=f"maker-{side}")  # fmt: skip
        orders = {}  # what each of the trader's resting orders is for -> its id
        for use, price in (("amended", "98000"), ("cancelled", "97000")):
            placed = mock.place_perp_order(TRADER, ticker=BTC, side="bid", count="0.50", price=price,
                                           client_order_id=f"trader-{use}")  # fmt: skip
            orders[use] = placed["order_id"]
        # the trader's groups the client changes: `kept` triggered (the client resets it and sets its limit),
        # `tripped` (the client triggers it), `gone` (the client deletes it)
        groups = {use: mock.create_perp_order_group(TRADER, contracts_limit=4)["order_group_id"]
                  for use in ("kept", "tripped", "gone")}  # fmt: skip
        mock.trigger_perp_order_group(TRADER, order_group_id=groups["kept"])
        mock.set_perps_fee_tier(TRADER, tier=1)
        mock.set_perps_notional_limit(TRADER, "250000", level="market", ticker=BTC)
        mock.set_perp_corporate_action(BTC, "cash_dividend", cash_per_share="0.25", ex_date="2026-12-01")
        # the trader's long of 3 ETH-PERP and two brackets of 1 on it (the client updates one, cancels the other)
        mock.place_perp_order(MAKER, ticker=ETH, side="ask", count="3", price="3000", client_order_id="maker-eth")
        mock.place_perp_order(TRADER, ticker=ETH, side="bid", count="3", price="3000", client_order_id="trader-eth",
                              time_in_force="immediate_or_cancel")  # fmt: skip
        triggers = {use: mock.set_perp_exit_trigger(TRADER, ETH, count="1", client_trigger_id=f"seed-{use}",
                                                    stop_loss_price="2500")["trigger_id"]
                    for use in ("updated", "cancelled")}  # fmt: skip
        for side, price in (("bid", "3001"), ("ask", "3002")):  # ETH-PERP's book above its index: a premium
            mock.place_perp_order(MAKER, ticker=ETH, side=side, count="1", price=price, client_order_id=f"eth-{side}")
        # a whole one-second bar since ETH-PERP's listing, so the premium index has a point however fast the client
        # asks (a bar starts on a second of the exchange clock)
        mock.advance_clock(seconds=1)
        now = int(mock.app.control.perps.state.clock.now().timestamp())
        today = datetime.fromtimestamp(now, UTC).date()
        orders["member"] = member_bid
        facts = {"orders": orders, "groups": groups, "triggers": triggers, "candles": (now - HOUR, now + HOUR),
                 "premium": (now - 60, now + 60), "dates": (str(today - timedelta(days=1)), str(today))}  # fmt: skip
        keys = {"trader": Key.create(mock, key_dir, "perps-trader", TRADER),
                "member": Key.create(mock, key_dir, "perps-fcm", MEMBER)}  # fmt: skip
        return Stage(mock, keys, facts=facts)
    except BaseException:
        mock.stop()
        raise


def calls(stage: Stage) -> list[dict[str, Any]]:
    """The plan: the writes, then every read, each a `perps.` method of the SDK; the FCM desk's (`fcm_`) sign with
    the member's key."""
    amended, cancelled = stage.facts["orders"]["amended"], stage.facts["orders"]["cancelled"]
    groups, (start, end), triggers = stage.facts["groups"], stage.facts["candles"], stage.facts["triggers"]
    cross = {"ticker": BTC, "client_order_id": "client-cross", "side": "bid", "count": "0.30", "price": "100000.5",
             "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    planned = [
        ("create", "perps.orders.create", cross),
        ("amend", "perps.orders.amend", {"order_id": amended, "ticker": BTC, "side": "bid", "price": "98500",
                                         "count": "0.80"}),  # fmt: skip
        ("decrease", "perps.orders.decrease", {"order_id": amended, "reduce_by": "0.20"}),
        ("cancel", "perps.orders.cancel", {"order_id": cancelled}),
        ("transfer", "perps.transfers.transfer_instance",
         {"source": "event_contract", "destination": "margined", "amount": MOVED_CENTI_CENTS}),
        ("subaccount", "perps.transfers.create_subaccount", {}),
        ("subaccount_transfer", "perps.transfers.transfer_subaccount",
         {"client_transfer_id": "6f1c2a9e-0d4b-4c1e-9a57-3b8e2f7d1c40", "from_subaccount": 0, "to_subaccount": 1,
          "amount_cents": SUBACCOUNT_CENTS}),
        ("group_create", "perps.order_groups.create", {"contracts_limit": 5}),
        ("group_reset", "perps.order_groups.reset", {"order_group_id": groups["kept"]}),
        ("group_limit", "perps.order_groups.update_limit", {"order_group_id": groups["kept"], "contracts_limit": 8}),
        ("group_trigger", "perps.order_groups.trigger", {"order_group_id": groups["tripped"]}),
        ("group_delete", "perps.order_groups.delete", {"order_group_id": groups["gone"]}),
        ("trigger_set", "perps.portfolio.set_cross_exit_trigger",
         {"ticker": BTC, "request": {"stop_loss_price": "90000", "take_profit_price": "120000"}}),
        ("trigger_trailing", "perps.portfolio.set_cross_exit_trigger",
         {"ticker": BTC, "request": {"kind": "trailing", "trail_bps": 250}}),
        ("trigger_trailing_cancel", "perps.portfolio.cancel_cross_exit_triggers", {"ticker": BTC, "kind": "trailing"}),
        ("trigger_count", "perps.portfolio.set_cross_exit_trigger",
         {"ticker": ETH, "request": {"count": "1", "client_trigger_id": "client-count", "take_profit_price": "3600"}}),
        ("trigger_update", "perps.portfolio.update_cross_exit_trigger",
         {"ticker": ETH, "trigger_id": triggers["updated"], "request": {"take_profit_price": "3400"}}),
        ("trigger_cancel", "perps.portfolio.cancel_cross_exit_trigger",
         {"ticker": ETH, "trigger_id": triggers["cancelled"]}),
        ("isolated_trailing", "perps.portfolio.set_isolated_exit_trigger",
         {"ticker": ETH, "request": {"kind": "trailing", "trail_amount": "50"}}),
        ("isolated_bracket", "perps.portfolio.set_isolated_exit_trigger",
         {"ticker": ETH, "request": {"stop_loss_price": "2000"}}),
        ("isolated_cancel", "perps.portfolio.cancel_isolated_exit_triggers", {"ticker": ETH, "kind": "bracket"}),
        ("fcm_subtrader", "perps.fcm.create_subtrader", {"subtrader_suffix": "desk", "require_category_cap": False}),
        ("fcm_cap_all", "perps.fcm.update_risk_controls", {"subtrader_id": SUBTRADER, "im_cap": "300"}),
        ("fcm_cap_market", "perps.fcm.update_risk_controls",
         {"subtrader_id": SUBTRADER, "market_ticker": BTC, "im_cap": "100.5"}),
        ("fcm_cap_class", "perps.fcm.update_risk_controls",
         {"subtrader_id": SUBTRADER, "asset_class": "Crypto", "im_cap": "200"}),
        ("fcm_cap_delete", "perps.fcm.delete_risk_controls", {"subtrader_id": SUBTRADER, "asset_class": "Crypto"}),
        ("fcm_limit", "perps.fcm.update_notional_risk_limit", {"notional_value_risk_limit": "50000"}),
        ("fcm_limit_delete", "perps.fcm.delete_notional_risk_limit", {}),
        ("status", "perps.exchange.status", {}),
        ("enabled", "perps.exchange.enabled", {}),
        ("risk_parameters", "perps.exchange.risk_parameters", {}),
        ("markets", "perps.markets.list", {}),
        ("market", "perps.markets.get", {"ticker": BTC}),
        ("book", "perps.markets.orderbook", {"ticker": BTC}),
        ("books", "perps.markets.bulk_orderbooks", {"tickers": [BTC, ETH]}),
        ("order", "perps.orders.get", {"order_id": amended}),
        ("orders", "perps.orders.list", {}),
        ("positions", "perps.portfolio.positions", {}),
        ("fills", "perps.portfolio.fills", {}),
        ("trades", "perps.portfolio.trades", {"ticker": BTC}),
        ("balance", "perps.margin.balance", {"compute_available_balance": True}),
        ("risk", "perps.margin.risk", {}),
        ("groups", "perps.order_groups.list", {}),
        ("group", "perps.order_groups.get", {"order_group_id": groups["kept"]}),
        ("fee_tiers", "perps.margin.fee_tiers", {}),
        ("fee_tier_rates", "perps.margin.fee_tier_rates", {}),
        ("notional_limit", "perps.margin.notional_risk_limit", {}),
        ("corporate_actions", "perps.margin.corporate_actions", {}),
        ("triggers_btc", "perps.portfolio.cross_exit_triggers", {"ticker": BTC}),
        ("triggers_eth", "perps.portfolio.cross_exit_triggers", {"ticker": ETH}),
        ("triggers_isolated", "perps.portfolio.isolated_exit_triggers", {"ticker": ETH}),
        ("candles", "perps.markets.candlesticks",
         {"ticker": BTC, "start_ts": start, "end_ts": end, "period_interval": 60}),
        ("funding_history", "perps.funding.history",
         {"start_date": stage.facts["dates"][0], "end_date": stage.facts["dates"][1]}),
        ("funding_rates", "perps.funding.historical_rates", {}),
        ("funding_estimate", "perps.funding.rate_estimate", {"ticker": ETH}),
        ("premium_index", "perps.funding.premium_index",
         {"ticker": ETH, "start_ts": stage.facts["premium"][0], "end_ts": stage.facts["premium"][1]}),
        ("fcm_risk_controls", "perps.fcm.risk_controls", {"subtrader_id": SUBTRADER}),
        ("fcm_risk_controls_held", "perps.fcm.risk_controls", {"subtrader_id": HELD}),
        ("fcm_notional_limit", "perps.margin.notional_risk_limit", {}),
    ]  # fmt: skip
    member = stage.keys["member"].plan_fields
    return [{"id": id_, "op": "call", "method": method, "args": args, **(member if id_.startswith("fcm_") else {})}
            for id_, method, args in planned]  # fmt: skip


def amount(judge: Judge, what: str, got: Any, want: Decimal | None) -> None:
    """A number the client parsed equal to the state's (`Judge.amount`), or both absent."""
    if want is None:
        judge.same(what, got, None)
    else:
        judge.amount(what, got, want)


def perps_verdict(venv: Path, work_dir: Path) -> ClientVerdict:
    """The `perps` cell: kalshi-sdk's PerpsClient through the plan on a fresh mock, judged against its state."""
    stage = seed(work_dir)
    try:
        outcomes = run_plan(KALSHI_SDK, stage, calls(stage), work_dir)
        return judged(stage, outcomes)
    finally:
        stage.mock.stop()


def judged(stage: Stage, outcomes: Mapping[str, dict]) -> ClientVerdict:
    """Every check of the outcomes against the stage's state: the verdict, naming what differs."""
    judge = Judge(SDK, stage, outcomes)
    for check in CHECKS:
        try:
            with stage.mock.app.control.perps.lock:
                check(judge)
        except Unmet as unmet:
            judge.problems.append(str(unmet))
    if judge.problems:
        return ClientVerdict(False, f"{len(judge.problems)} problem(s): " + "; ".join(judge.problems[:3]))
    made = list(outcomes)
    return ClientVerdict(True, f"{len(made)} calls ({', '.join(made)}), each value equal to the exchange's state")


# -- the checks: each reads the state under the exchange's lock -------------------------------------------------------


def _state(judge: Judge) -> Any:
    return judge.stage.mock.app.control.perps.state


def _writes(judge: Judge) -> None:
    state, orders = _state(judge), judge.facts["orders"]
    created = judge.answer("create")
    held = state.orders[created["order_id"]]
    amount(judge, "create: fill_count", created["fill_count"], units.contracts(held.filled))
    amount(judge, "create: remaining_count", created["remaining_count"], units.contracts(held.remaining))
    amended = state.orders[orders["amended"]]
    judge.same("amend: order_id", judge.answer("amend")["order_id"], amended.order_id)
    judge.same("amend: the order's price", units.price(amended.price), Decimal("98500"))
    decreased = judge.answer("decrease")
    amount(judge, "decrease: remaining_count", decreased["remaining_count"], units.contracts(amended.remaining))
    cancelled = judge.answer("cancel")
    judge.same("cancel: order_id", cancelled["order_id"], orders["cancelled"])
    amount(judge, "cancel: reduced_by", cancelled["reduced_by"], Decimal("0.50"))
    judge.same("cancel: resting", orders["cancelled"] in state.resting.get(TRADER, set()), False)
    judge.answer("transfer")
    fees = sum(fill.fee for fill in state.fills[TRADER])
    funded = FUNDED_CENTI_CENTS + MOVED_CENTI_CENTS  # centi-cents: 100 micro-dollars each
    cash, moved = judge.stage.mock.app.control.perps.cash, SUBACCOUNT_CENTS * MICRO_PER_CENT
    judge.same("transfer: the margined cash", cash.balance(TRADER, 0), funded * 100 - fees - moved)
    judge.same("subaccount: subaccount_number", judge.answer("subaccount")["subaccount_number"],
               cash.subaccounts(TRADER))  # fmt: skip
    judge.answer("subaccount_transfer")
    judge.same("subaccount_transfer: the subaccount's cash", cash.balance(TRADER, 1), moved)


def _exchange(judge: Judge) -> None:
    state = _state(judge)
    status = judge.answer("status")
    judge.same("status: exchange_active", status["exchange_active"], state.exchange_active)
    judge.same("status: trading_active", status["trading_active"], state.trading_active)
    judge.same("enabled", judge.answer("enabled")["enabled"], TRADER not in state.disabled)
    multipliers = judge.answer("risk_parameters")["initial_margin_multiplier"]
    judge.same("risk_parameters: markets", sorted(multipliers), sorted(state.markets))
    for ticker, multiplier in multipliers.items():
        amount(judge, f"risk_parameters: {ticker}", multiplier, units.rate(state.markets[ticker].initial_multiplier))


def _markets(judge: Judge) -> None:
    state = _state(judge)
    listed = judge.answer("markets")
    judge.same("markets: tickers", [m["ticker"] for m in listed], list(state.markets))
    for row in [*listed, judge.answer("market")]:
        market = state.markets[row["ticker"]]
        what = f"market {market.ticker}"
        judge.same(f"{what}: market_id", row["market_id"], market.market_id)
        judge.same(f"{what}: market_version", row["market_version"], market.market_version)
        amount(judge, f"{what}: tick_size", row["tick_size"], units.price(market.tick))
        amount(judge, f"{what}: contract_size", row["contract_size"], Decimal(market.contract_size))
        last = None if market.last_price is None else units.price(market.last_price)
        amount(judge, f"{what}: price", row["price"], last)
        amount(judge, f"{what}: volume", row["volume"], units.contracts(market.volume))
        amount(judge, f"{what}: open_interest", row["open_interest"], units.contracts(market.open_interest))
        amount(judge, f"{what}: liquidation_mark_price", row["liquidation_mark_price"]["price"],
                     units.price(market.liquidation_mark.price))  # fmt: skip


def _books(judge: Judge) -> None:
    state = _state(judge)
    books = [judge.answer("book"), *judge.answer("books")]
    for book in books:
        ticker = book["ticker"]
        for side, wire in (("bid", "bids"), ("ask", "asks")):
            levels = [[units.price(p), units.contracts(c)] for p, c in state.books[ticker].levels(side)]
            got = [[Decimal(str(p)), Decimal(str(c))] for p, c in _levels(book[wire])]
            judge.same(f"orderbook {ticker}: {wire}", got, levels)


def _levels(rows: list[Any]) -> list[tuple[Any, Any]]:
    # the SDK makes each [price, count] pair of the wire a level model (`price`, `quantity`)
    return [(row["price"], row["quantity"]) for row in rows]


def _orders(judge: Judge) -> None:
    state = _state(judge)
    listed = judge.answer("orders")["orders"]
    mine = [o.order_id for o in state.user_orders[TRADER]]
    judge.same("orders: ids", sorted(row["order_id"] for row in listed), sorted(mine))
    for row in [judge.answer("order"), *listed]:
        held = state.orders[row["order_id"]]
        what = f"order {row['client_order_id']}"
        judge.same(f"{what}: side", row["side"], held.side)
        amount(judge, f"{what}: price", row["price"], units.price(held.price))
        amount(judge, f"{what}: fill_count", row["fill_count"], units.contracts(held.filled))
        amount(judge, f"{what}: remaining_count", row["remaining_count"], units.contracts(held.remaining))


def _portfolio(judge: Judge) -> None:
    state, perps = _state(judge), judge.stage.mock.app.control.perps
    account = perps.account(TRADER)
    positions = judge.answer("positions")["positions"]
    held = {row["market_ticker"]: row for row in positions}
    for ticker, position in state.positions[(TRADER, 0)].items():
        if position.size == 0:
            continue
        row = held.get(ticker)
        if row is None:
            judge.problems.append(f"positions: {ticker} missing")
            continue
        amount(judge, f"position {ticker}: position", row["position"], units.contracts(position.size))
        amount(judge, f"position {ticker}: entry_price", row["entry_price"], _entry(position))
    fills = judge.answer("fills")["items"]
    judge.same("fills: ids", sorted(f["fill_id"] for f in fills), sorted(f.fill_id for f in state.fills[TRADER]))
    for row in fills:
        fill = next(f for f in state.fills[TRADER] if f.fill_id == row["fill_id"])
        amount(judge, f"fill {fill.fill_id}: count", row["count"], units.contracts(fill.count))
        amount(judge, f"fill {fill.fill_id}: price", row["price"], units.price(fill.price))
        amount(judge, f"fill {fill.fill_id}: fees", row["fees"], units.dollars(fill.fee))
    trades = judge.answer("trades")["items"]
    judge.same("trades: ids", sorted(t["trade_id"] for t in trades), sorted(t.trade_id for t in state.trades[BTC]))
    [balance] = [row for row in judge.answer("balance")["subaccount_balances"] if row["subaccount"] == 0]
    amount(judge, "balance: account_equity", balance["account_equity"], units.dollars(account.equity))
    amount(judge, "balance: maintenance_margin", balance["maintenance_margin"], units.dollars(account.maintenance))
    amount(judge, "balance: available_balance", balance["available_balance"], units.dollars(account.available))
    settled = sum(perps.account(TRADER, n).cash for n in range(perps.cash.subaccounts(TRADER) + 1))  # every one's
    amount(judge, "balance: settled_funds", judge.answer("balance")["settled_funds"], units.dollars(settled))
    risk = judge.answer("risk")
    amount(
        judge, "risk: total_maintenance_margin", risk["total_maintenance_margin"], units.dollars(account.maintenance)
    )
    for row in risk["positions"]:
        market = state.markets[row["market_ticker"]]
        amount(judge, f"risk {market.ticker}: mark_price", row["mark_price"], units.price(market.mark))


def _entry(position: Any) -> Decimal | None:
    price = position.entry_price()
    return None if price is None else units.exact_dollars(price).quantize(Decimal("0.000001"))


def _groups(judge: Judge) -> None:
    state, seeded = _state(judge), judge.facts["groups"]
    made = judge.answer("group_create")["order_group_id"]
    for call in ("group_reset", "group_limit", "group_trigger", "group_delete"):
        judge.answer(call)
    judge.same("group_delete: the group", seeded["gone"] in state.order_groups, False)
    listed = judge.answer("groups")
    judge.same("groups: ids", sorted(row["id"] for row in listed), sorted(state.user_groups.get(TRADER, {})))
    judge.same("groups: the client's", made in state.order_groups, True)
    for row in [*listed, {"id": seeded["kept"]} | judge.answer("group")]:
        group = state.order_groups[row["id"]]
        judge.same(f"group {row['id']}: is_auto_cancel_enabled", row["is_auto_cancel_enabled"], group.triggered)
        limit = units.contracts(group.contracts_limit)
        amount(judge, f"group {row['id']}: contracts_limit", row["contracts_limit"], limit)
    kept = state.order_groups[seeded["kept"]]
    judge.same("group kept: reset and its limit set", (kept.triggered, kept.contracts_limit), (False, 8 * HUNDREDTHS))
    judge.same("group tripped: triggered", state.order_groups[seeded["tripped"]].triggered, True)
    judge.same("group orders", judge.answer("group")["orders"], list(kept.orders))


def _account_settings(judge: Judge) -> None:
    state, perps = _state(judge), judge.stage.mock.app.control.perps
    tier = TIERS[state.fee_tiers.get(TRADER, 0)]
    tiers = judge.answer("fee_tiers")
    for ticker in state.markets:
        amount(judge, f"fee_tiers {ticker}: maker", tiers["maker_fee_rates"][ticker], units.rate(tier.maker))
        amount(judge, f"fee_tiers {ticker}: taker", tiers["taker_fee_rates"][ticker], units.rate(tier.taker))
    rates = judge.answer("fee_tier_rates")["fee_tier_rates"]
    judge.same("fee_tier_rates: tiers", [row["tier"] for row in rates], [t.tier for t in SCHEDULE])
    for row, held in zip(rates, SCHEDULE, strict=False):
        amount(judge, f"fee_tier_rates {held.tier}: maker", row["maker_fee_rate"], units.rate(held.maker))
        amount(judge, f"fee_tier_rates {held.tier}: taker", row["taker_fee_rate"], units.rate(held.taker))
    limits, usage = perps.trading.limits, perps.trading.limits.usage(TRADER)
    got = judge.answer("notional_limit")
    amount(judge, "notional_limit: default", got["default_notional_value_risk_limit"],
           units.dollars(limits.default_limit(TRADER)))  # fmt: skip
    amount(judge, f"notional_limit: {BTC}", got["notional_value_risk_limits_by_market_ticker"][BTC],
           units.dollars(limits.market_limit(TRADER, BTC)))  # fmt: skip
    amount(judge, "notional_limit: total_current_usage", got["total_current_usage"], units.dollars(sum(usage.values())))
    for ticker, used in usage.items():
        amount(judge, f"notional_limit: usage {ticker}", got["current_usage_by_market_ticker"][ticker],
               units.dollars(used))  # fmt: skip


def _fcm(judge: Judge) -> None:
    """The FCM member's desk: the subtrader it made (Kalshi's account), the caps and limits on its subtraders as the
    exchange keeps them, and the member's own account limit set (cancelling its bid past it) and deleted (Kalshi's
    left)."""
    state, limits = _state(judge), judge.stage.mock.app.control.perps.trading.limits
    made = judge.answer("fcm_subtrader")["subtrader_id"]
    account = judge.ledger.state.accounts.get(made)
    judge.same("fcm_subtrader: subtrader_id's member", None if account is None else account.subtrader_of, MEMBER)
    for call in ("fcm_cap_all", "fcm_cap_market", "fcm_cap_class", "fcm_cap_delete", "fcm_limit", "fcm_limit_delete"):
        judge.empty(call)
    _risk_controls(judge, "fcm_risk_controls", SUBTRADER)
    _risk_controls(judge, "fcm_risk_controls_held", HELD)
    judge.same("fcm_limit: the member's bid resting", judge.facts["orders"]["member"] in state.resting.get(MEMBER, ()),
               False)  # fmt: skip
    own = judge.answer("fcm_notional_limit")
    member = state.member_limits.get(MEMBER)
    amount(judge, "fcm_notional_limit: member_notional_value_risk_limit", own["member_notional_value_risk_limit"],
           None if member is None else units.dollars(member))  # fmt: skip
    effective = limits.account_limit(MEMBER)
    amount(judge, "fcm_notional_limit: effective_account_notional_value_risk_limit",
           own["effective_account_notional_value_risk_limit"],
           None if effective is None else units.dollars(effective))  # fmt: skip
    amount(judge, "fcm_notional_limit: total_current_usage", own["total_current_usage"],
           units.dollars(sum(limits.usage(MEMBER).values())))  # fmt: skip


def _risk_controls(judge: Judge, call: str, subtrader: str) -> None:
    """A subtrader's risk controls as the client parsed them: its member's initial margin caps with the initial margin
    in each one's scope, and Kalshi's notional limits on it (its account's first, then its markets') with the usage."""
    state, limits = _state(judge), judge.stage.mock.app.control.perps.trading.limits
    controls, caps, usage = judge.answer(call), state.im_caps.get(subtrader, {}), limits.usage(subtrader)
    scopes = [_cap_scope(row) for row in controls["risk_controls"]]
    judge.same(f"{call}: scopes", sorted(scopes), sorted(caps))
    for row, scope in zip(controls["risk_controls"], scopes, strict=True):
        what = f"{call} {' '.join(scope) or 'all'}"
        judge.same(f"{what}: subtrader_id", row["subtrader_id"], subtrader)
        amount(judge, f"{what}: im_cap", row["im_cap"], units.dollars(caps[scope]) if scope in caps else None)
        amount(judge, f"{what}: current_im", row["current_im"], units.dollars(limits.initial_in(subtrader, scope)))
    kalshis = {None: state.notional_accounts.get(subtrader), **state.notional_markets.get(subtrader, {})}
    held = [(ticker, limit) for ticker, limit in kalshis.items() if limit is not None]
    rows = controls["notional_limits"]
    judge.same(f"{call}: notional_limits", [row["market_ticker"] for row in rows], [ticker for ticker, _ in held])
    for row, (ticker, limit) in zip(rows, held, strict=False):
        what = f"{call} notional {ticker or 'account'}"
        judge.same(f"{what}: subtrader_id", row["subtrader_id"], subtrader)
        amount(judge, f"{what}: notional_value_risk_limit", row["notional_value_risk_limit"], units.dollars(limit))
        used = sum(usage.values()) if ticker is None else usage.get(ticker, 0)
        amount(judge, f"{what}: current_notional", row["current_notional"], units.dollars(used))


def _cap_scope(row: dict[str, Any]) -> tuple[str, str]:
    """A cap row's scope in the exchange's terms (risk_limits.py's `ALL`, a market or an asset class)."""
    if row["market_ticker"] is not None:
        return ("market", row["market_ticker"])
    return ALL if row["asset_class"] is None else ("asset_class", row["asset_class"])


def _market_history(judge: Judge) -> None:
    state = _state(judge)
    notices = judge.answer("corporate_actions")["corporate_actions"]
    judge.same("corporate_actions: ids", [row["id"] for row in notices], list(state.corporate_actions))
    for row in notices:
        held = state.corporate_actions[row["id"]]
        judge.same(f"corporate_action {held.action_id}: type", row["type"], held.terms.type)
        judge.same(f"corporate_action {held.action_id}: status", row["status"], held.terms.status)
        judge.same(f"corporate_action {held.action_id}: market_id", row["market_id"], held.market_id)
        amount(judge, f"corporate_action {held.action_id}: cash_per_share", row["cash"]["cash_per_share"],
               units.price(held.terms.cash_per_share or 0))  # fmt: skip
    start, end = judge.facts["candles"]
    held_candles = candles.candles(state, BTC, HOUR, start, end)
    got = judge.answer("candles")
    judge.same("candles: end_period_ts", [c["end_period_ts"] for c in got], [c.end_period_ts for c in held_candles])
    for row, candle in zip(got, held_candles, strict=False):
        amount(judge, f"candle {candle.end_period_ts}: volume", row["volume"], units.contracts(candle.volume))
        close = None if candle.price is None else units.price(candle.price.close)
        amount(judge, f"candle {candle.end_period_ts}: close", row["price"]["close"], close)


def _exit_triggers(judge: Judge) -> None:
    """The triggers the client set, updated and cancelled, and each live one it read, against the exchange's."""
    triggers, seeded = judge.stage.mock.app.control.perps.exit_triggers, judge.facts["triggers"]
    for call in ("trigger_trailing_cancel", "trigger_cancel", "isolated_cancel"):
        judge.empty(call)
    written = {call: judge.answer(call) for call in ("trigger_set", "trigger_count", "trigger_update",
                                                     "isolated_trailing", "isolated_bracket")}  # fmt: skip
    for call, slot, ticker in (("triggers_btc", "cross", BTC), ("triggers_eth", "cross", ETH),
                               ("triggers_isolated", "isolated", ETH)):  # fmt: skip
        live = triggers.live((TRADER, 0, slot), ticker)
        rows = judge.answer(call)["exit_triggers"]
        judge.same(f"{call}: ids", [row["id"] for row in rows], [trigger.trigger_id for trigger in live])
        for row, held in zip(rows, live, strict=False):
            _exit_trigger(judge, f"{call} {held.trigger_id}", row, held)
    judge.same("trigger_set: live", written["trigger_set"]["id"] in [t.trigger_id for t in triggers.live(
        (TRADER, 0, "cross"), BTC, "bracket")], True)  # fmt: skip
    judge.same("trigger_update: its id", written["trigger_update"]["id"], seeded["updated"])
    judge.same("trigger_cancel: not live", seeded["cancelled"] in [t.trigger_id for t in triggers.live(
        (TRADER, 0, "cross"), ETH)], False)  # fmt: skip
    judge.same("isolated_cancel: the trailing stop left", [t.kind for t in triggers.live((TRADER, 0, "isolated"), ETH)],
               ["trailing"])  # fmt: skip


def _exit_trigger(judge: Judge, what: str, row: dict[str, Any], held: Any) -> None:
    judge.same(f"{what}: kind", row["kind"], held.kind)
    judge.same(f"{what}: status", row["status"], held.status)
    judge.same(f"{what}: client_trigger_id", row["client_trigger_id"], held.client_trigger_id)
    judge.same(f"{what}: trail_bps", row["trail_bps"], held.trail_bps)
    amount(judge, f"{what}: count", row["count"], units.contracts(held.count))
    amount(judge, f"{what}: filled_count", row["filled_count"], units.contracts(held.filled))
    for name, value in (("stop_loss_price", held.stop_loss), ("take_profit_price", held.take_profit),
                        ("trail_amount", held.trail_amount), ("watermark_price", held.watermark)):  # fmt: skip
        amount(judge, f"{what}: {name}", row[name], None if value is None else units.price(value))


def _funding(judge: Judge) -> None:
    """The funding reads: each payment and rate the client parsed is one the exchange keeps (a funding time may fall
    in the run: the state may hold more), the estimate and the premium index as the kept history makes them."""
    state = _state(judge)
    paid = {(p.funding.ticker, p.funding.funded, p.subaccount): p for p in state.funding_payments.get(TRADER, [])}
    for row in judge.answer("funding_history"):
        held = paid.get((row["market_ticker"], datetime.fromisoformat(row["funding_time"]), row["subaccount_number"]))
        if held is None:
            judge.problems.append(f"funding_history: {row} is no payment of the exchange's")
            continue
        amount(judge, "funding_history: funding_amount", row["funding_amount"], units.dollars(held.amount))
        amount(judge, "funding_history: quantity", row["quantity"], units.contracts(held.size))
        amount(judge, "funding_history: funding_rate", row["funding_rate"], _rate(held.funding.rate))
    rates = {(r.ticker, r.funded): r for kept in state.funding_rates.values() for r in kept}
    for row in judge.answer("funding_rates"):
        rate = rates.get((row["market_ticker"], datetime.fromisoformat(row["funding_time"])))
        if rate is None:
            judge.problems.append(f"funding_rates: {row} is no rate of the exchange's")
            continue
        amount(judge, f"funding_rates {rate.ticker}: funding_rate", row["funding_rate"], _rate(rate.rate))
        amount(judge, f"funding_rates {rate.ticker}: mark_price", row["mark_price"], units.price(rate.mark))
    market, estimate = state.markets[ETH], judge.answer("funding_estimate")
    computed = datetime.fromisoformat(estimate["computed_time"])
    start = unix_us(state.funding_start[ETH])
    if start <= unix_us(computed):  # (else a funding time came since: its period is another)
        second = unix_us(computed) // premium.SECOND * premium.SECOND
        made = funding.rate_of(market, premium.average(state, market, start, second), market.settlement_mark.price)
        amount(judge, "funding_estimate: funding_rate", estimate["funding_rate"], _rate(made))
        judge.same("funding_estimate: next_funding_time", datetime.fromisoformat(estimate["next_funding_time"]),
                   funding.next_time(state, state.funding_start[ETH]))  # fmt: skip
    amount(judge, "funding_estimate: mark_price", estimate["mark_price"], units.price(market.settlement_mark.price))
    if estimate.get("premium_index_ts") is not None:
        measured = premium.at_second(state, ETH, unix_us(datetime.fromisoformat(estimate["premium_index_ts"])))
        amount(judge, "funding_estimate: premium_index", estimate["premium_index"], _premium(measured))
    points = judge.answer("premium_index")
    judge.same("premium_index: points", bool(points), True)
    for row in points:
        measured = premium.at_second(state, ETH, unix_us(datetime.fromisoformat(row["second_ts"])))
        amount(judge, f"premium_index {row['second_ts']}", row["premium_index"], _premium(measured))


def _rate(rate: int) -> Decimal:
    return Decimal(rate).scaleb(-funding.RATE_PLACES)


def _premium(measured: Fraction | None) -> Decimal:
    """A premium to 12 places, a tie to the even one (0: none)."""
    if measured is None:
        return Decimal(0)
    return _rate(half_even(measured.numerator * funding.RATE, measured.denominator))


CHECKS: tuple[Callable[[Judge], None], ...] = (
    _writes, _exchange, _markets, _books, _orders, _portfolio, _groups, _account_settings, _fcm, _market_history,
    _exit_triggers, _funding,
)  # fmt: skip
