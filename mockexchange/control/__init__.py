"""The operations a user performs on the mock (one module per venue, `operations.Control` holding them all), their
answers in plain values (declared by the fields they show, `answers.py`) and the error they refuse with. The admin
API, the Python API and scenarios all call these; none reaches around them.

May import `core` and `auth`: no HTTP, no venue's wire.
"""

from mockexchange.control.errors import ControlError
from mockexchange.control.operations import Control, clock_status

__all__ = ["Control", "ControlError", "clock_status"]
