import django_filters
from django.contrib.contenttypes.models import ContentType
from django.forms import DateInput
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import AccessKind, AccessLog
from bangfu.core.filtersets import BaseFilterSet


class AccessLogFilterSet(BaseFilterSet):
    search_fields = ("user__username", "object_repr", "address")
    kind = django_filters.ChoiceFilter(
        label=_("方式"), choices=AccessKind.choices, empty_label=_("全部")
    )
    content_type = django_filters.ModelChoiceFilter(
        label=_("对象类型"),
        queryset=ContentType.objects.filter(app_label__in=("registry", "orgs")),
        empty_label=_("全部"),
    )
    since = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="time",
        lookup_expr="date__gte",
        widget=DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="time",
        lookup_expr="date__lte",
        widget=DateInput(attrs={"type": "date"}),
    )
    address = django_filters.CharFilter(label=_("来源地址"), lookup_expr="startswith")

    class Meta:
        model = AccessLog
        fields = ["q", "user", "kind", "content_type", "since", "until", "address"]
