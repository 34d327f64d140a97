"""Cooperative pages: list, detail (members, funds, share register, dividends), and the
actions that change them. Every action finds its cooperative through `restrict(user, ...)`
and calls services.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.coops import services
from bangfu.coops.filtersets import CooperativeFilterSet, DividendRunFilterSet
from bangfu.coops.forms import (
    CooperativeForm,
    CoopMemberForm,
    EndHoldingForm,
    GrantForm,
    PaymentForm,
    ReliefFundForm,
    RunForm,
)
from bangfu.coops.models import Cooperative, DividendRun, Shareholding
from bangfu.coops.tables import (
    CooperativeTable,
    CoopMemberTable,
    DividendRunTable,
    ReliefFundTable,
    ShareholdingTable,
)
from bangfu.core import views


def _coop(request: HttpRequest, pk: int, perm: str) -> Cooperative:
    """The cooperative, if the user may change it and holds `perm`: 404 outside the user's
    scope (whatever their permissions), 403 inside it without the right."""
    queryset = Cooperative.objects.select_related("village")
    return views.object_in_scope(queryset, request.user, "change", perm, pk=pk)


def _errors(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def runs_of(coop: Cooperative) -> QuerySet:
    return coop.runs.annotate(
        dividend_count=Count("dividends"),
        paid_count=Count("dividends", filter=Q(dividends__paid_on__isnull=False)),
    )


class CooperativeListView(views.ObjectListView):
    queryset = (
        Cooperative.objects.select_related("village")
        .annotate(
            member_count=Count("members", distinct=True),
            household_count=Count(
                "members", filter=Q(members__household__isnull=False), distinct=True
            ),
        )
        .order_by("county_code", "name")
    )
    filterset_class = CooperativeFilterSet
    table_class = CooperativeTable


class CooperativeDetailView(views.ObjectDetailView):
    queryset = Cooperative.objects.select_related("village__parent__parent")
    template_name = "coops/cooperative_detail.html"
    related = [
        (
            gettext_lazy("分红"),
            runs_of,
            DividendRunTable,
            ("coop",),
        ),
        (
            gettext_lazy("股权登记"),
            lambda c: c.holdings.select_related("member", "fund").order_by(
                "ended_on", "-shares", "member__name", "pk"
            ),
            ShareholdingTable,
        ),
        (gettext_lazy("折股资金"), "funds", ReliefFundTable),
        (
            gettext_lazy("成员"),
            lambda c: c.members.select_related("household"),
            CoopMemberTable,
        ),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        coop = self.object
        user = self.request.user
        context["can_grant"] = context["can_change"] and user.has_perm("coops.add_shareholding")
        context["can_run"] = context["can_change"] and user.has_perm("coops.add_dividendrun")
        context["can_add_member"] = context["can_change"] and user.has_perm("coops.add_coopmember")
        context["can_add_fund"] = context["can_change"] and user.has_perm("coops.add_relieffund")
        active = coop.holdings.filter(ended_on__isnull=True)
        context["summary"] = {
            "members": coop.members.count(),
            "households": coop.members.filter(household__isnull=False).count(),
            "shares": sum(active.values_list("shares", flat=True)),
            "funds": sum(coop.funds.values_list("amount", flat=True)),
        }
        if not context["can_change"]:
            # The register's "end" links are for those who may change it.
            for _title, table, _count in context["related"]:
                if "end_link" in table.columns.names():
                    table.columns.hide("end_link")
        return context


class CooperativeCreateView(views.ObjectCreateView):
    queryset = Cooperative.objects.all()
    form_class = CooperativeForm


class CooperativeUpdateView(views.ObjectUpdateView):
    queryset = Cooperative.objects.all()
    form_class = CooperativeForm


def _form_page(
    request: HttpRequest, coop: Cooperative, form: Any, title: str, **extra: Any
) -> HttpResponse:
    return render(request, "coops/form.html", {"coop": coop, "form": form, "title": title, **extra})


@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    coop = _coop(request, pk, "coops.add_coopmember")
    form = CoopMemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            member = form.save(commit=False)
            member.coop = coop
            member.save()
            if form.cleaned_data.get("shares"):
                services.add_capital(
                    member,
                    form.cleaned_data["shares"],
                    form.cleaned_data["amount"],
                    member.joined_on,
                )
        messages.success(request, _("已添加成员{name}。").format(name=member.name))
        return redirect(coop.get_absolute_url())
    return _form_page(request, coop, form, _("添加合作社成员"))


@login_required
def fund_add(request: HttpRequest, pk: int) -> HttpResponse:
    coop = _coop(request, pk, "coops.add_relieffund")
    form = ReliefFundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fund = form.save(commit=False)
        fund.coop = coop
        fund.save()
        messages.success(request, _("已登记{fund}。").format(fund=fund))
        return redirect(coop.get_absolute_url())
    return _form_page(request, coop, form, _("登记折股资金"))


@login_required
def grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Grant shares from a fund to poor households of the cooperative's village."""
    coop = _coop(request, pk, "coops.add_shareholding")
    holders = coop.holdings.filter(ended_on__isnull=True, member__household__isnull=False)
    households = services.eligible_households(coop, request.user).annotate(
        held=Count("coop_memberships__holdings", filter=Q(coop_memberships__coop=coop))
    )
    form = GrantForm(request.POST or None, user=request.user, coop=coop, households=households)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.grant_shares(
                data["fund"],
                data["households"],
                data["shares"],
                data["start"],
                data["end"],
                data["returns_to_collective"],
                user=request.user,
            )
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("已为{n}户贫困户折股,每户{shares}股。").format(
                    n=len(made), shares=data["shares"]
                ),
            )
            return redirect(coop.get_absolute_url())
    fund = form.fields["fund"].queryset.first()
    return render(
        request,
        "coops/grant.html",
        {
            "coop": coop,
            "form": form,
            "holding_households": holders.count(),
            "funds": [(f, f.amount - f.granted_amount()) for f in coop.funds.all()],
            "has_fund": fund is not None,
        },
    )


