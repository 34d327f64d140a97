from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.tables import PairingTable
from bangfu.core import views
from bangfu.registry.exit_views import exit_context
from bangfu.registry.filtersets import HouseholdFilterSet
from bangfu.registry.forms import HouseholdForm, PeopleFormSet
from bangfu.registry.models import Household
from bangfu.registry.tables import HouseholdTable, PersonTable


class HouseholdListView(views.ObjectListView):
    queryset = (
        Household.objects.select_related("village")
        .annotate(people_count=Count("people"))
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


class HouseholdEditMixin:
    """The household form with its people as an inline formset, saved together or not at all."""

    queryset = Household.objects.all()
    form_class = HouseholdForm
    template_name = "registry/household_edit.html"

    def get_formset(self) -> Any:
        instance = self.object if getattr(self, "object", None) else Household()
        data = self.request.POST if self.request.method == "POST" else None
        return PeopleFormSet(
            data, instance=instance, prefix="people", form_kwargs={"user": self.request.user}
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["formset"] = kwargs.get("formset") or self.get_formset()
        return context

    def form_invalid(self, form: Any, formset: Any = None) -> Any:
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset or self.get_formset())
        )

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.object = self.get_object() if "pk" in kwargs else None
        form = self.get_form()
        formset = self.get_formset()
        if form.is_valid() and formset.is_valid():
            self._formset = formset
            return self.form_valid(form)
        return self.form_invalid(form, formset)

    def save_form(self, form: Any) -> Household:
        household = form.save()
        self._formset.instance = household
        self._formset.save()
        return household


class HouseholdCreateView(HouseholdEditMixin, views.ObjectCreateView):
    pass


class HouseholdUpdateView(HouseholdEditMixin, views.ObjectUpdateView):
    pass
