"""The REST API: scoped lists and details, form-backed writes, masking, bulk ledger entries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from bangfu.api import tokens
from bangfu.ledger.choices import ActivityKind
from bangfu.ledger.models import Activity


@pytest.fixture
def api(world: Any) -> Any:
    """An API client signed in with a token as one of the world's users: api("unit_a")."""

    def _api(name: str) -> APIClient:
        client = APIClient()
        _token, plain = tokens.issue(world.users[name], "test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
        return client

    return _api


def test_unit_committee_lists_only_its_own_activities(api: Any, world: Any) -> None:
    response = api("unit_a").get("/api/v1/ledger/activities/")
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [world.activity_a.pk]


def test_out_of_scope_detail_is_404_and_unknown_token_is_401(api: Any, world: Any) -> None:
    client = api("unit_a")
    assert client.get(f"/api/v1/ledger/activities/{world.activity_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/ledger/activities/{world.activity_a.pk}/").status_code == 200
    anonymous = APIClient()
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer bf_00000000_nope")
    assert anonymous.get("/api/v1/ledger/activities/").status_code == 401


def test_filters_ordering_and_pagination(api: Any, world: Any) -> None:
    client = api("office")
    response = client.get("/api/v1/ledger/activities/", {"ordering": "date", "page_size": 1})
    body = response.json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [world.activity_a.pk]
    assert body["next"]
    response = client.get("/api/v1/ledger/activities/", {"ordering": "-date"})
    assert [r["id"] for r in response.json()["results"]] == [
        world.activity_b.pk,
        world.activity_a.pk,
    ]
    response = client.get("/api/v1/geo/regions/", {"q": "宝山"})
    assert [r["code"] for r in response.json()["results"]] == ["520524116214"]


def test_member_phone_masked_without_the_personal_data_right(api: Any, world: Any) -> None:
    world.member_a.phone = "13812345678"
    world.member_a.save()
    url = f"/api/v1/orgs/members/{world.member_a.pk}/"
    assert api("unit_a").get(url).json()["phone"] == "138****5678"
    assert api("office").get(url).json()["phone"] == "13812345678"
    person_url = f"/api/v1/registry/people/{world.person_a.pk}/"
    shown = api("village_a").get(person_url).json()["id_number"]
    assert "*" in shown and shown != world.person_a.id_number


def test_unmasked_personal_data_is_logged(api: Any, world: Any) -> None:
    from bangfu.accounts.models import AccessLog

    client = api("office")
    client.get(f"/api/v1/registry/people/{world.person_a.pk}/")
    client.get("/api/v1/registry/people/")
    kinds = sorted(
        AccessLog.objects.filter(user=world.users["office"]).values_list("kind", flat=True)
    )
    assert kinds == ["export", "reveal"]
    api("unit_a").get(f"/api/v1/registry/people/{world.person_a.pk}/")  # masked: nothing to log
    assert not AccessLog.objects.filter(user=world.users["unit_a"]).exists()


def _visit(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "campaign": world.campaign.pk,
        "kind": ActivityKind.SERVICE_VISIT,
        "date": "2016-06-01",
        "branch": world.branch_a.pk,
        "village": world.baoshan.code,
        "participants": [world.member_a.pk],
        "households": [world.household_a.number],
        "summary": "入户走访",
        **extra,
    }


def test_branch_secretary_records_a_visit_like_the_page_does(api: Any, world: Any) -> None:
    response = api("branch_a").post("/api/v1/ledger/activities/", _visit(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    activity = Activity.objects.get(pk=body["id"])
    assert activity.unit_id == world.unit_a.pk
    assert activity.author == world.users["branch_a"]
    assert activity.pairing == world.pairing_a  # found as the page finds it
    assert body["households"] == [world.household_a.number]
    assert list(activity.participations.values_list("member_id", flat=True)) == [world.member_a.pk]
    from bangfu.core.models import ObjectChange

    change = ObjectChange.objects.filter(object_id=activity.pk, action="create").first()
    assert change is not None and change.user == world.users["branch_a"]


def test_write_errors_are_the_forms_errors(api: Any, world: Any) -> None:
    client = api("branch_a")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/ledger/activities/",
        _visit(world, date=tomorrow, households=[world.household_b.number]),
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "日期不能晚于今天" in str(errors["date"])
    # A household of another village, out of the branch's scope: not a valid choice.
    assert "households" in errors
    assert Activity.objects.count() == 2


def test_cannot_write_into_another_units_branch(api: Any, world: Any) -> None:
    response = api("branch_a").post(
        "/api/v1/ledger/activities/",
        _visit(world, branch=world.branch_b.pk, village=world.lebang.code, households=[]),
        format="json",
    )
    assert response.status_code == 400
    assert "branch" in response.json()
    assert Activity.objects.count() == 2


def test_update_checks_change_scope_and_version(api: Any, world: Any) -> None:
    url = f"/api/v1/ledger/activities/{world.activity_a.pk}/"
    # The member sees the accepted entry but may no longer change it (as on the page).
    assert api("member_a").patch(url, {"summary": "x"}, format="json").status_code == 403
    client = api("unit_a")
    stale = client.get(url).json()["updated"]
    response = client.patch(url, {"summary": "走访,了解春耕"}, format="json")
    assert response.status_code == 200, response.content
    world.activity_a.refresh_from_db()
    assert world.activity_a.summary == "走访,了解春耕"
    assert world.activity_a.participations.count() == 1  # untouched fields kept
    response = client.patch(url, {"summary": "late", "version": stale}, format="json")
    assert response.status_code == 409
    world.activity_a.refresh_from_db()
    assert world.activity_a.summary == "走访,了解春耕"


def test_an_entrys_kind_cannot_change(api: Any, world: Any) -> None:
    url = f"/api/v1/ledger/activities/{world.activity_a.pk}/"
    response = api("unit_a").patch(url, {"kind": ActivityKind.STAY}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_viewer_may_not_write(api: Any, world: Any) -> None:
    response = api("viewer").post("/api/v1/ledger/activities/", _visit(world), format="json")
    assert response.status_code == 403


def test_pairing_goes_through_the_campaign_service(api: Any, world: Any) -> None:
    """A branch's claim waits for approval, as on the page (campaigns.services.submit_pairing)."""
    world.branch_a.capacity = 2
    world.branch_a.save()
    data = {
        "campaign": world.campaign.pk,
        "kind": "branch_village",
        "branch": world.branch_a.pk,
        "village": world.lebang.code,
        "start": "2016-05-01",
    }
    response = api("branch_a").post("/api/v1/campaigns/pairings/", data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "pending"
    # The same village again: the service's rules refuse it, as on the page.
    again = api("branch_a").post("/api/v1/campaigns/pairings/", data, format="json")
    assert again.status_code == 400, again.content


def test_bulk_create_is_all_or_nothing_and_names_index_and_field(api: Any, world: Any) -> None:
    client = api("branch_a")
    good = _visit(world)
    bad = _visit(world, summary="", date="2016-13-01")
    response = client.post("/api/v1/ledger/activities/bulk/", [good, bad, good], format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["index"] for e in errors} == {1}
    assert {"summary", "date"} <= {e["field"] for e in errors}
    assert all(e["reason"] for e in errors)
    assert Activity.objects.count() == 2
    response = client.post("/api/v1/ledger/activities/bulk/", [good, good], format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()) == 2
    assert Activity.objects.count() == 4


def test_list_queries_do_not_grow_with_rows(
    api: Any, world: Any, django_assert_max_num_queries: Any
) -> None:
    client = api("office")
    for resource in ("ledger/activities", "campaigns/pairings", "registry/households"):
        with django_assert_max_num_queries(12):
            assert client.get(f"/api/v1/{resource}/").status_code == 200


def test_out_of_range_ids_are_a_clear_error_not_a_crash(api: Any, world: Any) -> None:
    data = _visit(world, participants=[2**70], branch=-1)
    response = api("branch_a").post("/api/v1/ledger/activities/", data, format="json")
    assert response.status_code == 400
    assert {"participants", "branch"} <= set(response.json())


def test_a_masked_birth_date_matches_the_schema(api: Any, world: Any) -> None:
    """Without the personal-data right a birth date reads 1970-**-**: the schema says a string
    (not a date), so clients and schemathesis accept what the API sends."""
    import json

    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    schema = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    birth = schema["components"]["schemas"]["Person"]["properties"]["birth_date"]
    response = api("village_a").get("/api/v1/registry/people/")
    shown = [row["birth_date"] for row in response.json()["results"] if row["birth_date"]]
    assert shown and all(value.endswith("-**-**") for value in shown)
    for value in shown:
        jsonschema.validate(value, birth, format_checker=jsonschema.FormatChecker())
    assert "format" not in json.dumps(birth)
