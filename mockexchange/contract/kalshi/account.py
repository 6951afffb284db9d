"""The account the schema suites read on a mock: an FCM member with positions over many events, settlements,
transfers in every status and two subtraders, so that every operation has pages to walk and every list has rows,
and milestones, live data, structured targets, incentive programs and a weather index for the reads of them;
and, for the writes (`seed_writes`), what makes a valid write succeed: cash in each of the 63 numbered subaccounts,
the Premier usage level, keys and order groups to delete, an error account for position transfers (`VALUES` names
them for the kit)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem, public_key_pem
from mockexchange.contract.kalshi.orders import place_resting, values_for
from mockexchange.contract.kalshi.rfq_setup import prepare
from mockexchange.control import Control
from mockexchange.core.clock import unix_ms
from mockexchange.schema.account_values import AccountValues
from mockexchange.schema.write_rules import NUMBERED_SUBACCOUNTS
from mockexchange.testing.in_process import InProcess
from mockexchange.testing.signing import KalshiSigner

MEMBER = "contract-fcm"
SUBTRADERS = ("contract-sub-1", "contract-sub-2")
KEY_ID = "contract-suite-key"
# For the writes (seed_writes).
SUBACCOUNT_CENTS = 10**11  # $1 billion in each numbered subaccount: most drawn transfers are within it
KEYS_TO_DELETE = tuple(f"contract-delete-{i}" for i in range(3))
ORDER_GROUPS = tuple(f"contract-group-{i}" for i in range(3))  # for the group writes that name one
GROUPS_TO_DELETE = tuple(f"contract-delete-group-{i}" for i in range(3))  # for DeleteOrderGroup
ERROR_ACCOUNT = "contract-fcm-errors"  # the FCM's error account: position transfers go to its subtraders
TRANSFER_TARGETS = tuple(f"{ERROR_ACCOUNT}_T{i}" for i in range(2))
# Open, on whole cents and on exchange index 0, with the house's book (seed_market_data): orders are drawn on them.
ORDER_MARKETS = tuple(f"KXCONTRACT-{e:02d}-T{m}" for e in (4, 6) for m in range(5))
TRANSFER_MARKETS = tuple(f"KXCONTRACT-{e:02d}-T{m}" for e in (4, 6) for m in range(5))  # open, on exchange index 0
# What the exchange lists (seed and seed_market_data): the market data reads draw their tickers from them.
SERIES = "KXCONTRACT"
EVENTS = tuple(f"{SERIES}-{e:02d}" for e in range(9))
MARKETS = tuple(f"{event}-T{m}" for event in EVENTS[:8] for m in range(5)) + (f"{EVENTS[8]}-T0",)
# Settled before the markets' historical cutoff: the historical API's markets (GET /markets lists the others).
HISTORICAL_MARKETS = MARKETS[:10]
LIVE_MARKETS = MARKETS[10:]
SPORTS_SERIES = "KXKITGAME"  # a series of the Sports category, with one event (the search reads')
# The communications API (seed_communications): another user's RFQ the member quotes, and the member's RFQ that user
# quotes, each an id of a UUID's form (Kalshi's, which the reads' paths take).
ASKER = "contract-asker"
RFQ_IDS = ("0c0a7f0e-0000-4000-8000-000000000001", "0c0a7f0e-0000-4000-8000-000000000002")
QUOTE_IDS = ("0c0a7f0e-0000-4000-8000-0000000000a1", "0c0a7f0e-0000-4000-8000-0000000000a2")
ASKER_KEY_ID = "contract-asker-key"  # the other user's key, for the communications writes (seed_rfq_writes)
# A multivariate collection over the open events (seed_multivariate), a combo of its first two legs made in it; its
# combos' creation draws from these legs (the YES side of two open markets of each event).
COLLECTION = "KXMVECONTRACT-R"
COMBO_LEGS = tuple({"market_ticker": f"{event}-T{m}", "event_ticker": event, "side": "yes"}
                   for event in EVENTS[4:8] for m in range(2))  # fmt: skip
# What the exchange is told from outside (seed_live_data): milestones on the kit's events, two with live data (one's
# type named by the typed path), structured targets, a weather city (the spec's example, which the kit asks for).
MILESTONE_IDS = ("contract-milestone-0", "contract-milestone-1", "contract-milestone-2")
LIVE_MILESTONE_IDS = MILESTONE_IDS[:2]
LIVE_DATA_TYPE = "football_game"
LIVE_EVENTS = (EVENTS[4], EVENTS[5], EVENTS[6])  # the live milestones' events, primary first
TARGET_IDS = tuple(f"contract-target-{i}" for i in range(3))
WEATHER_CITY = "miami"


_key_lock = threading.Lock()


def private_key_pem_text() -> str:
    """One key per process for every mock seeded here: schemathesis binds the signer when it collects tests."""
    with _key_lock:  # threads asking first at once must not each make a key
        return _private_key_pem_text()


@cache
def _private_key_pem_text() -> str:
    return private_key_pem(generate_private_key("rsa"))


def signer() -> KalshiSigner:
    return KalshiSigner.from_pem(KEY_ID, private_key_pem_text())


@cache
def upload_pem() -> str:
    """A public key the writes may upload (CreateApiKey): not the suite's own."""
    return public_key_pem(generate_private_key("ed25519").public_key())


