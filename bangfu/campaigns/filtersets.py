import django_filters
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.choices import PairingKind, PairingOrigin, PairingState
from bangfu.campaigns.models import Pairing
from bangfu.core.filtersets import BaseFilterSet, region_filter


class PairingFilterSet(BaseFilterSet):
    search_fields = (
        "branch__name",
        "branch__unit__name",
        "member__name",
        "village__name",
        "household__head_name",
    )
    region = region_filter("village__code")
    kind = django_filters.ChoiceFilter(
        label=_("结对类型"), choices=PairingKind.choices, empty_label=_("全部")
    )
    origin = django_filters.ChoiceFilter(
        label=_("结对方式"), choices=PairingOrigin.choices, empty_label=_("全部")
    )
    state = django_filters.ChoiceFilter(
        label=_("审批状态"), choices=PairingState.choices, empty_label=_("全部")
    )

    class Meta:
        model = Pairing
        fields = ["q", "campaign", "kind", "region", "branch__unit", "origin", "state"]
