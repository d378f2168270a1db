"""Column types shared by features."""
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa

# The largest id a row can have (PostgreSQL's integer): a larger one in a URL or an API body is
# refused as missing or invalid before it reaches the database, where it would overflow.
MAX_ROW_ID = 2**31 - 1


class Points(sa.types.TypeDecorator):
    """Exact points (Decimal, two places) stored as integer hundredths, identical on SQLite and
    PostgreSQL (SQLite has no exact decimal type)."""

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value) / 100


def one_of(column: str, vocabulary: type[StrEnum], name: str) -> sa.CheckConstraint:
    """A CHECK constraint that ``column`` holds one of ``vocabulary``'s values: the enum is the
    one list of allowed values, the database only repeats it."""
    values = ", ".join(f"'{member.value}'" for member in vocabulary)
    return sa.CheckConstraint(f"{column} in ({values})", name=name)
