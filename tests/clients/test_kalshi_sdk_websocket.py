"""kalshi-sdk 22.4.0's websocket client, unmodified from PyPI and in its own venv, on the mock's `market_positions` and
`fill` channels.

The client script (mockexchange/contract/clients/scripts/kalshi/kalshi_sdk_ws.py) subscribes, says so, and prints every
typed message the SDK delivers. Only then does the test change the ledger, fill by fill, noting the ledger's fill
record and position row after each change; every message must then arrive typed (the SDK logs and skips a frame it
cannot parse, so a missing message is the only sign of a bad one) and carry exactly the ledger's values, in the order
of the changes.
A few ledger values are also checked against numbers worked out by hand, so a wrong ledger fails too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.sdk_websocket import SdkWebsocketRun, WsReport
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.rows import MarketPosition
from mockexchange.server import MockServer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

TRADER = "trader"
OTHER = "other"  # another user trading the same markets: none of it may reach the trader's connection
EVENT = "KXWS-26DEC31"
A, B, C = f"{EVENT}-A", f"{EVENT}-B", f"{EVENT}-C"
# The wire's decimal places per profile: money on positions and fees, and prices. Counts have 2 in both.
PLACES = {"3.34": {"money": 6, "price": 4}, "legacy": {"money": 4, "price": 4}}
UNSUBSCRIBED = {"positions": {"channel": "market_positions"}, "fills": {"channel": "fill"}}


@dataclass
class Served:
    mock: MockServer
    key: Key


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """A mock in the requested profile with a trader (key not locked to a subaccount) and another user."""
    profile = getattr(request, "param", "3.34")
    with MockServer(profile=profile) as mock:
        mock.create_account(TRADER, balance_cents=10_000_000)
        mock.create_account(OTHER, balance_cents=10_000_000)
        mock.create_market(A, EVENT, exchange_index=1)
        made = mock.create_key(TRADER)
        pem = tmp_path / "trader.pem"
        pem.write_text(made["private_key_pem"])
        yield Served(mock, Key(made["key_id"], str(pem)))


def run(client_venvs: dict[str, Path], served: Served, plan: dict[str, Any], tmp_path: Path) -> SdkWebsocketRun:
    return SdkWebsocketRun(client_venvs[KALSHI_SDK.name], served.mock, served.key, plan, tmp_path)


# -- the ledger, after each change ------------------------------------------------------------------------------------


def fill(mock: MockServer, user: str, ticker: str, side: str, action: str, count: str, price: str, **kw) -> Fill:
    """Apply a fill; the ledger's record of it."""
    made = mock.fill(user, ticker, side, action, count, price, event_ticker=EVENT, **kw)
    with mock.app.ledger.reading():
        record = mock.app.ledger.state.fills[-1]
    assert record.fill_id == made["fill_id"]
    return record


def row(mock: MockServer, user: str, ticker: str, subaccount: int = 0) -> MarketPosition:
    """The ledger's position row as it is now."""
    with mock.app.ledger.reading():
        found = mock.app.ledger.state.positions.get(user, subaccount, ticker)
        assert found is not None, f"the ledger has no position {user}/{subaccount}/{ticker}"
        return found.snapshot()


# -- what the messages must say ---------------------------------------------------------------------------------------


