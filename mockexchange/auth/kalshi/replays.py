"""Signatures seen inside the timestamp window, for the optional refusal of replayed Kalshi requests.

Kalshi is not known to refuse a signed request sent twice inside its window, so the mock accepts replays unless
`Settings.kalshi_reject_replays`. A signature covers its timestamp, so it can only pass again while that timestamp is
inside the window: each is remembered for the window's whole width (past + future) from when it was first seen, and
no more than `capacity` at once (beyond, the oldest is forgotten), so the memory stays bounded whatever the traffic.

A signature is recognised by its bytes, not by its base64: the last character of a padded base64 text carries bits
that decode to nothing, so one signature has several spellings (and `signature.py` takes an RSA signature only at the
modulus's length, so none is shorter). An RSA-PSS signature of the same request with another salt is another
signature, as it would be on Kalshi: it was made anew, by a holder of the private key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

DEFAULT_CAPACITY = 100_000  # some 20 MB at most


class SeenSignatures:
    def __init__(self, window_ms: int, capacity: int = DEFAULT_CAPACITY) -> None:
        self.window_ms = window_ms  # the timestamp window's width: past + future
        self.capacity = capacity
        self._seen: OrderedDict[bytes, int] = OrderedDict()  # digest -> when it was first seen, oldest first
        self._lock = threading.Lock()

    def first_use(self, key_id: str, signature: bytes, now_ms: int) -> bool:
        """Record a signature that verified (decoded from its base64); False if it was seen before (a replay)."""
        # A digest, not the signature: 32 bytes whatever the key size; the key id too, since Ed25519 signs the same
        # message with two keys alike only if they share a private key. The id's length first, so no id and
        # signature run together into another pair's.
        named = key_id.encode()
        digest = hashlib.sha256(len(named).to_bytes(8, "big") + named + signature).digest()
        with self._lock:
            self._forget(now_ms - self.window_ms)
            if digest in self._seen:
                return False
            self._seen[digest] = now_ms
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True

    def _forget(self, horizon_ms: int) -> None:
        # Oldest first: stop at the first one still inside the window (a wall clock set back only keeps some longer).
        while self._seen:
            digest, seen_ms = next(iter(self._seen.items()))
            if seen_ms >= horizon_ms:
                return
            del self._seen[digest]

    def __len__(self) -> int:
        return len(self._seen)