def values(**orders: tuple) -> AccountValues:
    """What exists on the seeded account, and its exchange, for the fields only they satisfy (schema/write_rules.py,
    refinements.MARKET_VALUES); `orders`: the order fields `seed_orders` gave."""
    return AccountValues(
        **orders,
        subtrader_ids=SUBTRADERS,
        public_keys=(upload_pem(),),
        api_key_ids=KEYS_TO_DELETE,
        market_tickers=TRANSFER_MARKETS,
        transfer_targets=TRANSFER_TARGETS,
        listed_markets=LIVE_MARKETS,
        listed_events=EVENTS,
        listed_series=(SERIES,),
        candle_series=(SERIES,),
        candle_markets=LIVE_MARKETS,
        candle_events=EVENTS,
        historical_markets=HISTORICAL_MARKETS,
        order_group_ids=ORDER_GROUPS,
        deletable_order_group_ids=GROUPS_TO_DELETE,
        rfq_ids=RFQ_IDS,
        quote_ids=QUOTE_IDS,
        quoted_rfq_ids=RFQ_IDS[:1],
        rfq_quote_ids=QUOTE_IDS[:1],
        listed_collections=(COLLECTION,),
        combo_collections=(COLLECTION,),
        combo_legs=COMBO_LEGS,
        milestone_ids=MILESTONE_IDS,
        live_milestone_ids=LIVE_MILESTONE_IDS,
        live_data_types=(LIVE_DATA_TYPE,),
        typed_milestone_ids=LIVE_MILESTONE_IDS[:1],
        live_event_tickers=LIVE_EVENTS,
        weather_cities=(WEATHER_CITY,),
        structured_target_ids=TARGET_IDS,
    )


def seed(control: Control) -> None:
    control.create_account(MEMBER, balance_cents=50_000_000, fcm_member=True)
    for subtrader in SUBTRADERS:
        control.create_account(subtrader, balance_cents=1_000_000, subtrader_of=MEMBER)
    for e in range(8):
        if e == 4:  # the fills (trades) of the first four events are made before the trades' historical cutoff
            control.advance_clock(seconds=1)
            trades_cutoff = control.clock()["exchange_time"]
        event = f"KXCONTRACT-{e:02d}"
        for m in range(5):
            ticker = f"{event}-T{m}"
            control.create_market(ticker, event, exchange_index=e % 2)
            control.fill(MEMBER, ticker, "yes" if m % 2 else "no", "buy", str(m + 3), "0.42")
            if m == 4:
                control.fill(MEMBER, ticker, "yes" if m % 2 else "no", "sell", "1.5", "0.55", is_taker=False)
            control.fill(MEMBER, ticker, "yes", "buy", "2", "0.31", subaccount=1)
            control.fill(SUBTRADERS[m % 2], ticker, "no", "buy", "4", "0.61")
    for i in range(3):  # orders that ended, before the orders' historical cutoff
        ended = f"contract-ended-{i}"
        control.create_order(MEMBER, "KXCONTRACT-06-T0", "yes", "buy", str(i + 1), "0.25", order_id=ended)
        control.cancel_order(ended)
    for e in range(3):
        if e == 2:  # events 0 and 1 settle before the markets' and positions' cutoff (archived), event 2 after it
            control.advance_clock(seconds=1)
            cutoff = control.clock()["exchange_time"]
        for m in range(5):
            control.settle(f"KXCONTRACT-{e:02d}-T{m}", "yes" if m % 2 else "no")
    control.set_historical_cutoff(
        market_settled_ts=cutoff, trades_created_ts=trades_cutoff, orders_updated_ts=cutoff,
        market_positions_last_updated_ts=cutoff,
    )  # fmt: skip
    for i, status in enumerate(("pending", "applied", "failed") * 4):
        control.deposit(MEMBER, 10_000 + i, status=status)
        control.withdrawal(MEMBER, 1_050 + i, status=status, fee_cents=i % 2 * 25)
    control.create_order(MEMBER, "KXCONTRACT-07-T1", "yes", "buy", "10", "0.20")
    # The FCM desk (docs/kalshi-fcm.md): a subtrader's resting order, daily cap and blocked categories.
    control.create_order(SUBTRADERS[0], "KXCONTRACT-07-T2", "no", "buy", "3", "0.45")
    control.set_fcm_daily_cap(MEMBER, SUBTRADERS[0], "500")
    control.set_fcm_blocked_category(MEMBER, SUBTRADERS[0], "Politics")
    seed_market_data(control)
    seed_search(control)
    seed_communications(control)
    seed_multivariate(control)
    seed_live_data(control)
    seed_key(control)


