"""What the kit knows of Kalshi's account writes beyond their published schema (docs/contract-kit.md).

- `BODY_RULES`: a request body narrowed where Kalshi's server has an unstated rule a schema can say (a range, a
  pattern, a length), each with its reason. `refinements.refine()` applies them, as it applies the parameter rules.
- `ACCOUNT_VALUES`: fields whose valid values exist only on the account the kit checks with (a subtrader, a key to
  delete, a market to move): drawn from `AccountValues` when the kit is given them.
- `STATE_REFUSALS`: what no schema can say (a balance, an existing subaccount, a reused id, a usage level): the
  refusals a schema-valid body may meet, by status and Kalshi's error `code`, each with its reason. The kit's
  `write_acceptance` check (contract/kalshi/refusals.py) accepts these for valid data and nothing else; where a
  `judge` is given, only when the body and the account (read back from the server) make the refusal possible.

Pure data and pure functions: no HTTP here (the account is read by the caller, through `AccountView`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from mockexchange.core.commands import Command, kind_of
from mockexchange.core.kalshi.block_trade_commands import ProposeBlockTrade
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX
from mockexchange.core.kalshi.fcm_commands import UpdateFCMSubtraderBlockedCategories
from mockexchange.core.kalshi.key_commands import CreateApiKey
from mockexchange.core.kalshi.order_commands import CancelOrder, PlaceOrder
from mockexchange.core.kalshi.order_group_commands import CreateOrderGroup
from mockexchange.core.kalshi.orders import MAX_BATCH
from mockexchange.core.kalshi.rfq_batch_commands import CreateBatchQuote, CreateRfqBatch
from mockexchange.core.kalshi.rfq_commands import CreateRfq
from mockexchange.core.kalshi.subaccount_commands import (
    ApplySubaccountTransfer,
    IntraExchangeInstanceTransfer,
    UpdateSubaccountNetting,
)
from mockexchange.core.numbers import INT64_MAX
from mockexchange.core.values import LATEST_SECONDS, Kind, Text
from mockexchange.schema.account_values import AccountValue

NUMBERED_SUBACCOUNTS = 63  # "Maximum 63 numbered subaccounts per user (64 including the primary account)"


@dataclass(frozen=True, slots=True)
class BodyRule:
    """A field of a JSON request body constrained beyond the published schema."""

    operations: tuple[str, ...]
    field: str  # a property; `a[].b` is `b` of each item of the list `a`; "" is the body itself
    reason: str
    schema: dict[str, Any]  # merged into the field's schema


class AccountView(Protocol):
    """The account as the server reports it now (None: it could not be read)."""

    def balance(self, subaccount: int, exchange_index: int) -> Decimal | None:
        """Dollars held on one subaccount and exchange index."""

    def subaccounts(self) -> frozenset[int] | None:
        """The subaccount numbers the account has (0, the primary, among them)."""

    def order(self, order_id: str) -> Mapping[str, Any] | None:
        """The account's order of that id as GetOrder shows it (None: the server has none, or it could not be
        read)."""

    def group(self, order_group_id: str, subaccount: int) -> Mapping[str, Any] | None:
        """The account's order group of that id in that subaccount as GetOrderGroup shows it (None: the server has
        none there, or it could not be read)."""

    def quote(self, quote_id: str) -> Mapping[str, Any] | None:
        """The quote of that id as GetQuote shows it to the account (None: the server shows none, or it could not be
        read)."""


# Why a declared refusal cannot be right for this body on this account (None: it can be).
Judge = Callable[[Mapping[str, Any], AccountView], str | None]


@dataclass(frozen=True, slots=True)
class StateRefusal:
    """A refusal a schema-valid body may meet: `status` with Kalshi's error `code`. With a `judge`, only where it
    finds nothing that rules the refusal out (a refusal of a transfer the source holds is wrong)."""

    operations: tuple[str, ...]
    status: int
    code: str
    reason: str
    judge: Judge | None = None


def _number(body: Mapping[str, Any], name: str) -> int:
    value = body.get(name)
    return value if type(value) is int else 0  # absent or null: Go's zero value (the defaults are 0)


def _holds(account: AccountView, subaccount: int, exchange_index: int, amount: Decimal) -> str | None:
    held = account.balance(subaccount, exchange_index)
    if held is None or held < amount:
        return None
    return f"subaccount {subaccount} holds ${held} on exchange index {exchange_index}, at least the ${amount} asked"


def _all_known(account: AccountView, *subaccounts: int) -> str | None:
    known = account.subaccounts()
    if known is None or any(s not in known for s in subaccounts):
        return None
    return f"the account has subaccount(s) {', '.join(map(str, sorted(set(subaccounts))))}"


def transfer_beyond_balance(body: Mapping[str, Any], account: AccountView) -> str | None:
    amount = Decimal(_number(body, "amount_cents")) / 100
    return _holds(account, _number(body, "from_subaccount"), _number(body, "exchange_index"), amount)


def transfer_between_unknown(body: Mapping[str, Any], account: AccountView) -> str | None:
    ends = (_number(body, "from_subaccount"), _number(body, "to_subaccount"))
    return None if ends[0] == ends[1] else _all_known(account, *ends)


def netting_of_unknown(body: Mapping[str, Any], account: AccountView) -> str | None:
    return _all_known(account, _number(body, "subaccount_number"))


def subaccounts_full(body: Mapping[str, Any], account: AccountView) -> str | None:
    known = account.subaccounts()
    if known is None or len(known - {0}) >= NUMBERED_SUBACCOUNTS:
        return None
    return f"the account has {len(known - {0})} numbered subaccounts, fewer than {NUMBERED_SUBACCOUNTS}"


def instance_beyond_balance(body: Mapping[str, Any], account: AccountView) -> str | None:
    if body.get("source") != "event_contract":
        return None  # a margined balance shows nowhere the kit can read
    amount = Decimal(_number(body, "amount")) / 10_000
    return _holds(account, _number(body, "source_subaccount"), _number(body, "source_exchange_shard"), amount)


def instance_transfer_refused(body: Mapping[str, Any], account: AccountView) -> str | None:
    source = (body.get("source"), _number(body, "source_exchange_shard"), _number(body, "source_subaccount"))
    target = (
        body.get("destination"),
        _number(body, "destination_exchange_shard"),
        _number(body, "destination_subaccount"),
    )
    subaccounts = (source[2], target[2])
    contracts = source[0] == target[0] == "event_contract"
    if subaccounts != (0, 0) and (not contracts or body.get("client_transfer_id") is not None) or source == target:
        return None
    if contracts and source[1] == target[1]:  # a subaccount transfer
        return None if _number(body, "amount") % 100 else _all_known(account, *subaccounts)
    return "the body breaks none of these rules"


def allocation_not_whole(body: Mapping[str, Any], account: AccountView) -> str | None:
    allocations = [a for a in body.get("allocations") or () if isinstance(a, dict)]
    indexes = [a.get("exchange_index") for a in allocations]
    if allocations and (sum(a.get("percent") or 0 for a in allocations) != 100 or len(set(indexes)) != len(indexes)):
        return None
    return "the percentages total 100 over distinct exchange indexes" if allocations else "the list is empty"


def group_limit_refused(body: Mapping[str, Any], account: AccountView) -> str | None:
    """An order group's create or new limit: refused for no limit (a null body: as empty), two unequal limits, an
    exchange index no market is on, a subaccount not created."""
    if not isinstance(body, Mapping):
        return None
    whole, written = body.get("contracts_limit"), body.get("contracts_limit_fp")
    if whole is None and written is None:
        return None
    if type(whole) is int and isinstance(written, str) and Decimal(whole) != Decimal(written):
        return None
    if _number(body, "exchange_index"):
        return None  # which exchange indexes list markets shows nowhere the kit reads
    return _all_known(account, _number(body, "subaccount")) if "subaccount" in body else "the limits agree"


def write_without_read(body: Mapping[str, Any], account: AccountView) -> str | None:
    scopes = body.get("scopes") or ()
    return None if "write" in scopes and "read" not in scopes else "the scopes do not hold `write` without `read`"


def _given_int(body: Mapping[str, Any], name: str) -> int | None:
    """An integer field or query parameter (None: absent, null or not an integer). A query parameter comes as
    text when schemathesis' coverage phase draws it (`"62"`): read as the server reads it."""
    value = body.get(name)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    return value if type(value) is int else None


