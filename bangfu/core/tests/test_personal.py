"""Personal data is masked on pages, in history, in exports and in the API; a reveal (the 显示
button) and an unmasked export are written to the access log, which the office browses."""

from __future__ import annotations

import csv
import datetime
import io

from django.contrib.auth.models import Permission
from django.urls import reverse

from bangfu.accounts.models import AccessKind, AccessLog
from bangfu.core.personal import can_see_personal_data, mask, personal_fields
from bangfu.orgs.models import Member
from bangfu.registry.models import Household, Person

PHONE = "13812345678"


def _reveal_url(obj, field):
    return reverse(
        "accounts:reveal", args=[obj._meta.app_label, obj._meta.model_name, obj.pk, field]
    )


def test_helpers_mask_and_tell_who_may_see(world):
    assert mask(PHONE, "phone") == "138****5678"
    assert mask("085185551234", "phone") == "085*****1234"
    assert mask("85551234", "phone") == "****1234"
    assert mask("520524197005010032", "id_number") == "520524********0032"
    assert mask("520524700501003", "id_number") == "520524******003"
    assert mask("6222021234567890123", "bank_account") == "***************0123"
    assert mask(datetime.date(1970, 5, 1), "birth_date") == "1970-**-**"
    assert mask("1970-05-01", "birth_date") == "1970-**-**"
    assert personal_fields(Person) == ("id_number", "birth_date")
    assert set(personal_fields(Household)) == {"phone", "bank_account"}
    assert personal_fields(Member) == ("phone",)
    assert can_see_personal_data(world.users["office"])
    assert not can_see_personal_data(world.users["unit_a"])
    assert not can_see_personal_data(None)


def test_pages_mask_for_everyone_and_offer_the_button_only_to_the_right(login, world):
    world.member_a.phone = PHONE
    world.member_a.save()
    url = reverse("orgs:member_detail", args=[world.member_a.pk])
    for name in ("unit_a", "office"):
        body = login(name).get(url).content.decode()
        assert PHONE not in body
        assert "138****5678" in body
    assert _reveal_url(world.member_a, "phone") in login("office").get(url).content.decode()
    assert _reveal_url(world.member_a, "phone") not in login("unit_a").get(url).content.decode()
    # The household page's people table too.
    page = login("office").get(reverse("registry:household_detail", args=[world.household_a.pk]))
    assert world.person_a.id_number not in page.content.decode()
    assert not AccessLog.objects.exists(), "looking at a page reveals nothing"


def test_history_masks_personal_data_even_for_the_office(login, world):
    world.member_a.phone = PHONE
    world.member_a.save()
    body = login("office").get(reverse("orgs:member_detail", args=[world.member_a.pk]))
    assert PHONE not in body.content.decode()


