"""The Deribit exchange's handlers of Deribit's commands, by type: each takes its command and answers what the exchange
did. An order (order_commands.py) placed or edited answers itself and its trades (its own side of each) once what is
due has fired (triggers.py: its trades' price, or its own trigger already reached); a cancel, the order cancelled
(or the orders). The market's commands (market_commands.py) answer what they set: a moved price fires what it makes
due. An account's (account_commands.py), the wallet they made or changed and who holds it; cash's (cash_commands.py),
the record it made or changed (a deposit and a withdrawal with the balance after); a seeded fill (fill_commands.py),
its trade, once what its price makes due has fired.
"""

from __future__ import annotations

from decimal import Decimal

from mockexchange.core.commands import Handlers
from mockexchange.core.deribit import mmp, order_entry, position_moves, quotes, triggers
from mockexchange.core.deribit.account_commands import (
    CreateDeribitAccount,
    CreateDeribitSubaccount,
    RenameDeribitSubaccount,
    SetDeribitCancelOnDisconnect,
    SetDeribitInteruserTransfers,
    SetDeribitSubaccountLogin,
)
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.cash_commands import (
    CancelDeribitTransfer,
    CancelDeribitWithdrawal,
    CreateDeribitDepositAddress,
    DeribitDeposit,
    DeribitTransfer,
    DeribitTransferToUser,
    DeribitWithdrawal,
)
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.feed_commands import (
    AddDeribitAnnouncement,
    SetDeribitApr,
    SetDeribitFundingRate,
    SetDeribitHistoricalVolatility,
    SetDeribitPlatformStatus,
)
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.market_commands import (
    ListInstrument,
    SetIndexPath,
    SetIndexPrice,
    SetMarkPrice,
    SetSettlementPrice,
    SetVolatility,
)
from mockexchange.core.deribit.order_commands import (
    CancelDeribitOrder,
    CancelDeribitOrders,
    DeribitOrder,
    EditDeribitOrder,
    PlaceDeribitOrder,
    SeedDeribitOrder,
)
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.deribit.price_path import resolved
from mockexchange.core.deribit.records import (
    Announcement,
    CashMove,
    DepositAddress,
    DeribitFill,
    DeribitTrade,
    Price,
)
from mockexchange.core.deribit.wallets import Wallet

Placed = tuple[DerivativeOrder, list[DeribitTrade]]  # an order as placed or edited, and its trades (its side of each)
Marked = tuple[SetMarkPrice, Decimal]  # a mark pinned or unpinned, and the mark it reads then
Held = tuple[str, Wallet]  # a wallet made or changed, and the user who holds it
Deposited = tuple[DeribitDeposit, Decimal]  # a deposit, and the wallet's balance after it
Withdrawn = tuple[DeribitWithdrawal, CashMove, Decimal]  # a withdrawal asked, made (or made before), the balance after
Addressed = tuple[str, DepositAddress]  # a deposit address made, and the user whose wallet it is
# a path set: what it is of, its value now (None: none yet), its points
Pathed = tuple[str, Decimal | None, list[Price]]
Status = tuple[str, list[str]]  # the platform's status (`locked`: "true", "partial", "false") and its locked indices


def fire(exchange: DeribitExchange) -> None:
    """What a command's fills make due: the trigger orders their prices reach, then market maker protection's count
    of them (mmp.py), and of the fills those made."""
    triggers.fire(exchange)
    mmp.settle(exchange)


def fired(exchange: DeribitExchange, made: Placed) -> Placed:
    """The order and its trades as placed or edited, once what is due has fired: the order as it is then (as it
    was, if its account no longer keeps it)."""
    order, trades = made
    fire(exchange)
    return (order_entry.find_order(exchange, order.order_id) or order), trades


