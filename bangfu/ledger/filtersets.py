import django_filters
from django.utils.translation import gettext_lazy as _

from bangfu.core.filtersets import BaseFilterSet, region_filter
from bangfu.ledger.choices import ActivityKind, ReviewState
from bangfu.ledger.models import Activity


class ActivityFilterSet(BaseFilterSet):
    search_fields = ("summary", "village__name", "unit__name", "branch__name")
    region = region_filter("village__code")
    kind = django_filters.ChoiceFilter(
        label=_("帮扶类型"), choices=ActivityKind.choices, empty_label=_("全部")
    )
    state = django_filters.ChoiceFilter(
        label=_("审核状态"), choices=ReviewState.choices, empty_label=_("全部")
    )
    date_from = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="date",
        lookup_expr="gte",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="date",
        lookup_expr="lte",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Activity
        fields = ["q", "campaign", "kind", "state", "region", "unit", "date_from", "date_to"]
