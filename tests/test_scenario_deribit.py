"""Deribit in scenario files: the shipped book read back over real HTTP with Basic auth, the timeline moving the
index (and the floating P&L with it), and bad files refused with `file:line: field` errors."""

from __future__ import annotations

import json
import stat
from decimal import Decimal
from pathlib import Path
from textwrap import dedent

import plain_http
import pytest

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit.account_commands import CreateDeribitAccount, CreateDeribitSubaccount
from mockexchange.core.deribit.cash_commands import DeribitDeposit, DeribitWithdrawal
from mockexchange.core.deribit.market_commands import SetIndexPrice, SetMarkPrice
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.library import library_dir
from mockexchange.scenario.schema import ScenarioError, load_file
from mockexchange.server import MockServer

FIXTURES = library_dir()
BOOK = FIXTURES / "deribit-btc-book.yaml"
DESK = ("trader-desk", "trader-desk-secret")  # the fixture's fixed client id and secret


def positions(mock: MockServer, currency: str, auth: tuple[str, str] = DESK) -> dict[str, dict]:
    response = plain_http.get(
        mock.deribit_url + "/api/v2/private/get_positions", params={"currency": currency}, auth=auth, timeout=10
    )
    assert response.status_code == 200, response.text
    return {row["instrument_name"]: row for row in response.json()["result"]}


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock()) as server:
        yield server


def test_the_book_loads_and_reads_back_over_http(mock):
    loaded = mock.load_scenario(path=str(BOOK))
    assert loaded["steps_total"] == 6 and loaded["exchange_time"] == "2026-12-01T08:00:00+00:00"
    desk, hedge = loaded["deribit_keys"]
    assert (desk["client_id"], desk["client_secret"], desk["subaccount_id"]) == (*DESK, None)
    assert hedge["subaccount_id"] == 1002 and hedge["client_id"] and hedge["client_secret"]

    btc = positions(mock, "BTC")
    assert {name: (row["direction"], row["size"], row["average_price"]) for name, row in btc.items()} == {
        "BTC-PERPETUAL": ("buy", 10000, 60000),
        "BTC-25DEC26-65000-C": ("buy", 2, 0.02),
    }
    assert btc["BTC-PERPETUAL"]["floating_profit_loss"] == 0 and btc["BTC-PERPETUAL"]["index_price"] == 60000
    eth = positions(mock, "ETH")
    assert {name: (row["direction"], row["size"]) for name, row in eth.items()} == {"ETH-25DEC26": ("sell", -5000)}
    usdc = positions(mock, "USDC")
    assert {name: (row["direction"], row["size"]) for name, row in usdc.items()} == {"BTC_USDC-PERPETUAL": ("buy", 0.5)}
    # The subaccount's key sees the subaccount, which trades nothing.
    assert positions(mock, "BTC", (hedge["client_id"], hedge["client_secret"])) == {}


def test_stepping_moves_the_index_and_the_floating_pnl(mock):
    mock.load_scenario(path=str(BOOK))
    option_before = positions(mock, "BTC")["BTC-25DEC26-65000-C"]["floating_profit_loss"]
    mock.step(3)  # the wait and both index moves: BTC 60000 -> 66000
    btc = positions(mock, "BTC")
    perpetual = btc["BTC-PERPETUAL"]
    assert (perpetual["index_price"], perpetual["mark_price"]) == (66000, 66000)
    expected = Decimal(10000) * (1 / Decimal(60000) - 1 / Decimal(66000))
    assert Decimal(str(perpetual["floating_profit_loss"])) == expected.quantize(Decimal("1e-9"))  # Deribit's places
    assert btc["BTC-25DEC26-65000-C"]["floating_profit_loss"] > option_before  # a call gains when BTC rallies
    assert positions(mock, "USDC")["BTC_USDC-PERPETUAL"]["floating_profit_loss"] == 3000  # 0.5 x 6000
    assert positions(mock, "ETH")["ETH-25DEC26"]["floating_profit_loss"] == 0  # ETH did not move

    done = mock.step(10)  # the fill, a wait and a volatility change
    assert done["steps_left"] == 0 and done["exchange_time"] == "2026-12-01T09:30:00+00:00"
    assert positions(mock, "BTC")["BTC-PERPETUAL"]["size"] == 15000


