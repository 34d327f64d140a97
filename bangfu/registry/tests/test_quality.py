"""The data quality report: each check finds exactly what was planted, within the user's scope,
with personal data masked, on the page and in its export."""

from __future__ import annotations

import datetime
import io
import itertools

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.core.personal import mask
from bangfu.registry import idnumber, quality
from bangfu.registry.models import Household, Person
from bangfu.registry.quality import Ages, Check, Severity, add_years, broken_rule

D = datetime.date
BAOSHAN = "520524"  # 织金县, the county of the world's 宝山村
_numbers = itertools.count(50)


def pid(born: datetime.date, seq: int, sex: str = "M", address: str = BAOSHAN) -> str:
    return idnumber.make(address, born, seq, sex)


def household(village, *people, number: str | None = None) -> Household:
    """A household created directly (no form checks), with people as
    (name, relation, birth date, sex, ID number) tuples."""
    number = number or f"{village.code}{next(_numbers):04d}"
    h = Household.objects.create(
        village=village,
        number=number,
        attribute="general",
        identified_year=2014,
        main_cause="illness",
    )
    for name, relation, born, sex, id_number in people:
        Person.objects.create(
            household=h,
            name=name,
            relation=relation,
            birth_date=born,
            sex=sex,
            id_number=id_number,
        )
    return h


def person(name, relation, born, sex="M", seq=None, address=BAOSHAN, id_number=None):
    """A person row whose ID agrees with its birth date and sex (unless given)."""
    if id_number is None:
        id_number = pid(born, seq if seq is not None else next(_numbers) % 500, sex, address)
    return (name, relation, born, sex, id_number)


def found(user, **kwargs) -> list[tuple[str, str, str]]:
    return [(f.check, f.person_name, f.message) for f in quality.findings(user, **kwargs)]


def checks_of(user, **kwargs) -> list[tuple[str, str]]:
    return sorted((f.check, f.person_name) for f in quality.findings(user, **kwargs))


# --- Clean data --------------------------------------------------------------------------


def test_clean_world_and_a_plausible_family_have_no_findings(world):
    today = timezone.localdate()
    household(
        world.baoshan,
        person("李大山", "head", D(1960, 3, 1)),
        person("王桂花", "spouse", D(1962, 7, 9), "F"),
        person("李小军", "son", D(1985, 1, 2)),
        person("李小梅", "daughter", D(1990, 6, 30), "F"),
        person("张秀", "daughter_in_law", D(1986, 2, 2), "F"),
        person("李明", "grandson", D(2010, 5, 5)),
        person("李芳", "granddaughter", D(2012, 5, 5), "F"),
        person("赵老太", "mother", D(1936, 1, 1), "F"),
        person("李二山", "sibling", D(1966, 1, 1)),
        ("李小宝", "grandson", add_years(today, -10), "M", ""),  # a child may have no ID yet
    )
    assert quality.findings(world.users["office"]) == []


def test_the_demo_scenario_has_no_findings(db):
    from bangfu.accounts.models import User
    from bangfu.demo.scenario import build

    build(seed=3, scale=0.05)
    office = User.objects.get(username="office")
    assert Person.objects.count() > 100
    assert quality.findings(office) == []


# --- Checks 1 and 2: duplicates ------------------------------------------------------------


