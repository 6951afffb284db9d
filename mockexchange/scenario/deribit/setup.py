"""What a scenario file's `deribit:` set-up says beside its timeline's steps (steps.py): its index prices, instruments,
accounts and their subaccounts, opening positions, volatility and pinned marks, and an account's keys (`DERIBIT_KEY`).

Each is a command of the core's (core/deribit/: market_commands.py, account_commands.py, fill_commands.py,
key_commands.py, order_commands.py), its fields read as their kinds when the file is read and the command made there,
so a value it does not take is refused naming its line; what only the state can say (an unknown user or instrument, an
index with no price) is refused when it runs, naming its line too.
"""

from __future__ import annotations

from mockexchange.core.commands import Command
from mockexchange.core.deribit import kinds
from mockexchange.core.deribit.account_commands import CreateDeribitAccount, CreateDeribitSubaccount
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.core.deribit.key_commands import CreateDeribitKey
from mockexchange.core.deribit.market_commands import ListInstrument, SetIndexPrice, SetMarkPrice, SetVolatility
from mockexchange.core.deribit.order_commands import SeedDeribitOrder
from mockexchange.core.values import Refused
from mockexchange.scenario.scalars import Invalid, command_specs, of_kind

# A Deribit account's key (schema.py's DERIBIT_ACCOUNT, its `keys[]`), beside its account's user
DERIBIT_KEY = command_specs(CreateDeribitKey, "user_id")

ACCOUNT = command_specs(CreateDeribitAccount)  # (its balances walked entry by entry, each read as `BALANCE`)
SUBACCOUNT = command_specs(CreateDeribitSubaccount, "user_id")
BALANCE = of_kind(kinds.BALANCE, "balance")


def index_name(written: str) -> str:
    """A price index's name as a key of `deribit.index_prices` spells it, read as its command reads one."""
    try:
        return kinds.INDEX.read(written, "index_name")
    except Refused as exc:
        raise Invalid(str(exc)) from None


# The `deribit:` set-up's kinds, in the order it runs, each a command made when the file is read
SETUP_COMMANDS: dict[str, type[Command]] = {
    "index_price": SetIndexPrice,
    "deribit_instrument": ListInstrument,
    "deribit_account": CreateDeribitAccount,
    "deribit_subaccount": CreateDeribitSubaccount,
    "deribit_key": CreateDeribitKey,
    "deribit_position": SeedDeribitFill,
    "deribit_order": SeedDeribitOrder,
    "volatility": SetVolatility,
    "mark_price": SetMarkPrice,
}