@login_required
def holding_end(request: HttpRequest, pk: int) -> HttpResponse:
    holding = views.object_in_scope(
        Shareholding.objects.select_related("coop", "member"), request.user, "change", pk=pk
    )
    coop = holding.coop
    form = EndHoldingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            successor = services.end_holding(
                holding, form.cleaned_data["on"], form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            if successor is not None:
                messages.success(
                    request,
                    _("股权已终止,{shares}股归{member}。").format(
                        shares=successor.shares, member=successor.member
                    ),
                )
            else:
                messages.success(request, _("股权已终止。"))
            return redirect(coop.get_absolute_url())
    return _form_page(request, coop, form, _("终止股权:{holding}").format(holding=holding))


@login_required
def run_dividends(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter the year's profit, see every holder's part, then confirm (one transaction).

    The confirmation works the split out again from the register: nothing posted back from
    the preview is trusted but the year, profit and record date the user typed.
    """
    coop = _coop(request, pk, "coops.add_dividendrun")
    form = RunForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" in request.POST:
                run = services.confirm_run(
                    coop,
                    data["year"],
                    data["profit"],
                    data["record_date"],
                    data["note"],
                    user=request.user,
                )
                messages.success(
                    request,
                    _("{year}年分红已确认,{n}名成员共{total}元,已计入贫困户财产性收入。").format(
                        year=run.year, n=run.dividends.count(), total=run.profit
                    ),
                )
                return redirect(run.get_absolute_url())
            preview = services.preview_run(coop, data["year"], data["profit"], data["record_date"])
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
    return render(request, "coops/run.html", {"coop": coop, "form": form, "preview": preview})


class DividendRunListView(views.ObjectListView):
    queryset = (
        DividendRun.objects.select_related("coop")
        .annotate(
            dividend_count=Count("dividends"),
            paid_count=Count("dividends", filter=Q(dividends__paid_on__isnull=False)),
        )
        .order_by("-year", "coop__name")
    )
    filterset_class = DividendRunFilterSet
    table_class = DividendRunTable


class DividendRunDetailView(views.ObjectDetailView):
    queryset = DividendRun.objects.select_related("coop__village", "confirmed_by")
    template_name = "coops/dividendrun_detail.html"
    fields = ["coop", "year", "record_date", "profit", "total_shares", "confirmed_at", "note"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.object
        user = self.request.user
        dividends = run.dividends.select_related("member", "household").order_by(
            "paid_on", "-shares", "member__name", "pk"
        )
        context["dividends"] = dividends
        context["paid_total"] = sum(d.amount for d in dividends if d.paid_on)
        context["can_pay"] = (
            user.has_perm("coops.change_dividend")
            and Cooperative.objects.restrict(user, "change").filter(pk=run.coop_id).exists()
        )
        context["can_change"] = False  # a confirmed run is not edited
        context["payment_form"] = kwargs.get("payment_form") or PaymentForm(user=user)
        return context


@login_required
def record_payments(request: HttpRequest, pk: int) -> HttpResponse:
    run = views.object_in_scope(
        DividendRun.objects.select_related("coop"),
        request.user,
        "change",
        "coops.change_dividend",
        pk=pk,
    )
    if request.method != "POST":
        return redirect("coops:dividendrun_detail", pk=pk)
    form = PaymentForm(request.POST, user=request.user)
    chosen = run.dividends.filter(pk__in=request.POST.getlist("dividend")).select_related(
        "member", "run"
    )
    if form.is_valid():
        if not chosen:
            form.add_error(None, _("请选择已支付的成员。"))
        else:
            try:
                n = services.record_payments(
                    chosen,
                    form.cleaned_data["paid_on"],
                    form.cleaned_data["method"],
                    form.cleaned_data["note"],
                )
            except ValidationError as error:
                for message in _errors(error):
                    form.add_error(None, message)
            else:
                messages.success(request, _("已登记{n}笔支付。").format(n=n))
                return redirect(run.get_absolute_url())
    view = DividendRunDetailView()
    view.setup(request, pk=pk)
    view.object = view.get_object()
    context = view.get_context_data(object=view.object, payment_form=form)
    return render(request, view.template_name, context, status=400)
