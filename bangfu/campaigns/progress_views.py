from typing import Any

from django import forms
from django.contrib import messages as messages_framework
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.campaigns.progress import unit_progress
from bangfu.campaigns.services import hand_over
from bangfu.core.forms import BootstrapMixin, chosen
from bangfu.core.spreadsheets import SheetSpec, xlsx_response
from bangfu.orgs.models import Branch


class ProgressView(LoginRequiredMixin, View):
    """The allocation plan's progress: each unit's targets and active pairings per kind."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaigns = Campaign.objects.restrict(request.user, "view")
        campaign = chosen(campaigns, request.GET.get("campaign")) or campaigns.first()
        rows = unit_progress(campaign, request.user) if campaign else []
        if request.GET.get("unmet"):
            rows = [r for r in rows if not r.met]
        if request.GET.get("_export") == "xlsx":
            return export_progress(campaign, rows)
        return render(
            request,
            "campaigns/progress.html",
            {
                "campaign": campaign,
                "campaigns": campaigns,
                "rows": rows,
                "kinds": PairingKind.choices,
                "unmet": bool(request.GET.get("unmet")),
            },
        )


def export_progress(campaign: Campaign, rows: list) -> HttpResponse:
    """The progress table as .xlsx: per kind, the target and the pairings in force."""
    headers = [str(_("单位"))]
    for _value, label in PairingKind.choices:
        headers += [
            str(_("{kind}目标").format(kind=label)),
            str(_("{kind}完成").format(kind=label)),
        ]
    lines = (
        [row.unit.name]
        + [
            n
            for value in PairingKind.values
            for n in (row.kinds[value].target, row.kinds[value].actual)
        ]
        for row in rows
    )
    title = str(_("任务进度"))
    return xlsx_response(
        [SheetSpec(title, headers, lines, widths=(28,))], f"{campaign} {title}.xlsx"
    )


class HandOverForm(BootstrapMixin, forms.Form):
    branch = forms.ModelChoiceField(label=_("接手支部"), queryset=Branch.objects.all())
    on = forms.DateField(label=_("移交日期"), widget=forms.DateInput(attrs={"type": "date"}))


class HandOverView(LoginRequiredMixin, View):
    """Hand a pairing to another branch (the old pairing ends, a new one starts)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            self.pairing = get_object_or_404(
                Pairing.objects.restrict(request.user, "change"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = HandOverForm(user=request.user)
        return render(request, "campaigns/hand_over.html", {"form": form, "pairing": self.pairing})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = HandOverForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                successor = hand_over(
                    self.pairing, form.cleaned_data["branch"], form.cleaned_data["on"]
                )
            except ValidationError as e:
                fields = {"branch": "branch", "start": "on"}
                for field, messages in e.message_dict.items():
                    form.add_error(fields.get(field), messages)
            else:
                messages_framework.success(request, _("已移交。"))
                return redirect(successor.get_absolute_url())
        return render(request, "campaigns/hand_over.html", {"form": form, "pairing": self.pairing})


progress_urlpatterns = [
    path("progress/", ProgressView.as_view(), name="progress"),
    path("pairings/<int:pk>/hand-over/", HandOverView.as_view(), name="pairing_hand_over"),
]
