"""The pairings layout (who is paired with which village or household, for which campaign) and
the allocation plan's (each unit's target per kind)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.campaigns import kinds, rules
from bangfu.campaigns.choices import PairingKind, PairingOrigin, PairingState
from bangfu.campaigns.models import AllocationTarget, Campaign, Pairing
from bangfu.core import normalize
from bangfu.core.imports import Column, RowError, RowLayout
from bangfu.geo.layouts import VILLAGE_CODE, village_by_code
from bangfu.orgs.layouts import BRANCH_NAME, UNIT_NAME, branch_id, member_named, unit_id
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

    # Where each of the rules' fields shows in the sheet.
    rule_columns = {
        "branch": "branch_name",
        "member": "member_name",
        "village": "village_code",
        "household": "household_number",
        "start": "start",
        "end": "end",
    }

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        """Names and codes to rows; then the pairing's own rules (campaigns.rules)."""
        campaign = campaign_by_name(values["campaign_name"], state)
        kind = values["kind"]
        branch = branch_id(values["unit_name"], values["branch_name"], state)
        member = None
        if values.get("member_name"):
            unit = unit_id(values["unit_name"], state)
            # The branch's member of that name, else the unit's (the rules say it is not ours).
            member = member_named(unit, values["member_name"], state, branch=branch)
            member = member or member_named(unit, values["member_name"], state)
            if member is None:
                raise RowError(
                    "member_name",
                    _("本支部没有名为“{name}”的党员干部。").format(name=values["member_name"]),
                )
        village = village_by_code(values["village_code"], state)
        household = None
        if values.get("household_number"):
            household = state["households"].get(values["household_number"])
            if household is None:
                raise RowError("household_number", _("找不到这个贫困户。"))
        pairing = Pairing(
            campaign=campaign,
            kind=kind,
            branch_id=branch,
            member=member,
            village=village,
            household=household,
            start=values["start"],
            end=values.get("end"),
        )
        for field, message in rules.own_problems(pairing):
            raise RowError(self.rule_columns[field], message)
        return {
            "campaign": campaign.pk,
            "kind": kind,
            "branch": branch,
            "member": member.pk if member else None,
            "village": village.pk,
            "household": household.pk if household else None,
            "county_code": village.code[:6],
            "origin": values.get("origin") or PairingOrigin.ASSIGNED,
            "start": pairing.start,
            "end": pairing.end,
        }

    def after_write(self, created: list, updated: list, state: dict) -> None:
        """The campaign's limits (campaigns.rules), checked on the database after the batch is
        written (inside the import's transaction): each row against the stored pairings and
        the file's other rows."""
        touched = [p for p in created + updated if p.kind in kinds.SLOT_KINDS]
        if not touched:
            return
        # Like a claim on the page: a new pairing taking a slot that the importer may not
        # approve (permission and scope, as services.may_approve) waits; saved, so logged.
        claims = [p for p in created if p.kind in kinds.SLOT_KINDS]
        approvable = set(
            Pairing.objects.restrict(state["user"], "approve")
            .filter(pk__in=[p.pk for p in claims])
            .values_list("pk", flat=True)
        )
        for p in claims:
            if p.pk not in approvable:
                p.state = PairingState.PENDING
                p.save(update_fields=["state", "updated"])
        problems = state.setdefault("rule_problems", [])
        for pairing, field, message in rules.limit_problems(touched):
            problems.append((pairing, self.rule_columns[field], message))

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
