import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.core.tables import BaseTable
from bangfu.ledger.models import Activity


class ActivityTable(BaseTable):
    date = tables.Column(linkify=True, attrs={"td": {"class": "text-nowrap"}})
    branch = tables.Column(accessor="branch__name", order_by=("branch",))
    kind = tables.Column(linkify=True)
    village = tables.Column(linkify=True)
    participant_count = tables.Column(verbose_name=_("人次"), default=0)

    class Meta(BaseTable.Meta):
        model = Activity
        fields = (
            "date",
            "kind",
            "unit",
            "branch",
            "village",
            "participant_count",
            "days",
            "quantity",
            "amount",
            "state",
        )
