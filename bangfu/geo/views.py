from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.tables import PairingTable
from bangfu.core import views
from bangfu.geo.filtersets import RegionFilterSet
from bangfu.geo.forms import RegionForm
from bangfu.geo.models import Region
from bangfu.geo.tables import RegionTable, VillageYearTable
from bangfu.registry.tables import HouseholdTable


class RegionListView(views.ObjectListView):
    queryset = Region.objects.select_related("parent")
    filterset_class = RegionFilterSet
    table_class = RegionTable
    layout_key = "regions"


class RegionDetailView(views.ObjectDetailView):
    queryset = Region.objects.select_related("parent__parent__parent")
    template_name = "geo/region_detail.html"
    fields = ["code", "name", "level", "parent", "longitude", "latitude"]
    related = [
        (_("年度村情"), "years", VillageYearTable),
        (_("结对"), "pairings", PairingTable, ("village",)),
        (_("贫困户"), "households", HouseholdTable, ("village", "people_count")),
    ]


class RegionCreateView(views.ObjectCreateView):
    queryset = Region.objects.all()
    form_class = RegionForm


class RegionUpdateView(views.ObjectUpdateView):
    queryset = Region.objects.all()
    form_class = RegionForm
