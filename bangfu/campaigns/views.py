from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.filtersets import PairingFilterSet
from bangfu.campaigns.forms import PairingForm
from bangfu.campaigns.models import Pairing
from bangfu.campaigns.services import submit_pairing
from bangfu.campaigns.tables import PairingTable
from bangfu.core import views
from bangfu.ledger.models import Activity
from bangfu.ledger.tables import ActivityTable


class PairingListView(views.ObjectListView):
    queryset = Pairing.objects.select_related("branch__unit", "member", "village", "household")
    filterset_class = PairingFilterSet
    table_class = PairingTable
    layout_key = "pairings"


def _entries(pairing: Pairing) -> Any:
    return Activity.objects.filter(Activity.of_pairing_q(pairing)).order_by("-date", "-pk")


class PairingDetailView(views.ObjectDetailView):
    queryset = Pairing.objects.select_related("branch__unit", "member", "village", "household")
    template_name = "campaigns/pairing_detail.html"
    fields = [
        "campaign",
        "kind",
        "branch",
        "member",
        "village",
        "household",
        "origin",
        "start",
        "end",
        "state",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]
    related = [(_("帮扶活动"), _entries, ActivityTable, ("unit", "branch", "village"))]


class PairingSaveMixin:
    """Pairings are saved through the service: the campaign's rules, under row locks; a
    branch's claim waits for approval."""

    def save_form(self, form: Any) -> Pairing:
        try:
            return submit_pairing(form.instance, self.request.user)
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            return form.instance


class PairingCreateView(PairingSaveMixin, views.ObjectCreateView):
    queryset = Pairing.objects.all()
    form_class = PairingForm


class PairingUpdateView(PairingSaveMixin, views.ObjectUpdateView):
    queryset = Pairing.objects.all()
    form_class = PairingForm
