"""The control plane's method generated from a command's declaration (control/commands.py's `operation`): a call binds
as Python binds it (positionally in the fields' order, by name, the defaults left out), a wrong call is refused with
Python's own TypeError before anything runs, and a value the command does not take is a ControlError naming it."""

from __future__ import annotations

import pytest

from mockexchange.control import Control, ControlError
from mockexchange.registry import control_plane


@pytest.fixture
def control() -> Control:
    made = control_plane()
    made.create_deribit_account("alice", balances={"BTC": "10"})
    return made


def test_a_call_binds_positionally_by_name_or_both(control: Control) -> None:
    assert control.deribit_deposit("alice", "BTC", "1")["balance"] == "11"
    assert control.deribit_deposit(user_id="alice", currency="btc", amount=2)["balance"] == "13"
    assert control.deribit_deposit("alice", "BTC", amount="-0.5", subaccount_id=None)["balance"] == "12.5"


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        (("alice", "BTC"), {}, "missing a required argument: 'amount'"),
        (("alice", "BTC", "1"), {"currency": "BTC"}, "multiple values for argument 'currency'"),
        (("alice", "BTC", "1"), {"colour": "red"}, "got an unexpected keyword argument 'colour'"),
        (("alice", "BTC", "1", None, None, "extra"), {}, "too many positional arguments"),
    ],
)
def test_a_wrong_call_is_pythons_type_error_and_runs_nothing(
    control: Control, args: tuple, kwargs: dict, words: str
) -> None:
    with pytest.raises(TypeError, match=words):
        control.deribit_deposit(*args, **kwargs)
    assert control.exchange.accounts.wallet("alice").balance("BTC") == 10


def test_a_value_the_command_does_not_take_is_a_control_error(control: Control) -> None:
    with pytest.raises(ControlError, match="amount must be from -1000000000000 to 1000000000000"):
        control.deribit_deposit("alice", "BTC", "1000000000000.5")
    with pytest.raises(ControlError, match="currency must be a currency code"):
        control.deribit_deposit("alice", currency="B.TC", amount="1")
