from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views import View

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import Campaign
from bangfu.campaigns.progress import unit_progress


class ProgressView(LoginRequiredMixin, View):
    """The allocation plan's progress: each unit's targets and active pairings per kind."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaigns = Campaign.objects.restrict(request.user, "view")
        campaign = (
            campaigns.filter(pk=request.GET.get("campaign") or 0).first() or campaigns.first()
        )
        rows = unit_progress(campaign, request.user) if campaign else []
        if request.GET.get("unmet"):
            rows = [r for r in rows if not r.met]
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


progress_urlpatterns = [path("progress/", ProgressView.as_view(), name="progress")]
