"""Projects with funds by source, beneficiary households and milestones, saved together."""

from decimal import Decimal

from django.urls import reverse

from bangfu.ledger.models import Project


def project_data(world, **extra):
    data = {
        "campaign": world.campaign.pk,
        "name": "蜂蜜合作社",
        "village": world.baoshan.code,
        "unit": world.unit_a.pk,
        "origin": "introduced",
        "sector": "livestock",
        "state": "under_way",
        "date": "2016-06-01",
        "beneficiaries": [world.household_a.number],
        "fundings-TOTAL_FORMS": "2",
        "fundings-INITIAL_FORMS": "0",
        "fundings-0-source": "fiscal",
        "fundings-0-amount": "300000",
        "fundings-1-source": "social",
        "fundings-1-amount": "20000.50",
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "蜂箱到位",
        "milestones-0-due": "2016-07-01",
    }
    data.update(extra)
    return data


def test_a_project_is_saved_with_its_funds_beneficiaries_and_milestones(login, world):
    client = login("unit_a")
    response = client.post(reverse("ledger:project_add"), project_data(world))
    assert response.status_code == 302
    project = Project.objects.get(name="蜂蜜合作社")
    assert sum(f.amount for f in project.fundings.all()) == Decimal("320000.50")
    assert list(project.beneficiaries.all()) == [world.household_a]
    assert project.milestones.get().title == "蜂箱到位"
    page = client.get(project.get_absolute_url()).content.decode()
    assert "320000.50" in page
    listed = client.get(reverse("ledger:project_list"))
    row = next(r.record for r in listed.context["table"].rows)
    assert (row.total_funds, row.beneficiary_count) == (Decimal("320000.50"), 1)


def test_a_bad_funding_row_saves_nothing(login, world):
    data = project_data(world, **{"fundings-1-amount": "-5"})
    response = login("unit_a").post(reverse("ledger:project_add"), data)
    assert response.status_code == 200
    assert response.context["formsets"]["fundings"].forms[1].errors["amount"]
    assert not Project.objects.filter(name="蜂蜜合作社").exists()


def test_beneficiaries_must_live_in_the_projects_village(login, world):
    data = project_data(world, beneficiaries=[world.household_b.number])
    response = login("office").post(reverse("ledger:project_add"), data)
    assert "beneficiaries" in response.context["form"].errors
