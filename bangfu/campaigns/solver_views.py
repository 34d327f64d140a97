"""The office's solver pages: start a run, watch its progress, review the proposal (terms, a
per-pair explanation, the comparison with current pairings), edit it and accept it."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from bangfu.campaigns.choices import PairingKind, SolverRunState
from bangfu.campaigns.claim_views import chosen_campaign
from bangfu.campaigns.models import Campaign, ProposedPair, SolverRun
from bangfu.campaigns.services import default_start, error_text
from bangfu.campaigns.solver import SolverWeights
from bangfu.campaigns.solver_runs import (
    accept_run,
    compare,
    explain,
    remove_pair,
    start_run,
    swap_village,
)
from bangfu.geo.models import Region

PAGE_SIZE = 25
TERMS = [
    ("keep", gettext_lazy("保持现有结对")),
    ("specialty_match", gettext_lazy("专业对口")),
    ("resident_team", gettext_lazy("驻村工作队")),
    ("distance", gettext_lazy("路程")),
    ("prefecture_excess", gettext_lazy("市州均衡")),
]


class SolverView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A campaign's solver runs, and the button that starts one."""

    permission_required = "campaigns.view_solverrun"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaign = chosen_campaign(request)
        runs = (
            SolverRun.objects.restrict(request.user, "view")
            .filter(campaign=campaign)
            .select_related("created_by", "job")[:20]
        )
        return render(
            request,
            "campaigns/solver.html",
            {
                "campaign": campaign,
                "campaigns": Campaign.objects.restrict(request.user, "view"),
                "runs": runs,
                "weights": SolverWeights.from_settings().__dict__,
                "can_run": request.user.has_perm("campaigns.add_solverrun"),
            },
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("campaigns.add_solverrun"):
            return HttpResponse(status=403)
        campaign = get_object_or_404(
            Campaign.objects.restrict(request.user, "view"), pk=request.POST.get("campaign") or 0
        )
        run = start_run(campaign, request.user)
        return redirect(run.get_absolute_url())


class RunMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "campaigns.view_solverrun"
    action = "view"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            if not self.has_permission():
                return self.handle_no_permission()
            self.run = get_object_or_404(
                SolverRun.objects.restrict(request.user, self.action).select_related(
                    "campaign", "job", "campaign__region"
                ),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)


def _prefecture_names() -> dict[str, str]:
    return {
        code[:4]: name
        for code, name in Region.objects.filter(level="prefecture").values_list("code", "name")
    }


class RunView(RunMixin, View):
    """A run: its progress while it works, then the proposal, the changes, or why it failed."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = self.run
        done = run.state not in (SolverRunState.QUEUED, SolverRunState.RUNNING)
        failed = run.job is not None and run.job.state == "failed"
        if request.headers.get("HX-Request"):
            response = render(request, "campaigns/_solver_status.html", {"run": run})
            if done or failed:
                response["HX-Refresh"] = "true"
            return response
        context: dict[str, Any] = {
            "run": run,
            "done": done,
            "failed": failed,
            "tab": request.GET.get("tab", "proposal"),
            "can_edit": run.is_open and request.user.has_perm("campaigns.change_solverrun"),
            "start": default_start(run.campaign),
            "terms": [(key, label, run.totals.get(key, 0.0)) for key, label in TERMS],
        }
        if run.state in (SolverRunState.PROPOSED, SolverRunState.ACCEPTED):
            context.update(self.proposal_context(request))
        return render(request, "campaigns/solver_run.html", context)

    def proposal_context(self, request: HttpRequest) -> dict[str, Any]:
        run = self.run
        tab = request.GET.get("tab", "proposal")
        q = request.GET.get("q", "").strip()
        names = _prefecture_names()
        context: dict[str, Any] = {"q": q, "prefecture_names": names}
        context["prefectures"] = [
            {**p, "name": names.get(p["prefecture"], p["prefecture"])} for p in run.prefectures
        ]
        diff = compare(run)
        context["counts"] = {
            "kept": len(diff.kept),
            "new": len(diff.new),
            "ended": len(diff.ended),
            "experts": run.pairs.filter(kind=PairingKind.EXPERT_VISIT).count(),
        }
        if tab == "changes":
            which = request.GET.get("list", "new")
            rows = {"kept": diff.kept, "new": diff.new, "ended": diff.ended}.get(which, diff.new)
            context["which"] = which
            context["page"] = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
            context["query"] = urlencode({"tab": tab, "list": which})
            return context
        kind = PairingKind.EXPERT_VISIT if tab == "experts" else PairingKind.BRANCH_VILLAGE
        pairs = run.pairs.filter(kind=kind).select_related("branch__unit", "member", "village")
        if q:
            pairs = pairs.filter(
                Q(branch__unit__name__contains=q)
                | Q(branch__name__contains=q)
                | Q(village__name__contains=q)
                | Q(member__name__contains=q)
            )
        order = request.GET.get("sort")
        if order in ("cost", "-cost", "distance", "-distance"):
            pairs = pairs.order_by(order, "pk")
        page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
        keep_ids = {p.pk for p in diff.kept}
        for pair in page:
            pair.explanation = explain(pair, run.weights)
            pair.prefecture_name = names.get(pair.village.code[:4], "")
            pair.is_kept = pair.pk in keep_ids
        context["page"] = page
        context["sort"] = order or ""
        context["query"] = urlencode({"tab": tab, "q": q, "sort": order or ""})
        return context


class PairEditView(RunMixin, View):
    """POST: remove a proposed pair, or give it another village (rules re-checked)."""

    permission_required = "campaigns.change_solverrun"
    action = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pair = get_object_or_404(ProposedPair, run=self.run, pk=kwargs["pair"])
        back = request.POST.get("next") or self.run.get_absolute_url()
        if not back.startswith("/"):
            back = self.run.get_absolute_url()
        try:
            if kwargs["op"] == "remove":
                remove_pair(self.run, pair)
                messages.success(request, _("已从方案中删除:{pair}。").format(pair=pair))
            else:
                code = request.POST.get("village", "").strip()
                village = Region.objects.filter(code=code, level="village").first()
                if village is None:
                    raise ValidationError(_("找不到代码为“{code}”的村。").format(code=code))
                swap_village(self.run, pair, village)
                messages.success(request, _("已改为:{pair}。").format(pair=pair))
        except ValidationError as e:
            messages.error(request, error_text(e))
        return redirect(back)


class AcceptView(RunMixin, View):
    """GET: the confirmation step, naming every live pairing the proposal ends and why. POST
    (confirmed): accept; every pairing is created (and replaced ones ended) in one
    transaction, or nothing is."""

    permission_required = "campaigns.change_solverrun"
    action = "change"

    def start(self, request: HttpRequest) -> datetime.date:
        raw = request.POST.get("start") or request.GET.get("start") or ""
        try:
            start = parse_date(raw)
        except ValueError:
            start = None
        return start or default_start(self.run.campaign)

    def may_accept(self, request: HttpRequest) -> bool:
        return request.user.has_perm("campaigns.add_pairing") and request.user.has_perm(
            "campaigns.change_pairing"
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.may_accept(request):
            return HttpResponse(status=403)
        if not self.run.is_open:
            return redirect(self.run.get_absolute_url())
        start = self.start(request)
        diff = compare(self.run, start)
        experts = self.run.pairs.filter(kind=PairingKind.EXPERT_VISIT).count()
        return render(
            request,
            "campaigns/solver_confirm.html",
            {
                "run": self.run,
                "start": start,
                "ended": diff.ended,
                "withdrawn": sum(1 for p in diff.ended if p.not_begun),
                "counts": {"kept": len(diff.kept), "new": len(diff.new), "experts": experts},
            },
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.may_accept(request):
            return HttpResponse(status=403)
        start = self.start(request)
        confirm_url = "{}?{}".format(
            reverse("campaigns:solver_accept", args=[self.run.pk]),
            urlencode({"start": start.isoformat()}),
        )
        if request.POST.get("confirmed") != "1":
            return redirect(confirm_url)
        try:
            confirmed = {int(v) for v in request.POST.getlist("ended")}
        except ValueError:
            confirmed = set()
        try:
            counts = accept_run(self.run, request.user, start, confirmed_ended=confirmed)
        except ValidationError as e:
            messages.error(
                request, _("方案未采纳,没有写入任何结对。{error}").format(error=error_text(e))
            )
            return redirect(confirm_url if self.run.is_open else self.run.get_absolute_url())
        messages.success(
            request,
            _("已采纳:保持{kept}个结对,新建{created}个,结束{ended}个。").format(**counts),
        )
        return redirect(self.run.get_absolute_url())


solver_urlpatterns = [
    path("solver/", SolverView.as_view(), name="solver"),
    path("solver/<int:pk>/", RunView.as_view(), name="solver_run"),
    path(
        "solver/<int:pk>/pairs/<int:pair>/remove/",
        PairEditView.as_view(),
        {"op": "remove"},
        name="solver_pair_remove",
    ),
    path(
        "solver/<int:pk>/pairs/<int:pair>/swap/",
        PairEditView.as_view(),
        {"op": "swap"},
        name="solver_pair_swap",
    ),
    path("solver/<int:pk>/accept/", AcceptView.as_view(), name="solver_accept"),
]
