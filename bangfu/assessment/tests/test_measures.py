"""Each measure of the library on hand-built records: values, one unit's value and its records."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bangfu.assessment.choices import Subject
from bangfu.assessment.measures import MEASURES, Period, measure_for
from bangfu.campaigns.models import Pairing
from bangfu.conftest import make_household
from bangfu.ledger.models import Activity, Problem, Project

MAY = Period(datetime.date(2016, 5, 1), datetime.date(2016, 5, 30))
YEAR = Period(datetime.date(2016, 3, 1), datetime.date(2016, 12, 31))


def _activity(world, kind="service_visit", day=3, state="accepted", unit="a", **extra):
    return Activity.objects.create(
        campaign=world.campaign,
        kind=kind,
        date=datetime.date(2016, 5, day),
        village=world.baoshan if unit == "a" else world.lebang,
        unit=world.unit_a if unit == "a" else world.unit_b,
        branch=world.branch_a if unit == "a" else world.branch_b,
        summary="记录",
        state=state,
        **extra,
    )


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_every_measure_has_a_label_explanation_and_unit():
    assert len(MEASURES) >= 9
    for key, measure in MEASURES.items():
        assert measure.key == key
        assert str(measure.label) and str(measure.explanation) and str(measure.unit)


def test_visits_per_pairing_month_counts_only_counted_visits(world):
    _activity(world, day=10)
    _activity(world, day=11, state="returned")
    _activity(world, day=12, state="submitted")
    _activity(world, kind="dev_idea", day=13, quantity=1)  # not a visit
    measure = MEASURES["visits_per_pairing_month"]
    # May 1-30 is under a month: counted as one. Unit A: 2 accepted visits, 1 pairing.
    values = measure.values(world.campaign, MAY, Subject.UNIT)
    assert values[world.unit_a.pk] == Decimal(2)
    assert values[world.unit_b.pk] == Decimal(1)
    assert measure.values(world.campaign, MAY, Subject.BRANCH)[world.branch_a.pk] == Decimal(2)
    assert measure.compute(world.unit_a, world.campaign, MAY) == Decimal(2)
    records = measure.records(world.unit_a, world.campaign, MAY)
    assert set(records.values_list("state", flat=True)) == {"accepted"}
    assert records.count() == 2
    # A campaign counting submitted entries counts the submitted visit too.
    world.campaign.count_submitted = True
    world.campaign.save()
    assert measure.compute(world.unit_a, world.campaign, MAY) == Decimal(3)


def test_visits_per_pairing_month_divides_by_pairings_and_months(world):
    Pairing.objects.create(
        campaign=world.campaign,
        kind="member_service",
        branch=world.branch_a,
        member=world.member_a,
        village=world.baoshan,
        start=datetime.date(2016, 4, 1),
    )
    two_months = Period(datetime.date(2016, 5, 1), datetime.date(2016, 6, 30))
    value = MEASURES["visits_per_pairing_month"].compute(world.unit_a, world.campaign, two_months)
    months = Decimal(61) * 12 / Decimal("365.25")
    assert value == (Decimal(1) / (2 * months)).quantize(Decimal("0.0001"))


def test_pairing_coverage_against_targets_caps_each_kind(world):
    world.campaign.targets.create(unit=world.unit_a, kind="branch_village", target=2)
    world.campaign.targets.create(unit=world.unit_a, kind="secretary_household", target=1)
    for _n in range(2):  # two household pairings against a target of one: one counts
        Pairing.objects.create(
            campaign=world.campaign,
            kind="secretary_household",
            branch=world.branch_a,
            member=world.secretary_a,
            village=world.baoshan,
            household=world.household_a,
            start=datetime.date(2016, 4, 1),
        )
    measure = MEASURES["pairing_coverage"]
    values = measure.values(world.campaign, YEAR, Subject.UNIT)
    assert values[world.unit_a.pk] == Decimal("66.6667")  # (1 + 1) / (2 + 1)
    assert world.unit_b.pk not in values  # no target: not applicable
    assert measure.compute(world.unit_b, world.campaign, YEAR) is None
    assert measure.compute(world.branch_a, world.campaign, YEAR) is None  # units only
    only_villages = measure_for("pairing_coverage", {"kinds": ["branch_village"]})
    assert only_villages.compute(world.unit_a, world.campaign, YEAR) == Decimal(50)
    assert measure.records(world.unit_a, world.campaign, YEAR).count() == 3


def test_problems_solved_and_on_time(world):
    def problem(title, raised, deadline=None, solved=None, state="open"):
        return Problem.objects.create(
            campaign=world.campaign,
            village=world.baoshan,
            unit=world.unit_a,
            branch=world.branch_a,
            category="water",
            title=title,
            raised_on=raised,
            deadline=deadline,
            solved_on=solved,
            state=state,
        )

    d = datetime.date
    problem("按时", d(2016, 4, 1), d(2016, 5, 1), d(2016, 4, 20), "solved")
    problem("超期", d(2016, 4, 1), d(2016, 5, 1), d(2016, 6, 1), "verified")
    problem("未解决", d(2016, 4, 1), d(2016, 5, 1))
    problem("期外", d(2015, 4, 1), None, d(2016, 4, 20), "solved")
    solved = MEASURES["problems_solved"]
    on_time = MEASURES["problems_on_time"]
    assert solved.compute(world.unit_a, world.campaign, YEAR) == Decimal("66.6667")
    assert on_time.compute(world.unit_a, world.campaign, YEAR) == Decimal("33.3333")
    assert on_time.values(world.campaign, YEAR, Subject.BRANCH)[world.branch_a.pk] == Decimal(
        "33.3333"
    )
    assert solved.compute(world.unit_b, world.campaign, YEAR) is None  # nothing raised
    titles = set(solved.records(world.unit_a, world.campaign, YEAR).values_list("title", flat=True))
    assert titles == {"按时", "超期", "未解决"}


def test_households_lifted_rate_and_count(world):
    household_c, _p = make_household(world.baoshan, "5205241162140003", "陈三", 3)
    for household in (world.household_a, household_c):
        Pairing.objects.create(
            campaign=world.campaign,
            kind="secretary_household",
            branch=world.branch_a,
            member=world.secretary_a,
            village=world.baoshan,
            household=household,
            start=datetime.date(2016, 4, 1),
        )
    world.household_a.status = "lifted"
    world.household_a.exit_year = 2016
    world.household_a.save()
    household_c.status = "lifted"
    household_c.exit_year = 2015  # lifted before this campaign year: does not count
    household_c.save()
    rate = MEASURES["households_lifted"]
    assert rate.compute(world.unit_a, world.campaign, YEAR) == Decimal(50)
    assert rate.compute(world.branch_a, world.campaign, YEAR) == Decimal(50)
    assert rate.compute(world.unit_b, world.campaign, YEAR) is None
    count = measure_for("households_lifted", {"rate": False})
    assert count.compute(world.unit_a, world.campaign, YEAR) == Decimal(1)
    assert count.compute(world.unit_b, world.campaign, YEAR) == Decimal(0)
    assert set(rate.records(world.unit_a, world.campaign, YEAR)) == {world.household_a, household_c}


def test_projects_and_funds(world):
    common = {
        "campaign": world.campaign,
        "village": world.baoshan,
        "unit": world.unit_a,
        "branch": world.branch_a,
    }
    Project.objects.create(
        name="茶园",
        date=datetime.date(2016, 6, 1),
        origin="planned",
        sector="agriculture",
        **common,
    )
    Project.objects.create(
        name="停了",
        date=datetime.date(2016, 6, 1),
        origin="planned",
        sector="other",
        state="suspended",
        **common,
    )
    Project.objects.create(
        name="去年", date=datetime.date(2015, 6, 1), origin="planned", sector="other", **common
    )
    projects = MEASURES["projects"]
    assert projects.compute(world.unit_a, world.campaign, YEAR) == Decimal(1)
    assert projects.compute(world.unit_b, world.campaign, YEAR) == Decimal(0)
    assert [p.name for p in projects.records(world.unit_a, world.campaign, YEAR)] == ["茶园"]
    _activity(world, kind="funds", amount=Decimal("50000"), fund_source="unit")
    _activity(world, kind="funds", amount=Decimal("7000"), fund_source="unit", state="returned")
    funds = MEASURES["funds"]
    assert funds.compute(world.unit_a, world.campaign, YEAR) == Decimal(5)
    assert funds.values(world.campaign, YEAR, Subject.BRANCH)[world.branch_a.pk] == Decimal(5)
    assert funds.records(world.unit_a, world.campaign, YEAR).count() == 1


def test_entry_timeliness_counts_entries_made_within_the_days(world):
    late = _activity(world, day=4)
    prompt = _activity(world, day=5)
    Activity.objects.filter(pk=world.activity_a.pk).update(created=_at(datetime.date(2016, 5, 8)))
    Activity.objects.filter(pk=prompt.pk).update(created=_at(datetime.date(2016, 5, 5), 23))
    Activity.objects.filter(pk=late.pk).update(created=_at(datetime.date(2016, 5, 20)))
    measure = MEASURES["entry_timeliness"]
    # 5/1 entered 5/8 (7 days: on time), 5/5 same day (on time), 5/4 entered 5/20 (late).
    assert measure.compute(world.unit_a, world.campaign, MAY) == Decimal("66.6667")
    strict = measure_for("entry_timeliness", {"days": 3})
    assert strict.compute(world.unit_a, world.campaign, MAY) == Decimal("33.3333")
    assert strict.values(world.campaign, MAY, Subject.BRANCH)[world.branch_a.pk] == Decimal(
        "33.3333"
    )
    assert measure.records(world.unit_a, world.campaign, MAY).count() == 3


def test_review_timeliness_counts_overdue_waiting_entries_as_late(world):
    created = _at(datetime.date(2016, 5, 3))
    quick = _activity(world, day=3)
    slow = _activity(world, day=3)
    waiting = _activity(world, day=3, state="submitted")
    fresh = _activity(world, day=3, state="submitted")
    Activity.objects.filter(pk__in=[quick.pk, slow.pk, waiting.pk]).update(created=created)
    Activity.objects.filter(pk=quick.pk).update(reviewed_at=created + datetime.timedelta(days=2))
    Activity.objects.filter(pk=slow.pk).update(reviewed_at=created + datetime.timedelta(days=9))
    # world.activity_a is accepted without a review time (loaded data): left out; `fresh`
    # was entered just now and is not yet due: left out.
    measure = MEASURES["review_timeliness"]
    assert measure.compute(world.unit_a, world.campaign, MAY) == Decimal("33.3333")
    assert set(measure.records(world.unit_a, world.campaign, MAY)) == {quick, slow, waiting}
    assert fresh not in measure.records(world.unit_a, world.campaign, MAY)
    lenient = measure_for("review_timeliness", {"days": 10})
    assert lenient.compute(world.unit_a, world.campaign, MAY) == Decimal("66.6667")


@pytest.mark.parametrize("key", sorted(MEASURES))
def test_values_for_all_units_take_a_few_queries(world, key, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        MEASURES[key].values(world.campaign, YEAR, Subject.UNIT)
    with django_assert_max_num_queries(3):
        MEASURES[key].values(world.campaign, YEAR, Subject.BRANCH)


def test_params_are_checked():
    with pytest.raises(ValueError, match="没有参数"):
        MEASURES["funds"].check_params({"days": 3})
    with pytest.raises(ValueError, match="非负整数"):
        MEASURES["entry_timeliness"].check_params({"days": "7"})
    MEASURES["entry_timeliness"].check_params({"days": 3})


def test_visits_per_pairing_month_can_count_only_some_pairing_kinds(world):
    Pairing.objects.create(
        campaign=world.campaign,
        kind="member_service",
        branch=world.branch_a,
        member=world.member_a,
        village=world.baoshan,
        start=datetime.date(2016, 4, 1),
    )
    every = MEASURES["visits_per_pairing_month"]
    villages = measure_for("visits_per_pairing_month", {"pairing_kinds": ["branch_village"]})
    assert every.compute(world.unit_a, world.campaign, MAY) == Decimal("0.5")
    assert villages.compute(world.unit_a, world.campaign, MAY) == Decimal(1)