def on_wire(value: Decimal, places: int) -> Decimal:
    """An amount as the wire carries it: to `places` places, half-even."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def position_fee_cost(position: MarketPosition) -> Decimal:
    """The fees carried by the contracts held (docs/kalshi.md): fees x |position| / volume, 0 when flat or settled."""
    if position.settled or position.volume == 0:
        return Decimal(0)
    return position.fees_paid * abs(position.position) / position.volume


def expected_position(position: MarketPosition, profile: str) -> dict[str, Any]:
    money = PLACES[profile]["money"]
    return {
        "user_id": position.user_id,
        "market_ticker": position.ticker,
        "position": on_wire(position.position, 2),
        "position_cost": on_wire(position.market_exposure, money),
        "realized_pnl": on_wire(position.realized_pnl, money),
        "fees_paid": on_wire(position.fees_paid, money),
        "position_fee_cost": on_wire(position_fee_cost(position), money),
        "volume": on_wire(position.volume, 2),
        "subaccount": position.subaccount,
    }


def expected_fill(record: Fill, profile: str) -> dict[str, Any]:
    bought = record.side if record.action == "buy" else {"yes": "no", "no": "yes"}[record.side]  # selling YES buys NO
    since_epoch = record.created - datetime(1970, 1, 1, tzinfo=UTC)
    return {
        "trade_id": record.fill_id,
        "order_id": record.order_id,
        "market_ticker": record.ticker,
        "is_taker": record.is_taker,
        "side": record.side,
        "yes_price": on_wire(record.yes_price, PLACES[profile]["price"]),
        "count": on_wire(record.count, 2),
        "fee_cost": on_wire(record.fee, PLACES[profile]["money"]),
        "action": record.action,
        "ts": since_epoch // timedelta(seconds=1),
        "ts_ms": since_epoch // timedelta(milliseconds=1),
        "post_position": on_wire(record.post_position, 2),
        "purchased_side": bought,
        "outcome_side": bought,
        "book_side": "bid" if bought == "yes" else "ask",
        "exchange_index": record.exchange_index,
        "subaccount": record.subaccount,
        "client_order_id": None,
    }


DECIMAL_FIELDS = {
    "MarketPositionsPayload": ("position", "position_cost", "realized_pnl", "fees_paid", "position_fee_cost", "volume"),
    "FillPayload": ("yes_price", "count", "fee_cost", "post_position"),
}


def assert_typed(got: list[dict], want: list[dict[str, Any]], cls: str, payload_cls: str, report: WsReport) -> None:
    """The subscription's typed messages are `want`, in order: each one the SDK's own model, every amount a Decimal
    equal to the ledger's, every other field equal."""
    tickers = [message["fields"].get("market_ticker") for message in got]
    assert len(got) == len(want), (
        f"{len(want)} typed {cls}s expected, {len(got)} arrived (markets {tickers}); a frame the SDK could not parse "
        f"is dropped without a word, see the frames and the SDK log:\n{report.diagnosis()}"
    )
    problems = []
    for index, (message, expected) in enumerate(zip(got, want, strict=True)):
        assert message["class"] == cls and message["payload_class"] == payload_cls, message
        fields, types = message["fields"], message["types"]
        for name, value in expected.items():
            have = fields.get(name, "<missing>")
            if name in DECIMAL_FIELDS[payload_cls]:
                if types.get(name) != "Decimal" or Decimal(have) != value:
                    problems.append(f"#{index} {name}: {have!r} ({types.get(name)}), ledger {value}")
            elif have != value:
                problems.append(f"#{index} {name}: {have!r}, ledger {value!r}")
    assert not problems, f"{cls} fields differ from the ledger:\n" + "\n".join(problems)


def sids_by_channel(report: WsReport) -> dict[str, int]:
    """The sid the mock gave each channel, from the `subscribed` replies on the wire."""
    return {
        frame["msg"]["channel"]: frame["msg"]["sid"]
        for frame in report.frames_received()
        if frame.get("type") == "subscribed"
    }