def test_duplicates_list_every_holder_and_flag_people_in_two_households(world):
    office = world.users["office"]
    twin = pid(D(1965, 4, 4), 10)
    same = household(
        world.baoshan,
        person("周一", "head", D(1965, 4, 4), id_number=twin),
        person("周二", "sibling", D(1965, 4, 4), id_number=twin),
    )
    moved = pid(D(1975, 8, 8), 11)
    first = household(world.baoshan, person("吴三", "head", D(1975, 8, 8), id_number=moved))
    second = household(world.baoshan, person("吴三", "head", D(1975, 8, 8), id_number=moved))

    people = quality.scoped_people(office)
    assert sorted(quality.duplicate_id_people(people).values_list("name", "household")) == sorted(
        [("周一", same.pk), ("周二", same.pk), ("吴三", first.pk), ("吴三", second.pk)]
    )
    assert sorted(quality.people_in_two_households(people).values_list("household", flat=True)) == [
        first.pk,
        second.pk,
    ]
    result = quality.findings(office)
    assert sorted((f.check, f.household_number) for f in result) == sorted(
        [
            (Check.DUPLICATE_ID, same.number),
            (Check.DUPLICATE_ID, same.number),
            (Check.DUPLICATE_ID, first.number),
            (Check.DUPLICATE_ID, second.number),
            (Check.TWO_HOUSEHOLDS, first.number),
            (Check.TWO_HOUSEHOLDS, second.number),
        ]
    )
    messages = {(f.check, f.person_name, f.household_number): f.message for f in result}
    assert messages[(Check.DUPLICATE_ID, "周一", same.number)] == "身份证号码与本户周二相同。"
    assert messages[(Check.DUPLICATE_ID, "吴三", first.number)] == (
        f"身份证号码与宝山村{second.number}户的吴三相同。"
    )
    assert f"宝山村{first.number}户" in messages[(Check.TWO_HOUSEHOLDS, "吴三", second.number)]
    assert all(f.severity == Severity.ERROR for f in result)


def test_a_duplicate_outside_the_users_scope_is_reported_without_its_details(world):
    luoming = world.household_b.people.get()
    copy = household(
        world.baoshan,
        person("罗明", "head", luoming.birth_date, id_number=luoming.id_number),
    )
    for name, mine, theirs in (
        ("unit_a", copy, world.household_b),
        ("unit_b", world.household_b, copy),
    ):
        result = quality.findings(world.users[name])
        assert sorted(f.check for f in result) == [Check.DUPLICATE_ID, Check.TWO_HOUSEHOLDS]
        for f in result:
            assert f.household_number == mine.number
            assert "另一村的贫困户" in f.message
            assert theirs.number not in f.message
            assert theirs.village.name not in f.message
    office = quality.findings(world.users["office"])
    assert len(office) == 4
    assert any(f"乐邦村{world.household_b.number}户的罗明" in f.message for f in office)


# --- Check 3: invalid ID numbers ---------------------------------------------------------


def _with_x_check_digit(born: datetime.date) -> str:
    return next(n for s in range(500) if (n := pid(born, s)).endswith("X"))


def test_invalid_id_numbers_are_found_with_their_reason(world):
    good = pid(D(1980, 1, 1), 30)
    bad_check = good[:17] + ("1" if good[17] != "1" else "2")
    lower_x = _with_x_check_digit(D(1981, 2, 2)).lower()
    bad_date_body = f"{BAOSHAN}19700230123"
    from stdnum.cn import ric

    bad_date = bad_date_body + ric.calc_check_digit(bad_date_body + "0")
    bad_address = pid(D(1980, 1, 1), 31, address="990000")
    rows = [
        ("校验错", bad_check),
        ("十五位", "520524700101123"),
        ("日期错", bad_date),
        ("地址错", bad_address),
        ("小写x", lower_x),
        ("正常", good),
    ]
    for name, number in rows:
        Person.objects.create(
            household=world.household_a, name=name, relation="sibling", id_number=number
        )
    people = quality.scoped_people(world.users["office"])
    problems = {p.person_id: p for p in quality.invalid_ids(people)}
    by_name = dict(Person.objects.filter(pk__in=problems).values_list("name", "pk"))
    assert sorted(by_name) == sorted(["校验错", "十五位", "日期错", "地址错", "小写x"])
    assert "校验位错误" in problems[by_name["校验错"]].message
    assert "18位" in problems[by_name["十五位"]].message
    assert "19700230" in problems[by_name["日期错"]].message
    assert "990000" in problems[by_name["地址错"]].message
    assert problems[by_name["小写x"]].severity == Severity.WARNING
    assert problems[by_name["校验错"]].severity == Severity.ERROR

    assert checks_of(world.users["office"]) == sorted(
        (Check.INVALID_ID, n) for n in ["校验错", "十五位", "日期错", "地址错", "小写x"]
    )
    # Without the right to personal data the message does not spell out the hidden digits.
    masked = {f.person_name: f.message for f in quality.findings(world.users["unit_a"])}
    assert "19700230" not in masked["日期错"]
    assert "出生日期" in masked["日期错"]


