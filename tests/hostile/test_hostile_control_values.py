"""Every public operation of `Control` (the admin API's, the Python API's, the scenarios'), each argument in turn given
a hostile value, in-process: the call succeeds or raises `ControlError`, never anything else; values only Python can
pass (NaN, infinities, huge integers, bytes, Decimals past every bound) included."""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any

import pytest
from hostile_probe import START

from mockexchange.auth.deribit.coinbase_keys import new_key_pair
from mockexchange.control import Control, ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.registry import control_plane

HOSTILE: list[Any] = [
    None, True, False, 0, -1, 2**31, 2**63 - 1, 2**64 - 1, -(2**63), 10**5000, 1.5, float("nan"), float("inf"),
    "", " ", "1e30", "1e999999", "1e-999999", "-1", "１２", "²", "NaN", "9223372036854775807", "0.000000001", "x" * 300,
    "1" * 70, [], ["a"], {}, {"BTC": "1e999999"}, {"": "1"}, {5: 5}, b"bytes", Decimal("NaN"), Decimal("1e999999"),
    Decimal("-Infinity"), Decimal("1e-999999"), object(),
]  # fmt: skip

# An order of k1's that rests below o1 (a YES ask at 0.60).
ORDER = {"user_id": "k1", "ticker": "EV-A", "side": "bid", "count": "2", "price": "0.30",
         "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross", "client_order_id": None,
         "expiration_time": None, "post_only": False, "reduce_only": False, "cancel_order_on_pause": False,
         "subaccount": 0, "order_group_id": None, "exchange_index": None, "fcm_bound": False}  # fmt: skip
