"""Signed Kalshi requests as an attacker sends them, over real HTTP: a replay whose base64 is spelled anew (the bits
a padded base64 text's last character carries beyond the bytes decode to nothing) or whose RSA signature lost its
leading zero byte, with replays refused; costly public keys at registration (a 20,000-bit modulus, a 3,071-bit
exponent); and a flood of bad signatures against a costly key, whose diagnoses stay within their CPU budget."""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Iterator

import httpx
import plain_http
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from hostile_sockets import serve_command
from hostile_wire import KALSHI_WS, UPGRADE, send

from mockexchange.auth.kalshi import diagnosis
from mockexchange.auth.kalshi.diagnosis import UNTRIED, DiagnosisBudget
from mockexchange.auth.kalshi.keys import KeyRegistry, public_key_pem
from mockexchange.auth.kalshi.replays import SeenSignatures
from mockexchange.auth.kalshi.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, Suspect, sign
from mockexchange.scenario.library import library_dir
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

BALANCE = "/trade-api/v2/portfolio/balance"
REPLAYED = {"error": {"code": "authentication_error", "message": "authentication_error"}}
BAD_SIGNATURE = {
    "error": {
        "code": "authentication_error",
        "message": "authentication_error",
        "details": "INCORRECT_API_KEY_SIGNATURE",
    }
}
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def respellings(signature: str) -> list[str]:
    """Every other base64 text that decodes to the same bytes: the unused low bits of the character before the
    padding set otherwise."""
    padding = len(signature) - len(signature.rstrip("="))
    assert padding, "a signature whose length is a multiple of 3 bytes has one spelling only"
    unused = 4 if padding == 2 else 2
    last = B64.index(signature[-padding - 1])
    head, tail = signature[: -padding - 1], signature[-padding:]
    others = [head + B64[(last & ~((1 << unused) - 1)) | low] + tail for low in range(1 << unused)]
    return [text for text in others if text != signature]


@pytest.fixture(scope="module")
def replays() -> Iterator[MockServer]:
    with MockServer(kalshi_reject_replays=True) as mock:
        mock.create_account("trader", balance_cents=500)
        yield mock


def _signer(mock: MockServer, key_type: str) -> KalshiSigner:
    key = mock.create_key("trader", key_type=key_type)
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


def _get(mock: MockServer, headers: dict[str, str], path: str = BALANCE) -> httpx.Response:
    return plain_http.get(mock.base_url + path, headers=headers, timeout=10)


# -- a replay spelled anew ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["rsa", "ed25519"])
def test_a_replay_with_its_base64_spelled_anew_is_still_a_replay(replays, key_type):
    headers = _signer(replays, key_type).headers("GET", BALANCE)
    others = respellings(headers[SIGNATURE_HEADER])
    assert len(others) == 15  # 256 and 64 bytes: one byte in the last group, four unused bits
    assert {base64.b64decode(text, validate=True) for text in others} == {base64.b64decode(headers[SIGNATURE_HEADER])}
    assert _get(replays, headers).status_code == 200
    for text in others:
        again = _get(replays, headers | {SIGNATURE_HEADER: text})
        assert (again.status_code, again.json()) == (401, REPLAYED), text
        assert "already used inside the timestamp window" in again.headers["X-Mockexchange-Auth"]


def test_a_websocket_upgrade_replayed_with_a_new_spelling_is_refused(replays):
    headers = _signer(replays, "rsa").headers("GET", KALSHI_WS)
    assert send(replays, "GET", KALSHI_WS, {**headers, **UPGRADE}).status == 101
    other = respellings(headers[SIGNATURE_HEADER])[0]
    answer = send(replays, "GET", KALSHI_WS, {**headers, **UPGRADE, SIGNATURE_HEADER: other})
    assert (answer.status, answer.json()) == (401, REPLAYED)


def test_an_rsa_signature_cut_of_its_leading_zero_byte_is_refused(replays):
    """OpenSSL verifies an RSA signature shorter than the modulus; RFC 8017 (and Go) do not: another spelling of the
    same signature, one time in 256, that replay protection would not know."""
    signer = _signer(replays, "rsa")
    start = int(time.time() * 1000)
    for offset in range(5000):  # about one signature in 256 begins with a zero byte
        raw = base64.b64decode(sign(signer.private_key, start + offset, "GET", BALANCE))
        if raw[0] == 0:
            break
    else:
        pytest.fail("no signature began with a zero byte")
    headers = signer.headers("GET", BALANCE, start + offset)
    short = headers | {SIGNATURE_HEADER: base64.b64encode(raw[1:]).decode()}
    headers[SIGNATURE_HEADER] = base64.b64encode(raw).decode()
    refused = _get(replays, short)
    assert (refused.status_code, refused.json()) == (401, BAD_SIGNATURE)
    assert refused.headers["X-Mockexchange-Auth"] == (
        "signature is 255 bytes; an RSA signature under this 2048-bit key is 256; pad it on the left with zero bytes"
    )
    assert _get(replays, headers).status_code == 200
    assert _get(replays, short).status_code == 401


