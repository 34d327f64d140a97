"""Every pairing rule gives the same refusal on every entry path: the form (the page), the API,
the import (dry run) and the service. Adding a rule is adding a row to RULES."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from bangfu.api import tokens
from bangfu.campaigns.models import Pairing
from bangfu.campaigns.services import end_pairing, save_pairing
from bangfu.core.imports import Layout
from bangfu.orgs.models import Branch, Member


@dataclass
class Case:
    """One bad pairing: how to set the world up, the pairing entered, and the refusal."""

    setup: Callable[[Any], None]
    pairing: Callable[[Any], dict[str, Any]]
    field: str  # the form's field; the import names the matching column
    message: Callable[[Any], str]


def _nothing(world: Any) -> None:
    pass


def _capacity(n: int) -> Callable[[Any], None]:
    def setup(world: Any) -> None:
        for branch in (world.branch_a, world.branch_b):
            branch.capacity = n
            branch.save()

    return setup


def _in_bijie_only(world: Any) -> None:
    _capacity(3)(world)
    world.campaign.region = world.bijie
    world.campaign.save()


def _two_terms(world: Any) -> None:
    """宝山村 and 第五党支部 paired twice: April–May, and from September. The import finds a
    row for the pair as one of these terms and changes it; the other paths add a third."""
    _capacity(3)(world)
    end_pairing(world.pairing_a, datetime.date(2016, 5, 31))
    Pairing.objects.create(
        campaign=world.campaign,
        kind="branch_village",
        branch=world.branch_a,
        village=world.baoshan,
        start=datetime.date(2016, 9, 1),
    )


def _one_branch_per_village(world: Any) -> None:
    world.campaign.max_branches_per_village = 1
    world.campaign.save()
    Branch.objects.create(unit=world.unit_a, name="第六党支部")


def _cadre_elsewhere(world: Any) -> None:
    other = Branch.objects.create(unit=world.unit_a, name="第六党支部")
    Member.objects.create(branch=other, name="赵干部", is_leading_cadre=True)


def village(world: Any, branch: Any, place: Any, start: str = "2016-06-01") -> dict[str, Any]:
    return {"kind": "branch_village", "branch": branch, "village": place, "start": start}


RULES: dict[str, Case] = {
    "village outside the campaign's region": Case(
        _in_bijie_only,
        lambda w: village(w, w.branch_b, w.lebang),
        "village",
        lambda w: "乐邦村不在2016年五千行动的范围(毕节市)内。",
    ),
    "the same pair in an overlapping term": Case(
        _two_terms,
        lambda w: village(w, w.branch_a, w.baoshan, "2016-05-01"),
        "village",
        lambda w: "该支部在这段时间已与这个村结对。",
    ),
    "more branches than the village's maximum": Case(
        _one_branch_per_village,
        lambda w: village(w, Branch.objects.get(name="第六党支部"), w.baoshan),
        "village",
        lambda w: "宝山村已有1个支部结对,达到每村上限1个。",
    ),
    "more villages than the branch's capacity": Case(
        _nothing,
        lambda w: village(w, w.branch_a, w.lebang),
        "branch",
        lambda w: "省总工会 第五党支部已结对1个村,达到其可结对村数1。",
    ),
    "a member without the kind's flag": Case(
        _nothing,
        lambda w: {
            "kind": "cadre_stay",
            "branch": w.branch_a,
            "member": w.member_a,
            "village": w.baoshan,
            "start": "2016-06-01",
        },
        "member",
        lambda w: "只有领导干部可以进村蹲点。",
    ),
    "a member of another branch": Case(
        _cadre_elsewhere,
        lambda w: {
            "kind": "cadre_stay",
            "branch": w.branch_a,
            "member": Member.objects.get(name="赵干部"),
            "village": w.baoshan,
            "start": "2016-06-01",
        },
        "member",
        lambda w: "帮扶人须是本支部的党员干部。",
    ),
    "a helper named for a branch's own pairing": Case(
        _nothing,
        lambda w: {**village(w, w.branch_a, w.baoshan), "member": w.member_a},
        "member",
        lambda w: "支部结对帮村不填写帮扶人。",
    ),
    "a household for a pairing with a village": Case(
        _nothing,
        lambda w: (
            {
                "kind": "secretary_household",
                "branch": w.branch_a,
                "member": w.secretary_a,
                "village": w.baoshan,
                "household": w.household_a,
                "start": "2016-06-01",
            }
            | {"kind": "member_service", "member": w.member_a}
        ),
        "household",
        lambda w: "只有支部书记牵头帮户时填写贫困户。",
    ),
    "a household in another village": Case(
        _nothing,
        lambda w: {
            "kind": "secretary_household",
            "branch": w.branch_a,
            "member": w.secretary_a,
            "village": w.baoshan,
            "household": w.household_b,
            "start": "2016-06-01",
        },
        "household",
        lambda w: "贫困户不在所选的村。",
    ),
    "a start outside the campaign's period": Case(
        _nothing,
        lambda w: {
            "kind": "secretary_household",
            "branch": w.branch_a,
            "member": w.secretary_a,
            "village": w.baoshan,
            "household": w.household_a,
            "start": "2017-02-01",
        },
        "start",
        lambda w: "开始日期须在行动期间(2016-03-01至2016-12-31)。",
    ),
}

COLUMNS = {
    "campaign": "帮扶行动",
    "kind": "结对类型",
    "unit": "单位名称",
    "branch": "支部名称",
    "member": "帮扶人",
    "village": "村代码",
    "household": "户编号",
    "start": "开始日期",
    "end": "结束日期",
}


def _form_data(world: Any, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "campaign": world.campaign.pk,
        "kind": p["kind"],
        "branch": p["branch"].pk,
        "member": p["member"].pk if p.get("member") else "",
        "village": p["village"].code,
        "household": p["household"].number if p.get("household") else "",
        "origin": "assigned",
        "start": p["start"],
        "end": "",
    }


def through_form(world: Any, client: Any, p: dict[str, Any], tmp_path: Any) -> list[str]:
    client.force_login(world.users["office"])
    response = client.post(reverse("campaigns:pairing_add"), _form_data(world, p))
    assert response.status_code == 200, "the page saved it"
    return [str(m) for m in response.context["form"].errors.get(p["_field"], [])]


def through_api(world: Any, client: Any, p: dict[str, Any], tmp_path: Any) -> list[str]:
    api = APIClient()
    _token, plain = tokens.issue(world.users["office"], "test")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    data = {k: v for k, v in _form_data(world, p).items() if v != ""}
    response = api.post("/api/v1/campaigns/pairings/", data, format="json")
    assert response.status_code == 400, response.content
    return response.json().get(p["_field"], [])


def through_import(world: Any, client: Any, p: dict[str, Any], tmp_path: Any) -> list[str]:
    values = {
        "campaign": world.campaign.name,
        "kind": p["kind"],
        "unit": p["branch"].unit.name,
        "branch": p["branch"].name,
        "member": p["member"].name if p.get("member") else "",
        "village": p["village"].code,
        "household": p["household"].number if p.get("household") else "",
        "start": p["start"],
        "end": "",
    }
    book = openpyxl.Workbook()
    book.active.append(list(COLUMNS.values()))
    book.active.append([values[k] for k in COLUMNS])
    path = tmp_path / "pairings.xlsx"
    book.save(path)
    result = Layout.registry["pairings"].run(path, world.users["office"], commit=False)
    column = COLUMNS[p["_field"]]
    return [x.reason for x in result.problems if x.row == 2 and x.column == column]


def through_service(world: Any, client: Any, p: dict[str, Any], tmp_path: Any) -> list[str]:
    pairing = Pairing(
        campaign=world.campaign,
        kind=p["kind"],
        branch=p["branch"],
        member=p.get("member"),
        village=p["village"],
        household=p.get("household"),
        start=datetime.date.fromisoformat(p["start"]),
    )
    with pytest.raises(ValidationError) as refused:
        save_pairing(pairing)
    return refused.value.message_dict.get(p["_field"], [])


PATHS = {
    "form": through_form,
    "api": through_api,
    "import": through_import,
    "service": through_service,
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("rule", RULES)
def test_every_pairing_rule_refuses_the_same_way_on_every_path(
    rule: str, path: str, world: Any, client: Any, tmp_path: Any
) -> None:
    case = RULES[rule]
    case.setup(world)
    pairing = {**case.pairing(world), "_field": case.field}
    before = Pairing.objects.count()
    messages = PATHS[path](world, client, pairing, tmp_path)
    assert messages == [case.message(world)]
    assert Pairing.objects.count() == before
