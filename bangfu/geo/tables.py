import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.core.tables import BaseTable
from bangfu.geo.models import Region, VillageYear


class RegionTable(BaseTable):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    parent = tables.Column(verbose_name=_("上级区划"))

    class Meta(BaseTable.Meta):
        model = Region
        fields = ("code", "name", "level", "parent")


class VillageYearTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = VillageYear
        fields = (
            "year",
            "is_poor",
            "households",
            "population",
            "poor_households",
            "poor_population",
            "collective_income",
        )
