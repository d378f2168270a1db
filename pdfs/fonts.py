"""Chinese text must render on machines without Asian font packs, so a CJK TrueType font is
embedded (subset) in every PDF.  The font comes from EXAMHALL_CJK_FONT or a system search; only
when none exists does ReportLab's non-embedded STSong-Light stand in, and callers are told."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]
FONT_NAME = "ExamhallCJK"


@dataclass(frozen=True)
class FontChoice:
    name: str
    path: str | None
    embedded: bool

    @property
    def warning(self) -> str | None:
        if self.embedded:
            return None
        return ("No CJK TrueType font was found; PDFs use the non-embedded STSong-Light and show "
                "empty boxes on machines without Chinese fonts. Install fonts-wqy-zenhei or set EXAMHALL_CJK_FONT.")


_chosen: FontChoice | None = None


def cjk_font() -> FontChoice:
    """Register (once per process) and return the font every document uses."""
    global _chosen
    if _chosen is not None:
        return _chosen
    configured = os.environ.get("EXAMHALL_CJK_FONT")
    for path in ([configured] if configured else []) + CANDIDATES:
        if path and Path(path).exists():
            try:
                pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
            except Exception:  # a broken or unsupported font file: try the next one
                log.exception("cannot use font %s", path)
                continue
            _chosen = FontChoice(FONT_NAME, path, True)
            return _chosen
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    _chosen = FontChoice("STSong-Light", None, False)
    log.warning(_chosen.warning)
    return _chosen
