from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.tables import PairingTable
from bangfu.core import views
from bangfu.registry.exit_views import exit_context
from bangfu.registry.filtersets import HouseholdFilterSet
from bangfu.registry.forms import HouseholdForm, PeopleFormSet
from bangfu.registry.models import Household, Person
from bangfu.registry.tables import HouseholdTable, PersonTable


def _people_count() -> Coalesce:
    """Each household's people, counted for the rows shown: a subquery rather than a join
    with GROUP BY, which the list's export (a million rows) would otherwise compute too."""
    people = (
        Person.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(people, output_field=IntegerField()), 0)


class HouseholdListView(views.ObjectListView):
    queryset = (
        Household.objects.select_related("village")
        .annotate(people_count=_people_count())
        .order_by("number")
    )
    filterset_class = HouseholdFilterSet
    table_class = HouseholdTable
    layout_key = "households"


class HouseholdDetailView(views.ObjectDetailView):
    queryset = Household.objects.select_related("village__parent__parent")
    template_name = "registry/household_detail.html"
    related = [(_("帮扶责任人"), "pairings", PairingTable, ("village", "household", "kind"))]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["people_table"] = PersonTable(
            self.object.people.all(), user=self.request.user, orderable=False
        )
        context.update(exit_context(self.object, self.request.user))
        return context


class HouseholdEditMixin(views.FormsetsMixin):
    """The household form with its people as an inline formset, saved together or not at all."""

    queryset = Household.objects.all()
    form_class = HouseholdForm
    formset_classes = {"people": (_("家庭成员"), PeopleFormSet)}


class HouseholdCreateView(HouseholdEditMixin, views.ObjectCreateView):
    pass


class HouseholdUpdateView(HouseholdEditMixin, views.ObjectUpdateView):
    pass
