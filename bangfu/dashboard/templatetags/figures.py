"""Numbers formatted as Chinese readers expect: 2,152户; 1.93亿元; 5,000万元."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

register = template.Library()


def figure_parts(value: int | Decimal | None, unit: str = "") -> tuple[str, str]:
    """(number, unit): thousands separators; yuan amounts of 10,000 or more in 万 or 亿
    (million in English). Kept apart so a page can set the unit smaller than the number."""
    if value is None:
        return "—", ""
    unit = str(unit).strip()
    if unit in ("元", "yuan"):
        amount = Decimal(value)
        if get_language() == "en":
            if amount >= 1_000_000:
                return f"{amount / 1_000_000:,.2f}".rstrip("0").rstrip("."), "million yuan"
            return f"{amount:,.0f}", "yuan"
        if amount >= 100_000_000:
            return f"{amount / 100_000_000:.2f}".rstrip("0").rstrip("."), "亿元"
        if amount >= 10_000:
            return f"{amount / 10_000:,.2f}".rstrip("0").rstrip("."), "万元"
        return f"{amount:,.0f}", "元"
    return f"{int(value):,}", unit


@register.filter
def figure(value: int | Decimal | None, unit: str = "") -> str:
    """The number and its unit as one text: 2,152户, 1.93亿元, 2,152 households."""
    number, unit = figure_parts(value, unit)
    separator = " " if get_language() == "en" and unit else ""
    return f"{number}{separator}{unit}"


@register.filter
def figure_number(value: int | Decimal | None, unit: str = "") -> str:
    return figure_parts(value, unit)[0]


@register.filter
def figure_unit(value: int | Decimal | None, unit: str = "") -> str:
    return figure_parts(value, unit)[1]
