from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.tables import PairingTable
from bangfu.coops.tables import HouseholdDividendTable, HouseholdHoldingTable
from bangfu.core import views
from bangfu.ledger.tables import ProblemTable, ProjectTable, VisitTable
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


def _visits(household: Household) -> Any:
    from bangfu.ledger.views import with_participant_count

    return with_participant_count(
        household.activities.select_related("unit", "branch", "village")
    ).order_by("-date", "-pk")


def _problems(household: Household) -> Any:
    return household.problems.select_related("unit", "village", "owner").order_by("-raised_on")


def _projects(household: Household) -> Any:
    return household.projects.select_related("unit", "village").order_by("-date", "-pk")


def _holdings(household: Household) -> Any:
    from bangfu.coops.models import Shareholding

    return Shareholding.objects.filter(member__household=household).select_related(
        "coop", "member", "fund"
    )


def _dividends(household: Household) -> Any:
    return household.dividends.select_related("run__coop", "member").order_by("-run__year")


class HouseholdDetailView(views.ObjectDetailView):
    """The household and everything touching it: who helps it, every visit, problem, project,
    share and dividend, so a secretary sees their work in one place."""

    queryset = Household.objects.select_related("village__parent__parent")
    template_name = "registry/household_detail.html"
    related = [
        (_("帮扶责任人"), "pairings", PairingTable, ("village", "household", "kind")),
        (_("帮扶活动"), _visits, VisitTable),
        (_("问题"), _problems, ProblemTable, ("village",)),
        (_("受益项目"), _projects, ProjectTable, ("village", "beneficiary_count", "total_funds")),
        (_("股权"), _holdings, HouseholdHoldingTable),
        (_("分红"), _dividends, HouseholdDividendTable),
    ]

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
