"""Weights, caps, floors, grading, hand scores, freezing and versioning."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bangfu.assessment import services
from bangfu.assessment.choices import Grade, Subject
from bangfu.assessment.models import AssessmentResult, Indicator, IndicatorScore, Scheme
from bangfu.assessment.scoring import Line, Row, compute, points_for, rank_and_grade, total_score
from bangfu.assessment.tests.factories import make_scheme
from bangfu.campaigns.models import Campaign
from bangfu.ledger.models import Activity


def _indicator(**kw) -> Indicator:
    base = {"name": "x", "weight": Decimal(20), "target": Decimal(10), "zero_at": Decimal(0)}
    return Indicator(**{**base, **kw})


def test_points_rise_linearly_to_the_target_and_are_capped_at_the_weight():
    indicator = _indicator()
    assert points_for(indicator, Decimal(5)) == Decimal(10)
    assert points_for(indicator, Decimal(10)) == Decimal(20)
    assert points_for(indicator, Decimal(30)) == Decimal(20)
    assert points_for(indicator, Decimal(0)) == Decimal(0)
    assert points_for(indicator, None) is None


def test_caps_floors_and_zero_point_are_configurable():
    bonus = _indicator(max_points=Decimal(25))
    assert points_for(bonus, Decimal(30)) == Decimal(25)
    floor = _indicator(min_points=Decimal(4))
    assert points_for(floor, Decimal(0)) == Decimal(4)
    from_half = _indicator(zero_at=Decimal(50), target=Decimal(100))  # a percentage
    assert points_for(from_half, Decimal(40)) == Decimal(0)
    assert points_for(from_half, Decimal(75)) == Decimal(10)
    # A lower-is-better value: full marks at 0, none at 10.
    fewer = _indicator(zero_at=Decimal(10), target=Decimal(0))
    assert points_for(fewer, Decimal(2)) == Decimal(16)


def test_total_scales_up_when_an_indicator_does_not_apply():
    a, b = _indicator(weight=Decimal(60)), _indicator(weight=Decimal(40))
    lines = [Line(a, Decimal(5), Decimal(30)), Line(b, None, None)]
    assert total_score(lines, Decimal(100)) == Decimal(50)  # 30 of 60 applicable = 50%
    lines[1] = Line(b, Decimal(1), Decimal(40))
    assert total_score(lines, Decimal(100)) == Decimal(70)


def _rows(*scores):
    return [
        Row(Subject.UNIT, type("U", (), {"name": f"u{i}", "short_name": ""})(), score=Decimal(s))
        for i, s in enumerate(scores)
    ]


def test_grades_by_thresholds():
    scheme = Scheme(excellent_min=90, good_min=80, pass_min=60)
    rows = rank_and_grade(scheme, _rows(95, 90, 85, 60, 59.99))
    assert [r.grade for r in rows] == [
        Grade.EXCELLENT,
        Grade.EXCELLENT,
        Grade.GOOD,
        Grade.PASS,
        Grade.FAIL,
    ]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5]


def test_grades_by_rank_share_with_ties_sharing_a_rank():
    scheme = Scheme(grade_method="rank_share", excellent_share=20, good_share=30, pass_min=60)
    rows = rank_and_grade(scheme, _rows(70, 99, 88, 88, 75, 65, 64, 63, 62, 50))
    # 10 units: top 2 ranks are 优秀, ranks up to 5 are 良好, then 合格; below 60 不合格.
    assert [r.rank for r in rows] == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]
    assert [r.grade for r in rows] == [
        Grade.EXCELLENT,
        Grade.EXCELLENT,
        Grade.EXCELLENT,  # tied with the 2nd
        Grade.GOOD,
        Grade.GOOD,
        Grade.PASS,
        Grade.PASS,
        Grade.PASS,
        Grade.PASS,
        Grade.FAIL,
    ]


def test_scheme_rejects_thresholds_out_of_order(world):
    scheme = Scheme(campaign=world.campaign, name="x", excellent_min=80, good_min=90)
    with pytest.raises(ValidationError):
        scheme.full_clean()


def test_compute_scores_units_and_branches_with_hand_scores(world):
    scheme = make_scheme(world)
    manual = scheme.indicators.get(kind="manual")
    services.save_hand_score(manual, world.unit_a, Decimal(30), "创新做法多", world.users["office"])
    rows = {r.unit.pk: r for r in compute(scheme)}
    # One visit in ten months with one pairing: 0.0995 a month → 60 × 0.0995 = 5.97.
    a = rows[world.unit_a.pk]
    assert a.lines[0].points == Decimal("5.97")
    assert a.lines[1].points == Decimal(30) and a.lines[1].comment == "创新做法多"
    assert a.score == Decimal("35.97")
    assert rows[world.unit_b.pk].lines[1].points == Decimal(0)  # not scored yet
    assert rows[world.unit_b.pk].lines[1].comment == "未评分"
    assert a.rank == 1 and a.grade == Grade.FAIL
    branches = {r.branch.pk: r for r in compute(scheme, Subject.BRANCH)}
    # Branches have no hand item: visits alone, scaled to 100.
    assert branches[world.branch_a.pk].lines[1].points is None
    assert branches[world.branch_a.pk].score == Decimal("9.95")


def test_hand_scores_need_a_comment_and_stay_within_the_weight(world):
    manual = make_scheme(world).indicators.get(kind="manual")
    with pytest.raises(ValidationError) as error:
        services.save_hand_score(manual, world.unit_a, Decimal(10), "  ", world.users["office"])
    assert "comment" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.save_hand_score(manual, world.unit_a, Decimal(41), "好", world.users["office"])
    assert "points" in error.value.message_dict


def test_frozen_results_stay_put_while_records_change(world):
    scheme = make_scheme(world)
    frozen = services.freeze(scheme, world.users["office"])
    result = AssessmentResult.objects.get(result_set=frozen, unit=world.unit_a, subject="unit")
    assert result.score == Decimal("5.97")
    for day in range(2, 12):
        Activity.objects.create(
            campaign=world.campaign,
            kind="service_visit",
            date=datetime.date(2016, 6, day),
            village=world.baoshan,
            unit=world.unit_a,
            branch=world.branch_a,
            summary="走访",
            state="accepted",
        )
    result.refresh_from_db()
    assert result.score == Decimal("5.97")
    assert IndicatorScore.objects.get(result=result, indicator__order=1).value == Decimal("0.0995")
    # Recomputing makes a new version; the first one is unchanged.
    again = services.freeze(scheme, world.users["office"])
    assert again.version == 2
    assert (
        AssessmentResult.objects.get(result_set=again, unit=world.unit_a, subject="unit").score
        > result.score
    )
    assert AssessmentResult.objects.get(
        result_set=frozen, unit=world.unit_a, subject="unit"
    ).score == Decimal("5.97")
    assert frozen.results.filter(subject=Subject.BRANCH, branch=world.branch_a).exists()


def test_editing_a_scheme_in_use_makes_a_new_version(world):
    scheme = make_scheme(world)
    manual = scheme.indicators.get(kind="manual")
    services.save_hand_score(manual, world.unit_a, Decimal(30), "好", None)
    assert services.editable_scheme(scheme) == scheme  # not in use yet: edited in place
    frozen = services.freeze(scheme)
    new = services.editable_scheme(scheme)
    assert new != scheme and new.version == 2 and new.previous == scheme
    assert [i.name for i in new.indicators.all()] == ["走访频次", "工作创新"]
    assert new.indicators.get(kind="manual").hand_scores.get().points == Decimal(30)
    changed = new.indicators.get(order=1)
    changed.weight = Decimal(80)
    changed.save()
    # The old results keep pointing at the old version, whose indicator is unchanged.
    score = IndicatorScore.objects.filter(result__result_set=frozen, indicator__order=1).first()
    assert score.indicator.scheme == scheme and score.indicator.weight == Decimal(60)
    assert services.latest_version(scheme) == new


def test_copy_scheme_to_a_new_year(world):
    scheme = make_scheme(world, grade_method="rank_share")
    services.save_hand_score(scheme.indicators.get(kind="manual"), world.unit_a, 5, "好", None)
    campaign = Campaign.objects.create(
        name="2017年五千行动",
        year=2017,
        start=datetime.date(2017, 1, 1),
        end=datetime.date(2017, 12, 31),
    )
    copy = services.copy_scheme(scheme, campaign, "2017年度考核")
    assert copy.campaign == campaign and copy.version == 1 and copy.grade_method == "rank_share"
    assert copy.indicators.count() == 2
    assert not copy.indicators.get(kind="manual").hand_scores.exists()
    assert scheme.indicators.count() == 2


def test_scoring_queries_do_not_grow_with_the_number_of_units(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bangfu.campaigns.models import Pairing
    from bangfu.orgs.models import Branch, Unit

    scheme = make_scheme(world)
    for subject in (Subject.UNIT, Subject.BRANCH):
        with CaptureQueriesContext(connection) as before:
            compute(scheme, subject)
        for n in range(5):
            unit = Unit.objects.create(name=f"单位{subject}{n}")
            branch = Branch.objects.create(unit=unit, name="第一党支部")
            Pairing.objects.create(
                campaign=world.campaign,
                kind="branch_village",
                branch=branch,
                village=world.baoshan,
                start=datetime.date(2016, 4, 1),
            )
        with CaptureQueriesContext(connection) as after:
            rows = compute(scheme, subject)
        assert len(rows) > 2
        assert len(after.captured_queries) == len(before.captured_queries)
