"""The Kalshi routes read a plain query string without Starlette's parser (`params.first_values`); what they read must
be what `QueryParams` gives, first value of each name, for every query string, or it leaves the string to Starlette."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from mockexchange.venues.kalshi.params import first_of, first_values

pieces = st.sampled_from(["limit", "cursor", "a", "", "=", "&", "&&", "==", "100", "%20", "+", "é", "\x00", ";", " "])
query_strings = st.lists(pieces, max_size=12).map("".join)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(text=query_strings | st.text(max_size=40))
def test_first_values_reads_what_starlettes_parser_reads(text):
    raw = text.encode("utf-8")
    fast = first_values(raw)
    expected = dict(first_of(QueryParams(raw)))
    if fast is None:
        assert "%" in raw.decode("latin-1") or "+" in raw.decode("latin-1")
    else:
        assert fast == expected


def test_first_values_examples():
    assert first_values(b"limit=1&limit=2&cursor=&x") == {"limit": "1", "cursor": "", "x": ""}
    assert first_values(b"a=b=c&&") == {"a": "b=c"}
    assert first_values(b"") == {}
    assert first_values(b"ticker=A%2CB") is None and first_values(b"a=b+c") is None


def test_a_cursor_read_before_is_judged_against_the_filters_of_each_request():
    from mockexchange.venues.kalshi import cursors

    issued = {"op": "GetFills", "owner": "alice", "ticker": ["A", "B"], "min_ts": None}
    cursor = cursors.encode(("1700000000000000", "7"), issued)
    for _ in range(2):  # read, then from the cursors read lately
        assert cursors.decode(cursor, {**issued, "ticker": ("A", "B")}, key_length=2) == ("1700000000000000", "7")
        with pytest.raises(cursors.CursorError, match=r"\(min_ts, ticker differ\)"):
            cursors.decode(cursor, {**issued, "ticker": ("A",), "min_ts": 5}, key_length=2)
        with pytest.raises(cursors.CursorError, match="unknown structure"):
            cursors.decode(cursor, issued, key_length=3)
    # Filters equal as values but written otherwise (a hand-made cursor) are the same filters, as they always were.
    hand_made = cursors.encode(("1", "2"), {**issued, "min_ts": 5.0})
    for _ in range(2):
        assert cursors.decode(hand_made, {**dict(reversed(list(issued.items()))), "min_ts": 5}, 2) == ("1", "2")
