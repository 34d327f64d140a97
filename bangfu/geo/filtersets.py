import django_filters
from django.utils.translation import gettext_lazy as _

from bangfu.core.filtersets import BaseFilterSet, region_filter
from bangfu.geo.choices import Level
from bangfu.geo.models import Region


class RegionFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    level = django_filters.ChoiceFilter(
        label=_("级别"), choices=Level.choices, empty_label=_("全部级别")
    )
    region = region_filter("code")

    class Meta:
        model = Region
        fields = ["q", "level", "region"]

    def __init__(self, data=None, *args, **kwargs):
        # Villages are what people look for; other levels on request.
        if data is not None and "level" not in data:
            data = data.copy()
            data["level"] = Level.VILLAGE
        super().__init__(data, *args, **kwargs)
