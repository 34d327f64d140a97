"""Filter base: a free-text `q` over the model's search fields and a region code prefix."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.forms import Select
from django.utils.translation import gettext_lazy as _
from django_filters import CharFilter, FilterSet

from bangfu.core.forms import SearchWidget, bound_inputs


class BaseFilterSet(FilterSet):
    q = CharFilter(label=_("搜索"), method="search")
    search_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = kwargs.get("request")
        bound_inputs(self.form)
        for field in self.form.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset.model, "search"):
                # Units and members run to thousands: search as you type, not a long list.
                field.widget = SearchWidget(queryset.model._meta.label)
                field.widget.is_required = False
            css = "form-select" if isinstance(field.widget, Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")
            if request is not None and queryset is not None and hasattr(queryset, "restrict"):
                field.queryset = queryset.restrict(request.user, "view")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        q = Q()
        for term in value.split():
            term_q = Q()
            for field in self.search_fields:
                term_q |= Q(**{f"{field}__icontains": term})
            q &= term_q
        return queryset.filter(q)


def region_filter(path: str) -> CharFilter:
    """Filter by a region's code prefix (e.g. 5205 for 毕节市), through `path` to a code."""
    return CharFilter(
        label=_("区划代码"),
        field_name=f"{path}",
        lookup_expr="startswith",
        help_text=_("如 5205 表示毕节市"),
    )
