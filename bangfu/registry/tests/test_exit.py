"""Exit and monitoring (脱贫退出, 防返贫监测): a household exits only on income per head at or
above the year's line and every guarantee; a village on incidence below 3%; monitoring flags
lifted-out households that fall back, and marking one monitored is an ordinary, logged save."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bangfu.core.changelog import change_context
from bangfu.core.models import ObjectChange
from bangfu.geo.models import VillageYear
from bangfu.registry import services
from bangfu.registry.choices import ExitCheck, RelapseLevel
from bangfu.registry.models import Household, HouseholdIncome, Person, PovertyLine

GUARANTEES = ["food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok"]
ALL_OK = dict.fromkeys(GUARANTEES, True)


def household(world, number: str, people: int = 3, village=None, **fields) -> Household:
    """A household of `people` people with every guarantee met unless `fields` say otherwise."""
    h = Household.objects.create(
        village=village or world.baoshan,
        number=number,
        attribute="general",
        identified_year=2014,
        main_cause="illness",
        **(ALL_OK | fields),
    )
    for i in range(people):
        Person.objects.create(
            household=h,
            name=f"成员{i}",
            relation="head" if i == 0 else "son",
            birth_date=datetime.date(1970 + i, 1, 1),
        )
    return h


def lifted(world, number: str, people: int = 3, **fields) -> Household:
    return household(world, number, people, status="lifted", exit_year=2016, **fields)


def income(h: Household, year: int, wage: str, **other: str) -> HouseholdIncome:
    return HouseholdIncome.objects.create(
        household=h,
        year=year,
        wage_income=Decimal(wage),
        **{k: Decimal(v) for k, v in other.items()},
    )


# --- Poverty lines ---------------------------------------------------------------------------


def test_the_national_lines_are_seeded_as_data(db):
    lines = dict(PovertyLine.objects.values_list("year", "amount"))
    assert lines == {
        2014: 2800,
        2015: 2855,
        2016: 2952,
        2017: 2952,
        2018: 2995,
        2019: 3218,
        2020: 4000,
    }


def test_a_year_has_one_line(db):
    with pytest.raises(ValidationError) as excinfo:
        PovertyLine(year=2016, amount=3146).full_clean()
    assert "该年度的贫困线已登记" in str(excinfo.value)


def test_the_office_edits_a_line_and_the_review_follows_it(login, world):
    h = household(world, "EX1")
    income(h, 2016, "9000")  # 3,000 a head
    assert services.exit_review(h, 2016).passed
    line = PovertyLine.objects.get(year=2016)
    client = login("office")
    response = client.post(
        reverse("registry:povertyline_edit", args=[line.pk]),
        {
            "year": 2016,
            "amount": "3146",
            "note": "贵州省标准",
            "loaded_version": line.updated.isoformat(),
        },
    )
    assert response.status_code == 302
    review = services.exit_review(h, 2016)
    assert review.messages == ["人均纯收入3,000元,低于2016年贫困线3,146元"]


def test_poverty_line_pages_render_for_office_and_are_read_only_for_others(login, world):
    line = PovertyLine.objects.get(year=2016)
    office = login("office")
    for url in (
        reverse("registry:povertyline_list"),
        reverse("registry:povertyline_add"),
        reverse("registry:povertyline_detail", args=[line.pk]),
        reverse("registry:povertyline_edit", args=[line.pk]),
    ):
        assert office.get(url).status_code == 200, url
    assert office.get(reverse("registry:povertyline_list")).context["table"].paginator.count == 7
    team = login("village_a")
    assert team.get(reverse("registry:povertyline_list")).status_code == 200
    assert team.get(reverse("registry:povertyline_edit", args=[line.pk])).status_code == 404
    assert team.get(reverse("registry:povertyline_add")).status_code == 403


# --- Household exit review -------------------------------------------------------------------


def test_income_per_head_exactly_at_the_line_with_every_guarantee_passes(world):
    h = household(world, "EX2")
    income(h, 2016, "8856")  # 2,952 × 3
    review = services.exit_review(h, 2016)
    assert review.passed and review.failures == []
    assert review.per_head == Decimal("2952.00") and review.line == 2952 and review.people == 3


def test_income_below_the_line_fails_with_its_figures(world):
    h = household(world, "EX3")
    income(h, 2016, "4000", production_income="2000", transfer_income="1200")  # 7,200 / 3
    review = services.exit_review(h, 2016)
    assert [(f.check, f.message) for f in review.failures] == [
        (ExitCheck.INCOME, "人均纯收入2,400元,低于2016年贫困线2,952元")
    ]


def test_a_fen_below_the_line_fails(world):
    h = household(world, "EX4")
    income(h, 2016, "8855.97")
    assert services.exit_review(h, 2016).messages == [
        "人均纯收入2,951.99元,低于2016年贫困线2,952元"
    ]


def test_property_income_counts_towards_the_line(world):
    h = household(world, "EX5")
    income(h, 2016, "6000", property_income="2856")  # dividends of shares arrive as property income
    assert services.exit_review(h, 2016).passed


@pytest.mark.parametrize(
    ("field", "check", "message"),
    [
        ("food_ok", ExitCheck.FOOD, "吃饭无保障"),
        ("clothing_ok", ExitCheck.CLOTHING, "穿衣无保障"),
        ("education_ok", ExitCheck.EDUCATION, "义务教育无保障"),
        ("medical_ok", ExitCheck.MEDICAL, "基本医疗无保障"),
        ("housing_ok", ExitCheck.HOUSING, "住房安全无保障"),
        ("water_ok", ExitCheck.WATER, "饮水安全无保障"),
    ],
)
def test_each_guarantee_alone_fails_the_review(world, field, check, message):
    h = household(world, f"EX-{field}", **{field: False})
    income(h, 2016, "12000")
    review = services.exit_review(h, 2016)
    assert not review.passed
    assert [(f.check, f.message) for f in review.failures] == [(check, message)]


def test_missing_income_is_a_failing_check(world):
    h = household(world, "EX6")
    income(h, 2015, "12000")
    review = services.exit_review(h, 2016)
    assert [(f.check, f.message) for f in review.failures] == [
        (ExitCheck.INCOME_MISSING, "缺少2016年收入数据")
    ]
    assert review.per_head is None


def test_a_missing_line_is_a_failing_check(world):
    h = household(world, "EX7")
    income(h, 2013, "12000")
    review = services.exit_review(h, 2013)
    assert [(f.check, f.message) for f in review.failures] == [
        (ExitCheck.LINE_MISSING, "缺少2013年贫困线标准")
    ]


def test_a_household_without_people_cannot_pass(world):
    h = household(world, "EX8", people=0)
    income(h, 2016, "12000")
    assert [f.check for f in services.exit_review(h, 2016).failures] == [ExitCheck.NO_PEOPLE]


def test_every_failing_check_is_listed_together(world):
    h = household(world, "EX9", housing_ok=False, water_ok=False)
    income(h, 2016, "3000")
    assert services.exit_review(h, 2016).messages == [
        "人均纯收入1,000元,低于2016年贫困线2,952元",
        "住房安全无保障",
        "饮水安全无保障",
    ]


def test_the_household_page_shows_the_review_of_its_latest_year_with_income(login, world):
    h = household(world, "EX10", water_ok=False)
    income(h, 2015, "3000")
    income(h, 2016, "12000")
    page = login("village_a").get(reverse("registry:household_detail", args=[h.pk]))
    assert page.status_code == 200
    review = page.context["exit_review"]
    assert review.year == 2016
    body = page.content.decode()
    assert "饮水安全无保障" in body and "脱贫退出审核" in body
    empty = login("village_a").get(
        reverse("registry:household_detail", args=[world.household_a.pk])
    )
    assert empty.context["exit_review"] is None


# --- Village exit review ---------------------------------------------------------------------


def _village_year(world, year: int, population: int, poor: int) -> VillageYear:
    return VillageYear.objects.create(
        village=world.baoshan, year=year, population=population, poor_population=poor
    )


def test_a_village_below_three_percent_passes(world):
    _village_year(world, 2016, 1000, 29)
    review = services.village_exit_review(world.baoshan, 2016)
    assert review.passed and review.incidence == Decimal("2.90")


def test_a_village_at_three_percent_fails_with_its_incidence(world):
    _village_year(world, 2016, 1000, 30)
    review = services.village_exit_review(world.baoshan, 2016)
    assert [(f.check, f.message) for f in review.failures] == [
        (ExitCheck.INCIDENCE, "贫困发生率3.00%,未低于退出标准3%")
    ]


def test_the_village_threshold_is_a_parameter(world):
    _village_year(world, 2016, 1000, 25)
    assert services.village_exit_review(world.baoshan, 2016).passed
    strict = services.village_exit_review(world.baoshan, 2016, threshold=Decimal("2"))
    assert [f.message for f in strict.failures] == ["贫困发生率2.50%,未低于退出标准2%"]


def test_a_village_without_its_years_facts_fails(world):
    _village_year(world, 2015, 0, 0)
    assert [f.message for f in services.village_exit_review(world.baoshan, 2016).failures] == [
        "缺少2016年村年度情况数据"
    ]
    assert [f.message for f in services.village_exit_review(world.baoshan, 2015).failures] == [
        "2015年总人口为0,无法计算贫困发生率"
    ]


def test_the_village_page_shows_its_exit_review(login, world):
    _village_year(world, 2016, 1000, 45)
    page = login("village_a").get(
        reverse("registry:village_identification", args=[world.baoshan.pk])
    )
    assert page.status_code == 200
    assert "贫困发生率4.50%,未低于退出标准3%" in page.content.decode()


# --- Relapse monitoring ----------------------------------------------------------------------


def _flags(world, year=2016):
    return {
        f.household.number: f for f in services.relapse_monitoring(Household.objects.all(), year)
    }


def test_an_income_drop_below_the_line_flags_relapse_risk(world):
    h = lifted(world, "RM1")
    income(h, 2016, "7200")
    flag = _flags(world)["RM1"]
    assert flag.level == RelapseLevel.RELAPSE
    assert flag.reasons == ["人均纯收入2,400元,低于2016年贫困线2,952元"]
    assert flag.per_head == 2400


def test_a_lost_guarantee_flags_relapse_risk_whatever_the_income(world):
    h = lifted(world, "RM2", medical_ok=False)
    income(h, 2016, "30000")
    flag = _flags(world)["RM2"]
    assert flag.level == RelapseLevel.RELAPSE
    assert flag.reasons == ["基本医疗无保障"]


def test_income_under_one_and_a_half_lines_is_at_risk_and_at_it_is_not(world):
    near = lifted(world, "RM3")
    income(near, 2016, "13283.97")  # 4,427.99 a head; 2,952 × 1.5 = 4,428
    at = lifted(world, "RM4")
    income(at, 2016, "13284")
    flags = _flags(world)
    assert flags["RM3"].level == RelapseLevel.AT_RISK
    assert flags["RM3"].reasons == ["人均纯收入4,427.99元,低于2016年贫困线的1.5倍(4,428元)"]
    assert "RM4" not in flags


def test_the_risk_factor_is_a_setting(world, settings):
    h = lifted(world, "RM5")
    income(h, 2016, "15000")  # 5,000 a head: fine at 1.5, at risk at 2
    assert "RM5" not in _flags(world)
    settings.BANGFU_RELAPSE_RISK_FACTOR = Decimal("2")
    assert _flags(world)["RM5"].level == RelapseLevel.AT_RISK


def test_missing_income_is_flagged_not_presumed_fine(world):
    lifted(world, "RM6")
    flag = _flags(world)["RM6"]
    assert flag.level == RelapseLevel.NO_DATA
    assert flag.reasons == ["缺少2016年收入数据"]


def test_only_lifted_households_are_monitored(world):
    poor = household(world, "RM7")
    income(poor, 2016, "3000")
    monitored = household(world, "RM8", status="monitored")
    income(monitored, 2016, "3000")
    assert _flags(world) == {}


def test_flags_come_worst_first_and_a_missing_line_is_missing_data(world):
    ok = lifted(world, "RM9")
    income(ok, 2016, "30000")
    risk = lifted(world, "RM10")
    income(risk, 2016, "12000")
    relapse = lifted(world, "RM11")
    income(relapse, 2016, "6000")
    lifted(world, "RM12")
    flags = services.relapse_monitoring(Household.objects.all(), 2016)
    assert [(f.household.number, f.level) for f in flags] == [
        ("RM11", RelapseLevel.RELAPSE),
        ("RM12", RelapseLevel.NO_DATA),
        ("RM10", RelapseLevel.AT_RISK),
    ]
    income(ok, 2013, "30000")
    no_line = services.relapse_monitoring(Household.objects.filter(pk=ok.pk), 2013)
    assert [(f.level, f.reasons) for f in no_line] == [
        (RelapseLevel.NO_DATA, ["缺少2013年贫困线标准"])
    ]


def test_the_monitoring_page_lists_flags_in_scope_with_links(login, world):
    mine = lifted(world, "RM13")
    income(mine, 2016, "6000")
    theirs = lifted(world, "RM14", village=world.lebang)
    income(theirs, 2016, "6000")
    client = login("village_a")
    response = client.get(reverse("registry:monitoring"), {"year": 2016})
    assert response.status_code == 200
    assert [f.household.number for f in response.context["page_obj"]] == ["RM13"]
    body = response.content.decode()
    assert mine.get_absolute_url() in body
    assert reverse("registry:household_monitor", args=[mine.pk]) in body
    viewer = login("viewer").get(reverse("registry:monitoring"), {"year": 2016})
    assert {f.household.number for f in viewer.context["page_obj"]} == {"RM13", "RM14"}
    assert reverse("registry:household_monitor", args=[mine.pk]) not in viewer.content.decode()
    filtered = login("viewer").get(
        reverse("registry:monitoring"), {"year": 2016, "level": "at_risk"}
    )
    assert list(filtered.context["page_obj"]) == []


def test_the_monitoring_page_defaults_to_the_latest_income_year_and_is_in_the_nav(login, world):
    h = lifted(world, "RM15")
    income(h, 2015, "6000")
    income(h, 2017, "6000")
    client = login("village_a")
    response = client.get(reverse("registry:monitoring"))
    assert response.context["year"] == 2017
    assert reverse("registry:monitoring") in client.get(reverse("dashboard:index")).content.decode()


# --- Marking a household monitored -----------------------------------------------------------


def _status_changes(h: Household):
    return [
        (c.user, c.prechange_data["status"], c.postchange_data["status"])
        for c in ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Household),
            object_id=h.pk,
            action="update",
        )
        if any(name == "status" for name, _b, _a in c.diff())
    ]


def test_marking_monitored_saves_the_status_and_logs_the_change(world):
    h = lifted(world, "MK1")
    user = world.users["village_a"]
    with change_context(user=user):
        services.mark_monitored(h, user)
    h.refresh_from_db()
    assert h.status == "monitored" and h.exit_year == 2016
    assert _status_changes(h) == [(user, "lifted", "monitored")]


def test_the_monitor_button_marks_the_household_and_returns_to_the_list(login, world):
    h = lifted(world, "MK2")
    income(h, 2016, "6000")
    client = login("village_a")
    back = reverse("registry:monitoring") + "?year=2016"
    response = client.post(reverse("registry:household_monitor", args=[h.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    h.refresh_from_db()
    assert h.status == "monitored"
    assert _status_changes(h) == [(world.users["village_a"], "lifted", "monitored")]
    page = client.get(back)
    assert "已纳入监测对象" in page.content.decode()
    assert [f.household.number for f in page.context["page_obj"]] == []


def test_only_a_lifted_household_can_be_marked(login, world):
    h = household(world, "MK3")
    with pytest.raises(ValidationError):
        services.mark_monitored(h, None)
    client = login("village_a")
    response = client.post(reverse("registry:household_monitor", args=[h.pk]), follow=True)
    assert "只有已脱贫户可以纳入监测对象" in response.content.decode()
    h.refresh_from_db()
    assert h.status == "poor"


def test_marking_another_villages_household_is_refused(login, world):
    h = lifted(world, "MK4", village=world.lebang)
    with pytest.raises(PermissionDenied):
        services.mark_monitored(h, world.users["village_a"])
    for role in ("village_a", "viewer", "unit_b"):
        assert (
            login(role).post(reverse("registry:household_monitor", args=[h.pk])).status_code == 404
        )
    h.refresh_from_db()
    assert h.status == "lifted"


def test_the_household_page_shows_its_relapse_flag_and_the_button(login, world):
    h = lifted(world, "MK5")
    income(h, 2016, "6000")
    page = login("village_a").get(reverse("registry:household_detail", args=[h.pk]))
    assert page.context["relapse_flag"].level == RelapseLevel.RELAPSE
    assert reverse("registry:household_monitor", args=[h.pk]) in page.content.decode()


def test_the_monitoring_list_exports_what_it_shows(login, world):
    import io

    import openpyxl

    mine = lifted(world, "RM15")
    income(mine, 2016, "6000")
    theirs = lifted(world, "RM16", village=world.lebang)
    income(theirs, 2016, "6000")
    response = login("village_a").get(
        reverse("registry:monitoring"), {"year": 2016, "_export": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("户编号", "户主姓名", "所在村", "村代码", "监测结果")
    assert [r[0] for r in rows[1:]] == ["RM15"]  # the other village is out of scope
    assert rows[1][3] == world.baoshan.code and rows[1][8]  # a reason is given
