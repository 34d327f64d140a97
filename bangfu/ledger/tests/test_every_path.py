"""Every ledger-entry rule gives the same refusal on every entry path: the form (the page), the
API, the import (dry run) and the service. Adding a rule is adding a row to RULES."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from bangfu.api import tokens
from bangfu.core.imports import Layout
from bangfu.ledger import services
from bangfu.ledger.choices import ActivityKind
from bangfu.ledger.models import Activity


@dataclass
class Case:
    """One bad entry: what differs from a good service visit, and the refusal."""

    entry: dict[str, Any]
    field: str  # the form's field; the import names the matching column
    message: str
    # The paths that can carry the bad value (the import has no households column).
    paths: tuple[str, ...] = ("form", "api", "import", "service")
    # Who enters it: the office reaches every unit, so a unit's form does not already narrow
    # the choices to its own people.
    user: str = "unit_a"


TOMORROW = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()

RULES: dict[str, Case] = {
    "a date outside the campaign's period": Case(
        {"date": "2026-06-01"}, "date", "日期须在行动期间(2016-03-01至2016-12-31)。"
    ),
    "a date before the campaign": Case(
        {"date": "2015-12-31"}, "date", "日期须在行动期间(2016-03-01至2016-12-31)。"
    ),
    "a date in the future": Case({"date": TOMORROW}, "date", "日期不能晚于今天。"),
    "a stay without its days": Case(
        {"kind": ActivityKind.STAY, "days": 0}, "days", "蹲点调研须填写天数。"
    ),
    "funds without an amount": Case(
        {"kind": ActivityKind.FUNDS, "amount": 0, "fund_source": "social"},
        "amount",
        "引进资金须填写金额。",
    ),
    "a technical service without the persons served": Case(
        {"kind": ActivityKind.TECH_SERVICE, "quantity": 0}, "quantity", "请填写数量。"
    ),
    "a participant from another unit": Case(
        {"participants": ["member_a", "secretary_b"]},
        "participants",
        "以下人员不属于贵州省总工会:陆曙光",
        user="office",
    ),
    "a household of another village": Case(
        {"households": ["household_b"]},
        "households",
        "以下贫困户不在宝山村:罗明",
        paths=("form", "api", "service"),
        user="office",
    ),
}

COLUMNS = {
    "campaign": "帮扶行动",
    "kind": "帮扶类型",
    "date": "日期",
    "unit": "单位名称",
    "branch": "支部名称",
    "village": "村代码",
    "participants": "参加人员",
    "summary": "工作内容",
    "days": "天数",
    "quantity": "数量",
    "amount": "金额(元)",
    "fund_source": "资金来源",
}


def _entry(world: Any, changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": ActivityKind.SERVICE_VISIT,
        "date": "2016-06-01",
        "days": 0,
        "quantity": 0,
        "amount": 0,
        "fund_source": "",
        **changes,
        # People are named by the world's attribute: the world is made per test.
        "participants": [getattr(world, n) for n in changes.get("participants", ["member_a"])],
        "households": [getattr(world, n) for n in changes.get("households", [])],
    }


def _form_data(world: Any, e: dict[str, Any]) -> dict[str, Any]:
    data = {
        "campaign": world.campaign.pk,
        "kind": e["kind"],
        "date": e["date"],
        "branch": world.branch_a.pk,
        "village": world.baoshan.code,
        "participants": [m.pk for m in e["participants"]],
        "summary": "工作内容",
        "solved-TOTAL_FORMS": "0",
        "solved-INITIAL_FORMS": "0",
    }
    for name in ("days", "quantity", "amount", "fund_source"):
        if e[name]:
            data[name] = e[name]
    if e["households"]:
        data["households"] = [h.number for h in e["households"]]
    return data


def through_form(world: Any, client: Any, e: dict[str, Any], tmp_path: Any) -> list[str]:
    client.force_login(world.users[e["_user"]])
    response = client.post(reverse("ledger:activity_add"), _form_data(world, e))
    assert response.status_code == 200, "the page saved it"
    return [str(m) for m in response.context["form"].errors.get(e["_field"], [])]


def through_api(world: Any, client: Any, e: dict[str, Any], tmp_path: Any) -> list[str]:
    api = APIClient()
    _token, plain = tokens.issue(world.users[e["_user"]], "test")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    data = {k: v for k, v in _form_data(world, e).items() if not k.startswith("solved")}
    response = api.post("/api/v1/ledger/activities/", data, format="json")
    assert response.status_code == 400, response.content
    return response.json().get(e["_field"], [])


def through_import(world: Any, client: Any, e: dict[str, Any], tmp_path: Any) -> list[str]:
    values = {
        "campaign": world.campaign.name,
        "unit": world.unit_a.name,
        "branch": world.branch_a.name,
        "village": world.baoshan.code,
        "participants": "、".join(m.name for m in e["participants"]),
        "summary": "工作内容",
        **{k: e[k] for k in ("kind", "date", "days", "quantity", "amount", "fund_source")},
    }
    book = openpyxl.Workbook()
    book.active.append(list(COLUMNS.values()))
    book.active.append([values[k] for k in COLUMNS])
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    result = Layout.registry["activities"].run(path, world.users[e["_user"]], commit=False)
    column = COLUMNS[e["_field"]]
    return [x.reason for x in result.problems if x.row == 2 and x.column == column]


def through_service(world: Any, client: Any, e: dict[str, Any], tmp_path: Any) -> list[str]:
    activity = Activity(
        campaign=world.campaign,
        kind=e["kind"],
        date=datetime.date.fromisoformat(e["date"]),
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        summary="工作内容",
        days=e["days"],
        quantity=e["quantity"],
        amount=Decimal(e["amount"]),
        fund_source=e["fund_source"],
    )
    with pytest.raises(ValidationError) as refused:
        services.record_activity(
            activity, e["participants"], e["households"], user=world.users[e["_user"]]
        )
    return refused.value.message_dict.get(e["_field"], [])


PATHS = {
    "form": through_form,
    "api": through_api,
    "import": through_import,
    "service": through_service,
}


@pytest.mark.parametrize(
    ("rule", "path"),
    [(rule, path) for rule, case in RULES.items() for path in case.paths],
    ids=lambda v: v,
)
def test_every_entry_rule_refuses_the_same_way_on_every_path(
    rule: str, path: str, world: Any, client: Any, tmp_path: Any
) -> None:
    case = RULES[rule]
    entry = {**_entry(world, case.entry), "_field": case.field, "_user": case.user}
    before = Activity.objects.count()
    messages = PATHS[path](world, client, entry, tmp_path)
    assert messages == [case.message]
    assert Activity.objects.count() == before


def test_the_good_entry_of_the_table_is_accepted_on_every_path(world, client, tmp_path):
    """The table's base entry is good: each refusal above is the rule's, not the base's."""
    good = _entry(world, {})
    assert services.record_activity(
        Activity(
            campaign=world.campaign,
            kind=good["kind"],
            date=datetime.date.fromisoformat(good["date"]),
            village=world.baoshan,
            unit=world.unit_a,
            branch=world.branch_a,
            summary="工作内容",
        ),
        [world.member_a],
        user=world.users["unit_a"],
    ).pk
    client.force_login(world.users["unit_a"])
    response = client.post(reverse("ledger:activity_add"), _form_data(world, good))
    assert response.status_code == 302