# -- costly keys -------------------------------------------------------------------------------------------------------


def rsa_public_pem(bits: int, exponent: int, seed: int = 8) -> str:
    """An RSA public key of a `bits`-bit modulus (odd, not a product of two primes: no private half is needed to be
    refused, or to refuse signatures, and it is made at once)."""
    modulus = random.Random(seed).getrandbits(bits) | (1 << (bits - 1)) | 1
    return public_key_pem(rsa.RSAPublicNumbers(exponent, modulus).public_key())


COSTLY = {
    "20,000 bits": (rsa_public_pem(20_000, 65537), "an RSA key of 20,000 bits with exponent 65537"),
    "3,071-bit exponent": (
        rsa_public_pem(3072, (1 << 3070) | 1),
        "an RSA key of 3,072 bits with exponent of 3,071 bits",
    ),
    "1,024 bits": (rsa_public_pem(1024, 65537), "an RSA key of 1,024 bits with exponent 65537"),
    "4,097 bits": (rsa_public_pem(4097, 65537), "an RSA key of 4,097 bits with exponent 65537"),
    "exponent 3": (rsa_public_pem(2048, 3), "an RSA key of 2,048 bits with exponent 3"),
}
ALLOWED = {
    "2,048 bits": rsa_public_pem(2048, 65537),
    "4,096 bits": rsa_public_pem(4096, 65537),
    "ed25519": public_key_pem(ed25519.Ed25519PrivateKey.generate().public_key()),
    "the scenario library's private key": (library_dir() / "keys" / "bob.pem").read_text(),
}


@pytest.fixture(scope="module")
def standard() -> Iterator[MockServer]:
    with MockServer() as mock:
        mock.create_account("trader")
        yield mock


def _register(mock: MockServer, pem: str) -> httpx.Response:
    body = {"user_id": "trader", "public_key_pem": pem}
    return plain_http.post(f"{mock.base_url}/_admin/keys", json=body, timeout=10)


@pytest.mark.parametrize("name", COSTLY)
def test_a_costly_key_is_refused_at_registration(standard, name):
    pem, held = COSTLY[name]
    r = _register(standard, pem)
    assert r.status_code == 400, r.text
    assert r.json() == {
        "error": f"public_key_pem is refused: it holds {held}; the mock takes RSA keys of 2,048 to 4,096 bits with "
        "exponent 65537, and Ed25519 keys (--key-policy any takes others)"
    }
    assert not [key for key in standard.app.keys.all() if public_key_pem(key.public_key) == pem]


@pytest.mark.parametrize("name", ALLOWED)
def test_keys_of_the_standard_policy_register(standard, name):
    r = _register(standard, ALLOWED[name])
    assert r.status_code == 200, r.text


def test_the_any_policy_takes_a_costly_key():
    with MockServer(kalshi_key_policy="any") as mock:
        mock.create_account("trader")
        for pem, _ in COSTLY.values():
            assert _register(mock, pem).status_code == 200
        # A key outside the standard policy is checked in a worker thread: it signs as any other.
        small = rsa.generate_private_key(65537, 1024)
        key_id = mock.create_key("trader", public_key_pem=public_key_pem(small.public_key()))["key_id"]
        signer = KalshiSigner(key_id, small)
        assert _get(mock, signer.headers("GET", BALANCE)).status_code == 200
        assert send(mock, "GET", KALSHI_WS, {**signer.headers("GET", KALSHI_WS), **UPGRADE}).status == 101
        wrong = _get(mock, signer.headers("GET", "/trade-api/v2/portfolio/positions"))
        assert (wrong.status_code, wrong.json()) == (401, BAD_SIGNATURE)
        assert wrong.headers["X-Mockexchange-Auth"].startswith("signature does not verify for key")


def test_an_unknown_key_policy_is_refused():
    with pytest.raises(ValueError, match="kalshi_key_policy must be one of standard, any, not 'loose'"):
        MockServer(kalshi_key_policy="loose")


@pytest.mark.slow
def test_serve_key_policy(tmp_path):
    account = {"user_id": "costly"}
    key = account | {"public_key_pem": COSTLY["3,071-bit exponent"][0]}
    for options, status in (((), 400), (("--key-policy", "any"), 200)):
        with serve_command(tmp_path / "keys", *options) as served:
            assert plain_http.post(f"{served.base_url}/_admin/accounts", json=account, timeout=10).status_code == 200
            r = plain_http.post(f"{served.base_url}/_admin/keys", json=key, timeout=10)
            assert r.status_code == status, r.text


