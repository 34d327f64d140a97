"""Identification (精准识别): the shipped four-looks sheet scores known households to
hand-computed totals and proposals, explains them item by item, and a village's batch run
answers from the registry only what the registry knows."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bangfu.registry import services
from bangfu.registry.models import (
    Household,
    HouseholdScore,
    HouseholdScoreAnswer,
    Person,
    ScoringItem,
    ScoringOption,
    ScoringSheet,
)

D = datetime.date
ON = D(2016, 6, 1)
_numbers = itertools.count(300)

HOUSING, GRAIN, LABOUR, SCHOOLING = "一看房", "二看粮", "三看劳动力强不强", "四看家中有没有读书郎"


def family(village, *people, housing="safe", number=None) -> Household:
    """A household with people given as (name, relation, birth date, labour, health,
    schooling) tuples; shorter tuples take healthy, ordinary labour, not in school."""
    household = Household.objects.create(
        village=village,
        number=number or f"{village.code}{next(_numbers):04d}",
        attribute="general",
        identified_year=2014,
        main_cause="illness",
        housing=housing,
    )
    for row in people:
        name, relation, born, labour, health, schooling = (
            *row,
            *("ordinary", "healthy", "")[len(row) - 3 :],
        )
        Person.objects.create(
            household=household,
            name=name,
            relation=relation,
            birth_date=born,
            labour_ability=labour,
            health=health,
            schooling=schooling,
        )
    return household


@pytest.fixture
def sheet(db) -> ScoringSheet:
    """The four-looks sheet the data migration ships."""
    return ScoringSheet.objects.get(is_default=True)


def option(sheet: ScoringSheet, item: str, label_start: str) -> ScoringOption:
    return ScoringOption.objects.get(
        item__sheet=sheet, item__name=item, label__startswith=label_start
    )


def answers(sheet: ScoringSheet, **chosen: str) -> dict[int, int]:
    """Answers by look: housing=..., grain=..., labour=..., schooling=... (label prefixes)."""
    names = {"housing": HOUSING, "grain": GRAIN, "labour": LABOUR, "schooling": SCHOOLING}
    result = {}
    for key, label in chosen.items():
        o = option(sheet, names[key], label)
        result[o.item_id] = o.pk
    return result


# --- The shipped sheet -----------------------------------------------------------------------


def test_the_four_looks_sheet_ships_as_the_default_with_25_points_a_look(sheet):
    items = services.sheet_items(sheet)
    assert [i.name for i in items] == [HOUSING, GRAIN, LABOUR, SCHOOLING]
    assert [i.max_points for i in items] == [Decimal(25)] * 4
    assert sheet.max_total == 100
    assert sheet.threshold == 60 and sheet.poor_when == "at_or_below"
    assert [i.source for i in items] == ["housing", "manual", "labour", "schooling"]
    points = {i.name: [o.points for o in i.options.all()] for i in items}
    assert points == {
        HOUSING: [25, 18, 8, 0],
        GRAIN: [25, 18, 8, 0],
        LABOUR: [25, 15, 8, 0],
        SCHOOLING: [25, 18, 10, 5],
    }
    labels = [o.label for o in items[1].options.all()]
    assert labels == ["有余粮", "口粮够吃", "缺粮3个月以内", "缺粮3个月以上"]


def test_only_one_sheet_can_be_the_default(sheet):
    other = ScoringSheet(name="试行表", year=2015, threshold=50, is_default=True)
    with pytest.raises(ValidationError) as excinfo:
        other.full_clean()
    assert "只能有一张默认评分表" in str(excinfo.value)


def test_an_option_cannot_score_above_its_items_maximum(sheet):
    item = ScoringItem.objects.get(sheet=sheet, name=HOUSING)
    with pytest.raises(ValidationError) as excinfo:
        ScoringOption(item=item, label="别墅", points=30).full_clean()
    assert "不能高于该项满分25分" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        ScoringOption(item=item, label="x", points=1, facts=["two_or_more"]).full_clean()
    assert "two_or_more" in str(excinfo.value)


# --- Scoring known households ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "total", "poor"),
    [
        # D级危房 0 + 缺粮3个月以上 0 + 无劳动力 0 + 大学生 5
        (
            {
                "housing": "D级",
                "grain": "缺粮3个月以上",
                "labour": "无劳动力",
                "schooling": "有高职",
            },
            5,
            True,
        ),
        # 25 + 0 + 25 + 10: exactly the threshold is proposed poor (60分以下含60分)
        (
            {"housing": "安全", "grain": "缺粮3个月以上", "labour": "2个", "schooling": "有高中"},
            60,
            True,
        ),
        # 18 + 18 + 15 + 10: one point above the threshold
        ({"housing": "一般", "grain": "口粮", "labour": "1个", "schooling": "有高中"}, 61, False),
        # 18 + 8 + 15 + 18: one point below
        (
            {"housing": "一般", "grain": "缺粮3个月以内", "labour": "1个", "schooling": "有义务"},
            59,
            True,
        ),
        (
            {"housing": "安全", "grain": "有余粮", "labour": "2个", "schooling": "无在校生"},
            100,
            False,
        ),
    ],
)
def test_four_looks_scores_known_households(world, sheet, chosen, total, poor):
    score = services.score_household(
        world.household_a, sheet, answers(sheet, **chosen), world.users["village_a"]
    )
    assert score.total == total
    assert score.proposed_poor is poor
    assert score.threshold == 60
    assert score.scored_by == world.users["village_a"]
    assert score.county_code == "520524"
    assert sum(a.points for a in score.answers.all()) == total
    assert score.answers.count() == 4


def test_the_explanation_lists_each_look_with_its_option_and_points(world, sheet):
    score = services.score_household(
        world.household_a,
        sheet,
        answers(sheet, housing="C级", grain="口粮", labour="仅有弱", schooling="有义务"),
        None,
    )
    lines = services.explain(score)
    assert [str(line) for line in lines] == [
        "一看房:C级危房,得8分(满分25分)",
        "二看粮:口粮够吃,得18分(满分25分)",
        "三看劳动力强不强:仅有弱劳动力(患大病、残疾或年老),得8分(满分25分)",
        "四看家中有没有读书郎:有义务教育阶段在校生,得18分(满分25分)",
    ]
    assert services.conclusion(score) == "总分52分,在识别门槛60分及以下,建议识别为贫困户。"


def test_a_not_poor_conclusion_names_the_threshold_it_is_above(world, sheet):
    score = services.score_household(
        world.household_a,
        sheet,
        answers(sheet, housing="一般", grain="口粮", labour="1个", schooling="有高中"),
        None,
    )
    assert services.conclusion(score) == "总分61分,高于识别门槛60分,建议不识别为贫困户。"


def test_a_sheet_where_more_points_mean_poorer_proposes_at_or_above(world, sheet):
    sheet.poor_when = "at_or_above"
    sheet.save()
    score = services.score_household(
        world.household_a,
        sheet,
        answers(sheet, housing="安全", grain="缺粮3个月以上", labour="2个", schooling="有高中"),
        None,
    )
    assert score.total == 60 and score.proposed_poor
    assert "在识别门槛60分及以上" in services.conclusion(score)


def test_a_score_keeps_its_points_when_the_sheet_is_revised(world, sheet):
    chosen = answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生")
    score = services.score_household(world.household_a, sheet, chosen, None)
    ScoringOption.objects.filter(item__sheet=sheet, label="C级危房").update(points=10)
    sheet.threshold = 70
    sheet.save()
    score.refresh_from_db()
    assert score.total == 66 and not score.proposed_poor
    assert str(services.explain(score)[0]) == "一看房:C级危房,得8分(满分25分)"
    assert "门槛60分" in services.conclusion(score)


def test_every_item_must_be_answered_with_one_of_its_own_options(world, sheet):
    partial = answers(sheet, housing="C级", labour="1个", schooling="无在校生")
    with pytest.raises(ValidationError) as excinfo:
        services.score_household(world.household_a, sheet, partial, None)
    assert excinfo.value.messages == ["“二看粮”未作答。"]
    wrong = answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生")
    wrong[option(sheet, GRAIN, "口粮").item_id] = option(sheet, HOUSING, "C级").pk
    with pytest.raises(ValidationError) as excinfo:
        services.score_household(world.household_a, sheet, wrong, None)
    assert excinfo.value.messages == ["“二看粮”的答案不是该项的选项。"]
    assert not HouseholdScore.objects.exists()
    assert not HouseholdScoreAnswer.objects.exists()


def test_scoring_is_one_transaction(world, sheet, monkeypatch):
    chosen = answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生")
    calls = itertools.count()
    real = HouseholdScoreAnswer.save

    def fail_on_third(self, *args, **kwargs):
        if next(calls) == 2:
            raise RuntimeError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HouseholdScoreAnswer, "save", fail_on_third)
    with pytest.raises(RuntimeError):
        services.score_household(world.household_a, sheet, chosen, None)
    assert not HouseholdScore.objects.exists()
    assert not HouseholdScoreAnswer.objects.exists()


# --- Derivation and the batch run ------------------------------------------------------------


def test_registry_facts_answer_housing_labour_and_schooling_but_never_grain(world, sheet):
    household = family(
        world.baoshan,
        ("甲", "head", D(1971, 1, 1)),
        ("乙", "spouse", D(1973, 1, 1)),
        ("丙", "son", D(2002, 1, 1), "ordinary", "healthy", "junior"),  # 14: a pupil, not labour
        housing="grade_c",
    )
    proposal = services.propose_answers(household, sheet, on=ON)
    chosen = {ScoringItem.objects.get(pk=k).name: o.label for k, o in proposal.answers.items()}
    assert chosen == {
        HOUSING: "C级危房",
        LABOUR: "2个及以上技能或普通劳动力",
        SCHOOLING: "有义务教育阶段在校生",
    }
    assert [(item.name, reason) for item, reason in proposal.missing] == [
        (GRAIN, "登记信息中没有这一项,须入户核实")
    ]
    reasons = {ScoringItem.objects.get(pk=k).name: r for k, r in proposal.reasons.items()}
    assert reasons[HOUSING] == "登记住房情况:C级危房"
    assert reasons[LABOUR] == "劳动力2人,弱劳动力0人"
    assert reasons[SCHOOLING] == "在校生:初中1人"


@pytest.mark.parametrize(
    ("people", "fact"),
    [
        (
            [("甲", "head", D(1970, 1, 1), "skilled"), ("乙", "spouse", D(1972, 1, 1))],
            "two_or_more",
        ),
        ([("甲", "head", D(1970, 1, 1)), ("乙", "spouse", D(1972, 1, 1), "lost")], "one"),
        (
            [("甲", "head", D(1950, 1, 1)), ("乙", "spouse", D(1972, 1, 1), "ordinary", "serious")],
            "weak_only",
        ),
        ([("甲", "head", D(1970, 1, 1), "ordinary", "disabled")], "weak_only"),
        ([("甲", "head", D(1970, 1, 1), "none"), ("乙", "son", D(2005, 1, 1))], "none"),
    ],
)
def test_labour_counts_able_people_from_16_and_the_ill_disabled_or_old_as_weak(world, people, fact):
    household = family(world.baoshan, *people)
    assert services.derive_facts(household, ON)["labour"].fact == fact


@pytest.mark.parametrize(
    ("stages", "fact"),
    [
        ([], "none"),
        (["preschool"], "none"),
        (["primary", "junior"], "compulsory"),
        (["primary", "vocational"], "senior"),
        (["senior", "higher"], "higher"),
        (["primary", "dropped_out"], None),
    ],
)
def test_schooling_takes_the_heaviest_burden_and_leaves_a_dropout_to_a_visit(world, stages, fact):
    pupils = [
        (f"学{i}", "son", D(2006, 1, 1), "ordinary", "healthy", s) for i, s in enumerate(stages)
    ]
    household = family(world.baoshan, ("甲", "head", D(1970, 1, 1)), *pupils)
    derived = services.derive_facts(household, ON)["schooling"]
    assert derived.fact == fact
    if fact is None:
        assert derived.reason == "有辍学学生,须入户核实"


def test_the_batch_run_proposes_what_it_can_and_lists_the_rest_without_guessing(world, sheet):
    # world.household_a: safe 25, one labourer (born 1970) 15, no pupils 25 → 65..90
    roofless = family(
        world.baoshan,
        ("老杨", "head", D(1946, 3, 1)),
        ("杨妻", "spouse", D(1948, 3, 1)),
        housing="none",
    )  # 0 + weak 8 + 25 = 33 → 33..58: poor whatever the grain
    student = family(
        world.baoshan,
        ("王强", "head", D(1976, 3, 1), "skilled"),
        ("王芳", "daughter", D(1997, 3, 1), "none", "healthy", "higher"),
    )  # 25 + 15 + 5 = 45 → 45..70: grain decides
    dropout = family(
        world.baoshan,
        ("赵一", "head", D(1976, 3, 1)),
        ("赵二", "son", D(2004, 3, 1), "ordinary", "healthy", "dropped_out"),
    )
    result = services.score_village(world.baoshan, sheet, world.users["village_a"], on=ON)
    assert result.scored == []
    rows = {row.household.pk: row for row in result.incomplete}
    assert set(rows) == {world.household_a.pk, roofless.pk, student.pk, dropout.pk}
    assert (rows[world.household_a.pk].low, rows[world.household_a.pk].high) == (65, 90)
    assert rows[world.household_a.pk].proposed_poor is False
    assert (rows[roofless.pk].low, rows[roofless.pk].high) == (33, 58)
    assert rows[roofless.pk].proposed_poor is True
    assert (rows[student.pk].low, rows[student.pk].high) == (45, 70)
    assert rows[student.pk].proposed_poor is None
    assert [(i.name, r) for i, r in rows[dropout.pk].proposal.missing] == [
        (GRAIN, "登记信息中没有这一项,须入户核实"),
        (SCHOOLING, "有辍学学生,须入户核实"),
    ]
    assert not HouseholdScore.objects.exists()


def test_the_batch_run_scores_households_whose_every_item_the_registry_answers(world, sheet):
    three_looks = ScoringSheet.objects.create(name="三看", year=2016, threshold=40)
    for order, name in enumerate([HOUSING, LABOUR, SCHOOLING], start=1):
        original = ScoringItem.objects.get(sheet=sheet, name=name)
        item = ScoringItem.objects.create(
            sheet=three_looks, order=order, name=name, max_points=25, source=original.source
        )
        for o in original.options.all():
            ScoringOption.objects.create(
                item=item, order=o.order, label=o.label, points=o.points, facts=o.facts
            )
    poor = family(world.baoshan, ("老杨", "head", D(1946, 3, 1)), housing="grade_d")
    result = services.score_village(world.baoshan, three_looks, world.users["village_a"], on=ON)
    assert result.incomplete == []
    scores = {row.household.pk: row.score for row in result.scored}
    assert scores[poor.pk].total == 0 + 8 + 25 and scores[poor.pk].proposed_poor
    assert scores[world.household_a.pk].total == 25 + 15 + 25
    assert not scores[world.household_a.pk].proposed_poor
    assert scores[poor.pk].date == ON
    assert scores[poor.pk].answers.count() == 3


def test_the_batch_run_reaches_only_households_the_user_may_change(world, sheet):
    result = services.score_village(world.lebang, sheet, world.users["village_a"], on=ON)
    assert result.rows == []
    result = services.score_village(world.baoshan, sheet, world.users["unit_a"], on=ON)
    assert result.rows == []  # a unit committee may view the village's households, not change them


# --- Scope -----------------------------------------------------------------------------------


def test_scoring_another_villages_household_is_refused(world, sheet):
    chosen = answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生")
    with pytest.raises(PermissionDenied):
        services.score_household(world.household_b, sheet, chosen, world.users["village_a"])
    assert not HouseholdScore.objects.exists()


@pytest.mark.parametrize("role", ["unit_b", "unit_a", "viewer", "member_a"])
def test_users_who_may_not_change_the_household_get_404_on_its_score_form(
    login, world, sheet, role
):
    client = login(role)
    url = reverse("registry:household_score", args=[world.household_a.pk])
    assert client.get(url).status_code == 404
    chosen = answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生")
    post = {f"item_{k}": v for k, v in chosen.items()} | {"date": "2016-06-01"}
    assert client.post(url, post).status_code == 404
    assert not HouseholdScore.objects.exists()


def test_village_team_cannot_score_or_batch_another_village(login, world):
    client = login("village_a")
    assert (
        client.get(reverse("registry:household_score", args=[world.household_b.pk])).status_code
        == 404
    )
    url = reverse("registry:village_identification", args=[world.lebang.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    unit = login("unit_a")
    url = reverse("registry:village_identification", args=[world.baoshan.pk])
    assert unit.get(url).status_code == 404


def test_a_score_is_visible_within_scope_only(login, world, sheet):
    chosen = answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生")
    score = services.score_household(world.household_a, sheet, chosen, None)
    url = reverse("registry:householdscore_detail", args=[score.pk])
    assert login("viewer_bijie").get(url).status_code == 200
    assert login("unit_b").get(url).status_code == 404
    listed = login("unit_b").get(reverse("registry:householdscore_list"))
    assert listed.context["table"].paginator.count == 0


# --- Pages -----------------------------------------------------------------------------------


def test_the_score_form_shows_the_sheet_preselected_from_the_registry(login, world, sheet):
    client = login("village_a")
    response = client.get(reverse("registry:household_score", args=[world.household_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for name in (HOUSING, GRAIN, LABOUR, SCHOOLING):
        assert name in body
    assert body.count('type="radio"') == 16
    form = response.context["form"]
    housing = option(sheet, HOUSING, "安全")
    assert form.initial[f"item_{housing.item_id}"] == housing.pk
    assert f"item_{option(sheet, GRAIN, '口粮').item_id}" not in form.initial
    assert "登记信息中没有这一项,须入户核实" in body


def test_posting_the_score_form_saves_and_shows_the_explanation(login, world, sheet):
    client = login("village_a")
    chosen = answers(sheet, housing="安全", grain="缺粮3个月以上", labour="2个", schooling="有高中")
    post = {f"item_{k}": v for k, v in chosen.items()} | {"date": "2016-06-01", "note": "入户核实"}
    response = client.post(reverse("registry:household_score", args=[world.household_a.pk]), post)
    score = HouseholdScore.objects.get()
    assert response.status_code == 302 and response["Location"] == score.get_absolute_url()
    assert score.total == 60 and score.proposed_poor and score.note == "入户核实"
    assert score.date == D(2016, 6, 1)
    page = client.get(score.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "总分60分,在识别门槛60分及以下,建议识别为贫困户。" in body
    assert "有高中或中职在校生" in body
    assert str(page.context["explanation"][0]) == (
        "一看房:安全稳固住房(砖混或稳固砖木结构),得25分(满分25分)"
    )


def test_an_unanswered_item_is_shown_next_to_its_radios(login, world, sheet):
    client = login("village_a")
    chosen = answers(sheet, housing="安全", labour="2个", schooling="有高中")
    post = {f"item_{k}": v for k, v in chosen.items()} | {"date": "2016-06-01"}
    response = client.post(reverse("registry:household_score", args=[world.household_a.pk]), post)
    assert response.status_code == 200
    grain = option(sheet, GRAIN, "口粮").item_id
    assert f'data-testid="error-item_{grain}"' in response.content.decode()
    assert not HouseholdScore.objects.exists()


def test_the_household_page_links_to_scoring_and_lists_its_scores(login, world, sheet):
    chosen = answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生")
    score = services.score_household(world.household_a, sheet, chosen, None)
    body = (
        login("village_a")
        .get(reverse("registry:household_detail", args=[world.household_a.pk]))
        .content.decode()
    )
    assert reverse("registry:household_score", args=[world.household_a.pk]) in body
    assert reverse("registry:village_identification", args=[world.baoshan.pk]) in body
    assert score.get_absolute_url() in body
    viewer = login("viewer").get(reverse("registry:household_detail", args=[world.household_a.pk]))
    assert score.get_absolute_url() in viewer.content.decode()
    assert reverse("registry:household_score", args=[world.household_a.pk]) not in (
        viewer.content.decode()
    )


def test_the_village_batch_page_runs_and_shows_the_results(login, world, sheet):
    client = login("village_a")
    url = reverse("registry:village_identification", args=[world.baoshan.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"sheet": sheet.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="results"' in body
    assert world.household_a.number in body
    assert "登记信息中没有这一项,须入户核实" in body
    assert reverse("registry:household_score", args=[world.household_a.pk]) in body
    region = client.get(reverse("geo:region_detail", args=[world.baoshan.pk]))
    assert url in region.content.decode()


def test_identification_pages_render_and_are_in_the_nav(login, world, sheet):
    client = login("office")
    home = client.get(reverse("dashboard:index")).content.decode()
    assert reverse("registry:monitoring") in home
    hub = client.get(reverse("registry:monitoring")).content.decode()
    assert reverse("registry:householdscore_list") in hub
    assert reverse("registry:scoringsheet_list") in hub
    for url in (
        reverse("registry:householdscore_list"),
        reverse("registry:scoringsheet_list"),
        reverse("registry:scoringsheet_detail", args=[sheet.pk]),
        reverse("registry:scoringsheet_add"),
        reverse("registry:scoringsheet_edit", args=[sheet.pk]),
        reverse("registry:scoringitem_add") + f"?sheet={sheet.pk}",
        reverse("registry:scoringitem_edit", args=[sheet.items.first().pk]),
        reverse("registry:scoringoption_add") + f"?item={sheet.items.first().pk}",
        reverse("registry:scoringoption_edit", args=[option(sheet, HOUSING, "C级").pk]),
    ):
        assert client.get(url).status_code == 200, url
    services.score_household(
        world.household_a,
        sheet,
        answers(sheet, housing="C级", grain="口粮", labour="1个", schooling="无在校生"),
        None,
    )
    export = client.get(reverse("registry:householdscore_list"), {"_export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    detail = client.get(reverse("registry:scoringsheet_detail", args=[sheet.pk])).content.decode()
    assert "D级危房或无房" in detail and "D级危房、无房" in detail


def test_the_office_revises_an_option_and_the_change_is_logged(login, world, sheet):
    client = login("office")
    c_grade = option(sheet, HOUSING, "C级")
    response = client.post(
        reverse("registry:scoringoption_edit", args=[c_grade.pk]),
        {
            "item": c_grade.item_id,
            "order": 3,
            "label": "C级危房",
            "points": "10",
            "facts": ["grade_c"],
            "loaded_version": c_grade.updated.isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    c_grade.refresh_from_db()
    assert c_grade.points == 10
    history = client.get(reverse("registry:scoringsheet_detail", args=[sheet.pk])).context[
        "history"
    ]
    changed = [d for change, _diff in history for d in change.diff() if d[0] == "points"]
    assert [(Decimal(before), Decimal(after)) for _f, before, after in changed] == [(8, 10)]


def test_village_team_cannot_edit_the_sheet(login, world, sheet):
    client = login("village_a")
    assert client.get(reverse("registry:scoringsheet_detail", args=[sheet.pk])).status_code == 200
    assert client.get(reverse("registry:scoringsheet_edit", args=[sheet.pk])).status_code == 404
    assert client.get(reverse("registry:scoringoption_add")).status_code == 403


def test_a_superuser_opens_the_score_list_without_an_add_page(client, world, sheet):
    from bangfu.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    assert client.get(reverse("registry:householdscore_list")).status_code == 200
