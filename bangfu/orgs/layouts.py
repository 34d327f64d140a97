"""Spreadsheet layouts for units, branches and members: found again by their names."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core import normalize
from bangfu.core.imports import Column, RowError, RowLayout
from bangfu.orgs.choices import CadreRank, Sex, Specialty
from bangfu.orgs.models import Branch, Member, Unit

H = gettext_lazy
UNIT_NAME = Column(H("单位名称"), "unit_name", required=True, example="贵州省总工会")
BRANCH_NAME = Column(H("支部名称"), "branch_name", required=True, example="第五党支部")


def _unit_ids(state: dict) -> dict[str, int]:
    if "units" not in state:
        state["units"] = dict(Unit.objects.values_list("name", "pk"))
    return state["units"]


def _branch_ids(state: dict) -> dict[tuple[int, str], int]:
    if "branches" not in state:
        state["branches"] = {
            (u, n): pk for pk, u, n in Branch.objects.values_list("pk", "unit_id", "name")
        }
    return state["branches"]


def unit_id(name: str, state: dict, field: str = "unit_name") -> int:
    found = _unit_ids(state).get(name)
    if found is None:
        raise RowError(field, _("没有名为“{name}”的单位。").format(name=name))
    return found


def branch_id(unit_name: str, branch_name: str, state: dict) -> int:
    found = _branch_ids(state).get((unit_id(unit_name, state), branch_name))
    if found is None:
        raise RowError(
            "branch_name",
            _("{unit}没有名为“{name}”的支部。").format(unit=unit_name, name=branch_name),
        )
    return found


def member_named(unit: int, name: str, state: dict, branch: int | None = None) -> Member | None:
    """A unit's member by name (within one branch if given); the unit's members load once."""
    members = state.setdefault("members_of_unit", {})
    if unit not in members:
        members[unit] = {}
        for member in Member.objects.filter(branch__unit_id=unit).order_by("pk"):
            members[unit].setdefault(member.name, []).append(member)
    found = members[unit].get(name, [])
    if branch is not None:
        found = [m for m in found if m.branch_id == branch]
    return found[0] if found else None


class UnitLayout(RowLayout):
    key = "units"
    title = gettext_lazy("单位")
    model = Unit
    natural_key = ("name",)
    columns = [
        Column(H("单位名称"), "name", required=True, example="贵州省总工会"),
        Column(H("简称"), "short_name", example="省总工会"),
        Column(H("选派专业人才"), "sends_professionals", normalize.boolean, example="否"),
        Column(H("机关党委联系人"), "committee_contact"),
        Column(H("联系电话"), "committee_phone", normalize.code, text=True),
    ]

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        fields = super().resolve(values, state)
        if fields.get("sends_professionals") is None:
            fields["sends_professionals"] = False
        return {k: ("" if v is None else v) for k, v in fields.items()}


class BranchLayout(RowLayout):
    key = "branches"
    title = gettext_lazy("党支部")
    model = Branch
    natural_key = ("unit", "name")
    select_related = ("unit",)
    columns = [
        UNIT_NAME,
        Column(H("支部名称"), "name", required=True, example="第五党支部"),
        Column(H("可结对村数"), "capacity", normalize.integer, example=1),
    ]

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        return {
            "unit": unit_id(values["unit_name"], state),
            "name": values["name"],
            "capacity": values.get("capacity") or 1,
        }

    def export_values(self, obj: Branch) -> dict[str, Any]:
        return {"unit_name": obj.unit.name, "name": obj.name, "capacity": obj.capacity}


class MemberLayout(RowLayout):
    key = "members"
    title = gettext_lazy("党员干部")
    model = Member
    natural_key = ("branch", "name")
    select_related = ("branch__unit",)
    columns = [
        UNIT_NAME,
        BRANCH_NAME,
        Column(H("姓名"), "name", required=True, example="王明"),
        Column(H("性别"), "sex", choices=Sex),
        Column(H("手机号码"), "phone", normalize.code, text=True),
        Column(H("职务"), "position"),
        Column(H("党员"), "is_party_member", normalize.boolean, example="是"),
        Column(H("支部书记"), "is_secretary", normalize.boolean, example="否"),
        Column(H("领导干部"), "is_leading_cadre", normalize.boolean, example="否"),
        Column(H("职级"), "cadre_rank", choices=CadreRank),
        Column(H("专业人才"), "is_professional", normalize.boolean, example="否"),
        Column(H("专业"), "specialty", choices=Specialty),
    ]

    def resolve(self, values: dict[str, Any], state: dict) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "branch": branch_id(values["unit_name"], values["branch_name"], state)
        }
        for column in self.columns[2:]:
            if column.field in values:
                value = values[column.field]
                if column.parse is normalize.boolean:
                    value = bool(value) if value is not None else column.field == "is_party_member"
                fields[column.field] = "" if value is None else value
        if fields.get("is_leading_cadre") and not fields.get("cadre_rank"):
            raise RowError("cadre_rank", _("领导干部须填写职级。"))
        if fields.get("is_professional") and not fields.get("specialty"):
            raise RowError("specialty", _("专业人才须填写专业。"))
        if fields.get("is_secretary"):
            if "secretaries" not in state:
                state["secretaries"] = dict(
                    Member.objects.filter(is_secretary=True).values_list("branch_id", "name")
                )
            first = state["secretaries"].setdefault(fields["branch"], values["name"])
            if first != values["name"]:
                raise RowError("is_secretary", _("该支部已有支部书记{name}。").format(name=first))
        return fields

    def export_values(self, obj: Member) -> dict[str, Any]:
        values = {c.field: getattr(obj, c.field, None) for c in self.columns[2:]}
        values.update(unit_name=obj.branch.unit.name, branch_name=obj.branch.name)
        return values
