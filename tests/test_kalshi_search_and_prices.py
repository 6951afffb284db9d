"""Kalshi's search reads and price channels on one mock for the module, over real HTTP and real websockets:
`GET /search/tags_by_categories` and `/search/filters_by_sport` equal what the series and events set make of them, and
follow each series and event as it is set; each CF Benchmarks and Pyth value set reaches the subscribers of its index
(the 5 Hz channel the five indexes it carries), with its averages, and a bystander on other indexes gets none; the
lists, all-mode and the refusals of bad params; the values a state file keeps. Every frame is checked against the
AsyncAPI slice as it arrives (market_client.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from market_client import Reader, reading, signer_for, subscribe, update

from mockexchange.app import build_app
from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer
from mockexchange.settings import Settings

T0 = datetime(2026, 11, 2, 15, 59, 30, tzinfo=UTC)  # half a minute before a quarter-hour's close
QUARTER = timedelta(minutes=15)
CF, CF_5HZ, PYTH = "cfbenchmarks_value", "cfbenchmarks_value_5hz", "pyth_value"
USERS = ("alice", "bystander")


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(T0)) as server:
        for user in USERS:
            server.create_account(user, balance_cents=100)
        yield server


@pytest.fixture
def t0(mock: MockServer) -> datetime:
    """A test's start, whichever ran before it on this mock: nothing set, the clock half a minute before a
    quarter-hour's close."""
    mock.reset()
    for user in USERS:
        mock.create_account(user, balance_cents=100)
    now = datetime.fromisoformat(mock.clock()["exchange_time"])
    start = T0 + (now - T0) // QUARTER * QUARTER + QUARTER  # (a quarter-hour's close less 30 s, after now)
    mock.advance_clock(to=start.isoformat())
    return start


@pytest.fixture(scope="module")
def public(mock: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.kalshi_url, timeout=10) as client:
        yield client


def read(public: httpx.Client, path: str) -> dict:
    answer = public.get(path)  # public: no signature asked
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_search_reads_follow_the_series_and_events_set(mock, public, t0):
    assert read(public, "/search/tags_by_categories") == {"tags_by_categories": {}}
    assert read(public, "/search/filters_by_sport") == {"filters_by_sports": {}, "sport_ordering": []}
    mock.set_series("KXNFLGAME", category="Sports", categories=["Sports"], tags=["Football"])
    mock.set_series("KXFED", category="Economics", categories=["Economics", "Rates"], tags=["Fed", "Rates"])
    mock.set_series("KXNBA", category="Sports", tags=["Basketball", "Football"])
    mock.set_series("KXQUIET", categories=["Weather"])
    mock.set_event("KXNFLGAME-26SEP10", competition="Pro Football", competition_scope="Game")
    mock.set_event("KXNFLGAME-26FUT", competition="Pro Football", competition_scope="Futures")
    mock.set_event("KXNFLGAME-26SEP11", competition="College Football", competition_scope="Game")
    mock.set_event("KXNBA-26", competition="Pro Basketball (M)")
    mock.set_event("KXNBA-27")  # no competition: nothing to list
    assert read(public, "/search/tags_by_categories") == {
        "tags_by_categories": {
            "Sports": ["Football", "Basketball"], "Economics": ["Fed", "Rates"], "Rates": ["Fed", "Rates"],
            "Weather": [],
        }
    }  # fmt: skip
    assert read(public, "/search/filters_by_sport") == {
        "filters_by_sports": {
            "Football": {
                "scopes": ["Game", "Futures"],
                "competitions": {
                    "Pro Football": {"scopes": ["Game", "Futures"]}, "College Football": {"scopes": ["Game"]},
                    "Pro Basketball (M)": {"scopes": []},
                },
            },
            "Basketball": {"scopes": [], "competitions": {"Pro Basketball (M)": {"scopes": []}}},
        },
        "sport_ordering": ["Football", "Basketball"],
    }  # fmt: skip
    # a series moved out of the Sports category takes its sports and competitions along
    mock.set_series("KXNBA", category="Basketball league", tags=["Basketball"])
    filters = read(public, "/search/filters_by_sport")
    assert filters["sport_ordering"] == ["Football"]
    assert list(filters["filters_by_sports"]["Football"]["competitions"]) == ["Pro Football", "College Football"]
    assert read(public, "/search/tags_by_categories")["tags_by_categories"]["Basketball league"] == ["Basketball"]


def data(reader: Reader) -> list[dict]:
    """The channels' messages the reader took so far (not the replies)."""
    return [f for f in reader.frames if f["type"] in (CF, CF_5HZ, PYTH)]