def errors_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(dedent(text))
    with pytest.raises(ScenarioError) as caught:
        load_file(path, grammar=GRAMMAR)
    assert caught.value.status == 400
    return [e.removeprefix(f"{path}:") for e in caught.value.errors]


def test_bad_deribit_files_name_the_line_and_the_field(tmp_path):
    errors = errors_of(
        tmp_path,
        """\
        deribit:
          index_prices: {btc_usd: 60000.5}
          accounts:
            - user_id: trader
              balances: {BTC: "-1"}
              keys: [{client_id: a, colour: red}]
          positions:
            - {user_id: trader, instrument_name: BTC-FOO, direction: buy, amount: "1", price: "1"}
          volatility:
            - {volatility: "0.5"}
        steps:
          - deribit_fill: {user_id: trader, instrument_name: BTC-PERPETUAL, direction: long, amount: "10",
                           price: "60000"}
          - deribit_fill:
              user_id: trader
              instrument_name: BTC-PERPETUAL
              direction: sell
              amount: "10"
              price: 60000.5
          - deribit_fill: {user_id: trader, instrument_name: ETH-PERPETUAL, direction: sell, price: "3000"}
          - index_price: {index_name: btc_usd, price: "0"}
        """,
    )
    assert errors == [
        '2: deribit.index_prices.btc_usd: must be a quoted decimal string: write "60000.5" (money is never a float; '
        "unquoted, YAML reads 60000.5 as a binary float)",
        "5: deribit.accounts[0].balances.BTC: must be from 0 to 1000000000000 with at most 8 decimal places, not -1",
        "6: deribit.accounts[0].keys[0].colour: unknown field (accepted: client_id, client_secret, subaccount_id, "
        "scope, name, enabled_features)",
        "8: deribit.positions[0].instrument_name: unknown instrument: not an instrument name: 'BTC-FOO'",
        "10: deribit.volatility[0]: give exactly one of currency (all its options) or instrument_name (one option)",
        "12: steps[0].deribit_fill.direction: must be one of 'buy', 'sell', not 'long'",
        '19: steps[1].deribit_fill.price: must be a quoted decimal string: write "60000.5" (money is never a float; '
        "unquoted, YAML reads 60000.5 as a binary float)",
        "20: steps[2].deribit_fill.amount: required",
        "21: steps[3].index_price.price: must be from 0.00000001 to 10000000 with at most 8 decimal places, not 0",
    ]


def test_each_deribit_op_is_made_into_its_command_when_read_refused_at_its_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        dedent(
            """\
            deribit:
              index_prices: {BTC_USD: "61000"}
              accounts: [{user_id: trader, balances: {btc: "1.5"}, subaccounts: [{subaccount_id: 7}]}]
            steps:
              - deribit_deposit: {user_id: trader, currency: eth, amount: "2", source_address: bc1q}
              - deribit_withdrawal: {user_id: trader, currency: BTC, amount: "0.5", fee: "0.0001"}
              - mark_price: {instrument_name: BTC-PERPETUAL, price: null}
            """
        )
    )
    scenario = load_file(path, grammar=GRAMMAR)
    index, account, subaccount = scenario.setup
    assert index.command == SetIndexPrice("btc_usd", Decimal(61000))  # an index lower-cased, as Deribit writes it
    assert account.command == CreateDeribitAccount("trader", (("BTC", Decimal("1.5")),))
    assert subaccount.command == CreateDeribitSubaccount("trader", (), subaccount_id=7)
    deposit, withdrawal, unpin = (step.command for step in scenario.steps)
    assert deposit == DeribitDeposit("trader", "ETH", Decimal(2), source_address="bc1q")
    assert withdrawal == DeribitWithdrawal("trader", "BTC", Decimal("0.5"), fee=Decimal("0.0001"))
    assert unpin == SetMarkPrice("BTC-PERPETUAL")
    errors = errors_of(
        tmp_path,
        """\
        deribit:
          accounts: [{user_id: trader, balances: {btc: "1", BTC: "2"}}]
        steps:
          - deribit_deposit: {user_id: trader, currency: BTC, amount: "-1", source_address: bc1q}
          - volatility: {volatility: "0.5", currency: B-TC}
        """,
    )
    assert errors == [
        "2: deribit.accounts[0].balances: balances names BTC twice",
        "4: steps[0].deribit_deposit: source_address names where a deposit came from; a negative amount is a "
        "withdrawal",
        "5: steps[1].volatility.currency: must be a currency code of 1 to 16 letters or digits (BTC), not 'B-TC'",
    ]