def _subaccount_of(body: Mapping[str, Any]) -> int:
    return _given_int(body, "subaccount") or 0  # absent: the primary


def order_subaccount_unknown(body: Mapping[str, Any], account: AccountView) -> str | None:
    return _all_known(account, _subaccount_of(body))


def order_rests(body: Mapping[str, Any], account: AccountView) -> str | None:
    """The order a cancel, amend, decrease or queue position names (its path's `order_id`) still rests in the
    subaccount and on the exchange index the request names (given, or routed by its own market: `market_ticker`,
    an amend's `ticker`): a 404 for it is wrong. Routed by another market, or by one the exchange does not list, the
    request may find no order, or no market, there."""
    order_id = body.get("order_id")
    order = account.order(order_id) if isinstance(order_id, str) else None
    if order is None or order.get("status") != "resting":
        return None
    if order.get("subaccount_number", 0) != _subaccount_of(body):
        return None
    index = _given_int(body, "exchange_index")
    routed_by = body.get("ticker", body.get("market_ticker"))
    if index is None or index < 0:  # routed: by the request's market, else to index 0
        if routed_by is None:
            index = 0 if index is None else order.get("exchange_index", 0)  # (-1 without a market: a 400, judged)
        elif routed_by == order.get("ticker"):
            index = order.get("exchange_index", 0)
        else:
            return None  # another market, or none the exchange lists: no order, or no market, may be there
    if index != order.get("exchange_index", 0):
        return None
    return f"order {order_id} rests in subaccount {_subaccount_of(body)} (GetOrder says so)"


def group_exists(body: Mapping[str, Any], account: AccountView) -> str | None:
    """The group a named group write names (its path's `order_group_id`) is the account's, in the subaccount and on
    the exchange index the request names (0 when it names none): a 404 for it is wrong."""
    group_id, subaccount = body.get("order_group_id"), _subaccount_of(body)
    group = account.group(group_id, subaccount) if isinstance(group_id, str) else None
    index = _given_int(body, "exchange_index") or 0
    if group is None or group.get("exchange_index", 0) != index:
        return None
    return f"order group {group_id} is the account's in subaccount {subaccount} on exchange index {index} " + (
        "(GetOrderGroup says so)"
    )


NOT_EMPTY = "Go's `required` validator refuses an empty string"
KEY_WRITES = ("CreateApiKey", "GenerateApiKey")
NOT_NULL = {"not": {"type": "null"}}  # a value given, not null (a null is absent to Go's decoder)
SUBACCOUNT_WRITES = ("CreateSubaccount", "ApplySubaccountTransfer", "UpdateSubaccountNetting")
INSTANCE_WRITES = ("IntraExchangeInstanceTransfer", "SetTargetBalanceAllocation")
FCM_WRITES = (
    "CreateFCMSubtrader", "UpdateFCMEventContractDailyCap", "DeleteFCMEventContractDailyCap",
    "UpdateFCMSubtraderBlockedCategories", "CreateFCMPositionTransfer",
)  # fmt: skip
FCM_SUBTRADER_WRITES = FCM_WRITES[1:]
GROUP_LIMITS = ("CreateOrderGroup", "UpdateOrderGroupLimit")
NAMED_GROUP_WRITES = ("DeleteOrderGroup", "ResetOrderGroup", "TriggerOrderGroup", "UpdateOrderGroupLimit")
GROUP_WRITES = ("CreateOrderGroup", *NAMED_GROUP_WRITES)
# A contracts limit: whole contracts from 1 to 1,000,000 (Kalshi's Order Groups guide), "10", "10.0" or "10.00"
GROUP_LIMIT_FP = r"^(?:[1-9][0-9]{0,5}|1000000)(?:\.0{1,2})?$"


def bounds(kind: Kind[Any]) -> dict[str, Any]:
    """A kind's bounds (core/values.py: its JSON Schema, its type left to the published schema): a rule the mock holds
    a value to because the kind it is read by takes no other."""
    return {key: value for key, value in kind.schema().items() if key != "type"}


def declared_bounds(command: type[Command], name: str) -> dict[str, Any]:
    """The bounds a typed command's field declares (core/commands.py): a rule the mock holds a body to because the
    command it is read into takes no other value."""
    return bounds(kind_of(command, name))


def GIVEN(name: str, kind: str) -> dict[str, Any]:  # noqa: N802 (reads as a schema constant)
    """A body field that is there and not null."""
    return {"required": [name], "properties": {name: {"type": kind}}}


