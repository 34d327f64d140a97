import datetime

from django.urls import reverse

from bangfu.registry import idnumber
from bangfu.registry.models import Household, Person


def _household_post(world, number, people, **extra):
    data = {
        "village": world.baoshan.code,
        "number": number,
        "attribute": "general",
        "identified_year": 2015,
        "main_cause": "illness",
        "housing": "safe",
        "housing_area": "80",
        "arable_land": "2.5",
        "status": "poor",
        "food_ok": "on",
        "people-TOTAL_FORMS": str(len(people)),
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "1000",
    }
    for i, person in enumerate(people):
        for key, value in person.items():
            data[f"people-{i}-{key}"] = value
        data.setdefault(f"people-{i}-health", "healthy")
        data.setdefault(f"people-{i}-labour_ability", "ordinary")
    data.update(extra)
    return data


def test_village_team_registers_a_household_with_its_people(login, world):
    client = login("village_a")
    head_id = idnumber.make("520524", datetime.date(1961, 4, 2), 40, "M")
    child_id = idnumber.make("520524", datetime.date(2005, 8, 1), 41, "F").lower()
    response = client.post(
        reverse("registry:household_add"),
        _household_post(
            world,
            "5205241162140099",
            [
                {"name": "谭世远", "relation": "head", "id_number": head_id},
                {"name": "谭小花", "relation": "daughter", "id_number": child_id},
            ],
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    household = Household.objects.get(number="5205241162140099")
    assert household.head_name == "谭世远"
    assert household.county_code == "520524"
    child = household.people.get(name="谭小花")
    assert child.id_number == child_id.upper()
    assert child.sex == "F" and child.birth_date == datetime.date(2005, 8, 1)
    assert response["Location"] == household.get_absolute_url()


def test_a_bad_person_row_keeps_the_whole_household_unwritten(login, world):
    client = login("village_a")
    good = idnumber.make("520524", datetime.date(1961, 4, 2), 40, "M")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    response = client.post(
        reverse("registry:household_add"),
        _household_post(
            world,
            "5205241162140098",
            [
                {"name": "甲", "relation": "head", "id_number": good},
                {"name": "乙", "relation": "son", "id_number": bad},
            ],
        ),
    )
    assert response.status_code == 200
    errors = response.context["formsets"]["people"].forms[1].errors["id_number"]
    assert "校验位错误" in errors[0]
    assert "校验位错误" in response.content.decode()
    assert not Household.objects.filter(number="5205241162140098").exists()
    assert not Person.objects.filter(id_number=good).exists()


def test_a_household_needs_exactly_one_head(login, world):
    client = login("village_a")
    response = client.post(
        reverse("registry:household_add"),
        _household_post(
            world,
            "5205241162140097",
            [
                {"name": "甲", "relation": "son"},
            ],
        ),
    )
    assert response.status_code == 200
    assert "每户须有且只有一名户主" in response.content.decode()
    assert not Household.objects.filter(number="5205241162140097").exists()


def test_field_errors_are_in_chinese_next_to_the_field(login, world):
    client = login("village_a")
    response = client.post(
        reverse("registry:household_add"),
        _household_post(world, "", [{"name": "甲", "relation": "head"}], village="999999999999"),
    )
    body = response.content.decode()
    assert 'data-testid="error-number"' in body
    assert "字段是必填项" in body  # Django says 这个字段…, DRF (installed) 该字段…
    assert "找不到这个村" in body


def test_id_numbers_are_masked_without_the_personal_data_right(login, world):
    number = world.person_a.id_number
    masked = login("unit_a").get(reverse("registry:household_detail", args=[world.household_a.pk]))
    assert number not in masked.content.decode()
    assert number[:6] + "********" + number[-4:] in masked.content.decode()
    # The office holds the right: still masked on the page, with a 显示 button that reveals
    # (and logs) the number.
    client = login("office")
    page = client.get(reverse("registry:household_detail", args=[world.household_a.pk]))
    assert number not in page.content.decode()
    reveal = reverse("accounts:reveal", args=["registry", "person", world.person_a.pk, "id_number"])
    assert reveal in page.content.decode()
    assert number in client.post(reveal).content.decode()


def test_a_stale_edit_is_refused_instead_of_overwriting(login, world):
    client = login("office")
    url = reverse("orgs:unit_edit", args=[world.unit_a.pk])
    stale = world.unit_a.updated.isoformat()
    world.unit_a.short_name = "工会"
    world.unit_a.save()
    response = client.post(
        url, {"name": "贵州省总工会", "short_name": "总工会", "loaded_version": stale}
    )
    assert response.status_code == 200
    assert "已被其他人修改" in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.short_name == "工会"


def test_lists_filter_sort_and_paginate(login, world):
    client = login("office")
    url = reverse("registry:household_list")
    assert client.get(url, {"q": "张龙"}).context["table"].paginator.count == 1
    assert client.get(url, {"region": "5227"}).context["table"].paginator.count == 1
    ordered = client.get(url, {"sort": "-number"}).context["table"]
    assert [r.record.number for r in ordered.rows] == ["5227231022000001", "5205241162140001"]
    paged = client.get(url, {"per_page": 25})
    assert paged.context["table"].paginator.per_page == 25


def test_a_household_must_live_in_a_village_not_a_township(world):
    import pytest
    from django.core.exceptions import ValidationError

    household = Household(
        village=world.baoshan.parent,
        number="1",
        attribute="general",
        identified_year=2014,
        main_cause="illness",
    )
    with pytest.raises(ValidationError) as excinfo:
        household.clean()
    assert "请选择一个村" in excinfo.value.message_dict["village"][0]
    with pytest.raises(ValidationError) as excinfo:
        household.full_clean()
    assert "village" in excinfo.value.message_dict


def test_the_list_counts_each_households_people_and_sorts_by_the_count(login, world):
    Person.objects.create(
        household=world.household_b, county_code="522723", name="罗小", relation="son"
    )
    empty = Household.objects.create(
        village=world.baoshan,
        county_code="520524",
        number="5205241162140009",
        attribute="general",
        identified_year=2015,
        main_cause="illness",
    )
    table = login("office").get(reverse("registry:household_list"), {"sort": "-people_count"})
    counts = [(r.record.number, r.record.people_count) for r in table.context["table"].rows]
    assert counts == [
        (world.household_b.number, 2),
        (world.household_a.number, 1),
        (empty.number, 0),
    ]
