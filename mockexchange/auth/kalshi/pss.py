"""The salt length of an RSA-PSS signature (SHA-256, MGF1(SHA-256)), read back from the signature itself.

A verifier that is not told the salt length can still check a PSS signature: the encoded message the RSA public
operation recovers holds the salt, after its zero padding and a 0x01 byte (RFC 8017, 9.1.2, EMSA-PSS-VERIFY). So the
mock can accept any salt length, as verifiers with an automatic salt length do, and still name the one a client used.
Plain integers do the arithmetic; `signature.py` has cryptography confirm the length found before it trusts it.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import rsa

HASH_LEN = 32  # SHA-256: the salt length Kalshi documents is this digest length


def salt_length(public: rsa.RSAPublicKey, signature: bytes, message: bytes) -> int | None:
    """The salt length `signature` was made with, if it is a valid RSA-PSS SHA-256 signature of `message` under
    `public`; None if it is not one (of any salt length)."""
    numbers = public.public_numbers()
    n, e = numbers.n, numbers.e
    if len(signature) != (n.bit_length() + 7) // 8:
        return None
    s = int.from_bytes(signature, "big")
    if s >= n:
        return None
    em_bits = n.bit_length() - 1
    em_len = (em_bits + 7) // 8
    m = pow(s, e, n)
    if m.bit_length() > em_bits:  # the bits above emBits must be zero
        return None
    em = m.to_bytes(em_len, "big")
    if em_len < HASH_LEN + 2 or em[-1] != 0xBC:
        return None
    masked_db, h = em[: em_len - HASH_LEN - 1], em[em_len - HASH_LEN - 1 : -1]
    db = bytearray(a ^ b for a, b in zip(masked_db, _mgf1(h, len(masked_db)), strict=True))
    db[0] &= 0xFF >> (8 * em_len - em_bits)
    found = bytes(db).lstrip(b"\x00")
    if not found or found[0] != 0x01:
        return None
    salt = found[1:]
    if hashlib.sha256(bytes(8) + hashlib.sha256(message).digest() + salt).digest() != h:
        return None
    return len(salt)


def _mgf1(seed: bytes, length: int) -> bytes:
    blocks = (hashlib.sha256(seed + counter.to_bytes(4, "big")).digest() for counter in range(-(-length // HASH_LEN)))
    return b"".join(blocks)[:length]