def test_each_value_set_reaches_its_indexes_subscribers_and_no_bystander(mock, t0):
    t0_ms = unix_ms(t0)
    with reading(mock, signer_for(mock, "alice")) as alice, reading(mock, signer_for(mock, "bystander")) as other:
        alice.ask(subscribe([CF, CF_5HZ], index_ids=["BRTI", "BRTI"]), 2)  # sids 1 and 2
        alice.ask(subscribe([PYTH], 2, underlying_tickers=["Metal.XAU/USD"]))  # sid 3
        other.ask(subscribe([CF, CF_5HZ], index_ids=["ETHUSD_RTI", "BNBUSD_RTI"]), 2)
        other.ask(subscribe([PYTH], 2, underlying_tickers=["Metal.XAG/USD"]))
        assert mock.set_price_value("68000.12", index_id="BRTI")["received_at"] == t0_ms
        mock.set_price_value("68001", index_id="BRTI")  # in the same millisecond: dated one after
        mock.advance_clock(seconds=45)  # into the next quarter-hour
        mock.set_price_value("68003.5", index_id="BRTI")
        mock.set_price_value("2400.125", underlying_ticker="Metal.XAU/USD", at=(t0 + timedelta(seconds=44)).isoformat())
        mock.set_price_value("600.5", index_id="BNBUSD_RTI")  # the bystander's, per second only
        # each subscriber's own sentinel, set last: anything sent to the wrong subscriber came before it
        mock.set_price_value("1", underlying_ticker="Metal.XAU/USD")
        mock.set_price_value("1", underlying_ticker="Metal.XAG/USD")
        alice.wait(lambda frames: any(f["msg"].get("value_usd") == "1.00000000" for f in data(alice)))
        other.wait(lambda frames: any(f["type"] == PYTH for f in data(other)))
        got = {(f["sid"], f["seq"]): f["msg"] for f in data(alice)}
        assert got.pop((3, 2))["value_usd"] == "1.00000000"  # (alice's sentinel)
        assert sorted(got) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1)]
        upstream = '{"type":"value","id":"BRTI","time":%d,"value":"%s"}'
        assert got[(1, 1)] == {
            "index_id": "BRTI", "received_at": t0_ms, "data": upstream % (t0_ms, "68000.12"),
            "avg_60s_data": {"value": "68000.12000000", "window_size": 0, "window_start_ts_ms": t0_ms - 60_000,
                             "window_end_ts_exclusive": t0_ms},
            "last_60s_windowed_average_15min": {"value": "68000.12000000", "window_size": 1,
                                                "window_start_ts_ms": t0_ms - 30_000,
                                                "window_end_ts_exclusive": t0_ms + 1},
        }  # fmt: skip
        assert got[(1, 2)]["avg_60s_data"]["value"] == "68000.12000000"
        assert got[(1, 2)]["last_60s_windowed_average_15min"]["value"] == "68000.56000000"  # half even, 8 places
        third = got[(1, 3)]  # past the close: no quarter-hour average
        assert third["avg_60s_data"] == {
            "value": "68000.56000000", "window_size": 2, "window_start_ts_ms": t0_ms - 15_000,
            "window_end_ts_exclusive": t0_ms + 45_000,
        }  # fmt: skip
        assert "last_60s_windowed_average_15min" not in third
        assert [got[(2, n)]["value_usd"] for n in (1, 2, 3)] == ["68000.12000000", "68001.00000000", "68003.50000000"]
        assert [got[(2, n)]["source_ts_ms"] for n in (1, 2, 3)] == [t0_ms, t0_ms + 1, t0_ms + 45_000]
        assert got[(2, 3)]["data"] == upstream % (t0_ms + 45_000, "68003.5")
        assert got[(3, 1)] == {"underlying_ticker": "Metal.XAU/USD", "value_usd": "2400.12500000",
                               "source_ts_ms": t0_ms + 44_000, "received_at": t0_ms + 45_000}  # fmt: skip
        bnb, sentinel = data(other)
        assert (sentinel["type"], sentinel["msg"]["underlying_ticker"]) == (PYTH, "Metal.XAG/USD")
        assert (bnb["type"], bnb["msg"]["index_id"], bnb["msg"]["avg_60s_data"]["window_size"]) == (CF, "BNBUSD_RTI", 0)