# -- the tests --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("served", ["3.34", "legacy"], indirect=True)
def test_positions_and_fills_arrive_typed_with_ledger_values(
    client_venvs: dict[str, Path], served: Served, tmp_path: Path
) -> None:
    """Unfiltered subscriptions on both channels: every fill of the trader gives one `FillMessage` and one
    `MarketPositionsMessage`, a settlement one more `MarketPositionsMessage`; another user's fill gives nothing.

    Both wire profiles parse. The SDK's models take the `_dollars`/`_fp` names first (`AliasChoices("position_fp",
    "position")`, ...), so against `legacy`, which sends both, it reads the 4-place dollar strings and keeps the
    integer twins (whole contracts, centi-cents, cents) as extras under the field's own name: attribute access gives
    the dollars, but `model_dump()` would give the integers (the extras overwrite the fields in the dump). The
    script reads attributes; the test checks both. (Given the integers alone, as in payloads from before the
    `_dollars` fields, the same aliases would read centi-cents as dollars: 56000 for $5.60, unnoticed.)
    """
    mock = served.mock
    profile = mock.app.settings.profile
    plan = {"subscriptions": [{"name": name, **sub} for name, sub in UNSUBSCRIBED.items()], "expect": 9}
    with run(client_venvs, served, plan, tmp_path) as client:
        client.subscribed()
        positions, fills = [], []

        def trade(*args: Any, subaccount: int = 0, **kw: Any) -> None:
            fills.append(fill(mock, TRADER, *args, subaccount=subaccount, **kw))
            positions.append(row(mock, TRADER, args[0], subaccount))

        trade(A, "yes", "buy", "10", "0.56")  # opens YES on exchange index 1, taker fee
        fill(mock, OTHER, A, "yes", "buy", "3", "0.50")  # another user: must not arrive
        trade(B, "no", "buy", "2.50", "0.4375", is_taker=False)  # fractional NO, maker (no fee), 5-place cost
        trade(A, "yes", "sell", "4", "0.60")  # reduces: realized P&L, a fee cost carried by fewer contracts
        trade(C, "yes", "buy", "3", "0.33", subaccount=2)  # another subaccount of the same user
        mock.settle(A, "yes")
        positions.append(row(mock, TRADER, A))
        report = client.finish()

    # The ledger itself, by hand: A after the first fill, after the reduction, after settlement; B's cost.
    assert (positions[0].position, positions[0].market_exposure, positions[0].fees_paid) == (
        10,
        Decimal("5.6"),
        Decimal("0.1725"),
    )
    assert (positions[2].position, positions[2].market_exposure) == (6, Decimal("3.36"))  # 5.60 x 6/10 still held
    assert (positions[2].realized_pnl, positions[2].fees_paid) == (Decimal("0.16"), Decimal("0.2397"))  # 2.40 - 2.24
    assert (positions[4].position, positions[4].market_exposure, positions[4].realized_pnl) == (6, 0, Decimal("2.80"))
    assert positions[1].market_exposure == Decimal("1.09375")  # 2.50 x (1 - 0.5625): 6 places on 3.34, 4 on legacy

    assert report.done["reason"] == "count", f"not every message arrived in time\n{report.diagnosis()}"
    assert not [r for r in report.done["logs"] if r["level"] in ("WARNING", "ERROR", "CRITICAL")], report.diagnosis()
    assert not report.of("stream_error") and not report.of("stream_closed"), report.diagnosis()
    # Nothing else was on the wire: the other user's fill never left the mock for this connection.
    assert len(report.data_frames()) == 9, report.diagnosis()
    assert {f["msg"]["trade_id"] for f in report.data_frames() if f["type"] == "fill"} == {f.fill_id for f in fills}

    sids = sids_by_channel(report)
    assert_typed(
        report.messages("positions"),
        [expected_position(p, profile) for p in positions],
        "MarketPositionsMessage",
        "MarketPositionsPayload",
        report,
    )
    assert_typed(
        report.messages("fills"), [expected_fill(f, profile) for f in fills], "FillMessage", "FillPayload", report
    )
    for name, channel, kind in (("positions", "market_positions", "market_position"), ("fills", "fill", "fill")):
        for message in report.messages(name):
            assert message["envelope"] == {"type": kind, "sid": sids[channel], "seq": None}, message

    extras = [message["extra"] for message in report.messages("positions") + report.messages("fills")]
    if profile == "legacy":
        # The integer twins rode along and the SDK kept them beside its typed fields, under the same names.
        centi = lambda value: int((value * 10_000).to_integral_value(rounding=ROUND_DOWN))  # noqa: E731
        whole = lambda value: int(value.to_integral_value(rounding=ROUND_DOWN))  # noqa: E731
        for position, extra in zip(positions, extras[: len(positions)], strict=True):
            assert extra == {
                "position": whole(position.position),
                "position_cost": centi(position.market_exposure),
                "realized_pnl": centi(position.realized_pnl),
                "fees_paid": centi(position.fees_paid),
                "position_fee_cost": centi(position_fee_cost(position)),
                "volume": whole(position.volume),
            }, extra
        for record, extra in zip(fills, extras[len(positions) :], strict=True):
            assert extra == {
                "yes_price": int(record.yes_price * 100),
                "count": whole(record.count),
                "post_position": whole(record.post_position),
            }, extra
    else:
        assert all(extra == {} for extra in extras), extras


