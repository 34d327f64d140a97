"""Claim → approval: the open list of villages with a free slot, a branch's claim (or the
office's assignment), and the unit committee's approval queue. Rules live in services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from bangfu.campaigns.choices import PairingKind, PairingOrigin, PairingState
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.campaigns.services import (
    approve_pairings,
    check_rules,
    claim_village,
    default_start,
    error_text,
    open_villages,
    reject_pairings,
)
from bangfu.geo.models import Region
from bangfu.orgs.models import Branch

PAGE_SIZE = 25


def chosen_campaign(request: HttpRequest) -> Campaign | None:
    """The campaign named by ?campaign= (or the latest one) among those the user may see."""
    campaigns = Campaign.objects.restrict(request.user, "view")
    wanted = request.GET.get("campaign") or request.POST.get("campaign") or 0
    try:
        return campaigns.filter(pk=int(wanted)).first() or campaigns.first()
    except ValueError:
        return campaigns.first()


def claim_outlook(
    campaign: Campaign, branch: Branch, villages: list[Region], on: Any
) -> tuple[str, set[int]]:
    """Whether the branch can claim at all (the rules' refusal when it cannot, e.g. it is
    full) and which of `villages` it already pairs: asked of the rules once per page, so a
    button is never offered that would only fail after the tap."""
    paired = set(
        Pairing.objects.filter(
            campaign=campaign,
            kind=PairingKind.BRANCH_VILLAGE,
            branch=branch,
            village__in=[v.pk for v in villages],
        )
        .holding_slots(on)
        .values_list("village_id", flat=True)
    )
    probe = next((v for v in villages if v.pk not in paired), None)
    if probe is None:
        return "", paired
    trial = Pairing(
        campaign=campaign, kind=PairingKind.BRANCH_VILLAGE, branch=branch, village=probe, start=on
    )
    try:
        check_rules(trial)
    except ValidationError as e:
        if hasattr(e, "error_dict") and "branch" in e.error_dict:
            return " ".join(e.message_dict["branch"]), paired
    return "", paired


class OpenVillagesView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Villages of the campaign that still have a free slot, each with a claim button.

    Village names and codes are public statistics (see Region.public_search): a branch must
    see villages it does not work in yet to claim one, so the list is not narrowed by scope.
    The branches offered are the user's (restrict), and so are their claims below.
    """

    permission_required = "campaigns.add_pairing"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = chosen_campaign(request)
        branches = Branch.for_choices(
            Branch.objects.restrict(request.user, "view").order_by("unit__name", "name")
        )
        q = request.GET.get("q", "").strip()
        villages = open_villages(campaign) if campaign else Region.objects.none()
        if q:
            villages = villages.filter(Q(name__contains=q) | Q(code__startswith=q))
        page = Paginator(villages, PAGE_SIZE).get_page(request.GET.get("page"))
        claims = (
            Pairing.objects.restrict(request.user, "view")
            .filter(campaign=campaign, kind=PairingKind.BRANCH_VILLAGE)
            .exclude(state=PairingState.APPROVED)
            .select_related("branch", "village", "reviewed_by")
            .order_by("-updated")[:20]
            if campaign
            else []
        )
        branch_id = request.GET.get("branch") or (
            str(request.user.branch_id) if request.user.branch_id else ""
        )
        if len(branches) == 1 and not branch_id:
            branch_id = str(branches[0].pk)
        start = default_start(campaign) if campaign else None
        refusal, paired = "", set()
        branch = next((b for b in branches if str(b.pk) == branch_id), None)
        if campaign and branch is not None and page.object_list:
            refusal, paired = claim_outlook(campaign, branch, list(page.object_list), start)
        for village in page.object_list:
            village.paired_here = village.pk in paired
        return render(
            request,
            "campaigns/open_villages.html",
            {
                "campaign": campaign,
                "campaigns": Campaign.objects.restrict(request.user, "view"),
                "page": page,
                "q": q,
                "branches": branches,
                "branch_id": branch_id,
                "claims": claims,
                "assigns": request.user.scope.everything,
                "refusal": refusal,
                "start": start,
                "query": urlencode({"campaign": campaign.pk if campaign else "", "q": q}),
            },
        )


class ClaimView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: claim a village for one of the user's branches (the office: assign it)."""

    permission_required = "campaigns.add_pairing"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = get_object_or_404(
            Campaign.objects.restrict(request.user, "view"), pk=request.POST.get("campaign") or 0
        )
        branch = get_object_or_404(
            Branch.objects.restrict(request.user, "view"), pk=request.POST.get("branch") or 0
        )
        village = get_object_or_404(Region, pk=request.POST.get("village") or 0, level="village")
        back = request.POST.get("next") or reverse("campaigns:open_villages")
        if not back.startswith("/"):
            back = reverse("campaigns:open_villages")
        try:
            pairing = claim_village(campaign, branch, village, request.user)
        except ValidationError as e:
            messages.error(request, error_text(e))
            return redirect(back)
        if pairing.state == PairingState.APPROVED:
            text = (
                _("已将{village}分配给{branch}。")
                if pairing.origin == PairingOrigin.ASSIGNED
                else _("{branch}已认领{village},已生效。")
            )
        else:
            text = _("{branch}已认领{village},等待单位党委审批。")
        messages.success(request, text.format(branch=branch, village=village))
        return redirect(back)


class ApprovalsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The unit committee's queue: pending claims within its scope, approved or rejected one
    at a time or in bulk (POST)."""

    permission_required = "campaigns.approve_pairing"

    def pending(self, request: HttpRequest) -> QuerySet:
        return (
            Pairing.objects.restrict(request.user, "approve")
            .filter(state=PairingState.PENDING)
            .select_related("campaign", "branch__unit", "village__parent__parent")
            .order_by("created", "pk")
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page = Paginator(self.pending(request), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "campaigns/approvals.html", {"page": page})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A row's own button decides that row; the buttons above decide the ticked rows.
        action, raw = request.POST.get("action"), request.POST.getlist("ids")
        for name in ("approve", "reject"):
            if request.POST.get(f"{name}_one"):
                action, raw = name, [request.POST[f"{name}_one"]]
        try:
            ids = [int(v) for v in raw]
        except ValueError:
            raise Http404 from None
        if not ids:
            messages.error(request, _("请先勾选要审批的认领。"))
            return redirect("campaigns:approvals")
        try:
            if action == "approve":
                done = approve_pairings(request.user, ids)
                text = _("已通过{n}条认领。")
            elif action == "reject":
                done = reject_pairings(request.user, ids, request.POST.get("reason", ""))
                text = _("已驳回{n}条认领。")
            else:
                raise Http404
        except ValidationError as e:
            messages.error(request, error_text(e))
            return redirect("campaigns:approvals")
        if not done:
            raise Http404  # none of them pending within the user's scope
        messages.success(request, text.format(n=len(done)))
        return redirect("campaigns:approvals")


claim_urlpatterns = [
    path("open-villages/", OpenVillagesView.as_view(), name="open_villages"),
    path("open-villages/claim/", ClaimView.as_view(), name="claim"),
    path("approvals/", ApprovalsView.as_view(), name="approvals"),
]
