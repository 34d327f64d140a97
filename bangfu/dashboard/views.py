from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_tables2.export.views import ExportMixin
from django_tables2.views import SingleTableMixin

from bangfu.core.tables import PAGE_SIZES, RequestConfig, export_table
from bangfu.dashboard.drilldown import table_for
from bangfu.dashboard.figures import (
    BY_KEY,
    FIGURES,
    MORE_FIGURES,
    FigureSlice,
    compute_all,
)
from bangfu.dashboard.forms import FigureSliceForm, region_label, region_path, regions_for

SLICE_PARAMS = ("campaign", "region", "unit", "branch", "date_from", "date_to")


def _slice_form(request: HttpRequest) -> tuple[FigureSliceForm, FigureSlice | None]:
    """The slice form bound to the query string, and the slice it names (None: no campaign)."""
    form = FigureSliceForm(request.GET or None, user=request.user)
    campaign = form.fields["campaign"].queryset.first()
    if campaign is None:
        return form, None
    return form, form.slice(campaign)


def slice_query(request: HttpRequest) -> str:
    """The slice's parameters as a query string, for links that keep the slice."""
    return urlencode([(k, request.GET[k]) for k in SLICE_PARAMS if request.GET.get(k)])


def slice_summary(form: FigureSliceForm, slice_: FigureSlice) -> list[tuple[str, str]]:
    """The slice's filters as (label, value) for a heading: what the figures are of."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = [(_("帮扶行动"), str(slice_.campaign))]
    region = data.get("region")
    rows.append((_("区域"), region_label(region) if region else _("全部")))
    if data.get("unit"):
        rows.append((_("单位"), str(data["unit"])))
    if data.get("branch"):
        rows.append((_("党支部"), data["branch"].name))
    if slice_.date_from or slice_.date_to:
        from bangfu.dashboard.bulletin import period_phrase

        rows.append((_("期间"), period_phrase(slice_)))  # 2016年1月1日至…, 截至…, …以来
    return rows


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The landing page: every figure for the chosen slice, within the user's scope, each
    linking to the records it counts."""
    form, slice_ = _slice_form(request)
    context: dict[str, Any] = {"form": form, "figures": [], "more_figures": []}
    if slice_ is None:
        return render(request, "dashboard/index.html", context)
    query = slice_query(request)
    values = compute_all(slice_)

    def cards(figures: list) -> list[tuple[Any, Any, str]]:
        return [
            (
                f,
                values[f.key],
                reverse("dashboard:figure", args=[f.key]) + (f"?{query}" if query else ""),
            )
            for f in figures
        ]

    context["campaign"] = slice_.campaign
    context["figures"] = [(f, v) for f, v, _url in cards(FIGURES)]
    context["cards"] = cards(FIGURES)
    context["more_cards"] = cards(MORE_FIGURES)
    context["overdue_problems"] = values["overdue_problems"]
    context["overdue_url"] = reverse("dashboard:figure", args=["overdue_problems"]) + (
        f"?{query}" if query else ""
    )
    context["summary"] = slice_summary(form, slice_)
    context["region_path"], context["region_children"] = region_path(
        form.chosen_region(), regions_for(request.user)
    )
    context["query_without_region"] = urlencode(
        [(k, request.GET[k]) for k in SLICE_PARAMS if request.GET.get(k) and k != "region"]
    )
    return render(request, "dashboard/index.html", context)


class FigureRecordsView(LoginRequiredMixin, ExportMixin, SingleTableMixin, TemplateView):
    """The exact records a figure counts, for the same slice: its count or total is the
    figure. Exports to Excel like every list."""

    template_name = "dashboard/figure_records.html"
    export_formats = ("xlsx", "csv")
    paginate_by = 25

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.figure = BY_KEY.get(kwargs["key"])
        if self.figure is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.form, self.slice = _slice_form(request)
        if self.slice is None:
            raise Http404
        self.records = self.figure.records(self.slice)
        return super().get(request, *args, **kwargs)

    def get_table(self, **kwargs: Any) -> Any:
        table = table_for(self.records, self.request.user, **kwargs)
        return RequestConfig(self.request, paginate=self.get_table_pagination(table)).configure(
            table
        )

    def get_paginate_by(self, table_data: Any) -> int:
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return size if size in PAGE_SIZES else self.paginate_by

    def get_export_filename(self, export_format: str) -> str:
        return f"{self.figure.label}.{export_format}"

    def create_export(self, export_format: str) -> HttpResponse:
        """The records as the lists export them (plain values through the common writers)."""
        return export_table(
            self.get_table(**self.get_table_kwargs()),
            export_format,
            self.get_export_filename(export_format),
            self.exclude_columns,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = slice_query(self.request)
        context.update(
            figure=self.figure,
            total=self.figure.measure(self.records),
            rows=context["table"].paginator.count,
            summary=slice_summary(self.form, self.slice),
            form=self.form,
            back_url=reverse("dashboard:index") + (f"?{query}" if query else ""),
            page_sizes=PAGE_SIZES,
            model_meta=self.records.model._meta,
        )
        if self.figure.ratio:
            top, bottom = self.figure.ratio
            context["ratio_parts"] = self.records.aggregate(top=Sum(top), bottom=Sum(bottom))
        return context


@login_required
def region_search(request: HttpRequest) -> HttpResponse:
    """Options for the region box: divisions of every level the user may pick, by name or code."""
    text = (request.GET.get(request.GET.get("field", "q"), "") or request.GET.get("q", "")).strip()
    qs = regions_for(request.user)
    if text.isdigit():
        qs = qs.filter(code__startswith=text[:12])
    elif text:
        qs = qs.filter(name__contains=text)
    qs = qs.select_related("parent__parent__parent").order_by("code")[:20]
    results = [(r.code, region_label(r)) for r in qs]
    return render(request, "core/widgets/search_options.html", {"results": results})