def test_market_filter(client_venvs: dict[str, Path], served: Served, tmp_path: Path) -> None:
    """A subscription filtered to one market gets that market's fills and positions only.

    kalshi-sdk 22.4.0 cannot ask for that through its API: `subscribe_fill()` and `subscribe_market_positions()`
    take no tickers, and the generic `subscribe(channel, params=...)` checks the params against a per-channel
    allow-list that is empty for both channels, raising `KalshiSubscriptionError` before anything is sent (shown
    first). The script then adds `market_ticker(s)` to that allow-list (a module-level dict, not the SDK's code) and
    subscribes through the generic call: the filter goes out in the SDK's own subscribe command, and the replies and
    messages come back through its own parsing and routing.
    """
    mock = served.mock
    plan = {
        "refused": [
            {"channel": "fill", "params": {"market_tickers": [A]}},
            {"channel": "market_positions", "params": {"market_ticker": A}},
        ],
        "widen": {"fill": ["market_tickers"], "market_positions": ["market_ticker"]},
        "subscriptions": [
            {"name": "positions", "channel": "market_positions", "params": {"market_ticker": A}},
            {"name": "fills", "channel": "fill", "params": {"market_tickers": [A]}},
        ],
        "expect": 2,
    }
    with run(client_venvs, served, plan, tmp_path) as client:
        client.subscribed()
        fill(mock, TRADER, B, "yes", "buy", "5", "0.40")  # outside the filter
        fill(mock, TRADER, C, "no", "buy", "2", "0.25", subaccount=2)  # outside the filter
        record = fill(mock, TRADER, A, "yes", "buy", "7", "0.61")  # the mock sends in order: B and C would be first
        position = row(mock, TRADER, A)
        report = client.finish()

    refused = report.of("refused")
    assert [(r["channel"], r["ok"], (r["error"] or {}).get("type")) for r in refused] == [
        ("fill", False, "KalshiSubscriptionError"),
        ("market_positions", False, "KalshiSubscriptionError"),
    ], refused
    assert "Unknown param key 'market_tickers' for channel 'fill'" in refused[0]["error"]["message"]
    assert all(r["sent"] == [] for r in refused), "the SDK sent a refused subscribe"

    subscribes = [frame["params"] for frame in report.frames_sent() if frame.get("cmd") == "subscribe"]
    assert subscribes == [
        {"channels": ["market_positions"], "market_ticker": A},
        {"channels": ["fill"], "market_tickers": [A]},
    ], subscribes

    assert report.done["reason"] == "count", f"the filtered market's messages did not arrive\n{report.diagnosis()}"
    assert not [r for r in report.done["logs"] if r["level"] in ("WARNING", "ERROR", "CRITICAL")], report.diagnosis()
    assert [frame["msg"]["market_ticker"] for frame in report.data_frames()] == [A, A], report.diagnosis()
    assert_typed(
        report.messages("positions"),
        [expected_position(position, "3.34")],
        "MarketPositionsMessage",
        "MarketPositionsPayload",
        report,
    )
    assert_typed(report.messages("fills"), [expected_fill(record, "3.34")], "FillMessage", "FillPayload", report)
