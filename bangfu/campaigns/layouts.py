"""The pairings layout (who is paired with which village or household, for which campaign) and
the allocation plan's (each unit's target per kind)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.campaigns.choices import PairingKind, PairingOrigin, PairingState
from bangfu.campaigns.models import MEMBER_KINDS, AllocationTarget, Campaign, Pairing
from bangfu.core import normalize
from bangfu.core.imports import Column, RowError, RowLayout
from bangfu.geo.layouts import VILLAGE_CODE, village_by_code
from bangfu.orgs.layouts import BRANCH_NAME, UNIT_NAME, branch_id, member_named, unit_id
from bangfu.orgs.models import Branch
from bangfu.registry.models import Household

H = gettext_lazy


def campaign_by_name(name: str, state: dict) -> Campaign:
    """The campaign a row names (looked up once per import)."""
    campaigns = state.setdefault("campaigns", {})
    if name not in campaigns:
        campaigns[name] = Campaign.objects.filter(name=name).first()
    if campaigns[name] is None:
        raise RowError("campaign_name", _("没有名为“{name}”的帮扶行动。").format(name=name))
    return campaigns[name]


class PairingLayout(RowLayout):
    key = "pairings"
    title = gettext_lazy("结对")
    model = Pairing
    natural_key = ("campaign", "kind", "branch", "member", "village", "household")
    select_related = ("campaign", "branch__unit", "member", "village", "household")
    columns = [
        Column(H("帮扶行动"), "campaign_name", required=True, example="2016年省直机关“五千行动”"),
        Column(H("结对类型"), "kind", choices=PairingKind, required=True),
        UNIT_NAME,
        BRANCH_NAME,
        Column(
            H("帮扶人"),
            "member_name",
            help=H("支部书记、领导干部、专业人才或党员的姓名;支部结对帮村不填。"),
        ),
        VILLAGE_CODE,
        Column(
            H("户编号"),
            "household_number",
            normalize.code,
            text=True,
            help=H("支部书记牵头帮户时填写。"),
        ),
        Column(H("结对方式"), "origin", choices=PairingOrigin),
        Column(H("开始日期"), "start", normalize.date, required=True, example="2016-04-01"),
        Column(H("结束日期"), "end", normalize.date),
    ]

    def prepare(self, batch: list, state: dict) -> None:
        numbers = {r.values.get("household_number") for r in batch} - {None, ""}
        state["households"] = Household.objects.in_bulk(numbers, field_name="number")

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        campaign = campaign_by_name(values["campaign_name"], state)
        kind = values["kind"]
        branch = branch_id(values["unit_name"], values["branch_name"], state)
        member = None
        if kind in MEMBER_KINDS:
            if not values.get("member_name"):
                raise RowError("member_name", _("请填写帮扶人。"))
            found = member_named(
                unit_id(values["unit_name"], state), values["member_name"], state, branch=branch
            )
            if found is None:
                raise RowError(
                    "member_name",
                    _("本支部没有名为“{name}”的党员干部。").format(name=values["member_name"]),
                )
            flag, message = MEMBER_KINDS[PairingKind(kind)]
            if not getattr(found, flag):
                raise RowError("member_name", str(message))
            member = found.pk
        elif values.get("member_name"):
            raise RowError("member_name", _("支部结对帮村不填写帮扶人。"))
        village = village_by_code(values["village_code"], state)
        household = None
        if kind == PairingKind.SECRETARY_HOUSEHOLD:
            found = state["households"].get(values.get("household_number") or "")
            if found is None:
                raise RowError("household_number", _("找不到这个贫困户。"))
            if found.village_id != village.pk:
                raise RowError("household_number", _("贫困户不在所填的村。"))
            household = found.pk
        start, end = values["start"], values.get("end")
        if not campaign.start <= start <= campaign.end:
            raise RowError(
                "start",
                _("开始日期须在行动期间({start}至{end})。").format(
                    start=campaign.start, end=campaign.end
                ),
            )
        if end and end < start:
            raise RowError("end", _("结束日期不能早于开始日期。"))
        return {
            "campaign": campaign.pk,
            "kind": kind,
            "branch": branch,
            "member": member,
            "village": village.pk,
            "household": household,
            "county_code": village.code[:6],
            "origin": values.get("origin") or PairingOrigin.ASSIGNED,
            "start": start,
            "end": end,
        }

    def after_write(self, created: list, updated: list, state: dict) -> None:
        """The campaign's limits, checked on the database after the batch is written (inside
        the import's transaction): villages over their maximum, branches over capacity."""
        touched = [p for p in created + updated if p.kind == PairingKind.BRANCH_VILLAGE]
        if not touched:
            return
        # Like a claim on the page: a new branch–village pairing the importer may not approve
        # (permission and scope, as services.may_approve) waits for approval; saved, so logged.
        claims = [p for p in created if p.kind == PairingKind.BRANCH_VILLAGE]
        approvable = set(
            Pairing.objects.restrict(state["user"], "approve")
            .filter(pk__in=[p.pk for p in claims])
            .values_list("pk", flat=True)
        )
        for p in claims:
            if p.pk not in approvable:
                p.state = PairingState.PENDING
                p.save(update_fields=["state", "updated"])
        rows = state.setdefault("rows_of_pairing", {})
        for p in touched:
            rows.setdefault(p.pk, p)
        open_ = Pairing.objects.filter(
            kind=PairingKind.BRANCH_VILLAGE,
            campaign_id__in={p.campaign_id for p in touched},
            end__isnull=True,
        ).exclude(state=PairingState.REJECTED)
        per_village = dict(
            open_.filter(village_id__in={p.village_id for p in touched})
            .values_list("village_id")
            .annotate(n=Count("pk"))
            .values_list("village_id", "n")
        )
        per_branch = dict(
            open_.filter(branch_id__in={p.branch_id for p in touched})
            .values_list("branch_id")
            .annotate(n=Count("pk"))
            .values_list("branch_id", "n")
        )
        problems = state.setdefault("rule_problems", [])
        campaigns = Campaign.objects.in_bulk({p.campaign_id for p in touched})
        branches = Branch.objects.in_bulk({p.branch_id for p in touched})
        for p in touched:
            if p.end is not None:
                continue
            limit = campaigns[p.campaign_id].max_branches_per_village
            capacity = branches[p.branch_id].capacity
            if per_village.get(p.village_id, 0) > limit:
                problems.append(
                    (p, "village_code", _("该村结对的支部超过每村上限{max}个。").format(max=limit))
                )
            if per_branch.get(p.branch_id, 0) > capacity:
                problems.append(
                    (
                        p,
                        "branch_name",
                        _("该支部结对的村超过其可结对村数{max}。").format(max=capacity),
                    )
                )

    def finish(self, state: dict, result: Any) -> None:
        headers = {c.field: str(c.header) for c in self.columns}
        for pairing, field, message in state.get("rule_problems", []):
            result.add_problem(getattr(pairing, "_import_row", 0), headers[field], "", message)

    def export_values(self, obj: Pairing) -> dict[str, Any]:
        return {
            "campaign_name": obj.campaign.name,
            "kind": obj.kind,
            "unit_name": obj.branch.unit.name,
            "branch_name": obj.branch.name,
            "member_name": obj.member.name if obj.member_id else "",
            "village_code": obj.village.code,
            "household_number": obj.household.number if obj.household_id else "",
            "origin": obj.origin,
            "start": obj.start,
            "end": obj.end,
        }


