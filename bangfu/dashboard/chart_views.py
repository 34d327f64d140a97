"""Chart and map pages and their JSON: the same slice form as the dashboard, within the scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.dashboard.charts import CHARTS
from bangfu.dashboard.figures import FigureSlice
from bangfu.dashboard.forms import FigureSliceForm
from bangfu.dashboard.map import map_data, status_legend


def slice_from_request(request: HttpRequest) -> tuple[FigureSliceForm, FigureSlice | None]:
    """The slice form bound to the query string (choices within the user's scope) and the slice
    it names: None when there is no campaign, or the form is invalid (a unit or campaign
    outside the scope is not a valid choice)."""
    form = FigureSliceForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    campaign = form.fields["campaign"].queryset.first()
    if campaign is None:
        return form, None
    return form, form.slice(campaign)


def _refused(form: FigureSliceForm) -> JsonResponse:
    if form.is_bound and form.errors:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse({"errors": {"campaign": [_("还没有帮扶行动。")]}}, status=404)


@login_required
def charts_page(request: HttpRequest) -> HttpResponse:
    """The four charts, each drawn from its JSON endpoint with its data table beside it."""
    form, slice_ = slice_from_request(request)
    query = request.GET.urlencode()
    charts = [
        {"name": name, "url": reverse("dashboard:chart_data", args=[name]) + f"?{query}"}
        for name in CHARTS
    ]
    return render(
        request,
        "dashboard/charts.html",
        {"form": form, "slice": slice_, "charts": charts, "query": query},
    )


@login_required
def chart_data(request: HttpRequest, name: str) -> JsonResponse:
    if name not in CHARTS:
        raise Http404(name)
    form, slice_ = slice_from_request(request)
    if slice_ is None:
        return _refused(form)
    return JsonResponse(CHARTS[name](slice_).to_json())


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    form, slice_ = slice_from_request(request)
    query = request.GET.urlencode()
    context: dict[str, Any] = {
        "form": form,
        "slice": slice_,
        "data_url": reverse("dashboard:map_data") + f"?{query}",
        "statuses": status_legend(),
    }
    return render(request, "dashboard/map.html", context)


@login_required
def map_json(request: HttpRequest) -> JsonResponse:
    form, slice_ = slice_from_request(request)
    if slice_ is None:
        return _refused(form)
    return JsonResponse(map_data(slice_))