# The legs of k1's combo in collection KXMVEV-R (both markets of event EV)
COMBO = [{"market_ticker": f"EV-{m}", "event_ticker": "EV", "side": "yes"} for m in "AR"]
# A call of each operation that succeeds on the state `control` below sets up.
COINBASE_PUBLIC_KEY = new_key_pair("EdDSA")[0]  # a CDP key's public half (the Coinbase dialect's)
VALID: dict[str, dict[str, Any]] = {
    "create_account": {"user_id": "new", "balance_cents": 100, "fcm_member": False, "subtrader_of": None},
    "create_key": {"user_id": "k1", "subaccount": 1, "subtrader_id": None, "key_type": "ed25519", "key_id": "kid"},
    "fill": {"user_id": "k1", "ticker": "EV-A", "side": "yes", "action": "buy", "count": "2", "price": "0.5",
             "event_ticker": None, "subaccount": 0, "is_taker": True, "fee": "0.01", "order_id": "f1"},
    "fills": {"fills": [{"user_id": "k1", "ticker": "EV-B", "side": "no", "action": "buy", "count": "3",
                         "price": "0.25", "event_ticker": "EV", "subaccount": 0, "is_taker": False, "fee": None,
                         "order_id": "f2"}]},
    "create_order": {"user_id": "k1", "ticker": "EV-A", "side": "yes", "action": "buy", "count": "2", "price": "0.5",
                     "event_ticker": None, "subaccount": 0, "order_id": "o9"},
    "cancel_order": {"order_id": "o1"},
    "place_order": ORDER,
    "place_orders": {"user_id": "k1", "orders": [{k: v for k, v in ORDER.items() if k != "user_id"}],
                     "fcm_bound": False},
    "cancel_user_order": {"user_id": "k1", "order_id": "o1", "subaccount": 0, "exchange_index": None,
                          "market_ticker": "EV-A"},
    "cancel_user_orders": {"user_id": "k1", "orders": [{"order_id": "o1", "subaccount": 0}]},
    "cancel_all_orders": {"user_id": "k1", "subaccount": None},
    "amend_order": {"user_id": "k1", "order_id": "o1", "ticker": "EV-A", "side": "ask", "price": "0.61", "count": "1",
                    "subaccount": 0, "client_order_id": None, "updated_client_order_id": "u9", "expiration_time": None,
                    "exchange_index": None},
    "decrease_order": {"user_id": "k1", "order_id": "o1", "subaccount": 0, "reduce_by": "0.5", "reduce_to": None,
                       "exchange_index": None, "market_ticker": None},
    # RFQs and quotes: q1's rfq1 on EV-A with k1's open quote qt1, its rfq2 on EV-R with k1's accepted quote qt2
    "create_rfq": {"user_id": "k1", "market_ticker": "EV-A", "rest_remainder": False, "contracts": "2",
                   "target_cost": None, "target_cost_excludes_fees": False, "obscure_creator_id": False,
                   "replace_existing": False, "subaccount": 0, "rfq_id": "rfq9"},
    "delete_rfq": {"user_id": "q1", "rfq_id": "rfq1"},
    "create_quote": {"user_id": "k1", "rfq_id": "rfq1", "yes_bid": "0.41", "no_bid": "0.5", "rest_remainder": False,
                     "post_only": False, "subaccount": 0, "quote_id": "qt9"},
    "delete_quote": {"user_id": "k1", "quote_id": "qt1", "rfq_id": None},
    "accept_quote": {"user_id": "q1", "quote_id": "qt1", "accepted_side": "yes", "rfq_id": None},
    "confirm_quote": {"user_id": "k1", "quote_id": "qt2", "rfq_id": None},
    "rfqs": {"status": None, "market_ticker": None, "event_ticker": None, "user_id": None, "subaccount": None},
    "quotes": {"user_id": "k1", "rfq_id": None, "status": None, "min_ts": None, "max_ts": None},
    "communications_id": {"user_id": "k1"},
    # RFQ batches: q1's b1 (children c1 on EV-A, d1 on EV-A2) with k1's open batch quote bq1, its b2 (children c2 on
    # EV-R, d2 on EV-R2) accepted from k1's bq2
    "create_rfq_batch": {"user_id": "q1", "children": [{"market_ticker": "EV-A", "rfq_id": "c9"},
                                                       {"market_ticker": "EV-A2", "rfq_id": "d9"}], "contracts": "1",
                         "target_cost": None, "target_cost_excludes_fees": False, "rest_remainder": False,
                         "replace_existing": False, "obscure_creator_id": False, "client_batch_id": "",
                         "subaccount": 0, "rfq_batch_id": "b9"},
    "delete_rfq_batch": {"user_id": "q1", "rfq_batch_id": "b1"},
    "create_batch_quote": {"user_id": "k1", "rfq_batch_id": "b1", "quotes": [{"rfq_id": "c1", "yes_bid": "0.41",
                           "no_bid": "0.5"}, {"rfq_id": "d1", "yes_bid": "0.41", "no_bid": "0.5"}],
                           "rest_remainder": False, "post_only": False, "subaccount": 0,
                           "batch_quote_id": "bq9"},
    "delete_batch_quote": {"user_id": "k1", "rfq_batch_id": "b1", "batch_quote_id": "bq1"},
    "accept_rfq_batch": {"user_id": "q1", "rfq_batch_id": "b1", "accepted_side": "yes",
                         "min_bids": [{"rfq_id": "c1", "bid": "0.40"}, {"rfq_id": "d1", "bid": "0.40"}]},
    "confirm_batch_quote": {"user_id": "k1", "rfq_batch_id": "b2", "batch_quote_id": "bq2"},
    "rfq_batches": {"status": None, "user_id": None},
    "rfq_batch_best_quotes": {"rfq_batch_id": "b1"},
    "batch_quotes": {"rfq_batch_id": "b1", "user_id": "k1"},
    "create_order_group": {"user_id": "k1", "contracts_limit": 5, "contracts_limit_fp": "5.00", "subaccount": 0,
                           "exchange_index": 0, "order_group_id": "g9"},
    "trigger_order_group": {"user_id": "k1", "order_group_id": "g1", "subaccount": 0, "exchange_index": 0},
    "reset_order_group": {"user_id": "k1", "order_group_id": "g1", "subaccount": 0, "exchange_index": 0},
    "delete_order_group": {"user_id": "k1", "order_group_id": "g1", "subaccount": 0, "exchange_index": 0},
    "set_order_group_limit": {"user_id": "k1", "order_group_id": "g1", "contracts_limit": 7,
                              "contracts_limit_fp": None, "subaccount": 0, "exchange_index": 0},
    "deposit": {"user_id": "k1", "amount_cents": 100, "status": "applied", "type": "ach", "fee_cents": 0, "id": "t9"},
    "withdrawal": {"user_id": "k1", "amount_cents": 100, "status": "applied", "type": "ach", "fee_cents": 0,
                   "id": "w9"},
    "transfer": {"kind": "deposit", "user_id": "k1", "amount_cents": 100},
    "settle": {"ticker": "EV-A", "result": "yes"},
    "set_rfq_maker": {"user_id": "k1", "rule": "r9", "markets": ["EV"], "price_from": "mid", "fair_price": "0.50",
                      "spread": "0.02", "max_contracts": "10", "quote_delay_s": 1, "confirm": True,
                      "confirm_delay_s": 0.5, "rest_remainder": False, "subaccount": 0},
    "remove_rfq_maker": {"rule": "r1"},
    # what the exchange is told from outside: on the event EV and its market EV-A; m1 for its live data
    "set_milestone": {"category": "Sports", "type": "football_game", "start_date": "2026-01-02T18:00:00+00:00",
                      "milestone_id": "m9", "title": "t", "notification_message": "n",
                      "end_date": "2026-01-02T21:00:00+00:00", "related_event_tickers": ["EV"],
                      "primary_event_tickers": ["EV"], "source_id": "s", "source_ids": {"sr": "1"},
                      "details": {"status": "live"}},
    "set_live_data": {"milestone_id": "m1", "details": {"home_points": 7}, "type": "football_game",
                      "player_stats": {"p": {"yds": 1}}, "game_stats": [{"events": [{"play": "kick"}]}],
                      "is_historical": False, "default_range": "1h", "range_options": ["1h"]},
    "set_announcement": {"message": "Maintenance tonight", "type": "warning", "status": "active",
                         "delivery_time": "2026-01-02T18:00:00+00:00", "announcement_id": "a9"},
    "set_structured_target": {"name": "Chiefs", "type": "football_team", "structured_target_id": "t9",
                              "details": {"league": "NFL"}, "source_id": "s", "source_ids": {"sr": "2"}},
    "set_incentive_program": {"market_ticker": "EV-A", "incentive_type": "volume",
                              "start_date": "2026-01-02T00:00:00+00:00", "end_date": "2026-02-01T00:00:00+00:00",
                              "period_reward": 100, "incentive_program_id": "p9", "incentive_description": "d",
                              "paid_out": False, "discount_factor_bps": 10, "target_size_fp": "10",
                              "max_reward_per_account": 5},
    "set_weather_index": {"city": "miami", "points": [{"t": 60_000, "status": "normal", "v": "70.25"}],
                          "calibrations": [{"config_version": "v1", "effective_at_ms": 0,
                                            "stations": [{"station_id": "K", "weight": "1", "offset_c": "0"}]}]},
    "advance_clock": {"seconds": 60},
    "create_deribit_account": {"user_id": "dn", "balances": {"BTC": "1"}, "account_id": 77, "username": "dn"},
    "create_deribit_subaccount": {"user_id": "d1", "balances": {"BTC": "1"}, "subaccount_id": 78, "username": "s"},
    "create_deribit_key": {"user_id": "d1", "client_id": "cid", "client_secret": "sec", "subaccount_id": None,
                           "scope": "trade:read"},
    "edit_deribit_key": {"user_id": "d1", "key_id": 1, "subaccount_id": None, "max_scope": "trade:read",
                         "name": "n", "enabled": False, "enabled_features": [], "ip_whitelist": ["10.0.0.1"]},
    "reset_deribit_key": {"user_id": "d1", "key_id": 1, "subaccount_id": None, "client_secret": "new"},
    "remove_deribit_key": {"user_id": "d1", "key_id": 1, "subaccount_id": None},
    "set_deribit_default_key": {"user_id": "d1", "key_id": 1, "subaccount_id": None},
    "deribit_fill": {"user_id": "d1", "instrument_name": "BTC-PERPETUAL", "direction": "buy", "amount": "10",
                     "price": "60000", "subaccount_id": None, "fee": "0", "order_id": "x"},
    "create_coinbase_key": {"user_id": "d1", "key_name": "organizations/o/apiKeys/k", "public_key": COINBASE_PUBLIC_KEY,
                            "algorithm": "EdDSA", "permissions": "view trade", "subaccount_id": None},
    "issue_coinbase_oauth_token": {"user_id": "d1", "scopes": "wallet:accounts:read", "subaccount_id": None,
                                   "token_digest": None},
    "deribit_order": {"user_id": "d1", "instrument_name": "BTC-PERPETUAL", "direction": "sell", "amount": "10",
                      "price": "70000", "subaccount_id": None, "order_type": "limit",
                      "time_in_force": "good_til_cancelled", "label": "l", "post_only": False, "reduce_only": False,
                      "api": True, "max_show": "10", "trigger": None, "trigger_price": None, "order_id": None},
    "deribit_cancel_order": {"order_id": "do1"},
    "deribit_place_order": {"user_id": "d1", "instrument_name": "BTC-PERPETUAL", "direction": "sell", "amount": "10",
                            "price": "70000", "subaccount_id": None, "order_type": "limit",
                            "time_in_force": "good_til_cancelled", "label": "l", "post_only": False,
                            "reject_post_only": False, "reduce_only": False, "max_show": "10", "trigger": None,
                            "trigger_price": None},
    "deribit_edit_order": {"order_id": "do1", "amount": "20", "price": "49000", "post_only": None,
                           "reject_post_only": None, "reduce_only": None, "trigger_price": None},
    "deribit_cancel_orders": {"user_id": "d1", "subaccount_id": None, "currency": "BTC", "kind": "future",
                              "instrument_name": "BTC-PERPETUAL", "label": None, "order_types": ["limit"]},
    "deribit_deposit": {"user_id": "d1", "currency": "BTC", "amount": "1", "subaccount_id": None},
    "deribit_withdraw": {"user_id": "d1", "currency": "BTC", "amount": "1", "subaccount_id": None, "fee": "0.0001",
                         "address": "bc1q"},
    "deribit_transfer": {"user_id": "d1", "currency": "BTC", "amount": "1", "from_subaccount_id": None,
                         "to_subaccount_id": 79},
    "deribit_transfer_to_user": {"user_id": "d1", "currency": "BTC", "amount": "1", "destination": "d2",
                                 "from_subaccount_id": None},
    "deribit_cancel_withdrawal": {"user_id": "d1", "withdrawal_id": 1, "subaccount_id": None},
    "rename_deribit_subaccount": {"user_id": "d1", "subaccount_id": 79, "username": "desk"},
    "set_deribit_subaccount_login": {"user_id": "d1", "subaccount_id": 79, "state": "enable"},
    "set_deribit_interuser_transfers": {"user_id": "d1", "enabled": False, "subaccount_id": None},
    "set_deribit_cancel_on_disconnect": {"user_id": "d1", "enabled": True, "subaccount_id": 79},
    "move_deribit_positions": {"user_id": "d1", "source_uid": 76, "target_uid": 79,
                               "trades": [{"instrument_name": "BTC-PERPETUAL", "price": "50000", "amount": "10"}]},
    "create_deribit_deposit_address": {"user_id": "d1", "currency": "BTC", "subaccount_id": 79},
    "set_deribit_mmp_config": {"user_id": "d1", "index_name": "btc_usd", "interval": 10, "frozen_time": 0,
                               "quantity_limit": "1", "max_quote_quantity": "1", "mmp_group": "g"},
    "reset_deribit_mmp": {"user_id": "d1", "index_name": "btc_usd", "mmp_group": "g"},
    "deribit_mass_quote": {"user_id": "d1", "quote_id": "q", "mmp_group": "g", "quotes": [
        {"instrument_name": "BTC-PERPETUAL", "side": "ask", "price": "60000", "amount": "10"}]},
    "set_settlement_price": {"instrument_name": "BTC-PERPETUAL", "price": "61000"},
    "list_instrument": {"instrument_name": "BTC-26JUN26-70000-C"},
    "set_index_price": {"index_name": "btc_usd", "price": "61000"},
    "set_mark_price": {"instrument_name": "BTC-PERPETUAL", "price": "61000"},
    "set_volatility": {"volatility": "0.6", "currency": "BTC", "instrument_name": None},
    "set_index_path": {"index_name": "btc_usd", "path": [{"seconds": -60, "price": "60500"}, {"price": "61000"}]},
    "set_deribit_funding_rate": {"instrument_name": "BTC-PERPETUAL", "path": [{"rate": "0.0001"}]},
    "set_deribit_historical_volatility": {"currency": "BTC", "path": [{"at": "2026-01-01T00:00:00Z",
                                                                        "volatility": "45"}]},
    "set_deribit_apr": {"currency": "usde", "path": [{"apr": "3.5"}]},
    "set_deribit_platform_status": {"locked_indices": ["btc_usd"]},
    "add_deribit_announcement": {"title": "t", "body": "b", "important": True, "confirmation": False,
                                 "publication_time": None},
    "set_rate_limit_tier": {"tier": "basic"},
    "set_rest_lag": {"ms": 1000},
    "set_price_value": {"value": "68000.12", "index_id": "BRTI", "underlying_ticker": None, "at": None},
    "add_fault": {"path": "/trade-api/v2/portfolio/positions", "method": "GET", "venue": "kalshi", "status": 503,
                  "delay_ms": None, "drop": None, "times": 2, "channel": None},
    "close_websockets": {"code": 4001, "user_id": "k1", "key_id": None, "venue": "kalshi", "reason": "bye"},
    "remove_fault": {"id": 1},
    "create_subaccount": {"user_id": "k1", "exchange_index": 0},
    "subaccount_transfer": {"user_id": "k1", "client_transfer_id": "c1", "from_subaccount": 0, "to_subaccount": 1,
                            "amount_cents": 100, "exchange_index": 0},
    "set_subaccount_netting": {"user_id": "k1", "subaccount": 0, "enabled": False},
    "create_margin_subaccount": {"user_id": "k1"},
    "margin_subaccount_transfer": {"user_id": "k1", "client_transfer_id": "c1", "from_subaccount": 0,
                                   "to_subaccount": 1, "amount_cents": 100},
    "intra_exchange_transfer": {"user_id": "k1", "source": "event_contract", "destination": "margined", "amount": 100,
                                "source_exchange_shard": 0, "destination_exchange_shard": 0, "source_subaccount": 0,
                                "destination_subaccount": 0, "client_transfer_id": None, "status": "pending"},
    "set_target_balance_allocation": {"user_id": "k1", "allocations": [{"exchange_index": 0, "percent": 100}],
                                      "resting_margin_reservation": "sum"},
    "set_historical_cutoff": {"at": "2026-06-26T08:00:00Z", "market_settled_ts": "2026-06-26T08:00:00Z",
                              "trades_created_ts": "2026-06-26T08:00:00Z", "orders_updated_ts": "2026-06-26T08:00:00Z",
                              "market_positions_last_updated_ts": "2026-06-26T08:00:00+02:00"},
    "grant_api_usage_level": {"user_id": "k1", "level": "advanced", "exchange_instance": "event_contract",
                              "source": "manual", "expires_ts": None},
    "api_usage_level": {"user_id": "k1"},
    "create_fcm_subtrader": {"fcm_user_id": "k1", "subtrader_suffix": "a1"},
    "set_fcm_error_account": {"fcm_user_id": "k1", "error_account_id": None},
    # Kalshi's markets (control/kalshi/markets.py)
    "set_series": {"ticker": "EV", "title": "T", "frequency": "daily", "category": "Economics",
                   "categories": ["Economics"], "tags": ["Fed"], "settlement_sources": [{"name": "n", "url": "u"}],
                   "contract_url": "u", "contract_terms_url": "u", "fee_type": "flat", "fee_multiplier": "0.5",
                   "additional_prohibitions": ["x"], "product_metadata": {"k": ["v", 1, None]}},
    "set_event": {"event_ticker": "EV", "series_ticker": "EV", "title": "T", "sub_title": "S",
                  "collateral_return_type": "MECNET", "category": "C", "settlement_sources": [],
                  "strike_date": "2026-06-26T08:00:00Z", "strike_period": "week", "fee_type_override": "quadratic",
                  "fee_multiplier_override": "2", "product_metadata": {}, "image_url": "/e", "featured_image_url": "/f",
                  "competition": "NFL", "competition_scope": "Game",
                  "market_details": [{"market_ticker": "EV-A", "image_url": "/m", "color_code": "#ffffff"}]},
    "schedule_fee_change": {"scheduled_ts": "2026-06-26T08:00:00Z", "series_ticker": None, "event_ticker": "EV",
                            "fee_type": "flat", "fee_multiplier": "0.5"},
    "create_market": {"ticker": "EV-N", "event_ticker": "EV", "exchange_index": 1, "title": "T", "subtitle": "s",
                      "yes_sub_title": "y", "no_sub_title": "n", "open_time": "2026-01-01T00:00:00Z",
                      "close_time": "2027-01-01T00:00:00Z", "expected_expiration_time": "2027-01-02T00:00:00Z",
                      "latest_expiration_time": "2027-01-03T00:00:00Z", "settlement_timer_seconds": 60,
                      "can_close_early": False, "early_close_condition": "c", "rules_primary": "r",
                      "rules_secondary": "r", "price_level_structure": "deci_cent", "settlement_bounds_type": "default",
                      "strike_type": "between", "floor_strike": "4.25", "cap_strike": "4.5", "functional_strike": "f",
                      "custom_strike": {"a": "b"}, "fee_waiver_expiration_time": "2026-02-01T00:00:00Z",
                      "occurrence_datetime": "2026-03-01T00:00:00Z", "primary_participant_key": "p",
                      "is_provisional": False},
    "update_market": {"ticker": "EV-A", "title": "T", "rules_primary": "r", "price_level_structure": "deci_cent",
                      "floor_strike": "-3", "settlement_timer_seconds": 0, "can_close_early": True},
    "pause_market": {"ticker": "EV-A"},
    "close_market": {"ticker": "EV-A"},
    "set_close_time": {"ticker": "EV-A", "close_time": "2026-12-01T00:00:00Z"},
    "determine_market": {"ticker": "EV-A", "result": "no"},
    "set_book": {"ticker": "EV-A", "yes": [["0.40", "10"]], "no": [["0.55", "2.5"]]},
    "set_exchange_status": {"exchange_active": True, "trading_active": False,
                            "exchange_estimated_resume_time": "2026-06-26T08:00:00Z"},
    "set_exchange_schedule": {
        "standard_hours": [{"start_time": "2026-01-01T00:00:00Z", "end_time": "2027-01-01T00:00:00Z",
                            "monday": [{"open_time": "08:00", "close_time": "03:00"}]}],
        "maintenance_windows": [{"start_datetime": "2026-06-26T08:00:00Z", "end_datetime": "2026-06-26T10:00:00Z"}],
    },
    # Kalshi's perps exchange (control/perps/operations.py): BTC-PERP listed, k1's margined cash funded
    "list_perp_market": {"ticker": "ETH-PERP", "mark_price": "3000", "title": "E", "tick_size": "0.01",
                         "contract_size": "1", "underlying_multiplier": "1", "fractional_trading_enabled": True,
                         "exchange_index": 0, "asset_class": "Crypto", "reference_price": None,
                         "maintenance_margin_rate": "0.05", "initial_margin_multiplier": "2", "funding_deadband": "0",
                         "funding_cap": "4", "funding_limit_unit": "percentage",
                         "funding_invalid_premium_handling": "dampen", "status": "active"},
    "set_perp_marks": {"ticker": "BTC-PERP", "mark_price": "101000", "liquidation_mark_price": None,
                       "settlement_mark_price": None, "reference_price": "100500"},
    "set_perp_mark_path": {"ticker": "BTC-PERP", "path": [{"seconds": -60, "reference_price": "100500"},
                                                          {"seconds": 60, "mark_price": "101000"}]},
    "update_perp_market": {"ticker": "BTC-PERP", "status": "active", "market_version": 2},
    "set_perp_corporate_action": {"ticker": "BTC-PERP", "type": "stock_split", "status": "scheduled",
                                  "action_id": "ca1", "execution_time": "2026-12-01T14:30:00Z",
                                  "cash_per_share": None, "cash_per_contract": None, "ex_date": "2026-12-01",
                                  "ratio_old": "1", "ratio_new": "2", "reason": None,
                                  "settlement_price_per_share": None, "settlement_price_per_contract": None,
                                  "old_ticker": None, "new_ticker": None},
    "set_perps_exchange_status": {"exchange_active": True, "trading_active": False},
    "set_perps_risk_parameters": {"liquidation_margin_ratio_threshold": "1",
                                  "queue_entry_margin_ratio_threshold": "1.5"},
    "set_perps_enabled": {"user_id": "k1", "enabled": False},
    "set_perps_fee_tier": {"user_id": "k1", "tier": 1},
    "set_perps_notional_limit": {"user_id": "k1", "limit": "5000", "level": "market", "ticker": "BTC-PERP"},
    "set_perps_member_notional_limit": {"user_id": "k1", "limit": "5000.5"},
    "place_perp_order": {"user_id": "k1", "ticker": "BTC-PERP", "side": "bid", "count": "0.01", "price": "99000",
                         "client_order_id": "p1", "time_in_force": "good_till_canceled",
                         "self_trade_prevention_type": "taker_at_cross", "expiration_time": None, "post_only": False,
                         "reduce_only": False, "cancel_order_on_pause": False, "subaccount": 0, "order_group_id": None,
                         "market_version": 0},
    "cancel_perp_orders": {"user_id": "k1", "subaccount": None},
    "create_perp_order_group": {"user_id": "k1", "contracts_limit": 5, "contracts_limit_fp": "5.00", "subaccount": 0,
                                "exchange_index": 0, "order_group_id": "pg9"},
    "trigger_perp_order_group": {"user_id": "k1", "order_group_id": "pg1", "subaccount": 0},
    "reset_perp_order_group": {"user_id": "k1", "order_group_id": "pg1", "subaccount": 0},
    "delete_perp_order_group": {"user_id": "k1", "order_group_id": "pg1", "subaccount": 0},
    "set_perp_order_group_limit": {"user_id": "k1", "order_group_id": "pg1", "contracts_limit": 7,
                                   "contracts_limit_fp": "7.00", "subaccount": 0},
    "propose_block_trade": {"user_id": "k1", "buyer_user_id": "k1", "seller_user_id": "k9", "market_ticker": "EV-A",
                            "price_centi_cents": 4000, "centicount": 100, "maker_side": "yes",
                            "expiration_ts": "2026-01-02T13:00:00+00:00", "buyer_subtrader_id": None,
                            "buyer_subaccount": None, "seller_subtrader_id": None, "seller_subaccount": None,
                            "block_trade_proposal_id": "b9"},
    "accept_block_trade_proposal": {"user_id": "k1", "block_trade_proposal_id": "b1", "subtrader_id": None,
                                    "subaccount": None},
    "block_trade_proposals": {"user_id": "k1"},
    "set_multivariate_collection": {"collection_ticker": "KXMVEV-R", "associated_events": [{"ticker": "EV"}],
                                    "series_ticker": None, "title": None, "description": "",
                                    "functional_description": "", "open_date": None, "close_date": None,
                                    "is_ordered": False, "is_single_market_per_event": False, "is_all_yes": False,
                                    "size_min": 2, "size_max": 6, "price_level_structure": "linear_cent",
                                    "exchange_index": 0},
    "create_market_in_collection": {"user_id": "k1", "collection_ticker": "KXMVEV-R", "selected_markets": COMBO},
    "lookup_market_in_collection": {"user_id": "k1", "collection_ticker": "KXMVEV-R", "selected_markets": COMBO},
    "perps_account": {"user_id": "k1", "subaccount": 0},
    "perps_liquidations": {"user_id": "k1", "subaccount": 0},
}  # fmt: skip
# Operations on a market paused first.
ON_A_PAUSED_MARKET = {"resume_market": {"ticker": "EV-A"}}
# An FCM desk's operations on a subtrader the member made first (FCM_SUBTRADER in their arguments).
FCM_SUBTRADER = "(the subtrader made first)"
ON_A_SUBTRADER = {
    "set_fcm_daily_cap": {"fcm_user_id": "k1", "subtrader_id": FCM_SUBTRADER, "limit": "100"},
    "set_perps_im_cap": {"user_id": "k1", "subtrader_id": FCM_SUBTRADER, "im_cap": "100", "market_ticker": "BTC-PERP",
                         "asset_class": None},
    "set_fcm_blocked_category": {"fcm_user_id": "k1", "subtrader_id": FCM_SUBTRADER, "category": "Sports",
                                 "blocked": True},
    "fcm_position_transfer": {"fcm_user_id": "k1", "source_subtrader_id": FCM_SUBTRADER,
                              "target_subtrader_id": FCM_SUBTRADER, "market_ticker": "EV-A", "position_centicount": 100,
                              "price_centicents": 5000},
}  # fmt: skip
# A perps position's exit trigger operations, on k1's long in BTC-PERP (bought from k2) and a bracket set on it first
THE_BRACKET = "(the bracket set first)"
ON_A_POSITION = {
    "set_perp_exit_trigger": {"user_id": "k1", "ticker": "BTC-PERP", "subaccount": 0, "slot": "cross",
                              "kind": "bracket", "stop_loss_price": "90000", "take_profit_price": None,
                              "trail_amount": None, "trail_bps": None, "count": None, "anchor_order_id": None,
                              "client_trigger_id": None},
    "update_perp_exit_trigger": {"user_id": "k1", "ticker": "BTC-PERP", "trigger_id": THE_BRACKET, "subaccount": 0,
                                 "stop_loss_price": "91000", "take_profit_price": None},
    "cancel_perp_exit_trigger": {"user_id": "k1", "ticker": "BTC-PERP", "trigger_id": THE_BRACKET, "subaccount": 0},
    "cancel_perp_exit_triggers": {"user_id": "k1", "ticker": "BTC-PERP", "subaccount": 0, "slot": "cross",
                                  "kind": None},
}  # fmt: skip
NO_ARGUMENTS = {"reset", "reset_deribit", "clock", "rate_limits", "rest_lag", "faults", "clear_faults"}
NO_ARGUMENTS |= {"historical_cutoff", "exchange_status", "rfq_makers", "list_deribit_keys"}
# Takes an id the ledger drew (at random here): its hostile values are tried by the test below.
DRAWN_IDS = {
    "complete_intra_exchange_transfer",
    "delete_key",
    "cancel_perp_order",
    "decrease_perp_order",
    "amend_perp_order",
}


