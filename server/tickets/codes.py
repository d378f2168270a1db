"""Ticket codes: derivation, formatting and the keyed look-up hash.  Pure functions of the key.

A code is 13 Crockford base-32 characters (65 bits), printed as 4-4-5.  65 bits: with 10^5
tickets alive at once (2^17) and an attacker held to the login ceilings (1,000 failures per
hour per address), a hit takes ~2^47 hours on average; the issue asks for at least 60 bits.
Verification is one HMAC-SHA256 (microseconds) and an indexed look-up, never a password hash.
"""
from __future__ import annotations

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 13  # 13 x 5 = 65 bits
BITS = LENGTH * 5
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def _key(secret: str | bytes, label: str) -> bytes:
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"examhall-ticket/" + label.encode(), hashlib.sha256).digest()


def derive_code(secret: str | bytes, nonce: str, session_id: int, participant_id: int) -> str:
    """The code of a ticket: the first 65 bits of HMAC(key, nonce|session|participant)."""
    message = f"{nonce}|{session_id}|{participant_id}".encode()
    value = int.from_bytes(hmac.new(_key(secret, "code"), message, hashlib.sha256).digest()[:9], "big")
    value >>= 9 * 8 - BITS
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def normalise(typed: str) -> str | None:
    """What the trainee typed as a bare code (spaces, dashes, case and I/L/O/U forgiven), or None
    when it cannot be a code."""
    text = "".join(ch for ch in str(typed).upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def lookup_hash(secret: str | bytes, code: str) -> str:
    return hmac.new(_key(secret, "lookup"), code.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
