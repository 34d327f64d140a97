from django.urls import reverse

from bangfu.campaigns.models import Pairing


def _pairing(world, **extra):
    data = {
        "campaign": world.campaign.pk,
        "kind": "secretary_household",
        "branch": world.branch_a.pk,
        "member": world.secretary_a.pk,
        "village": world.baoshan.code,
        "household": world.household_a.number,
        "origin": "claimed",
        "start": "2016-04-01",
    }
    data.update(extra)
    return data


def test_branch_secretary_pairs_with_a_household(login, world):
    response = login("branch_a").post(reverse("campaigns:pairing_add"), _pairing(world))
    assert response.status_code == 302
    pairing = Pairing.objects.get(kind="secretary_household")
    assert pairing.household == world.household_a
    assert pairing.county_code == "520524"


def test_only_a_secretary_can_lead_household_help(login, world):
    response = login("office").post(
        reverse("campaigns:pairing_add"), _pairing(world, member=world.member_a.pk)
    )
    assert "只有支部书记" in response.context["form"].errors["member"][0]


def test_household_must_be_in_the_chosen_village(login, world):
    response = login("office").post(
        reverse("campaigns:pairing_add"), _pairing(world, village=world.lebang.code)
    )
    assert "贫困户不在所选的村" in response.context["form"].errors["household"][0]


def test_start_must_fall_in_the_campaign(login, world):
    response = login("office").post(
        reverse("campaigns:pairing_add"), _pairing(world, start="2015-01-01")
    )
    assert "行动期间" in response.context["form"].errors["start"][0]
