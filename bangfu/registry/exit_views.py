"""Exit and monitoring pages (脱贫退出, 防返贫监测): the poverty line table, the relapse
monitoring list, and the button that makes a flagged household a monitoring target."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from bangfu.core import views
from bangfu.core.spreadsheets import SheetSpec, xlsx_response
from bangfu.core.urls import model_urls
from bangfu.registry import services
from bangfu.registry.choices import HouseholdStatus, RelapseLevel
from bangfu.registry.filtersets import PovertyLineFilterSet
from bangfu.registry.forms import PovertyLineForm
from bangfu.registry.models import Household, HouseholdScore, PovertyLine
from bangfu.registry.tables import PovertyLineTable

PAGE_SIZE = 50


class PovertyLineListView(views.ObjectListView):
    queryset = PovertyLine.objects.all()
    filterset_class = PovertyLineFilterSet
    table_class = PovertyLineTable


class PovertyLineDetailView(views.ObjectDetailView):
    queryset = PovertyLine.objects.all()


class PovertyLineCreateView(views.ObjectCreateView):
    queryset = PovertyLine.objects.all()
    form_class = PovertyLineForm


class PovertyLineUpdateView(views.ObjectUpdateView):
    queryset = PovertyLine.objects.all()
    form_class = PovertyLineForm


class MonitoringView(LoginRequiredMixin, View):
    """Lifted-out households in the user's scope that monitoring flags for a year (?year=),
    optionally one level (?level=), with links and the button to monitor each."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.has_perm("registry.view_household"):
            raise PermissionDenied
        households = Household.objects.restrict(user, "view")
        try:
            year = int(request.GET.get("year") or services.monitoring_year(households))
        except ValueError:
            year = services.monitoring_year(households)
        level = request.GET.get("level", "")
        if level not in RelapseLevel.values:
            level = ""
        flags = services.relapse_monitoring(households, year)
        counts = {value: 0 for value in RelapseLevel.values}
        for flag in flags:
            counts[flag.level] += 1
        shown = [f for f in flags if f.level == level] if level else flags
        if request.GET.get("_export") == "xlsx":
            return export_flags(shown, year)
        page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
        editable = set(
            Household.objects.restrict(user, "change")
            .filter(pk__in=[f.household.pk for f in page])
            .values_list("pk", flat=True)
        )
        context: dict[str, Any] = {
            "year": year,
            "level": level,
            "line": services.poverty_line(year),
            "factor": services.relapse_risk_factor(),
            "levels": [(value, label, counts[value]) for value, label in RelapseLevel.choices],
            "total": len(flags),
            "shown_count": len(shown),
            "page_obj": page,
            "editable": editable,
            "monitored_count": households.filter(status=HouseholdStatus.MONITORED).count(),
            "lines": PovertyLine.objects.restrict(user, "view").order_by("-year")[:10],
        }
        return render(request, "registry/monitoring.html", context)


def export_flags(flags: list, year: int) -> HttpResponse:
    """The flagged households with the page's columns, as .xlsx."""
    levels = dict(RelapseLevel.choices)
    rows = (
        [
            f.household.number,
            f.household.head_name,
            f.household.village.name,
            f.household.village.code,
            str(levels[f.level]),
            f.people,
            float(f.per_head) if f.per_head is not None else "",
            float(f.line) if f.line is not None else "",
            "；".join(str(r) for r in f.reasons),
        ]
        for f in flags
    )
    headers = [
        str(h)
        for h in (
            _("户编号"),
            _("户主姓名"),
            _("所在村"),
            _("村代码"),
            _("监测结果"),
            _("人口"),
            _("人均纯收入"),
            _("贫困线"),
            _("原因"),
        )
    ]
    title = _("{year}年防返贫监测").format(year=year)
    sheet = SheetSpec(
        str(title), headers, rows, text_columns=(0, 3), widths=(20, 10, 12, 14, 12, 6, 12, 10, 60)
    )
    return xlsx_response([sheet], f"{title}.xlsx")


class MarkMonitoredView(LoginRequiredMixin, View):
    """POST: make a lifted-out household a monitoring target; back to where the button was."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        household = get_object_or_404(Household.objects.restrict(request.user, "change"), pk=pk)
        try:
            services.mark_monitored(household, request.user)
        except ValidationError as e:
            for message in e.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("{household}已纳入监测对象。").format(household=household))
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
            return redirect(back)
        return redirect(household.get_absolute_url())


urlpatterns = [
    *model_urls(
        "povertyline",
        PovertyLineListView,
        PovertyLineDetailView,
        PovertyLineCreateView,
        PovertyLineUpdateView,
        plural="poverty-lines",
    ),
    path("monitoring/", MonitoringView.as_view(), name="monitoring"),
    path("households/<int:pk>/monitor/", MarkMonitoredView.as_view(), name="household_monitor"),
]


def exit_context(household: Household, user: Any) -> dict[str, Any]:
    """What a household's page shows of identification and exit: its scores, the exit review
    for the latest year with income, and the relapse flag if it is lifted out."""
    year = services.latest_income_year(household)
    review = services.exit_review(household, year) if year else None
    flag = None
    if year and household.status == HouseholdStatus.LIFTED:
        flags = services.relapse_monitoring(Household.objects.filter(pk=household.pk), year)
        flag = flags[0] if flags else None
    return {
        "exit_review": review,
        "relapse_flag": flag,
        "scores": HouseholdScore.objects.restrict(user, "view")
        .filter(household=household)
        .select_related("sheet")[:10],
        "can_score": Household.objects.restrict(user, "change").filter(pk=household.pk).exists(),
    }
