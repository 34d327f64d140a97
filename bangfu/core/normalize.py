"""Turning the values real spreadsheets carry into clean Python values.

Village files arrive typed by hand in Excel and WPS: full-width digits and letters, stray
spaces, dates as text in several styles or as Excel serial numbers, integers read back as
floats (42.0). Each function returns a clean value or raises CellError with a reason a clerk
can act on.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 1900-01-01 (with Excel's leap bug)


class CellError(ValueError):
    """A cell's value cannot be used; the message says why."""


# Whitespace `text` would change: any but a single space between words (\r, tabs, line and
# paragraph separators, ideographic spaces...), doubled, leading or trailing spaces.
_UNTIDY = re.compile(r"[^\S ]|  |^ | $")


# The protective quote (OWASP's advice against formula injection): a text cell that a
# spreadsheet would run as a formula or a command (it starts with = + - @, a tab or a carriage
# return) is written with a ' in front, and so is a text that starts with ' before one of
# those (so the quote can be told apart). Writers call `quote_needed`
# (spreadsheets.cell), readers take the quote off (`text`), so an export imports back as it
# was. A text that is a plain negative number ("-12.5") needs no quote: it runs nothing.
FORMULA_STARTS = frozenset("=+-@\t\r")
_QUOTABLE = FORMULA_STARTS | {"'"}
_NEGATIVE_NUMBER = re.compile(r"-\d+(?:\.\d+)?")


def quote_needed(value: str) -> bool:
    """Whether a writer puts a ' before this text (see FORMULA_STARTS)."""
    first = value[:1]
    if first == "'":
        return value[1:2] in _QUOTABLE
    if first == "-":
        return _NEGATIVE_NUMBER.fullmatch(value) is None
    return first in FORMULA_STARTS


def unquote(value: str) -> str:
    """The text without the protective quote a writer put before it (if it did)."""
    return value[1:] if value[:1] == "'" and value[1:2] in _QUOTABLE else value


def text(value: Any) -> str:
    """NFKC (full-width → ASCII), surrounding and doubled spaces removed and any other
    whitespace (line breaks, tabs) made one space; 42.0 → "42"; an exported cell's
    protective quote taken off ('=1+1 → =1+1)."""
    if type(value) is str:
        if value[:1] == "'":
            value = unquote(value)
        # The common case, fast: already normal and tidy.
        if unicodedata.is_normalized("NFKC", value) and not _UNTIDY.search(value):
            return value
        return " ".join(unicodedata.normalize("NFKC", value).split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    value = unicodedata.normalize("NFKC", str(value))
    return " ".join(value.split())


def code(value: Any) -> str:
    """A code or number kept as text (household numbers, division codes): no spaces at all."""
    if isinstance(value, float) and not value.is_integer():
        raise CellError(_("应为编号,不应有小数。"))
    return text(value).replace(" ", "")


def id_number(value: Any) -> str:
    """An ID number cell. A number cell has already lost digits: refuse it and say how to fix."""
    if isinstance(value, float) or (isinstance(value, int) and len(str(value)) > 15):
        raise CellError(
            _(
                "身份证号码被Excel存成了数字({value}),后几位已经丢失。请把该列设为“文本”格式后"
                "重新填写号码,或在号码前加英文单引号。"
            ).format(value=value)
        )
    return text(value).replace(" ", "").upper()


# Text that `text`, `code` and `id_number` give back unchanged: letters and digits (ASCII) and
# common Chinese characters (CJK Unified Ideographs and Extension A, which NFKC keeps). A
# reader of a million cells (imports._read_encoded) matches these with one regex over the
# distinct cells, in C++, and calls the reader only for the rest. The pattern is written
# with the characters themselves so that Python's re and Arrow's RE2 read it alike.
PLAIN = "[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]"  # one such character
UNCHANGED: dict[Any, str] = {
    text: f"^{PLAIN}+$",
    code: f"^{PLAIN}+$",
    id_number: "^[0-9A-Z]+$",
}


def integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("应为整数。"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("应为整数,这里是{value}。").format(value=value))
        return int(value)
    cleaned = text(value).replace(",", "")
    if not cleaned:
        return None
    if not re.fullmatch(r"[+-]?\d+(\.0+)?", cleaned):
        raise CellError(_("应为整数,这里是“{value}”。").format(value=cleaned))
    return int(Decimal(cleaned))


def decimal(value: Any, places: int = 2) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("应为数字。"))
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        cleaned = text(value).replace(",", "").removesuffix("元").strip()
        if not cleaned:
            return None
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(_("应为数字,这里是“{value}”。").format(value=cleaned)) from None
    if not number.is_finite():
        raise CellError(_("应为数字。"))
    return number.quantize(Decimal(1).scaleb(-places))


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def date(value: Any) -> datetime.date | None:
    """A date as a date cell, an Excel serial number, or text: 2016-03-01, 2016/3/1,
    2016.3.1, 2016年3月1日, 20160301."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            value = int(value)  # a date-time serial: the fraction is the time of day
        if 1 <= value <= 80000:  # an Excel serial number (80000 is the year 2119)
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        value = str(int(value))  # perhaps 20160301 typed as a number
    cleaned = text(value).replace(" ", "")
    if cleaned.isdigit() and len(cleaned) <= 5 and int(cleaned) >= 1:
        return EXCEL_EPOCH + datetime.timedelta(days=int(cleaned))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            try:
                return datetime.date(*(int(g) for g in match.groups()))
            except ValueError:
                raise CellError(_("日期不存在:{value}").format(value=cleaned)) from None
    raise CellError(_("无法识别的日期“{value}”,请写成2016-03-01的样子。").format(value=cleaned))


_TRUE = {"是", "有", "√", "✓", "1", "y", "yes", "true", "t", "对"}
_FALSE = {"否", "无", "×", "✗", "0", "n", "no", "false", "f", "不是", "错"}


def boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    cleaned = text(value).lower()
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise CellError(_("应填“是”或“否”,这里是“{value}”。").format(value=cleaned))


def choice_reader(choices: Any, many: bool = False) -> Any:
    """A fast reader for a TextChoices column: Chinese label, English label or stored value.

    Labels are looked up once here, not once per cell (a registry has millions of cells).
    """
    from django.utils import translation

    lookup: dict[str, str] = {}
    for member in choices:
        lookup[member.value] = member.value
    with translation.override("en"):
        for member in choices:
            lookup[str(member.label).lower()] = member.value
    with translation.override("zh-hans"):
        for member in choices:
            lookup[str(member.label)] = member.value
    allowed = "、".join(str(m.label) for m in choices if m.value)

    def one(cleaned: str) -> str:
        found = lookup.get(cleaned)
        if found is None:
            found = lookup.get(cleaned.lower())
        if found is None:
            raise CellError(
                _("“{value}”不是可选值。可选:{allowed}").format(value=cleaned, allowed=allowed)
            )
        return found

    def read_one(value: Any) -> str | None:
        cleaned = text(value)
        return one(cleaned) if cleaned else None

    def read_many(value: Any) -> list[str]:
        cleaned = text(value)
        if not cleaned:
            return []
        return [one(p) for p in re.split(r"[、,,;;\s/]+", cleaned) if p]

    return read_many if many else read_one
