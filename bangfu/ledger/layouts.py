"""The ledger layout (工作情况登记台账): one row per activity. Rows carrying the 编号 of an
exported activity update it; rows without one are new entries."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy

from bangfu.campaigns.layouts import campaign_by_name
from bangfu.core import bulk, normalize
from bangfu.core.changelog import record_bulk, serialize_instance
from bangfu.core.imports import Column, RowError, RowLayout
from bangfu.geo.layouts import VILLAGE_CODE, village_by_code
from bangfu.ledger import rules
from bangfu.ledger.choices import ActivityKind, FundSource, ReviewState
from bangfu.ledger.models import Activity, ActivityParticipant
from bangfu.orgs.layouts import BRANCH_NAME, UNIT_NAME, branch_id, member_named, unit_id

H = gettext_lazy


class ActivityLayout(RowLayout):
    key = "activities"
    title = gettext_lazy("帮扶活动")
    model = Activity
    natural_key = ("id",)
    key_must_exist = True
    select_related = ("campaign", "unit", "branch", "village")
    columns = [
        Column(H("编号"), "id", normalize.integer, help=H("导出时带出;新记录不填。")),
        Column(H("帮扶行动"), "campaign_name", required=True, example="2016年省直机关“五千行动”"),
        Column(H("帮扶类型"), "kind", choices=ActivityKind, required=True),
        Column(H("日期"), "date", normalize.date, required=True, example="2016-06-01"),
        UNIT_NAME,
        BRANCH_NAME,
        VILLAGE_CODE,
        Column(
            H("参加人员"),
            "participant_names",
            required=True,
            example="王明、李华",
            help=H("本单位党员干部的姓名,多人用顿号分隔;每人计一人次。"),
        ),
        Column(H("工作内容"), "summary", required=True, example="入户走访,了解种植需求"),
        Column(H("天数"), "days", normalize.integer, example=0),
        Column(
            H("数量"),
            "quantity",
            normalize.integer,
            example=0,
            help=H("政策信息条数、技术服务人次或发展思路条数。"),
        ),
        Column(H("金额(元)"), "amount", normalize.decimal, example=0),
        Column(H("资金来源"), "fund_source", choices=FundSource),
        Column(H("审核状态"), "state", choices=ReviewState, help=H("导出时带出;导入时忽略。")),
    ]

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        """Names and codes to rows; then the entry rules (ledger.rules)."""
        campaign = campaign_by_name(values["campaign_name"], state)
        unit = unit_id(values["unit_name"], state)
        branch = branch_id(values["unit_name"], values["branch_name"], state)
        village = village_by_code(values["village_code"], state)
        names = normalize.text(values["participant_names"]).replace(",", "、").replace(",", "、")
        members, outside = [], []
        for member_name in [n.strip() for n in names.split("、") if n.strip()]:
            found = member_named(unit, member_name, state)
            if found is None:
                outside.append(member_name)
            members.append(found)
        if outside:  # not among the unit's members, whoever else they may be
            raise RowError("participant_names", rules.outside_unit(values["unit_name"], outside))
        kind = values["kind"]
        fields = {
            "id": values.get("id"),
            "campaign": campaign.pk,
            "kind": kind,
            "date": values["date"],
            "unit": unit,
            "branch": branch,
            "village": village.pk,
            "county_code": village.code[:6],
            "summary": values["summary"],
            "days": values.get("days") or 0,
            "quantity": values.get("quantity") or 0,
            "amount": values.get("amount") or 0,
            "fund_source": values.get("fund_source") or "",
        }
        entry = Activity(
            campaign=campaign,
            kind=kind,
            date=fields["date"],
            days=fields["days"],
            quantity=fields["quantity"],
            amount=fields["amount"],
        )
        for field, message in rules.entry_problems(entry):
            raise RowError(field, message)
        state.setdefault("participants", {})[values.get("id") or id(values)] = members
        fields["_participants_key"] = values.get("id") or id(values)
        return fields

    def key_of(self, fields: dict[str, Any]) -> tuple:
        return (fields.get("id"),)

    def after_write(self, created: list, updated: list, state: dict) -> None:
        """Participants are exactly those named; each is one person-visit."""
        villages = {v.pk: v for v in state.get("villages_by_code", {}).values() if v}
        for activity in created + updated:
            # Related rows already loaded: the change log names them without a query each.
            activity.village = villages[activity.village_id]
        for activity in created:
            activity.author_id = state["user"].pk
        if created:  # the importer is the author of new entries
            Activity.objects.filter(pk__in=[a.pk for a in created]).update(author=state["user"])
        activities = {a.pk: a for a in created + updated}
        wanted = {
            a.pk: {m.pk: m for m in state["participants"][a._participants_key]}
            for a in activities.values()
        }
        current: dict[int, set[int]] = {}
        for activity_id, member_id in ActivityParticipant.objects.filter(
            activity_id__in=wanted
        ).values_list("activity_id", "member_id"):
            current.setdefault(activity_id, set()).add(member_id)
        stale = Q(pk__in=[])
        for activity_id, members in current.items():
            for member_id in members - wanted[activity_id].keys():
                stale |= Q(activity_id=activity_id, member_id=member_id)
        ActivityParticipant.objects.filter(stale).delete()  # one query; each delete is logged
        added = [
            ActivityParticipant(activity=activities[a], member=member)
            for a, members in wanted.items()
            for member_id, member in members.items()
            if member_id not in current.get(a, set())
        ]
        bulk.insert(ActivityParticipant, added)
        record_bulk([(p, "create", None, serialize_instance(p)) for p in added], state["user"])

    def export_values(self, obj: Activity) -> dict[str, Any]:
        names = "、".join(p.member.name for p in obj.participations.all())
        return {
            "id": obj.pk,
            "campaign_name": obj.campaign.name,
            "kind": obj.kind,
            "date": obj.date,
            "unit_name": obj.unit.name,
            "branch_name": obj.branch.name if obj.branch_id else "",
            "village_code": obj.village.code,
            "participant_names": names,
            "summary": obj.summary,
            "days": obj.days,
            "quantity": obj.quantity,
            "amount": obj.amount,
            "fund_source": obj.fund_source,
            "state": obj.state,
        }

    def export_rows(self, queryset: Any, user: Any) -> Any:
        return super().export_rows(queryset.prefetch_related("participations__member"), user)