# --- Check 4: birth date or sex contradicting the ID -------------------------------------


def test_birth_date_or_sex_contradicting_the_id_is_found(world):
    born = D(1980, 1, 2)
    household(
        world.baoshan,
        person("户主", "head", D(1950, 1, 1)),
        ("性别错", "son", born, "F", pid(born, 40, "M")),
        ("日期错", "son", D(1980, 1, 3), "M", pid(born, 41, "M")),
        ("都错", "son", D(1980, 1, 3), "F", pid(born, 42, "M")),
        ("未填", "son", None, "", pid(born, 43, "M")),
        person("正确", "daughter", born, "F"),
    )
    office = quality.findings(world.users["office"])
    assert sorted((f.check, f.person_name) for f in office) == sorted(
        (Check.ID_MISMATCH, name) for name in ("日期错", "性别错", "都错")
    )
    messages = {f.person_name: f.message for f in office}
    assert messages["性别错"] == "性别登记为女,身份证号码显示为男。"
    assert messages["日期错"] == "出生日期登记为1980-01-03,身份证号码显示为1980-01-02。"
    assert "性别" in messages["都错"] and "出生日期" in messages["都错"]
    hidden = {f.person_name: f.message for f in quality.findings(world.users["unit_a"])}
    assert hidden["日期错"] == "出生日期登记为1980-**-**,与身份证号码不符。"  # the year only


# --- Check 5: heads ----------------------------------------------------------------------


def test_households_without_a_head_or_with_two_are_found(world):
    empty = household(world.baoshan)
    headless = household(world.baoshan, person("只有配偶", "spouse", D(1970, 1, 1), "F"))
    two = household(
        world.baoshan,
        person("甲", "head", D(1960, 1, 1)),
        person("乙", "head", D(1962, 1, 1), "F"),
        person("丙", "son", D(1990, 1, 1)),
    )
    households = quality.scoped_households(world.users["office"])
    assert sorted(quality.head_problems(households).values_list("number", "heads")) == sorted(
        [(empty.number, 0), (headless.number, 0), (two.number, 2)]
    )
    result = {f.household_number: f for f in quality.findings(world.users["office"])}
    assert set(result) == {empty.number, headless.number, two.number}
    assert result[empty.number].message == "该户没有登记户主。"
    assert result[two.number].message == "该户登记了2名户主:甲、乙。"
    assert result[two.number].person_name == ""


# --- Check 6: relations and ages ---------------------------------------------------------

HEAD_BORN = D(1960, 6, 15)


@pytest.mark.parametrize(
    ("relation", "born", "oldest_child", "expected"),
    [
        ("son", D(1959, 1, 1), None, "之子比户主年长。"),
        ("daughter", D(1970, 6, 14), None, "之女只比户主小9岁,两代人至少应相差12岁。"),
        ("son", D(1972, 6, 15), None, None),  # exactly 12 years
        ("son", D(1972, 6, 14), None, "之子只比户主小11岁,两代人至少应相差12岁。"),
        ("daughter_in_law", D(1968, 1, 1), None, "之儿媳只比户主小7岁,两代人至少应相差12岁。"),
        ("son_in_law", D(1985, 1, 1), None, None),
        ("grandson", D(1958, 1, 1), None, "之孙子比户主年长。"),
        ("granddaughter", D(1980, 1, 1), None, "之孙女只比户主小19岁,祖孙至少应相差24岁。"),
        ("grandson", D(1990, 1, 1), D(1992, 1, 1), "之孙子比户主的子女年长,请核对与户主的关系。"),
        ("grandson", D(2010, 1, 1), D(1985, 1, 1), None),
        ("father", D(1965, 1, 1), None, "之父比户主年轻。"),
        ("mother", D(1950, 1, 1), None, "之母只比户主大10岁,两代人至少应相差12岁。"),
        ("mother", D(1948, 6, 15), None, None),
        ("spouse", D(1929, 1, 1), None, "配偶与户主年龄相差31岁,超过30岁。"),
        ("spouse", D(1991, 6, 16), None, "配偶与户主年龄相差31岁,超过30岁。"),
        ("spouse", D(1990, 6, 15), None, None),  # exactly 30 years
        ("sibling", D(2000, 1, 1), None, None),
        ("other", D(1900, 1, 1), None, None),
    ],
)
def test_relation_rules(relation, born, oldest_child, expected):
    rule = broken_rule(relation, Ages(born, HEAD_BORN, oldest_child))
    if expected is None:
        assert rule is None
    else:
        from bangfu.registry.choices import Relation

        gap = abs(Ages(born, HEAD_BORN).gap)
        assert rule.message.format(relation=Relation(relation).label, years=gap) == expected