BODY_RULES: tuple[BodyRule, ...] = (
    BodyRule(("ApplySubaccountTransfer",), "from_subaccount", "subaccounts are numbered 0..63 (0: the primary)",
             declared_bounds(ApplySubaccountTransfer, "from_subaccount")),
    BodyRule(("ApplySubaccountTransfer",), "to_subaccount", "subaccounts are numbered 0..63",
             declared_bounds(ApplySubaccountTransfer, "to_subaccount")),
    BodyRule(("UpdateSubaccountNetting",), "subaccount_number", "subaccounts are numbered 0..63",
             declared_bounds(UpdateSubaccountNetting, "subaccount")),
    BodyRule(("IntraExchangeInstanceTransfer",), "source_subaccount", "subaccounts are numbered 0..63",
             declared_bounds(IntraExchangeInstanceTransfer, "source_subaccount")),
    BodyRule(("IntraExchangeInstanceTransfer",), "destination_subaccount", "subaccounts are numbered 0..63",
             declared_bounds(IntraExchangeInstanceTransfer, "destination_subaccount")),
    BodyRule(("CreateSubaccount", "ApplySubaccountTransfer"), "exchange_index",
             "an int32 shard number >= 0 (its validator is gte=0; the Go field is an int32)",
             declared_bounds(ApplySubaccountTransfer, "exchange_index")),
    BodyRule(("SetTargetBalanceAllocation",), "allocations[].exchange_index",
             "an int32 shard number (the Go field is an int32)", {"maximum": MAX_EXCHANGE_INDEX}),
    BodyRule(("ApplySubaccountTransfer",), "amount_cents",
             "at least one cent; at most 10^14 ($1 trillion, more than any balance holds: beyond it the mock answers "
             "the lte tag, docs/known-differences.md)", declared_bounds(ApplySubaccountTransfer, "amount_cents")),
    BodyRule(("IntraExchangeInstanceTransfer",), "amount",
             "at least one centi-cent; at most 10^16 ($1 trillion, as for a subaccount transfer)",
             declared_bounds(IntraExchangeInstanceTransfer, "amount")),
    BodyRule(KEY_WRITES, "name", f"1 to 256 characters ({NOT_EMPTY}; 256 is the mock's bound)",
             bounds(Text())),
    BodyRule(KEY_WRITES, "scopes", "at most 16 scopes (the mock's bound: each of the eight twice)",
             {"maxItems": declared_bounds(CreateApiKey, "scopes")["maxItems"]}),
    # (a null is absent, as Go's decoder reads it into a nil pointer: both given, neither null, is refused)
    BodyRule(KEY_WRITES, "", "subaccount and fcm_subtrader_id are mutually exclusive",
             {"not": {"required": ["subaccount", "fcm_subtrader_id"],
                      "properties": {"subaccount": NOT_NULL, "fcm_subtrader_id": NOT_NULL}}}),
    BodyRule(("CreateApiKey",), "public_key", NOT_EMPTY, {"minLength": 1}),
    BodyRule(("CreateFCMSubtrader",), "subtrader_suffix", "1-16 ASCII letters and digits",
             {"pattern": "^[A-Za-z0-9]{1,16}$"}),
    BodyRule(("UpdateFCMEventContractDailyCap",), "limit",
             "a dollar amount >= 0 with up to 4 places, below $10^13 (the mock's bound on a balance)",
             {"pattern": r"^[0-9]{1,13}(\.[0-9]{1,4})?$"}),
    BodyRule(("UpdateFCMEventContractDailyCap", "UpdateFCMSubtraderBlockedCategories"), "subtrader_id", NOT_EMPTY,
             {"minLength": 1}),
    BodyRule(("UpdateFCMSubtraderBlockedCategories",), "category", "1-100 characters",
             declared_bounds(UpdateFCMSubtraderBlockedCategories, "category")),
    *(BodyRule(("CreateFCMPositionTransfer",), name, NOT_EMPTY, {"minLength": 1})
      for name in ("source_subtrader_id", "target_subtrader_id", "market_ticker")),
    BodyRule(("CreateFCMPositionTransfer",), "position_centicount",
             "a non-zero whole number of contracts (a multiple of 100)", {"multipleOf": 100, "not": {"enum": [0]}}),
    BodyRule(("CreateFCMPositionTransfer",), "price_centicents", "whole cents (a multiple of 100)",
             {"multipleOf": 100}),
    BodyRule(GROUP_LIMITS, "contracts_limit", "whole contracts from 1 to 1,000,000 (the Order Groups guide)",
             declared_bounds(CreateOrderGroup, "contracts_limit")),
    BodyRule(GROUP_LIMITS, "contracts_limit_fp", "whole contracts from 1 to 1,000,000, up to 2 places of zeros",
             {"pattern": GROUP_LIMIT_FP}),
    BodyRule(GROUP_LIMITS, "", "a limit given: contracts_limit or contracts_limit_fp (a null one, or a null body, is "
             "no limit)", {"type": "object", "anyOf": [GIVEN("contracts_limit", "integer"),
                                                         GIVEN("contracts_limit_fp", "string")]}),
    BodyRule(("CreateOrderGroup",), "subaccount", "subaccounts are numbered 0..63",
             declared_bounds(CreateOrderGroup, "subaccount")),
    BodyRule(("CreateOrderGroup",), "exchange_index", "an int32 shard number >= 0",
             declared_bounds(CreateOrderGroup, "exchange_index")),
)  # fmt: skip

ACCOUNT_VALUES: tuple[AccountValue, ...] = (
    AccountValue(("UpdateFCMEventContractDailyCap", "UpdateFCMSubtraderBlockedCategories"), "subtrader_id",
                 "subtrader_ids", "a subtrader of the checking FCM member"),
    AccountValue(("DeleteFCMEventContractDailyCap",), "query:subtrader_id", "subtrader_ids",
                 "a subtrader of the checking FCM member"),
    AccountValue(("CreateFCMPositionTransfer",), "source_subtrader_id", "subtrader_ids",
                 "a subtrader of the checking FCM member"),
    AccountValue(KEY_WRITES, "fcm_subtrader_id", "subtrader_ids", "a subtrader of the checking FCM member"),
    AccountValue(("CreateApiKey",), "public_key", "public_keys",
                 "an RSA or Ed25519 public key in PEM: the kit uploads one it made"),
    AccountValue(("DeleteApiKey",), "path:api_key", "api_key_ids",
                 "a key of the checking account other than its own (one made to be deleted)"),
    AccountValue(("CreateFCMPositionTransfer",), "market_ticker", "market_tickers",
                 "an open market a subtrader holds"),
    AccountValue(("CreateFCMPositionTransfer",), "target_subtrader_id", "transfer_targets",
                 "a subtrader under the FCM's error account ({error_account_id}_{suffix})"),
    AccountValue(NAMED_GROUP_WRITES[1:], "path:order_group_id", "order_group_ids",
                 "an order group of the checking account"),
    AccountValue(NAMED_GROUP_WRITES[:1], "path:order_group_id", "deletable_order_group_ids",
                 "an order group of the checking account made to be deleted (the others stay for the other group "
                 "writes)"),
)  # fmt: skip

