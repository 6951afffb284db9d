"""Before `contract check` generates a case: one signed request per selected operation, so that a server that cannot
be reached, or a key it refuses, is one clear answer in seconds, not hundreds of errored or 401 cases.

A transport failure (nothing listening, a timeout, TLS, DNS) stops the check; so does a 401/403, with the status, the
server's body, the mock's diagnosis header when there is one, and what to do. A 403 on an operation only FCM members
may call (`GetFCMPositions`, `GetPortfolioRestingOrderTotalValue`) is the exception: a key that is not an FCM
member's skips that operation, visibly, unless it was asked for by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from mockexchange.schema.refs import operations_by_id
from mockexchange.testing.signing import KalshiSigner

FCM_OPERATION = "GetFCMPositions"
# A 403 for any other key (docs/contract-kit.md).
FCM_ONLY: tuple[str, ...] = (FCM_OPERATION, "GetPortfolioRestingOrderTotalValue")
# The FCM desk's reads (docs/kalshi-fcm.md): FCM members only too; those of one subtrader ask for it as GetFCMPositions.
FCM_SUBTRADER_READS = (FCM_OPERATION, "GetFCMOrders", "GetFCMEventContractDailyCap", "GetFCMSubtraderBlockedCategories")
FCM_ONLY += FCM_SUBTRADER_READS[1:] + ("GetFCMFills", "ListFCMSubtraders")
# Each request may take this long; a dead address fails on connect, a hung server on read: within 10 s either way.
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
DIAGNOSIS_HEADERS = ("x-mockexchange-auth", "x-mockexchange-diagnosis")
_SHOWN_BODY = 500

# What a refusal's body says, mapped to what the user should do (Kalshi's own error codes and details).
ADVICE = {
    "NOT_FOUND": "the server does not know this key id: check --key-id (demo and production keys differ)",
    "INCORRECT_API_KEY_SIGNATURE": (
        "the signature does not verify: --private-key is not the private half of the key --key-id names "
        "(or the key was replaced)"
    ),
    "header_timestamp_expired": (
        "clock skew: this machine's clock and the server's differ by more than the server accepts; "
        "sync the clock (NTP) and try again"
    ),
    "key_is_missing_from_headers": "the key header did not arrive: a proxy between here and the server may strip it",
    "signature_is_missing_from_headers": "the signature header did not arrive: a proxy may strip it",
    "timestamp_is_missing_from_headers": "the timestamp header did not arrive: a proxy may strip it",
}
GENERIC_ADVICE = "check --key-id, --private-key (the key's private half) and this machine's clock"
FCM_ADVICE = "pass an FCM member's key (and --subtrader-id ID for each subtrader it may read) to check it"


class Unreachable(Exception):
    """The server could not be asked at all: one line says why."""


@dataclass
class KeyRefusal:
    operation: str
    method: str
    url: str
    status: int
    body: str
    diagnosis: str | None
    advice: str

    def describe(self) -> str:
        lines = [f"the server refused the key: {self.method} {self.url} -> {self.status}", f"  body: {self.body}"]
        if self.diagnosis:
            lines.append(f"  mock's diagnosis: {self.diagnosis}")
        lines.append(f"  what to do: {self.advice}")
        return "\n".join(lines)


@dataclass
class Preflight:
    skipped: dict[str, str] = field(default_factory=dict)  # operation -> why
    refusal: KeyRefusal | None = None


def preflight(
    base_url: str,
    signer: KalshiSigner,
    spec: dict[str, Any],
    operations: Sequence[str],
    *,
    explicit: bool,
    subtrader_ids: Sequence[str] = (),
) -> Preflight:
    """One signed GET per operation with only what it requires; raises `Unreachable` on a transport failure."""
    paths = {op: path for op, (_, path, _) in operations_by_id(spec).items()}
    base_path = httpx.URL(base_url).path.rstrip("/")
    result = Preflight()
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        for operation in operations:
            path = _PATH_PARAMETER.sub("preflight", paths[operation])  # an id in the path: any will do (a 404)
            params = {"subtrader_id": subtrader_ids[0]} if operation in FCM_SUBTRADER_READS and subtrader_ids else {}
            url = base_url.rstrip("/") + path
            try:
                response = client.get(url, params=params, headers=signer.headers("GET", base_path + path))
            except httpx.HTTPError as exc:
                raise Unreachable(_transport_problem(base_url, exc)) from None
            if response.status_code not in (401, 403):
                continue
            refusal = _refusal(operation, url, response)
            if operation in FCM_ONLY and response.status_code == 403:
                if not explicit:
                    result.skipped[operation] = f"{response.status_code} {_body(response)}; {FCM_ADVICE}"
                    continue
                refusal.advice = FCM_ADVICE
            result.refusal = refusal
            return result
    return result


_PATH_PARAMETER = re.compile(r"\{[^}/]+\}")


def _refusal(operation: str, url: str, response: httpx.Response) -> KeyRefusal:
    diagnosis = next((response.headers[h] for h in DIAGNOSIS_HEADERS if h in response.headers), None)
    return KeyRefusal(operation, "GET", url, response.status_code, _body(response), diagnosis, _advice(response))


def _advice(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if isinstance(error, dict):
        for key in (error.get("details"), error.get("code")):
            if isinstance(key, str) and key in ADVICE:
                return ADVICE[key]
    if response.status_code == 403:
        return (
            "the key may not read this (a key locked to a subaccount, or the wrong kind of account); " + GENERIC_ADVICE
        )
    return GENERIC_ADVICE


def _body(response: httpx.Response) -> str:
    text = response.text.strip()
    return text if len(text) <= _SHOWN_BODY else text[:_SHOWN_BODY] + "..."


def _transport_problem(base_url: str, exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        why = f"no answer within {TIMEOUT.read:g} s ({type(exc).__name__})"
    elif "SSL" in text or "CERTIFICATE" in text.upper():
        why = f"TLS failed: {text}"
    elif "refused" in text.lower():
        why = "connection refused (is the server running, on this host and port?)"
    elif "name" in text.lower() and ("resolution" in text.lower() or "known" in text.lower()):
        why = f"the host name does not resolve: {text}"
    else:
        why = text
    return f"cannot reach {base_url}: {why}"
