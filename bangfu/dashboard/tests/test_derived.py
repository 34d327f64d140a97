"""Columns copied from a related row are kept by the database, and the tallies follow them,
whatever moved the row: an edit page, `QuerySet.update()` or raw SQL."""

from __future__ import annotations

import datetime
import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from bangfu.campaigns.models import Pairing
from bangfu.coops.models import Cooperative
from bangfu.dashboard import tallies
from bangfu.dashboard.figures import ALL_FIGURES, BY_KEY, FigureSlice
from bangfu.dashboard.tests.test_tallies import _cells
from bangfu.geo.models import Region
from bangfu.ledger.choices import ActivityKind, ReviewState
from bangfu.ledger.models import Activity, Problem, Project
from bangfu.registry.models import (
    Household,
    HouseholdScore,
    HouseholdScoreAnswer,
    Person,
    ScoringOption,
)


def _figures_json(*args: str) -> dict:
    out = StringIO()
    call_command("figures", "--json", "--all", *args, stdout=out)
    return json.loads(out.getvalue())


def _listed(client, key: str, query: dict) -> int:
    response = client.get(reverse("dashboard:figure", args=[key]), {**query, "per_page": 100})
    assert response.status_code == 200
    return response.context["total"]


def test_moving_an_accepted_entry_to_another_units_branch_moves_its_unit_figures(world, login):
    """The office moves unit A's accepted visit to unit B's branch on the edit page:
    `bangfu figures --unit` agrees with each figure's drill-down list for both units."""
    client = login("office")
    activity = world.activity_a
    url = reverse("ledger:activity_edit", args=[activity.pk])
    loaded = client.get(url).context["form"].initial["loaded_version"]
    response = client.post(
        url,
        {
            "loaded_version": loaded,
            "campaign": world.campaign.pk,
            "kind": ActivityKind.SERVICE_VISIT,
            "date": "2016-05-01",
            "branch": world.branch_b.pk,
            "village": world.baoshan.code,
            "participants": [world.secretary_b.pk],
            "summary": "走访",
            "solved-TOTAL_FORMS": "0",
            "solved-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    activity.refresh_from_db()
    assert (activity.unit_id, activity.branch_id) == (world.unit_b.pk, world.branch_b.pk)
    assert activity.state == ReviewState.ACCEPTED
    for unit, visits in ((world.unit_a, 0), (world.unit_b, 2)):
        printed = _figures_json("--unit", str(unit.pk))
        assert printed["member_visits"] == visits, unit
        for figure in ALL_FIGURES:
            assert printed[figure.key] == _listed(client, figure.key, {"unit": unit.pk}), (
                figure.key,
                unit,
            )
    kept = _cells()
    tallies.rebuild()
    assert _cells() == kept


def test_an_entry_moved_to_another_units_branch_by_update_takes_that_unit(world):
    """An entry's unit is its branch's: a bulk move of the branch carries the unit along."""
    Activity.objects.filter(pk=world.activity_a.pk).update(branch=world.branch_b)
    Problem.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        category="water",
        title="吃水难",
        raised_on=datetime.date(2016, 5, 1),
    )
    Problem.objects.update(branch=world.branch_b)
    assert Activity.objects.get(pk=world.activity_a.pk).unit_id == world.unit_b.pk
    assert set(Problem.objects.values_list("unit_id", flat=True)) == {world.unit_b.pk}
    slice_ = FigureSlice(world.campaign, unit_id=world.unit_a.pk)
    assert BY_KEY["member_visits"].value(slice_) == 0
    assert BY_KEY["member_visits"].value(FigureSlice(world.campaign, unit_id=world.unit_b.pk)) == 2
    kept = _cells()
    tallies.rebuild()
    assert _cells() == kept


def _in_baoshan(world) -> dict:
    """One record of every model that carries a county code, all in 宝山村 (织金县 520524)."""
    household = world.household_a
    option = ScoringOption.objects.select_related("item__sheet").first()  # the shipped sheet's
    score = HouseholdScore.objects.create(
        household=household, sheet=option.item.sheet, total=50, threshold=60, proposed_poor=True
    )
    answer = HouseholdScoreAnswer.objects.create(
        score=score, item=option.item, option=option, points=5
    )
    records = {
        "activity": world.activity_a,
        "pairing": world.pairing_a,
        "problem": Problem.objects.create(
            campaign=world.campaign,
            village=world.baoshan,
            unit=world.unit_a,
            branch=world.branch_a,
            category="water",
            title="吃水难",
            raised_on=datetime.date(2016, 5, 1),
        ),
        "project": Project.objects.create(
            campaign=world.campaign,
            village=world.baoshan,
            unit=world.unit_a,
            branch=world.branch_a,
            name="项目",
            date=datetime.date(2016, 5, 1),
            origin="planned",
            sector="agriculture",
        ),
        "cooperative": Cooperative.objects.create(
            name="宝山合作社", village=world.baoshan, sector="planting"
        ),
        "household": household,
        "person": world.person_a,
        "score": score,
        "answer": answer,
    }
    for name, record in records.items():
        record.refresh_from_db()
        assert record.county_code == "520524", name
    return records


def test_update_of_village_carries_the_county_code(world):
    """`QuerySet.update(village=...)` moves the stored county code, and what hangs on it
    (the household's people and scores, the region figures) follows."""
    records = _in_baoshan(world)
    for model in (Activity, Pairing, Problem, Project, Cooperative, Household):
        model.objects.filter(village=world.baoshan).update(village=world.lebang)
    for name, record in records.items():
        record.refresh_from_db()
        assert record.county_code == "522723", name
    for prefix, households in (("5205", 0), ("5227", 2)):
        for tallied in (True, False):
            slice_ = FigureSlice(world.campaign, region_prefix=prefix, tallies=tallied)
            assert BY_KEY["households_registered"].value(slice_) == households, (prefix, tallied)
            assert BY_KEY["member_visits"].value(slice_) == households, (prefix, tallied)
    kept = _cells()
    tallies.rebuild()
    assert _cells() == kept


def test_a_household_moved_by_update_takes_its_people_along(world):
    Household.objects.filter(pk=world.household_a.pk).update(village=world.lebang)
    assert set(
        Person.objects.filter(household=world.household_a).values_list("county_code", flat=True)
    ) == {"522723"}
    # ...and a person moved to another household takes that household's county.
    Person.objects.filter(pk=world.person_a.pk).update(household=world.household_b)
    Household.objects.filter(pk=world.household_a.pk).update(village=world.baoshan)
    world.person_a.refresh_from_db()
    assert world.person_a.county_code == "522723"
    slice_ = FigureSlice(world.campaign, region_prefix="5205")
    assert BY_KEY["poor_people"].value(slice_) == 0
    assert BY_KEY["households_registered"].value(slice_) == 1


def test_a_county_code_written_by_hand_is_put_right(world):
    """Nobody can store a wrong county code, not even by writing the column itself."""
    Activity.objects.filter(pk=world.activity_a.pk).update(county_code="999999")
    Household.objects.filter(pk=world.household_a.pk).update(county_code="999999")
    Region.objects.filter(pk=world.baoshan.pk).update(county_code="999999")
    world.activity_a.refresh_from_db()
    world.household_a.refresh_from_db()
    world.baoshan.refresh_from_db()
    assert world.activity_a.county_code == "520524"
    assert world.household_a.county_code == "520524"
    assert world.baoshan.county_code == "520524"


def test_a_village_whose_code_changes_takes_its_records_to_the_new_county(world):
    """A division code corrected in place (a village moved to another county) moves the county
    code of everything kept in it."""
    township = Region.objects.get(code="522723102000")
    village = Region.objects.create(
        code="520524116300", name="新村", level="village", parent=world.baoshan.parent
    )
    household = Household.objects.create(
        village=village,
        number="N1",
        attribute="general",
        identified_year=2014,
        main_cause="illness",
    )
    Person.objects.create(household=household, name="甲", relation="head")
    Region.objects.filter(pk=village.pk).update(code="522723102300", parent=township)
    village.refresh_from_db()
    household.refresh_from_db()
    assert village.county_code == "522723"
    assert household.county_code == "522723"
    assert set(household.people.values_list("county_code", flat=True)) == {"522723"}
    assert (
        BY_KEY["households_registered"].value(FigureSlice(world.campaign, region_prefix="5227"))
        == 2
    )


def test_copy_triggers_come_back_after_a_migration_drops_them(world):
    from bangfu.core import derived

    derived.drop()
    assert derived.missing()
    Household.objects.filter(pk=world.household_a.pk).update(county_code="999999")
    derived.after_migrate(plan=[])  # a migration rebuilt a table: SQLite lost its triggers
    assert not derived.missing()
    world.household_a.refresh_from_db()
    assert world.household_a.county_code == "520524"  # and what was written meanwhile is right
    Household.objects.filter(pk=world.household_a.pk).update(village=world.lebang)
    world.household_a.refresh_from_db()
    assert world.household_a.county_code == "522723"