@pytest.fixture
def control() -> Control:
    control = control_plane(ManualClock(START))
    seed_users(control)
    control.add_fault(path="/trade-api/v2/portfolio/fills", status=503)  # rule 1, for remove_fault
    control.create_subaccount("k1")  # subaccount 1, for subaccount_transfer
    control.create_order_group("k1", contracts_limit=5, order_group_id="g1")
    control.set_rfq_maker("k1", "r1")  # for remove_rfq_maker
    return control


def seed_users(control: Control) -> None:
    """k1 with resting order o1, k9 and its block trade proposal b1 to k1, d1 (76, long the perpetual, an MMP group g)
    with subaccount 79 and order do1, a
    collection and k1's combo in it, and what seed_deribit adds."""
    control.create_account("k1", balance_cents=1_000_000, fcm_member=True)
    control.create_order("k1", "EV-A", "no", "buy", "1", "0.4", order_id="o1")
    control.create_account("k9", balance_cents=1_000_000)
    control.propose_block_trade("k9", "k1", "k9", "EV-A", 4000, 100, "yes", "2026-01-02T13:00:00+00:00",
                                block_trade_proposal_id="b1")  # fmt: skip
    control.create_deribit_account("d1", balances={"BTC": "10"}, account_id=76)
    control.create_deribit_subaccount("d1", subaccount_id=79)
    control.set_index_price("btc_usd", "50000")  # (at any clock: a position to move)
    control.deribit_fill("d1", "BTC-PERPETUAL", "buy", "100", "50000")
    control.deribit_order("d1", "BTC-PERPETUAL", "buy", "10", "50000", order_id="do1")
    control.set_deribit_mmp_config("d1", "btc_usd", 10, 0, quantity_limit="1", max_quote_quantity="1", mmp_group="g")
    seed_deribit(control)
    control.intra_exchange_transfer("k1", "event_contract", "margined", 10_000_000)  # $1,000 of perps cash
    control.list_perp_market("BTC-PERP", "100000")
    control.create_perp_order_group("k1", contracts_limit=5, order_group_id="pg1")
    control.create_margin_subaccount("k1")
    control.create_account("q1", balance_cents=1_000_000)
    for ticker in ("EV-R", "EV-A2", "EV-R2"):
        control.create_market(ticker)
    control.create_rfq("q1", "EV-A", rest_remainder=False, contracts="1", rfq_id="rfq1")
    control.create_quote("k1", "rfq1", yes_bid="0.40", no_bid="0.50", rest_remainder=False, quote_id="qt1")
    control.create_rfq("q1", "EV-R", rest_remainder=False, contracts="1", rfq_id="rfq2")
    control.create_quote("k1", "rfq2", yes_bid="0.40", no_bid="0.50", rest_remainder=False, quote_id="qt2")
    control.accept_quote("q1", "qt2", "yes")
    for batch, children, made in (("b1", (("c1", "EV-A"), ("d1", "EV-A2")), "bq1"),
                                  ("b2", (("c2", "EV-R"), ("d2", "EV-R2")), "bq2")):  # fmt: skip
        asked = [{"market_ticker": ticker, "rfq_id": child} for child, ticker in children]
        control.create_rfq_batch("q1", asked, contracts="1", rfq_batch_id=batch)
        bids = [{"rfq_id": child, "yes_bid": "0.40", "no_bid": "0.50"} for child, _ in children]
        control.create_batch_quote("k1", batch, bids, False, batch_quote_id=made)
    control.accept_rfq_batch("q1", "b2", "yes", [{"rfq_id": "c2", "bid": "0.40"}, {"rfq_id": "d2", "bid": "0.40"}])
    control.set_multivariate_collection("KXMVEV-R", [{"ticker": "EV"}])
    control.create_market_in_collection("k1", "KXMVEV-R", COMBO)
    control.set_milestone("Sports", "football_game", "2026-01-02T18:00:00+00:00", "m1")  # for set_live_data