class AllocationTargetLayout(RowLayout):
    """The task allocation plan (基本任务分配方案): one row per unit and kind."""

    key = "allocation_targets"
    title = gettext_lazy("任务分配")
    model = AllocationTarget
    natural_key = ("campaign", "unit", "kind")
    select_related = ("campaign", "unit")
    columns = [
        Column(H("帮扶行动"), "campaign_name", required=True, example="2016年省直机关“五千行动”"),
        UNIT_NAME,
        Column(H("结对类型"), "kind", choices=PairingKind, required=True),
        Column(
            H("目标数"),
            "target",
            normalize.integer,
            required=True,
            example=2,
            help=H("支部结对帮村填村数,支部书记牵头帮户填户数,其余填人次。"),
        ),
    ]

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        target = values["target"]
        if target < 0:
            raise RowError("target", _("目标数不能为负数。"))
        return {
            "campaign": campaign_by_name(values["campaign_name"], state).pk,
            "unit": unit_id(values["unit_name"], state),
            "kind": values["kind"],
            "target": target,
        }

    def export_values(self, obj: AllocationTarget) -> dict[str, Any]:
        return {
            "campaign_name": obj.campaign.name,
            "unit_name": obj.unit.name,
            "kind": obj.kind,
            "target": obj.target,
        }
