"""Cells of the spreadsheets Examhall writes (results, question banks, roster templates), made
safe to open: text that a spreadsheet would run as a formula is written as text.

OWASP's CSV-injection guidance: a cell that begins with = + - @ TAB or CR (also after leading
blanks, and the full-width ＝ ＋ － ＠ that spreadsheets read as the same) gets a leading
apostrophe.  Numbers stay numbers.  ``restore`` undoes exactly what ``neutralise`` did, so our
own exports import back as they were: a text that already began with apostrophes before a
trigger gets one more, and only that one is removed again."""
from __future__ import annotations

import re
import unicodedata

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _triggers(text: str) -> bool:
    return text.lstrip("'").lstrip(" \u3000\n").startswith(TRIGGERS)


def neutralise(value):
    """``value`` as a cell that cannot be a formula: text beginning with a trigger (see above,
    also behind apostrophes) gets one leading apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and _triggers(value):
        return "'" + value
    return value


def neutralise_row(values) -> list:
    return [neutralise(value) for value in values]


def restore(text: str) -> str:
    """The text ``neutralise`` was given, for a cell read back from an upload (the inverse)."""
    if text.startswith("'") and _triggers(text):
        return text[1:]
    return text


_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\[\]\x00-\x1f\x7f]+')


_RESERVED_ON_WINDOWS = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                        *(f"LPT{i}" for i in range(1, 10))}


def file_name(name: str, suffix: str) -> str:
    """A download's (or an archive entry's) file name from ``name``, which staff or an imported
    roster typed: the characters no system allows in a file name become "_", so no name can
    climb out of a folder or hide a line break; names Windows reserves (CON, LPT1, ...) get a
    "_" in front; at most 80 characters; never empty.  Flask sends the non-ASCII rest as
    RFC 5987 ``filename*`` (with an ASCII ``filename`` fallback)."""
    stem = _NOT_IN_FILE_NAMES.sub("_", unicodedata.normalize("NFC", name)).strip(" ._")[:80].rstrip(" .")
    if stem.split(".")[0].upper() in _RESERVED_ON_WINDOWS:
        stem = f"_{stem}"
    return f"{stem or 'export'}{suffix}"