LOCKED_KEY = (
    "a key locked to one subaccount or bound to one subtrader may not do this (nor, on the FCM desk, a caller that is "
    "no FCM member)"
)
STATE_REFUSALS: tuple[StateRefusal, ...] = (
    StateRefusal(("ApplySubaccountTransfer",), 400, "insufficient_balance",
                 "the source subaccount holds less than the amount on that exchange index (judged: a refusal of an "
                 "amount the source holds fails)", transfer_beyond_balance),
    StateRefusal(("ApplySubaccountTransfer",), 400, "bad_request",
                 "from and to the same subaccount, or one the account has not created (judged)",
                 transfer_between_unknown),
    StateRefusal(("ApplySubaccountTransfer",), 409, "conflict", "a client_transfer_id used before for other terms"),
    StateRefusal(("UpdateSubaccountNetting",), 400, "bad_request", "a subaccount the account has not created (judged)",
                 netting_of_unknown),
    StateRefusal(("CreateSubaccount",), 400, "bad_request",
                 "the account has its 63 numbered subaccounts already (judged)", subaccounts_full),
    StateRefusal(("CreateSubaccount",), 403, "forbidden", "an account below the Advanced API tier"),
    StateRefusal(SUBACCOUNT_WRITES + INSTANCE_WRITES + KEY_WRITES + ("DeleteApiKey",) + FCM_WRITES, 403, "forbidden",
                 LOCKED_KEY),
    StateRefusal(("IntraExchangeInstanceTransfer",), 400, "insufficient_balance",
                 "the source holds less than the amount (judged where the source is event_contract; a margined "
                 "balance cannot be read)", instance_beyond_balance),
    StateRefusal(("IntraExchangeInstanceTransfer",), 400, "bad_request",
                 "subaccounts other than event_contract to event_contract, a client_transfer_id with subaccounts, the "
                 "same source and destination, or, between subaccounts of one shard (a subaccount transfer), part of "
                 "a cent or a subaccount not created (judged)", instance_transfer_refused),
    StateRefusal(("IntraExchangeInstanceTransfer",), 409, "conflict",
                 "a client_transfer_id already accepted from the same source instance and shard"),
    StateRefusal(("SetTargetBalanceAllocation",), 400, "bad_request",
                 "percentages that do not total 100, or an exchange index twice (judged from the body: no schema sums "
                 "a list)", allocation_not_whole),
    StateRefusal(KEY_WRITES, 400, "bad_request", "`write` in scopes without `read` (judged from the body)",
                 write_without_read),
    StateRefusal(("CreateApiKey",), 403, "forbidden", "uploading a key needs the Premier usage level or above"),
    StateRefusal(("DeleteApiKey",), 404, "not_found", "a key the account does not have (deleted already)"),
    StateRefusal(("UpgradeAccountApiUsageLevel",), 403, "forbidden",
                 "none of the user's latest 100 orders was made through the API"),
    StateRefusal(("CreateFCMSubtrader",), 409, "conflict", "the subtrader exists"),
    StateRefusal(FCM_SUBTRADER_WRITES, 404, "not_found",
                 "a subtrader the member does not have, a market that does not exist, or (deleting) no daily cap"),
    StateRefusal(("CreateFCMPositionTransfer",), 400, "bad_request",
                 "transfers not enabled for the FCM (until Kalshi configures its error account), or more contracts "
                 "than a position may hold"),
    StateRefusal(("CreateFCMPositionTransfer",), 409, "conflict",
                 "a settled market, or a target without the cash to pay for the position"),
    StateRefusal(GROUP_LIMITS, 400, "bad_request",
                 "no limit (a null body counts as empty), contracts_limit and contracts_limit_fp unequal, an exchange "
                 "index no market is listed on, or a subaccount not created (judged)", group_limit_refused),
    StateRefusal(NAMED_GROUP_WRITES, 404, "not_found",
                 "a group the account does not have there: deleted already, or named with another subaccount or "
                 "exchange index than its own (judged)", group_exists),
    StateRefusal(GROUP_WRITES, 403, "forbidden", LOCKED_KEY),
)  # fmt: skip

# -- orders (issue 28) ---------------------------------------------------------------------------------------------
ORDER_CREATES = ("CreateOrderV2", "BatchCreateOrdersV2")
ORDER_CHANGES = ("CancelOrderV2", "AmendOrderV2", "DecreaseOrderV2")
ORDER_WRITES = ORDER_CREATES + ORDER_CHANGES + ("BatchCancelOrdersV2", "CancelAllOrders")
BODY_BOUND = 512 * 1024  # the mock's bound on a batch's body (venues/kalshi/bodies.py MAX_BATCH_BODY)
# Amounts are Kalshi's fixed-point strings: digits on both sides of a point, no sign but "-", no blanks (core/money.py's
# FIXED_POINT). A price the kit's order markets (linear_cent) take: whole cents strictly between 0 and 1, 1 to 4 places.
WHOLE_CENTS = r"^0\.(0[1-9]|[1-9][0-9]?)0{0,2}$"
# A count of contracts: at most 2 places, from 0.01 to 999,999,999.99 (the server takes up to 1,000,000,000).
COUNT = r"^([1-9][0-9]{0,8}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$"
COUNT_OR_ZERO = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"


def _only_with(name: str, value: dict[str, Any], time_in_force: str) -> dict[str, Any]:
    """A body in which `name` (when it is `value`) comes without `time_in_force` is refused."""
    when = {name: value, "time_in_force": {"not": {"enum": [time_in_force]}}}
    return {"not": {"required": [name], "properties": when}}


_TIME_IN_FORCE_PARTNERS = {
    "allOf": [
        _only_with("post_only", {"enum": [True]}, "good_till_canceled"),
        _only_with("reduce_only", {"enum": [True]}, "immediate_or_cancel"),
        _only_with("expiration_time", {"type": "integer"}, "good_till_canceled"),
    ]
}


# Kalshi's FIX order entry page: "^[\-\w:+=/]*$", at most 64 characters (\w is ASCII in Go's regexp); empty is none.
CLIENT_ORDER_ID = {"maxLength": 64, "pattern": r"^[-A-Za-z0-9_:+=/]*$"}
CLIENT_ORDER_ID_REASON = (
    "at most 64 of A-Z a-z 0-9 - _ : + = / (Kalshi's FIX docs; another: 400 bad_request), empty: none"
)
# A batch's items are refused one by one, inside its 201 (or 200): only what refuses the whole batch (the body's
# decoding and its validator tags) narrows them; the rest of an order's rules narrow the single create only.
BATCH_ITEM = (
    "a batch's item; its order's own rules (price, count, ...) refuse the item inside the batch's answer, not the batch"
)

