"""Market makers that quote RFQs by a rule on the control plane: a rule set or removed (core/kalshi/
rfq_maker_commands.py), answered as the rule's plain values, and the rules read. The admin API, the Python API and
scenarios call them; a state file keeps the commands, so a restart keeps the rules.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import every_field
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rfq_maker_commands import SetRfqMaker


def rule_json(rule: SetRfqMaker) -> dict[str, Any]:
    """A rule as the plain values of its command, every field (a default too; null: not given)."""
    return every_field(rule)


def rules_json(ledger: Ledger) -> dict[str, Any]:
    """Every rule, in the order first set."""
    return {"rfq_makers": [rule_json(rule) for rule in ledger.rfq_makers.rules()]}
