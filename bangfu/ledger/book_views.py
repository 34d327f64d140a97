"""Pages for the printable ledger (台账): pick a unit or a village and a period, download
.xlsx or PDF. Every unit, village and row goes through `restrict(user, "view")`."""

from __future__ import annotations

import datetime
import tempfile
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bangfu.campaigns.models import Campaign
from bangfu.core.forms import BootstrapMixin, SearchWidget
from bangfu.geo.choices import Level
from bangfu.geo.models import Region
from bangfu.ledger import books
from bangfu.orgs.models import Unit

FORMATS = ("xlsx", "pdf")


def _campaign(request: HttpRequest) -> Campaign:
    campaigns = Campaign.objects.restrict(request.user, "view")
    wanted = request.GET.get("campaign")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        return get_object_or_404(campaigns, pk=wanted)
    campaign = campaigns.first()
    if campaign is None:
        raise Http404
    return campaign


def _may_view_ledger(request: HttpRequest) -> None:
    if not request.user.has_perm("ledger.view_activity"):
        raise PermissionDenied


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _send(book: books.Book, fmt: str, request: HttpRequest) -> HttpResponse:
    """Write the book to a temporary file and send it (the PDF needs a Chinese font)."""
    temp = tempfile.TemporaryFile()
    if fmt == "pdf":
        try:
            books.write_book_pdf(book, temp)
        except books.FontMissingError as e:
            temp.close()
            messages.error(request, str(e))
            return redirect(reverse("ledger:book_index"))
    else:
        books.write_book_xlsx(book, temp)
    temp.seek(0)
    return FileResponse(temp, as_attachment=True, filename=f"{book.filename}.{fmt}")


class UnitBookView(LoginRequiredMixin, View):
    """A unit's ledger for one month; a unit outside the user's scope is 404."""

    def get(self, request: HttpRequest, pk: int, year: int, month: int, fmt: str) -> HttpResponse:
        _may_view_ledger(request)
        if fmt not in FORMATS or not (1 <= month <= 12) or not (2000 <= year <= 2100):
            raise Http404
        unit = get_object_or_404(Unit.objects.restrict(request.user, "view"), pk=pk)
        book = books.unit_book(
            _campaign(request), unit, books.Period.month(year, month), request.user
        )
        return _send(book, fmt, request)


class VillageBookView(LoginRequiredMixin, View):
    """A village's ledger for a period (?from=&to=, default: the campaign's whole period)."""

    def get(self, request: HttpRequest, code: str, fmt: str) -> HttpResponse:
        _may_view_ledger(request)
        if fmt not in FORMATS:
            raise Http404
        village = get_object_or_404(
            Region.objects.restrict(request.user, "view").select_related("parent__parent"),
            code=code,
            level=Level.VILLAGE,
        )
        campaign = _campaign(request)
        start = _date(request.GET.get("from")) or campaign.start
        end = _date(request.GET.get("to")) or campaign.end
        if end < start:
            raise Http404
        book = books.village_book(campaign, village, books.Period(start, end), request.user)
        return _send(book, fmt, request)


class BookForm(BootstrapMixin, forms.Form):
    """What ledger to make: a unit and a month, or a village and a period."""

    KIND_CHOICES = (("unit", gettext_lazy("单位月度台账")), ("village", gettext_lazy("村台账")))

    campaign = forms.ModelChoiceField(
        label=gettext_lazy("帮扶行动"), queryset=Campaign.objects.all(), empty_label=None
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("台账"), choices=KIND_CHOICES, widget=forms.RadioSelect, initial="unit"
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("单位"), queryset=Unit.objects.all(), required=False
    )
    month = forms.CharField(
        label=gettext_lazy("月份"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    village = forms.CharField(
        label=gettext_lazy("村"), required=False, widget=SearchWidget("geo.Region")
    )
    date_from = forms.DateField(label=gettext_lazy("开始日期"), required=False)
    date_to = forms.DateField(label=gettext_lazy("结束日期"), required=False)
    fmt = forms.ChoiceField(
        label=gettext_lazy("格式"),
        choices=(("xlsx", "Excel (.xlsx)"), ("pdf", "PDF")),
        widget=forms.RadioSelect,
        initial="xlsx",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("kind", "fmt"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == "unit":
            if not data.get("unit"):
                self.add_error("unit", _("请选择单位。"))
            try:
                year, month = (int(x) for x in (data.get("month") or "").split("-"))
                data["year"], data["month_number"] = year, month
                books.Period.month(year, month)
            except (ValueError, TypeError):
                self.add_error("month", _("请选择月份。"))
        elif data.get("kind") == "village":
            code = (data.get("village") or "").strip()
            village = (
                Region.objects.restrict(self.user, "view")
                .filter(code=code, level=Level.VILLAGE)
                .first()
            )
            if village is None:
                self.add_error("village", _("请选择您管辖范围内的一个村。"))
            data["village_region"] = village
            start, end = data.get("date_from"), data.get("date_to")
            if start and end and end < start:
                self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def target(self) -> str:
        """The download's address for a valid form."""
        data = self.cleaned_data
        query: dict[str, Any] = {"campaign": data["campaign"].pk}
        if data["kind"] == "unit":
            url = reverse(
                "ledger:book_unit",
                args=[data["unit"].pk, data["year"], data["month_number"], data["fmt"]],
            )
        else:
            url = reverse("ledger:book_village", args=[data["village_region"].code, data["fmt"]])
            if data.get("date_from"):
                query["from"] = data["date_from"].isoformat()
            if data.get("date_to"):
                query["to"] = data["date_to"].isoformat()
        return f"{url}?{urlencode(query)}"


class BookIndexView(LoginRequiredMixin, View):
    """Pick a unit and month, or a village and period; the form leads to the download."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _may_view_ledger(request)
        user = request.user
        if "kind" in request.GET:
            form = BookForm(request.GET, user=user)
            if form.is_valid():
                return redirect(form.target())
        else:
            # This month, or the campaign's last month once the campaign is over.
            day = datetime.date.today()
            campaign = Campaign.objects.restrict(user, "view").first()
            if campaign is not None:
                day = max(min(day, campaign.end), campaign.start)
            initial: dict[str, Any] = {"month": f"{day:%Y-%m}"}
            if user.unit_id:
                initial["unit"] = user.unit_id
            elif getattr(user, "branch_id", None):
                initial["unit"] = user.branch.unit_id
            elif getattr(user, "member_id", None):
                initial["unit"] = user.member.branch.unit_id
            if user.region_id and user.region.level == Level.VILLAGE:
                initial["kind"] = "village"
                initial["village"] = user.region.code
            form = BookForm(initial=initial, user=user)
        return render(request, "ledger/book_index.html", {"form": form})


book_urlpatterns = [
    path("books/", BookIndexView.as_view(), name="book_index"),
    path(
        "books/units/<int:pk>/<int:year>-<int:month>.<slug:fmt>",
        UnitBookView.as_view(),
        name="book_unit",
    ),
    path("books/villages/<slug:code>.<slug:fmt>", VillageBookView.as_view(), name="book_village"),
]
