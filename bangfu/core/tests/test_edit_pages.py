"""Every edit page, loaded and posted back unchanged, saves (no re-picking a village), and
personal data stays masked on edit pages yet is kept when posted back masked."""

import pytest
from django.urls import reverse

from bangfu.core.models import ObjectChange

EDITABLE = [
    ("orgs:unit", "unit_a"),
    ("orgs:branch", "branch_a"),
    ("orgs:member", "secretary_a"),
    ("registry:household", "household_a"),
    ("campaigns:pairing", "pairing_a"),
    ("ledger:activity", "activity_a"),
]


def form_data(response):
    """What a browser would post back: every field's current value, formsets included."""
    data = {}
    forms = [response.context["form"]]
    for formset in (response.context.get("formsets") or {}).values():
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        kept = [f for f in formset.forms if getattr(f, "instance", None) and f.instance.pk]
        forms += kept
        data[management.add_prefix("TOTAL_FORMS")] = len(kept)
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            data[bound.html_name] = (
                [str(v) for v in value] if isinstance(value, list) else str(value)
            )
    return data


@pytest.mark.parametrize(("name", "attr"), EDITABLE)
def test_an_edit_page_posted_back_unchanged_saves(login, world, name, attr):
    client = login("office")
    obj = getattr(world, attr)
    url = reverse(f"{name}_edit", args=[obj.pk])
    response = client.post(url, form_data(client.get(url)))
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == obj.get_absolute_url()


def test_edit_pages_mask_personal_data_and_keep_it_when_posted_back(login, world):
    world.household_a.phone = "13800001234"
    world.household_a.save()
    client = login("village_a")
    url = reverse("registry:household_edit", args=[world.household_a.pk])
    page = client.get(url)
    body = page.content.decode()
    assert "13800001234" not in body
    assert world.person_a.id_number not in body
    changes = ObjectChange.objects.count()
    response = client.post(url, form_data(page))
    assert response.status_code == 302
    world.household_a.refresh_from_db()
    world.person_a.refresh_from_db()
    assert world.household_a.phone == "13800001234"
    assert world.person_a.id_number.startswith("520524")
    assert "*" not in world.person_a.id_number
    assert ObjectChange.objects.count() == changes  # nothing changed, nothing logged


def test_an_edit_without_the_loaded_version_is_refused(login, world):
    client = login("office")
    url = reverse("orgs:unit_edit", args=[world.unit_a.pk])
    data = form_data(client.get(url))
    del data["loaded_version"]
    data["short_name"] = "覆盖"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "页面已过期" in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.short_name == "省总工会"


def test_a_unit_committee_can_claim_a_village_it_does_not_work_in_yet(login, world):
    world.branch_a.capacity = 2  # room for a second village
    world.branch_a.save()
    client = login("unit_a")
    search = client.get(reverse("core:search", args=["geo.Region"]), {"q": "乐邦", "everywhere": 1})
    assert world.lebang.code in search.content.decode()
    # Searching everywhere is only for public data: households stay scoped.
    households = client.get(
        reverse("core:search", args=["registry.Household"]), {"q": "罗", "everywhere": 1}
    )
    assert world.household_b.number not in households.content.decode()
    response = client.post(
        reverse("campaigns:pairing_add"),
        {
            "campaign": world.campaign.pk,
            "kind": "branch_village",
            "branch": world.branch_a.pk,
            "village": world.lebang.code,
            "origin": "claimed",
            "start": "2016-05-01",
        },
    )
    assert response.status_code == 302


def test_edit_pages_mask_personal_data_for_the_office_too(login, world):
    """Reading a full number is a logged reveal on the detail page, never a side effect of
    opening an edit form."""
    world.household_a.phone = "13800001234"
    world.household_a.save()
    body = login("office").get(reverse("registry:household_edit", args=[world.household_a.pk]))
    assert "13800001234" not in body.content.decode()
    assert world.person_a.id_number not in body.content.decode()