BODY_RULES += (
    BodyRule(("CreateOrderV2",), "price", "whole cents between 0 and 1 exclusive (the kit's order markets are "
             "linear_cent: another price is 400 invalid_price)", {"pattern": WHOLE_CENTS}),
    BodyRule(("CreateOrderV2",), "count", "contracts with at most 2 places, at least 0.01 (0 or a third place: a "
             "400)", {"pattern": COUNT}),
    BodyRule(("CreateOrderV2",), "subaccount", "subaccounts are numbered 0..63",
             declared_bounds(PlaceOrder, "subaccount")),
    BodyRule(("CreateOrderV2", "AcceptRFQBatch"), "client_order_id", CLIENT_ORDER_ID_REASON, CLIENT_ORDER_ID),
    BodyRule(("CreateOrderV2",), "", "post_only and an expiration_time only with good_till_canceled, reduce_only "
             "only with immediate_or_cancel (400 invalid_order, invalid_expiration_time)", _TIME_IN_FORCE_PARTNERS),
    BodyRule(("CreateOrderV2", "AmendOrderV2"), "expiration_time", "Unix seconds before the year 9999 (the mock's "
             "bound on the exchange clock)", {"minimum": 0, "maximum": LATEST_SECONDS - 1}),
    BodyRule(("BatchCreateOrdersV2",), "orders[].expiration_time", f"not negative ({BATCH_ITEM})", {"minimum": 0}),
    *(BodyRule(("BatchCreateOrdersV2",), f"orders[].{name}", f"{NOT_EMPTY} ({BATCH_ITEM})", {"minLength": 1})
      for name in ("ticker", "count", "price")),
    BodyRule(("BatchCancelOrdersV2",), "orders[].order_id", f"{NOT_EMPTY} ({BATCH_ITEM})", {"minLength": 1}),
    BodyRule(("BatchCreateOrdersV2", "BatchCancelOrdersV2"), "orders[].subaccount",
             f"a Go int (int64): a larger number does not decode ({BATCH_ITEM})", {"maximum": INT64_MAX}),
    BodyRule(("BatchCreateOrdersV2", "BatchCancelOrdersV2"), "orders[].exchange_index",
             f"an int32 shard number, or -1 (route by the ticker) ({BATCH_ITEM})",
             declared_bounds(CancelOrder, "exchange_index")),
    BodyRule(("BatchCreateOrdersV2", "BatchCancelOrdersV2"), "orders",
             f"at most {MAX_BATCH} items (the mock's bound: Kalshi's scales with the tier's write budget)",
             {"maxItems": MAX_BATCH}),
    BodyRule(("AmendOrderV2",), "price", "whole cents between 0 and 1 exclusive (as a new order's)",
             {"pattern": WHOLE_CENTS}),
    BodyRule(("AmendOrderV2",), "count", "the order's new total, at least 0.01 contracts, at most 2 places",
             {"pattern": COUNT}),
    BodyRule(("AmendOrderV2",), "client_order_id", "the order's own client order id or none (the kit's resting "
             "orders have none): another is 400", {"not": {"type": "string"}}),
    BodyRule(("AmendOrderV2",), "updated_client_order_id", CLIENT_ORDER_ID_REASON, CLIENT_ORDER_ID),
    BodyRule(("DecreaseOrderV2",), "reduce_by", "at least 0.01 contracts, at most 2 places", {"pattern": COUNT}),
    BodyRule(("DecreaseOrderV2",), "reduce_to", "0 or more contracts, at most 2 places",
             {"pattern": COUNT_OR_ZERO}),
    BodyRule(("DecreaseOrderV2",), "", "exactly one of reduce_by and reduce_to (400 invalid_order)",
             {"oneOf": [{"required": [n], "properties": {n: {"type": "string"}}} for n in ("reduce_by", "reduce_to")]}),
)  # fmt: skip

ACCOUNT_VALUES += (
    AccountValue(("CreateOrderV2",), "ticker", "order_markets", "an open market on whole cents that takes orders"),
    AccountValue(("CreateOrderV2",), "exchange_index", "order_exchange_indexes",
                 "the order markets' exchange index, or -1 (route by the ticker)"),
    AccountValue(("CreateOrderV2",), "order_group_id", "order_group_ids", "an order group of the account's"),
    AccountValue(("AmendOrderV2",), "exchange_index", "order_exchange_indexes",
                 "the order markets' exchange index, or -1 (route by the ticker)"),
    AccountValue(("CancelOrderV2",), "query:exchange_index", "resting_order_exchange_indexes",
                 "the orders' exchange index"),
    AccountValue(("DecreaseOrderV2",), "exchange_index", "resting_order_exchange_indexes",
                 "the orders' exchange index"),
    AccountValue(ORDER_CHANGES, "path:order_id", "resting_order_ids", "an order the kit placed to be changed"),
    AccountValue(("DecreaseOrderV2",), "market_ticker", "resting_order_markets", "the market of those orders"),
    AccountValue(("AmendOrderV2",), "ticker", "resting_order_markets",
                 "the market of the order amended (another is 400 invalid_order)"),
    AccountValue(("AmendOrderV2",), "side", "resting_order_sides",
                 "the side of the order amended (another is 400 invalid_order)"),
)  # fmt: skip


def reduce_to_above_rest(body: Mapping[str, Any], account: AccountView) -> str | None:
    """A decrease `reduce_to` no more than what the order rests: its refusal is wrong."""
    order_id, reduce_to = body.get("order_id"), body.get("reduce_to")
    if not isinstance(order_id, str) or not isinstance(reduce_to, str):
        return None
    order = account.order(order_id)
    if order is None:
        return None
    try:
        rests = Decimal(order["remaining_count_fp"])
        asked = Decimal(reduce_to)
    except (KeyError, TypeError, ArithmeticError, ValueError):
        return None
    if order.get("status") != "resting" or asked > rests:
        return None
    return f"order {order_id} rests {rests} contracts, no fewer than reduce_to {reduce_to}"


def group_in_the_orders_subaccount(body: Mapping[str, Any], account: AccountView) -> str | None:
    """An order naming a group in the primary subaccount, where the kit's groups are (`order_group_ids`): a 404 for
    it is wrong. (A group holds orders of the subaccount it was made for; one drawn for another is refused.)"""
    if body.get("order_group_id") is None:
        return "the order names no order group"
    if not body.get("subaccount"):
        return "the order is of subaccount 0, as the kit's order groups are"
    return None


