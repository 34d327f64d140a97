"""Numbers formatted as Chinese readers expect: 2,152户; 1.93亿元; 5,000万元."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def figure(value: int | Decimal, unit: str = "") -> str:
    """Thousands separators; yuan amounts of 10,000 or more in 万 or 亿 (million/billion in English)."""
    if value is None:
        return "—"
    if str(unit) in ("元", "yuan"):
        amount = Decimal(value)
        if get_language() == "en":
            if amount >= 1_000_000:
                return _("{n} million yuan").format(
                    n=f"{amount / 1_000_000:,.2f}".rstrip("0").rstrip(".")
                )
            return f"{amount:,.0f} yuan"
        if amount >= 100_000_000:
            return f"{amount / 100_000_000:.2f}".rstrip("0").rstrip(".") + "亿元"
        if amount >= 10_000:
            return f"{amount / 10_000:,.2f}".rstrip("0").rstrip(".") + "万元"
        return f"{amount:,.0f}元"
    separator = " " if get_language() == "en" and unit else ""
    return f"{int(value):,}{separator}{unit}"
