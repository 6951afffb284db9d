"""What a scenario file says of Deribit's book beside its orders (order_steps.py): the `deribit:` set-up's index
prices, instruments, accounts and their subaccounts, opening positions, volatility and pinned marks, and the timeline's
`deribit_fill`, `deribit_deposit`, `deribit_withdrawal`, `index_price`, `mark_price` and `volatility` steps (an
account's keys are kalshi_steps.py's `DERIBIT_KEY`).

Each is a command of the core's (core/deribit/: market_commands.py, account_commands.py, cash_commands.py,
fill_commands.py, key_commands.py), its fields read as their kinds when the file is read and the command made there,
so a value it does not take is refused naming its line; what only the state can say (an unknown user or instrument, an
index with no price, funds short) is refused when it runs, naming its line too.
"""

from __future__ import annotations

from mockexchange.core.commands import Command
from mockexchange.core.deribit import kinds
from mockexchange.core.deribit.account_commands import CreateDeribitAccount, CreateDeribitSubaccount
from mockexchange.core.deribit.cash_commands import DeribitDeposit, DeribitWithdrawal
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.core.deribit.key_commands import CreateDeribitKey
from mockexchange.core.deribit.market_commands import ListInstrument, SetIndexPrice, SetMarkPrice, SetVolatility
from mockexchange.core.deribit.order_commands import CancelDeribitOrder, SeedDeribitOrder
from mockexchange.core.values import Refused
from mockexchange.scenario.order_steps import deribit_specs
from mockexchange.scenario.scalars import Invalid, of_kind

FILL = deribit_specs(SeedDeribitFill)
INDEX_PRICE = deribit_specs(SetIndexPrice)
MARK_PRICE = deribit_specs(SetMarkPrice, required=("price",))  # given in a file, if only as null (unpinned)
VOLATILITY = deribit_specs(SetVolatility)
ACCOUNT = deribit_specs(CreateDeribitAccount)  # (its balances walked entry by entry, each read as `BALANCE`)
SUBACCOUNT = deribit_specs(CreateDeribitSubaccount, "user_id")
BALANCE = of_kind(kinds.BALANCE, "balance")
DEPOSIT = deribit_specs(DeribitDeposit)
CANCEL_ORDER = deribit_specs(CancelDeribitOrder)
# A withdrawal in a file is done at once (`state` and `nonce` are a client's, private/withdraw)
WITHDRAWAL = deribit_specs(DeribitWithdrawal, "state", "nonce")


def index_name(written: str) -> str:
    """A price index's name as a key of `deribit.index_prices` spells it, read as its command reads one."""
    try:
        return kinds.INDEX.read(written, "index_name")
    except Refused as exc:
        raise Invalid(str(exc)) from None


# The timeline's steps that are a Deribit command, made when the file is read and run as it is
COMMANDS: dict[str, type[Command]] = {
    "deribit_fill": SeedDeribitFill, "deribit_deposit": DeribitDeposit, "deribit_withdrawal": DeribitWithdrawal,
    "index_price": SetIndexPrice, "mark_price": SetMarkPrice, "volatility": SetVolatility,
    "deribit_cancel_order": CancelDeribitOrder,
}  # fmt: skip
# The `deribit:` set-up's kinds that are a command, made when the file is read
SETUP_COMMANDS: dict[str, type[Command]] = {
    "index_price": SetIndexPrice, "deribit_instrument": ListInstrument, "deribit_account": CreateDeribitAccount,
    "deribit_subaccount": CreateDeribitSubaccount, "deribit_position": SeedDeribitFill, "volatility": SetVolatility,
    "mark_price": SetMarkPrice, "deribit_key": CreateDeribitKey, "deribit_order": SeedDeribitOrder,
}  # fmt: skip
