from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from bangfu.dashboard.figures import FIGURES, FigureSlice
from bangfu.dashboard.forms import FigureSliceForm


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The landing page: the headline figures for the chosen slice, within the user's scope."""
    form = FigureSliceForm(request.GET or None, user=request.user)
    campaigns = form.fields["campaign"].queryset
    context: dict[str, Any] = {"form": form, "figures": []}
    if not campaigns.exists():
        return render(request, "dashboard/index.html", context)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    campaign = data.get("campaign") or campaigns.first()
    slice_ = FigureSlice(
        campaign=campaign,
        region_prefix=data.get("region") or None,
        unit_id=data["unit"].pk if data.get("unit") else None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        user=request.user,
    )
    context["campaign"] = campaign
    context["figures"] = [(f, f.compute(slice_)) for f in FIGURES]
    context["overdue_problems"] = slice_.overdue_problems().count()
    context["overdue_url"] = (
        reverse("ledger:problem_list")
        + "?"
        + urlencode(
            {
                "overdue": "true",
                "campaign": campaign.pk,
                "region": slice_.region_prefix or "",
                "unit": slice_.unit_id or "",
            }
        )
    )
    return render(request, "dashboard/index.html", context)
