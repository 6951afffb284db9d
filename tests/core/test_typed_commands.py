"""A write declared once (core/commands.py, core/values.py): a command read from plain values, each field by its kind,
into the core's units; written back to the same plain values; refused in the kind's words (and its venue code) for a
value it does not take; a batch read item by item; dispatched by its type. Kalshi's order commands are the example
(core/kalshi/order_commands.py)."""

from __future__ import annotations

import inspect
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mockexchange.core.commands import Handlers, ItemRefused, Items, declared, read, signature, write
from mockexchange.core.kalshi.order_commands import (
    CAP,
    COUNT,
    NO_EXPIRATION,
    PRICE,
    AmendOrder,
    CancelOrder,
    DecreaseOrder,
    PlaceOrder,
    PlaceOrders,
)
from mockexchange.core.values import Choice, Decimals, Flag, Integer, IsoTime, Refused, Text, UnixTime

ORDER = {"user_id": "a", "ticker": "M", "side": "bid", "count": "10.5", "price": "0.56",
         "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}  # fmt: skip


def refusal(cls, **plain) -> tuple[str, str | None]:
    with pytest.raises(Refused) as caught:
        read(cls, plain)
    return str(caught.value), caught.value.code


def test_a_command_is_read_into_the_cores_units_and_written_back_to_the_same_plain_values():
    given = {**ORDER, "expiration_time": 2_000_000_000, "buy_max_cost": "12.5", "subaccount": 3, "post_only": True}
    placed = read(PlaceOrder, given)
    assert (placed.count, placed.price, placed.buy_max_cost) == (1050, 5600, 12_500_000)
    assert placed.expiration_time == datetime.fromtimestamp(2_000_000_000, UTC)
    assert (placed.subaccount, placed.post_only, placed.client_order_id, placed.order_type) == (3, True, None, "limit")
    assert write(placed) == given  # the defaults left out, as a state file keeps it
    assert read(PlaceOrder, write(placed)) == placed
    assert placed.sides == ("yes", "buy") and read(PlaceOrder, {**ORDER, "side": "ask"}).sides == ("yes", "sell")
    assert read(PlaceOrder, {**ORDER, "side": "no", "action": "sell"}).sides == ("no", "sell")


@pytest.mark.parametrize(
    ("field", "value", "words", "code"),
    [
        ("count", "0", "count must be from 0.01 to 1000000000 contracts, not '0'", None),
        ("count", "1000000000.01", "count must be from 0.01 to 1000000000 contracts, not '1000000000.01'", None),
        ("count", "1.005", "count", None),  # finer than a hundredth: core/money.py's words
        ("price", "1", "price", "invalid_price"),
        ("price", "0.00001", "price", "invalid_price"),
        ("side", "yes", "side must be one of 'bid', 'ask', not 'yes'", None),  # a legacy side needs its action
        (
            "time_in_force",
            "gtc",
            "time_in_force must be one of 'fill_or_kill', 'good_till_canceled', 'immediate_or_cancel', not 'gtc'",
            None,
        ),  # fmt: skip
        ("subaccount", 64, "subaccount must be an integer from 0 to 63, not 64", None),
        ("subaccount", True, "subaccount must be an integer from 0 to 63, not true", None),
        ("exchange_index", -2, "exchange_index must be an integer from -1 to 2147483647, not -2", None),
        ("user_id", "", "user_id must be a non-empty string of at most 256 characters, not ''", None),
        ("user_id", "x" * 257, "user_id must be a non-empty string of at most 256 characters", None),
        ("post_only", 1, "post_only must be true or false, not 1", None),
        ("post_only", None, "post_only must be true or false, not null", None),  # null is no flag's value
        ("buy_max_cost", "0", "buy_max_cost must be from 0.01 to 1000000000000 dollars, not '0'", None),
        ("buy_max_cost", "1e999999", "buy_max_cost", None),
        ("expiration_time", 253402300800, "expiration_time must be an integer from 0 to 253370764800", None),
        ("expiration_time", 253370764800, "expiration_time must be from 1970-01-01T00:00:00+00:00 to before", None),
    ],
)
def test_a_value_its_kind_does_not_take_is_refused_in_the_kinds_words(field, value, words, code):
    message, refused_code = refusal(PlaceOrder, **{**ORDER, field: value})
    assert message.startswith(words) and refused_code == code


def test_null_is_a_fields_value_only_where_it_is_declared_so():
    assert read(PlaceOrder, {**ORDER, "price": None}).price is None  # required, but a market order's may be null
    assert read(PlaceOrder, {**ORDER, "client_order_id": None}).client_order_id is None  # optional, none by default
    assert refusal(PlaceOrder, **{**ORDER, "user_id": None})[0].startswith("user_id must be a non-empty string")
    assert refusal(PlaceOrder, **{k: v for k, v in ORDER.items() if k != "ticker"}) == ("ticker is required", None)
    assert refusal(PlaceOrder, **ORDER, limit=1)[0].startswith("place_order has no field 'limit'; its fields:")


def test_a_command_made_in_python_is_checked_as_one_read():
    with pytest.raises(Refused, match="count must be from 0.01"):
        PlaceOrder("a", "M", "bid", 0, 5600, "good_till_canceled", "maker")
    with pytest.raises(Refused, match="price must be from 0.0001 to 0.9999 dollars"):
        PlaceOrder("a", "M", "bid", 100, 10_000, "good_till_canceled", "maker")
    with pytest.raises(Refused, match="ticker is required"):
        PlaceOrder("a", None, "bid", 100, 5600, "good_till_canceled", "maker")  # type: ignore[arg-type]  # (the test)
    with pytest.raises(Refused, match="side must be one of 'yes', 'no', not 'bid'"):
        AmendOrder("a", "o", "M", "bid", 5600, 100, action="buy")


def test_a_value_made_in_python_out_of_any_bound_is_refused_cheaply_in_the_kinds_words():
    cash = Decimals(Decimal(0), Decimal(100), 8)
    started = time.process_time()
    for huge in (Decimal("1e50000000"), Decimal("1e-50000000")):  # 50 million digits, written out
        with pytest.raises(Refused, match="x must be from 0 to 100|x has more than 8 decimal places"):
            cash.check(huge, "x")
    assert time.process_time() - started < 1, "the value was written out in full"
    with pytest.raises(Refused, match="x has more than 8 decimal places: '0.123456789'"):
        cash.check(Decimal("0.123456789"), "x")  # (in the words its text would be refused in)
    for kind in (UnixTime(), IsoTime()):
        with pytest.raises(Refused, match="t must be a time with a timezone"):
            kind.check(datetime(2026, 1, 1), "t")  # noqa: DTZ001 (the naive time refused)


def test_the_kinds_write_what_they_read():
    assert COUNT.write(COUNT.read("10.50", "count")) == "10.5" and COUNT.read(7, "count") == 700
    assert (COUNT.read("0.01", "count"), COUNT.read("1000000000", "count")) == (1, 100_000_000_000)  # each bound
    assert (PRICE.read("0.9999", "price"), CAP.read("1000000000000", "cap")) == (9999, 10**18)
    assert PRICE.write(PRICE.read("0.0001", "price")) == "0.0001"
    assert CAP.write(CAP.read("0.01", "cap")) == "0.01"
    assert UnixTime().write(UnixTime().read(0, "t")) == 0 and UnixTime().read(0, "t") == NO_EXPIRATION
    assert Text(3).read("abc", "t") == "abc" and Flag().read(False, "f") is False
    assert Integer(-1, 1).read(-1, "i") == -1 and Choice(("a",)).read("a", "c") == "a"
    assert Text(3).schema() == {"type": "string", "minLength": 1, "maxLength": 3}
    assert Integer(0, 63).schema() == {"type": "integer", "minimum": 0, "maximum": 63}


def test_a_batch_is_read_item_by_item_each_refused_in_its_place():
    kind = next(field.kind for field in declared(PlaceOrders) if field.name == "orders")
    assert isinstance(kind, Items)
    items = kind.read_each(
        [ORDER, {**ORDER, "count": "0"}, {**ORDER, "user_id": "someone else"}], "orders", {"user_id": "b"}
    )
    assert isinstance(items[1], Refused) and str(items[1]).startswith("count must be from 0.01")
    assert [item.user_id for item in (items[0], items[2])] == ["b", "b"]  # the batch's user, whatever the item says
    batch = PlaceOrders("b", (items[0], items[2]))
    assert write(batch)["orders"] == [{k: v for k, v in ORDER.items() if k != "user_id"}] * 2
    with pytest.raises(Refused, match="orders must be a list of at most 1000 orders"):
        kind.read_each([ORDER] * 1001, "orders", {})
    with pytest.raises(Refused, match=r"orders\[0\] must be an object of place_order's fields"):
        kind.read_each(["x"], "orders", {})
    assert ItemRefused.of(items[1]).json() == {"error": {"status": 400, "code": None, "message": str(items[1])}}


def test_a_commands_signature_is_its_fields_in_order_typed_as_their_plain_values():
    parameters = signature(CancelOrder).parameters
    assert list(parameters) == ["user_id", "order_id", "subaccount", "exchange_index", "market_ticker"]
    assert parameters["user_id"].default is inspect.Parameter.empty and parameters["subaccount"].default == 0
    assert (parameters["subaccount"].annotation, parameters["market_ticker"].annotation) == (int, str | None)
    assert signature(PlaceOrder).parameters["price"].annotation == str | None  # nullable, though required


def test_a_command_is_dispatched_by_its_type():
    handlers = Handlers()
    handlers.add(CancelOrder, lambda cancel: ("cancelled", cancel.order_id))
    handlers.add(DecreaseOrder, lambda decrease: ("decreased", decrease.reduce_to))
    assert handlers.run(CancelOrder("a", "o-1")) == ("cancelled", "o-1")
    assert handlers.run(DecreaseOrder("a", "o-2", reduce_to=0)) == ("decreased", 0)
    with pytest.raises(LookupError, match="no handler takes place_order"):
        handlers.run(read(PlaceOrder, ORDER))
    with pytest.raises(ValueError, match="cancel_user_order has a handler already"):
        handlers.add(CancelOrder, print)