def seed_deribit(control: Control) -> None:
    """A second Deribit user (d2, for a transfer to a user), d1's unconfirmed withdrawal 1 (to cancel) and its API key
    1 (to change)."""
    control.create_deribit_account("d2")
    control.create_deribit_key("d1", client_id="dk1", client_secret="dsec")
    control.deribit_withdraw("d1", "BTC", "1", state="unconfirmed")


# Always refused (the mock's transfers are confirmed at once): each hostile value too, as a ControlError.
ALWAYS_REFUSED = {"deribit_cancel_transfer": {"user_id": "d1", "transfer_id": 1, "subaccount_id": None}}


# Take a typed command (core/commands.py) made already, not plain values: anything else is refused.
TYPED = {"run", "answer"}


def test_every_public_operation_is_covered():
    public = {*control_plane().operations(), "run", "answer"}
    assert public == (
        set(VALID) | NO_ARGUMENTS | DRAWN_IDS | set(ON_A_SUBTRADER) | set(ON_A_PAUSED_MARKET) | set(ALWAYS_REFUSED)
        | TYPED | set(ON_A_POSITION)
    )  # fmt: skip


@pytest.mark.parametrize("operation", sorted(TYPED))
def test_a_typed_operation_refuses_what_is_no_command_with_a_control_error(control, operation):
    for value in HOSTILE:
        with pytest.raises(ControlError, match="takes a command"):
            getattr(control, operation)(value)


