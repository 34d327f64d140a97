from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.filtersets import PairingFilterSet
from bangfu.campaigns.forms import PairingForm
from bangfu.campaigns.models import Pairing
from bangfu.campaigns.tables import PairingTable
from bangfu.core import views
from bangfu.ledger.tables import ActivityTable


class PairingListView(views.ObjectListView):
    queryset = Pairing.objects.select_related("branch__unit", "member", "village", "household")
    filterset_class = PairingFilterSet
    table_class = PairingTable
    layout_key = "pairings"


class PairingDetailView(views.ObjectDetailView):
    queryset = Pairing.objects.select_related("branch__unit", "member", "village", "household")
    related = [(_("帮扶活动"), "activities", ActivityTable, ("unit", "branch", "village"))]


class PairingCreateView(views.ObjectCreateView):
    queryset = Pairing.objects.all()
    form_class = PairingForm


class PairingUpdateView(views.ObjectUpdateView):
    queryset = Pairing.objects.all()
    form_class = PairingForm
