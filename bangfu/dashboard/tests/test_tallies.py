"""The summary tables stay exactly equal to the records, whatever writes them."""

from __future__ import annotations

import datetime

import pytest

from bangfu.dashboard import tallies
from bangfu.dashboard.figures import ALL_FIGURES, FigureSlice
from bangfu.dashboard.models import ActivityTally, HouseholdTally, StayTally
from bangfu.dashboard.tests.scenarios import mutate, populate


def _cells() -> tuple[dict, dict, dict]:
    """Both tables as {cell: sums}, empty cells left out (a decrement leaves zeros behind)."""
    activity = {
        (t.campaign_id, t.county_code, t.unit_id, t.kind, t.state, t.grain, str(t.day)): (
            t.entries,
            t.persons,
            t.quantity,
            t.amount,
            t.days,
        )
        for t in ActivityTally.objects.all()
    }
    household = {
        (t.county_code, t.status, t.exit_year): (t.households, t.people)
        for t in HouseholdTally.objects.all()
    }
    stays = {
        (t.campaign_id, t.county_code, t.member_id, t.state, t.grain, str(t.day)): t.stays
        for t in StayTally.objects.all()
    }
    return (
        {k: v for k, v in activity.items() if any(v)},
        {k: v for k, v in household.items() if any(v)},
        {k: v for k, v in stays.items() if v},
    )


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_tallies_equal_a_recount_after_random_inserts_edits_deletes_and_reviews(world, seed):
    populate(world, seed)
    mutate(world, seed)
    kept = _cells()
    assert kept[0] and kept[1] and kept[2]
    tallies.rebuild()
    assert _cells() == kept


def test_figures_from_tallies_equal_the_records_for_periods_that_cut_months(world):
    populate(world, 14)
    mutate(world, 14)
    periods = [
        (None, None),
        (datetime.date(2016, 3, 1), datetime.date(2016, 12, 31)),
        (datetime.date(2016, 4, 15), None),
        (None, datetime.date(2016, 7, 9)),
        (datetime.date(2016, 5, 2), datetime.date(2016, 5, 30)),
        (datetime.date(2016, 5, 31), datetime.date(2016, 6, 1)),
        (datetime.date(2016, 2, 1), datetime.date(2016, 10, 31)),
    ]
    answered = 0
    for start, end in periods:
        for prefix in (None, "52", "5205", "522723"):
            slice_ = FigureSlice(world.campaign, region_prefix=prefix, date_from=start, date_to=end)
            naive = FigureSlice(
                world.campaign, region_prefix=prefix, date_from=start, date_to=end, tallies=False
            )
            for figure in ALL_FIGURES:
                if tallies.figure_value(figure, slice_) is not None:
                    answered += 1
                assert figure.value(slice_) == figure.value(naive), (figure.key, prefix, start)
    assert answered == len(periods) * 4 * 13
    for start, end in periods:
        for unit in (world.unit_a.pk, world.unit_b.pk):
            slice_ = FigureSlice(world.campaign, unit_id=unit, date_from=start, date_to=end)
            naive = FigureSlice(
                world.campaign, unit_id=unit, date_from=start, date_to=end, tallies=False
            )
            for figure in ALL_FIGURES:
                assert figure.value(slice_) == figure.value(naive), (figure.key, unit, start)


def test_tallies_answer_only_where_they_hold_the_whole_answer(world):
    member_visits = next(f for f in ALL_FIGURES if f.key == "member_visits")
    office, unit_a = world.users["office"], world.users["unit_a"]
    assert tallies.figure_value(member_visits, FigureSlice(world.campaign, user=office)) == 2
    viewer = world.users["viewer_bijie"]
    assert tallies.figure_value(member_visits, FigureSlice(world.campaign, user=viewer)) == 1
    # A unit's own cells answer its committee and the office asking for it...
    assert tallies.figure_value(member_visits, FigureSlice(world.campaign, user=unit_a)) == 1
    unit_b = FigureSlice(world.campaign, unit_id=world.unit_b.pk)
    assert tallies.figure_value(member_visits, unit_b) == 1
    crafted = FigureSlice(world.campaign, unit_id=world.unit_b.pk, user=unit_a)
    assert tallies.figure_value(member_visits, crafted) == 0
    # ...branches, villages, townships and a unit within a region are counted from the records.
    for slice_ in (
        FigureSlice(world.campaign, user=world.users["branch_a"]),
        FigureSlice(world.campaign, unit_id=world.unit_a.pk, branch_id=world.branch_a.pk),
        FigureSlice(world.campaign, unit_id=world.unit_a.pk, region_prefix="5205"),
        FigureSlice(world.campaign, region_prefix="520524116"),
        FigureSlice(world.campaign, user=world.users["village_a"]),
    ):
        assert tallies.figure_value(member_visits, slice_) is None
    # A viewer of one prefecture asking for the other gets nothing.
    other = FigureSlice(world.campaign, region_prefix="5227", user=viewer)
    assert tallies.figure_value(member_visits, other) == 0