@pytest.mark.parametrize("operation", sorted(ALWAYS_REFUSED))
def test_an_always_refused_operation_refuses_each_argument_with_a_control_error(control, operation):
    method = getattr(control, operation)
    for name in ALWAYS_REFUSED[operation]:
        for value in HOSTILE:
            with pytest.raises(ControlError):
                method(**{**ALWAYS_REFUSED[operation], name: value})


@pytest.mark.parametrize("operation", sorted(ON_A_PAUSED_MARKET))
def test_an_operation_on_a_paused_market_takes_each_argument_or_refuses_it_with_a_control_error(control, operation):
    method = getattr(control, operation)
    for name in ON_A_PAUSED_MARKET[operation]:
        for value in HOSTILE:
            control.pause_market("EV-A")
            try:
                method(**{**ON_A_PAUSED_MARKET[operation], name: value})
            except ControlError as exc:
                assert str(exc) and len(str(exc)) < 1000, (operation, name, str(exc)[:200])
                control.resume_market("EV-A")


@pytest.mark.parametrize("operation", sorted(ON_A_SUBTRADER))
def test_an_fcm_desk_operation_takes_each_argument_or_refuses_it_with_a_control_error(control, operation):
    subtrader = control.create_fcm_subtrader("k1", "a1")["subtrader_id"]
    valid = {k: subtrader if v == FCM_SUBTRADER else v for k, v in ON_A_SUBTRADER[operation].items()}
    method = getattr(control, operation)
    for name in valid:
        for value in HOSTILE:
            try:
                method(**{**valid, name: value})
            except ControlError as exc:
                assert str(exc) and len(str(exc)) < 1000, (operation, name, str(exc)[:200])


