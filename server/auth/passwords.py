"""Password hashing with Argon2id.

Two profiles:
- STANDARD (OWASP's Argon2id baseline: 19 MiB, 2 passes): every password a person chooses.
- INITIAL (8 MiB, 1 pass): the random one-time passwords made when hundreds of trainees are
  registered at once.  Their ~60 bits of randomness, not the hash cost, is what protects them,
  and the user must replace them at first login, when the new password gets the STANDARD hash.
"""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from server.offload import in_thread

STANDARD = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
INITIAL = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def work(hasher_or_hash) -> int:
    """Argon2's work for one check, in KiB-passes (time grows with memory x passes)."""
    params = extract_parameters(hasher_or_hash) if isinstance(hasher_or_hash, str) else hasher_or_hash
    return params.time_cost * params.memory_cost


# Every check costs STANDARD's work, whatever the account, so timing tells nothing about it:
# an unknown account is checked against a dummy STANDARD hash, and an account that still has
# its one-time (INITIAL) hash is checked against it and then against a pad that makes up the
# difference (without the pad it answered in ~15 ms instead of ~60-100 ms: an attacker could
# list the accounts nobody has used yet).
_DUMMY_HASH = STANDARD.hash(secrets.token_hex(16))
_PAD = PasswordHasher(time_cost=STANDARD.time_cost, parallelism=1,
                      memory_cost=(work(STANDARD) - work(INITIAL)) // STANDARD.time_cost)
_PAD_HASH = _PAD.hash(secrets.token_hex(16))

# No 0/O, 1/l/I: initial passwords are read off a printed sheet.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# Every hash and check runs off the live event loop (server.offload): each takes 10-100 ms of CPU.

def hash_password(password: str) -> str:
    return in_thread(STANDARD.hash, password)


def hash_initial_password(password: str) -> str:
    return in_thread(INITIAL.hash, password)


def checked_against(password_hash: str | None) -> list[str]:
    """The hashes a check of ``password_hash`` verifies, the real one (if any) first: together
    they are always STANDARD's work."""
    if password_hash is None:
        return [_DUMMY_HASH]
    try:
        cheaper = work(password_hash) < work(STANDARD)
    except InvalidHashError:
        return [_DUMMY_HASH]
    return [password_hash, _PAD_HASH] if cheaper else [password_hash]


def _verify(password_hash: str | None, password: str) -> bool:
    hashes = checked_against(password_hash)
    results = []
    for candidate in hashes:  # every one, even after the answer is known
        try:
            results.append(STANDARD.verify(candidate, password))
        except (VerificationError, InvalidHashError):
            results.append(False)
    return hashes[0] == password_hash and results[0]


def verify_password(password_hash: str | None, password: str) -> bool:
    return in_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return STANDARD.check_needs_rehash(password_hash)


def generate_initial_password(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