def test_lists_all_mode_and_updates(mock, t0):
    mock.set_price_value("3100", index_id="ETHUSD_RTI")
    mock.set_price_value("600", index_id="BNBUSD_RTI")  # (not on the 5 Hz feed)
    mock.set_price_value("1.08", underlying_ticker="FX.EUR/USD")
    with reading(mock, signer_for(mock, "alice")) as alice:
        alice.ask(subscribe([CF_5HZ], index_ids=["SOLUSD_RTI"]))
        alice.ask(subscribe([PYTH], 2))  # no ticker: nothing until one is added
        [listed] = alice.ask(update(3, sid=1, action="indexlist"))
        assert (listed["type"], listed["seq"], listed["msg"]) == (
            f"{CF_5HZ}_indexlist",
            1,
            {"index_ids": ["ETHUSD_RTI"]},
        )
        assert alice.ask(update(4, sid=1, action="subscribe_indices", index_ids=["all", "XRPUSD_RTI"]))[0]["msg"] == {
            "index_ids": ["all"]}  # fmt: skip
        assert alice.ask(update(5, sids=[1], action="unsubscribe_indices", index_ids=["all", "SOLUSD_RTI"]))[0][
            "msg"] == {"index_ids": ["XRPUSD_RTI"]}  # fmt: skip
        [ok] = alice.ask(update(6, sid=2, action="subscribe_underlyings", underlying_tickers=["all"]))
        assert (ok["type"], ok["sid"], ok["seq"], ok["msg"]) == ("ok", 2, 1, {"underlying_tickers": ["all"]})
        mock.set_price_value("1.09", underlying_ticker="FX.EUR/USD")
        mock.set_price_value("3101", index_id="ETHUSD_RTI")  # sid 1 no longer takes every index
        mock.set_price_value("2.2", index_id="XRPUSD_RTI")
        mock.set_price_value("1.1", underlying_ticker="FX.EUR/USD")  # a sentinel: nothing else came before it
        sent = alice.next(3)
        assert [(f["sid"], f["seq"], f["type"]) for f in sent] == [(2, 2, PYTH), (1, 4, CF_5HZ), (2, 3, PYTH)]
        assert sent[2]["msg"]["value_usd"] == "1.10000000"
        [pyth_list] = alice.ask(update(7, sid=2, action="underlying_list"))
        assert pyth_list["msg"] == {"underlying_tickers": ["FX.EUR/USD"]}
        mock.advance_clock(seconds=2 * 3600 + 1)  # past two hours: nothing received recently
        assert alice.ask(update(8, sid=2, action="underlying_list"))[0]["msg"] == {"underlying_tickers": []}
        alice.ask(subscribe([CF], 9))
        [cf_list] = alice.ask(update(10, sid=3, action="indexlist"))
        assert cf_list["msg"] == {"index_ids": ["BNBUSD_RTI", "ETHUSD_RTI", "XRPUSD_RTI"]}  # every one set


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (subscribe([CF], index_ids=[]), 11),
        (subscribe([CF], index_ids="BRTI"), 1),
        (subscribe([PYTH], underlying_tickers=["x" * 257]), 11),
        (subscribe([PYTH, "ticker"], market_ticker="KX"), 11),
        (update(1, sid=1, action="subscribe_indices"), 24),
        (update(1, sid=1, action="unsubscribe_indices", index_ids=[]), 24),
        (update(1, sid=1, action="add_markets", market_tickers=["KX"]), 13),
        (update(1, sid=2, action="subscribe_underlyings", underlying_tickers=[]), 28),
        (update(1, sid=2, action="indexlist"), 13),
    ],
)
def test_bad_params_are_refused_in_the_channels_codes(mock, command, code):
    with reading(mock, signer_for(mock, "alice")) as alice:
        alice.ask(subscribe([CF, PYTH]), 2)
        [refused] = alice.ask(command)
        assert (refused["type"], refused["msg"]["code"]) == ("error", code), refused
        assert [f["sid"] for f in alice.ask({"id": 2, "cmd": "list_subscriptions"})[0]["msg"]] == [1, 2]


def test_the_values_a_state_file_keeps(tmp_path):
    settings = Settings(state=str(tmp_path / "kalshi.db"))
    first = build_app(settings, clock=ManualClock(T0))  # (in-process: no server needed)
    try:
        first.control.set_price_value("10", index_id="DOGEUSD_RTI")
        first.control.advance_clock(seconds=1)
        first.control.set_price_value("11", index_id="DOGEUSD_RTI")
    finally:
        first.close()
    again = build_app(settings)  # its clock where the file left it
    try:
        again.control.advance_clock(seconds=1)
        tick = again.control.set_price_value("12", index_id="DOGEUSD_RTI", at=(T0 + timedelta(seconds=1.5)).isoformat())
        assert (tick["avg_60s_data"]["value"], tick["avg_60s_data"]["window_size"]) == ("10.50000000", 2)
        with pytest.raises(ControlError, match="not after the index's last value"):
            again.control.set_price_value("13", index_id="DOGEUSD_RTI", at=(T0 + timedelta(seconds=1)).isoformat())
    finally:
        again.close()