def test_bad_signatures_against_a_costly_key_are_diagnosed_within_a_budget():
    """With --key-policy any, each bad signature against a key with a 3,071-bit exponent costs two verifications to
    refuse (some 4 ms each) and eight more to diagnose: the diagnoses stop at their CPU budget, the refusals do not."""
    with MockServer(kalshi_key_policy="any") as mock:
        mock.create_account("trader")
        key_id = mock.create_key("trader", public_key_pem=COSTLY["3,071-bit exponent"][0])["key_id"]
        # A tenth of the default refill: on a loaded machine each request takes long enough in wall time for the
        # default rate (5 % of a core) to refill a diagnosis between two of them, and the budget never runs out.
        mock.app.kalshi.diagnoses.rate = diagnosis.DEFAULT_RATE / 10
        diagnoses = []
        with httpx.Client(base_url=mock.base_url, timeout=10) as client:
            for n in range(25):
                garbage = base64.b64encode(random.Random(n).randbytes(384)).decode()
                headers = {"KALSHI-ACCESS-KEY": key_id, SIGNATURE_HEADER: garbage}
                r = client.get(BALANCE, headers=headers | {TIMESTAMP_HEADER: str(int(time.time() * 1000))})
                assert (r.status_code, r.json()) == (401, BAD_SIGNATURE)
                diagnoses.append(r.headers["X-Mockexchange-Auth"])
        assert diagnoses[0].startswith(f"signature does not verify for key {key_id} over message ")
        assert not diagnoses[0].endswith(UNTRIED), "the first is diagnosed in full"
        declined = [d for d in diagnoses if d.endswith(UNTRIED)]
        assert len(declined) >= 10, diagnoses


def test_the_diagnosis_budget_refills_at_its_rate_and_runs_one_at_a_time(monkeypatch):
    wall, cpu = [0.0], [0.0]
    budget = DiagnosisBudget(rate=0.25, burst=0.5, monotonic=lambda: wall[0], cpu=lambda: cpu[0])

    def costly(suspect: Suspect) -> str:
        cpu[0] += 0.75  # a diagnosis of 750 ms of CPU
        return "found"

    monkeypatch.setattr(diagnosis, "diagnose", costly)
    key = KeyRegistry().add("trader", ed25519.Ed25519PrivateKey.generate().public_key(), key_id="k")
    suspect = Suspect(key, b"", "1", "GET", BALANCE, "")
    assert budget.reserve() and not budget.reserve(), "one at a time"
    assert budget.diagnose(suspect) == "found"
    assert not budget.reserve(), "0.5 - 0.75: below zero"
    wall[0] += 1.0  # 0.25 refilled: none left, still none
    assert not budget.reserve()
    wall[0] += 0.5
    assert budget.reserve()
    assert budget.declined(suspect) == suspect.plain_diagnosis() + UNTRIED


# -- what replay protection remembers ------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["rsa", "ed25519"])
def test_with_replays_refused_each_fresh_signature_passes_once(replays, key_type):
    """Every fresh signature passes, however many came before it; each is refused the second time."""
    signer = _signer(replays, key_type)
    start = int(time.time() * 1000)
    sent = [signer.headers("GET", BALANCE, start + offset) for offset in range(3)]
    assert [_get(replays, headers).status_code for headers in sent] == [200, 200, 200]
    assert [_get(replays, headers).status_code for headers in sent] == [401, 401, 401]


def test_a_signature_of_another_salt_length_is_remembered_too(replays):
    """An RSA-PSS signature whose salt is not 32 bytes passes (with a note) as one of 32 does, and only once."""
    signer = _signer(replays, "rsa")
    start = int(time.time() * 1000)

    def salted(ts: int) -> dict[str, str]:
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=20)
        raw = signer.private_key.sign(f"{ts}GET{BALANCE}".encode(), pad, hashes.SHA256())
        return signer.headers("GET", BALANCE, ts) | {SIGNATURE_HEADER: base64.b64encode(raw).decode()}

    first, second = salted(start), salted(start + 1)
    answers = [_get(replays, headers) for headers in (first, second, first)]
    assert [answer.status_code for answer in answers] == [200, 200, 401]
    assert "RSA-PSS salt length 20" in answers[0].headers["X-Mockexchange-Auth"]
    assert answers[2].json() == REPLAYED


def test_the_signatures_remembered_are_the_newest_and_those_inside_the_window():
    """Past its capacity the oldest is forgotten, never the newest; one seen exactly the window's width ago is still
    a replay, a millisecond later it is forgotten."""
    seen = SeenSignatures(window_ms=60_000, capacity=2)
    assert [seen.first_use("k", sig, 0) for sig in (b"a", b"b", b"c")] == [True, True, True]
    assert [seen.first_use("k", sig, 0) for sig in (b"c", b"b", b"a")] == [False, False, True]  # a was forgotten
    window = SeenSignatures(window_ms=60_000)
    assert window.first_use("k", b"a", 1_000)
    assert not window.first_use("k", b"a", 61_000)
    assert window.first_use("k", b"a", 61_001)
    assert window.first_use("other-key", b"a", 61_001)  # the same bytes under another key are another signature
