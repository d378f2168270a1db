"""Password hashing with Argon2id.

Two profiles:
- STANDARD (OWASP's Argon2id baseline: 19 MiB, 2 passes): every password a person chooses.
- INITIAL (8 MiB, 1 pass): the random one-time passwords made when hundreds of trainees are
  registered at once.  Their ~60 bits of randomness, not the hash cost, is what protects them,
  and the user must replace them at first login, when the new password gets the STANDARD hash.
"""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.offload import in_thread

STANDARD = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
INITIAL = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)

# Verified against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = STANDARD.hash(secrets.token_hex(16))

# No 0/O, 1/l/I: initial passwords are read off a printed sheet.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_LENGTH = 8


# Every hash and check runs off the live event loop (server.offload): each takes 10-100 ms of CPU.

def hash_password(password: str) -> str:
    return in_thread(STANDARD.hash, password)


def hash_initial_password(password: str) -> str:
    return in_thread(INITIAL.hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return in_thread(STANDARD.verify, password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return STANDARD.check_needs_rehash(password_hash)


def generate_initial_password(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
