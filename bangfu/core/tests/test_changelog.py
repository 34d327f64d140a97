"""Every create, update and delete of a domain object lands in the change log with its user."""

import datetime

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from bangfu.assessment.tests.factories import one_of_each as assessment_objects
from bangfu.coops.tests.factories import one_of_each as coop_objects
from bangfu.core.changelog import change_context
from bangfu.core.models import BaseModel, ObjectChange
from bangfu.geo.models import VillageYear
from bangfu.ledger.models import (
    ActivityParticipant,
    ActivityPhoto,
    Problem,
    Project,
    ProjectFunding,
    ProjectMilestone,
)
from bangfu.orgs.models import ResidentTeam
from bangfu.registry.models import (
    HouseholdIncome,
    HouseholdScore,
    HouseholdScoreAnswer,
    PovertyLine,
    ScoringItem,
    ScoringOption,
    ScoringSheet,
)


def domain_models() -> list[type[BaseModel]]:
    return [m for m in apps.get_models() if issubclass(m, BaseModel)]


def _changes(obj, action):
    ct = ContentType.objects.get_for_model(obj)
    return ObjectChange.objects.filter(content_type=ct, object_id=obj.pk, action=action)


def _extra_objects(world):
    """One saved instance of every domain model the world fixture does not already create."""
    when = datetime.date(2016, 6, 1)
    common = {
        "campaign": world.campaign,
        "village": world.baoshan,
        "unit": world.unit_a,
        "branch": world.branch_a,
    }
    project = Project.objects.create(
        name="党员活动室", date=when, origin="planned", sector="other", **common
    )
    sheet = ScoringSheet.objects.create(name="试行评分表", year=2016, threshold=50)
    item = ScoringItem.objects.create(sheet=sheet, name="看房", max_points=50)
    option = ScoringOption.objects.create(item=item, label="危房", points=10)
    score = HouseholdScore.objects.create(
        household=world.household_a, sheet=sheet, total=10, threshold=50, proposed_poor=True
    )
    return [
        sheet,
        item,
        option,
        score,
        HouseholdScoreAnswer.objects.create(score=score, item=item, option=option, points=10),
        PovertyLine.objects.create(year=2030, amount=5000),
        VillageYear.objects.create(
            village=world.baoshan, year=2016, population=100, poor_population=20
        ),
        ResidentTeam.objects.create(
            unit=world.unit_a, village=world.baoshan, first_secretary=world.secretary_a, start=when
        ),
        HouseholdIncome.objects.create(household=world.household_a, year=2016, wage_income=100),
        Problem.objects.create(category="other", title="缺水", raised_on=when, **common),
        project,
        ProjectFunding.objects.create(project=project, source="unit", amount=1000),
        ProjectMilestone.objects.create(project=project, title="开工", due=when),
        ActivityPhoto.objects.create(
            activity=world.activity_a, image="ledger/photos/a.jpg", thumbnail="ledger/photos/t.jpg"
        ),
        world.campaign.targets.create(unit=world.unit_a, kind="branch_village", target=2),
        *coop_objects(world),
        *assessment_objects(world),
    ]


def test_every_domain_model_logs_create_update_and_delete(world):
    extra = _extra_objects(world)
    instances = [
        world.province,
        world.unit_a,
        world.branch_a,
        world.secretary_a,
        world.household_a,
        world.person_a,
        world.campaign,
        world.pairing_a,
        world.activity_a,
        world.activity_a.participations.get(),
        *extra,
    ]
    covered = {type(i) for i in instances}
    assert covered == set(domain_models()), "a domain model is missing from this test"
    user = world.users["office"]
    for obj in instances:
        assert _changes(obj, "create").exists(), type(obj)
        before = _changes(obj, "update").count()
        with change_context(user=user):
            obj.save()  # unchanged: no entry
            assert _changes(obj, "update").count() == before
            if isinstance(obj, ActivityParticipant):
                field, obj.member = "member", world.secretary_a
            else:
                field = next(
                    f
                    for f in (
                        "name",
                        "title",
                        "summary",
                        "target",
                        "year",
                        "amount",
                        "population",
                        "wage_income",
                        "number",
                        "end",
                        "label",
                        "note",
                        "points",
                        "width",
                        "score",
                    )
                    if hasattr(obj, f)
                )
                value = getattr(obj, field)
                if field == "end":
                    setattr(obj, field, datetime.date(2016, 12, 31))
                elif isinstance(value, str):
                    setattr(obj, field, value + "9")
                else:
                    setattr(obj, field, (value or 0) + 1)
            obj.save()
        update = _changes(obj, "update").first()
        assert _changes(obj, "update").count() == before + 1
        assert update.user == user
        assert field in [d[0] for d in update.diff()]


def test_delete_is_logged_with_the_last_state(world):
    participation = world.activity_a.participations.get()
    pk = participation.pk
    with change_context(user=world.users["office"]):
        participation.delete()
    change = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(ActivityParticipant),
        object_id=pk,
        action="delete",
    )
    assert change.prechange_data["member"] == world.member_a.pk
    assert change.postchange_data is None


def test_history_shows_on_the_objects_page_with_who_changed_what(login, world):
    client = login("office")
    url = reverse("orgs:branch_edit", args=[world.branch_a.pk])
    response = client.post(
        url,
        {
            "unit": world.unit_a.pk,
            "name": "第五党支部(工会)",
            "capacity": 2,
            "loaded_version": world.branch_a.updated.isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("orgs:branch_detail", args=[world.branch_a.pk]))
    latest, diff = page.context["history"][0]
    assert latest.action == "update"
    assert latest.user_name == "office"
    assert ("name", "第五党支部", "第五党支部(工会)") in latest.diff()
    assert ("支部名称", "第五党支部", "第五党支部(工会)") in diff
    assert "第五党支部(工会)" in page.content.decode()


def test_household_history_includes_its_peoples_changes(login, world):
    world.person_a.name = "张龙铨"
    world.person_a.save()
    client = login("office")
    page = client.get(reverse("registry:household_detail", args=[world.household_a.pk]))
    reprs = [c.object_repr for c, _diff in page.context["history"]]
    assert "张龙铨" in reprs


@pytest.mark.parametrize("role", ["member_a"])
def test_users_without_history_permission_do_not_see_it(login, world, role):
    page = login(role).get(reverse("ledger:activity_detail", args=[world.activity_a.pk]))
    assert page.status_code == 200
    assert page.context.get("history") is None


def test_partly_loaded_objects_load_and_log_without_recursion(world):
    from bangfu.registry.models import Household

    household = Household.objects.only("number").get(pk=world.household_a.pk)
    household.refresh_from_db(fields=["status"])
    household.status = "monitored"
    household.save(update_fields=["status"])
    change = _changes(household, "update").first()
    assert ("status", "poor", "monitored") in change.diff()


def test_links_added_and_removed_are_logged_on_the_object_holding_them(world):
    activity = world.activity_a
    with change_context(user=world.users["office"]):
        activity.households.add(world.household_a)
        activity.households.remove(world.household_a)
    added, removed = _changes(activity, "update").order_by("pk")
    assert added.diff() == [("households", [], [world.household_a.pk])]
    assert removed.diff() == [("households", [world.household_a.pk], [])]
    assert added.user == world.users["office"]
