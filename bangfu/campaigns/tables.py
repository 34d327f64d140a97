import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.models import Pairing
from bangfu.core.tables import BaseTable


class PairingTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name=_("编号"))
    branch = tables.Column(linkify=True)
    start = tables.Column(attrs={"td": {"class": "text-nowrap"}})
    end = tables.Column(attrs={"td": {"class": "text-nowrap"}})
    village = tables.Column(linkify=True)
    household = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Pairing
        fields = (
            "id",
            "kind",
            "branch",
            "member",
            "village",
            "household",
            "origin",
            "state",
            "start",
            "end",
        )