def seed_key(control: Control) -> None:
    """The member's key the suites sign with (`signer`)."""
    public_pem = (
        signer()
        .private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    control.create_key(MEMBER, public_key_pem=public_pem.decode(), key_id=KEY_ID)


def seed_search(control: Control) -> None:
    """What the search reads (GET /search/...) derive rows from beside the kit's series: a sports series whose event
    names its competition and scope."""
    control.set_series(SPORTS_SERIES, title="Kit games", category="Sports", categories=["Sports"], tags=["Football"])
    control.set_event(f"{SPORTS_SERIES}-01", competition="Pro Football", competition_scope="Game")


def seed_market_data(control: Control) -> None:
    """The market data the reads show beside the portfolio (issue 27): a series' and an event's own fields, strikes,
    the house's books (on every open market), a paused market and one determined (its settlement timer years long:
    nothing is paid during a run); the exchange's schedule, fee changes, an event's metadata and an event of strikes
    that traded (issue 55: each set long after any run, so nothing changes during one). No fill: the portfolio stays
    what `seed` made it."""
    control.set_series(
        "KXCONTRACT", title="Contract kit", category="Economics", categories=["Economics"], tags=["Kit"],
        settlement_sources=[{"name": "Kit", "url": "https://example.com/kit"}], product_metadata={"kit": True},
    )  # fmt: skip
    details = [{"market_ticker": f"KXCONTRACT-07-T{m}", "image_url": f"/kit/{m}.png", "color_code": "#0a0a0a"}
               for m in range(2)]  # fmt: skip
    control.set_event("KXCONTRACT-07", title="Seven", sub_title="7", collateral_return_type="MECNET",
                      strike_period="week", image_url="/kit/seven.png", featured_image_url="/kit/featured.png",
                      competition="Kit", competition_scope="Game", market_details=details)  # fmt: skip
    for m in range(5):  # event 05's markets, traded in `seed`, are strikes of one number: its forecast reads them
        control.update_market(f"KXCONTRACT-05-T{m}", strike_type="greater", floor_strike=f"{m}.5")
    control.set_exchange_schedule(maintenance_windows=[
        {"start_datetime": "2099-01-01T00:00:00Z", "end_datetime": "2099-01-01T02:00:00Z"}
    ])  # fmt: skip
    later = ("2099-01-02T00:00:00Z", "2099-01-03T00:00:00Z")
    control.schedule_fee_change(later[0], series_ticker="KXCONTRACT", fee_type="flat", fee_multiplier="2")
    control.schedule_fee_change(later[0], event_ticker="KXCONTRACT-07", fee_type="quadratic_with_maker_fees")
    control.schedule_fee_change(later[1], event_ticker="KXCONTRACT-07")  # the override cleared
    control.create_market(
        "KXCONTRACT-08-T0", "KXCONTRACT-08", strike_type="between", floor_strike="4.25", cap_strike="4.5",
        custom_strike={"kit": "value"}, price_level_structure="tapered_deci_cent", settlement_timer_seconds=10**8,
    )  # fmt: skip
    for e in range(4, 8):  # a book on every open market: each book read has levels to judge
        for m in range(5):
            control.set_book(f"KXCONTRACT-{e:02d}-T{m}", yes=[[f"0.{30 + m}", str(e + 1)]], no=[[f"0.{60 - m}", "2.5"]])
    control.set_book("KXCONTRACT-07-T0", yes=[["0.40", "10"], ["0.39", "5.5"]], no=[["0.55", "3"]])
    control.set_book("KXCONTRACT-08-T0", yes=[["0.055", "2"]], no=[["0.9", "1"]])
    control.pause_market("KXCONTRACT-07-T4")
    control.determine_market("KXCONTRACT-08-T0", "yes")


def seed_communications(control: Control) -> None:
    """Two open RFQs, each quoted by the other side: the member reads both, and the quote it made and the one it was
    offered (`RFQ_IDS`, `QUOTE_IDS`: the first quote is the member's, on the asker's RFQ)."""
    control.create_account(ASKER, balance_cents=100_000)
    for (rfq_id, asker, market), (quote_id, maker) in zip(
        ((RFQ_IDS[0], ASKER, ORDER_MARKETS[1]), (RFQ_IDS[1], MEMBER, ORDER_MARKETS[2])),
        ((QUOTE_IDS[0], MEMBER), (QUOTE_IDS[1], ASKER)),
        strict=True,
    ):
        control.create_rfq(asker, market, False, contracts="10", rfq_id=rfq_id)
        control.create_quote(maker, rfq_id, "0.30", "0.60", False, quote_id=quote_id)


def seed_multivariate(control: Control) -> None:
    """A collection over the open events, taking 1 to 20 legs, and a combo market of its first two legs, made by the
    member: the multivariate reads have a collection, a combo market and its event to show."""
    events = [{"ticker": event} for event in EVENTS[4:8]]
    control.set_multivariate_collection(COLLECTION, events, title="Contract kit combos", size_min=1, size_max=20)
    control.create_market_in_collection(MEMBER, COLLECTION, list(COMBO_LEGS[:2]))


def seed_live_data(control: Control) -> None:
    """Milestones on the kit's events (two with live data and a play-by-play), structured targets, incentive programs
    in each status of the exchange clock, and a day of the weather index of `WEATHER_CITY` to now, with its
    calibrations (its newest minute incomplete, a station's reading on each)."""
    now = datetime.fromisoformat(control.clock()["exchange_time"])
    for i, milestone_id in enumerate(MILESTONE_IDS):
        control.set_milestone(
            "Sports", LIVE_DATA_TYPE if i < 2 else "basketball_game", (now + timedelta(hours=i)).isoformat(),
            milestone_id, title=f"Kit game {i}", end_date=(now + timedelta(hours=i + 3)).isoformat(),
            primary_event_tickers=[EVENTS[4 + i]], related_event_tickers=[EVENTS[4 + i], EVENTS[7]],
            source_ids={"sportradar": f"sr:match:{i}"}, details={"competition": "Pro Football"},
        )  # fmt: skip
    for i, milestone_id in enumerate(LIVE_MILESTONE_IDS):
        control.set_live_data(
            milestone_id, details={"status": "live", "home_points": 7 * i, "away_points": 3},
            player_stats={"kit": {"yards": 10 * i}}, game_stats=[{"events": [{"play": "kickoff"}]}, {"events": []}],
            is_historical=False, default_range="1h", range_options=["15min", "1h"],
        )  # fmt: skip
    for i, target_id in enumerate(TARGET_IDS):
        control.set_structured_target(f"Kit team {i}", "football_team", target_id, details={"league": "NFL"},
                                      source_id=f"sr:team:{i}")  # fmt: skip
    for i, (start, days) in enumerate(((-2, 1), (-1, 30), (1, 7), (-5, 1))):  # closed, active, upcoming, paid out
        control.set_incentive_program(
            MARKETS[20 + i], ("liquidity", "volume")[i % 2], (now + timedelta(days=start)).isoformat(),
            (now + timedelta(days=start + days)).isoformat(), 1_000_000 * (i + 1), f"contract-incentive-{i}",
            incentive_description=f"Kit incentive {i}", paid_out=i == 3, discount_factor_bps=500,
            target_size_fp="100", max_reward_per_account=50_000,
        )  # fmt: skip
    minute = unix_ms(now) // 60_000 * 60_000
    reading = {"station_id": "KMIA", "code": "ok", "source": "hf_asos", "temp_f": "81.2345"}
    points = [{"t": minute - m * 60_000, "status": "normal", "v": f"{80 + m / 100:.2f}", "contributors": 2,
               "stations": [reading]} for m in range(1, 13)]  # fmt: skip
    points.append({"t": minute, "status": "incomplete", "stations": [reading | {"code": "pending"}]})
    control.set_weather_index(WEATHER_CITY, points=points, calibrations=[
        {"config_version": "miami-temperature-v1.0", "effective_at_ms": 0, "stations": [
            {"station_id": "KMIA", "weight": "0.6", "offset_c": "0.1"}, {"station_id": "KFLL", "weight": "0.4",
                                                                         "offset_c": "-0.2"}]},
        {"config_version": "miami-temperature-v1.0-cal", "effective_at_ms": minute - 6 * 60_000,
         "published_at_ms": minute - 6 * 60_000, "change_reason": "weekly calibration",
         "calibration_window_start_ms": 0, "calibration_window_end_ms": minute - 6 * 60_000, "stations": [
            {"station_id": "KMIA", "weight": "0.6", "offset_c": "0.15", "update_note": "updated"},
            {"station_id": "KFLL", "weight": "0.4", "offset_c": "-0.2", "update_note": "insufficient"}]},
    ])  # fmt: skip


def seed_orders(control: Control) -> dict[str, tuple]:
    """After `seed`: the kit's resting orders (contract/kalshi/orders.py's `RESTING`, placed as a client places them)
    on the first order market; the order fields of `values` naming them and the order markets."""
    placed = place_resting(lambda body: control.place_order(MEMBER, **body)["order_id"], ORDER_MARKETS[0])
    return values_for(ORDER_MARKETS, 0, (), placed)


def seed_rfq_writes(control: Control, app: Any) -> dict[str, tuple[str, ...]]:
    """After `seed`: the records the communications writes act on, made as `contract check --communications` makes
    them (rfq_setup.py), the asker the other user: RFQs of both, quotes each way, accepted quotes, a block trade
    proposal to the member. `app`: the mock's ASGI app. AccountValues' communications write fields."""
    made = control.create_key(ASKER, key_id=ASKER_KEY_ID, key_type="ed25519")
    asker = KalshiSigner.from_pem(ASKER_KEY_ID, made["private_key_pem"])
    from mockexchange.contract.kalshi.suite import BASE_PATH  # (the suites' module needs the contract extra)

    client = httpx.Client(transport=InProcess(app))
    found = prepare(f"http://testserver{BASE_PATH}", signer(), asker, ORDER_MARKETS, client=client)
    if found.problems:  # the suite judges the writes on these records: a record not made is the mock's bug
        raise AssertionError("; ".join(found.problems))
    return {name: value for name, value in found.values.items() if name != "order_markets"}  # seed_orders gives them


def seed_writes(control: Control, *, subaccounts: bool = True) -> None:
    """After `seed`: what makes valid writes succeed. `subaccounts=False` leaves the numbered subaccounts uncreated
    (CreateSubaccount needs room for more); the 63 otherwise hold `SUBACCOUNT_CENTS` each."""
    made = NUMBERED_SUBACCOUNTS if subaccounts else 0
    control.deposit(MEMBER, SUBACCOUNT_CENTS * (made + 1))
    for number in range(1, made + 1):
        control.create_subaccount(MEMBER)
        control.subaccount_transfer(MEMBER, f"contract-seed-{number}", 0, number, SUBACCOUNT_CENTS)
    control.grant_api_usage_level(MEMBER, "premier")  # uploading a key needs it
    for key_id in KEYS_TO_DELETE:
        control.create_key(MEMBER, key_id=key_id, key_type="ed25519")
    for group_id in ORDER_GROUPS + GROUPS_TO_DELETE:
        control.create_order_group(MEMBER, contracts_limit=100, order_group_id=group_id)
    control.create_account(ERROR_ACCOUNT, fcm_member=True)
    control.set_fcm_error_account(MEMBER, ERROR_ACCOUNT)
    for target in TRANSFER_TARGETS:  # with cash to pay for the positions they take
        control.create_account(target, balance_cents=SUBACCOUNT_CENTS, subtrader_of=ERROR_ACCOUNT)
