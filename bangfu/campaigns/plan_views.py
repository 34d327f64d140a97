"""The allocation plan (基本任务分配方案) as one editable grid: units × the five pairing kinds.

The whole grid is one form, validated as a whole and saved in one transaction; each target is
saved through the ORM so the change log records it like any other edit. The same plan imports
and exports through the `allocation_targets` layout.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.claim_views import chosen_campaign
from bangfu.campaigns.models import AllocationTarget, Campaign
from bangfu.core.views import layout_export
from bangfu.orgs.models import Unit


def plan_version(campaign: Campaign) -> str:
    """A token that changes whenever any target of the campaign is added, changed or removed."""
    found = AllocationTarget.objects.filter(campaign=campaign).aggregate(
        n=Count("pk"), last=Max("updated")
    )
    return f"{found['n']}:{found['last'].isoformat() if found['last'] else ''}"


class PlanForm(forms.Form):
    """One number per unit and kind; blank means the unit has no target of that kind."""

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, units: list[Unit], current: dict[tuple[int, str], int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        for unit in units:
            for kind, label in PairingKind.choices:
                self.fields[self.key(unit.pk, kind)] = forms.IntegerField(
                    label=f"{unit.name} {label}",
                    required=False,
                    min_value=0,
                    max_value=100000,
                    initial=current.get((unit.pk, kind)),
                    widget=forms.NumberInput(
                        attrs={
                            "class": "form-control form-control-sm text-end ms-auto",
                            "style": "max-width: 9rem",
                            "min": 0,
                        }
                    ),
                )

    @staticmethod
    def key(unit_id: int, kind: str) -> str:
        return f"t_{unit_id}_{kind}"

    def rows(self) -> list[tuple[Unit, list[forms.BoundField]]]:
        return [
            (unit, [self[self.key(unit.pk, kind)] for kind in PairingKind.values])
            for unit in self.units
        ]

    def wanted(self) -> dict[tuple[int, str], int | None]:
        return {
            (unit.pk, kind): self.cleaned_data.get(self.key(unit.pk, kind))
            for unit in self.units
            for kind in PairingKind.values
        }


def save_plan(
    campaign: Campaign, targets: QuerySet, wanted: dict[tuple[int, str], int | None]
) -> dict[str, int]:
    """Create, change and remove targets to match `wanted`, in one transaction, each saved or
    deleted on its own so the change log records it."""
    counts = {"created": 0, "updated": 0, "deleted": 0}
    with transaction.atomic():
        existing = {(t.unit_id, t.kind): t for t in targets.select_for_update()}
        for (unit_id, kind), value in wanted.items():
            target = existing.get((unit_id, kind))
            if value is None:
                if target is not None:
                    target.delete()
                    counts["deleted"] += 1
            elif target is None:
                AllocationTarget.objects.create(
                    campaign=campaign, unit_id=unit_id, kind=kind, target=value
                )
                counts["created"] += 1
            elif target.target != value:
                target.target = value
                target.save()
                counts["updated"] += 1
    return counts


class PlanView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The plan of a campaign: everyone with the permission sees their units' lines; the office
    (add and change permission) edits the whole grid."""

    permission_required = "campaigns.view_allocationtarget"
    edit_permissions = ("campaigns.add_allocationtarget", "campaigns.change_allocationtarget")

    def setup_plan(self, request: HttpRequest) -> None:
        self.campaign = chosen_campaign(request)
        self.units = list(Unit.objects.restrict(request.user, "view").order_by("name"))
        self.targets = AllocationTarget.objects.restrict(request.user, "view").filter(
            campaign=self.campaign, unit__in=[u.pk for u in self.units]
        )
        self.can_edit = request.user.has_perms(self.edit_permissions)

    def form(self, request: HttpRequest, data: Any = None) -> PlanForm:
        current = {(t.unit_id, t.kind): t.target for t in self.targets}
        return PlanForm(
            data,
            units=self.units,
            current=current,
            initial={"version": plan_version(self.campaign)},
        )

    def render_page(self, request: HttpRequest, form: PlanForm | None) -> HttpResponse:
        totals = {
            kind: sum(t.target for t in self.targets if t.kind == kind)
            for kind in PairingKind.values
        }
        return render(
            request,
            "campaigns/plan.html",
            {
                "campaign": self.campaign,
                "campaigns": Campaign.objects.restrict(request.user, "view"),
                "form": form,
                "kinds": PairingKind.choices,
                "totals": [totals[k] for k in PairingKind.values],
                "can_edit": self.can_edit,
            },
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_plan(request)
        if self.campaign and request.GET.get("_export") in ("xlsx", "csv"):
            return layout_export(
                "allocation_targets",
                self.targets.order_by("unit__name", "kind"),
                request.user,
                request.GET["_export"],
                f"{self.campaign} {_('任务分配方案')}",
            )
        return self.render_page(request, self.form(request) if self.campaign else None)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_plan(request)
        if not self.can_edit or self.campaign is None:
            raise PermissionDenied
        form = self.form(request, request.POST)
        if form.is_valid() and form.cleaned_data["version"] != plan_version(self.campaign):
            form.add_error(
                None, _("任务分配方案在您编辑期间已被其他人修改。请重新打开页面,核对后再保存。")
            )
        if not form.is_valid():
            messages.error(request, _("有{n}处填写有误,没有保存。").format(n=len(form.errors)))
            return self.render_page(request, form)
        counts = save_plan(self.campaign, self.targets, form.wanted())
        messages.success(
            request,
            _("已保存:新增{created}项,修改{updated}项,删除{deleted}项。").format(**counts),
        )
        return redirect(f"{reverse('campaigns:plan')}?campaign={self.campaign.pk}")


plan_urlpatterns = [path("plan/", PlanView.as_view(), name="plan")]