def batch_within_bound(body: Mapping[str, Any], account: AccountView) -> str | None:
    size = len(json.dumps(dict(body)))  # as the suites send it (ASCII, ", " and ": "); the server may count less
    return f"the body is {size} bytes, within the {BODY_BOUND} the mock reads" if size <= BODY_BOUND * 0.9 else None


NO_ORDER = "an order that no longer rests there (the run cancelled, filled or decreased it to nothing; judged)"
STATE_REFUSALS += (
    StateRefusal(ORDER_CREATES[:1] + ("AmendOrderV2",), 400, "insufficient_balance",
                 "the available balance does not cover what the order's fills cost and what its rest holds"),
    StateRefusal(ORDER_CREATES[:1] + ("AmendOrderV2",), 400, "post_only_cross", "a post_only order that would cross"),
    StateRefusal(ORDER_CREATES[:1] + ("AmendOrderV2",), 409, "order_already_exists",
                 "a client_order_id of an order the account keeps (resting, or among its latest ended ones)"),
    StateRefusal(ORDER_CREATES[:1], 400, "bad_request",
                 "a subaccount the account has not created (judged), or more contracts than a market position or the "
                 "account may hold, or more resting orders than an account may", order_subaccount_unknown),
    StateRefusal(("AmendOrderV2",), 400, "invalid_order", "a count not above what the order has filled"),
    StateRefusal(("AmendOrderV2",), 400, "invalid_expiration_time", "an expiration_time at or before the exchange's "
                 "now"),
    StateRefusal(ORDER_CREATES[:1], 400, "invalid_expiration_time", "an expiration_time at or before the exchange's "
                 "now"),
    StateRefusal(("DecreaseOrderV2",), 400, "invalid_order", "a reduce_to above what rests (judged)",
                 reduce_to_above_rest),
    StateRefusal(ORDER_CHANGES, 404, "not_found", NO_ORDER, order_rests),
    StateRefusal(ORDER_CREATES[:1], 404, "not_found", "an order_group_id of a group made for another subaccount than "
                 "the order's (judged)", group_in_the_orders_subaccount),
    StateRefusal(ORDER_CREATES[:1], 409, "order_group_triggered", "an order_group_id of a triggered group (by hand or "
                 "past its limit): it takes no order until it is reset (the mock's code: Kalshi documents none)"),
    StateRefusal(("BatchCreateOrdersV2", "BatchCancelOrdersV2"), 400, "bad_request",
                 f"a body past {BODY_BOUND} bytes (the mock's bound on a batch's body; Kalshi's is unknown) "
                 "(judged from the body's size)", batch_within_bound),
    StateRefusal(ORDER_WRITES, 403, "forbidden", LOCKED_KEY + "; an FCM subtrader's blocked category or daily cap"),
)  # fmt: skip

# -- the communications writes (issue 54) --------------------------------------------------------------------------
QUOTE_ACCEPTS = ("AcceptQuote", "AcceptRFQQuote")
QUOTE_CONFIRMS = ("ConfirmQuote", "ConfirmRFQQuote")
QUOTE_DELETES = ("DeleteQuote", "DeleteRFQQuote")
BLOCK_TRADE_WRITES = ("ProposeBlockTrade", "AcceptBlockTradeProposal")
# The writes that need another user (an RFQ to quote, a quote to accept, an acceptance to confirm, a trade's other
# side): `contract check` runs them only with that user's key, and says so.
TWO_PARTY_WRITES = ("CreateQuote", *QUOTE_ACCEPTS, *QUOTE_CONFIRMS, *QUOTE_DELETES, *BLOCK_TRADE_WRITES)
COMMUNICATION_WRITES = ("CreateRFQ", "DeleteRFQ", *TWO_PARTY_WRITES)
# A bid of the kit's quotes: whole cents from $0.01 to $0.49 a side, so the two never add up past $1 (refused).
QUOTE_BID = r"^0\.(0[1-9]|[1-4][0-9])0{0,2}$"
# A target cost: dollars above 0 with up to 4 places.
TARGET_COST_DOLLARS = r"^([1-9][0-9]{0,6}(\.[0-9]{1,4})?|0\.[0-9]{0,3}[1-9])$"
SIZED = (GIVEN("contracts_fp", "string"), GIVEN("contracts", "integer"))
COSTED = (GIVEN("target_cost_dollars", "string"), GIVEN("target_cost_centi_cents", "integer"))
EXCLUDES_FEES = {
    "required": ["target_cost_excludes_fees"],
    "properties": {"target_cost_excludes_fees": {"enum": [True]}},
}

BODY_RULES += (
    BodyRule(("CreateRFQ",), "contracts_fp", "contracts with at most 2 places, at least 0.01", {"pattern": COUNT}),
    BodyRule(("CreateRFQ",), "contracts", "at least one contract (0 is no size)", {"minimum": 1, "maximum": 10**9}),
    BodyRule(("CreateRFQ",), "target_cost_dollars", "dollars above 0 with up to 4 places",
             {"pattern": TARGET_COST_DOLLARS}),
    BodyRule(("CreateRFQ",), "target_cost_centi_cents", "above 0", {"minimum": 1, "maximum": 10**11}),
    BodyRule(("CreateRFQ",), "", "sized by contracts (contracts_fp or contracts) or by a target cost "
             "(target_cost_dollars or target_cost_centi_cents), not both, and target_cost_excludes_fees only with a "
             "target cost (400 otherwise)",
             {"type": "object", "oneOf": [{"anyOf": [*SIZED]}, {"anyOf": [*COSTED]}],
              "anyOf": [{"not": EXCLUDES_FEES}, *COSTED]}),
    BodyRule(("CreateRFQ", "CreateQuote"), "subaccount", "subaccounts are numbered 0..63",
             declared_bounds(CreateRfq, "subaccount")),
    *(BodyRule(("CreateQuote",), name, "whole cents from $0.01 to $0.49 (on the kit's markets' grid; the two bids "
               "add up to at most $1, or 400)", {"pattern": QUOTE_BID}) for name in ("yes_bid", "no_bid")),
    BodyRule(("ProposeBlockTrade",), "price_centi_cents", "a YES price inside (0, 1) dollar",
             declared_bounds(ProposeBlockTrade, "price_centi_cents")),
    BodyRule(("ProposeBlockTrade",), "centicount", "at most the contracts a position may hold",
             declared_bounds(ProposeBlockTrade, "centicount")),
)  # fmt: skip