def add_deribit_handlers(handlers: Handlers, exchange: DeribitExchange) -> None:
    def place(order: DeribitOrder) -> Placed:
        if order.mmp:
            quotes.check_mmp_order(exchange, order)
        return fired(exchange, order_entry.submit_order(exchange, order))

    def edit(edit: EditDeribitOrder) -> Placed:
        quotes.check_mmp_edit(exchange, edit)
        return fired(exchange, order_entry.edit_order(exchange, edit))

    def cancel(cancel: CancelDeribitOrder) -> DerivativeOrder:
        cancelled = order_entry.cancel_order(exchange, cancel.order_id)
        fire(exchange)  # (a linked order's links settle: its waiting secondaries, its OCO partner cancelled)
        return cancelled

    def cancel_many(cancel: CancelDeribitOrders) -> list[DerivativeOrder]:
        cancelled = order_entry.cancel_orders(exchange, cancel)
        fire(exchange)
        return cancelled

    def seed_fill(seeded: SeedDeribitFill) -> DeribitTrade:
        with exchange.reading():  # the index checked is the one the trade sees
            index = exchange.market.list_instrument(seeded.instrument_name).price_index
            if index not in exchange.market.index_prices():
                raise ExchangeError(
                    f"{seeded.instrument_name} is marked against the index {index!r}, which has no price: set one "
                    "first (deribit/index_prices, set_index_price)",
                    409,
                )
            trade = exchange.trading.apply_trade(
                DeribitFill(seeded.user_id, seeded.instrument_name, seeded.direction, seeded.amount, seeded.price,
                            subaccount_id=seeded.subaccount_id, fee=seeded.fee, order_id=seeded.order_id)
            )  # fmt: skip
        fire(exchange)  # its price is the instrument's last
        return trade

    def move(moving: position_moves.MoveDeribitPositions) -> list[tuple[DeribitTrade, DeribitTrade]]:
        made = position_moves.move_positions(exchange, moving)
        fire(exchange)  # (their prices are the instruments' last)
        return made

    handlers.add(SeedDeribitFill, seed_fill)
    handlers.add(position_moves.MoveDeribitPositions, move)
    handlers.add(SeedDeribitOrder, place)
    handlers.add(PlaceDeribitOrder, place)
    handlers.add(EditDeribitOrder, edit)
    handlers.add(CancelDeribitOrder, cancel)
    handlers.add(CancelDeribitOrders, cancel_many)
    handlers.add(mmp.SetDeribitMmpConfig, lambda given: mmp.set_config(exchange, given))
    handlers.add(mmp.ResetDeribitMmp, lambda given: mmp.reset(exchange, given))
    handlers.add(quotes.PlaceDeribitQuotes, lambda given: quotes.fired(exchange, quotes.mass_quote(exchange, given)))
    _add_market_handlers(handlers, exchange)
    _add_account_handlers(handlers, exchange)
    _add_cash_handlers(handlers, exchange)
    _add_feed_handlers(handlers, exchange)


def _add_market_handlers(handlers: Handlers, exchange: DeribitExchange) -> None:
    market = exchange.market

    def list_instrument(listed: ListInstrument) -> Instrument:
        return market.list_instrument(listed.instrument_name)

    def set_index_price(moved: SetIndexPrice) -> SetIndexPrice:
        market.set_index_price(moved.index_name, moved.price)
        fire(exchange)
        return moved

    def set_index_path(moved: SetIndexPath) -> Pathed:
        points = resolved(moved.path, exchange.state.clock.now())
        now = market.set_index_path(moved.index_name, points)
        fire(exchange)
        return moved.index_name, None if now is None else now.value, points

    def set_mark_price(pinned: SetMarkPrice) -> Marked:
        market.set_mark_price(pinned.instrument_name, pinned.price)
        mark = market.mark_price(pinned.instrument_name)
        fire(exchange)
        return pinned, mark

    def set_settlement_price(settled: SetSettlementPrice) -> SetSettlementPrice:
        market.set_settlement_price(settled.instrument_name, settled.price)
        return settled

    def set_volatility(given: SetVolatility) -> SetVolatility:
        market.set_volatility(given.volatility, currency=given.currency, instrument_name=given.instrument_name)
        return given

    handlers.add(ListInstrument, list_instrument)
    handlers.add(SetIndexPrice, set_index_price)
    handlers.add(SetIndexPath, set_index_path)
    handlers.add(SetMarkPrice, set_mark_price)
    handlers.add(SetSettlementPrice, set_settlement_price)
    handlers.add(SetVolatility, set_volatility)


