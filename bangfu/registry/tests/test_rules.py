"""Every registry rule gives the same refusal on every path that can break it: the household
page (form and people formset), the API, the spreadsheet import and the model itself.

A rule is one row of CASES: the bad input in each path's shape, and the message
`registry.rules` gives for it. A path a rule cannot be reached through is left out of its row
(the API does not write people, so the people rules have no API entry).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from bangfu.api import tokens
from bangfu.core.imports import Layout
from bangfu.registry import idnumber, rules
from bangfu.registry.models import Household, Person
from bangfu.registry.tests.test_import import HEADERS, row, xlsx
from bangfu.registry.tests.test_views import _household_post

HEAD_ID = idnumber.make("520524", datetime.date(1961, 4, 2), 40, "M")
SON_ID = idnumber.make("520524", datetime.date(1990, 1, 9), 41, "M")
NUMBER = "5205241162140199"


@dataclass
class Case:
    """One rule's bad input, in the shape of each path, and its refusal."""

    message: Callable[[], str]
    people: list[dict] = field(default_factory=list)  # the page's formset rows
    household: dict = field(default_factory=dict)  # the page's and the API's household fields
    rows: list[dict] = field(default_factory=list)  # the import's rows
    model: Callable[[Any], None] | None = None  # the model's own check, given the world
    api: bool = False


def _person_with(world: Any, **values: Any) -> None:
    Person(household=world.household_a, name="甲", relation="son", **values).full_clean()


def _lifted_household(world: Any) -> None:
    Household(
        village=world.baoshan,
        number=NUMBER,
        attribute="general",
        identified_year=2015,
        main_cause="illness",
        status="lifted",
    ).full_clean()


CASES = {
    "id_number_decides_sex": Case(
        message=lambda: rules.check_identity(["M"], [None], ["F"], None)[0][2],
        people=[{"name": "甲", "relation": "head", "id_number": HEAD_ID, "sex": "F"}],
        rows=[row(number=NUMBER, id_number=HEAD_ID, 性别="女")],
        model=lambda world: _person_with(world, id_number=HEAD_ID, sex="F"),
    ),
    "id_number_decides_birth_date": Case(
        message=lambda: rules.check_identity(
            [""], [datetime.date(1961, 4, 2)], None, [datetime.date(1961, 4, 3)]
        )[0][2],
        people=[
            {"name": "甲", "relation": "head", "id_number": HEAD_ID, "birth_date": "1961-04-03"}
        ],
        rows=[row(number=NUMBER, id_number=HEAD_ID, 出生日期="1961-04-03")],
        model=lambda world: _person_with(
            world, id_number=HEAD_ID, birth_date=datetime.date(1961, 4, 3)
        ),
    ),
    "one_head_per_household": Case(
        message=lambda: rules.check_heads([2])[0][2],
        people=[
            {"name": "甲", "relation": "head", "id_number": HEAD_ID},
            {"name": "乙", "relation": "head", "id_number": SON_ID},
        ],
        rows=[
            row(number=NUMBER, id_number=HEAD_ID),
            row(number=NUMBER, name="乙", id_number=SON_ID),
        ],
    ),
    "a_lifted_household_has_an_exit_year": Case(
        message=lambda: rules.check_exit_years(["lifted"], [None])[0][2],
        people=[{"name": "甲", "relation": "head", "id_number": HEAD_ID}],
        household={"status": "lifted"},
        rows=[row(number=NUMBER, id_number=HEAD_ID, 脱贫状态="已脱贫")],
        model=_lifted_household,
        api=True,
    ),
}


def _messages(value: Any) -> list[str]:
    """Every message in a nest of error dicts and lists."""
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


def through_form(case: Case, world: Any, login: Any, tmp_path: Any) -> list[str]:
    client = login("village_a")
    data = _household_post(world, NUMBER, case.people, **case.household)
    response = client.post(reverse("registry:household_add"), data)
    assert response.status_code == 200  # refused: the page again, with its errors
    formset = response.context["formsets"]["people"]
    return _messages(
        [
            response.context["form"].errors,
            list(formset.non_form_errors()),
            [f.errors for f in formset.forms],
        ]
    )


def through_api(case: Case, world: Any, login: Any, tmp_path: Any) -> list[str]:
    client = APIClient()
    _token, plain = tokens.issue(world.users["village_a"], "test")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    data = {
        "village": world.baoshan.code,
        "number": NUMBER,
        "attribute": "general",
        "identified_year": 2015,
        "main_cause": "illness",
        **case.household,
    }
    response = client.post("/api/v1/registry/households/", data, format="json")
    assert response.status_code == 400, response.content
    return _messages(response.json())


def through_import(case: Case, world: Any, login: Any, tmp_path: Any) -> list[str]:
    headers = [*HEADERS, "脱贫年度"]
    result = Layout.registry["households"].run(
        xlsx(tmp_path, case.rows, headers=headers), world.users["village_a"], commit=True
    )
    assert not result.committed
    return [p.reason for p in result.problems]


def through_model(case: Case, world: Any, login: Any, tmp_path: Any) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        case.model(world)
    return _messages(refused.value.message_dict)


PATHS = {
    "form": (through_form, lambda case: bool(case.people)),
    "api": (through_api, lambda case: case.api),
    "import": (through_import, lambda case: bool(case.rows)),
    "model": (through_model, lambda case: case.model is not None),
}


@pytest.mark.parametrize(
    "rule, path",
    [
        (rule, path)
        for rule, case in CASES.items()
        for path, (_f, has) in PATHS.items()
        if has(case)
    ],
)
def test_the_same_bad_input_gets_the_same_refusal_on_every_path(rule, path, world, login, tmp_path):
    case = CASES[rule]
    messages = PATHS[path][0](case, world, login, tmp_path)
    assert case.message() in messages
    assert not Household.objects.filter(number=NUMBER).exists()


def test_every_rule_is_reached_through_the_form_and_the_import():
    for case in CASES.values():
        assert case.people and case.rows
