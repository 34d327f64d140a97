import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bangfu.core.filtersets import BaseFilterSet, region_filter
from bangfu.ledger.choices import (
    ActivityKind,
    ProblemCategory,
    ProblemState,
    ProjectOrigin,
    ProjectSector,
    ProjectState,
    ReviewState,
)
from bangfu.ledger.models import Activity, Problem, Project


def _date(label: str, field_name: str, lookup: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        label=label,
        field_name=field_name,
        lookup_expr=lookup,
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )


def _choice(label: str, choices: list) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(label=label, choices=choices, empty_label=_("全部"))


class ActivityFilterSet(BaseFilterSet):
    search_fields = ("summary", "village__name", "unit__name", "branch__name")
    region = region_filter("village__code")
    kind = _choice(_("帮扶类型"), ActivityKind.choices)
    state = _choice(_("审核状态"), ReviewState.choices)
    date_from = _date(_("起始日期"), "date", "gte")
    date_to = _date(_("截止日期"), "date", "lte")

    class Meta:
        model = Activity
        fields = ["q", "campaign", "kind", "state", "region", "unit", "date_from", "date_to"]


class ProblemFilterSet(BaseFilterSet):
    search_fields = ("title", "description", "village__name", "unit__name")
    region = region_filter("village__code")
    category = _choice(_("问题类别"), ProblemCategory.choices)
    state = _choice(_("状态"), ProblemState.choices)
    overdue = django_filters.BooleanFilter(
        label=_("只看逾期"),
        method="filter_overdue",
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Problem
        fields = ["q", "campaign", "category", "state", "overdue", "region", "unit", "owner"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return (
            queryset.filter(Problem.overdue_q()) if value else queryset.exclude(Problem.overdue_q())
        )


class ProjectFilterSet(BaseFilterSet):
    search_fields = ("name", "description", "village__name", "unit__name")
    region = region_filter("village__code")
    origin = _choice(_("项目来源"), ProjectOrigin.choices)
    sector = _choice(_("产业领域"), ProjectSector.choices)
    state = _choice(_("状态"), ProjectState.choices)

    class Meta:
        model = Project
        fields = ["q", "campaign", "origin", "sector", "state", "region", "unit"]
