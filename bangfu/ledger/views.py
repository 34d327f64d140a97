from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from bangfu.core import views
from bangfu.ledger.filtersets import ActivityFilterSet
from bangfu.ledger.forms import ActivityForm
from bangfu.ledger.models import Activity
from bangfu.ledger.tables import ActivityTable
from bangfu.orgs.tables import MemberTable


class ActivityListView(views.ObjectListView):
    queryset = (
        Activity.objects.select_related("unit", "branch", "village")
        .annotate(participant_count=Count("participations"))
        .order_by("-date", "-pk")
    )
    filterset_class = ActivityFilterSet
    table_class = ActivityTable
    layout_key = "activities"


class ActivityDetailView(views.ObjectDetailView):
    queryset = Activity.objects.select_related("unit", "branch", "village", "campaign")
    related = [(_("参加人员"), "participants", MemberTable)]


class ActivityCreateView(views.ObjectCreateView):
    queryset = Activity.objects.all()
    form_class = ActivityForm

    def form_valid(self, form: Any) -> Any:
        form.instance.author = self.request.user
        return super().form_valid(form)


class ActivityUpdateView(views.ObjectUpdateView):
    queryset = Activity.objects.all()
    form_class = ActivityForm
