from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.core.tables import BaseTable
from bangfu.registry.models import (
    Household,
    HouseholdScore,
    Person,
    PovertyLine,
    ScoringSheet,
    points_text,
)


class HouseholdTable(BaseTable):
    number = tables.Column(linkify=True)
    head_name = tables.Column(linkify=True)
    village = tables.Column(linkify=True)
    people_count = tables.Column(verbose_name=_("人口"), orderable=True, default=0)

    class Meta(BaseTable.Meta):
        model = Household
        fields = (
            "number",
            "head_name",
            "village",
            "attribute",
            "main_cause",
            "status",
            "people_count",
        )


class PersonTable(BaseTable):
    """People of a household; ID numbers masked (BaseTable), revealed one by one."""

    class Meta(BaseTable.Meta):
        model = Person
        fields = (
            "name",
            "relation",
            "id_number",
            "sex",
            "birth_date",
            "health",
            "labour_ability",
            "education",
            "schooling",
        )


class HouseholdScoreTable(BaseTable):
    date = tables.Column(linkify=True)
    household = tables.Column(linkify=True)
    village = tables.Column(accessor="household__village", verbose_name=_("所在村"))
    total = tables.Column()
    proposed_poor = tables.BooleanColumn(yesno=(_("是"), _("否")))
    scored_by = tables.Column(verbose_name=_("评分人"))

    def value_total(self, value: Any) -> Any:
        """The export's cell: the number, not the page's text."""
        return value

    def render_total(self, value: Any) -> str:
        return points_text(value)

    class Meta(BaseTable.Meta):
        model = HouseholdScore
        fields = ("date", "household", "village", "sheet", "total", "proposed_poor", "scored_by")


class ScoringSheetTable(BaseTable):
    name = tables.Column(linkify=True)

    def value_threshold(self, value: Any) -> Any:
        """The export's cell: the number, not the page's text."""
        return value

    def render_threshold(self, value: Any) -> str:
        return points_text(value)

    class Meta(BaseTable.Meta):
        model = ScoringSheet
        fields = ("name", "year", "threshold", "poor_when", "is_default")


class PovertyLineTable(BaseTable):
    year = tables.Column(linkify=True)

    def value_amount(self, value: Any) -> Any:
        """The export's cell: the number, not the page's text."""
        return value

    def render_amount(self, value: Any) -> str:
        from bangfu.registry.services import yuan

        return yuan(value)

    class Meta(BaseTable.Meta):
        model = PovertyLine
        fields = ("year", "amount", "note")
