"""How the kit judges a write's answer to valid data (docs/contract-kit.md, "How the writes are checked").

schemathesis' positive-data acceptance takes any 401, 403, 404, 409, 429 or 5xx for a schema-valid request and
fails any 400: against a faithful server a write fails it whenever the state refuses a valid body (a transfer beyond
the balance), and it passes a server that refuses every write with a 409. For the operations with declared refusals
(`schema/write_rules.py`'s `STATE_REFUSALS`) the kit's own `WriteAcceptance` replaces it:

- each answer to valid data is a 2xx, or a refusal declared for the operation (status and Kalshi's error `code`)
  that its judge, if it has one, does not rule out: a refusal of a transfer the source holds fails, read back from
  the server (GetSubaccountBalances; an order's GetOrder, a group's GetOrderGroup, a quote's GetQuote) when the
  refusal is judged; a 401 is the auth checks' and a 429 or 5xx the other checks' concern;
- at the end of the run, every such operation that answered valid data must have accepted some (unless the kit
  lacked the values its valid requests need, write_rules.ACCEPTANCE): a server that refuses every write, with
  declared codes or not, fails.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.auths import AuthContext, set_on_case
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from mockexchange.schema.write_rules import ACCEPTANCE, judged_operations, refusals_of

BALANCES = "GetSubaccountBalances"
ORDER = "GetOrder"
GROUP = "GetOrderGroup"
QUOTE = "GetQuote"
ACCEPTED = range(200, 300)
NOT_OURS = frozenset({401, 429})  # refused keys are the auth verdict's; rate limits say nothing about the schema
# Whether each recent case was drawn as valid data, by case id (the latest 4,096): by the time this check runs, the
# checks before it may have derived cases from it (ignored_auth takes the key off a copy), and a derived case shares
# the metadata it revalidates, so `case.meta` may call a valid request invalid.
_drawn_valid: OrderedDict[str, bool] = OrderedDict()
MAX_NOTED = 4096


class RefusedValidWrite(RejectedPositiveData):
    """A schema-valid write refused in a way no declared state refusal explains (one failure per status and code)."""

    __slots__ = ("error_code",)

    def __init__(self, *, operation: str, message: str, status_code: int, error_code: str | None) -> None:
        super().__init__(operation=operation, message=message, status_code=status_code, allowed_statuses=["2xx"])
        self.error_code = error_code

    @property
    def _unique_key(self) -> str:
        return f"{self.status_code} {self.error_code}"


def served_from(case: Case, response: Response) -> str:
    """The base URL of the server that answered the case (a test may point the schema at a server started later)."""
    url = response.request.url
    assert url is not None  # a request that was sent had its URL
    return url.split("?", 1)[0].removesuffix(case.formatted_path)


def checks_config() -> dict[str, Any]:
    """The operations whose positive-data acceptance the kit's check replaces, as schemathesis' per-operation config
    (`[[operations]]` in its TOML file; suite.py adds the same to a schema it loads)."""
    return {
        "include-operation-id": sorted(judged_operations()),
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }


def checks_config_toml(unexpected: Iterable[str] = ()) -> str:
    """`checks_config` in schemathesis' TOML, with the operations no valid request can be drawn for on this server
    (`unexpected`: their refusals are judged, no acceptance asked)."""
    config = checks_config()
    judged = sorted({*config["include-operation-id"], *unexpected})
    ids = ", ".join(f'"{operation_id}"' for operation_id in judged)
    return f"[[operations]]\ninclude-operation-id = [{ids}]\nchecks.positive_data_acceptance.enabled = false\n"


def note_drawn(case: Case) -> None:
    """Keep whether the case was drawn as valid data (the signing auth calls this as the case is made)."""
    meta = getattr(case, "_meta", None)  # as drawn: reading `case.meta` would judge it again
    if meta is not None:
        _drawn_valid[case.id] = meta.generation.mode.is_positive
        _drawn_valid.move_to_end(case.id)
        while len(_drawn_valid) > MAX_NOTED:
            _drawn_valid.popitem(last=False)


def drawn_valid(case: Case) -> bool:
    """Whether the case (as `note_drawn` saw it made) was drawn as valid data."""
    return _drawn_valid.get(case.id, False)


def error_code(response: Response) -> str | None:
    """Kalshi's error code: `{"error": {"code"}}` or the flat `{"code"}` of a body it could not decode."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else body.get("code")
    return code if isinstance(code, str) else None


