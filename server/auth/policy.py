"""Which passwords a person may choose: long enough, not on the list of common passwords
(server/auth/data/common-passwords.txt), not built from their employee number or name.

No composition rules ("mix letters with digits"): they push people to `Password1` and refuse
good passphrases (NIST SP 800-63B drops them); the list catches what they were meant to.
Minimum length 8: NIST's floor for passwords a person chooses, here behind Argon2id and login
throttling; the longest is 256 (the forms' limit)."""
from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 256
COMMON_PASSWORDS = Path(__file__).with_name("data") / "common-passwords.txt"
# What people put around a common word to get past rules: digits and symbols at either end.
_AFFIXES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def password_problem(password: str, employee_no: str, name: str = "") -> str | None:
    """Why ``password`` may not be chosen by this person (a sentence for them), or None."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_LENGTH)
    plain = _normal(password)
    number, person = _normal(employee_no), _normal(name).replace(" ", "")
    if number and number in plain:
        return _("The password must not contain your employee number.")
    if len(person) >= 2 and person in plain.replace(" ", ""):
        return _("The password must not contain your name.")
    core = _AFFIXES.sub("", plain)
    if plain in common_passwords() or (core and core in common_passwords()) or len(set(plain)) <= 2:
        return _("This password is too common and easily guessed. Choose a less obvious one, "
                 "for example a few unrelated words.")
    return None
