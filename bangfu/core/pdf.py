"""Chinese text in generated PDFs: the one place that finds a CJK TrueType font to embed.

ReportLab embeds only TrueType outlines, and a PDF without an embedded Chinese font shows
boxes; every PDF the app writes (ledger books, bulletins) registers its font here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

FONT_NAME = "BangfuCJK"
# TrueType CJK fonts in well-known places (Debian/Ubuntu, Fedora, macOS, Windows). Fonts with
# PostScript (CFF) outlines such as Noto Sans CJK cannot be embedded by ReportLab.
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)
PROBE = "台账帮扶"


class FontMissingError(RuntimeError):
    """No Chinese TrueType font to embed: the PDF cannot be made."""


def _font_help() -> str:
    return _(
        "没有找到可嵌入PDF的中文TrueType字体。请安装文泉驿微米黑"
        "(Debian/Ubuntu:apt-get install fonts-wqy-microhei),"
        "或用环境变量BANGFU_PDF_FONT指定一个中文.ttf/.ttc字体文件的路径。"
    )


def _fontconfig_candidates() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh-cn", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    return [f for f in files if f.lower().endswith((".ttf", ".ttc"))]


def _load_font(path: str) -> Any | None:
    """A ReportLab TrueType font with Chinese glyphs from `path`, or None if it is not one."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(FONT_NAME, path, subfontIndex=0)
    except (TTFError, OSError, ValueError, KeyError):
        return None
    cmap = font.face.charToGlyph
    return font if all(ord(c) in cmap for c in PROBE) else None


def configured_font_path() -> str | None:
    return getattr(settings, "BANGFU_PDF_FONT", None) or os.environ.get("BANGFU_PDF_FONT") or None


@cache
def _find_font(configured: str | None) -> tuple[str, Any]:
    if configured:
        # An explicit choice is honoured or refused, never silently replaced.
        if not Path(configured).is_file():
            raise FontMissingError(
                _("BANGFU_PDF_FONT指定的字体文件不存在:{path}。").format(path=configured)
                + _font_help()
            )
        font = _load_font(configured)
        if font is None:
            raise FontMissingError(
                _("BANGFU_PDF_FONT指定的字体不是含中文字形的TrueType字体:{path}。").format(
                    path=configured
                )
                + _font_help()
            )
        return configured, font
    for path in [*KNOWN_FONTS, *_fontconfig_candidates()]:
        if Path(path).is_file():
            font = _load_font(path)
            if font is not None:
                return path, font
    raise FontMissingError(_font_help())


def pdf_font() -> tuple[str, str]:
    """Register the Chinese font for PDFs; returns (font name, file). Raises FontMissingError.

    Looked for in order: the BANGFU_PDF_FONT setting or environment variable, well-known
    paths, then fontconfig's Chinese fonts.
    """
    from reportlab.pdfbase import pdfmetrics

    path, font = _find_font(configured_font_path())
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(font)
    return FONT_NAME, path
