"""The data quality page (/registry/quality/): counts per check and village, the findings with
links to fix them, and the same findings as an Excel file."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from bangfu.core.personal import can_see_personal_data, log_export
from bangfu.core.spreadsheets import SheetSpec, xlsx_response
from bangfu.registry import quality
from bangfu.registry.models import Household, Person

PAGE_SIZE = 50
# Columns written as text: village code, household number, ID number.
TEXT_COLUMNS = (3, 4, 6)


class QualityView(LoginRequiredMixin, View):
    """Findings within the user's scope; `region` (code prefix) and `check` narrow them."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.has_perm("registry.view_household") and user.has_perm("registry.view_person")):
            raise PermissionDenied
        region = request.GET.get("region", "").strip()
        check = request.GET.get("check", "")
        if check not in quality.Check.values:
            check = ""
        found = quality.findings(user, region)
        shown = [f for f in found if f.check == check] if check else found
        exporting = request.GET.get("_export") == "xlsx"
        page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
        # Users with the right see full ID numbers here (the report exists to fix them);
        # each page or file that shows them is written to the access log.
        revealed = [f for f in (shown if exporting else page) if f.id_number]
        if revealed and can_see_personal_data(user):
            log_export(request, Person, "xlsx" if exporting else "page", len(revealed))
        if exporting:
            return export_xlsx(shown)
        per_check, villages = quality.summarize(found)
        on_page = {f.household_id for f in page}
        editable = set(
            Household.objects.restrict(user, "change")
            .filter(pk__in=on_page)
            .values_list("pk", flat=True)
        )
        context: dict[str, Any] = {
            "region": region,
            "check": check,
            "checks": [(value, label, per_check[value]) for value, label in quality.Check.choices],
            "villages": villages,
            "total": len(found),
            "shown_count": len(shown),
            "page_obj": page,
            "editable": editable,
        }
        return render(request, "registry/quality.html", context)


def export_xlsx(found: list[quality.Finding]) -> HttpResponse:
    """The findings in the page's columns, written a row at a time to a temporary file."""
    sheet = SheetSpec(
        name=_("数据质量检查"),
        headers=quality.export_columns(),
        rows=(quality.export_row(f) for f in found),
        text_columns=TEXT_COLUMNS,
        widths=(22, 8, 14, 16, 20, 10, 22, 60),
    )
    return xlsx_response([sheet], "{}.xlsx".format(_("数据质量检查")))


urlpatterns = [path("quality/", QualityView.as_view(), name="quality")]