def test_relation_problems_are_found_household_by_household(world):
    household(
        world.baoshan,
        person("户主", "head", HEAD_BORN),
        person("老子", "son", D(1955, 1, 1)),
        person("小爸", "father", D(1970, 1, 1)),
        person("老伴", "spouse", D(1925, 1, 1), "F"),
        person("好儿", "son", D(1985, 1, 1)),
    )
    # Without a single head no relation can be judged (check 5 reports the household).
    household(world.baoshan, person("甲", "son", D(1900, 1, 1)), person("乙", "son", D(2000, 1, 1)))
    result = [f for f in quality.findings(world.users["office"]) if f.check == Check.RELATION_AGE]
    assert sorted((f.person_name, f.severity) for f in result) == [
        ("小爸", Severity.ERROR),
        ("老伴", Severity.WARNING),
        ("老子", Severity.ERROR),
    ]


def test_relation_check_uses_the_id_birth_date_when_none_is_recorded(world):
    household(
        world.baoshan,
        person("户主", "head", HEAD_BORN),
        ("无日期", "son", None, "M", pid(D(1965, 1, 1), 60)),
    )
    assert checks_of(world.users["office"]) == [(Check.RELATION_AGE, "无日期")]


# --- Check 7: adults without an ID number ------------------------------------------------


def test_people_of_16_or_more_without_an_id_number_are_warned_about(world):
    today = timezone.localdate()
    household(
        world.baoshan,
        person("户主", "head", D(1960, 1, 1)),
        ("成年", "son", add_years(today, -20), "M", ""),
        ("刚满16", "son", add_years(today, -16), "M", ""),
        ("少年", "son", add_years(today, -15), "M", ""),
        ("不详", "son", None, "M", ""),
    )
    result = quality.findings(world.users["office"])
    assert sorted((f.check, f.person_name, f.severity) for f in result) == [
        (Check.MISSING_ID, "刚满16", Severity.WARNING),
        (Check.MISSING_ID, "成年", Severity.WARNING),
    ]


# --- Scope and masking -------------------------------------------------------------------


def test_users_see_findings_of_their_own_villages_only(world):
    mine = household(world.baoshan)
    theirs = household(world.lebang)
    assert {f.household_number for f in quality.findings(world.users["unit_a"])} == {mine.number}
    assert {f.household_number for f in quality.findings(world.users["unit_b"])} == {theirs.number}
    assert {f.household_number for f in quality.findings(world.users["village_a"])} == {mine.number}
    assert {f.household_number for f in quality.findings(world.users["office"])} == {
        mine.number,
        theirs.number,
    }
    assert {f.household_number for f in quality.findings(world.users["office"], region="5227")} == {
        theirs.number
    }


def test_id_numbers_are_masked_without_the_right_to_personal_data(world):
    number = pid(D(1990, 1, 1), 70)
    household(world.baoshan, ("户主", "head", D(1990, 1, 2), "M", number))
    (office,) = quality.findings(world.users["office"])
    (unit,) = quality.findings(world.users["unit_a"])
    assert office.id_number == number
    assert unit.id_number == mask(number) != number


# --- The page and its export -------------------------------------------------------------