@pytest.mark.parametrize("operation", sorted(ON_A_POSITION))
def test_an_exit_trigger_operation_takes_each_argument_or_refuses_it_with_a_control_error(control, operation):
    control.create_account("k2", balance_cents=1_000_000)
    control.intra_exchange_transfer("k2", "event_contract", "margined", 10_000_000)
    control.place_perp_order("k2", "BTC-PERP", "ask", "0.02", "100000", "k2a")
    control.place_perp_order("k1", "BTC-PERP", "bid", "0.02", "100000", "k1b", time_in_force="immediate_or_cancel")
    bracket = control.set_perp_exit_trigger("k1", "BTC-PERP", stop_loss_price="90000")["trigger_id"]
    valid = {k: bracket if v == THE_BRACKET else v for k, v in ON_A_POSITION[operation].items()}
    method = getattr(control, operation)
    assert method(**valid) is not None  # the baseline succeeds
    for name in valid:
        for value in HOSTILE:
            try:
                method(**{**valid, name: value})
            except ControlError as exc:
                assert str(exc) and len(str(exc)) < 1000, (operation, name, str(exc)[:200])


def test_deleting_a_key_takes_its_id_or_refuses_with_a_control_error(control):
    control.create_key("k1", key_type="ed25519", key_id="kid")
    for value in HOSTILE:
        for user_id in (value, "k1"):
            with pytest.raises(ControlError):
                control.delete_key(value, user_id=user_id)
    assert control.delete_key("kid", user_id="k1") is not None


