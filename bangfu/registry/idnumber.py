"""Citizen ID numbers (公民身份号码, GB 11643): normalise, check, and read sex and birth date.

python-stdnum checks the format, date and check digit. Its own address check is too strict for
the registry (it wants the county code to exist in the holder's *birth* year, while numbers were
issued from 1984 on), so the address code is judged here against stdnum's table of codes with
their years in force, plus Guizhou's current division codes in case that table lags.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

FIRST_ISSUE_YEAR = 1984  # the first resident identity cards were issued in 1984


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F", as orgs.choices.Sex


def normalize(value: str) -> str:
    """Full-width digits and letters to ASCII, spaces removed, a lower-case x made upper."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(value.split()).upper()


@lru_cache(maxsize=1)
def _guizhou_county_codes() -> frozenset[str]:
    from bangfu.geo.divisions import county_codes

    return frozenset(county_codes())


@lru_cache(maxsize=8192)
def _address_ranges(code: str) -> tuple[tuple[int, int], ...]:
    """The years an address code was in force, as (first, last) ranges; () if never."""
    if code in _guizhou_county_codes():
        return ((0, 9999),)
    try:
        parts = numdb.get("cn/loc").info(code)
    except KeyError:
        return ()
    info = {k: v for _part, props in parts for k, v in props.items()}
    if "province" not in info or "county" not in info:
        return ()
    ranges = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            return ((0, 9999),)
        start, end = county[1:].split("]", 1)[0].split("-")
        ranges.append((int(start or 0), int(end or 9999)))
    return tuple(ranges)


def _address_in_force(code: str, birth_year: int) -> bool:
    """Was this address code in force at some time the number could have been issued?"""
    earliest_issue = max(FIRST_ISSUE_YEAR, birth_year)
    return any(last >= earliest_issue for _first, last in _address_ranges(code))


def parse(value: str, today: datetime.date | None = None) -> IdInfo:
    """Check a number and return it normalised with its birth date and sex.

    Raises ValidationError with a message a village clerk can act on.
    """
    number = normalize(value)
    if not number:
        raise ValidationError(_("请填写身份证号码。"), code="required")
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位,这里是{n}位。").format(n=len(number)), code="length"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号码前17位应为数字,最后一位为数字或X。"), code="format")
    try:
        birth_date = ric.get_birth_date(number)
    except InvalidComponent:
        raise ValidationError(
            _("身份证号码中的出生日期{date}不存在。").format(date=number[6:14]), code="date"
        ) from None
    today = today or datetime.date.today()
    if birth_date > today or birth_date.year < 1880:
        raise ValidationError(
            _("身份证号码中的出生日期{date}不合理。").format(date=birth_date.isoformat()),
            code="date",
        )
    if ric.calc_check_digit(number) != number[17]:
        # The right digit is not shown: that would make up a valid number from a wrong one.
        raise ValidationError(
            _("身份证号码校验位错误,请对照身份证逐位核对是否抄错。"), code="checksum"
        )
    if not _address_in_force(number[:6], birth_date.year):
        raise ValidationError(
            _("身份证号码的地址码{code}不是有效的行政区划代码。").format(code=number[:6]),
            code="address",
        )
    return IdInfo(number=number, birth_date=birth_date, sex=sex_of(number))


def sex_of(number: str) -> str:
    """The holder's sex by a valid number's 17th digit: odd for men, even for women."""
    return "F" if number[16] in "02468" else "M"


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except ValidationError:
        return False
    return True


def make(address: str, birth_date: datetime.date, sequence: int, sex: str) -> str:
    """Build a valid number (for the demo scenario and tests): sequence 0-499, odd digit for men."""
    order = sequence * 2 + (1 if sex == "M" else 0)
    body = f"{address}{birth_date:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def valid_many(numbers: Sequence[str], today: datetime.date | None = None) -> list[bool]:
    """`is_valid` for many normalised numbers at once (NumPy over a million numbers).

    Every rule of `parse` is applied (length, digits, date, check digit, address code in force);
    callers run `parse` on the numbers found invalid to get the message.
    """
    import numpy as np

    result = [False] * len(numbers)
    candidates = [i for i, n in enumerate(numbers) if len(n) == 18 and n.isascii()]
    if not candidates:
        return result
    blob = "".join([numbers[i] for i in candidates]).encode("ascii")
    raw = np.frombuffer(blob, dtype=np.uint8).reshape(len(candidates), 18).astype(np.int64)
    digits = raw - 48
    ok = ((digits[:, :17] >= 0) & (digits[:, :17] <= 9)).all(axis=1)
    last = np.where(raw[:, 17] == ord("X"), 10, digits[:, 17])
    ok &= (last >= 0) & (last <= 10)
    digits = np.where(ok[:, None], digits, 0)
    check = (12 - (digits[:, :17] * np.array(_WEIGHTS)).sum(axis=1) % 11) % 11
    ok &= check == last
    year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    in_month = lengths[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= in_month) & (year >= 1880)
    today = today or datetime.date.today()
    ok &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    address = digits[:, :6] @ np.array([100000, 10000, 1000, 100, 10, 1])
    codes, inverse = np.unique(address, return_inverse=True)
    last_year = np.array(
        [max((end for _s, end in _address_ranges(f"{c:06d}")), default=-1) for c in codes]
    )
    ok &= last_year[inverse.reshape(-1)] >= np.maximum(year, FIRST_ISSUE_YEAR)
    for i, good in zip(candidates, ok.tolist(), strict=True):
        result[i] = good
    return result
