"""Scenario files are checked before anything runs: every error names the file, the line and the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from textwrap import dedent

import pytest

from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.library import library_dir
from mockexchange.scenario.schema import ScenarioError, load_document, load_file

FIXTURES = library_dir()


def errors_of(tmp_path: Path, text: str, name: str = "s.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(dedent(text))
    with pytest.raises(ScenarioError) as caught:
        load_file(path, grammar=GRAMMAR)
    assert caught.value.status == 400
    prefix = f"{path}:"
    return [e.removeprefix(prefix) for e in caught.value.errors]


@pytest.mark.parametrize(
    "name",
    [
        "fed-decision.yaml",
        "fcm-subtraders.yaml",
        "busy-market.yaml",
        "deribit-btc-book.yaml",
        "moving-book.yaml",
        "rfq-desk.yaml",
    ],
)
def test_the_shipped_scenarios_are_valid(name):
    scenario = load_file(FIXTURES / name, grammar=GRAMMAR)
    assert scenario.name == name.removesuffix(".yaml") and scenario.steps and scenario.start is not None


def test_a_price_written_as_a_yaml_float_is_refused_with_the_spelling_to_use(tmp_path):
    errors = errors_of(
        tmp_path,
        """\
        users:
          - user_id: alice
        steps:
          - wait: 10
          - fill: {user_id: alice, ticker: M-1, side: yes, action: buy, count: "1", price: "0.5"}
          - wait: 10
          - fill:
              user_id: alice
              ticker: M-1
              side: no
              action: buy
              count: "1"
              price: 0.56
        """,
    )
    assert errors == [
        '13: steps[3].fill.price: must be a quoted decimal string: write "0.56" (money is never a float; unquoted, '
        "YAML reads 0.56 as a binary float)"
    ]


# Every kind of step a timeline takes, as a refusal lists them
STEP_KINDS = (
    "announcement, book, burst, cancel_order, clear_faults, close_market, close_time, combo_market, "
    "complete_intra_exchange_transfer, deposit, deribit_announcement, deribit_apr, deribit_cancel_order, "
    "deribit_deposit, deribit_fill, deribit_funding_rate, deribit_historical_volatility, deribit_order, "
    "deribit_place_order, deribit_platform_status, deribit_withdrawal, determine, exchange_schedule, exchange_status, "
    "fault, fcm_blocked_category, fcm_daily_cap, fcm_error_account, fcm_position_transfer, fcm_subtrader, fee_change, "
    "fill, historical_cutoff, incentive_program, index_path, index_price, intra_exchange_transfer, live_data, "
    "mark_price, market, milestone, multivariate_collection, order, pause_market, perp_cancel_order, "
    "perp_corporate_action, perp_exit_trigger, perp_mark_path, perp_market, perp_marks, perp_place_order, "
    "perp_risk_parameters, perp_update_market, place_order, price_value, remove_rfq_maker, resume_market, rfq_maker, "
    "settle, structured_target, subaccount, subaccount_netting, subaccount_transfer, target_balance_allocation, "
    "update_market, volatility, wait, weather_index, withdrawal, ws_close"
)


def test_each_problem_is_reported_with_its_line_and_field(tmp_path):
    errors = errors_of(
        tmp_path,
        """\
        scenario: broken
        settings:
          start: "2026-12-09T18:00:00"
          speed: 3
        users:
          - user_id: alice
            balance_cents: "100"
            keys:
              - {public_key_file: keys/x.pem, generate: rsa}
          - {user_id: bob, colour: red}
        markets:
          - {ticker: M-1, exchange_index: -1}
        positions:
          - {user_id: alice, ticker: M-1, side: maybe, count: "0", price: "0.5"}
        steps:
          - settle: {ticker: M-1}
          - at: 30
          - fil: {}
          - fill: {user_id: alice, ticker: M-1, side: no, action: buy, count: 1.5, price: "1.2", order_id: a}
          - wait: -5
          - deposit: {user_id: alice, amount_cents: 100, id: a, id: b}
          - burst: {ticker: M-1, users: [], fills: 0}
          - {wait: 1, settle: {ticker: M-1, result: yes}}
        """,
    )
    assert errors == [
        "3: settings.start: must carry a timezone, e.g. \"2026-12-09T19:00:00Z\", not '2026-12-09T18:00:00'",
        "4: settings.speed: unknown field (accepted: profile, start)",
        "7: users[0].balance_cents: must be an integer from 0 to 100000000000000, not '100'",
        "9: users[0].keys[0]: give public_key_file or generate, not both",
        "10: users[1].colour: unknown field (accepted: user_id, balance_cents, fcm_member, subtrader_of, keys, "
        "api_usage_level)",
        "12: markets[0].exchange_index: must be an integer from 0 to 2147483647, not -1",
        "14: positions[0].side: must be one of 'yes', 'no', not 'maybe'",
        "14: positions[0].count: must be positive and at most 1000000000 (0.01 to 1000000000 contracts, at most 2 "
        "places), not 0",
        "16: steps[0].settle.result: required",
        "17: steps[1].at: unknown field (steps run in order; use a `wait: SECONDS` step between them)",
        f"18: steps[2]: unknown step 'fil' (one of: {STEP_KINDS})",
        '19: steps[3].fill.count: must be a quoted decimal string: write "1.5" (money is never a float; unquoted, '
        "YAML reads 1.5 as a binary float)",
        "19: steps[3].fill.price: must be between 0 and 1 dollars exclusive (0.0001 to 0.9999 dollars, at most 4 "
        "places), not 1.2",
        "20: steps[4].wait: must be a number of seconds > 0, not -5",
        "21: steps[5].deposit.id: given twice",
        "22: steps[6].burst.fills: must be an integer from 1 to 1000000, not 0",
        "22: steps[6].burst.users: must be a non-empty list",
        f"23: steps[7]: a step is a mapping with exactly one of: {STEP_KINDS} (found: wait, settle)",
    ]


def test_yes_and_no_are_words_not_booleans_and_counts_may_be_integers(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(
        "steps:\n"
        "  - fill: {user_id: no, ticker: M-1, side: no, action: sell, count: 10, price: '0.5', is_taker: no}\n"
        "  - settle: {ticker: M-1, result: yes}\n"
    )
    fill, settle = load_file(path, grammar=GRAMMAR).steps
    assert fill.args == {
        "user_id": "no", "ticker": "M-1", "side": "no", "action": "sell", "count": Decimal("10"),
        "price": Decimal("0.5"), "is_taker": False,
    }  # fmt: skip
    assert fill.command == SeedFill("no", "M-1", "no", "sell", Decimal("10"), Decimal("0.5"), is_taker=False)
    assert settle.args == {"ticker": "M-1", "result": "yes"}
    assert (fill.origin.line, str(fill.origin)) == (2, f"{path}:2: steps[0]")


def test_key_files_are_read_relative_to_the_scenario(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "a.pub.pem").write_text((FIXTURES / "keys" / "bob.pub.pem").read_text())
    (tmp_path / "keys" / "private.pem").write_text((FIXTURES / "keys" / "bob.pem").read_text())
    (tmp_path / "keys" / "garbage.pem").write_text("garbage\n")
    (tmp_path / "good.yaml").write_text("users:\n  - user_id: a\n    keys: [{public_key_file: keys/a.pub.pem}]\n")
    [_, key] = load_file(tmp_path / "good.yaml", grammar=GRAMMAR).setup
    assert key.args["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    errors = errors_of(
        tmp_path,
        """\
        users:
          - user_id: a
            keys:
              - public_key_file: keys/missing.pem
              - public_key_file: keys/private.pem
              - public_key_file: keys/garbage.pem
        """,
    )
    assert errors == [
        f"4: users[0].keys[0].public_key_file: cannot read {tmp_path / 'keys/missing.pem'}: No such file or directory",
        f"5: users[0].keys[1].public_key_file: {tmp_path / 'keys/private.pem'} holds a private key; give the public "
        "half",
        f"6: users[0].keys[2].public_key_file: {tmp_path / 'keys/garbage.pem'} is not an RSA or Ed25519 public key in "
        "PEM (no '-----BEGIN PUBLIC KEY-----' line: the text is not PEM)",
    ]


def test_broken_yaml_a_missing_file_and_the_wrong_shape(tmp_path):
    assert errors_of(tmp_path, "users:\n  - user_id: [a\n") == [
        "3: not valid YAML: expected ',' or ']', but got '<stream end>'"
    ]
    assert errors_of(tmp_path, "- a list\n") == [
        "1: must be a mapping with fields scenario, description, settings, users, series, events, markets, "
        "multivariate_collections, positions, rfq_makers, milestones, live_data, structured_targets, "
        "incentive_programs, weather, announcements, deribit, steps"
    ]
    assert errors_of(tmp_path, "users: {user_id: a}\nsteps: 3\n") == [
        "1: users: must be a list",
        "2: steps: must be a list",
    ]
    with pytest.raises(ScenarioError, match=r"nope\.yaml: cannot read the scenario file") as caught:
        load_file(tmp_path / "nope.yaml", grammar=GRAMMAR)
    assert caught.value.status == 404


def test_inline_documents_yaml_json_and_mappings():
    assert load_document('{"steps": [{"wait": 5}]}', grammar=GRAMMAR).steps[0].args == {"seconds": 5.0}
    with pytest.raises(ScenarioError) as caught:
        load_document('{"steps": [{"settle": {"ticker": "M", "result": "maybe"}}]}', grammar=GRAMMAR)
    assert caught.value.errors == ["<document>:1: steps[0].settle.result: must be one of 'yes', 'no', not 'maybe'"]
    with pytest.raises(ScenarioError) as caught:
        load_document({"steps": [{"fill": {"user_id": "a", "ticker": "M", "side": "yes", "action": "buy",
                                            "count": "1", "price": 0.5}}]}, grammar=GRAMMAR)  # fmt: skip
    assert caught.value.errors == [
        '<document>: steps[0].fill.price: must be a quoted decimal string: write "0.5" (money is never a float; '
        "unquoted, YAML reads 0.5 as a binary float)"
    ]
    with pytest.raises(ScenarioError, match="the document is empty"):
        load_document("", grammar=GRAMMAR)