def test_a_reveal_answers_the_value_and_is_logged(login, world):
    client = login("office")
    url = _reveal_url(world.person_a, "id_number")
    response = client.post(url, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert world.person_a.id_number in response.content.decode()
    log = AccessLog.objects.get()
    assert log.user == world.users["office"]
    assert log.kind == AccessKind.REVEAL
    assert log.content_type.model_class() is Person
    assert log.object_id == world.person_a.pk
    assert log.fields == ["id_number"]
    assert log.address == "10.1.2.3"


def test_a_reveal_needs_post_the_right_scope_and_a_personal_field(login, world):
    url = _reveal_url(world.person_a, "id_number")
    assert login("office").get(url).status_code == 405
    assert login("unit_a").post(url).status_code == 403
    assert login("office").post(_reveal_url(world.person_a, "name")).status_code == 404
    # A user with the right sees only their own scope.
    unit_a = world.users["unit_a"]
    unit_a.user_permissions.add(
        Permission.objects.get(codename="view_personal_data", content_type__app_label="registry")
    )
    client = login("unit_a")
    household_b_person = world.household_b.people.get()
    assert client.post(_reveal_url(household_b_person, "id_number")).status_code == 404
    assert client.post(_reveal_url(world.person_a, "id_number")).status_code == 200
    assert AccessLog.objects.count() == 1
    assert client.post("/accounts/reveal/auth/user/1/password/").status_code == 404


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_exports_mask_without_the_right_and_log_unmasked_ones(login, world):
    number = world.person_a.id_number
    url = reverse("registry:household_list")
    masked = _csv_rows(login("unit_a").get(url, {"_export": "csv"}))
    assert number not in str(masked) and mask(number) in str(masked)
    assert not AccessLog.objects.exists()

    rows = _csv_rows(
        login("office").get(url, {"_export": "csv", "q": "张龙"}, REMOTE_ADDR="10.9.9.9")
    )
    assert number in str(rows)
    log = AccessLog.objects.get()
    assert log.kind == AccessKind.EXPORT
    assert log.content_type.model_class() is Household
    assert log.export_format == "csv"
    assert log.filters == {"q": "张龙"}
    assert log.row_count == 1
    assert "id_number" in log.fields
    assert log.address == "10.9.9.9"


def test_member_list_export_logs_for_the_office(login, world):
    world.member_a.phone = PHONE
    world.member_a.save()
    response = login("office").get(reverse("orgs:member_list"), {"_export": "xlsx"})
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert (log.kind, log.export_format, log.fields) == (AccessKind.EXPORT, "xlsx", ["phone"])
    assert log.row_count == Member.objects.count()


def test_the_api_masks_without_the_right(login, world):
    world.member_a.phone = PHONE
    world.member_a.save()
    url = f"/api/v1/orgs/members/{world.member_a.pk}/"
    assert login("unit_a").get(url).json()["phone"] == "138****5678"


def test_the_office_browses_and_filters_the_access_log(login, world):
    office = login("office")
    office.post(_reveal_url(world.person_a, "id_number"))
    office.get(reverse("orgs:member_list"), {"_export": "csv"})
    url = reverse("accounts:accesslog_list")
    page = office.get(url)
    assert page.status_code == 200
    assert page.context["table"].paginator.count == 2
    reveals = office.get(url, {"kind": "reveal"})
    assert reveals.context["table"].paginator.count == 1
    assert "张龙" in reveals.content.decode()
    assert office.get(url, {"user": world.users["unit_a"].pk}).context["table"].paginator.count == 0
    assert login("unit_a").get(url).status_code == 403


# --- A birth date is masked with the ID number it is part of -------------------------------


def test_a_birth_date_shows_its_year_and_its_reveal_is_logged(login, world):
    url = reverse("registry:household_detail", args=[world.household_a.pk])
    for name in ("unit_a", "office"):
        body = login(name).get(url).content.decode()
        assert "1970-**-**" in body
        assert "1970-05-01" not in body and "1970年5月1日" not in body
    assert _reveal_url(world.person_a, "birth_date") in login("office").get(url).content.decode()
    assert login("unit_a").post(_reveal_url(world.person_a, "birth_date")).status_code == 403
    response = login("office").post(_reveal_url(world.person_a, "birth_date"))
    assert "1970-05-01" in response.content.decode()
    assert AccessLog.objects.get().fields == ["birth_date"]
    api = login("unit_a").get(f"/api/v1/registry/people/{world.person_a.pk}/").json()
    assert (api["birth_date"], api["id_number"]) == (
        "1970-**-**",
        world.person_a.id_number[:6] + "*" * 8 + world.person_a.id_number[-4:],
    )


def test_the_person_form_reads_the_birth_date_from_the_id_and_keeps_masked_values(world):
    from bangfu.registry.forms import PersonForm

    person = world.person_a
    user = world.users["village_a"]
    form = PersonForm(instance=person, user=user)
    assert form.fields["birth_date"].disabled
    assert form["birth_date"].value() == "1970-**-**"
    assert form["id_number"].value() == mask(person.id_number, "id_number")
    data = {
        name: form[name].value() for name in form.fields if form[name].value() not in (None, False)
    }
    # A date typed against the masked number is not checked (no "does not match" to probe).
    data.update(birth_date="1970-05-02", name="张龙")
    form = PersonForm(data, instance=person, user=user)
    assert form.is_valid(), form.errors
    form.save()
    person.refresh_from_db()
    assert (person.name, person.birth_date) == ("张龙", datetime.date(1970, 5, 1))
    assert person.id_number == world.person_a.id_number


def test_a_masked_export_imports_back_without_changing_anything(tmp_path, login, world):
    from bangfu.core.models import ObjectChange
    from bangfu.registry.tests.test_import import reasons, run

    household = world.household_a
    household.phone, household.bank_account = PHONE, "6222021234567890123"
    household.save()
    response = login("village_a").get(reverse("registry:household_list"), {"_export": "csv"})
    path = tmp_path / "masked.csv"
    path.write_bytes(b"".join(response.streaming_content))
    text = path.read_text(encoding="utf-8-sig")
    assert "1970-**-**" in text and "***************0123" in text and "138****5678" in text
    changes = ObjectChange.objects.count()
    result = run(path, world.users["village_a"])
    assert result.problem_count == 0, reasons(result)
    assert result.unchanged == {"贫困户": 1, "家庭成员": 1}
    assert ObjectChange.objects.count() == changes
    household.refresh_from_db()
    assert (household.phone, household.bank_account) == (PHONE, "6222021234567890123")
    world.person_a.refresh_from_db()
    assert world.person_a.birth_date == datetime.date(1970, 5, 1)


def test_a_masked_column_cannot_be_sorted_by_without_the_right(login, world):
    from bangfu.registry.tables import PersonTable

    people = Person.objects.all()
    assert not PersonTable(people, user=world.users["unit_a"]).columns["id_number"].orderable
    assert not PersonTable(people, user=world.users["unit_a"]).columns["birth_date"].orderable
    assert PersonTable(people, user=world.users["office"]).columns["birth_date"].orderable
