"""Deribit's commands beside its orders, declared once (core/deribit/market_commands.py, account_commands.py,
cash_commands.py, fill_commands.py; their kinds in kinds.py): each read from its plain values into the book's units
and written back to the same, a value refused in its kind's words whether read or made in Python, and dispatched to
the book's handler by its type."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mockexchange.core.commands import Command, Handlers, read, signature, write
from mockexchange.core.deribit.account_commands import (
    CreateDeribitAccount,
    CreateDeribitSubaccount,
    RenameDeribitSubaccount,
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
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.core.deribit.handlers import add_deribit_handlers
from mockexchange.core.deribit.kinds import BALANCES, CURRENCY, INDEX
from mockexchange.core.deribit.market_commands import (
    ListInstrument,
    SetIndexPrice,
    SetMarkPrice,
    SetSettlementPrice,
    SetVolatility,
)
from mockexchange.core.values import Refused

D = Decimal
PERP = "BTC-PERPETUAL"


@pytest.mark.parametrize(
    "command",
    [
        ListInstrument("BTC-27DEC30-60000-C"),
        SetIndexPrice("btc_usd", D("61000.5")),
        SetMarkPrice(PERP, D(61000)),
        SetMarkPrice(PERP),
        SetSettlementPrice(PERP, D("0.00000001")),
        SetVolatility(D("0.6"), currency="BTC"),
        SetVolatility(D(10), instrument_name="BTC-27DEC30-60000-C"),
        CreateDeribitAccount("alice", (("BTC", D("10.5")), ("USDC", D(0))), account_id=7, username="al"),
        CreateDeribitAccount("bob"),
        CreateDeribitSubaccount("alice", (), subaccount_id=2**31 - 1),
        RenameDeribitSubaccount("alice", 8, "desk"),
        SetDeribitSubaccountLogin("alice", 8, "disable"),
        SetDeribitInteruserTransfers("alice", False, subaccount_id=8),
        DeribitDeposit("alice", "BTC", D("-1.5"), subaccount_id=8),
        DeribitDeposit("alice", "USDC", D(10), source_address="bc1q-source"),
        DeribitWithdrawal(
            "alice", "ETH", D("0.1"), fee=D("0.0001"), address="0xabc", state="unconfirmed", nonce="nonce-123"
        ),
        CancelDeribitWithdrawal("alice", 2**63 - 1),
        DeribitTransfer("alice", "BTC", D("0.00000001"), to_subaccount_id=8),
        DeribitTransferToUser("alice", "BTC", D(1), "bob_desk", from_subaccount_id=8),
        CancelDeribitTransfer("alice", 3, subaccount_id=8),
        CreateDeribitDepositAddress("alice", "BTC"),
        SeedDeribitFill("alice", PERP, "sell", D(10), D("60000.5"), 8, fee=D("-0.0001"), order_id="o-1"),
    ],
)
def test_a_command_is_read_back_from_what_it_writes(command: Command) -> None:
    plain = write(command)
    assert json.loads(json.dumps(plain)) == plain  # plain JSON values: amounts as decimal strings
    assert read(type(command), plain) == command


def test_a_value_is_read_into_the_books_units() -> None:
    moved = read(SetIndexPrice, {"index_name": "BTC_USD", "price": 61000})
    assert (moved.index_name, moved.price) == ("btc_usd", D(61000))  # an index lower-cased, as Deribit writes it
    assert read(SetVolatility, {"volatility": "0.5", "currency": "eth"}).currency == "ETH"
    assert write(read(SetMarkPrice, {"instrument_name": PERP, "price": None})) == {"instrument_name": PERP}


@pytest.mark.parametrize(
    ("cls", "plain", "words"),
    [
        (SetIndexPrice, {"index_name": "btc-usd", "price": "1"},
         "index_name must be 1 to 64 letters, digits or '_' such as 'btc_usd', not 'btc-usd'"),
        (SetIndexPrice, {"index_name": "btc_usd", "price": "0"},
         "price must be from 0.00000001 to 10000000 with at most 8 decimal places, not 0"),
        (SetIndexPrice, {"index_name": "btc_usd", "price": 1.5}, "price"),  # a float is never money
        (SetVolatility, {"volatility": "10.00000001"},
         "volatility must be from 0.00000001 to 10 with at most 8 decimal places, not 10.00000001"),
        (SetVolatility, {"volatility": "0.5", "currency": "B.TC"},
         "currency must be a currency code of 1 to 16 letters or digits (BTC), not 'B.TC'"),
        (ListInstrument, {"instrument_name": "X" * 65}, "instrument_name must be a non-empty string of at most 64"),
        (SetMarkPrice, {"price": "1"}, "instrument_name is required"),
        (CreateDeribitAccount, {"user_id": "a", "balances": {"BTC": "1", "btc": "2"}}, "balances names BTC twice"),
        (CreateDeribitAccount, {"user_id": "a", "account_id": 0}, "account_id must be an integer from 1 to 2147483647"),
        (CreateDeribitSubaccount, {"user_id": " "}, "user_id must be a non-empty string"),
        (RenameDeribitSubaccount, {"user_id": "a", "subaccount_id": 8}, "username is required"),
        (SetDeribitSubaccountLogin, {"user_id": "a", "subaccount_id": 8, "state": "on"},
         "state must be one of 'enable', 'disable', not 'on'"),
        (SetDeribitInteruserTransfers, {"user_id": "a", "enabled": 0}, "enabled must be true or false, not 0"),
        (DeribitDeposit, {"user_id": "a", "currency": "BTC", "amount": "-1", "source_address": "x"},
         "source_address names where a deposit came from; a negative amount is a withdrawal"),
        (DeribitDeposit, {"user_id": "a", "currency": "BTC", "amount": "1000000000000.1"},
         "amount must be from -1000000000000 to 1000000000000 with at most 8 decimal places"),
        (DeribitWithdrawal, {"user_id": "a", "currency": "BTC", "amount": "1", "fee": "-0.1"},
         "fee must be from 0 to 1000000000000"),
        (DeribitWithdrawal, {"user_id": "a", "currency": "BTC", "amount": "1", "state": "cancelled"},
         "state must be one of 'completed', 'unconfirmed', not 'cancelled'"),
        (DeribitWithdrawal, {"user_id": "a", "currency": "BTC", "amount": "1", "nonce": "n" * 129},
         "nonce must be a non-empty string of at most 128 characters"),
        (DeribitTransfer, {"user_id": "a", "currency": "BTC", "amount": "0"}, "amount must be from 0.00000001"),
        (DeribitTransferToUser, {"user_id": "a", "currency": "BTC", "amount": "1", "destination": "d" * 65},
         "destination must be a non-empty string of at most 64 characters"),
        (SeedDeribitFill, {"user_id": "a", "instrument_name": PERP, "direction": "long", "amount": "1", "price": "1"},
         "direction must be one of 'buy', 'sell', not 'long'"),
        (SeedDeribitFill, {"user_id": "a", "instrument_name": PERP, "direction": "buy", "amount": "1", "price": "1",
                           "fee": "1000000000.5"}, "fee must be from -1000000000 to 1000000000"),
        (CancelDeribitWithdrawal, {"user_id": "a", "withdrawal_id": 0},
         "withdrawal_id must be an integer from 1 to 9223372036854775807, not 0"),
    ],
)  # fmt: skip
def test_a_value_its_kind_does_not_take_is_refused_in_its_words(cls: type[Command], plain: dict, words: str) -> None:
    with pytest.raises(Refused) as caught:
        read(cls, plain)
    assert str(caught.value).startswith(words)


def test_a_command_made_in_python_is_checked_as_one_read() -> None:
    with pytest.raises(Refused, match="price must be from 0.00000001 to 10000000"):
        SetSettlementPrice(PERP, D(0))
    with pytest.raises(Refused, match="index_name must be .* in lower case, not 'BTC_USD'"):
        SetIndexPrice("BTC_USD", D(1))  # a value made in Python is in the book's units already
    with pytest.raises(Refused, match="currency must be .* in upper case, not 'btc'"):
        SetVolatility(D("0.5"), currency="btc")


def test_the_deribit_kinds_write_what_they_read() -> None:
    assert (CURRENCY.read("usdc", "c"), INDEX.read("ETH_USDC", "i")) == ("USDC", "eth_usdc")
    balances = BALANCES.read({"btc": "10", "ETH": 3}, "balances")
    assert balances == (("BTC", D(10)), ("ETH", D(3))) and BALANCES.write(balances) == {"BTC": "10", "ETH": "3"}
    with pytest.raises(Refused, match="balances names BTC twice"):
        BALANCES.read({"btc": "1", "BTC": "2"}, "balances")
    with pytest.raises(Refused, match=r'balances must be an object such as \{"BTC": "10"\}, not a list'):
        BALANCES.read([], "balances")
    with pytest.raises(Refused, match="balances.BTC must be from 0 to 1000000000000"):
        BALANCES.read({"BTC": "-1"}, "balances")
    with pytest.raises(Refused, match="a currency of balances must be a currency code"):
        BALANCES.read({"": "1"}, "balances")
    with pytest.raises(Refused, match="balances must be"):
        BALANCES.check((("BTC", D(1)), ("BTC", D(2))), "balances")  # made in Python: each currency once


def test_a_commands_signature_is_the_control_planes_parameters() -> None:
    assert str(signature(SetVolatility)) == (
        "(volatility: str | int, currency: str | None = None, instrument_name: str | None = None)"
    )
    assert str(signature(SetMarkPrice)) == "(instrument_name: str, price: str | int | None = None)"


def test_each_command_is_dispatched_to_the_books_market() -> None:
    exchange = DeribitExchange()
    handlers = Handlers()
    add_deribit_handlers(handlers, exchange)
    listed = handlers.run(ListInstrument(PERP))
    assert listed.instrument_name == PERP and exchange.market.instrument(PERP) is listed
    handlers.run(SetIndexPrice("btc_usd", D(61000)))
    assert exchange.market.index_price("btc_usd") == D(61000)
    assert handlers.run(SetMarkPrice(PERP, D(60500))) == (SetMarkPrice(PERP, D(60500)), D(60500))
    assert handlers.run(SetMarkPrice(PERP))[1] == D(61000)  # unpinned: the index again
    handlers.run(SetSettlementPrice(PERP, D(62000)))
    assert exchange.market.listing(PERP).settlement_price.value == D(62000)
    handlers.run(SetVolatility(D("0.7"), currency="BTC"))
    assert exchange.state.currency_volatility["BTC"] == D("0.7")


def test_each_account_command_is_dispatched_to_the_books_accounts() -> None:
    exchange = DeribitExchange()
    handlers = Handlers()
    add_deribit_handlers(handlers, exchange)
    user, main = handlers.run(CreateDeribitAccount("alice", (("BTC", D(10)),), account_id=5))
    assert (user, main.id, main.username, main.balances) == ("alice", 5, "alice", {"BTC": D(10)})
    _, sub = handlers.run(CreateDeribitSubaccount("alice", (("ETH", D(3)),), subaccount_id=6, username="desk"))
    assert exchange.accounts.wallet("alice", 6) is sub and sub.balances == {"ETH": D(3)}
    assert handlers.run(RenameDeribitSubaccount("alice", 6, "desk-2"))[1].username == "desk-2"
    assert handlers.run(SetDeribitSubaccountLogin("alice", 6, "enable"))[1].login_enabled is True
    assert handlers.run(SetDeribitInteruserTransfers("alice", False))[1] is main
    assert main.interuser_transfers_enabled is False and sub.interuser_transfers_enabled is True
    with pytest.raises(ExchangeError, match="already exists"):
        handlers.run(CreateDeribitAccount("alice"))


def test_each_cash_command_is_dispatched_to_the_books_cash() -> None:
    exchange = DeribitExchange()
    handlers = Handlers()
    add_deribit_handlers(handlers, exchange)
    handlers.run(CreateDeribitAccount("alice", (("BTC", D(10)),)))
    handlers.run(CreateDeribitAccount("bob"))
    _, sub = handlers.run(CreateDeribitSubaccount("alice", subaccount_id=8))
    deposited = DeribitDeposit("alice", "BTC", D("2.5"), source_address="src")
    assert handlers.run(deposited) == (deposited, D("12.5"))
    asked = DeribitWithdrawal("alice", "BTC", D(1), fee=D("0.5"), state="unconfirmed", nonce="n-00000001")
    _, move, balance = handlers.run(asked)
    assert (move.amount, move.fee, move.state, balance) == (D(1), D("0.5"), "unconfirmed", D(11))
    assert handlers.run(asked)[1] == move  # its nonce again: the same withdrawal, nothing moved
    assert handlers.run(CancelDeribitWithdrawal("alice", move.id)).state == "cancelled"
    made = handlers.run(DeribitTransfer("alice", "BTC", D(2), to_subaccount_id=8))
    assert (made.from_account, made.to_account, sub.balances) == (
        exchange.accounts.wallet("alice").id,
        8,
        {"BTC": D(2)},
    )
    to_bob = handlers.run(DeribitTransferToUser("alice", "BTC", D(1), "bob", from_subaccount_id=8))
    assert (to_bob.to_user_id, exchange.accounts.wallet("bob").balance("BTC")) == ("bob", D(1))
    with pytest.raises(ExchangeError, match="only a prepared transfer can be cancelled"):
        handlers.run(CancelDeribitTransfer("alice", made.id))
    user, address = handlers.run(CreateDeribitDepositAddress("alice", "BTC", 8))
    assert (user, address.account_id, address.currency) == ("alice", 8, "BTC")


def test_a_seeded_fill_is_dispatched_to_the_books_trading_once_its_index_has_a_price() -> None:
    exchange = DeribitExchange()
    handlers = Handlers()
    add_deribit_handlers(handlers, exchange)
    handlers.run(CreateDeribitAccount("alice", (("BTC", D(10)),)))
    with pytest.raises(ExchangeError, match="marked against the index 'btc_usd', which has no price") as caught:
        handlers.run(SeedDeribitFill("alice", PERP, "buy", D(10), D(60000)))
    assert caught.value.status == 409 and exchange.market.instrument(PERP)  # listed, though no trade
    handlers.run(SetIndexPrice("btc_usd", D(60000)))
    trade = handlers.run(SeedDeribitFill("alice", PERP, "buy", D(10), D(60000), fee=D("0.0001"), order_id="o-7"))
    assert (trade.user_id, trade.direction, trade.amount, trade.price) == ("alice", "buy", 10, 60000)
    assert trade.fee == D("0.0001")
    assert trade.order_id == "o-7" and exchange.market.last_price(PERP) == D(60000)
