"""What a scenario file's set-up says of Kalshi (its registration's `setup`): `users` (each an account, its keys and
usage level), `series`, `events` (each with its markets' tickers), `markets`, `multivariate_collections` (each a
collection whose combo markets users may make), `positions` (opening fills) and `rfq_makers` (market makers that quote
RFQs by a rule, standing from the start), and what the exchange is told from outside: `milestones`, `live_data`,
`structured_targets`, `incentive_programs`, `weather` (a city's weather index) and `announcements` (the exchange's),
read in that order. Each entry is
the core's command of its kind where it has one (an account, a key, a usage level, a collection, a position, a maker's
rule), made
when the file is read, so a value it does not take is refused naming its line; series, events and markets are kept
as written, which their control-plane methods read when the set-up runs (`OPERATIONS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yaml.nodes import Node

from mockexchange.auth.kalshi.keys import PemError, load_public_key
from mockexchange.core.kalshi.account_commands import CreateAccount, GrantApiUsageLevel
from mockexchange.core.kalshi.announcement_commands import SetAnnouncement
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.kalshi.incentive_commands import SetIncentiveProgram
from mockexchange.core.kalshi.milestone_commands import SetLiveData, SetMilestone
from mockexchange.core.kalshi.multivariate_commands import SetMultivariateCollection
from mockexchange.core.kalshi.rfq_maker_commands import SetRfqMaker
from mockexchange.core.kalshi.target_commands import SetStructuredTarget
from mockexchange.core.kalshi.weather_commands import SetWeatherIndex
from mockexchange.scenario.kalshi import accounts, markets, steps
from mockexchange.scenario.model import Op
from mockexchange.scenario.scalars import Field, command_specs, integer, text
from mockexchange.scenario.schema import ACTION, WALKED, Commands, Reader

# What the exchange is told from outside: each section's entries are its step's (steps.py), after the markets they name
TOLD = {
    "milestones": ("milestone", SetMilestone), "live_data": ("live_data", SetLiveData),
    "structured_targets": ("structured_target", SetStructuredTarget),
    "incentive_programs": ("incentive_program", SetIncentiveProgram), "weather": ("weather_index", SetWeatherIndex),
    "announcements": ("announcement", SetAnnouncement),
}  # fmt: skip
TOLD_MADE = {kind: steps.STEPS[kind] for kind, _ in TOLD.values()}
SECTIONS = ("users", "series", "events", "markets", "multivariate_collections", "positions", "rfq_makers", *TOLD)
# The `Control` method of each set-up kind that is not made into its command when read: a file's series, events and
# markets (kept as written), and the demo generator's entries (generator.py; an instance transfer funds an index)
OPERATIONS = {
    "account": "create_account",
    "series": "set_series",
    "event": "set_event",
    "market": "create_market",
    "position": "fill",
    "intra_exchange_transfer": "intra_exchange_transfer",
}
# A position is a fill (`SeedFill`, core/kalshi/fill_commands.py) booked without a book, made at load.
POSITION = {**command_specs(SeedFill), "action": Field(ACTION, default="buy")}
USER = {
    **accounts.ACCOUNT,
    "keys": WALKED,  # checked by _keys, which needs the user
    "api_usage_level": Field(accounts.USAGE_LEVEL),  # a permanent manual grant on the Predictions instance
}
EXCHANGE_INDEX = integer(0, MAX_EXCHANGE_INDEX)
# Kalshi's markets (scenario/kalshi/markets.py): the set-up's series, events and markets, each field its command's, and
# the steps that move markets; the `market` and `update_market` steps are made into their commands when read.
SERIES = markets.SETUP["series"]
EVENT = {
    **markets.SETUP["event"],
    "exchange_index": Field(EXCHANGE_INDEX),
    "markets": Field(lambda node: node, required=True),
}
MARKET = markets.SETUP["market"]
# A Kalshi user's set-up, each a command of the core's made when the file is read
SETUP_COMMANDS: Commands = {
    "account": CreateAccount, "api_usage_level": GrantApiUsageLevel, "key": accounts.make_key, "position": SeedFill,
    "rfq_maker": SetRfqMaker, "multivariate_collection": SetMultivariateCollection, **TOLD_MADE,
}  # fmt: skip
RFQ_MAKER = command_specs(SetRfqMaker)
COLLECTION = command_specs(SetMultivariateCollection)
TOLD_SPECS = {section: command_specs(cls) for section, (_, cls) in TOLD.items()}


def read(reader: Reader, top: Mapping[str, Any]) -> list[Op]:
    """The set-up's Kalshi sections, in the order they run: accounts and usage levels, then keys, series, events,
    markets, multivariate collections, positions, RFQ makers' rules, what the exchange is told from outside."""
    setup: list[Op] = []
    users = reader.items(top.get("users"), "users")
    keys: list[Op] = []
    for node, path in users:
        user, ok = reader.partial_fields(node, path, USER)
        key_list = user.pop("keys", None)
        level = user.pop("api_usage_level", None)
        if ok:
            setup += reader.made("account", user, reader.origin(node, path), (node, path), SETUP_COMMANDS)
        if ok and level is not None:
            grant = {"user_id": user["user_id"], "level": level}
            where = reader.origin(node, f"{path}.api_usage_level")
            setup += reader.made("api_usage_level", grant, where, (node, path), SETUP_COMMANDS)
        for key_node, key_path in reader.items(key_list, f"{path}.keys"):
            key = _key(reader, key_node, key_path)
            if key is not None and "user_id" in user:
                args, where = {"user_id": user["user_id"], **key}, reader.origin(key_node, key_path)
                keys += reader.made("key", args, where, (key_node, key_path), SETUP_COMMANDS)
    setup += keys
    for node, path in reader.items(top.get("series"), "series"):
        setup += reader.entry("series", node, path, SERIES, SETUP_COMMANDS)
    for node, path in reader.items(top.get("events"), "events"):
        event, ok = reader.partial_fields(node, path, EVENT)
        fields = {k: v for k, v in event.items() if k not in ("markets", "exchange_index")}
        if ok and len(fields) > 1:
            setup.append(Op("event", fields, reader.origin(node, path)))
        for ticker_node, ticker_path in reader.items(event.get("markets"), f"{path}.markets"):
            ticker = reader.value(text, ticker_node, ticker_path)
            if ok and ticker is not None:
                args = {"ticker": ticker, "event_ticker": event["event_ticker"]}
                args["exchange_index"] = event.get("exchange_index", 0)
                setup.append(Op("market", args, reader.origin(ticker_node, ticker_path)))
    for node, path in reader.items(top.get("markets"), "markets"):
        setup += reader.entry("market", node, path, MARKET, SETUP_COMMANDS)
    for node, path in reader.items(top.get("multivariate_collections"), "multivariate_collections"):
        setup += reader.entry("multivariate_collection", node, path, COLLECTION, SETUP_COMMANDS)
    for node, path in reader.items(top.get("positions"), "positions"):
        setup += reader.entry("position", node, path, POSITION, SETUP_COMMANDS)
    for node, path in reader.items(top.get("rfq_makers"), "rfq_makers"):
        setup += reader.entry("rfq_maker", node, path, RFQ_MAKER, SETUP_COMMANDS)
    for section, (kind, _) in TOLD.items():
        for node, path in reader.items(top.get(section), section):
            setup += reader.entry(kind, node, path, TOLD_SPECS[section], SETUP_COMMANDS)
    return setup


def _key(reader: Reader, node: Node, path: str) -> dict[str, Any] | None:
    key = reader.fields(node, path, accounts.KEY)
    if key is None:
        return None
    if "public_key_file" in key and "generate" in key:
        reader.error(node, path, "give public_key_file or generate, not both")
        return None
    if "public_key_file" in key:
        file = reader.base_dir / key.pop("public_key_file")
        try:
            key["public_key_pem"] = reader.read_key_file(file)
        except OSError as exc:
            reader.error(node, f"{path}.public_key_file", f"cannot read {file}: {exc.strerror or exc}")
            return None
        if "PRIVATE KEY" in key["public_key_pem"]:
            reader.error(node, f"{path}.public_key_file", f"{file} holds a private key; give the public half")
            return None
        try:
            load_public_key(key["public_key_pem"])
        except PemError as exc:
            why = f"{file} is not an RSA or Ed25519 public key in PEM ({exc})"
            reader.error(node, f"{path}.public_key_file", why)
            return None
    else:
        key["key_type"] = key.pop("generate", "rsa")
    return key