def test_triggers_come_back_after_a_migration_drops_them(world):
    tallies.drop_triggers()
    assert tallies.triggers_missing()
    tallies.ensure_triggers()
    assert not tallies.triggers_missing()
    world.activity_a.participations.create(member=world.secretary_a)
    assert (
        next(f for f in ALL_FIGURES if f.key == "member_visits").value(FigureSlice(world.campaign))
        == 3
    )


def test_figures_command_rebuilds_tallies_and_prints_every_figure(world):
    import json
    from io import StringIO

    from django.core.management import call_command

    ActivityTally.objects.update(persons=0)  # damaged: the command puts them right
    out = StringIO()
    call_command("figures", "--json", "--all", "--rebuild-tallies", stdout=out)
    printed = json.loads(out.getvalue())
    assert list(printed) == [f.key for f in ALL_FIGURES]
    assert printed["member_visits"] == 2
    assert printed["households_registered"] == 2


def test_rows_written_column_wise_with_copy_move_the_tallies(world):
    """Imports write with COPY (PostgreSQL) or executemany, bypassing save(): still counted."""
    from bangfu.core.bulk import insert_columns, reserve_ids
    from bangfu.ledger.models import Activity, ActivityParticipant
    from bangfu.registry.models import Household, Person

    ids = reserve_ids(Household, 3)
    insert_columns(
        Household,
        {
            "village_id": [world.baoshan.pk] * 3,
            "county_code": ["520524"] * 3,
            "number": ["C1", "C2", "C3"],
            "attribute": ["general"] * 3,
            "identified_year": [2014] * 3,
            "main_cause": ["illness"] * 3,
            "status": ["poor", "lifted", "poor"],
            "exit_year": [None, 2016, None],
        },
        ids,
    )
    insert_columns(
        Person,
        {
            "household_id": [ids[0], ids[0], ids[1]],
            "county_code": ["520524"] * 3,
            "name": ["甲", "乙", "丙"],
            "relation": ["other"] * 3,
        },
        reserve_ids(Person, 3),
    )
    stays = reserve_ids(Activity, 2)
    insert_columns(
        Activity,
        {
            "campaign_id": [world.campaign.pk] * 2,
            "village_id": [world.lebang.pk] * 2,
            "county_code": ["522723"] * 2,
            "unit_id": [world.unit_b.pk] * 2,
            "branch_id": [world.branch_b.pk] * 2,
            "kind": ["stay", "service_visit"],
            "date": [datetime.date(2016, 6, 1)] * 2,
            "summary": ["蹲点", "走访"],
            "days": [3, 0],
            "state": ["accepted"] * 2,
        },
        stays,
    )
    world.secretary_b.is_leading_cadre = True
    world.secretary_b.save()
    insert_columns(
        ActivityParticipant,
        {"activity_id": stays, "member_id": [world.secretary_b.pk] * 2},
        reserve_ids(ActivityParticipant, 2),
    )
    slice_ = FigureSlice(world.campaign)
    values = {f.key: f.value(slice_) for f in ALL_FIGURES}
    assert values["households_registered"] == 5
    assert values["poor_people"] == 2 + 2  # the world's two heads and 甲, 乙
    assert values["households_lifted"] == 1
    assert values["member_visits"] == 3
    assert values["cadres_stayed"] == 1
    assert values["stay_days"] == 3
    kept = _cells()
    tallies.rebuild()
    assert _cells() == kept