def exclusive(subtrader_id: str, subaccount: str) -> dict[str, Any]:
    """A body that gives at most one of a subtrader id and a subaccount. A null is absent (NOT_NULL), and so is an
    empty subtrader id: a plain Go string (`x-go-type-skip-optional-pointer`) reads "" as none given."""
    given = {subtrader_id: {"not": {"enum": [None, ""]}}, subaccount: NOT_NULL}
    return {"not": {"required": [subtrader_id, subaccount], "properties": given}}


# Kalshi's spec, on each pair: "Provide either this or ..., not both".
BODY_RULES += (
    BodyRule(BLOCK_TRADE_WRITES[1:], "", "subtrader_id and subaccount are mutually exclusive (an empty "
             "subtrader_id is none)", exclusive("subtrader_id", "subaccount")),
    BodyRule(BLOCK_TRADE_WRITES[:1], "", "buyer_subtrader_id and buyer_subaccount are mutually exclusive, and "
             "seller_subtrader_id and seller_subaccount (an empty subtrader id is none)",
             {"allOf": [exclusive(f"{side}_subtrader_id", f"{side}_subaccount") for side in ("buyer", "seller")]}),
)  # fmt: skip

ACCOUNT_VALUES += (
    AccountValue(("CreateRFQ",), "market_ticker", "rfq_markets", "an open market on whole cents without the account's "
                 "RFQ (the kit asked for none there)"),
    AccountValue(("ProposeBlockTrade",), "market_ticker", "order_markets", "an open market on whole cents"),
    AccountValue(("DeleteRFQ",), "path:rfq_id", "deletable_rfq_ids", "an RFQ the kit asked to be deleted"),
    AccountValue(("CreateQuote",), "rfq_id", "quotable_rfq_ids", "an open RFQ of the other user's"),
    AccountValue(QUOTE_ACCEPTS[:1], "path:quote_id", "offered_quote_ids", "the other user's quote on a kit's RFQ"),
    AccountValue(QUOTE_ACCEPTS[1:], "path:rfq_id", "offered_pair_rfq_ids", "a kit's RFQ the other user quoted"),
    AccountValue(QUOTE_ACCEPTS[1:], "path:quote_id", "offered_pair_quote_ids", "that quote"),
    AccountValue(QUOTE_DELETES[:1], "path:quote_id", "own_quote_ids", "the kit's quote on the other user's RFQ"),
    AccountValue(QUOTE_DELETES[1:], "path:rfq_id", "own_pair_rfq_ids", "an RFQ of the other user's the kit quoted"),
    AccountValue(QUOTE_DELETES[1:], "path:quote_id", "own_pair_quote_ids", "that quote"),
    AccountValue(QUOTE_CONFIRMS[:1], "path:quote_id", "accepted_quote_ids", "the kit's quote the other user accepted"),
    AccountValue(QUOTE_CONFIRMS[1:], "path:rfq_id", "accepted_pair_rfq_ids",
                 "an RFQ of the other user's whose quote by the kit it accepted"),
    AccountValue(QUOTE_CONFIRMS[1:], "path:quote_id", "accepted_pair_quote_ids", "that quote"),
    AccountValue(("ProposeBlockTrade",), "buyer_user_id", "own_user_ids", "the account's user id (the proposer buys)"),
    AccountValue(("ProposeBlockTrade",), "seller_user_id", "counterparty_user_ids", "the other user's id"),
    AccountValue(("ProposeBlockTrade",), "expiration_ts", "block_trade_expirations",
                 "within a day after the exchange's now"),
    AccountValue(BLOCK_TRADE_WRITES[1:], "path:block_trade_proposal_id", "block_trade_proposal_ids",
                 "the other user's proposal to the account"),
)  # fmt: skip


def twins_disagree(body: Mapping[str, Any], account: AccountView) -> str | None:
    """contracts and contracts_fp, or target_cost_dollars and target_cost_centi_cents, both given and unequal (or
    a subtrader_id with a subaccount): a 400 for a body without either is wrong."""
    try:
        count, whole = (
            Decimal(v) if v is not None else None for v in (body.get("contracts_fp"), body.get("contracts"))
        )
        cost, centi = body.get("target_cost_dollars"), body.get("target_cost_centi_cents")
        costs = (Decimal(cost), Decimal(centi).scaleb(-4)) if cost is not None and centi is not None else None
    except (ArithmeticError, ValueError, TypeError):
        return None
    if (count is not None and whole is not None and count != whole) or (costs and costs[0] != costs[1]):
        return None
    return None if body.get("subtrader_id") and body.get("subaccount") else "the body's twins agree"


def _quote_status(body: Mapping[str, Any], account: AccountView, *statuses: str) -> str | None:
    """The quote the path names reads one of `statuses` (GetQuote says so): a refusal that needs another is wrong."""
    quote_id = body.get("quote_id")
    quote = account.quote(quote_id) if isinstance(quote_id, str) else None
    status = None if quote is None else quote.get("status")
    return f"quote {quote_id} is {status} (GetQuote says so)" if status in statuses else None


def quote_open(body: Mapping[str, Any], account: AccountView) -> str | None:
    return _quote_status(body, account, "open")


def quote_accepted(body: Mapping[str, Any], account: AccountView) -> str | None:
    return _quote_status(body, account, "accepted")


def quote_withdrawable(body: Mapping[str, Any], account: AccountView) -> str | None:
    return _quote_status(body, account, "open", "accepted")


CLOSED = "a market or an exchange that takes no RFQs or quotes now (paused, closed)"
STATE_REFUSALS += (
    StateRefusal(("CreateRFQ",), 409, "conflict", "an open RFQ of the account's on that market already (Kalshi's RFQ "
                 "guide: 409)"),
    StateRefusal(("CreateRFQ",), 409, "too_many_rfqs", "the account's 100 open RFQs"),
    StateRefusal(("CreateRFQ",), 400, "bad_request", "contracts and contracts_fp, or the two target costs, that do "
                 "not match (judged from the body), or a subtrader_id with a subaccount", twins_disagree),
    StateRefusal(("CreateRFQ",), 404, "not_found", "a subtrader_id that is no subtrader of the FCM member's"),
    StateRefusal(("CreateRFQ",), 403, "forbidden", "a subtrader_id from a key that is no FCM member's"),
    StateRefusal(("CreateRFQ", "CreateQuote"), 400, "invalid_parameters", "a subaccount the account has not created "
                 "(judged)", order_subaccount_unknown),
    StateRefusal(("DeleteRFQ",), 409, "rfq_closed", "an RFQ closed already (the run deleted it)"),
    StateRefusal(("CreateQuote",), 400, "self_trade", "the account's own RFQ (a self trade)"),
    StateRefusal(("CreateQuote", *QUOTE_ACCEPTS), 409, "rfq_closed", "an RFQ closed already"),
    StateRefusal(("CreateQuote",), 409, "conflict", "the account's quote on that RFQ is accepted or confirmed"),
    StateRefusal(QUOTE_ACCEPTS, 409, "conflict", "a quote no longer open, or another quote of its RFQ accepted "
                 "(judged)", quote_open),
    StateRefusal(QUOTE_ACCEPTS + BLOCK_TRADE_WRITES[1:], 400, "insufficient_balance",
                 "the account cannot pay its side"),
    StateRefusal(QUOTE_CONFIRMS, 409, "conflict", "a quote not accepted: confirmed already, or its confirmation window "
                 "ended (judged)", quote_accepted),
    StateRefusal(QUOTE_DELETES, 409, "conflict", "a quote neither open nor accepted: withdrawn already (judged)",
                 quote_withdrawable),
    StateRefusal(BLOCK_TRADE_WRITES[1:], 400, "invalid_parameters", "a proposal accepted already, or no longer "
                 "pending, or a subtrader or subaccount the proposal does not name for the account's side"),
    StateRefusal(BLOCK_TRADE_WRITES[:1], 400, "invalid_parameters", "a subtrader or subaccount the party does not "
                 "have"),
    *(StateRefusal(("CreateRFQ", "CreateQuote", *QUOTE_ACCEPTS), 409, code, CLOSED)
      for code in ("market_closed", "exchange_closed")),
)  # fmt: skip