def test_completing_an_instance_transfer_takes_its_id_or_refuses_with_a_control_error(control):
    made = control.intra_exchange_transfer("k1", "event_contract", "margined", 100, status="pending")
    for value in HOSTILE:
        with pytest.raises(ControlError):
            control.complete_intra_exchange_transfer(value)
    assert control.complete_intra_exchange_transfer(made["transfer_id"])["status"] == "complete"


def test_a_perps_order_write_takes_its_order_id_or_refuses_with_a_control_error(control):
    placed = control.place_perp_order("k1", "BTC-PERP", "bid", "0.02", "99000", "p1")
    writes = {
        "cancel_perp_order": {},
        "decrease_perp_order": {"reduce_by": "0.01"},
        "amend_perp_order": {"ticker": "BTC-PERP", "side": "bid", "price": "98000", "count": "0.01"},
    }
    for operation, rest in writes.items():
        for value in HOSTILE:
            with pytest.raises(ControlError):
                getattr(control, operation)("k1", value, **rest)
    assert control.decrease_perp_order("k1", placed["order_id"], reduce_to="0.01")["remaining_count"] == "0.01"
    assert control.cancel_perp_order("k1", placed["order_id"])["reduced_by"] == "0.01"


@pytest.mark.parametrize("operation", sorted(VALID))
def test_every_argument_given_a_hostile_value_is_taken_or_refused_with_a_control_error(control, operation):
    method = getattr(control, operation)
    assert method(**VALID[operation]) is not None  # the baseline succeeds
    taken = True  # the state is not the fresh one
    for name in inspect.signature(method).parameters:
        for value in HOSTILE:
            if taken:  # each call on the same fresh state: a refusal leaves it as it was, a call taken does not
                fresh(control)
            try:
                method(**{**VALID[operation], name: value})
                taken = True
            except ControlError as exc:
                assert str(exc) and len(str(exc)) < 1000, (operation, name, str(exc)[:200])
                taken = False


def fresh(control: Control) -> None:
    """The state each hostile value meets: k1 with resting order o1, d1 with subaccount 79 and order do1, d2, and
    d1's withdrawal 1."""
    control.reset()
    control.ledger.state.clock.set(START)  # type: ignore[attr-defined]
    seed_users(control)
