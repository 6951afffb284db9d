"""`store.opening_cells` (a batch's new rows worked out in integers on codes) answers what the Decimal way answers,
`opening_terms` of the amounts `apply_fill` makes, or declines: at every exponent, value and precision."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.columns import encode
from mockexchange.core.kalshi.batch import _opening
from mockexchange.core.kalshi.cells import opening_cells
from mockexchange.core.money import ONE

counts = st.builds(Decimal, st.sampled_from(["1", "2.5", "10.00", "1E+1", "0.01", "37", "100", "99999.99", "1.000"]))
prices = st.builds(Decimal, st.sampled_from(["0.5", "0.50", "0.01", "0.99", "0.4321", "0.333333", "0.1234567", "5E-1"]))
fees = st.builds(Decimal, st.sampled_from(["0", "0.00", "0.0175", "0.000001", "1.5", "0E-3", "0.0100000", "2"]))


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(
    count=counts,
    price=prices,
    fee=fees,
    side=st.sampled_from(["yes", "no"]),
    action=st.sampled_from(["buy", "sell"]),
    exchange_index=st.sampled_from([0, 2]),
    precision=st.sampled_from([28, 12, 9, 7, 5]),
)
def test_integer_cells_equal_the_decimal_way_or_decline(count, price, fee, side, action, exchange_index, precision):
    with localcontext(prec=precision):
        try:
            _, moved, amounts, terms, fill_codes = _opening(side, action, count, price, fee, exchange_index)
        except InvalidOperation:  # the Decimal way cannot hold it at this precision: the integers must not either
            terms = None
        pay = price if action == "buy" else ONE - price
        buys_yes = (side == "yes") == (action == "buy")
        codes = (encode(count), encode(pay), encode(fee))
        cells = None if None in codes else opening_cells(*codes, buys_yes, exchange_index, precision)  # type: ignore[arg-type]
    if cells is not None:
        assert terms is not None
        assert cells == (list(terms[0]), terms[1])
        assert fill_codes[3] == cells[0][0]  # the fill log's post position


def test_the_usual_terms_take_the_integer_way():
    """Seeding's own terms (whole counts, cent prices, fees to the centi-cent) never fall back."""
    for count in ("1", "37", "10.00"):
        for price in ("0.01", "0.45", "0.99"):
            for fee in ("0", "0.0175", "0.35"):
                codes = encode(Decimal(count)), encode(Decimal(price)), encode(Decimal(fee))
                assert opening_cells(*codes, True, 0, 28) is not None  # type: ignore[arg-type]
