"""Scope: a user reaches only their slice, on every page, edit and export; outside it is 404."""

import io

import openpyxl
import pytest
from django.urls import reverse

# (url namespace:model, attribute of the world inside unit A's scope, one outside it)
OBJECTS = [
    ("orgs:unit", "unit_a", "unit_b"),
    ("orgs:branch", "branch_a", "branch_b"),
    ("orgs:member", "secretary_a", "secretary_b"),
    ("geo:region", "baoshan", "lebang"),
    ("registry:household", "household_a", "household_b"),
    ("campaigns:pairing", "pairing_a", "pairing_b"),
    ("ledger:activity", "activity_a", "activity_b"),
]
# Text that only unit A's or only unit B's exported rows contain.
EXPORT_MARK = {
    "a": ("省总工会", "第五党支部", "王书记", "宝山村", "5205241162140001"),
    "b": ("省档案局", "第一党支部", "陆曙光", "乐邦村", "5227231022000001"),
}


@pytest.mark.parametrize(("name", "mine", "theirs"), OBJECTS)
def test_unit_committee_cannot_open_or_edit_another_units_object(login, world, name, mine, theirs):
    client = login("unit_a")
    own, other = getattr(world, mine), getattr(world, theirs)
    assert client.get(reverse(f"{name}_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse(f"{name}_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse(f"{name}_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse(f"{name}_edit", args=[other.pk]), {}).status_code == 404


@pytest.mark.parametrize(("name", "mine", "theirs"), OBJECTS)
def test_unit_committee_lists_and_exports_only_its_own_objects(login, world, name, mine, theirs):
    client = login("unit_a")
    own, other = getattr(world, mine), getattr(world, theirs)
    url = reverse(f"{name}_list")
    if name == "geo:region":
        url += "?level=village"
    response = client.get(url)
    assert response.status_code == 200
    listed = {row.record.pk for row in response.context["table"].rows}
    assert own.pk in listed
    assert other.pk not in listed
    export = client.get(url + ("&" if "?" in url else "?") + "_export=xlsx")
    assert export.status_code == 200
    body = b"".join(export.streaming_content) if export.streaming else export.content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(listed)
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    assert any(mark in text for mark in EXPORT_MARK["a"])
    assert not any(mark in text for mark in EXPORT_MARK["b"])


def test_region_viewer_sees_only_their_prefecture(login, world):
    client = login("viewer_bijie")
    assert (
        client.get(reverse("registry:household_detail", args=[world.household_a.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("registry:household_detail", args=[world.household_b.pk])).status_code
        == 404
    )
    # Units are reached through where they work.
    assert client.get(reverse("orgs:unit_detail", args=[world.unit_a.pk])).status_code == 200
    assert client.get(reverse("orgs:unit_detail", args=[world.unit_b.pk])).status_code == 404


def test_viewer_can_read_but_not_edit(login, world):
    client = login("viewer")
    assert (
        client.get(reverse("registry:household_detail", args=[world.household_b.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("registry:household_edit", args=[world.household_b.pk])).status_code
        == 404
    )
    assert client.get(reverse("registry:household_add")).status_code == 403


def test_village_team_reaches_only_its_village(login, world):
    client = login("village_a")
    assert (
        client.get(reverse("registry:household_edit", args=[world.household_a.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("registry:household_detail", args=[world.household_b.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("ledger:activity_detail", args=[world.activity_b.pk])).status_code == 404
    )


def test_branch_secretary_and_member_reach_only_their_branch(login, world):
    for user in ("branch_a", "member_a"):
        client = login(user)
        assert (
            client.get(reverse("ledger:activity_detail", args=[world.activity_a.pk])).status_code
            == 200
        )
        assert (
            client.get(reverse("ledger:activity_detail", args=[world.activity_b.pk])).status_code
            == 404
        )


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(reverse("registry:household_detail", args=[world.household_a.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_office_sees_everything(login, world):
    client = login("office")
    for name, mine, theirs in OBJECTS:
        for attr in (mine, theirs):
            obj = getattr(world, attr)
            assert client.get(reverse(f"{name}_detail", args=[obj.pk])).status_code == 200


def test_a_form_cannot_move_an_object_out_of_the_users_scope(login, world):
    """Unit A's admin cannot re-home its branch into unit B: unit B is not even a choice."""
    client = login("unit_a")
    response = client.post(
        reverse("orgs:branch_edit", args=[world.branch_a.pk]),
        {
            "unit": world.unit_b.pk,
            "name": "改名",
            "capacity": 1,
            "loaded_version": world.branch_a.updated.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    world.branch_a.refresh_from_db()
    assert world.branch_a.unit == world.unit_a
    assert world.branch_a.name == "第五党支部"


def test_search_offers_only_objects_in_scope(login, world):
    client = login("unit_a")
    response = client.get(reverse("core:search", args=["geo.Region"]), {"q": "村"})
    body = response.content.decode()
    assert "宝山村" in body
    assert "乐邦村" not in body


def test_a_viewer_without_region_or_unit_sees_nothing_and_is_refused_by_clean(world):
    from django.core.exceptions import ValidationError

    from bangfu.accounts.models import User
    from bangfu.registry.models import Household

    user = User(username="nobody", role="viewer")
    with pytest.raises(ValidationError):
        user.full_clean()
    user.save()
    assert not Household.objects.restrict(user).exists()


def test_a_duplicate_id_outside_scope_does_not_name_the_other_household(world):
    from django.core.exceptions import ValidationError

    from bangfu.registry.models import Person

    person = Person(
        household=world.household_b,
        name="重复",
        relation="other",
        id_number=world.person_a.id_number,
    )
    person._checked_by = world.users["unit_b"]
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    message = excinfo.value.message_dict["id_number"][0]
    assert world.household_a.number not in message
    assert "其他村" in message


def test_a_unit_committee_edits_its_unit_but_cannot_add_units(login, world):
    client = login("unit_a")
    assert client.get(reverse("orgs:unit_edit", args=[world.unit_a.pk])).status_code == 200
    assert client.get(reverse("orgs:unit_add")).status_code == 403
    assert "orgs/units/add/" not in client.get(reverse("orgs:unit_list")).content.decode()