@schemathesis.check
class WriteAcceptance:
    """A write's answer to valid data: 2xx or a declared state refusal; and some accepted in every run."""

    def __init__(self) -> None:
        # Sets, not counters: schemathesis may call after_response again for a case (shrinking, replay).
        self.answered: set[str] = set()
        self.accepted: set[str] = set()
        self.refused: dict[str, set[str]] = {}

    def after_response(self, ctx: CheckContext, response: Response, case: Case) -> bool | None:
        operation_id = case.operation.definition.raw.get("operationId")
        if operation_id not in judged_operations() or not drawn_valid(case):
            return None
        status = response.status_code
        if status in NOT_OURS or status >= 500:
            return None
        label = case.operation.label
        if status in ACCEPTED:
            self.answered.add(label)
            self.accepted.add(label)
            return None
        code = error_code(response)
        declared = [r for r in refusals_of(operation_id) if r.status == status and r.code == code]
        account = ServerAccount(case, response)
        # What a judge reads: the body, with the path's names and the query (an order's id, its subaccount).
        body = {
            **(case.query or {}),
            **(case.path_parameters or {}),
            **(case.body if isinstance(case.body, dict) else {}),
        }
        judged = {r: r.judge(body, account) for r in declared if r.judge is not None}  # why each is ruled out, or None
        ruled_out = [why for why in judged.values() if why is not None]
        # A refusal a judge found right (the body and the account as read say so) is no sign of a server that refuses
        # everything; any other counts against the operation if the run accepts none (after_run).
        confirmed = None in judged.values() and not account.unread
        if not confirmed and ACCEPTANCE not in case.operation.definition.raw:
            self.answered.add(label)
            self.refused.setdefault(label, set()).add(f"{status} {code}")
        if not declared:
            raise RefusedValidWrite(
                operation=label, status_code=status, error_code=code,
                message=f"{status} `{code}` is no refusal a valid {operation_id} body may meet; declared: "
                + "; ".join(f"{r.status} `{r.code}` ({r.reason})" for r in refusals_of(operation_id)),
            )  # fmt: skip
        if len(ruled_out) == len(declared):
            raise RefusedValidWrite(
                operation=label, status_code=status, error_code=code,
                message=f"{status} `{code}` ({declared[0].reason}), but {'; '.join(ruled_out)}",
            )  # fmt: skip
        return None

    def after_run(self, ctx: CheckContext) -> None:
        never = sorted(self.answered - self.accepted)
        if not never:
            return
        failures = [
            RefusedValidWrite(
                operation=label,
                status_code=0,
                error_code="every valid request",
                message=f"every schema-valid request was refused ({', '.join(sorted(self.refused.get(label, ())))}); "
                "a server that refuses every write fails, whatever the refusal",
            )  # fmt: skip
            for label in never
        ]
        raise FailureGroup(failures, "writes that accepted no valid request")


class ServerAccount:
    """The account as the server reports it (write_rules.AccountView), read once, when a judge first asks: the
    subaccounts and their balances of GetSubaccountBalances, signed as the case was, at the server that answered."""

    def __init__(self, case: Case, response: Response) -> None:
        self._case = case
        self._base_url = served_from(case, response)
        self._balances: dict[tuple[int, int], Decimal] | None = None
        self._read = False
        self._orders: dict[str, dict[str, Any] | None] = {}
        self._groups: dict[tuple[str, int], dict[str, Any] | None] = {}
        self._quotes: dict[str, dict[str, Any] | None] = {}

    def balance(self, subaccount: int, exchange_index: int) -> Decimal | None:
        balances = self._read_balances()
        return None if balances is None else balances.get((subaccount, exchange_index), Decimal(0))

    def subaccounts(self) -> frozenset[int] | None:
        balances = self._read_balances()
        return None if balances is None else frozenset(sub for sub, _ in balances)

    def order(self, order_id: str) -> dict[str, Any] | None:
        if order_id not in self._orders:
            self._orders[order_id] = _read_one(self._case, self._base_url, ORDER, {"order_id": order_id}, {}, "order")
        return self._orders[order_id]

    def group(self, order_group_id: str, subaccount: int) -> dict[str, Any] | None:
        key = (order_group_id, subaccount)
        if key not in self._groups:
            path, query = {"order_group_id": order_group_id}, {"subaccount": subaccount}
            self._groups[key] = _read_one(self._case, self._base_url, GROUP, path, query, None)
        return self._groups[key]

    def quote(self, quote_id: str) -> dict[str, Any] | None:
        if quote_id not in self._quotes:
            self._quotes[quote_id] = _read_one(self._case, self._base_url, QUOTE, {"quote_id": quote_id}, {}, "quote")
        return self._quotes[quote_id]

    @property
    def unread(self) -> bool:
        """A judge asked for the balances, and the server did not answer the read as the slice says (an order it does
        not know is an answer, None, as much as one it shows)."""
        return self._read and self._balances is None

    def _read_balances(self) -> dict[tuple[int, int], Decimal] | None:
        if not self._read:
            self._read = True
            self._balances = _read_balances(self._case, self._base_url)
        return self._balances


def _read_balances(case: Case, base_url: str) -> dict[tuple[int, int], Decimal] | None:
    """(subaccount, exchange index) -> dollars; None when the server does not answer the read as the slice says."""
    try:
        operation = case.operation.schema.find_operation_by_id(BALANCES)
    except (KeyError, LookupError):
        return None
    read = operation.Case()
    set_on_case(read, AuthContext(operation=operation, app=operation.app), None)
    answer = read.call(base_url=base_url)
    if answer.status_code != 200:
        return None
    try:
        rows = answer.json()["subaccount_balances"]
        return {(row["subaccount_number"], row["exchange_index"]): Decimal(row["balance"]) for row in rows}
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return None


def _read_one(
    case: Case, base_url: str, operation_id: str, path: dict[str, Any], query: dict[str, Any], name: str | None
) -> dict[str, Any] | None:
    """One record as the read answers it (`name`: the field of the answer that holds it; None: the answer itself),
    signed as the case was; None when the server has no such record or does not answer as the slice says."""
    try:
        operation = case.operation.schema.find_operation_by_id(operation_id)
    except (KeyError, LookupError):
        return None
    read = operation.Case(path_parameters=path, query=query or None)
    set_on_case(read, AuthContext(operation=operation, app=operation.app), None)
    answer = read.call(base_url=base_url)
    try:
        body = answer.json() if answer.status_code == 200 else None
        found = body if name is None or body is None else body[name]
    except (ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, dict) else None
