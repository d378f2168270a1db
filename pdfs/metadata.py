"""What a document says about itself (its Info dictionary): when it was made and by what.

ReportLab's invariant mode keeps output byte-for-byte reproducible but writes CreationDate
2000-01-01 and Creator "anonymous"; the real values are set here instead, from an input time,
so a document is still reproducible from the same data and time."""
from __future__ import annotations

from datetime import UTC, datetime

from reportlab import Version as REPORTLAB_VERSION

CREATOR = "Examhall"
PRODUCER = f"Examhall (ReportLab {REPORTLAB_VERSION})"


def pdf_date(moment: datetime | None) -> str:
    """``moment`` (naive means UTC; None means now) in the PDF date form D:YYYYMMDDHHmmSS+00'00'."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def stamp(canvas, created: datetime | None) -> None:
    """Set Creator, Producer and CreationDate/ModDate on a ReportLab canvas before it saves."""
    canvas.setCreator(CREATOR)
    canvas.setProducer(PRODUCER)
    date = pdf_date(created)
    canvas.setDateFormatter(lambda *_parts: date)
