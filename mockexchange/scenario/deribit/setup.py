"""What a scenario file's `deribit:` set-up says beside its timeline's steps (steps.py): its index prices, instruments,
accounts and their subaccounts, opening positions, volatility and pinned marks, and an account's keys (`KEY`).

Each is a command of the core's (core/deribit/: market_commands.py, account_commands.py, fill_commands.py,
key_commands.py, order_commands.py), its fields read as their kinds when the file is read and the command made there,
so a value it does not take is refused naming its line; what only the state can say (an unknown user or instrument, an
index with no price) is refused when it runs, naming its line too.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from yaml.nodes import Node

from mockexchange.core.commands import Command
from mockexchange.core.deribit import kinds
from mockexchange.core.deribit.account_commands import CreateDeribitAccount, CreateDeribitSubaccount
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.core.deribit.key_commands import CreateDeribitKey
from mockexchange.core.deribit.kinds import BALANCES
from mockexchange.core.deribit.market_commands import ListInstrument, SetIndexPrice, SetMarkPrice, SetVolatility
from mockexchange.core.deribit.order_commands import SeedDeribitOrder
from mockexchange.core.values import Refused
from mockexchange.scenario.deribit import steps as deribit_timeline
from mockexchange.scenario.grammar import specs_of
from mockexchange.scenario.model import Op
from mockexchange.scenario.scalars import Invalid, command_specs, instrument, of_kind
from mockexchange.scenario.schema import WALKED, Reader

# A Deribit account's key (its `keys[]`), beside its account's user
KEY = command_specs(CreateDeribitKey, "user_id")

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


# -- reading the section (its registration's `setup`) --------------------------------------------------------------

SECTIONS = ("deribit",)
# The `Control` method of each set-up kind that is not made into its command when read
OPERATIONS = {"deribit_account": "create_deribit_account", "deribit_position": "deribit_fill"}
# Deribit's steps' fields, which its set-up's entries take too (index prices, positions, orders, volatility, marks)
STEP_FIELDS = {kind: specs_of(kind, made, deribit_timeline.SPECS) for kind, made in deribit_timeline.STEPS.items()}
SUBACCOUNT_FIELDS = {**SUBACCOUNT, "balances": WALKED}
ACCOUNT_FIELDS = {**ACCOUNT, "balances": WALKED, "subaccounts": WALKED, "keys": WALKED}
SECTION_FIELDS = dict.fromkeys(
    ("index_prices", "instruments", "accounts", "positions", "orders", "volatility", "mark_prices"), WALKED
)


def read(reader: Reader, top: Mapping[str, Any]) -> list[Op]:
    """The `deribit:` set-up, if the file has one."""
    return read_section(reader, top["deribit"], "deribit") if "deribit" in top else []


def read_section(reader: Reader, node: Node, path: str) -> list[Op]:
    """The `deribit:` set-up, in the order it runs: index prices, instruments, accounts with their subaccounts,
    keys, opening positions, volatility, pinned marks (`SETUP_COMMANDS`)."""
    section = reader.fields(node, path, SECTION_FIELDS)
    if section is None:
        return []
    ops: dict[str, list[Op]] = {kind: [] for kind in SETUP_COMMANDS}
    index_node = section.get("index_prices")
    price = STEP_FIELDS["index_price"]["price"].check
    for written, (value_node, where) in reader.entries(index_node, f"{path}.index_prices").items():
        try:
            args = {"index_name": index_name(written), "price": price(value_node)}
        except Invalid as exc:
            reader.error(value_node, where, str(exc))
            continue
        _set_up(reader, ops, "index_price", args, value_node, where)
    for item, where in reader.items(section.get("instruments"), f"{path}.instruments"):
        name = reader.value(instrument, item, where)
        if name is not None:
            _set_up(reader, ops, "deribit_instrument", {"instrument_name": name}, item, where)
    for item, where in reader.items(section.get("accounts"), f"{path}.accounts"):
        _account(reader, item, where, ops)
    for kind, name, schema in (
        ("deribit_position", "positions", STEP_FIELDS["deribit_fill"]),
        ("deribit_order", "orders", STEP_FIELDS["deribit_order"]),
        ("volatility", "volatility", STEP_FIELDS["volatility"]),
        ("mark_price", "mark_prices", STEP_FIELDS["mark_price"]),
    ):
        for item, where in reader.items(section.get(name), f"{path}.{name}"):
            ops[kind] += reader.entry(kind, item, where, schema, SETUP_COMMANDS)
    return [op for kind_ops in ops.values() for op in kind_ops]


def _set_up(reader: Reader, ops: dict[str, list[Op]], kind: str, args: dict[str, Any], node: Node, path: str) -> None:
    """A `deribit:` set-up op of `kind`, its command made when its kind is one (unless it refuses `args`)."""
    ops[kind] += reader.made(kind, args, reader.origin(node, path), (node, path), SETUP_COMMANDS)


def _account(reader: Reader, node: Node, path: str, ops: dict[str, list[Op]]) -> None:
    account, ok = reader.partial_fields(node, path, ACCOUNT_FIELDS)
    subaccounts, keys = account.pop("subaccounts", None), account.pop("keys", None)
    balances = _balances(reader, account.pop("balances", None), f"{path}.balances")
    user_id = account.get("user_id")
    if ok and balances is not None:
        _set_up(reader, ops, "deribit_account", {**account, "balances": balances}, node, path)
    for item, where in reader.items(subaccounts, f"{path}.subaccounts"):
        sub, sub_ok = reader.partial_fields(item, where, SUBACCOUNT_FIELDS)
        sub_balances = _balances(reader, sub.pop("balances", None), f"{where}.balances")
        if sub_ok and sub_balances is not None and user_id is not None:
            _set_up(
                reader, ops, "deribit_subaccount", {"user_id": user_id, **sub, "balances": sub_balances}, item, where
            )
    for item, where in reader.items(keys, f"{path}.keys"):
        key = reader.fields(item, where, KEY)
        if key is not None and user_id is not None:
            _set_up(reader, ops, "deribit_key", {"user_id": user_id, **key}, item, where)


def _balances(reader: Reader, node: Node | None, path: str) -> tuple[tuple[str, Decimal], ...] | None:
    """Balances per currency (`{BTC: "10", USDC: "50000"}`), each amount read on its line, held as an account's
    command holds them (core/deribit/kinds.py's `BALANCES`); None if any is wrong."""
    balances: dict[str, Decimal] = {}
    ok = True
    for currency, (value_node, where) in reader.entries(node, path).items():
        balances[currency] = reader.value(BALANCE, value_node, where)
        ok = ok and balances[currency] is not None
    try:
        return BALANCES.read(balances, "balances") if ok else None
    except Refused as exc:
        reader.error(node, path, str(exc))
        return None
