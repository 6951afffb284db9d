"""What the ledger keeps of an account's subaccounts and the moves of cash inside it (subaccounts.py changes it): each
user's settings, the subaccount and exchange instance transfers kept, and the margined instance's cash."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

from mockexchange.core.kept_index import KeptIndex


@dataclass(frozen=True, slots=True)
class SubaccountTransfer:
    transfer_id: str
    user_id: str
    from_subaccount: int
    to_subaccount: int
    amount_cents: int
    exchange_index: int
    created: datetime
    client_transfer_id: str | None = None


@dataclass(slots=True)
class InstanceTransfer:
    transfer_id: str
    user_id: str
    source: str
    destination: str
    source_exchange_shard: int
    destination_exchange_shard: int
    source_subaccount: int
    destination_subaccount: int
    amount: int  # centi-cents
    status: str
    created: datetime
    client_transfer_id: str | None = None


@dataclass(slots=True)
class AccountSetup:
    """What a user set about its subaccounts: how many it created, netting, the target balance allocation."""

    created: int = 0  # the highest numbered subaccount created
    margined: int = 0  # the highest numbered subaccount of the margined instance created (the perps exchange's)
    netting: dict[int, bool] = field(default_factory=dict)  # by subaccount; absent: enabled
    allocations: tuple[tuple[int, int], ...] = ()  # (exchange index, percent)
    reservation: str = "sum"


@dataclass(slots=True)
class SubaccountState:
    setups: dict[str, AccountSetup] = field(default_factory=dict)
    transfers: KeptIndex[SubaccountTransfer] = field(default_factory=KeptIndex)  # by user (the kept ones)
    by_client_id: dict[tuple[str, str], SubaccountTransfer] = field(default_factory=dict)
    instance_transfers: KeptIndex[InstanceTransfer] = field(default_factory=KeptIndex)  # by user (the kept ones)
    instance_by_id: dict[str, InstanceTransfer] = field(default_factory=dict)
    instance_client_ids: set[tuple[str, str, int, str]] = field(default_factory=set)  # user, source, shard, id
    # The margined instance's cash: (user, shard, subaccount) -> micro-dollars; its subaccount transfers kept, as the
    # event_contract instance's are
    margined: dict[tuple[str, int, int], int] = field(default_factory=dict)
    margined_transfers: KeptIndex[SubaccountTransfer] = field(default_factory=KeptIndex)
    margined_by_client_id: dict[tuple[str, str], SubaccountTransfer] = field(default_factory=dict)

    def clear(self) -> None:
        for kept in fields(self):
            getattr(self, kept.name).clear()