# -- RFQ batches (issue 54) -------------------------------------------------------------------------------------------
# An id the body decodes as Go's uuid.UUID (google/uuid's ParseBytes): the 36-character form, 32 hex digits, the
# urn:uuid: form or the braced one (any byte at each end: printable ASCII here); empty or another text is a 400.
HEX = "[0-9a-fA-F]"
UUID36 = f"{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}}"
GO_UUID_FORMS = f"{UUID36}|{HEX}{{32}}|[uU][rR][nN]:[uU][uU][iI][dD]:{UUID36}|[ -~]{UUID36}[ -~]"
BATCH_CHILD_ID = "a child RFQ's id: a UUID in a form Go's google/uuid decodes (empty or another text: a 400)"
BODY_RULES += (
    BodyRule(("CreateRFQBatch",), "children[]", "a child names its market by market_ticker: the kit is given no "
             "collection's legs for selected_markets (legs in an unknown collection are a 404)",
             {"required": ["market_ticker"]}),
    BodyRule(("CreateRFQBatch",), "children[].selected_markets", "left out (the child names its market_ticker)",
             {"not": {}}),
    BodyRule(("CreateRFQBatch",), "children[].market_ticker", NOT_EMPTY, {"minLength": 1}),
    *(BodyRule((operation,), "subaccount", "subaccounts are numbered 0..63", declared_bounds(command, "subaccount"))
      for operation, command in (("CreateRFQBatch", CreateRfqBatch), ("CreateRFQBatchQuote", CreateBatchQuote))),
    BodyRule(("AcceptRFQBatch",), "min_bids[].rfq_id", BATCH_CHILD_ID, {"pattern": f"^({GO_UUID_FORMS})$"}),
    BodyRule(("CreateRFQBatchQuote",), "quotes[].rfq_id", BATCH_CHILD_ID, {"pattern": f"^({GO_UUID_FORMS})$"}),
    BodyRule(("AcceptRFQBatch",), "min_bids[].bid_dollars", "whole cents between 0 and 1 exclusive (a price the "
             "kit's markets take; another text is 400 invalid_price)", {"pattern": WHOLE_CENTS}),
    *(BodyRule(("CreateRFQBatchQuote",), f"quotes[].{name}", "whole cents from $0.01 to $0.49 (on the kit's "
               "markets' grid; a child's two bids add up to at most $1, or 400)", {"pattern": QUOTE_BID})
      for name in ("yes_bid", "no_bid")),
)  # fmt: skip

# -- multivariate collections (issue 55) ------------------------------------------------------------------------------
COMBO_WRITES = ("CreateMarketInMultivariateEventCollection",)
BODY_RULES += (
    BodyRule(COMBO_WRITES, "selected_markets", "one leg or more, none twice (a market selected twice is a 400)",
             {"minItems": 1, "uniqueItems": True}),
)  # fmt: skip
ACCOUNT_VALUES += (
    AccountValue(COMBO_WRITES, "path:collection_ticker", "combo_collections", "an open collection"),
    AccountValue(COMBO_WRITES, "selected_markets", "combo_legs", "legs that collection takes: the YES side of open "
                 "markets of its associated events, each once"),
)  # fmt: skip
STATE_REFUSALS += (
    StateRefusal(COMBO_WRITES, 400, "invalid_parameters", "legs the collection's rules refuse, which its record states "
                 "and no schema can: more than its size_max or fewer than its size_min, two markets of one event where "
                 "it takes one per event, a NO side where it takes YES only, a market that closed"),
)  # fmt: skip

# Marks an operation whose valid requests need values the kit was not given (says which): it is not expected to
# accept any, so the kit's run-level verdict (contract/kalshi/refusals.py) passes it over.
ACCEPTANCE = "x-mockexchange-acceptance"
# What a null means in a body (Go's encoding/json leaves the field unset), so the kit never sends one as invalid.
NULL_IS_ABSENT = (
    "every write: a null in a request body counts as absent (Go's encoding/json leaves the field unset; a body of "
    "null is an empty request), so an optional field may be null and the suites never send one as invalid input"
)


def refusals_of(operation_id: str) -> tuple[StateRefusal, ...]:
    return tuple(r for r in STATE_REFUSALS if operation_id in r.operations)


def judged_operations() -> frozenset[str]:
    """The operations the kit's `write_acceptance` check judges (schemathesis' positive-data acceptance does not)."""
    return frozenset(op for refusal in STATE_REFUSALS for op in refusal.operations)


def value_lines(values: tuple[AccountValue, ...], whence: str) -> list[str]:
    """Each field drawn from what the kit was given as a line for reports and docs, saying whence its values come."""
    return [f"{', '.join(v.operations)}: {v.field}: {v.reason}, from {whence} ({v.source})" for v in values]


def describe_writes() -> list[str]:
    """Every rule of the writes as a line for reports and docs."""
    lines = [NULL_IS_ABSENT]
    lines += [f"{', '.join(r.operations)}: body {r.field or '(the whole body)'}: {r.reason}" for r in BODY_RULES]
    lines += value_lines(ACCOUNT_VALUES, "the kit's account values")
    lines += [f"{', '.join(r.operations)}: refusal {r.status} {r.code}: {r.reason}" for r in STATE_REFUSALS]
    return lines