def _plant_for_page(world):
    """A head-less household in each village and a household with 60 adults lacking an ID."""
    household(world.baoshan)
    household(world.lebang)
    big = household(world.baoshan, person("户主", "head", D(1950, 1, 1)))
    Person.objects.bulk_create(
        Person(
            household=big,
            county_code=BAOSHAN,
            name=f"成员{i:02d}",
            relation="other",
            birth_date=D(1980, 1, 1),
        )
        for i in range(60)
    )
    return big


def test_the_page_shows_counts_per_check_and_village_and_pages_the_findings(
    login, world, django_assert_max_num_queries
):
    big = _plant_for_page(world)
    client = login("office")
    with django_assert_max_num_queries(30):
        response = client.get(reverse("registry:quality"))
    assert response.status_code == 200
    context = response.context
    assert context["total"] == 62
    counts = {value: n for value, _label, n in context["checks"]}
    assert counts[Check.MISSING_ID] == 60 and counts[Check.HEAD_COUNT] == 2
    villages = {v.code: v.total for v in context["villages"]}
    assert villages == {world.baoshan.code: 61, world.lebang.code: 1}
    html = response.content.decode()
    assert html.count('<tr data-check="') == 50
    assert reverse("registry:household_edit", args=[big.pk]) in html
    assert reverse("registry:household_detail", args=[big.pk]) in html
    page2 = client.get(reverse("registry:quality"), {"page": 2}).content.decode()
    assert page2.count('<tr data-check="') == 12


def test_the_page_filters_by_region_and_check(login, world):
    _plant_for_page(world)
    client = login("office")
    response = client.get(reverse("registry:quality"), {"region": "5227"})
    assert response.context["total"] == 1
    assert [v.code for v in response.context["villages"]] == [world.lebang.code]
    response = client.get(reverse("registry:quality"), {"check": "head_count"})
    assert response.context["shown_count"] == 2
    assert response.content.decode().count('<tr data-check="head_count"') == 2


def test_unit_admin_sees_own_findings_masked_and_without_edit_links(login, world):
    number = pid(D(1990, 1, 1), 71)
    h = household(world.baoshan, ("户主", "head", D(1990, 1, 2), "M", number))
    household(world.lebang)
    html = login("unit_a").get(reverse("registry:quality")).content.decode()
    assert mask(number) in html and number not in html
    assert h.number in html
    assert "乐邦村" not in html
    assert reverse("registry:household_edit", args=[h.pk]) not in html


def test_the_export_holds_the_same_findings_as_the_page(login, world):
    _plant_for_page(world)
    number = pid(D(1990, 1, 1), 72)
    household(world.baoshan, ("户主", "head", D(1990, 1, 2), "M", number))
    client = login("unit_a")
    response = client.get(reverse("registry:quality"), {"_export": "xlsx", "region": "5205"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == quality.export_columns()
    expected = quality.findings(world.users["unit_a"], region="5205")
    assert rows[1:] == [quality.export_row(f) for f in expected]
    assert len(rows) == 1 + 62
    assert mask(number) in [r[6] for r in rows]

    response = client.get(reverse("registry:quality"), {"_export": "xlsx", "check": "head_count"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["无户主或多个户主"]


def test_the_page_needs_a_login_and_is_in_the_menu(client, login, world):
    response = client.get(reverse("registry:quality"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    html = login("viewer_bijie").get(reverse("registry:household_list")).content.decode()
    assert reverse("registry:quality") in html


def test_full_id_numbers_on_the_page_or_in_the_file_are_logged(login, world):
    from bangfu.accounts.models import AccessLog

    number = pid(D(1990, 1, 1), 71)
    household(world.baoshan, ("户主", "head", D(1990, 1, 2), "M", number))
    office = login("office")
    assert number in office.get(reverse("registry:quality")).content.decode()
    office.get(reverse("registry:quality"), {"_export": "xlsx"})
    logged = list(AccessLog.objects.filter(user=world.users["office"]).order_by("pk"))
    assert [(a.export_format, a.row_count) for a in logged] == [("page", 1), ("xlsx", 1)]
    # Masked for those without the right, and nothing to log.
    assert number not in login("unit_a").get(reverse("registry:quality")).content.decode()
    assert not AccessLog.objects.filter(user=world.users["unit_a"]).exists()