def test_what_only_the_mock_can_decide_is_refused_when_it_runs(mock, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        dedent(
            """\
            deribit:
              accounts: [{user_id: trader, balances: {BTC: "1"}}]
            steps:
              - deribit_fill: {user_id: ghost, instrument_name: BTC-PERPETUAL, direction: buy, amount: "10",
                               price: "60000"}
            """
        )
    )
    mock.load_scenario(path=str(path))
    with pytest.raises(ControlError, match=r"s\.yaml:4: steps\[0\]: unknown user_id 'ghost'"):
        mock.step()


# -- generated credentials kept in a key folder ------------------------------------------------------------------------

KEYS = """\
deribit:
  accounts:
    - user_id: trader
      subaccounts: [{subaccount_id: 7}]
      keys:
        - {client_id: fixed-both, client_secret: fixed-secret}   # nothing to keep
        - {}                                                      # keys[1]: both generated
        - {client_id: fixed-id, subaccount_id: 7}                 # keys[2]: the secret generated
"""


@pytest.mark.slow
def test_generated_credentials_are_kept_in_the_key_folder_and_reused(tmp_path):
    def load(key_dir: Path) -> list[dict]:
        with MockServer(clock=ManualClock()) as server:
            keys = server.load_scenario(document=KEYS, key_dir=str(key_dir))["deribit_keys"]
            for key in keys:  # each accepted over HTTP as it was answered
                assert positions(server, "BTC", (key["client_id"], key["client_secret"])) == {}
            return keys

    first = load(tmp_path)
    fixed, generated, secret_only = first
    assert "credentials_path" not in fixed
    assert generated["credentials_path"] == str(tmp_path / "trader-deribit-1.json")
    assert secret_only["client_id"] == "fixed-id"
    assert secret_only["credentials_path"] == str(tmp_path / "trader-deribit-2.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trader-deribit-1.json", "trader-deribit-2.json"]
    for key in (generated, secret_only):
        kept = Path(key["credentials_path"])
        assert json.loads(kept.read_text()) == {"client_id": key["client_id"], "client_secret": key["client_secret"]}
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert load(tmp_path) == first, "the same credentials on the next load"
    # A file that holds another client id than the key fixes is not that key's: new credentials, written over it.
    kept = tmp_path / "trader-deribit-2.json"
    kept.write_text(json.dumps({"client_id": "other-id", "client_secret": "other-secret"}))
    again = load(tmp_path)[2]
    assert again["client_id"] == "fixed-id" and again["client_secret"] != secret_only["client_secret"]
    assert json.loads(kept.read_text())["client_secret"] == again["client_secret"]
    assert [key["client_id"] for key in load(tmp_path / "elsewhere")][:1] == ["fixed-both"]


def test_a_key_file_that_is_not_credentials_is_refused_naming_it(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "trader-deribit-1.json").write_text("not json")
    with MockServer(clock=ManualClock(), key_dirs=(str(keys),)) as server:
        answer = plain_http.post(f"{server.base_url}/_admin/scenario", json={"document": KEYS, "key_dir": str(keys)})
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert "deribit.accounts[0].keys[1]" in error and "trader-deribit-1.json does not hold Deribit credentials" in error
    assert (keys / "trader-deribit-1.json").read_text() == "not json", "left for the user to look at"