def _add_account_handlers(handlers: Handlers, exchange: DeribitExchange) -> None:
    accounts = exchange.accounts

    def open_account(opened: CreateDeribitAccount) -> Held:
        account = accounts.open_account(
            opened.user_id, account_id=opened.account_id, username=opened.username, balances=dict(opened.balances or ())
        )
        return account.user_id, account.main

    def add_subaccount(added: CreateDeribitSubaccount) -> Held:
        return added.user_id, accounts.add_subaccount(
            added.user_id,
            subaccount_id=added.subaccount_id,
            username=added.username,
            balances=dict(added.balances or ()),
        )

    def rename(renamed: RenameDeribitSubaccount) -> Held:
        return renamed.user_id, accounts.rename_subaccount(renamed.user_id, renamed.subaccount_id, renamed.username)

    def set_login(login: SetDeribitSubaccountLogin) -> Held:
        return login.user_id, accounts.set_subaccount_login(login.user_id, login.subaccount_id, login.state == "enable")

    def set_interuser(allowed: SetDeribitInteruserTransfers) -> Held:
        wallet = accounts.set_interuser_transfers(allowed.user_id, allowed.enabled, allowed.subaccount_id)
        return allowed.user_id, wallet

    def set_cancel_on_disconnect(given: SetDeribitCancelOnDisconnect) -> Held:
        return given.user_id, accounts.set_cancel_on_disconnect(given.user_id, given.enabled, given.subaccount_id)

    handlers.add(CreateDeribitAccount, open_account)
    handlers.add(CreateDeribitSubaccount, add_subaccount)
    handlers.add(RenameDeribitSubaccount, rename)
    handlers.add(SetDeribitSubaccountLogin, set_login)
    handlers.add(SetDeribitInteruserTransfers, set_interuser)
    handlers.add(SetDeribitCancelOnDisconnect, set_cancel_on_disconnect)


def _add_cash_handlers(handlers: Handlers, exchange: DeribitExchange) -> None:
    cash = exchange.cash

    def deposit(deposited: DeribitDeposit) -> Deposited:
        balance = cash.move_cash(
            deposited.user_id, deposited.currency, deposited.amount, subaccount_id=deposited.subaccount_id,
            source_address=deposited.source_address,
        )  # fmt: skip
        return deposited, balance

    def withdraw(asked: DeribitWithdrawal) -> Withdrawn:
        with exchange.reading():  # the balance answered is the one the withdrawal left
            move = cash.withdraw(asked)
            return asked, move, exchange.accounts.wallet(asked.user_id, asked.subaccount_id).balance(asked.currency)

    def cancel_withdrawal(cancel: CancelDeribitWithdrawal) -> CashMove:
        return cash.cancel_withdrawal(cancel.user_id, cancel.withdrawal_id, subaccount_id=cancel.subaccount_id)

    def cancel_transfer(cancel: CancelDeribitTransfer) -> None:
        cash.cancel_transfer(cancel.user_id, cancel.transfer_id, subaccount_id=cancel.subaccount_id)

    def create_deposit_address(made: CreateDeribitDepositAddress) -> Addressed:
        address = exchange.deposit_addresses.create_deposit_address(made.user_id, made.currency, made.subaccount_id)
        return made.user_id, address

    handlers.add(DeribitDeposit, deposit)
    handlers.add(DeribitWithdrawal, withdraw)
    handlers.add(CancelDeribitWithdrawal, cancel_withdrawal)
    handlers.add(DeribitTransfer, cash.transfer)
    handlers.add(DeribitTransferToUser, cash.transfer_to_user)
    handlers.add(CancelDeribitTransfer, cancel_transfer)
    handlers.add(CreateDeribitDepositAddress, create_deposit_address)


def _add_feed_handlers(handlers: Handlers, exchange: DeribitExchange) -> None:
    """What the mock has no source for: each path's points at their times from the clock's now (price_path.py)."""
    now = exchange.state.clock.now

    def funding(given: SetDeribitFundingRate) -> Pathed:
        points = resolved(given.path, now())
        return given.instrument_name, exchange.funding.set_rates(given.instrument_name, points), points

    def historical(given: SetDeribitHistoricalVolatility) -> Pathed:
        points = resolved(given.path, now())
        return given.currency, exchange.historical_volatility.set_path(given.currency, points), points

    def apr(given: SetDeribitApr) -> Pathed:
        points = resolved(given.path, now())
        return given.currency, exchange.apr.set_path(given.currency, points), points

    def status(given: SetDeribitPlatformStatus) -> Status:
        exchange.platform.set_locked(given.locked_indices)
        return exchange.platform.status()

    def announce(given: AddDeribitAnnouncement) -> Announcement:
        return exchange.platform.announce(
            given.title, given.body, given.important, given.confirmation, given.publication_time
        )

    handlers.add(SetDeribitFundingRate, funding)
    handlers.add(SetDeribitHistoricalVolatility, historical)
    handlers.add(SetDeribitApr, apr)
    handlers.add(SetDeribitPlatformStatus, status)
    handlers.add(AddDeribitAnnouncement, announce)
