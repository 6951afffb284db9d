"""Kalshi's rules that the published schema does not state, in one place.

The published schema allows inputs Kalshi's server refuses (`count_filter=foo`, `subaccount=64`, a made-up cursor)
and omits statuses it answers (a 400 from `GetBalance`). The mock is faithful to the server, so a schema check
of the bare slice would call those faithful answers failures. Each rule here narrows the slice the kit checks
against, with the reason; `contract check --published-only` checks against the bare slice instead.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.kalshi.order_commands import CancelOrder
from mockexchange.core.kalshi.subaccount_commands import INDEX
from mockexchange.schema.account_values import AccountValue, AccountValues, values_of
from mockexchange.schema.combinations import COMBINATION_RULES
from mockexchange.schema.refs import resolve
from mockexchange.schema.write_rules import (
    ACCEPTANCE,
    ACCOUNT_VALUES,
    BODY_RULES,
    GO_UUID_FORMS,
    HEX,
    UUID36,
    bounds,
    declared_bounds,
    describe_writes,
    judged_operations,
    value_lines,
)

# What Go's strings.TrimSpace trims (unicode.IsSpace); Python's str.strip() would also trim \x1c-\x1f.
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
# An empty value counts as absent (Go reads "" as no filter).
# One comma-separated list item: no empty items and no blank ones (the server trims each item).
# (Spelled out, not `\s`: regex engines disagree on what `\s` covers, and the server trims Go's set.)
_ITEM = f"[{GO_SPACE}]*[^,{GO_SPACE}][^,]*"

COUNT_FILTER_VALUES = ("position", "total_traded")


@dataclass(frozen=True, slots=True)
class ParameterRule:
    """A query parameter (or a path's, `location`) constrained beyond the published schema."""

    operations: tuple[str, ...]
    name: str
    reason: str
    # merged into the parameter's schema (`narrowed_schema`): a keyword given None is the published one lifted
    schema: dict[str, Any] = field(default_factory=dict)
    required: bool | None = None
    # False: whether a value breaks it depends on the server's state (cursors it issued, the key's binding), so the
    # request journal cannot judge a request by it; the contract check still generates inputs by it.
    from_request: bool = True
    location: str = "query"


def narrowed_schema(schema: dict[str, Any], rule: ParameterRule) -> dict[str, Any]:
    """A parameter's schema with the rule's merged in; a keyword the rule gives None is dropped (a published `format`
    the server does not hold to, as Go's binder takes a date where the spec says a date-time)."""
    merged = {**schema, **rule.schema}
    return {keyword: value for keyword, value in merged.items() if value is not None}


def subaccount_rule(operations: tuple[str, ...], tag: str = " (lte)") -> ParameterRule:
    """The subaccount parameter of these operations: a number the mock's subaccounts have (the validator's `tag`)."""
    reason = f"subaccounts are numbered 0..{MAX_SUBACCOUNT}; a higher number is a 400{tag}"
    return ParameterRule(operations, "subaccount", reason, {"maximum": MAX_SUBACCOUNT})


def cursor_rule(operations: tuple[str, ...], more: str = "") -> ParameterRule:
    """The cursor of these paginated reads: one the server issued (pages give them), never one made up."""
    reason = f"cursors are issued by the server; a made-up one is a 400 (cursor){more}"
    return ParameterRule(operations, "cursor", reason, {"maxLength": 0}, from_request=False)


def list_rule(operations: tuple[str, ...], name: str, most: int, items: str) -> ParameterRule:
    """A parameter that is a comma-separated list of up to `most` `items`, none empty (the server trims each)."""
    reason = f"a comma-separated list of up to {most} {items}, no empty items; otherwise a 400"
    return ParameterRule(operations, name, reason, {"pattern": rf"^$|^{_ITEM}(,{_ITEM}){{0,{most - 1}}}$"})


def one_event_rule(operations: tuple[str, ...], since: str = "") -> ParameterRule:
    """The event_ticker of these reads: one event ticker, not a list."""
    reason = f"{since}one event ticker, not a list; a comma is a 400 (excludes)"
    return ParameterRule(operations, "event_ticker", reason, {"pattern": r"^[^,]*$"})


def empty_is_absent(operations: tuple[str, ...], name: str, meaning: str, values: tuple[str, ...]) -> ParameterRule:
    """A parameter of these words, or empty, which reads as absent (Go's omitempty): it then means `meaning`."""
    return ParameterRule(
        operations, name, f"an empty value counts as absent (omitempty): {meaning}", {"enum": [*values, ""]}
    )


@dataclass(frozen=True, slots=True)
class StatusRule:
    """A status the server answers that the operation does not document."""

    operations: tuple[str, ...]
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class OneOfRule:
    """Parameters of which a request must carry one (OpenAPI cannot say so): the first is required in the refined
    slice, so every valid request carries it; a negative case that leaves it out is sent without the others too
    (`without_alternatives`), or the server would rightly take it as valid."""

    operations: tuple[str, ...]
    names: tuple[str, ...]
    reason: str


def _list_of(values: tuple[str, ...]) -> str:
    """A comma-separated list of these values, each maybe padded with what the server trims."""
    one = f"[{GO_SPACE}]*({'|'.join(values)})[{GO_SPACE}]*"
    return rf"^$|^{one}(,{one})*$"


# The FCM desk's reads of one subtrader (GetFCMPositions' rules hold for them too).
FCM_SUBTRADER_READS = ("GetFCMOrders", "GetFCMEventContractDailyCap", "GetFCMSubtraderBlockedCategories")

PARAMETER_RULES: tuple[ParameterRule, ...] = (
    ParameterRule(
        ("GetPositions", "GetFCMPositions"),
        "count_filter",
        "a comma-separated list of position and total_traded; any other value is a 400 (oneof)",
        {"pattern": _list_of(COUNT_FILTER_VALUES)},
    ),
    subaccount_rule(("GetPositions", "GetBalance", "GetSettlements", "GetFills")),
    ParameterRule(
        ("GetPositions", "GetBalance", "GetFills"),
        "exchange_index",
        "an int32 shard number >= 0; a negative or larger one is a 400 (the Go field is an int32)",
        bounds(INDEX),
    ),
    ParameterRule(
        ("GetPositions", "GetFCMPositions"),
        "settlement_status",
        "an empty value counts as absent (the Go validator is omitempty), so it means the default",
        {"enum": ["unsettled", "settled", "all", ""]},
    ),
    one_event_rule(("GetPositions", "GetSettlements", "GetFCMOrders"), "since 3.x "),
    one_event_rule(("GetRFQs",)),
    list_rule(("GetFills",), "ticker", 100, "market tickers"),
    cursor_rule(
        ("GetPositions", "GetFCMPositions", "GetSettlements", "GetFills", "GetDeposits", "GetWithdrawals")
        + ("GetFCMFills", "GetFCMOrders"),
        ". Real cursors come from pages (the next_page links and the cursor walk)",
    ),
    ParameterRule(
        ("GetFCMPositions",) + FCM_SUBTRADER_READS,
        "subtrader_id",
        "an FCM member key that is not bound to one subtrader must name the subtrader; without it (or empty), a 400",
        {"minLength": 1},
        required=True,
        from_request=False,
    ),
    # An account's details (issue 26).
    cursor_rule(("GetSubaccountTransfers", "GetIntraExchangeInstanceTransfers")),
)

# The account reads of the historical API take the live reads' parameters, with the same unstated rules.
HISTORICAL_READS = ("GetHistoricalPositions", "GetFillsHistorical", "GetHistoricalOrders")
PARAMETER_RULES += (
    subaccount_rule(HISTORICAL_READS),
    one_event_rule(("GetHistoricalPositions",)),
    cursor_rule(HISTORICAL_READS),
)
PARAMETER_RULES += (
    ParameterRule(
        ("DeleteFCMEventContractDailyCap",),
        "subtrader_id",
        "the subtrader whose cap goes; an empty value names none: a 400 (required)",
        {"minLength": 1},
    ),
    ParameterRule(
        ("GetFCMOrders",),
        "status",
        "an empty value counts as absent (the Go validator is omitempty), so it means any status",
        {"enum": ["resting", "canceled", "executed", ""]},
    ),
    list_rule(("GetFCMOrders",), "client_order_ids", 100, "client order ids"),
)

# Kalshi's market data (issue 27).
MARKET_DATA_READS = ("GetMarkets", "GetMarket", "GetMarketOrderbook", "GetMarketOrderbooks", "GetTrades", "GetEvents",
                     "GetEvent", "GetSeries", "GetSeriesList", "GetExchangeStatus", "GetMarketCandlesticks",
                     "BatchGetMarketCandlesticks")  # fmt: skip
# Kalshi's search filters, derived from what it lists (issue 55).
SEARCH_READS = ("GetTagsForSeriesCategories", "GetFiltersForSports")
PARAMETER_RULES += (
    one_event_rule(("GetMarkets",)),
    list_rule(("GetMarkets", "GetEvents", "GetMultivariateEvents"), "tickers", 1000, "tickers"),
    list_rule(("GetSeriesList",), "tags", 100, "tags"),
    ParameterRule(
        ("BatchGetMarketCandlesticks",), "market_tickers",
        "a comma-separated list of 1 to 100 market tickers, no empty items; otherwise a 400 (required, max)",
        {"pattern": rf"^{_ITEM}(,{_ITEM}){{0,99}}$"},
    ),
    ParameterRule(
        ("GetMarkets", "GetTrades"), "limit", "0 reads as absent (omitempty): the default page of 100",
        {"minimum": 0, "maximum": 1000},
    ),
    empty_is_absent(("GetMarkets",), "status", "any status", ("unopened", "open", "paused", "closed", "settled")),
    empty_is_absent(("GetEvents",), "status", "any status", ("unopened", "open", "closed", "settled")),
    empty_is_absent(("GetMarkets",), "mve_filter", "no filter", ("only", "exclude")),
    empty_is_absent(("GetMultivariateEventCollections",), "status", "any status", ("unopened", "open", "closed")),
    ParameterRule(
        ("GetMarketOrderbooks",), "tickers", "every ticker must name a market; an unknown one is a 404",
        {"items": {"type": "string", "minLength": 1, "maxLength": 200}}, from_request=False,
    ),
)  # fmt: skip
# The historical API's market data (issue 55): the live reads' rules.
HISTORICAL_MARKET_READS = ("GetHistoricalMarkets", "GetHistoricalMarket", "GetMarketCandlesticksHistorical",
                           "GetTradesHistorical")  # fmt: skip
PARAMETER_RULES += (
    one_event_rule(("GetHistoricalMarkets",)),
    list_rule(("GetHistoricalMarkets",), "tickers", 1000, "tickers"),
    empty_is_absent(("GetHistoricalMarkets",), "mve_filter", "no filter", ("exclude",)),
)
# Orders (issue 28): the reads' filters and the order writes' query parameters.
ORDER_READS = ("GetOrders", "GetOrder", "GetOrderQueuePositions", "GetOrderQueuePosition")
PARAMETER_RULES += (
    subaccount_rule(
        ("GetOrders", "GetOrderQueuePositions", "CancelOrderV2", "CancelAllOrders", "AmendOrderV2", "DecreaseOrderV2")
    ),
    empty_is_absent(("GetOrders",), "status", "any status", ("resting", "canceled", "executed")),
    list_rule(("GetOrders",), "event_ticker", 100, "event tickers"),
    ParameterRule(
        ("GetOrderQueuePositions",), "market_tickers", "a comma-separated list of market tickers, no empty items; "
        "otherwise a 400", {"pattern": rf"^$|^{_ITEM}(,{_ITEM})*$"},
    ),
    ParameterRule(
        ("CancelOrderV2",), "exchange_index", "an int32 shard number, or -1 (route by market_ticker); otherwise a 400",
        declared_bounds(CancelOrder, "exchange_index"),
    ),
    cursor_rule(("GetOrders",)),
)  # fmt: skip
# The order reads of one order name one of the account's (the kit's --orders placed some; others list theirs).
ORDER_VALUES: tuple[AccountValue, ...] = (
    AccountValue(("GetOrder",), "path:order_id", "order_ids", "an order of the account's"),
    AccountValue(("GetOrderQueuePosition",), "path:order_id", "resting_order_ids", "a resting order of the account's"),
)

# The exchange's schedule, its users' data freshness, its fee changes, and an event's data (issue 55): public but the
# forecast; an event of a series is named by both.
EXCHANGE_EVENT_READS = ("GetExchangeSchedule", "GetUserDataTimestamp", "GetSeriesFeeChanges", "GetEventFeeChanges",
                        "GetEventMetadata", "GetMarketCandlesticksByEvent",
                        "GetEventForecastPercentilesHistory")  # fmt: skip
EVENT_OF_SERIES_READS = ("GetMarketCandlesticksByEvent", "GetEventForecastPercentilesHistory")
# The market data reads' parameters that must name what the exchange lists: drawn from the markets, events and series
# the kit found listed (contract/kalshi/discovery.py; the suites' seeded ones). Without them a required one stays as
# published (a made-up ticker: a 404) and the operation is not expected to accept any request (ACCEPTANCE).
MARKET_VALUES: tuple[AccountValue, ...] = (
    AccountValue(("GetMarket", "GetMarketOrderbook"), "path:ticker", "listed_markets", "a market the exchange lists"),
    AccountValue(("GetMarketOrderbooks",), "query:tickers", "listed_markets", "markets the exchange lists"),
    AccountValue(("BatchGetMarketCandlesticks",), "query:market_tickers", "listed_markets",
                 "a market the exchange lists (a list of one)"),
    AccountValue(("GetEvent",), "path:event_ticker", "listed_events", "an event the exchange lists"),
    AccountValue(("GetSeries",), "path:series_ticker", "listed_series", "a series the exchange lists"),
    AccountValue(("GetMultivariateEventCollection",), "path:collection_ticker", "listed_collections",
                 "a multivariate collection the exchange lists"),
    # (its series is left as published: Kalshi answers a market's candles whatever series the path names)
    AccountValue(("GetMarketCandlesticks",), "path:ticker", "candle_markets", "a market the exchange lists"),
    AccountValue(("GetHistoricalMarket", "GetMarketCandlesticksHistorical"), "path:ticker", "historical_markets",
                 "a market the historical API holds (any other is a 404)"),
    AccountValue(("GetEventMetadata",), "path:event_ticker", "listed_events", "an event the exchange lists"),
    AccountValue(EVENT_OF_SERIES_READS, "path:series_ticker", "candle_series",
                 "a series the exchange lists, one whose events the kit knows"),
    AccountValue(EVENT_OF_SERIES_READS, "path:ticker", "candle_events",
                 "an event of that series (another series' event is a 404)"),
)  # fmt: skip
# The communications API's ids: what the account can see (contract/kalshi/discovery.py finds them).
COMMUNICATIONS_VALUES: tuple[AccountValue, ...] = (
    AccountValue(("GetRFQ",), "path:rfq_id", "rfq_ids", "an RFQ the exchange lists"),
    AccountValue(("GetQuote",), "path:quote_id", "quote_ids", "a quote the account made or was offered"),
    AccountValue(("GetRFQQuote",), "path:rfq_id", "quoted_rfq_ids", "the RFQ of a quote the account may read"),
    AccountValue(("GetRFQQuote",), "path:quote_id", "rfq_quote_ids", "that quote (another RFQ's quote is a 404)"),
)  # fmt: skip
# Reads whose valid requests a faithful server answers 2xx: a run in which one of them answered valid requests
# and accepted none fails (contract/kalshi/acceptance.py), as a server that refuses every request, however it words
# it, must.
# The multivariate reads (issue 55): collections and combo events, public market data as the others.
MULTIVARIATE_READS = ("GetMultivariateEventCollections", "GetMultivariateEventCollection", "GetMultivariateEvents")
ACCEPTING_READS = MARKET_DATA_READS + HISTORICAL_MARKET_READS + SEARCH_READS + EXCHANGE_EVENT_READS + MULTIVARIATE_READS
ACCEPTING = (
    "valid requests must be accepted: a run in which the operation answered valid requests and accepted (2xx) none "
    "fails, whatever it answered (401 and 403 are the auth verdict's, 5xx the server-error check's)"
)


ONE_OF_RULES: tuple[OneOfRule, ...] = (
    OneOfRule(
        ("GetFCMOrders",),
        ("subtrader_id", "client_order_ids"),
        "at least one of them (non-empty); without either a 400, with client_order_ids alone a valid request",
    ),
)

STATUS_RULES: tuple[StatusRule, ...] = (
    StatusRule(("GetBalance",), "400", "a subaccount or exchange_index out of range is a 400, as on the other reads"),
    StatusRule(
        ("GetPositions", "GetFills", "GetSettlements", "GetBalance"),
        "403",
        "a key locked to one subaccount asking for another is a 403",
    ),
    StatusRule(("GetPortfolioRestingOrderTotalValue",), "403", "only FCM members may read it; others get a 403"),
    # An account's details (issue 26).
    StatusRule(("GetSubaccountTransfers",), "400", "a limit out of 1..1000 or a cursor not issued is a 400"),
    StatusRule(
        ("CreateSubaccount", "ApplySubaccountTransfer", "UpdateSubaccountNetting"),
        "403",
        "a key locked to one subaccount may not manage the others (and CreateSubaccount needs the Advanced tier)",
    ),
    StatusRule(("ApplySubaccountTransfer",), "409", "a client_transfer_id used again for other terms is a 409"),
)
STATUS_RULES += (
    StatusRule(("GetMarketOrderbook",), "400", "a depth out of 0..100 is a 400, as every bad parameter"),
    StatusRule(("GetSeries",), "404", "an unknown series is a 404, as an unknown market or event is"),
    StatusRule(("CreateMarketInMultivariateEventCollection",), "404", "an unknown collection is a 404"),
    StatusRule(
        ("GetMarketOrderbooks", "BatchGetMarketCandlesticks"), "404", "an unknown market among the tickers is a 404"
    ),  # fmt: skip
    StatusRule(("GetMarketCandlesticks",), "400", "a bad start_ts, end_ts or period_interval is a 400"),
    StatusRule(("GetExchangeStatus",), "429", "the market data reads are charged as the others (rate limits)"),
    StatusRule(EVENT_OF_SERIES_READS, "404", "an unknown event, or one of another series, is a 404 (as a market's)"),
)
# Order groups (issue 28): their query's subaccount and exchange index as on the other reads and writes.
ORDER_GROUP_OPERATIONS = (
    "GetOrderGroups", "CreateOrderGroup", "GetOrderGroup", "DeleteOrderGroup", "ResetOrderGroup", "TriggerOrderGroup",
    "UpdateOrderGroupLimit",
)  # fmt: skip
PARAMETER_RULES += (
    subaccount_rule(ORDER_GROUP_OPERATIONS, ""),
    ParameterRule(
        ORDER_GROUP_OPERATIONS,
        "exchange_index",
        "an int32 shard number >= 0; a negative or larger one is a 400",
        bounds(INDEX),
    ),
)
STATUS_RULES += (
    StatusRule(ORDER_GROUP_OPERATIONS, "403", "a key locked to one subaccount asking for another is a 403"),
    StatusRule(
        ("GetOrderGroup", "DeleteOrderGroup", "ResetOrderGroup", "TriggerOrderGroup"),
        "400",
        "a subaccount or exchange_index out of range, or a body that is not JSON, is a 400, as on the other operations",
    ),
)
# The communications API's lists and query ids (issue 54): cursors as every list's; an id the spec calls a UUID
# ("malformed IDs return HTTP 400") in one of the forms Go's google/uuid parses (a user id may also be one the
# server knows by name, as the mock's users are: the kit draws UUIDs).
COMMUNICATIONS_LISTS = ("GetRFQs", "GetQuotes", "GetBlockTradeProposals", "GetRFQBatches")
GO_UUID = rf"^$|^({GO_UUID_FORMS})$"  # (write_rules.GO_UUID_FORMS: the braced form's ends printable ASCII)
GO_UUID_PATH = rf"^({UUID36}|{HEX}{{32}})$"  # (in a path: the plain forms, no byte a URL would escape)
# The path ids the spec calls UUIDs, by the operations that take them: drawn from what the account can see where it
# found one (COMMUNICATIONS_VALUES), else UUIDs (a 404), never a text a faithful server refuses as malformed.
_RFQ_OPS = ("GetRFQ", "DeleteRFQ", "GetRFQQuote", "DeleteRFQQuote", "AcceptRFQQuote", "ConfirmRFQQuote")
_QUOTE_OPS = ("GetQuote", "DeleteQuote", "AcceptQuote", "ConfirmQuote", "GetRFQQuote", "DeleteRFQQuote",
              "AcceptRFQQuote", "ConfirmRFQQuote")  # fmt: skip
_BATCH_OPS = ("GetRFQBatch", "DeleteRFQBatch", "GetRFQBatchBestQuotes", "AcceptRFQBatch", "GetRFQBatchQuotes",
              "CreateRFQBatchQuote", "DeleteRFQBatchQuote", "ConfirmRFQBatchQuote")  # fmt: skip
COMMUNICATIONS_PATHS = {"rfq_id": _RFQ_OPS, "quote_id": _QUOTE_OPS, "rfq_batch_id": _BATCH_OPS,
                        "batch_quote_id": ("DeleteRFQBatchQuote", "ConfirmRFQBatchQuote")}  # fmt: skip
PARAMETER_RULES += (
    cursor_rule(COMMUNICATIONS_LISTS),
    subaccount_rule(("GetRFQs", "GetRFQBatches")),
    empty_is_absent(("GetRFQBatches",), "user_filter", "every user's batches", ("self",)),
    empty_is_absent(("GetRFQBatches",), "status", "any status", ("open", "accepted", "closed")),
    # (UserFilter: "Omit or leave empty to return all results", as its description says and its enum does not)
    empty_is_absent(("GetRFQs", "GetQuotes"), "user_filter", "every user's", ("self",)),
    empty_is_absent(("GetQuotes",), "rfq_user_filter", "every user's RFQs", ("self",)),
    *(
        ParameterRule((operation,), name, "a UUID (Go's google/uuid forms), empty as absent; otherwise a 400",
                      {"pattern": GO_UUID})
        for operation, name in (
            ("GetRFQs", "creator_user_id"), ("GetQuotes", "rfq_id"), ("GetQuotes", "quote_creator_user_id"),
            ("GetQuotes", "rfq_creator_user_id"),
        )
    ),
    *(
        ParameterRule(COMMUNICATIONS_PATHS[name], name, "a UUID (Go's google/uuid forms); a malformed one is a 400",
                      {"pattern": GO_UUID_PATH}, location="path")
        for name in COMMUNICATIONS_PATHS
    ),
)  # fmt: skip
STATUS_RULES += (
    StatusRule(HISTORICAL_READS, "403", "a key locked to one subaccount asking for another is a 403"),
    StatusRule(("DeleteApiKey",), "403", "a key locked to one subaccount may not delete keys"),
)
STATUS_RULES += (
    StatusRule(("CancelOrderV2", "CancelAllOrders"), "400", "a subaccount or exchange_index out of range is a 400"),
    StatusRule(("GetOrders", "CancelOrderV2", "CancelAllOrders", "DecreaseOrderV2"), "403",
               "a key without a trade scope, or locked to another subaccount, is a 403"),
    StatusRule(("CreateOrderV2",), "404", "a market (or order group) that does not exist is a 404"),
    StatusRule(("AmendOrderV2",), "409", "an updated_client_order_id another order has is a 409, as on a create"),
)  # fmt: skip

# Not a narrowing of the slice but of what the suites call invalid: a query parameter or body field the schema does
# not name is not a fault of the request (OpenAPI forbids none), and Kalshi's Go server ignores it (its binder and
# encoding/json do), as the mock does. The suites (pytest and `contract check`) therefore never send one as a
# negative case (schemathesis' allow-extra-parameters off).
UNKNOWN_PARAMETERS = (
    "every operation: a query parameter or body field the schema does not name is ignored (Go's binder and "
    "encoding/json ignore it), so the suites never send one as invalid input"
)

# The communications writes (write_rules.COMMUNICATION_WRITES): Kalshi's RFQ guide lists a 409 for an RFQ closed
# or open already on the market, the answer of a quote not in the state a write needs; a quote's other party is 403.
QUOTE_WRITES = ("AcceptQuote", "AcceptRFQQuote", "ConfirmQuote", "ConfirmRFQQuote", "DeleteQuote", "DeleteRFQQuote")
STATUS_RULES += (
    StatusRule(("DeleteRFQ", "CreateQuote", *QUOTE_WRITES), "409", "an RFQ closed, or a quote not open (accepting, "
               "deleting) or not accepted (confirming), is a 409 (Kalshi's RFQ guide: 409 Conflict, RFQ_CLOSED)"),
    StatusRule(("CreateRFQ", "CreateQuote"), "404", "an unknown market, RFQ or subtrader is a 404"),
    StatusRule(("CreateRFQ",), "403", "a subtrader_id from a key that is no FCM member's is a 403"),
    StatusRule(QUOTE_WRITES, "403", "a quote's write by the party that may not make it (accepting one's own quote) is "
               "a 403"),
)  # fmt: skip
# What the exchange is told from outside (issue 55): milestones and their live data, the weather index, structured
# targets, incentive programs; public reads, charged as the market data's.
LIVE_DATA_READS = (
    "GetMilestones", "GetMilestone", "GetLiveDataByMilestone", "GetLiveData", "GetLiveDatas", "GetGameStats",
    "GetEventLiveData", "GetWeatherIndex", "GetWeatherIndexCalibrations", "GetStructuredTargets",
    "GetStructuredTarget", "GetIncentivePrograms",
)  # fmt: skip
PARAMETER_RULES += (
    ParameterRule(("GetLiveDatas",), "milestone_ids", "at least one milestone id; none is a 400 (required)",
                  {"minItems": 1}),
    ParameterRule(("GetWeatherIndex",), "last_sec", "seconds to now, not negative; a negative one is a 400 (gte)",
                  {"minimum": 0}),
    ParameterRule(
        ("GetMilestones",), "minimum_start_date", "an RFC 3339 time or a date alone (Go's binder takes both); empty "
        "counts as absent; another text is a 400 (a format error)",
        {"format": None, "anyOf": [{"format": "date-time"}, {"format": "date"}, {"maxLength": 0}]},
    ),
    empty_is_absent(("GetIncentivePrograms",), "status", "all", ("all", "active", "upcoming", "closed", "paid_out")),
    empty_is_absent(("GetIncentivePrograms",), "type", "all",
                    ("all", "liquidity", "volume", "margin_maker_volume", "margin_taker_volume")),
)  # fmt: skip
STATUS_RULES += (
    StatusRule(("GetLiveDataByMilestone", "GetLiveData", "GetLiveDatas", "GetStructuredTargets"), "400",
               "a parameter that does not parse or is out of its bounds is a 400, as on every read"),
    StatusRule(LIVE_DATA_READS, "429", "they are charged as the market data reads are (rate limits)"),
)  # fmt: skip
# Their path values: drawn from what the server lists (contract/kalshi/discovery.py's `find_live_data`; the suites'
# seeded ones); one live data's type with its milestone, for the path that names both. (The batch read's ids are
# not: it answers an unknown one by leaving it out, so no id is invalid.)
LIVE_DATA_VALUES: tuple[AccountValue, ...] = (
    AccountValue(("GetMilestone",), "path:milestone_id", "milestone_ids", "a milestone the server lists"),
    AccountValue(("GetLiveDataByMilestone", "GetGameStats"), "path:milestone_id", "live_milestone_ids",
                 "a milestone with live data"),
    AccountValue(("GetLiveData",), "path:type", "live_data_types", "a live data's type"),
    AccountValue(("GetLiveData",), "path:milestone_id", "typed_milestone_ids",
                 "the milestone whose live data is of that type"),
    AccountValue(("GetEventLiveData",), "path:event_ticker", "live_event_tickers",
                 "an event one of whose milestones has live data"),
    AccountValue(("GetWeatherIndex", "GetWeatherIndexCalibrations"), "path:city", "weather_cities",
                 "a city whose weather index the server keeps"),
    AccountValue(("GetStructuredTarget",), "path:structured_target_id", "structured_target_ids",
                 "a structured target the server lists"),
)  # fmt: skip
# Paginated operations: their 200 responses link to the next page (the cursor), so stateful runs walk cursors.
PAGINATED: tuple[str, ...] = (
    "GetPositions", "GetFCMPositions", "GetSettlements", "GetFills", "GetDeposits", "GetWithdrawals",
    "GetSubaccountTransfers",
)  # fmt: skip
PAGINATED += HISTORICAL_READS
PAGINATED += ("GetMarkets", "GetEvents", "GetTrades", "GetEventFeeChanges")
PAGINATED += ("GetHistoricalMarkets", "GetTradesHistorical")
PAGINATED += ("GetMultivariateEventCollections", "GetMultivariateEvents")
PAGINATED += ("GetOrders",)
PAGINATED += COMMUNICATIONS_LISTS
PAGINATED += ("GetMilestones", "GetStructuredTargets", "GetIncentivePrograms")
# The field of a page that holds the next page's cursor, where it is not `cursor`.
CURSOR_FIELDS = {"GetIncentivePrograms": "next_cursor"}


def cursor_field(operation_id: str) -> str:
    """The field of the operation's page that holds the next page's cursor (the query's is always `cursor`)."""
    return CURSOR_FIELDS.get(operation_id, "cursor")


def refine(openapi: dict[str, Any], *, account: AccountValues | None = None) -> dict[str, Any]:
    """A copy of an OpenAPI slice with Kalshi's unstated rules applied (parameters, statuses, the writes' bodies) and
    next-page links added.

    `account`: what exists on the account the kit checks with (write_rules.py). Its `subtrader_ids` are the
    subtraders the checking key may read: the FCM reads of one subtrader then ask for those (any other id is a 404,
    which says nothing about the response schema); the writes draw the fields of `ACCOUNT_VALUES` from it, the market
    data reads those of `MARKET_VALUES` (the markets, events and series its exchange lists)."""
    account = account or AccountValues()
    spec = copy.deepcopy(openapi)
    operations = {op["operationId"]: op for op in _operations(spec)}
    rules = PARAMETER_RULES
    if account.subtrader_ids:
        rules += (
            ParameterRule(
                ("GetFCMPositions",) + FCM_SUBTRADER_READS,
                "subtrader_id",
                "the key's subtraders",
                {"enum": [*account.subtrader_ids]},
            ),  # fmt: skip
        )
    for rule in rules:
        for operation_id in rule.operations:
            operation = operations.get(operation_id)
            if operation is None:
                continue
            parameter = _inline_parameter(spec, operation, rule.name, rule.location)
            if parameter is None:
                continue
            parameter["schema"] = narrowed_schema(_resolve(spec, parameter.get("schema", {})), rule)
            if rule.required is not None:
                parameter["required"] = rule.required
    for status_rule in STATUS_RULES:
        for operation_id in status_rule.operations:
            operation = operations.get(operation_id)
            if operation is not None and status_rule.status not in operation["responses"]:
                operation["responses"][status_rule.status] = copy.deepcopy(_error_response(operation))
    for operation_id in PAGINATED:
        operation = operations.get(operation_id)
        if operation is not None:
            _add_next_page_link(spec, operation)
    _draw_from(spec, operations, account, MARKET_VALUES)
    _draw_from(spec, operations, account, ORDER_VALUES)
    _draw_from(spec, operations, account, COMMUNICATIONS_VALUES)
    _draw_from(spec, operations, account, LIVE_DATA_VALUES)
    _refine_writes(spec, operations, account)
    return spec


def describe() -> list[str]:
    """Every rule as a line for reports and docs."""
    lines = [UNKNOWN_PARAMETERS]
    lines += [f"{', '.join(r.operations)}: {r.name}: {r.reason}" for r in PARAMETER_RULES]
    lines += [f"{', '.join(r.operations)}: one of {', '.join(r.names)}: {r.reason}" for r in ONE_OF_RULES]
    lines += [f"{', '.join(r.operations)}: combinations: {r.reason}" for r in COMBINATION_RULES]
    lines += [f"{', '.join(r.operations)}: status {r.status}: {r.reason}" for r in STATUS_RULES]
    lines += value_lines(MARKET_VALUES, "what the kit found listed")
    lines += value_lines(ORDER_VALUES, "the orders the kit found or placed")
    lines += value_lines(COMMUNICATIONS_VALUES, "the RFQs and quotes the kit found")
    lines += value_lines(LIVE_DATA_VALUES, "the milestones, live data, targets and weather cities the kit found")
    lines.append(f"{', '.join(ACCEPTING_READS)}: {ACCEPTING}")
    return lines + describe_writes()


def without_alternatives(operation_id: str, query: dict[str, Any]) -> dict[str, Any]:
    """A negative case's query as sent: where it leaves out the parameter a `OneOfRule` requires, or sends it empty
    (which Go reads as absent), the alternatives go too, so the request is as invalid to the server as to the
    refined slice."""
    for rule in ONE_OF_RULES:
        if operation_id in rule.operations and query.get(rule.names[0]) in (None, ""):
            query = {k: v for k, v in query.items() if k not in rule.names[1:]}
    return query


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        op
        for item in spec.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(resolve(spec, node))


def _inline_parameter(
    spec: dict[str, Any], operation: dict[str, Any], name: str, location: str = "query"
) -> dict[str, Any] | None:
    """The operation's own copy of a parameter (a shared `$ref` is copied in, so others keep theirs)."""
    parameters = operation.get("parameters", [])
    for i, parameter in enumerate(parameters):
        resolved = _resolve(spec, parameter)
        if resolved.get("name") == name and resolved.get("in") == location:
            parameters[i] = resolved
            return resolved
    return None


def _refine_writes(spec: dict[str, Any], operations: dict[str, dict[str, Any]], account: AccountValues) -> None:
    """The writes' bodies narrowed by `BODY_RULES`, their account-only fields drawn from `account` (an operation
    that needs a value the kit lacks is marked as not expected to accept any), and a null made as good as absent."""
    for rule in BODY_RULES:
        for operation_id in rule.operations:
            found = _body_field(spec, operations.get(operation_id), rule.field)
            if found is not None:  # (a slice of another spec may lack it; tests/contract/test_write_rules.py)
                found[0].update(copy.deepcopy(rule.schema))
    _draw_from(spec, operations, account, ACCOUNT_VALUES)
    for operation_id in judged_operations():
        body = _body_schema(spec, operations.get(operation_id))
        if body is not None:
            _null_is_absent(spec, body)


def _draw_from(
    spec: dict[str, Any],
    operations: dict[str, dict[str, Any]],
    account: AccountValues,
    values: tuple[AccountValue, ...],
) -> None:
    """Each field of `values` drawn from what `account` holds (a list's items, for an array); an operation whose
    required field has none is marked as not expected to accept any request."""
    for value in values:
        given = [*values_of(account, value.source)]
        for operation_id in value.operations:
            operation = operations.get(operation_id)
            found = None if operation is None else _account_field(spec, operation, value.field)
            if operation is None or found is None:
                continue
            schema, required = found
            if schema.get("type") == "array":
                schema["items"] = _resolve(spec, schema.get("items", {}))
                schema = schema["items"]
            if given:
                schema["enum"] = given
            elif required:
                operation[ACCEPTANCE] = f"the kit was given no {value.source} for {value.field}"
            else:
                schema["not"] = {}  # no valid value: left out of valid requests


def _account_field(spec: dict[str, Any], operation: dict[str, Any], field: str) -> tuple[dict[str, Any], bool] | None:
    """The operation's own copy of the schema of a body field or a `query:`/`path:` parameter, and whether it is
    required."""
    location, _, name = field.rpartition(":")
    if not location:
        return _body_field(spec, operation, name)
    parameter = _inline_parameter(spec, operation, name, location)
    if parameter is None:
        return None
    parameter["schema"] = _resolve(spec, parameter.get("schema", {}))
    return parameter["schema"], bool(parameter.get("required"))


def _body_schema(spec: dict[str, Any], operation: dict[str, Any] | None) -> dict[str, Any] | None:
    """The operation's own copy of its JSON body's schema (shared components are copied in), or None."""
    if operation is None or "requestBody" not in operation:
        return None
    body = operation["requestBody"] = _resolve(spec, operation["requestBody"])
    media = body.get("content", {}).get("application/json")
    if media is None:
        return None
    schema: dict[str, Any] = media.setdefault("schema", {})
    media["schema"] = schema = _resolve(spec, schema)
    return schema


def _body_field(
    spec: dict[str, Any], operation: dict[str, Any] | None, path: str
) -> tuple[dict[str, Any], bool] | None:
    """The operation's own copy of a body field's schema (`a[].b`: `b` of each item of `a`; "": the body) and whether
    it is required; None if the body has no such field."""
    node = _body_schema(spec, operation)
    required = True
    for part in path.split(".") if path else ():
        if node is None:
            return None
        name = part.removesuffix("[]")
        properties = node.get("properties", {})
        if name not in properties:
            return None
        required = name in node.get("required", ())
        node = properties[name] = _resolve(spec, properties[name])
        if part.endswith("[]"):
            items = node["items"] = _resolve(spec, node.get("items", {}))
            node = items
    return None if node is None else (node, required)


def _null_is_absent(spec: dict[str, Any], body: dict[str, Any]) -> None:
    """write_rules.NULL_IS_ABSENT: each optional field (and a body that requires none) may be null."""
    required = set(body.get("required", ()))
    if not required:
        _nullable(body)
    properties = body.get("properties", {})
    for name in [n for n in properties if n not in required]:
        properties[name] = _nullable(_resolve(spec, properties[name]))
    for prop in properties.values():  # the items of a list of objects, as Go decodes them into structs
        items = prop.get("items") if isinstance(prop, dict) else None
        if isinstance(items, dict):
            prop["items"] = resolved = _resolve(spec, items)
            if resolved.get("type") == "object":
                _null_is_absent(spec, resolved)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    schema["nullable"] = True
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]  # a request's enum without null forbids it, nullable or not
    return schema


def _error_response(operation: dict[str, Any]) -> dict[str, Any]:
    # The operation's own documented error: its 401 (every portfolio operation has one, with the error schema), else
    # another it documents (a public read's 400, 404 or 500); an object of any shape if it documents none.
    responses = operation["responses"]
    for status in ("401", "400", "404", "500"):
        if status in responses:
            return responses[status]
    return {"description": "error", "content": {"application/json": {"schema": {"type": "object"}}}}


def _add_next_page_link(spec: dict[str, Any], operation: dict[str, Any]) -> None:
    ok = operation["responses"].get("200")
    if ok is None:
        return
    if "$ref" in ok:  # a shared response: give this operation its own copy to hold the link
        ok = operation["responses"]["200"] = _resolve(spec, ok)
    # Only the cursor: it carries the filters it was minted for.
    parameters = {"cursor": f"$response.body#/{cursor_field(operation['operationId'])}"}
    ok.setdefault("links", {})["next_page"] = {"operationId": operation["operationId"], "parameters": parameters}
