import django_filters
from django.utils.translation import gettext_lazy as _

from bangfu.coops.choices import CoopSector
from bangfu.coops.models import Cooperative, DividendRun
from bangfu.core.filtersets import BaseFilterSet, region_filter


class CooperativeFilterSet(BaseFilterSet):
    search_fields = ("name", "village__name", "contact_name")
    sector = django_filters.ChoiceFilter(
        label=_("产业类别"), choices=CoopSector.choices, empty_label=_("全部")
    )
    region = region_filter("village__code")

    class Meta:
        model = Cooperative
        fields = ["q", "sector", "region"]


class DividendRunFilterSet(BaseFilterSet):
    search_fields = ("coop__name", "coop__village__name")
    region = region_filter("coop__village__code")

    class Meta:
        model = DividendRun
        fields = ["q", "year", "region"]
